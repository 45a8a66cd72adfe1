"""The notebook API: tables with documented columns and matplotlib figures that leave pyplot alone."""

from __future__ import annotations

import pytest

from hubbub.errors import ConfigError
from hubbub.report import api


@pytest.fixture(scope="module")
def runs(run_dir, new_run, tmp_path_factory):
    other = new_run(tmp_path_factory.mktemp("api") / "quiet", size=12, hours=1.0, share=0.0, seed=2)
    return api.load_runs(run_dir, other)


def test_load_runs_takes_folders_or_lists(run_dir, runs):
    assert list(runs) == ["demo", "quiet"]
    assert list(api.load_runs([run_dir])) == ["demo"]
    assert list(api.as_runs(runs["demo"])) == ["demo"] and list(api.as_runs(str(run_dir))) == ["demo"]


def test_tables_have_their_documented_columns(runs):
    run = runs["demo"]
    assert list(api.conditions(run).columns) == ["hours", "emotion_mean", "emotion_std", "confidence_mean",
                                                 "confidence_std", "users"]
    groups = api.conditions_by_group_over_time(run)
    assert list(groups.columns) == ["grp", "hours", "users", "emotion_mean", "emotion_std", "confidence_mean",
                                    "confidence_std"]
    assert groups.groupby("hours")["users"].sum().eq(30).all()
    assert list(api.activity(run).columns[:2]) == ["start_h", "bin_min"]
    assert list(api.interviews(run).columns) == ["hours", "agent_id", "group", "post_run", "question", "answer",
                                                 "emotion", "confidence", "emotion_level", "attitude"]
    agents = api.agent_table(run)
    states = run.agent_states.sort_values(["time", "seq"]).groupby("agent_id").tail(1).set_index("agent_id")
    user = agents[agents["role"] == "user"].iloc[0]
    assert user["emotion_end"] == states.loc[user["agent_id"], "emotion"]
    assert agents[agents["role"] == "attacker"]["emotion_end"].isna().all()
    assert agents["comments"].sum() == len(run.comments[run.comments["agent_id"].isin(agents["agent_id"])])


def test_compare_has_one_row_per_run(runs):
    table = api.compare(runs)
    assert list(table["run"]) == ["demo", "quiet"] and (table["backend"] == "scripted").all()
    assert table["llm_calls"].gt(0).all()


def test_plots_return_figures_with_one_line_per_run(runs):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = api.plot_conditions(runs)
    assert len(fig.axes) == 2 and len(fig.axes[0].get_lines()) >= 2
    emotion_lines = [line for line in fig.axes[0].get_lines() if line.get_label() in runs]
    assert [line.get_label() for line in emotion_lines] == ["demo", "quiet"]
    dashed = [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 5  # demo: 2 interventions + 1 interview; quiet: 2 interventions (1 h run, no interview)
    assert plt.get_fignums() == before  # nothing registered with pyplot


def test_every_plot_draws(runs, tmp_path):
    figures = [api.plot_conditions_by_group(runs["demo"]), api.plot_final_by_group(runs),
               api.plot_activity(runs, ["sessions", "comments"], bin_minutes=15), api.plot_telemetry(runs)]
    for k, fig in enumerate(figures):
        path = tmp_path / f"{k}.png"
        fig.savefig(path, dpi=40)
        assert path.stat().st_size > 1000
    activity = figures[2]
    assert len(activity.axes) == 2 and len(activity.axes[0].get_lines()) >= 2


def test_plot_activity_names_unknown_columns(runs):
    with pytest.raises(ConfigError, match="wrong_column"):
        api.plot_activity(runs, ["sessions", "wrong_column"])


def test_report_from_a_notebook(runs, tmp_path):
    out = api.report(list(runs.values())[0].path, tmp_path / "r.html")
    assert out.is_file() and out.stat().st_size > 10_000
