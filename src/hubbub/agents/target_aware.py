"""A saved target-aware stance model as a simulation's policy: it reads a text *toward a target phrase*,
so it scores targets that the per-target classifiers of :mod:`hubbub.agents.learned` never saw.

``hubbub evaluate attitude_loto_*`` fits the model on every target's train and validation splits and
saves it as ``NAME.json`` (what it is: format, labels, embedder, language, the pooled relevance mean and
spread, C, the LOTO figures) and ``NAME.npz`` (one weight matrix ``W`` and bias ``b``). The pair features
are defined here, so a saved model reads a text exactly as it did in evaluation; training and the
rationale of each feature live in :mod:`hubbub.evaluate.target_aware`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from hubbub.agents.learned import embedder_of, read_meta, saved_paths, softmax_rows
from hubbub.errors import DataError
from hubbub.llm.embeddings import Embedder

FORMAT = "hubbub.target_aware/1"
TEMPLATE_SCALE = 10.0
"""Template contrasts are differences of cosines (~0.01-0.1); scaled so the L2 penalty does not erase them."""
MIN_BATCH = 20
"""A target with fewer texts in a batch standardises its relevance with the pooled :class:`Relevance`."""
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


def _rows_of(targets: Sequence[str], t: str) -> np.ndarray:
    return np.array([x == t for x in targets])


def _contrasts(embedder: Embedder, lang: str, X: np.ndarray, targets: Sequence[str]) -> np.ndarray:
    favor, against = TEMPLATES[lang]
    out = np.zeros((len(targets), len(favor)))
    for t in sorted(set(targets)):
        rows = _rows_of(targets, t)
        pro = embedder.encode([f.format(t=t) for f in favor])
        con = embedder.encode([a.format(t=t) for a in against])
        out[rows] = X[rows] @ pro.T - X[rows] @ con.T
    return out * TEMPLATE_SCALE


def _standardise(cos: np.ndarray, targets: Sequence[str], relevance: Relevance) -> np.ndarray:
    z = np.empty_like(cos)
    for t in set(targets):
        rows = _rows_of(targets, t)
        mean, std = (cos[rows].mean(), cos[rows].std()) if rows.sum() >= MIN_BATCH else (relevance.mean, relevance.std)
        z[rows] = (cos[rows] - mean) / max(float(std), 1e-6)
    return z


def pair_features(embedder: Embedder, lang: str, relevance: Relevance, texts: Sequence[str],
                  targets: Sequence[str]) -> np.ndarray:
    """The pair features of each (text, target phrase): ``x``, ``x * z``, ``z`` and the template contrasts."""
    X = np.asarray(embedder.encode(list(texts)), dtype=np.float64)
    T = np.asarray(embedder.encode(list(targets)), dtype=np.float64)
    z = _standardise((X * T).sum(axis=1), targets, relevance)[:, None]
    return np.hstack((X, X * z, z, _contrasts(embedder, lang, X, targets)))


@dataclass
class TargetAwareClassifier:
    """A saved target-aware model: ``W`` and ``b`` over :func:`pair_features`."""

    path: Path
    labels: tuple[str, ...]
    embedder: Embedder
    lang: str
    relevance: Relevance
    W: np.ndarray
    b: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """``target_aware:NAME``, as decision events name the policy."""
        return f"target_aware:{self.path.stem}"

    def probs(self, texts: Sequence[str], targets: Sequence[str]) -> np.ndarray:
        """Class probabilities (rows in the order of ``labels``) of each text toward its target phrase."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        if len(targets) != len(texts) or not all(targets):
            raise DataError(f"{self.path}.json: every text needs a non-empty target phrase, got {list(targets)!r}")
        return softmax_rows(pair_features(self.embedder, self.lang, self.relevance, texts, targets) @ self.W + self.b)


def load_target_aware(path: str | Path, embedder: Embedder | None = None) -> TargetAwareClassifier:
    """Read a model saved by ``hubbub evaluate attitude_loto_*`` (``path`` with or without ``.json``).
    Every problem is a DataError naming the file and what was expected."""
    stem, meta_path, npz_path = saved_paths(path)
    meta = read_meta(meta_path, FORMAT, "target-aware stance model",
                     ("labels", "k", "embedder", "embedder_dim", "lang", "relevance"))
    if meta["lang"] not in TEMPLATES:
        raise DataError(f"{meta_path}: lang {meta['lang']!r} has no templates; allowed: {', '.join(TEMPLATES)}")
    relevance = meta["relevance"]
    if not isinstance(relevance, dict) or not all(isinstance(relevance.get(k), (int, float)) for k in ("mean", "std")):
        raise DataError(f"{meta_path}: relevance {relevance!r} is not {{\"mean\": number, \"std\": number}}")
    try:
        with np.load(npz_path) as arrays:
            W, b = arrays["W"], arrays["b"]
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"{npz_path}: cannot read the model's weights ({exc})") from None
    labels, embedder = tuple(str(v) for v in meta["labels"]), embedder_of(meta_path, meta, embedder)
    if len(labels) != int(meta["k"]) or W.ndim != 2 or W.shape[1] != len(labels) or b.shape != (len(labels),):
        raise DataError(f"{npz_path}: the weights do not match the {len(labels)} labels {labels}")
    width = 2 * int(embedder.dim) + 1 + len(TEMPLATES[meta["lang"]][0])
    if W.shape[0] != width:
        raise DataError(f"{npz_path}: {W.shape[0]} weight rows; the pair features of {embedder.name} "
                        f"(dim {embedder.dim}) are {width}")
    return TargetAwareClassifier(stem, labels, embedder, str(meta["lang"]),
                                 Relevance(float(relevance["mean"]), float(relevance["std"])), W, b, meta)
