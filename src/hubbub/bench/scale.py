"""scale: a hybrid S3 run of 1,000,000 rule-based users on a generated graph of ~10,000,000 follow
edges, plus 1,000 LLM users on the scripted backend. Targets: peak resident memory < 8 GiB and
100 steps in < 5 min (DESIGN decision 8: graph work in sparse arrays, never a Python object per edge);
with ``--nodes 10000000 --llm-users 10000`` issue 16's: < 16 GiB and < 10 min.

Run it in its own process (``hubbub bench scale``): the peak resident memory is the process's.
"""

from __future__ import annotations

from typing import Any

from hubbub.bench.hybrid import run_hybrid
from hubbub.bench.report import Report
from hubbub.bench.runs import workdir

RECOMMEND = (0.02, 10)
"""2% of users see recommended posts of the last 10 steps each step, so LLM users stay busy after the
follow-graph cascade has died out (without it, steps after ~20 have nothing to do)."""
PARAMS: dict[str, tuple[Any, Any]] = {
    "nodes": (20_000, 1_000_000),
    "edges_per_node": (8, 8),
    "llm_users": (100, 1000),
    "steps": (10, 100),
    "keep": (None, None),
}


def run(params: dict[str, Any], report: Report) -> None:
    with workdir(params["keep"]) as tmp:
        result = run_hybrid(report, prefix="scale", nodes=params["nodes"], edges_per_node=params["edges_per_node"],
                            llm_users=params["llm_users"], steps=params["steps"], folder=tmp / "scale",
                            recommend=RECOMMEND)
    if result is None:
        return
    target = _target(params)
    if target is None:
        report.note("quick sizes: the targets apply to 1,000,000 or 10,000,000 users and 100 steps")
        return
    label, rss_mib, wall_s = target
    report.target("peak_rss", f"{label}: peak resident memory", "<", rss_mib, report.value("scale_peak_rss_mib"), "MiB")
    report.target("100_steps", f"{label}: 100 steps", "<", wall_s, result["wall_s"], "s")


def _target(params: dict[str, Any]) -> tuple[str, int, int] | None:
    """(label, peak RSS MiB, wall s) of the size's target: 1M users (DESIGN decision 8) or 10M (issue 16)."""
    if params["steps"] < 100:
        return None
    if params["nodes"] >= 10_000_000:
        return "10M users + 10,000 LLM users", 16 * 1024, 600
    if params["nodes"] >= 1_000_000:
        return "1M users + 1,000 LLM users", 8 * 1024, 300
    return None
