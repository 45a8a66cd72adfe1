"""Difference plots (conditions relative to SE) show decreases: their y axis is symmetric around 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hubbub.metrics.experiments import relative_to_se, symmetric_span
from hubbub.report.html_compare import _relative_curves
from hubbub.report.plots import conditions_figure, plot_conditions_relative_to_se

HOURS = [0.0, 1.0, 2.0, 3.0]


def _curve(emotion: list[float], confidence: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"hours": HOURS, "emotion_mean": emotion, "confidence_mean": confidence})


def _figure3_data() -> dict[str, pd.DataFrame]:
    """Two topics; the attacked runs end 0.4 (emotion) and 0.25 (confidence) below their SE runs."""
    per_run = pd.DataFrame({"run": ["se_a", "pa_a", "se_b", "pa_b"], "topic": ["a", "a", "b", "b"],
                            "degree": ["SE", "PA-50", "SE", "PA-50"]})
    curves = {"se_a": _curve([0.6] * 4, [0.5] * 4), "se_b": _curve([0.7] * 4, [0.6] * 4),
              "pa_a": _curve([0.6, 0.5, 0.3, 0.2], [0.5, 0.4, 0.3, 0.25]),
              "pa_b": _curve([0.7, 0.6, 0.4, 0.3], [0.6, 0.5, 0.4, 0.35])}
    return relative_to_se(per_run, curves)


def test_relative_curves_carry_the_negative_effect() -> None:
    curves = _figure3_data()
    assert set(curves) == {"PA-50", "SE"}
    assert curves["PA-50"]["emotion_mean"].iloc[-1] == pytest.approx(-0.4)
    assert curves["PA-50"]["confidence_mean"].iloc[-1] == pytest.approx(-0.25)
    assert np.allclose(curves["SE"]["emotion_mean"], 0.0)


def test_figure3_y_limits_hold_the_negative_values_symmetrically() -> None:
    curves = _figure3_data()
    fig = conditions_figure(curves, relative=True)
    try:
        for ax, measure in zip(fig.axes, ("emotion", "confidence")):
            low, high = ax.get_ylim()
            assert low < 0 < high and low == pytest.approx(-high)
            lowest = min(float(c[f"{measure}_mean"].min()) for c in curves.values())
            assert low <= lowest < 0
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_level_plots_keep_the_unit_axis() -> None:
    fig = conditions_figure({"run": _curve([0.2] * 4, [0.3] * 4).assign(emotion_std=0.0, confidence_std=0.0)})
    try:
        assert all(ax.get_ylim() == (0.0, 1.0) for ax in fig.axes)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_span_includes_the_spread_and_is_never_zero() -> None:
    frame = pd.DataFrame({"hours": [0, 1], "emotion_mean": [0.1, -0.3], "emotion_std": [0.05, 0.1]})
    assert symmetric_span({"x": frame}, "emotion") >= 0.4
    flat = frame.assign(emotion_mean=0.0, emotion_std=0.0)
    assert symmetric_span({"x": flat}, "emotion") > 0


def test_written_png_and_html_chart_use_the_symmetric_axis(tmp_path) -> None:
    curves = _figure3_data()
    path = plot_conditions_relative_to_se(curves, tmp_path / "fig3.png")
    assert path.stat().st_size > 0

    class _Limits:
        curve_points = 100

    class _Opts:
        limits = _Limits()

    charts = _relative_curves(curves, "exp", _Opts())  # type: ignore[arg-type]
    for chart in charts:
        low, high = chart["ylim"]
        assert low < -0.25 and low == pytest.approx(-high)
