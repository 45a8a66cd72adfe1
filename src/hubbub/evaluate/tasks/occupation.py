"""The occupation distribution: S3's ten occupation classes as inferred from real profiles (no labels,
so a distribution, not a score)."""

from __future__ import annotations

from typing import Any

import numpy as np

from hubbub.evaluate import data as ds

def run_occupation(ctx: Any) -> list[dict[str, Any]]:
    """S3's ten occupation classes as inferred by the LLM from real RumourEval profiles and tweets.
    There are no occupation labels in the shared data, so this is a distribution, not a score."""
    from hubbub.agents.demographics import OCCUPATIONS, demographic_requests

    path = ctx.data_path("occupation_distribution")
    users = ctx.sample(ds.rumoureval_users(path), "test")
    name = ds.data_name(path, ds.default_path("rumoureval2017_threads"), "rumoureval2017-users")
    if "llm" not in ctx.policies:
        return []
    backend = ctx.backend()
    requests = [demographic_requests(u.key, u.context, [u.text], "en", ctx.seed, ("occupation",))["occupation"]
                for u in users]
    results = ctx.choose(backend, requests)
    picks = [r.index for r in results if r.ok]
    counts = np.bincount(np.array(picks, dtype=np.int64), minlength=len(OCCUPATIONS)) if picks else np.zeros(len(OCCUPATIONS))
    share = counts / max(len(picks), 1)
    rows = [ctx.row("occupation_distribution", name, "all", len(picks), "llm", f"share:{o}", float(s))
            for o, s in zip(OCCUPATIONS, share)]
    probs = np.array([r.probs for r in results if r.ok]).reshape(-1, len(OCCUPATIONS))
    if len(probs):
        rows.append(ctx.row("occupation_distribution", name, "all", len(picks), "llm",
                            "mean_top_option_probability", float(probs.max(axis=1).mean())))
    entropy = -float(np.sum(share[share > 0] * np.log2(share[share > 0])))
    rows.append(ctx.row("occupation_distribution", name, "all", len(picks), "llm",
                        "entropy_bits (uniform = 3.32)", entropy))
    rows.append(ctx.row("occupation_distribution", name, "all", len(users), "llm", "failures",
                        float(len(users) - len(picks))))
    return rows
