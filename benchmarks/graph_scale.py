"""Time and memory of building follow graphs at scale. Prints figures; asserts nothing.

    python benchmarks/graph_scale.py                      # 100k nodes / ~1M edges, then 1M / ~10M
    python benchmarks/graph_scale.py --nodes 1000000 --degree 10 --only barabasi_albert

Time is one untraced run. Memory is the tracemalloc peak of a second, traced run of the same step
(numpy reports its buffers to tracemalloc); maxrss is the process's high-water mark so far. Each
generator gets a fresh seed stream from one root seed, so both runs build the same graph.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from hubbub.kernel.seeding import SeedTree
from hubbub.platform.graph_build import (
    barabasi_albert,
    configuration_model,
    copy_degree_sequence,
    load_edge_list,
    stochastic_block,
    watts_strogatz,
)

FACEBOOK = Path(__file__).resolve().parents[2] / "shared" / "data" / "snap_ego_facebook" / "facebook_combined.txt.gz"


def measure(label: str, build: Callable[[], object], memory: bool = True) -> object:
    """Run ``build`` untraced for the wall time, then (``memory``) again under tracemalloc for the peak.

    tracemalloc roughly doubles numpy-heavy run times, so time and memory come from separate runs."""
    gc.collect()
    start = time.perf_counter()
    result = build()
    seconds = time.perf_counter() - start
    peak = "       -"
    if memory:
        del result
        gc.collect()
        tracemalloc.start()
        result = build()
        peak = f"{tracemalloc.get_traced_memory()[1] / 2**20:8.0f}"
        tracemalloc.stop()
    graph = result[0] if isinstance(result, tuple) else result
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"{label:<48} {seconds:7.2f} s  peak {peak} MiB  maxrss {rss:6.0f} MiB  "
        f"nodes {graph.n_nodes:>10,}  edges {graph.n_edges:>11,}  csr {graph.nbytes / 2**20:5.0f} MiB",
        flush=True,
    )
    return result


def run_scale(n: int, degree: int, seeds: SeedTree, only: set[str]) -> None:
    """The generators at one size; ``degree`` is the follows per node (edges ~ n * degree)."""
    steps: dict[str, Callable[[], object]] = {
        "barabasi_albert": lambda: barabasi_albert(n, degree, seeds.rng("ba", n), directed_reciprocity=0.0),
        "barabasi_albert+recip0.2": lambda: barabasi_albert(n, int(degree / 1.2), seeds.rng("ba_r", n)),
        "watts_strogatz": lambda: watts_strogatz(n, degree, 0.1, seeds.rng("ws", n)),
        "stochastic_block(2 camps)": lambda: stochastic_block(
            [n // 2, n - n // 2], 0.9 * degree / (n / 2), 0.1 * degree / (n / 2), seeds.rng("sbm", n)
        ),
        "configuration_model(from BA degrees)": lambda: _configuration_from_ba(n, degree, seeds),
    }
    if FACEBOOK.exists():
        steps["copy_degree_sequence(facebook, mean_degree)"] = lambda: copy_degree_sequence(
            FACEBOOK, n, seeds.rng("copy", n), mean_degree=float(degree)
        )
        if n <= 100_000:  # Facebook's own mean degree (43.7): ~44M edges at 1M nodes
            steps["copy_degree_sequence(facebook, native degrees)"] = lambda: copy_degree_sequence(FACEBOOK, n, seeds.rng("copy_native", n))
    for label, build in steps.items():
        if not only or label.split("(")[0].split("+")[0] in only:
            graph = measure(f"{label} n={n:,}", build)
            del graph
            gc.collect()


def run_load(n: int, degree: int, seeds: SeedTree) -> None:
    """Write a generated graph as a gzipped TSV edge list (follower, followee) and time loading it."""
    graph = barabasi_albert(n, degree, seeds.rng("load", n))
    followee = np.repeat(np.arange(graph.n_nodes), graph.in_degree())
    frame = pd.DataFrame({"follower": graph.delivery.indices, "followee": followee})
    del graph, followee
    with tempfile.TemporaryDirectory() as tmp:
        for name, compression in (("edges.tsv", None), ("edges.tsv.gz", "gzip")):
            path = Path(tmp) / name
            frame.to_csv(path, sep="\t", index=False, compression=compression)
            size = path.stat().st_size / 2**20
            measure(f"load_edge_list({name}, {size:.0f} MiB)", lambda: load_edge_list(path, directed=True))


def _configuration_from_ba(n: int, degree: int, seeds: SeedTree):
    donor = barabasi_albert(n, degree, seeds.rng("cm_donor", n), directed_reciprocity=0.0)
    ins, outs = donor.in_degree().copy(), donor.out_degree().copy()
    del donor
    return configuration_model(ins, outs, seeds.rng("cm", n))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nodes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--degree", type=int, default=10, help="follows per node (edges ~ nodes * degree)")
    parser.add_argument("--only", nargs="*", default=[], help="generator names to run")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--load", type=int, default=1_000_000, help="nodes of the generated file to load (0: skip)")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}; seed {args.seed}", flush=True)
    if FACEBOOK.exists():
        graph = measure("load_edge_list(facebook_combined.txt.gz)", lambda: load_edge_list(FACEBOOK, directed=False))
        del graph
        graph = measure("  + mutual_mask + classify_users", lambda: _inspect(FACEBOOK))
        del graph
    for n in args.nodes:
        run_scale(n, args.degree, SeedTree(args.seed), set(args.only))
    if args.load:
        run_load(args.load, args.degree, SeedTree(args.seed))


def _inspect(path: Path):
    graph, _ = load_edge_list(path, directed=False)
    graph.mutual_mask()
    graph.classify_users()
    return graph


if __name__ == "__main__":
    main()
