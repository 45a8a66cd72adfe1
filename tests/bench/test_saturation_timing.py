"""The first commit after start and the slowest event, read from a run's record (issue 16)."""

from __future__ import annotations

import pytest

from hubbub.bench.runs import commit_timing, timed_run, trendsim_scenario
from hubbub.bench.saturation import timing_figures
from hubbub.bench.report import Report
from hubbub.runtime.timing import TIMING_KEY, CommitTiming
from hubbub.store import RunStore


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    scenario = trendsim_scenario(6, 1.0, backend="scripted", concurrency=8,
                                 llm={"scripted_latency_s": 0.002})
    return timed_run(scenario, tmp_path_factory.mktemp("timing") / "run")


def test_commit_timing_reads_the_first_commit_and_the_slowest_event(small_run):
    timing = commit_timing(small_run.run_dir)
    assert 0 <= timing["first_commit_s"] <= small_run.wall_s + 1.0
    assert 0.002 <= timing["slowest_event_s"] <= small_run.wall_s + 1.0  # at least one call's latency
    assert timing["ratio"] == pytest.approx(timing["first_commit_s"] / timing["slowest_event_s"])


def test_saturation_prints_the_timing_figures(small_run):
    report = Report("saturation", quick=True, params={})
    timing_figures(report, "embedded", small_run.run_dir)
    assert report.value("embedded_first_commit_s") == pytest.approx(commit_timing(small_run.run_dir)["first_commit_s"], rel=1e-3)
    assert [t.key for t in report.targets] == ["embedded_first_commit_ratio"]
    assert report.targets[0].op == "<=" and report.targets[0].bound == 2.0


def test_a_record_without_timing_is_refused_by_name(tmp_path):
    store = RunStore.create(tmp_path / "old")
    store.commit()
    store.close()
    with pytest.raises(ValueError, match="no 'timing' fact"):
        commit_timing(tmp_path / "old")


class Meta:
    def __init__(self) -> None:
        self.facts: dict = {}

    def set_meta(self, key: str, value: object) -> None:
        self.facts[key] = value


def test_only_a_commit_holding_an_agents_event_is_the_first_commit():
    """The snapshot at t = 0 needs no model and commits at once: it is not what issue 16 times."""
    store, timing = Meta(), CommitTiming()
    timing.start()
    timing.before_commit(store, 0)  # system events only
    assert timing.first_commit is None and store.facts == {}
    timing.before_commit(store, 3)
    first = timing.first_commit
    assert first is not None and store.facts[TIMING_KEY]["first_commit"] == first
    timing.before_commit(store, 5)
    timing.finish(store, 1.5)
    assert store.facts[TIMING_KEY] == {"started": timing.started, "first_commit": first, "slowest_event_s": 1.5}
