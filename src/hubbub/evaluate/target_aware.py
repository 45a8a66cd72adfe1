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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from hubbub.agents.learned import softmax_rows
from hubbub.errors import ConfigError, DataError
from hubbub.evaluate.data import Example
from hubbub.evaluate.metrics import auc
from hubbub.evaluate.policies import Predictions, fit_logreg
from hubbub.llm.embeddings import Embedder

C_GRID = (0.1, 1.0)
TEMPLATE_SCALE = 10.0
"""Template contrasts are differences of cosines (~0.01-0.1); scaled so the L2 penalty does not erase them."""
MIN_BATCH = 20
TEMPLATES = {
    "en": (("I support {t}.", "{t} is good.", "I am in favor of {t}."),
           ("I oppose {t}.", "{t} is bad.", "I am against {t}.")),
    "zh": (("我支持{t}。", "{t}是好事。", "赞成{t}"),
           ("我反对{t}。", "{t}是坏事。", "反对{t}")),
}


@dataclass
class Relevance:
    """Mean and spread of text-target cosines, pooled over the training targets (the fallback for a
    target with too few texts in a batch)."""

    mean: float = 0.0
    std: float = 1.0


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

    def _contrasts(self, X: np.ndarray, targets: Sequence[str]) -> np.ndarray:
        favor, against = TEMPLATES[self.lang]
        out = np.zeros((len(targets), len(favor)))
        for t in sorted(set(targets)):
            rows = np.array([x == t for x in targets])
            pro = self.embedder.encode([f.format(t=t) for f in favor])
            con = self.embedder.encode([a.format(t=t) for a in against])
            out[rows] = X[rows] @ pro.T - X[rows] @ con.T
        return out * TEMPLATE_SCALE

    def _standardise(self, cos: np.ndarray, targets: Sequence[str]) -> np.ndarray:
        z = np.empty_like(cos)
        for t in set(targets):
            rows = np.array([x == t for x in targets])
            mean, std = (cos[rows].mean(), cos[rows].std()) if rows.sum() >= MIN_BATCH else \
                (self.relevance.mean, self.relevance.std)
            z[rows] = (cos[rows] - mean) / max(float(std), 1e-6)
        return z

    def features(self, examples: Sequence[Example]) -> np.ndarray:
        """The pair features of each (text, target phrase) in ``examples``."""
        missing = [e.key for e in examples if not e.context]
        if missing:
            raise DataError(f"target-aware stance: example {missing[0]!r} has no target phrase (context); "
                            "allowed: a non-empty target text")
        targets = [e.context for e in examples]
        X = np.asarray(self.embedder.encode([e.text for e in examples]), dtype=np.float64)
        T = np.asarray(self.embedder.encode(targets), dtype=np.float64)
        z = self._standardise((X * T).sum(axis=1), targets)[:, None]
        return np.hstack((X, X * z, z, self._contrasts(X, targets)))

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
