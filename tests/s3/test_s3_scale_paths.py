"""The paths that let an S3 run scale: per-user rows written at once, the cached mutual mask."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from hubbub.platform.graph import FollowGraph
from hubbub.runtime.simulation import Simulation
from hubbub.store.runstore import RunStore, canonical_json
from s3_support import tiny


def _agents(run_dir: Path) -> dict[str, tuple[str, str, str]]:
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        rows = conn.execute("SELECT agent_id, role, grp, profile FROM agents").fetchall()
    return {a: (role, grp, profile) for a, role, grp, profile in rows}


def test_every_user_has_one_agents_row_with_canonical_profile_json(tmp_path: Path) -> None:
    sim = Simulation(tiny(), tmp_path / "run")
    sim.run()
    world, rows = sim.world, _agents(tmp_path / "run")
    assert sorted(rows) == sorted(world.ids)
    followers, followees = world.graph.in_degree(), world.graph.out_degree()
    for i, agent in enumerate(world.ids):
        role, grp, text = rows[agent]
        profile = json.loads(text)
        assert text == canonical_json(profile)  # the template writes what canonical JSON writes
        assert (role, grp) == ("user", str(world.inp.classes[i]))
        assert (profile["index"], profile["followers"], profile["followees"]) == (i, followers[i], followees[i])
        assert profile["policy"] == ("llm" if world.is_llm[i] else "rule")
        assert ("description" in profile) == bool(world.is_llm[i])


def test_insert_many_writes_after_buffered_rows_and_checks_columns(tmp_path: Path) -> None:
    with RunStore.create(tmp_path) as store:
        store.insert("agents", {"agent_id": "a0", "role": "user", "grp": "g", "profile": {"x": 1}})
        written = store.insert_many("agents", ("agent_id", "role"), ((f"a{i}", "user") for i in range(1, 4)))
        store.commit()
        assert written == 3
        with pytest.raises(ValueError, match="no column"):
            store.insert_many("agents", ("agent_id", "colour"), [("a9", "red")])
    with sqlite3.connect(tmp_path / "run.sqlite") as conn:
        ids = [a for (a,) in conn.execute("SELECT agent_id FROM agents ORDER BY rowid")]
    assert ids == ["a0", "a1", "a2", "a3"]


def test_mutual_mask_is_computed_once_and_read_only() -> None:
    g = FollowGraph.from_follows([0, 1, 2, 3], [1, 0, 1, 2], n_nodes=4)
    mask = g.mutual_mask()
    assert g.mutual_mask() is mask and not mask.flags.writeable
    rows = np.repeat(np.arange(4), g.in_degree())
    assert {(int(r), int(c)) for r, c, m in zip(rows, g.delivery.indices, mask) if m} == {(0, 1), (1, 0)}
