"""A TrendSim run that takes up kept computations writes the log of one that computes them again."""

from __future__ import annotations

import sqlite3

import pytest

from hubbub.bench.runs import trendsim_scenario
from hubbub.runtime.simulation import Simulation
from hubbub.runtime.trendsim.world import TrendSimWorld


def _run(folder, reuse: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list, int, int]:
    monkeypatch.setattr(TrendSimWorld, "reuses_trimmed", property(lambda self: reuse))
    sim = Simulation(trendsim_scenario(100, 4.0, concurrency=32), folder)
    progress = sim.run()
    with sqlite3.connect(folder / "run.sqlite") as conn:
        events = conn.execute("SELECT seq, time, kind, agent, data FROM events ORDER BY seq").fetchall()
    return events, progress.recomputed, progress.cache_hits


def test_kept_computations_give_the_same_events_with_fewer_recomputations(tmp_path, monkeypatch):
    again, recomputed_again, hits_again = _run(tmp_path / "again", False, monkeypatch)
    kept, recomputed_kept, hits_kept = _run(tmp_path / "kept", True, monkeypatch)
    assert kept == again and len(kept) > 1000
    assert recomputed_kept < recomputed_again and hits_kept < hits_again
