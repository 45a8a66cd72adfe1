"""The three policies every classification task is run with, and learned-classifier persistence.

* ``llm``: zero-shot through the configured backend, asking exactly the ChoiceRequest the simulation
  asks (built by the task). The backend *samples* from its option distribution, as in a simulation;
  ``llm_argmax`` is read off the same calls (the most probable option) at no extra cost.
* ``majority``: the majority class of the train split (per group — target, emotion — when the data
  has groups, with the pooled majority for a group unseen in train). Its "probabilities" are the train
  class shares, so its AUC is 0.5 within a group.
* ``learned``: sentence embeddings + multinomial logistic regression (L2) fitted on the train split
  with scipy's L-BFGS; C is chosen on the validation split by macro-F1. One model per group with
  enough data (the embeddings study trained one stance model per target) plus a pooled model for the
  rest. Saved as ``NAME.npz`` (weights) + ``NAME.json`` (embedder, labels, task, metrics) with
  :func:`save_policy`; :func:`load_policy` reads it back so a simulation can name it as its ``learned``
  policy (DESIGN decision 8); :func:`emotion_policy` wraps one as an :class:`EmotionPolicy`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from hubbub.agents.learned import FORMAT, POOLED, load_classifier, softmax_rows
from hubbub.errors import ConfigError, DataError
from hubbub.evaluate.data import Example
from hubbub.evaluate.metrics import accuracy, macro_f1
from hubbub.llm.base import Backend, ChoiceRequest
from hubbub.llm.embeddings import Embedder

C_GRID = (0.1, 1.0, 10.0, 100.0)


@dataclass
class Predictions:
    """Predicted label index per item (-1 where the policy failed) and the probability rows (NaN
    rows for failures); ``failures`` holds the error text of each failed item."""

    index: np.ndarray
    probs: np.ndarray
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> np.ndarray:
        return self.index >= 0


# ---------------------------------------------------------------------------------------------------
# Majority


class MajorityPolicy:
    """Majority class of the train split, per group when groups exist."""

    name = "majority"

    def __init__(self, k: int) -> None:
        self.k = k
        self.shares: dict[str, np.ndarray] = {}

    def fit(self, train: Sequence[Example], validation: Sequence[Example] = ()) -> "MajorityPolicy":
        if not train:
            raise DataError("majority policy: the train split is empty")
        groups: dict[str, list[int]] = {POOLED: [e.label for e in train]}
        for e in train:
            if e.group:
                groups.setdefault(e.group, []).append(e.label)
        self.shares = {g: np.bincount(v, minlength=self.k) / len(v) for g, v in groups.items()}
        return self

    def predict(self, examples: Sequence[Example]) -> Predictions:
        rows = np.array([self.shares.get(e.group, self.shares[POOLED]) for e in examples]).reshape(-1, self.k)
        return Predictions(rows.argmax(axis=1) if len(rows) else np.zeros(0, np.int64), rows)


# ---------------------------------------------------------------------------------------------------
# Logistic regression (numpy + scipy), no new dependency


def fit_logreg(X: np.ndarray, y: np.ndarray, k: int, C: float, max_iter: int = 300,
               init: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression minimising ``C * sum(log-loss) + ||W||^2 / 2`` (the bias is
    not penalised), by L-BFGS from ``init`` (a previous ``(W, b)``, e.g. for a smaller C) or zeros.
    Returns ``(W, b)`` with shapes ``(d, k)`` and ``(k,)``."""
    from scipy.optimize import minimize

    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    Y = np.zeros((n, k))
    Y[np.arange(n), y] = 1.0

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        W, b = w[: d * k].reshape(d, k), w[d * k:]
        Z = X @ W + b
        Z -= Z.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(Z).sum(axis=1))
        value = C * (log_norm.sum() - (Z * Y).sum()) + 0.5 * (W**2).sum()
        G = C * (np.exp(Z - log_norm[:, None]) - Y)
        grad = np.concatenate(((X.T @ G + W).ravel(), G.sum(axis=0)))
        return value / n, grad / n

    start = np.zeros(d * k + k) if init is None else np.concatenate((init[0].ravel(), init[1]))
    res = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": max_iter})
    return res.x[: d * k].reshape(d, k), res.x[d * k:]


# ---------------------------------------------------------------------------------------------------
# Learned


class LearnedPolicy:
    """Embeddings + logistic regression, one model per group with at least ``min_group`` train items
    and two classes, plus a pooled model. ``pair`` (set at fit time when examples carry a context)
    concatenates the text and context vectors."""

    name = "learned"

    def __init__(self, k: int, embedder: Embedder, c_grid: Sequence[float] = C_GRID, min_group: int = 40) -> None:
        self.k, self.embedder, self.c_grid, self.min_group = k, embedder, tuple(c_grid), min_group
        self.models: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.C: float | None = None
        self.pair = False
        self.selection: list[dict[str, float]] = []

    def features(self, examples: Sequence[Example]) -> np.ndarray:
        X = self.embedder.encode([e.text for e in examples])
        if self.pair:
            X = np.hstack((X, self.embedder.encode([e.context for e in examples])))
        return np.asarray(X, dtype=np.float64)

    def _groups(self, train: Sequence[Example]) -> dict[str, np.ndarray]:
        idx: dict[str, list[int]] = {POOLED: list(range(len(train)))}
        for i, e in enumerate(train):
            if e.group:
                idx.setdefault(e.group, []).append(i)
        labels = np.array([e.label for e in train])
        return {g: np.array(v) for g, v in idx.items()
                if g == POOLED or (len(v) >= self.min_group and len(set(labels[v])) >= 2)}

    def _fit_all(self, X: np.ndarray, y: np.ndarray, groups: dict[str, np.ndarray], C: float,
                 init: Mapping[str, Any] | None = None) -> dict[str, Any]:
        init = init or {}
        return {g: fit_logreg(X[i], y[i], self.k, C, init=init.get(g)) for g, i in groups.items()}

    def fit(self, train: Sequence[Example], validation: Sequence[Example]) -> "LearnedPolicy":
        """Fit on ``train``; choose C on ``validation`` (macro-F1, then accuracy); the kept models are
        trained on train only. Without validation items (or a one-value grid) C is 1 (or that value)."""
        if not train:
            raise DataError("learned policy: the train split is empty")
        self.pair = any(e.context for e in train)
        X, y = self.features(train), np.array([e.label for e in train])
        groups = self._groups(train)
        if not validation or len(self.c_grid) == 1:
            self.C = self.c_grid[0] if len(self.c_grid) == 1 else 1.0
            self.models = self._fit_all(X, y, groups, self.C)
            return self
        truth = [e.label for e in validation]
        Xv = self.features(validation)
        best: tuple[float, float] | None = None
        self.models, kept = {}, {}
        for C in sorted(self.c_grid):
            self.models = self._fit_all(X, y, groups, C, init=self.models)
            pred = self._predict_X(Xv, validation).argmax(axis=1)
            score = (macro_f1(truth, pred, self.k), accuracy(truth, pred))
            self.selection.append({"C": C, "validation_macro_f1": score[0], "validation_accuracy": score[1]})
            if best is None or score > best:
                best, self.C, kept = score, C, self.models
        self.models = kept
        return self

    def _predict_X(self, X: np.ndarray, examples: Sequence[Example]) -> np.ndarray:
        probs = np.empty((len(examples), self.k))
        keys = np.array([e.group if e.group in self.models else POOLED for e in examples])
        for g in set(keys.tolist()):
            rows = keys == g
            W, b = self.models[g]
            probs[rows] = softmax_rows(X[rows] @ W + b)
        return probs

    def predict(self, examples: Sequence[Example]) -> Predictions:
        if not self.models:
            raise ConfigError("learned policy: fit() or load_policy() first")
        if not examples:
            return Predictions(np.zeros(0, np.int64), np.zeros((0, self.k)))
        probs = self._predict_X(self.features(examples), examples)
        return Predictions(probs.argmax(axis=1), probs)

    def predict_texts(self, texts: Sequence[str], groups: Sequence[str] | None = None,
                      contexts: Sequence[str] | None = None) -> Predictions:
        """Predict from raw texts (what a simulation holds), e.g. a user's received posts joined."""
        groups = groups or [""] * len(texts)
        contexts = contexts or [""] * len(texts)
        return self.predict([Example(str(i), t, -1, g, c) for i, (t, g, c) in enumerate(zip(texts, groups, contexts))])


# ---------------------------------------------------------------------------------------------------
# Persistence


def save_policy(path: str | Path, policy: LearnedPolicy, meta: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``path.npz`` (one W/b pair per model) and ``path.json`` (what it is and how well it did).
    ``meta`` must name at least ``task`` and ``labels``."""
    for key in ("task", "labels"):
        if key not in meta:
            raise ConfigError(f"save_policy: meta needs {key!r}")
    stem = Path(path).with_suffix("")
    groups = sorted(policy.models)
    arrays = {}
    for i, g in enumerate(groups):
        arrays[f"W_{i}"], arrays[f"b_{i}"] = policy.models[g]
    np.savez_compressed(stem.with_suffix(".npz"), **arrays)
    doc = {"format": FORMAT, **dict(meta), "embedder": policy.embedder.name, "embedder_dim": int(policy.embedder.dim),
           "pair": policy.pair, "C": policy.C, "groups": groups, "k": policy.k,
           "input": "text + context (concatenated embeddings)" if policy.pair else "text", "selection": policy.selection}
    stem.with_suffix(".json").write_text(json.dumps(plain_json(doc), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return stem.with_suffix(".npz"), stem.with_suffix(".json")


def plain_json(value: Any) -> Any:
    """``value`` with numpy scalars as Python numbers and non-finite floats as None (JSON-safe)."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_json(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def load_policy(path: str | Path, embedder: Embedder | None = None) -> tuple[LearnedPolicy, dict[str, Any]]:
    """Read a policy written by :func:`save_policy` (``path`` with or without suffix) through
    :func:`~hubbub.agents.learned.load_classifier`, the reader simulations use."""
    clf = load_classifier(path, embedder)
    policy = LearnedPolicy(len(clf.labels), clf.embedder, c_grid=(clf.meta.get("C") or 1.0,))
    policy.pair, policy.C, policy.models = clf.pair, clf.meta.get("C"), clf.models
    return policy, clf.meta


def emotion_policy(path: str | Path, decay: float, embedder: Embedder | None = None) -> Any:
    """A saved emotion-level classifier as an :class:`~hubbub.agents.affect.EmotionPolicy`: a user's
    received posts (joined) are classified into calm / moderate / intense."""
    from hubbub.agents.affect import EMOTION_LEVELS, FunctionEmotionPolicy

    policy, meta = load_policy(path, embedder)
    if tuple(meta["labels"]) != EMOTION_LEVELS:
        raise DataError(f"{path}: labels {meta['labels']} are not the emotion levels {EMOTION_LEVELS}")
    predict = lambda inputs: policy.predict_texts([" ".join(i.received_posts) for i in inputs]).index  # noqa: E731
    return FunctionEmotionPolicy(predict, decay, name=f"learned:{Path(path).stem}")


# ---------------------------------------------------------------------------------------------------
# LLM (zero-shot, the simulation's own choice requests)


class LLMPolicy:
    """Asks ``build(example, seed)`` of ``backend`` in batches. ``option_label[j]`` is the label index
    of option j. ``name`` is ``llm`` (the sampled pick, as a simulation uses it); :meth:`argmax` gives
    the ``llm_argmax`` view of the same answers."""

    name = "llm"

    def __init__(self, backend: Backend, build: Callable[[Example, int], ChoiceRequest], k: int,
                 option_label: Sequence[int] | None = None, seed: int = 0, batch_size: int = 64) -> None:
        self.backend, self.build, self.k, self.seed, self.batch_size = backend, build, k, seed, batch_size
        self.option_label = tuple(option_label) if option_label is not None else tuple(range(k))
        self.last: Predictions | None = None

    def fit(self, train: Sequence[Example] = (), validation: Sequence[Example] = ()) -> "LLMPolicy":
        return self  # zero-shot: nothing is fitted

    def predict(self, examples: Sequence[Example]) -> Predictions:
        from hubbub.kernel.seeding import derive_seed

        requests = [self.build(e, derive_seed(self.seed, "evaluate", e.key)) for e in examples]
        results = []
        for start in range(0, len(requests), self.batch_size):
            results.extend(self.backend.choose(requests[start:start + self.batch_size]))
        index = np.full(len(examples), -1, dtype=np.int64)
        probs = np.full((len(examples), self.k), np.nan)
        failures = []
        for i, r in enumerate(results):
            if not r.ok:
                failures.append(r.error or "no option was picked")
                continue
            row = np.zeros(self.k)
            for j, p in enumerate(r.probs):
                row[self.option_label[j]] += p
            probs[i], index[i] = row, self.option_label[int(r.index)]
        self.last = Predictions(index, probs, failures)
        return self.last

    def argmax(self) -> Predictions:
        """The same answers read as the most probable option (ties: the first label)."""
        if self.last is None:
            raise ConfigError("llm policy: predict() first")
        ok = self.last.ok
        index = np.where(ok, np.nan_to_num(self.last.probs, nan=-1).argmax(axis=1), -1)
        return Predictions(index, self.last.probs, self.last.failures)


# ---------------------------------------------------------------------------------------------------
# Rule (classical opinion dynamics at the individual level)


class VoterPolicy:
    """The voter model as an individual-level rule: a replier copies the stance of the tweet it
    replies to (the source tweet asserts its own claim, so replying to it copies 'support'); when the
    parent's stance is unknown or neutral ('comment'), the train split's majority is used."""

    name = "voter"

    def __init__(self) -> None:
        self.fallback = MajorityPolicy(2)

    def fit(self, train: Sequence[Example], validation: Sequence[Example] = ()) -> "VoterPolicy":
        self.fallback.fit([Example(e.key, e.text, e.label) for e in train])
        return self

    def predict(self, examples: Sequence[Example]) -> Predictions:
        prior = self.fallback.shares[POOLED]
        rows = []
        for e in examples:
            parent = e.meta.get("parent_stance", "unknown")
            rows.append([0.0, 1.0] if parent in ("source", "support") else
                        [1.0, 0.0] if parent in ("deny", "query") else list(prior))
        probs = np.array(rows).reshape(-1, 2)
        return Predictions(probs.argmax(axis=1) if len(rows) else np.zeros(0, np.int64), probs)
