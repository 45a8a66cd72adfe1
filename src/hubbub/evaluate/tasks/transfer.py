"""Leave-one-target-out (LOTO) stance transfer: for each target, train on the others, test on it.

Scored on the held-out target's test split, favour vs against (S3's binary attitude), with four policies:

* ``target_aware``: :class:`~hubbub.evaluate.target_aware.TargetAwarePolicy` fitted on the other targets'
  train and validation splits (the target phrase is an input; C by LOTO inside the training targets);
* ``text_only``: the ``learned`` policy's pooled model (text embedding only) fitted on the other targets,
  C on their validation split: what the per-target model falls back to for a new target;
* ``in_target``: the ``learned`` policy fitted on the held-out target's *own* train split (C on its
  validation split), the per-target baseline that transfer is measured against;
* ``majority``: the other targets' majority class (a constant, so its AUC is 0.5).

Each policy gets one row set per held-out target (dataset ``NAME:TARGET``) and a ``NAME:mean`` row with
the unweighted mean over held-out targets of each metric.

Last, ``target_aware`` is fitted once more on *every* target's train and validation splits and saved as
``OUT/policies/TASK--NAME.json`` / ``.npz`` (:func:`~hubbub.evaluate.target_aware.save_target_aware`), with
its LOTO means as figures: the file a simulation names for a target its per-target classifiers do not know.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any, Callable, Sequence

import numpy as np

from hubbub.errors import DataError
from hubbub.evaluate import data as ds
from hubbub.evaluate.data import Example, LabelledSet
from hubbub.evaluate.metrics import classification_scores

POLICY_ORDER = ("target_aware", "text_only", "in_target", "majority")


def with_targets(data: LabelledSet, phrase: Callable[[str], str]) -> LabelledSet:
    """The binary (favour vs against) set with each example's target phrase as its ``context``."""
    binary = ds.binary_attitude(data)
    splits = {s: [replace(e, context=phrase(e.group)) for e in v] for s, v in binary.splits.items()}
    return replace(binary, splits=splits)


def _of(examples: Sequence[Example], target: str, keep: bool) -> list[Example]:
    """The examples of ``target`` (``keep``) or of every other target."""
    return [e for e in examples if (e.group == target) == keep]


def _blind(examples: Sequence[Example]) -> list[Example]:
    """The examples without target (group) and target phrase (context): a text-only input."""
    return [replace(e, group="", context="") for e in examples]


def _fit_predict(ctx: Any, policy: str, data: LabelledSet, target: str, test: list[Example]) -> tuple[Any, str]:
    """Fit ``policy`` for held-out ``target`` and predict ``test``; returns predictions and a model line."""
    from hubbub.evaluate.policies import LearnedPolicy, MajorityPolicy
    from hubbub.evaluate.target_aware import TargetAwarePolicy

    train = ctx.sample(data.split("train"), "train", ctx.train_limit)
    val = data.split("validation")
    others = (_of(train, target, False), _of(val, target, False))
    own = (_of(train, target, True), _of(val, target, True))
    emb = ctx.embedder()
    if policy == "target_aware":
        p: Any = TargetAwarePolicy(2, emb, lang=data.lang).fit(*others)
        return p.predict(test), f"pair features, one logreg (C={p.C:g}, inner LOTO) on {emb.name}"
    if policy in ("text_only", "in_target"):  # groups dropped: one (pooled) model either way
        parts = others if policy == "text_only" else own
        p = LearnedPolicy(2, emb).fit(*[_blind(part) for part in parts])
        what = "pooled logreg on the other targets" if policy == "text_only" else "per-target logreg, own train split"
        return p.predict(_blind(test)), f"{what} (C={p.C:g}) on {emb.name}"
    p = MajorityPolicy(2).fit(_blind(others[0]))
    return p.predict(test), "majority of the other targets' train split"


def _held_out(ctx: Any, task: str, data: LabelledSet, target: str, policy: str,
              test: list[Example]) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The rows and scores of ``policy`` with ``target`` held out."""
    started = time.time()
    pred, model = _fit_predict(ctx, policy, data, target, test)
    y = np.array([e.label for e in test])
    scores = classification_scores(y, pred.index, pred.probs, 2, positive=1)
    ctx.note(task, f"held out {target}: {policy} in {time.time() - started:.0f} s ({model})")
    return [ctx.row(task, f"{data.name}:{target}", "test", len(test), policy, m, v, "none", model)
            for m, v in scores.items()], scores


def _mean_rows(ctx: Any, task: str, data: LabelledSet, n: int,
               per_policy: dict[str, list[dict[str, float]]]) -> list[dict[str, Any]]:
    """One ``NAME:mean`` row per policy and metric: the unweighted mean over held-out targets."""
    return [ctx.row(task, f"{data.name}:mean", "test", n, policy, metric,
                    float(np.nanmean([s[metric] for s in scores])), "none",
                    f"unweighted mean over {len(scores)} held-out targets")
            for policy, scores in per_policy.items() for metric in (scores[0] if scores else ())]


def run_loto(ctx: Any, task: str, data: LabelledSet) -> list[dict[str, Any]]:
    """Every target held out in turn; rows per held-out target and the mean over targets."""
    targets = sorted({e.group for e in data.split("test")})
    trained = sorted({e.group for e in data.split("train")})
    if len(set(trained) | set(targets)) < 2:
        raise DataError(f"{task}: targets {', '.join(trained or targets)}; leave-one-target-out needs "
                        "at least 2 targets with favor/against items")
    ctx.note(task, f"data: {data.source}; {data.notes}; held-out targets: {', '.join(targets)}")
    rows: list[dict[str, Any]] = []
    per_policy: dict[str, list[dict[str, float]]] = {p: [] for p in POLICY_ORDER}
    n = 0
    for target in targets:
        test = ctx.sample(_of(data.split("test"), target, True), "test")
        n += len(test)
        for policy in POLICY_ORDER:
            if policy == "in_target" and target not in trained:
                ctx.note(task, f"{target}: no train items of its own, in_target skipped")
                continue
            got, scores = _held_out(ctx, task, data, target, policy, test)
            rows += got
            per_policy[policy].append(scores)
    means = _mean_rows(ctx, task, data, n, per_policy)
    _save_target_aware(ctx, task, data, {r["metric"]: r["value"] for r in means if r["policy"] == "target_aware"})
    return rows + means


def _save_target_aware(ctx: Any, task: str, data: LabelledSet, loto: dict[str, float]) -> None:
    """Fit ``target_aware`` on every target and save it under ``OUT/policies/`` (module docstring)."""
    from hubbub.evaluate.target_aware import TargetAwarePolicy, save_target_aware

    train = ctx.sample(data.split("train"), "train", ctx.train_limit)
    policy = TargetAwarePolicy(len(data.labels), ctx.embedder(), lang=data.lang).fit(train, data.split("validation"))
    folder = ctx.out / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    targets = sorted({e.context for e in (*train, *data.split("validation"))})
    paths = save_target_aware(folder / f"{task}--{data.name}", policy,
                              {"task": task, "dataset": data.name, "labels": list(data.labels), "targets": targets,
                               "n_train": len(train), "loto_mean_metrics": loto, "source": data.source})
    ctx.note(task, f"target_aware fitted on all {len(targets)} targets (C={policy.C:g}), saved as {paths[1].name}")
    ctx.artefact(paths[1])


def loto_task(task: str, load: Callable[..., LabelledSet],
              phrase: Callable[[str], str]) -> Callable[[Any], list[dict[str, Any]]]:
    """Task ``task``'s ``run``: load the data (``--data`` path or the default), then :func:`run_loto`."""
    def run(ctx: Any) -> list[dict[str, Any]]:
        return run_loto(ctx, task, with_targets(load(ctx.data_path(task), ctx.seed), phrase))
    return run
