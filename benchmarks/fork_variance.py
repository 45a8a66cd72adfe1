"""How much narrower a paired fork makes the interval of the censorship effect (TrendSim Table 9) than
independent runs that cost the same number of LLM calls.

Paired: for each seed, a PA-50 run (the parent) and its fork with LLM censorship on from H (H = 0: the
whole run, as in Table 9). Independent: PA-50 runs and PA-50-CS runs with seeds of their own, added in
turn until they have made as many LLM calls as the paired design did (a fork pays only for the requests
the change made different; the rest are the parent's replies). Both intervals are 95 % bootstrap
intervals over the replicates (hubbub.metrics.paired).

    python benchmarks/fork_variance.py [--pairs 8] [--users 24] [--hours 2] [--at-h 0 --at-h 1]

Scripted backend only: the figures show the method's variance reduction on plumbing runs whose
"decisions" are hashed from the prompts, not a finding about censorship.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from hubbub import Simulation
from hubbub.metrics.compare import TRENDSIM_MEASURES, run_outcomes
from hubbub.metrics.paired import independent_difference, paired_difference
from hubbub.store import load_run
from hubbub.testing import small_scenario

CENSOR = "trendsim.censorship.enabled"


def scenario(seed: int, users: int, hours: float, censor_from: float | None = None):
    """A small PA-50 topic on the scripted backend (censorship from ``censor_from`` hours if given)."""
    extra = {} if censor_from is None else {"trendsim__censorship": {"enabled": True, "start_h": censor_from}}
    return small_scenario(run__seed=seed, trendsim__lifecycle_h=hours, trendsim__population={"size": users},
                          trendsim__attack={"share": 0.5, "first_visit_within_h": 0.3, "revisit_every_h": 0.5},
                          **extra)


def new_calls(run_dir: Path) -> int:
    """LLM calls the run paid for (a fork's replayed replies excluded)."""
    conn = sqlite3.connect(run_dir / "run.sqlite")
    try:
        return int(conn.execute("SELECT COUNT(*) FROM llm_calls WHERE cache_hit = 0").fetchone()[0])
    finally:
        conn.close()


def outcomes(run_dir: Path) -> dict[str, float]:
    return run_outcomes(load_run(run_dir))


def paired(root: Path, pairs: int, users: int, hours: float, at_h: float) -> tuple[list, list, int]:
    parents, forks, calls = [], [], 0
    for seed in range(1, pairs + 1):
        p = root / f"parent-{seed}"
        if not p.exists():
            Simulation(scenario(seed, users, hours), p).run()
        f = root / f"fork-{at_h:g}-{seed}"
        Simulation.fork_from(p, at_h, f, changes={CENSOR: True}).run()
        parents.append(outcomes(p))
        forks.append(outcomes(f))
        calls += new_calls(p) + new_calls(f)
    return parents, forks, calls


def independent(root: Path, budget: int, users: int, hours: float, at_h: float) -> tuple[list, list, int]:
    """Control and treated runs with seeds of their own, in turn, until they cost ``budget`` calls."""
    control, treated, calls, seed = [], [], 0, 1000
    while calls < budget:
        seed += 1
        arm, censor_from = (control, None) if len(control) <= len(treated) else (treated, at_h)
        out = root / f"indep-{at_h:g}-{seed}"
        Simulation(scenario(seed, users, hours, censor_from), out).run()
        arm.append(outcomes(out))
        calls += new_calls(out)
    return control, treated, calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", type=int, default=8)
    ap.add_argument("--users", type=int, default=24)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--at-h", type=float, action="append")
    args = ap.parse_args()
    started, load = time.perf_counter(), os.getloadavg()
    root = Path(tempfile.mkdtemp(prefix="hubbub-forks-"))
    print("| censorship from | design | runs | LLM calls | measure | effect (mean) | 95 % interval | width |")
    print("|---|---|---|---|---|---|---|---|")
    for at_h in args.at_h or [0.0]:
        parents, forks, budget = paired(root, args.pairs, args.users, args.hours, at_h)
        control, treated, spent = independent(root, budget, args.users, args.hours, at_h)
        for measure in TRENDSIM_MEASURES:
            pd_ = paired_difference([r[measure] for r in parents], [r[measure] for r in forks])
            id_ = independent_difference([r[measure] for r in control], [r[measure] for r in treated])
            print(f"| {at_h:g} h | paired forks | {2 * len(parents)} | {budget} | {measure} | {pd_.mean:+.4f} | "
                  f"[{pd_.low:+.4f}, {pd_.high:+.4f}] | {pd_.width:.4f} |")
            print(f"| {at_h:g} h | independent | {len(control)} + {len(treated)} | {spent} | {measure} | "
                  f"{id_.mean:+.4f} | [{id_.low:+.4f}, {id_.high:+.4f}] | {id_.width:.4f} |")
    print(f"\n{time.perf_counter() - started:.0f} s wall; load average {load[0]:.2f} at start, "
          f"{os.getloadavg()[0]:.2f} at end; runs in {root}")


if __name__ == "__main__":
    main()
