"""The classification loop: every policy fitted on a task's train split and scored on its test split."""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np

from hubbub.errors import ConfigError
from hubbub.evaluate import tasks as T
from hubbub.evaluate.data import Example
from hubbub.evaluate.harness.context import Context
from hubbub.evaluate.metrics import classification_scores

def _policy(ctx: Context, name: str, task: T.Task, variant: T.Variant) -> Any:
    from hubbub.evaluate.policies import LearnedPolicy, LLMPolicy, MajorityPolicy, VoterPolicy

    k = len(variant.data.labels)
    if name == "llm":
        return LLMPolicy(ctx.backend(), lambda e, s: task.request(e, s, variant.data), k, seed=ctx.seed)
    if name == "majority":
        return MajorityPolicy(k)
    if name == "learned":
        return LearnedPolicy(k, ctx.embedder())
    if name == "voter":
        return VoterPolicy()
    raise ConfigError(f"evaluate: unknown policy {name!r}; known: llm, majority, learned (+ task rules)")


def _describe(ctx: Context, name: str, policy: Any) -> tuple[str, str]:
    if name.startswith("llm"):
        return ctx.backend_name, ctx.model_name
    if name == "learned":
        return "none", f"logreg (C={policy.C:g}) on {ctx.embedder().name}"
    if name == "majority":
        return "none", "train-split majority"
    return "none", f"rule: {name}"


def score_rows(ctx: Context, task: str, variant: T.Variant, test: Sequence[Example], name: str, pred: Any,
               backend: str, model: str) -> list[dict[str, Any]]:
    ok = pred.ok
    y = np.array([e.label for e in test])[ok]
    k = len(variant.data.labels)
    row = lambda metric, value, n: ctx.row(task, variant.name, "test", n, name, metric, value, backend, model)  # noqa: E731
    rows = [row(m, v, int(ok.sum())) for m, v in classification_scores(y, pred.index[ok], pred.probs[ok], k,
                                                                       variant.positive).items()]
    if name.startswith("llm"):
        shares = np.bincount(pred.index[ok], minlength=k) / max(int(ok.sum()), 1)
        rows += [row(f"predicted_share:{label}", float(s), int(ok.sum())) for label, s in zip(variant.data.labels, shares)]
    if (~ok).any():
        rows.append(row("failures", float((~ok).sum()), len(test)))
    return rows


def run_classification(ctx: Context, task: T.Task) -> list[dict[str, Any]]:
    data = task.load(ctx.data_path(task.name), ctx.seed)
    rows: list[dict[str, Any]] = []
    ctx.note(task.name, f"data: {data.source}; {data.notes}")
    for variant in task.variants(data):
        d = variant.data
        train = ctx.sample(d.split("train"), "train", ctx.train_limit)
        val = ctx.sample(d.split("validation"), "validation", None if ctx.train_limit is None else max(ctx.train_limit // 4, 50))
        test = ctx.sample(d.split("test"), "test")
        if not test:
            ctx.note(task.name, f"{variant.name}: no test items; skipped")
            continue
        for name in [p for p in ctx.policies if p != "llm" or variant.llm] + list(task.rules):
            policy = _policy(ctx, name, task, variant)
            if not train and name != "llm":
                ctx.note(task.name, f"{variant.name}: no train split, policy {name} skipped")
                continue
            started = time.time()
            pred = policy.fit(train, val).predict(test)
            ctx.note(task.name, f"{variant.name}: policy {name} fitted and ran in {time.time() - started:.0f} s")
            backend, model = _describe(ctx, name, policy)
            rows += score_rows(ctx, task.name, variant, test, name, pred, backend, model)
            if name == "llm":
                rows += score_rows(ctx, task.name, variant, test, "llm_argmax", policy.argmax(), backend, model)
            if name == "learned":
                _save_learned(ctx, task, variant, policy, rows, len(train))
        ctx.note(task.name, f"{variant.name}: train {len(train)}, validation {len(val)}, test {len(test)}")
    return rows


def _save_learned(ctx: Context, task: T.Task, variant: T.Variant, policy: Any, rows: list[dict[str, Any]],
                  n_train: int) -> None:
    from hubbub.evaluate.policies import save_policy

    folder = ctx.out / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    metrics = {r["metric"]: r["value"] for r in rows if r["policy"] == "learned" and r["dataset"] == variant.name}
    paths = save_policy(folder / f"{task.name}--{variant.name}", policy,
                        {"task": task.name, "dataset": variant.name, "labels": list(variant.data.labels),
                         "lang": variant.data.lang, "n_train": n_train, "test_metrics": metrics,
                         "source": variant.data.source})
    ctx.artefact(paths[1])
