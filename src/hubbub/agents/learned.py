"""Learned classifiers as agents' policies (DESIGN decision 8, S3's fine-tuning idea done cheaply).

``hubbub evaluate`` trains sentence embeddings + logistic regression on the train split of real
labelled data and saves each as ``NAME.json`` (what it is, its labels, its test figures) and
``NAME.npz`` (one weight matrix and bias per group, e.g. per stance target, plus a pooled ``*``
model). This module reads such a file back and classifies texts, so a simulation can name it instead
of asking the LLM for that decision. Training lives in :mod:`hubbub.evaluate.policies`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from hubbub.errors import DataError
from hubbub.llm.embeddings import Embedder, make_embedder

FORMAT = "hubbub.learned/1"
POOLED = "*"
EMBEDDER_BY_NAME = {"use-multilingual-v3": "use", "hashing-char-ngrams": "hashing"}
"""The embedder a saved classifier names, as :func:`~hubbub.llm.embeddings.make_embedder` knows it."""


def softmax_rows(Z: np.ndarray) -> np.ndarray:
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


@dataclass
class Classifier:
    """A saved classifier: ``models`` maps a group (or ``*``) to ``(W, b)``; ``pair`` means the input is
    the text's embedding followed by its context's."""

    path: Path
    labels: tuple[str, ...]
    embedder: Embedder
    models: dict[str, tuple[np.ndarray, np.ndarray]]
    pair: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"learned:{self.path.stem}"

    def features(self, texts: Sequence[str], contexts: Sequence[str] | None = None) -> np.ndarray:
        X = self.embedder.encode(list(texts))
        if self.pair:
            X = np.hstack((X, self.embedder.encode(list(contexts or [""] * len(texts)))))
        return np.asarray(X, dtype=np.float64)

    def probs_of(self, X: np.ndarray, groups: Sequence[str]) -> np.ndarray:
        """Class probabilities of feature rows ``X``, each by its group's model (pooled when unknown)."""
        probs = np.empty((X.shape[0], len(self.labels)))
        keys = np.array([g if g in self.models else POOLED for g in groups], dtype=object)
        for g in set(keys.tolist()):
            rows = keys == g
            W, b = self.models[g]
            probs[rows] = softmax_rows(X[rows] @ W + b)
        return probs

    def probs(self, texts: Sequence[str], groups: Sequence[str] | None = None,
              contexts: Sequence[str] | None = None) -> np.ndarray:
        """Class probabilities (rows in the order of ``labels``) of raw texts."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.probs_of(self.features(texts, contexts), list(groups or [""] * len(texts)))


def saved_paths(path: str | Path) -> tuple[Path, Path, Path]:
    """The stem, ``NAME.json`` and ``NAME.npz`` of a saved model named with or without suffix."""
    stem = Path(path)
    stem = stem.with_suffix("") if stem.suffix in (".json", ".npz") else stem
    return stem, stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".npz")


def read_meta(meta_path: Path, fmt: str, what: str, fields: Sequence[str]) -> dict[str, Any]:
    """The JSON half of a saved model: a DataError naming the file unless it is JSON of format ``fmt``
    with every one of ``fields``."""
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{meta_path}: cannot read the {what} ({exc.strerror or exc}); allowed: "
                        f"a NAME.json written by `hubbub evaluate` (OUT/policies/), next to its NAME.npz") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{meta_path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(meta, dict) or meta.get("format") != fmt:
        raise DataError(f"{meta_path}: not a {what} (expected \"format\": \"{fmt}\")")
    for key in fields:
        if key not in meta:
            raise DataError(f"{meta_path}: the field {key!r} is missing")
    return meta


def embedder_of(meta_path: Path, meta: dict[str, Any], embedder: Embedder | None) -> Embedder:
    """The embedder a saved model names, rebuilt from its name unless one is given (it must be the same)."""
    name = meta["embedder"]
    if embedder is None:
        if name not in EMBEDDER_BY_NAME:
            raise DataError(f"{meta_path}: unknown embedder {name!r}; known: {', '.join(EMBEDDER_BY_NAME)}")
        options = {"dim": int(meta["embedder_dim"])} if EMBEDDER_BY_NAME[name] == "hashing" else {}
        return make_embedder(EMBEDDER_BY_NAME[name], **options)
    if embedder.name != name:
        raise DataError(f"{meta_path}: trained with embedder {name!r}, got {embedder.name!r}")
    return embedder


def load_classifier(path: str | Path, embedder: Embedder | None = None) -> Classifier:
    """Read a classifier saved by ``hubbub evaluate`` (``path`` with or without ``.json``). The embedder
    is rebuilt from its recorded name unless one is given (it must be the same). Every problem is a
    DataError naming the file and what was expected."""
    stem, meta_path, npz_path = saved_paths(path)
    meta = read_meta(meta_path, FORMAT, "learned classifier", ("labels", "groups", "k", "embedder"))
    embedder = embedder_of(meta_path, meta, embedder)
    try:
        with np.load(npz_path) as arrays:
            models = {g: (arrays[f"W_{i}"], arrays[f"b_{i}"]) for i, g in enumerate(meta["groups"])}
    except (OSError, KeyError, ValueError) as exc:
        raise DataError(f"{npz_path}: cannot read the classifier's weights ({exc})") from None
    labels = tuple(str(v) for v in meta["labels"])
    if len(labels) != int(meta["k"]) or any(W.shape[1] != len(labels) for W, _ in models.values()):
        raise DataError(f"{npz_path}: the weights do not match the {len(labels)} labels {labels}")
    if POOLED not in models:
        raise DataError(f"{meta_path}: no pooled model ('{POOLED}' among the groups {meta['groups']})")
    return Classifier(stem, labels, embedder, models, bool(meta.get("pair")), meta)
