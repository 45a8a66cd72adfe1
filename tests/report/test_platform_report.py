"""The report of a living-platform run (issue 14 must-show 1): panels for the follow graph's evolution,
feed exposure by source and ranker, the effect of moderation, the board's ranks over time and the posts'
annotations, built from the run record; drawn without errors in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubbub.report.html import build_payload, report_run

CHROMIUM = Path("/usr/bin/chromium")
PANELS = ("edges", "graph", "graph-changes", "exposure", "exposure-total", "moderation", "moderation-rank", "board",
          "annotations")


@pytest.fixture(scope="module")
def platform_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """platform-demo shrunk (24 users, 2 simulated hours) on the scripted backend; its moderation rule
    starts at 1.5 h and its feed intervention at 2 h."""
    from hubbub.runtime.simulation import Simulation
    from hubbub.scenarios.config import scenario_from_dict
    from hubbub.scenarios.loading import read_scenario_data, set_dotted

    data, source = read_scenario_data("platform-demo")
    for key, value in {"llm.backend": "scripted", "platform.population.size": 24, "platform.population.llm_users": 5,
                       "platform.hours": 2.0, "platform.churn.reserve": 2}.items():
        set_dotted(data, key, value)
    out = tmp_path_factory.mktemp("platform") / "run"
    Simulation(scenario_from_dict(data, source), out).run()
    return out


def _charts(run_dir: Path) -> dict[str, dict]:
    run = build_payload([run_dir])["runs"][0]
    return {c["id"].removeprefix("run-platform-"): c for c in run.get("curves", []) if "-platform-" in c["id"]}


def test_a_platform_report_holds_the_graph_exposure_moderation_board_and_annotation_panels(platform_dir):
    from hubbub.metrics import platform as metrics
    from hubbub.store import load_run

    charts = _charts(platform_dir)
    assert set(PANELS) <= set(charts)
    names = {key: [s["name"] for s in chart["series"]] for key, chart in charts.items()}
    assert names["edges"] == ["follow edges", "users present"]
    assert names["graph"] == ["reciprocity", "clustering", "attitude assortativity", "cross-camp share of ties"]
    assert {"follow", "unfollow"} <= set(names["graph-changes"])
    assert names["exposure"] == ["in_network (recency)", "recommended (interest)"]
    assert charts["exposure-total"]["categories"] == names["exposure"]
    assert "toxicity > 0.5" in charts["moderation"]["title"]  # the threshold the demo's moderation rule sets
    assert names["moderation-rank"] == ["toxic posts", "other posts"]
    run = load_run(platform_dir)
    board = metrics.board_ranks(run)
    assert len(names["board"]) == board["topic_id"].nunique() >= 8
    graph = metrics.graph_metrics(run)
    assert charts["edges"]["series"][0]["y"] == [float(v) for v in graph["edges"]]  # the record's numbers
    assert names["annotations"] == ["toxic (toxicity > 0.5)", "positive sentiment", "negative sentiment"]
    assert "annotator: lexicon" in charts["annotations"]["title"]  # the lexicon gives no stance: no stance line


def test_a_run_of_another_kind_has_no_platform_panels(run_dir):
    assert _charts(run_dir) == {}


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium")
def test_the_platform_panels_are_drawn_in_chromium(platform_dir, tmp_path):
    from cdp import Page  # tests/report/cdp.py

    titles = [c["title"] for c in _charts(platform_dir).values()]
    out = report_run(platform_dir, tmp_path / "report.html")
    with Page(tmp_path / "profile", 1280, 2000) as browser:
        browser.open(out.as_uri())
        browser.wait_for("document.body.getAttribute('data-report') === 'ready'")
        drawn = browser.evaluate("""Array.from(document.querySelectorAll('.chart')).map(function (c) {
          var t = c.querySelector('h4'); return [t ? t.textContent : '', c.querySelector('canvas, svg') !== null];
        })""")
        state = browser.evaluate("[document.body.getAttribute('data-errors'), document.body.getAttribute('data-report')]")
        assert browser.errors == []
    shown = {title: has_plot for title, has_plot in drawn}
    assert all(shown.get(title) for title in titles), [t for t in titles if not shown.get(t)]
    assert state == ["0", "ready"]
