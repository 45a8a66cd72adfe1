"""Bounded resources on long runs: memory pools and prompts stay within their budgets, the event log
grows linearly with the events, and late steps do not cost more than early ones.

Wall-clock times are measured and printed (``pytest -s``) but never asserted: the assertions are
structural (sizes and counts), so they hold on a loaded 2-core machine as well as on a fast one.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pytest

from hubbub.agents.memory import count_tokens
from hubbub.llm.scripted import ScriptedBackend
from hubbub.runtime.simulation import Simulation
from hubbub.scenarios.config import scenario_from_dict
from hubbub.store import load_run

STEPS = 300
CAPACITY, TOKEN_BUDGET, PROMPT_BUDGET = 8, 60, 400

S3_LONG = {
    "kind": "s3",
    "run": {"name": "s3-long", "seed": 4, "concurrency": 8},
    "llm": {"backend": "scripted"},
    "s3": {"steps": STEPS, "step_h": 1.0,
           "network": {"source": "barabasi_albert", "users": 60, "m": 3},
           "population": {"llm_users": 6},
           "seed_posts": {"texts": ["First post about the event.", "A second post.", "A third post."]},
           "memory": {"embedder": "hashing", "capacity": CAPACITY, "token_budget": TOKEN_BUDGET},
           "behaviour": {"prompt_budget": PROMPT_BUDGET},
           "recommend": {"share": 0.6, "per_user": 2, "window_steps": 5},
           "rule": {"p": 0.3, "post_share": 0.3}},
}


class Measuring(ScriptedBackend):
    """Scripted answers; keeps the estimated prompt size of every request, in call order."""

    def __init__(self) -> None:
        super().__init__()
        self.prompt_tokens: list[int] = []

    def _measure(self, request) -> None:
        self.prompt_tokens.append(sum(count_tokens(content) for _, content in request.messages))

    async def choose_one(self, request):
        self._measure(request)
        return await super().choose_one(request)

    async def generate_one(self, request):
        self._measure(request)
        return await super().generate_one(request)


def quarters(values: list[float]) -> list[list[float]]:
    n = len(values)
    return [values[k * n // 4:(k + 1) * n // 4] for k in range(4)]


@pytest.fixture(scope="module")
def long_s3(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s3-long")
    sim = Simulation(scenario_from_dict(S3_LONG), folder / "run")
    backend = Measuring()
    sim.llm.inner = backend
    pool_sizes: list[int] = []
    batch_seconds: list[float] = []
    last = [time.perf_counter()]

    def on_batch(progress) -> None:
        now = time.perf_counter()
        batch_seconds.append(now - last[0])
        last[0] = now
        pool_sizes.append(max((len(p) for p in sim.world.pools.values()), default=0))

    sim.run(on_batch=on_batch)
    return folder / "run", backend, pool_sizes, batch_seconds


@pytest.mark.timeout(300)
def test_memory_pools_never_exceed_their_capacity(long_s3):
    _, _, pool_sizes, _ = long_s3
    assert len(pool_sizes) >= STEPS
    assert max(pool_sizes) == CAPACITY  # the pools fill up ...
    assert all(size <= CAPACITY for size in pool_sizes)  # ... and never overflow


@pytest.mark.timeout(300)
def test_prompts_and_remembered_posts_stay_within_their_budgets(long_s3):
    run_dir, backend, _, _ = long_s3
    events = load_run(run_dir).events
    decisions = list(events[events["kind"] == "s3_decision"]["data"])
    assert len(decisions) > 500, "the long run must keep its LLM users busy"
    assert max(d["memory_tokens"] for d in decisions) <= TOKEN_BUDGET
    assert max(d["prompt_tokens"] for d in decisions) <= PROMPT_BUDGET
    assert max(len(d["memory"]) for d in decisions) <= CAPACITY
    early, *_, late = quarters(backend.prompt_tokens)
    assert max(late) <= max(early) * 1.25, "late prompts are larger than early ones"
    assert statistics.mean(late) <= statistics.mean(early) * 1.25
    print(f"\ns3 {STEPS} steps: {len(decisions)} LLM decisions, {len(backend.prompt_tokens)} calls; prompt tokens "
          f"first quarter mean {statistics.mean(early):.0f} max {max(early)}, last quarter mean "
          f"{statistics.mean(late):.0f} max {max(late)}; memory tokens max "
          f"{max(d['memory_tokens'] for d in decisions)} of {TOKEN_BUDGET}")


@pytest.mark.timeout(300)
def test_the_event_log_grows_linearly_with_events(long_s3):
    run_dir, _, _, batch_seconds = long_s3
    events = load_run(run_dir).events
    sizes = [len(str(d)) for d in events["data"]]
    per_quarter = [statistics.mean(q) for q in quarters(sizes[20:])]  # after the set-up events
    assert max(per_quarter) <= 1.5 * min(per_quarter), per_quarter
    decisions_per_step = events[events["kind"] == "s3_decision"].groupby(
        events["data"].map(lambda d: d.get("step", -1)))["seq"].count().reindex(range(1, STEPS + 1), fill_value=0)
    first, *_, last = quarters(list(decisions_per_step))
    assert statistics.mean(last) <= 1.5 * statistics.mean(first) + 1
    seconds = quarters(batch_seconds)
    print(f"\ns3 {STEPS} steps: {len(events)} events, {len(sizes)} event rows; event data bytes by quarter "
          f"{[round(x) for x in per_quarter]}; seconds per batch by quarter "
          f"{[round(statistics.mean(q), 4) for q in seconds]} (measured, not asserted)")


TRENDSIM_LONG = {
    "run": {"name": "trendsim-long", "seed": 8, "concurrency": 8},
    "llm": {"backend": "scripted", "max_tokens": 80},
    "trendsim": {"topic": "en-marathon-pacer", "lifecycle_h": 16.0, "state_every_h": 0.5,
                 "population": {"size": 40}, "access": {"max_visits": 20},
                 "attack": {"share": 0.2, "revisit_every_h": 0.5}},
    "interviews": [{"at_h": float(h), "question": "How do you feel about the topic now?", "sample": 10,
                    "affects_agents": True} for h in range(1, 16)],
}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_long_trendsim_run_keeps_memory_prompts_and_steps_bounded(tmp_path):
    """A 16-hour topic with 40 users revisiting up to 20 times and 15 interviews that feed the
    agents' memory: short-term memory stays capped, prompts do not grow, events stay the same size."""
    sim = Simulation(scenario_from_dict(TRENDSIM_LONG), tmp_path / "run")
    backend = Measuring()
    sim.llm.inner = backend
    started = time.perf_counter()
    sim.run()
    elapsed = time.perf_counter() - started
    run = load_run(tmp_path / "run")
    assert len(run.events) > 1000
    assert run.agent_states["summary"].fillna("").str.len().max() <= 2000
    early, *_, late = quarters(backend.prompt_tokens)
    assert np.percentile(late, 99) <= np.percentile(early, 99) * 1.5 + 100
    sizes = [len(str(d)) for d in run.events["data"]]
    per_quarter = [statistics.mean(q) for q in quarters(sizes)]
    assert max(per_quarter) <= 2.0 * min(per_quarter), per_quarter
    print(f"\ntrendsim 16 h: {len(run.events)} events, {len(backend.prompt_tokens)} calls in {elapsed:.1f} s; "
          f"prompt tokens p99 early {np.percentile(early, 99):.0f} late {np.percentile(late, 99):.0f}")
