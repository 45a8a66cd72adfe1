"""S3 at scale: a generated 100,000-user, ~1,000,000-edge follow graph, saved, loaded back, and run
with rule-based users (no LLM), reporting the wall time of each round.

    .venv/bin/python benchmarks/s3_scale.py                  # 100,000 users, m = 8, 5 rounds
    .venv/bin/python benchmarks/s3_scale.py --users 1000000  # bigger

Each round is a full S3 step as a run performs it: deliveries along follow edges, recommendations,
first awareness, one round of the rule model (independent cascade) with emotion contagion/decay and
the voter model for attitudes, publication of the reposts, and recording of every post, awareness
row and the population curve in the run record (SQLite). Figures go to stdout; docs/s3.md quotes them.
"""

from __future__ import annotations

import argparse
import gzip
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def save_edges(graph, path: Path) -> None:
    rows = np.repeat(np.arange(graph.n_nodes), np.diff(graph.delivery.indptr))
    pairs = np.column_stack([graph.delivery.indices, rows])  # follower, followee
    with gzip.open(path, "wt", compresslevel=1) as handle:
        np.savetxt(handle, pairs, fmt="%d", delimiter="\t")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--m", type=int, default=8, help="Barabási-Albert: followees per new user")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--p", type=float, default=0.05, help="independent cascade probability")
    parser.add_argument("--seed-posts", type=int, default=50)
    parser.add_argument("--recommend", type=float, default=0.01, help="recommendation share")
    args = parser.parse_args()

    from hubbub.platform.graph_build import barabasi_albert, load_edge_list
    from hubbub.runtime.simulation import Simulation
    from hubbub.scenarios.config import scenario_from_dict

    t0 = time.perf_counter()
    graph = barabasi_albert(args.users, args.m, np.random.default_rng(1), directed_reciprocity=0.2)
    t_gen = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        edges = Path(tmp) / "follows.tsv.gz"
        save_edges(graph, edges)
        t0 = time.perf_counter()
        loaded, report = load_edge_list(edges, directed=True)
        t_load = time.perf_counter() - t0
        print(f"graph: {loaded.n_nodes:,} users, {loaded.n_edges:,} follow edges "
              f"(generated in {t_gen:.2f} s; file {os.path.getsize(edges) / 1e6:.1f} MB loaded in {t_load:.2f} s)")
        scenario = scenario_from_dict({
            "kind": "s3", "run": {"name": "s3-scale", "seed": 3}, "llm": {"backend": "scripted"},
            "s3": {"steps": args.steps, "network": {"source": "edges", "edge_file": str(edges)},
                   "population": {"llm_users": 0}, "memory": {"embedder": "hashing"},
                   "seed_posts": {"count": args.seed_posts, "texts": ["News of the event."] * args.seed_posts},
                   "recommend": {"share": args.recommend}, "rule": {"p": args.p, "post_share": 0.05},
                   "record": {"user_states": "none"}}})
        t0 = time.perf_counter()
        sim = Simulation(scenario, Path(tmp) / "run")
        t_build = time.perf_counter() - t0
        marks: list[float] = []
        sim.run(on_batch=lambda progress: marks.append(time.perf_counter()))
        from hubbub.store import load_run

        curve = load_run(Path(tmp) / "run").s3_steps
        rounds = np.diff([marks[0]] + marks[1:]) if len(marks) > 1 else np.zeros(0)
        print(f"world built (users, classes, seed posts) in {t_build:.2f} s")
        for (_, row), seconds in zip(curve.iloc[1:].iterrows(), rounds):
            print(f"  round {int(row['step'])}: {seconds:.2f} s  aware {int(row['aware']):,}  "
                  f"reposts {int(row['reposts']):,}  deliveries {int(row['deliveries']):,}")
        if rounds.size:
            print(f"mean round (rule users, recorded): {rounds.mean():.2f} s; max {rounds.max():.2f} s; "
                  f"peak memory {_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
