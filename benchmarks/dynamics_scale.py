"""Rule dynamics at scale: seconds per synchronous step on a random follow graph, and peak memory.

    python benchmarks/dynamics_scale.py                         # 1,000,000 nodes, 10,000,000 edges
    python benchmarks/dynamics_scale.py --nodes 100000 --edges 1000000 --models all

The graph is built with numpy alone (uniform random follow edges, no other graph library) and wrapped
in a scipy CSR matrix, the representation the models take. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import scipy.sparse as sp

from hubbub.dynamics import REGISTRY, make_model, prepare
from hubbub.kernel.seeding import SeedTree

SETTINGS = {  # parameters that keep each model busy for ten rounds
    "independent_cascade": {"p": 0.2},
    "linear_threshold": {},
    "sir": {"beta": 0.2, "gamma": 0.3},
    "voter": {},
    "deffuant": {"epsilon": 0.3, "mu": 0.3},
    "hegselmann_krause": {"epsilon": 0.2},
}


def random_follow_graph(n: int, m: int, rng: np.random.Generator) -> sp.csr_matrix:
    """``m`` uniform random edges i -> j (j follows i) as CSR, rows sorted by counting."""
    src = rng.integers(n, size=m, dtype=np.int64)
    dst = rng.integers(n, size=m, dtype=np.int32)
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return sp.csr_matrix((np.ones(m, dtype=np.float32), dst[order], indptr), shape=(n, n))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def time_model(name: str, graph, steps: int, seeds: np.ndarray, tree: SeedTree) -> None:
    model = make_model(name, **SETTINGS[name])
    rng = tree.rng("bench", name)
    state = model.init_state(graph.n, seeds, rng)
    per_step = []
    for _ in range(steps):
        start = time.perf_counter()
        state = model.step(state, graph, rng)
        per_step.append(time.perf_counter() - start)
    counts = model.counts(state)
    shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in counts.items())
    print(f"{name:20s} mean {np.mean(per_step):.3f} s/step  max {np.max(per_step):.3f}  "
          f"[{' '.join(f'{s:.3f}' for s in per_step)}]  final: {shown}  peak RSS {peak_rss_mib():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=1000, help="initially active nodes (diffusion models)")
    parser.add_argument("--models", default="independent_cascade,voter", help="comma list, or 'all'")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = list(REGISTRY) if args.models == "all" else args.models.split(",")
    tree = SeedTree(args.seed)

    start = time.perf_counter()
    adj = random_follow_graph(args.nodes, args.edges, tree.rng("graph"))
    print(f"graph: {args.nodes:,} nodes, {adj.nnz:,} edges, built in {time.perf_counter() - start:.2f} s, "
          f"peak RSS {peak_rss_mib():.0f} MiB")
    graph = prepare(adj)
    for name in names:
        if name in ("voter",):
            start = time.perf_counter()
            graph.inbound  # noqa: B018 - the transpose is built once per graph, timed apart from the steps
            print(f"{'(transpose)':20s} built in {time.perf_counter() - start:.2f} s (once per graph)")
        seeds = tree.rng("seeds").choice(args.nodes, size=args.seeds, replace=False)
        time_model(name, graph, args.steps, None if REGISTRY[name].__module__.endswith("opinion") else seeds, tree)


if __name__ == "__main__":
    main()
