"""TrendSim Table 3 inside an experiment: the rationality and diversity of each run's discussions, scored
by an LLM judge on the backend and model the runs themselves used.

A discussion is a chunk of 8 consecutive comments of the run (as in ``hubbub evaluate trendsim_judge``);
at most :data:`DISCUSSIONS` chunks per run are judged, spread evenly over the comment stream. A judge's
score is its expected value over the ten score bins (midpoints 0.05 ... 0.95), so no sampling noise is
added; a run's score is the mean over its judged discussions, and a failed judge call is left out
(``failed`` counts them)."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hubbub.kernel.seeding import derive_seed

DISCUSSIONS = 12
"""Discussions judged per run and metric, at most (2 judge calls each)."""
CHUNK = 8
"""Comments per discussion."""
METRICS = ("rationality", "diversity")


def discussions(comments: list[str], limit: int = DISCUSSIONS, chunk: int = CHUNK) -> list[list[str]]:
    """The comment stream cut into chunks of ``chunk`` (a last chunk of one comment dropped), at most
    ``limit`` of them, evenly spaced over the stream."""
    texts = [t for t in comments if t]
    chunks = [texts[i:i + chunk] for i in range(0, len(texts), chunk) if len(texts[i:i + chunk]) >= 2]
    if len(chunks) <= limit:
        return chunks
    picks = np.linspace(0, len(chunks) - 1, limit).round().astype(int)
    return [chunks[i] for i in dict.fromkeys(picks.tolist())]


def judge_requests(run: Any, seed: int) -> list[tuple[str, Any]]:
    """(metric, choice request) for every judged discussion of a TrendSim run."""
    from hubbub.agents.prompts import SCORE_OPTIONS, numbered, render
    from hubbub.llm.base import ChoiceRequest

    topics = run.topics
    if not len(topics):
        return []
    topic = f"{topics['title'].iloc[0]}\n{topics['content'].iloc[0]}"
    lang = str(topics["lang"].iloc[0] or "en")
    comments = run.comments.sort_values("created_at")["text"].fillna("").astype(str).tolist()
    out = []
    for metric in METRICS:
        for i, chunk in enumerate(discussions(comments)):
            msgs = render(f"judge_{metric}", lang, topic=topic, comments=numbered(chunk))
            out.append((metric, ChoiceRequest(f"judge.{metric}", msgs, SCORE_OPTIONS,
                                              derive_seed(seed, "experiment-judge", metric, i), lang=lang)))
    return out


def expected_score(result: Any) -> float:
    """The judge's expected score in [0, 1] over its option distribution; NaN for a failed call."""
    if not result.ok:
        return math.nan
    return float(np.dot(np.asarray(result.probs, dtype=float), (np.arange(10) + 0.5) / 10))


def judge_run(run: Any, backend: Any, seed: int) -> dict[str, Any]:
    """One run's row: mean rationality and diversity over its discussions, how many, how many failed."""
    pairs = judge_requests(run, seed)
    results = backend.choose([r for _, r in pairs]) if pairs else []
    scores = {m: [expected_score(res) for (metric, _), res in zip(pairs, results) if metric == m] for m in METRICS}
    row: dict[str, Any] = {m: float(np.nanmean(v)) if np.isfinite(v).any() else math.nan
                           for m, v in scores.items()}
    row["discussions"] = len(scores["rationality"])
    row["failed"] = int(sum(not r.ok for r in results))
    return row


def judge_experiment(out: Path, index: pd.DataFrame) -> pd.DataFrame:
    """Judge every run of an experiment folder (``index``: one row per run with its ``run`` folder) on
    the backend its own manifest names; one row per run with the judge's backend and model."""
    from hubbub.runtime.backends import make_inner
    from hubbub.scenarios.config import LLMConfig
    from hubbub.store import load_run

    backends: dict[str, Any] = {}
    rows = []
    try:
        for name in index["run"]:
            run = load_run(Path(out) / name)
            config = run.manifest["config"]["llm"]
            key = json.dumps(config, sort_keys=True)
            if key not in backends:
                backends[key] = make_inner(LLMConfig.model_validate(config))
            backend = backends[key]
            if backend is None:
                continue
            row = judge_run(run, backend, int(run.manifest.get("seed") or 0))
            rows.append({"run": name, **row, "judge_backend": backend.name, "judge_model": backend.model})
    finally:
        for backend in backends.values():
            if backend is not None:
                asyncio.run(backend.aclose())
    return pd.DataFrame(rows, columns=["run", *METRICS, "discussions", "failed", "judge_backend", "judge_model"])
