"""Honest statistics in reports (issue 17): every mean with its n and a 95 % t-interval, group sizes in
the legends, error bars where a title promises them, and a gap (not 0) where a value is undefined."""

from __future__ import annotations

import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hubbub.metrics.stats import levels_halfwidth, mean_interval, n_label, share_halfwidth, t_halfwidth
from hubbub.report.html import build_payload


def textbook_halfwidth(values) -> float:
    """The t-interval half-width computed the long way: t(0.975, n - 1) * s / sqrt(n), s with ddof 1."""
    v = np.asarray(values, dtype=float)
    return float(stats.t.ppf(0.975, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))


def test_intervals_match_the_textbook_t_interval():
    values = [0.2, 0.5, 0.4, 0.9, 0.1]
    assert float(t_halfwidth(np.std(values), 5)) == pytest.approx(textbook_halfwidth(values))
    assert mean_interval(values) == pytest.approx((0.42, textbook_halfwidth(values), 5))
    zeros_ones = [1, 1, 0, 1, 0, 0, 0, 1, 1, 1]
    assert float(share_halfwidth(0.6, 10)) == pytest.approx(textbook_halfwidth(zeros_ones))
    levels = [0, 0, 0.5, 1, 0.5, 0]  # calm, moderate, intense shares 1/2, 1/3, 1/6
    assert float(levels_halfwidth([[0.5, 1 / 3, 1 / 6]], [0, 0.5, 1], 6)[0]) == pytest.approx(textbook_halfwidth(levels))


def test_one_value_has_no_interval_not_a_zero_one():
    assert np.isnan(t_halfwidth(0.0, 1)) and np.isnan(share_halfwidth(0.5, 0))
    assert np.isnan(mean_interval([0.3])[1]) and mean_interval([])[2] == 0
    assert n_label([30, 30]) == "n=30" and n_label([3, 200]) == "n=3–200" and n_label([np.nan]) == ""


def test_trendsim_means_carry_n_intervals_and_group_sizes(run_dir):
    run = build_payload([run_dir])["runs"][0]
    emotion = run["conditions"][0]
    line = emotion["series"][0]
    assert line["name"] == "all users (n=30)" and set(line["n"]) == {30}
    assert "95% t-interval" in emotion["title"] and emotion["band"].startswith("shaded: 95% t-interval")
    assert all(hi > y > lo for y, lo, hi in zip(line["y"], line["lo"], line["hi"]))
    groups = next(c for c in run["conditions"] if c["id"].endswith("emotion-groups"))
    assert groups["legend"] == "preference group (users)" and all("(n=" in s["name"] for s in groups["series"])
    assert sum(int(s["name"].rsplit("n=", 1)[1].rstrip(")")) for s in groups["series"]) == 30
    bars = run["groups"]
    assert all("(n=" in c for c in bars["categories"]) and bars["err"].startswith("error bars: 95% t-interval")
    assert any(e is not None for e in bars["series"][0]["err"])  # groups of two or more users get a bar


def test_s3_groups_are_named_for_what_they_are():
    from hubbub.report.html_conditions import group_word

    assert group_word({"config": {"kind": "combined"}}) == "S3 user class"
    assert group_word({"config": {"kind": "trendsim"}}) == "preference group"


def test_an_undefined_share_is_a_gap_not_zero(s3_dir, tmp_path):
    """Before anyone is aware, the share of aware users with a positive attitude does not exist."""
    run = shutil.copytree(s3_dir, tmp_path / "s3")
    conn = sqlite3.connect(run / "run.sqlite")
    conn.execute("UPDATE s3_steps SET aware = 0, positive_share_aware = NULL, mean_intensity = NULL, calm = NULL, "
                 "moderate = NULL, intense = NULL WHERE step = 0")
    conn.commit()
    conn.close()
    charts = {c["id"].rsplit("-s3-", 1)[1]: c for c in build_payload([run])["runs"][0]["s3"]["charts"]}
    aware = next(s for s in charts["attitude"]["series"] if s["name"].startswith("aware users"))
    assert aware["y"][0] is None and aware["lo"][0] is None and aware["y"][1] == 0.5
    for line in charts["emotion-shares"]["series"] + charts["intensity"]["series"][:1]:
        assert line["y"][0] is None, line["name"]
    everyone = next(s for s in charts["attitude"]["series"] if s["name"].startswith("all users"))
    assert everyone["y"][0] == 0.4 and everyone["name"] == "all users (n=20)"


def test_experiment_bars_draw_the_interval_they_promise():
    from hubbub.report.html_compare import _degree_bars

    per_run = pd.DataFrame({"degree": ["SE"] * 3 + ["PA-30"] * 2 + ["PA-50"],
                            "emotion_avg": [0.5, 0.6, 0.7, 0.2, 0.4, 0.3], "confidence_avg": [0.5] * 6,
                            "emotion_div": [0.1] * 6, "confidence_div": [0.2] * 6})
    chart = _degree_bars(per_run, "exp")[0]
    assert chart["categories"] == ["SE (n=3)", "PA-30 (n=2)", "PA-50 (n=1)"]
    emotion = chart["series"][0]
    assert emotion["y"] == pytest.approx([0.6, 0.3, 0.3])
    assert emotion["err"][0] == pytest.approx(textbook_halfwidth([0.5, 0.6, 0.7]), abs=1e-4)
    assert emotion["err"][2] is None and emotion["n"] == [3, 2, 1]  # one run: no interval, and it says n=1
    assert "95% t-interval" in chart["title"] and "n runs" in chart["title"]


def test_interventions_are_a_readable_table(run_dir):
    table = build_payload([run_dir])["runs"][0]["interventions"]
    assert table["columns"] == ["time (h)", "type", "target", "settings", "effect"]
    rows = {r[1]: r for r in table["rows"]}
    assert rows["inject_post"][3] == "text: Official note: the story is confirmed."
    assert rows["censorship"][3] == "enabled: no" and rows["censorship"][0] == 1.0
    assert not any(str(v).startswith("{") for r in table["rows"] for v in r)  # no raw JSON


def test_png_plots_label_axes_and_bands(run_dir, tmp_path):
    from hubbub.report.html_frames import activity, conditions
    from hubbub.report.plots import conditions_figure, plot_activity
    from hubbub.store import load_run

    run = load_run(run_dir)
    fig = conditions_figure({"run": conditions(run)})
    try:
        assert [ax.get_ylabel() for ax in fig.axes] == ["emotion (0 to 1)", "confidence (0 to 1)"]
        labels = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
        assert labels == ["run", "shaded: 95% t-interval (n=30 users)"]
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    table = activity(run)
    assert table["bin_min"].iloc[0] == 10  # a 2-hour run: 10-minute bins, not 2 hourly points
    assert plot_activity(table, tmp_path / "activity.png").stat().st_size > 10_000
