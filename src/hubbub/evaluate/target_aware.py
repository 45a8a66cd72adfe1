"""A stance classifier that takes the target's text as an input, for targets it never saw in training.

The ``learned`` policy fits one model per target: its weights say what favour looks like *for that
target*, so on a new target it falls back to a pooled model of the text alone. Here every feature is a
function of the text and the target phrase (``Example.context``), and one model is shared by all targets:

* ``x``: the text's embedding (what the text says, whatever the target);
* ``x * z`` and ``z``: the embedding gated by the text's relevance to the target, ``z`` being the cosine
  between text and target phrase standardised within the target (same words, different weight when the
  text is about the target);
* template contrasts: ``cos(x, "I support {t}") - cos(x, "I oppose {t}")`` for a few templates in the
  data's language (English or Chinese), scaled by :data:`TEMPLATE_SCALE`.

``z`` is standardised over the texts of one target in the batch being classified (unlabelled texts, no
labels of that target are used); a target with fewer than :data:`MIN_BATCH` texts in the batch uses the
mean and spread fitted on the training targets. C is chosen by leave-one-target-out AUC over the
training targets, so nothing about a held-out target steers the choice.

The features are computed by :func:`hubbub.agents.target_aware.pair_features`, so a model saved with
:func:`save_target_aware` (``NAME.json`` + ``NAME.npz``, format ``hubbub.target_aware/1``) reads texts in a
simulation exactly as it did here; :func:`load_target_aware_policy` reads one back as a fitted policy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from hubbub.agents.learned import softmax_rows
from hubbub.agents.target_aware import (FORMAT, MIN_BATCH, TEMPLATE_SCALE, TEMPLATES, Relevance, load_target_aware,
                                        pair_features)
from hubbub.errors import ConfigError, DataError
from hubbub.evaluate.data import Example
from hubbub.evaluate.metrics import auc
from hubbub.evaluate.policies import Predictions, fit_logreg, plain_json
from hubbub.llm.embeddings import Embedder

C_GRID = (0.1, 1.0)


class TargetAwarePolicy:
    """One logistic regression over pair features of text and target (module docstring); ``k`` labels,
    ``lang`` picks the templates. Examples must carry the target phrase in ``context``."""

    name = "target_aware"

    def __init__(self, k: int, embedder: Embedder, lang: str = "en", c_grid: Sequence[float] = C_GRID) -> None:
        if lang not in TEMPLATES:
            raise ConfigError(f"target-aware stance: lang {lang!r} has no templates; allowed: {', '.join(TEMPLATES)}")
        self.k, self.embedder, self.lang, self.c_grid = k, embedder, lang, tuple(c_grid)
        self.model: tuple[np.ndarray, np.ndarray] | None = None
        self.C: float | None = None
        self.relevance = Relevance()
        self.selection: list[dict[str, float]] = []

    def features(self, examples: Sequence[Example]) -> np.ndarray:
        """The pair features of each (text, target phrase) in ``examples``."""
        missing = [e.key for e in examples if not e.context]
        if missing:
            raise DataError(f"target-aware stance: example {missing[0]!r} has no target phrase (context); "
                            "allowed: a non-empty target text")
        return pair_features(self.embedder, self.lang, self.relevance, [e.text for e in examples],
                             [e.context for e in examples])

    def _fit_relevance(self, examples: Sequence[Example]) -> None:
        X = self.embedder.encode([e.text for e in examples])
        T = self.embedder.encode([e.context for e in examples])
        cos = (np.asarray(X, np.float64) * T).sum(axis=1)
        targets = np.array([e.context for e in examples])
        stats = [(cos[targets == t].mean(), cos[targets == t].std()) for t in set(targets.tolist())]
        self.relevance = Relevance(float(np.mean([m for m, _ in stats])), float(np.mean([s for _, s in stats])) or 1.0)

    def _choose_C(self, F: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
        """The C of the grid with the best mean AUC when each training target is held out in turn."""
        targets = sorted(set(groups.tolist()))
        if len(self.c_grid) == 1 or len(targets) < 2:
            return self.c_grid[0] if len(self.c_grid) == 1 else 1.0
        best: tuple[float, float] | None = None
        for C in sorted(self.c_grid):
            scores = [self._held_out_auc(F, y, groups == t, C) for t in targets]
            score = float(np.nanmean(scores)) if not np.isnan(scores).all() else -1.0
            self.selection.append({"C": C, "inner_loto_auc": score})
            if best is None or score > best[0]:
                best = (score, C)
        assert best is not None
        return best[1]

    def _held_out_auc(self, F: np.ndarray, y: np.ndarray, out: np.ndarray, C: float) -> float:
        if len(set(y[~out].tolist())) < 2 or len(set(y[out].tolist())) < 2:
            return float("nan")
        W, b = fit_logreg(F[~out], y[~out], self.k, C)
        return auc(y[out], softmax_rows(F[out] @ W + b))

    def fit(self, train: Sequence[Example], validation: Sequence[Example] = ()) -> "TargetAwarePolicy":
        """Fit on ``train`` and ``validation`` together (C is chosen by leave-one-target-out inside them)."""
        items = [*train, *validation]
        if not items:
            raise DataError("target-aware stance: the train split is empty")
        self._fit_relevance(items)
        F, y = self.features(items), np.array([e.label for e in items])
        self.C = self._choose_C(F, y, np.array([e.context for e in items]))
        self.model = fit_logreg(F, y, self.k, self.C)
        return self

    def predict(self, examples: Sequence[Example]) -> Predictions:
        """Probabilities for each example; the target phrases may be ones never seen in training."""
        if self.model is None:
            raise ConfigError("target-aware stance: fit() first")
        if not examples:
            return Predictions(np.zeros(0, np.int64), np.zeros((0, self.k)))
        W, b = self.model
        probs = softmax_rows(self.features(examples) @ W + b)
        return Predictions(probs.argmax(axis=1), probs)


def save_target_aware(path: str | Path, policy: TargetAwarePolicy, meta: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``path.npz`` (``W``, ``b``) and ``path.json`` (what it is and how well it did), the files
    :func:`~hubbub.agents.target_aware.load_target_aware` reads. ``meta`` must name ``task`` and ``labels``."""
    for key in ("task", "labels"):
        if key not in meta:
            raise ConfigError(f"save_target_aware: meta needs {key!r}")
    if policy.model is None:
        raise ConfigError("save_target_aware: fit() first")
    stem = Path(path).with_suffix("")
    np.savez_compressed(stem.with_suffix(".npz"), W=policy.model[0], b=policy.model[1])
    doc = {"format": FORMAT, **dict(meta), "embedder": policy.embedder.name, "embedder_dim": int(policy.embedder.dim),
           "lang": policy.lang, "k": policy.k, "C": policy.C,
           "relevance": {"mean": policy.relevance.mean, "std": policy.relevance.std},
           "input": "text + target phrase (pair features)", "template_scale": TEMPLATE_SCALE,
           "min_batch": MIN_BATCH, "selection": policy.selection}
    text = json.dumps(plain_json(doc), indent=2, ensure_ascii=False) + "\n"
    stem.with_suffix(".json").write_text(text, encoding="utf-8")
    return stem.with_suffix(".npz"), stem.with_suffix(".json")


def load_target_aware_policy(path: str | Path,
                             embedder: Embedder | None = None) -> tuple[TargetAwarePolicy, dict[str, Any]]:
    """Read a model written by :func:`save_target_aware` back as a fitted :class:`TargetAwarePolicy`."""
    clf = load_target_aware(path, embedder)
    policy = TargetAwarePolicy(len(clf.labels), clf.embedder, lang=clf.lang)
    policy.model, policy.C, policy.relevance = (clf.W, clf.b), clf.meta.get("C"), clf.relevance
    return policy, clf.meta
