"""``report.api.interviews``: the group and state of every interviewee, post-run interviews included."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from hubbub.commands.interview import interview_run
from hubbub.report import api
from hubbub.store import RunStore, load_run


def test_post_run_interviews_get_group_and_state_from_the_record(run_copy):
    run = load_run(run_copy)
    user = run.agents[run.agents["role"] == "user"]["agent_id"].iloc[0]
    interview_run(run_copy, "Did the comments change your mind?", [user], None, 1.0, {})
    table = api.interviews(load_run(run_copy))
    assert table["post_run"].sum() == 1 and (~table["post_run"]).sum() == 4  # the 4 scheduled answers stay
    assert table["group"].notna().all() and table["emotion"].notna().all() and table["confidence"].notna().all()
    asked = table[table["post_run"]].iloc[0]
    states = run.agent_states[(run.agent_states["agent_id"] == user) & (run.agent_states["time"] <= 3600.0)]
    last = states.sort_values(["time", "seq"]).iloc[-1]
    assert (asked["agent_id"], asked["hours"]) == (user, 1.0)
    assert (asked["emotion"], asked["confidence"]) == (last["emotion"], last["confidence"])
    assert asked["group"] == run.agents.set_index("agent_id").loc[user, "grp"]


def test_follow_graph_interviews_get_levels_and_the_population_group(s3_dir, tmp_path):
    path = Path(shutil.copytree(s3_dir, tmp_path / "s3"))
    with RunStore.open(path) as store:
        for step, (emotion, attitude) in enumerate((("calm", "negative"), ("intense", "positive"))):
            store.insert("s3_user_states", {"agent": "u1", "step": step, "time": step * 3600.0, "policy": "llm",
                                            "emotion": emotion, "attitude": attitude, "aware": 1, "action": "none",
                                            "seq": 100 + step})
        store.append_event(6, 1800.0, "interview", "u1", {"question": "Q?", "answer": "A.", "at_h": 0.5,
                                                            "emotion_level": "moderate", "attitude": "negative"})
        store.append_event(7, 5400.0, "interview", "u1", {"question": "Q?", "answer": "B.", "at_h": 1.5,
                                                            "post_run": True})
        store.commit()
    table = api.interviews(load_run(path))
    assert table["group"].tolist() == ["a", "a"]  # no persona group here: the population group
    assert table["emotion_level"].tolist() == ["moderate", "intense"]  # as recorded; then the state at 1.5 h
    assert table["attitude"].tolist() == ["negative", "positive"]
    assert table["emotion"].isna().all() and table["post_run"].tolist() == [False, True]


def test_a_run_without_interviews_gives_an_empty_table_with_the_columns(s3_dir):
    table = api.interviews(load_run(s3_dir))
    assert len(table) == 0 and isinstance(table, pd.DataFrame)
    assert list(table.columns) == ["hours", "agent_id", "group", "post_run", "question", "answer", "emotion",
                                   "confidence", "emotion_level", "attitude"]
