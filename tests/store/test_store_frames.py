"""The loaded tables join on one agent id column and carry simulated hours and calendar times."""

from __future__ import annotations

import pandas as pd
import pytest

from hubbub import Simulation
from hubbub.store import export_run, load_run
from hubbub.store.schema import DATA_TABLES
from hubbub.testing import small_scenario


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("frames") / "run"
    Simulation(small_scenario(run__start_time="2025-03-01T09:30:00"), out).run()
    return load_run(out)


def test_agents_events_states_and_comments_join_on_agent_id(run):
    joined = (run.agents.merge(run.events, on="agent_id")
              .merge(run.agent_states, on="agent_id", suffixes=("", "_state"))
              .merge(run.comments, on="agent_id", suffixes=("", "_comment")))
    assert len(joined) > 0
    commenters = set(run.comments["agent_id"])
    assert set(joined["agent_id"]) == commenters & set(run.agent_states["agent_id"])
    assert set(joined["role"]) <= {"user", "attacker"}


def test_no_loaded_table_keeps_a_stored_agent_column_name(run):
    for name in DATA_TABLES:
        columns = set(run.table(name).columns)
        assert not columns & {"agent", "author", "via"}, name


def test_every_timed_table_has_hours_and_calendar_times(run):
    start = pd.Timestamp("2025-03-01T09:30:00")
    for name, seconds in (("events", "time"), ("agent_states", "time"), ("comments", "created_at"), ("likes", "time")):
        frame = run.table(name)
        at = list(frame.columns).index(seconds)
        assert list(frame.columns)[at + 1:at + 3] == ["t_h", "timestamp"], name
        assert (frame["t_h"] * 3600 - frame[seconds]).abs().max() < 1e-9
        assert (frame["timestamp"] == start + pd.to_timedelta(frame[seconds], unit="s")).all()


def test_agents_have_one_column_per_persona_attribute(run):
    agents = run.agents
    assert list(agents.columns[:3]) == ["agent_id", "role", "grp"] and agents.columns[-1] == "profile"
    for column in ("description", "emotion", "confidence"):
        assert agents[column].tolist() == [p.get(column) for p in agents["profile"]]


def test_events_of_gives_one_kinds_fields_as_columns(run):
    actions = run.events_of("action")
    assert list(actions.columns[:6]) == ["seq", "time", "t_h", "timestamp", "kind", "agent_id"]
    assert {"action", "page", "role", "visit"} <= set(actions.columns) and "data" not in actions.columns
    expected = run.events[run.events["kind"] == "action"]
    assert actions["seq"].tolist() == expected["seq"].tolist()
    assert actions["action"].tolist() == [d["action"] for d in expected["data"]]
    assert len(run.events_of("no_such_kind")) == 0


def test_export_uses_the_same_names_and_leaves_out_other_worlds_empty_tables(run, tmp_path):
    paths = export_run(run.path, tmp_path / "csv", fmt="csv")
    names = [p.stem for p in paths]
    assert not [n for n in names if n.startswith("s3_")] and "comments" in names
    assert "agent_id" in pd.read_csv(tmp_path / "csv" / "comments.csv").columns
