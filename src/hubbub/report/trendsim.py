"""Tables and plots of one TrendSim run, rebuilt from its run record."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hubbub.metrics.trendsim import (
    activity_by_hour,
    conditions_by_group,
    conditions_over_time,
    final_conditions,
    summary_markdown,
    write_table,
)


def analyse_run(run_dir: str | Path) -> list[Path]:
    """Write the tables and plots of one TrendSim run; return the files written."""
    from hubbub.report.html_frames import activity
    from hubbub.report.plots import plot_activity, plot_conditions_over_time, plot_groups
    from hubbub.store import load_run

    run_dir = Path(run_dir)
    run = load_run(run_dir)
    tables, plots = run_dir / "tables", run_dir / "plots"
    tables.mkdir(exist_ok=True)
    plots.mkdir(exist_ok=True)
    frames = {"final_conditions": pd.DataFrame([final_conditions(run)]),
              "conditions_over_time": conditions_over_time(run),
              "conditions_by_group": conditions_by_group(run),
              "activity_by_hour": activity_by_hour(run)}
    written = [write_table(frame, tables / name) for name, frame in frames.items()]
    written = [p for pair in written for p in pair]
    written.append(plot_conditions_over_time({"run": frames["conditions_over_time"]}, plots / "conditions_over_time.png"))
    written.append(plot_groups(frames["conditions_by_group"], plots / "conditions_by_group.png"))
    written.append(plot_activity(activity(run), plots / "activity.png"))  # bins that suit the run's length
    (run_dir / "summary.md").write_text(summary_markdown(run, frames), encoding="utf-8")
    return written + [run_dir / "summary.md"]
