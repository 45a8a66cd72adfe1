"""tokens: what one agent activation costs in prompt and completion tokens, and how much of the
prompt a server can serve from its prefix cache.

A TrendSim topic runs on a real tokenizer (the embedded llama.cpp engine by default, which reports
``usage.prompt_tokens`` and the prefix-cached share in ``prompt_tokens_details.cached_tokens`` /
``timings.cache_n``; hubbub records both in ``llm_calls``). Five comments are posted at t=0 so every
Main page a user opens shows a full page of five comments, the setting OASIS's ~3,400 tokens per
activation is compared with.

Besides what the server reported, the workload computes the reuse an ideal prefix cache would get
(every earlier prompt kept, in blocks, as vLLM's automatic prefix caching does): the gap between the
two is what the server's cache policy loses, not what the prompt layout loses.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd

from hubbub.bench.report import Report
from hubbub.bench.runs import recorded_calls, timed_run, trendsim_scenario, user_activations, workdir

PARAMS: dict[str, tuple[Any, Any]] = {
    "backend": (["embedded"], ["embedded"]),
    "users": (4, 20),
    "hours": (1.0, 2.0),
    "comments_per_page": (5, 5),
    "max_tokens": (24, 48),
    "parallel": (4, 4),
    "concurrency": (32, 32),
    "base_url": (None, None),
    "model": (None, None),
    "keep": (None, None),
}
OASIS_TOKENS_PER_ACTIVATION = 3400
"""OASIS README, "Token Consumption Reference": 335,600 input tokens for 100 activations (research/peers.md)."""
SEED_COMMENTS = (
    "Honestly the pacer should have been disqualified too, rules are rules and everyone else ran without help.",
    "I watched the whole race, the runner looked exhausted and the pacer barely touched her, this is overblown.",
    "Organisers keep changing the rules mid season, no wonder athletes are confused about what is allowed.",
    "Respect to the runner for finishing at all, the heat that day was brutal and half the field dropped out.",
    "Can someone post the official statement? I keep seeing different versions of what actually happened.",
    "This is why amateur events need clearer guidance, most of us have no idea what counts as assistance.",
)
USER_KINDS = ("trendsim.perception", "trendsim.action_browse", "trendsim.action_main", "trendsim.action_comment",
              "trendsim.choose_comment", "trendsim.write_comment", "trendsim.write_reply",
              "trendsim.reflect_emotion", "trendsim.reflect_confidence", "trendsim.reflect_summary",
              "trendsim.reflect_opinion")
BLOCK_CHARS = 64
"""Block size of the ideal prefix cache, in characters (about 16 tokens, vLLM's default block)."""


def run(params: dict[str, Any], report: Report) -> None:
    from hubbub.bench.saturation import check_backends, serving

    check_backends("tokens", params)
    for name in params["backend"]:
        with workdir(params["keep"]) as tmp, serving(name, params) as llm:
            scenario = trendsim_scenario(
                params["users"], params["hours"], backend=llm["backend"], concurrency=params["concurrency"], llm=llm,
                access={"A": 2.5, "T_m": 0.3, "alpha": 2.0, "max_visits": 2},
                hub={"comments_per_page": params["comments_per_page"]})
            scenario = scenario.model_copy(update={"interventions": _seed_comments(params["comments_per_page"])})
            timed_run(scenario, tmp / f"tokens-{name}")
            measure(name, tmp / f"tokens-{name}", report)


def _seed_comments(count: int) -> tuple[Any, ...]:
    from hubbub.scenarios.interventions import Intervention

    texts = [SEED_COMMENTS[i % len(SEED_COMMENTS)] for i in range(count)]
    return tuple(Intervention(at_h=0.0, type="inject_post", text=text) for text in texts)


def measure(name: str, run_dir: Any, report: Report) -> None:
    calls = recorded_calls(run_dir)
    calls = calls[~calls["outcome"].fillna("").str.startswith("error")]  # every exchange that was answered
    activations = user_activations(run_dir)
    report.table(f"{name}: tokens per call kind (means)", by_kind(calls))
    p = f"{name}_"
    known = calls["prompt_tokens"].notna().any()
    if not known:
        report.note(f"{name}: the backend reports no prompt tokens; token figures are n/a")
    user = calls[calls["kind"].isin(USER_KINDS)]
    prompt, cached = _sum(user["prompt_tokens"]), _sum(user["cached_tokens"])
    report.figure(p + "activations", activations, "", f"{name}: user activations (steps)")
    report.figure(p + "calls_per_activation", len(user) / max(1, activations), "", f"{name}: LLM calls per activation")
    per_act = report.figure(p + "prompt_per_activation", prompt / max(1, activations) if known else None, "tok",
                            f"{name}: prompt tokens per activation (all its calls)")
    report.figure(p + "new_prompt_per_activation", (prompt - cached) / max(1, activations) if known else None,
                  "tok", f"{name}: prompt tokens per activation not served from the prefix cache")
    report.figure(p + "completion_per_activation", _sum(user["completion_tokens"]) / max(1, activations), "tok",
                  f"{name}: completion tokens per activation")
    decision = decision_tokens(calls) if known else None
    report.figure(p + "prompt_per_decision", decision, "tok",
                  f"{name}: prompt tokens per Main-page decision (perception of the page + action choice)")
    share = report.figure(p + "prefix_cache_share", cached / prompt if known and prompt else None, "",
                          f"{name}: share of prompt tokens served from the server's prefix cache")
    report.figure(p + "ideal_prefix_share", ideal_prefix_share(calls["request"]), "",
                          f"{name}: share an ideal prefix cache would serve (every earlier prompt kept)")
    if per_act is not None:
        report.figure(p + "vs_oasis", OASIS_TOKENS_PER_ACTIVATION / max(per_act, 1e-9), "x",
                      f"{name}: OASIS tokens per activation (~3,400) / hubbub's")
    report.target(p + "decision", f"{name}: prompt tokens per decision at a page of 5 comments", "<=", 1000, decision,
                  "tok")
    report.target(p + "prefix", f"{name}: prompt tokens served from the prefix cache (issue 16)", ">=", 0.6, share)


def by_kind(calls: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for kind, g in calls.groupby("kind", sort=True):
        prompt = pd.to_numeric(g["prompt_tokens"], errors="coerce")
        cached = pd.to_numeric(g["cached_tokens"], errors="coerce")
        rows.append({"kind": kind, "calls": len(g), "prompt": _mean(prompt),
                     "completion": _mean(pd.to_numeric(g["completion_tokens"], errors="coerce")),
                     "cached": _mean(cached), "cached share": _ratio(cached.sum(), prompt.sum())})
    return rows


def decision_tokens(calls: pd.DataFrame) -> float | None:
    """Mean prompt tokens to see a Main page and pick an action: its perception call (the page is in
    that prompt) plus the action choice."""
    percept = calls[calls["kind"] == "trendsim.perception"]
    on_main = percept[[_shows_comments(r) for r in percept["request"]]]
    action = calls[calls["kind"] == "trendsim.action_main"]
    if not len(on_main) or not len(action):
        return None
    return _mean(on_main["prompt_tokens"]) + _mean(action["prompt_tokens"])


def _shows_comments(request: dict[str, Any]) -> bool:
    return any("Comments (page" in content for _, content in request["messages"])


def ideal_prefix_share(requests: Any) -> float | None:
    """Share of prompt characters whose whole prefix, in BLOCK_CHARS blocks, was already sent by an
    earlier request: what a cache keeping every earlier prompt (vLLM's automatic prefix caching with
    enough memory) could reuse, in recording order."""
    seen: set[bytes] = set()
    reused = total = 0
    for request in requests:
        text = "".join(f"<{role}>{content}" for role, content in request["messages"])
        total += len(text)
        digest = hashlib.blake2b(digest_size=16)
        hit = True
        for start in range(0, len(text) - BLOCK_CHARS + 1, BLOCK_CHARS):
            digest.update(text[start:start + BLOCK_CHARS].encode())
            key = digest.copy().digest()
            if hit and key in seen:
                reused += BLOCK_CHARS
            else:
                hit = False
            seen.add(key)
    return reused / total if total else None


def _sum(values: Any) -> int:
    return int(pd.to_numeric(values, errors="coerce").fillna(0).sum())


def _mean(values: Any) -> float | None:
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.mean()) if len(values) else None


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None
