"""The report in headless Chromium, driven over the DevTools protocol (tests/report/cdp.py), so uncaught
exceptions, console errors and Content-Security-Policy violations are caught too (issue 17):

* the network view of an S3 run (graph drawing at start / middle / end, degree distribution, cascade
  trees), with screenshots for docs/img when HUBBUB_UPDATE_SCREENSHOT=1;
* a three-run comparison in which every run keeps one colour in every chart;
* intervention labels on the time charts that never overprint.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hubbub.report.html import report_run, write_report

from cdp import CHROMIUM, Page, small_png  # tests/report/cdp.py (pytest puts this folder on sys.path)

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
READY = "document.body.getAttribute('data-report') === 'ready'"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium "
                                                     "(Debian: apt-get install -y chromium)"),
]


def keep_screenshot(shot: Path, name: str) -> None:
    if os.environ.get("HUBBUB_UPDATE_SCREENSHOT") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, DOCS_IMG / name)


NETWORK = """(function () {
  var net = document.querySelector(".block.network"), view = net.querySelector(".netview");
  var panels = view.querySelectorAll(".netpanel");
  var fills = function () { // the panels are drawn anew on every click: look them up each time
    var last = view.querySelectorAll(".netpanel")[2];
    return Array.prototype.map.call(last.querySelectorAll("circle"), function (c) { return c.getAttribute("fill"); });
  };
  var byAttitude = fills();
  view.querySelector('button[data-by="emotion"]').click();
  var byEmotion = fills();
  view.querySelector('button[data-by="attitude"]').click();
  var degrees = net.querySelector('.chart[data-chart="line"]');
  var trees = net.querySelectorAll(".netpanel.tree");
  return { users: +view.getAttribute("data-users"), panels: panels.length,
    captions: Array.prototype.map.call(panels, function (p) { return p.querySelector("figcaption").textContent; }),
    circles: Array.prototype.map.call(panels, function (p) { return p.querySelectorAll("circle").length; }),
    edges: panels[0].querySelector("path.edges").getAttribute("d").split("M").length - 1,
    blocked: panels[2].querySelectorAll("path.blocked").length,
    attitude: byAttitude, emotion: byEmotion,
    degreeTitle: degrees.querySelector("h4").textContent, degreeCanvas: degrees.querySelectorAll("canvas").length,
    degreePoints: degrees.uplot.data.slice(1).reduce(function (a, col) { return a + col.filter(function (v) { return v !== null && v !== undefined; }).length; }, 0),
    degreeLog: [degrees.uplot.scales.x.distr, degrees.uplot.scales.y.distr],
    trees: trees.length, treeNodes: trees.length ? trees[0].querySelectorAll("circle").length : 0,
    treeSize: trees.length ? +trees[0].getAttribute("data-size") : 0,
    errors: document.body.getAttribute("data-errors") };
})()"""


def test_s3_report_shows_the_network_view(s3_run, tmp_path):
    """Must-show 1: graph drawing, degree distribution and a cascade tree, with no console errors."""
    out = report_run(s3_run, tmp_path / "report.html")
    with Page(tmp_path / "profile", 1280, 1600) as page:
        page.open(out.as_uri())
        page.wait_for(READY)
        r = page.evaluate(NETWORK)
        shot = page.screenshot(tmp_path / "network.png", ".block.network", max_height=1150)
        trees = page.screenshot(tmp_path / "trees.png", ".netpanels.trees")
        assert page.errors == []
    assert r["errors"] == "0" and r["users"] == 200 and r["panels"] == 3
    assert r["captions"][0].startswith("start: after round 0") and r["captions"][2].startswith("end: after round 6")
    assert r["circles"] == [200, 200, 200] and r["edges"] > 1000 and r["blocked"] == 1
    assert set(r["attitude"]) <= {"#c0392b", "#2471a3"} and len(set(r["attitude"])) == 2
    assert set(r["emotion"]) <= {"#7fb3d5", "#f0a030", "#8e1b10", "#c8cdd2"} and r["emotion"] != r["attitude"]
    assert "Degree distributions, all 200 users (log-log)" in r["degreeTitle"] and r["degreePoints"] > 10
    assert r["degreeCanvas"] == 1 and r["degreeLog"] == [3, 3]  # drawn by uPlot on log-log scales
    assert r["trees"] >= 1 and r["treeNodes"] == r["treeSize"] > 1
    for path in (small_png(shot), small_png(trees)):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and 4_000 < path.stat().st_size < 200_000
    keep_screenshot(shot, "report-network.png")
    keep_screenshot(trees, "report-cascade-trees.png")


COLOURS = """(function () {
  var names = JSON.parse(document.getElementById("hubbub-data").textContent).runs.map(function (r) { return r.name; });
  var charts = Array.prototype.map.call(document.querySelectorAll("#compare .chart"), function (chart) {
    var legend = Array.prototype.map.call(chart.querySelectorAll(".legend .lg"), function (b) {
      return [b.textContent, /background:\\s*(#[0-9a-f]{6})/.exec(b.querySelector(".sw").getAttribute("style"))[1]];
    });
    return { title: chart.querySelector("h4").textContent, legend: legend, canvas: chart.querySelectorAll("canvas").length,
      drawn: chart.getAttribute("data-drawn").split(" "), errorBars: +chart.getAttribute("data-error-bars") };
  });
  return { names: names, charts: charts };
})()"""


def test_each_run_keeps_one_colour_in_every_chart(run_dir, new_run, tmp_path):
    """Must-show 2: a three-run comparison; a run's legend entry has the same colour in every chart
    it appears in, the runs' colours differ, and what is drawn uses the legend's colours."""
    second = new_run(tmp_path / "second", size=16, hours=1.0, share=0.0, seed=3)
    third = new_run(tmp_path / "third", size=12, hours=2.0, share=0.3, seed=4)
    out = write_report([run_dir, second, third], tmp_path / "three.html")
    with Page(tmp_path / "profile") as page:
        page.open(out.as_uri())
        page.wait_for(READY)
        r = page.evaluate(COLOURS)
        shot = page.screenshot(tmp_path / "compare.png", "#compare", max_height=1100)
        assert page.errors == []
    colours: dict[str, set[str]] = {name: set() for name in r["names"]}
    seen = {name: 0 for name in r["names"]}
    for chart in r["charts"]:
        for label, colour in chart["legend"]:
            run = next(n for n in r["names"] if label == n or label.startswith(n + " (n="))
            colours[run].add(colour)
            seen[run] += 1
        assert chart["canvas"] == 1 and set(chart["drawn"]) <= {c for _, c in chart["legend"]}, chart["title"]
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len({next(iter(c)) for c in colours.values()}) == 3
    assert all(n >= 4 for n in seen.values()), seen  # conditions, activity and group charts
    group_bars = [c for c in r["charts"] if "by group and run" in c["title"]]
    assert group_bars and all(c["errorBars"] > 0 for c in group_bars)  # the promised intervals are drawn
    keep_screenshot(small_png(shot), "report-compare.png")


LABELS = """(function () {
  var out = [];
  document.querySelectorAll('.chart[data-chart="line"]').forEach(function (chart) {
    var boxes = Array.prototype.map.call(chart.querySelectorAll(".mlabel"), function (t) {
      var b = t.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom];
    });
    var overlaps = 0;
    boxes.forEach(function (a, i) { boxes.slice(i + 1).forEach(function (b) {
      if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) overlaps++; }); });
    out.push({ markers: chart.querySelectorAll(".marker").length, labels: boxes.length, overlaps: overlaps, boxes: boxes,
      titles: Array.prototype.map.call(chart.querySelectorAll(".marker"), function (t) { return t.getAttribute("title"); }) });
  });
  return out;
})()"""


def test_intervention_labels_never_overprint(run_copy, tmp_path):
    from hubbub.store import RunStore

    with RunStore.open(run_copy) as store:
        seq = store.last_seq()
        for k in range(6):  # six interventions within 0.1 h: their labels would sit on top of each other
            store.append_event(seq + 1 + k, 1800.0 + 60 * k, "intervention", None,
                               {"type": "label", "text": f"warning {k}"})  # labels start 'label'; texts differ
        store.append_event(seq + 7, 1800.0 + 300, "intervention", None, {"type": "feed", "text": "same time"})
        store.commit()
    out = report_run(run_copy, tmp_path / "report.html")
    with Page(tmp_path / "profile") as page:
        page.open(out.as_uri())
        page.wait_for(READY)
        charts = page.evaluate(LABELS)
        assert page.errors == []
    timed = [c for c in charts if c["markers"]]
    assert len(timed) >= 5
    for chart in timed:
        assert chart["overlaps"] == 0 and chart["labels"] <= chart["markers"], chart["boxes"]
        assert any("label; feed" in t for t in chart["titles"])  # two at one instant share a marker and a label
        assert sum(t.count("label") for t in chart["titles"]) == 6  # every intervention still named on hover
