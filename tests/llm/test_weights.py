"""The bundled model's Q4_0 copy (hubbub.llm.weights), on small GGUF files written here."""

from __future__ import annotations

import os

import gguf
import numpy as np
import pytest

from hubbub.errors import BackendUnavailable, ConfigError
from hubbub.llm import weights
from hubbub.llm.embedded import _resolve_model

Q = gguf.GGMLQuantizationType


def _write_model(path, rng) -> dict[str, np.ndarray]:
    """A GGUF file with two Q4_1 matrices, a Q8_0 one, an f32 vector and some metadata."""
    tensors = {"a.weight": rng.normal(size=(4, 64)).astype(np.float32),
               "b.weight": rng.normal(scale=0.02, size=(2, 96)).astype(np.float32),
               "c.weight": rng.normal(size=(3, 32)).astype(np.float32),
               "norm": rng.normal(size=7).astype(np.float32)}
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("tiny")
    writer.add_context_length(128)
    writer.add_token_list(["<s>", "hi", "</s>"])
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_1)
    for name, kind in (("a.weight", Q.Q4_1), ("b.weight", Q.Q4_1), ("c.weight", Q.Q8_0)):
        data = gguf.quants.quantize(tensors[name], kind)
        writer.add_tensor(name, data, raw_shape=data.shape, raw_dtype=kind)
    writer.add_tensor("norm", tensors["norm"])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return tensors


def _by_name(reader) -> dict:
    return {t.name: t for t in reader.tensors}


def test_q4_1_tensors_become_q4_0_and_everything_else_is_copied(tmp_path):
    source = tmp_path / "tiny.gguf"
    _write_model(source, np.random.default_rng(3))
    copy = weights.q4_0_copy(str(source), tmp_path / "cache")
    old, new = gguf.GGUFReader(str(source)), gguf.GGUFReader(copy)
    before, after = _by_name(old), _by_name(new)
    assert [t.name for t in new.tensors] == [t.name for t in old.tensors]
    assert {n: t.tensor_type for n, t in after.items()} == {
        "a.weight": Q.Q4_0, "b.weight": Q.Q4_0, "c.weight": Q.Q8_0, "norm": Q.F32}
    for name in ("c.weight", "norm"):
        assert np.array_equal(after[name].data, before[name].data)
    for name in ("a.weight", "b.weight"):
        exact = gguf.quants.dequantize(before[name].data, Q.Q4_1)
        moved = gguf.quants.dequantize(after[name].data, Q.Q4_0)
        # Q4_0: 16 levels of step |max| / 8 per block of 32; half a step off at most, except the clipped
        # end opposite the block's largest value (level 8 does not exist), a whole step off at most
        step = np.abs(exact).reshape(-1, 32).max(axis=1, keepdims=True) / 8
        error = np.abs(moved - exact).reshape(-1, 32)
        assert moved.shape == exact.shape
        assert np.all(error <= step * 1.001) and np.median(error / step) <= 0.3
        assert not np.array_equal(moved, exact)  # requantising is lossy, and said so
    assert new.get_field("general.name").contents() == "tiny"
    assert new.get_field("tokenizer.ggml.tokens").contents() == ["<s>", "hi", "</s>"]
    assert new.get_field("general.file_type").contents() == int(gguf.LlamaFileType.MOSTLY_Q4_0)


def test_the_copy_is_made_once_and_named_by_the_source(tmp_path):
    source = tmp_path / "tiny.gguf"
    _write_model(source, np.random.default_rng(4))
    first = weights.q4_0_copy(str(source), tmp_path / "cache")
    stamp = os.stat(first).st_mtime_ns
    assert weights.q4_0_copy(str(source), tmp_path / "cache") == first and os.stat(first).st_mtime_ns == stamp
    assert weights.file_digest(source) in first and not list((tmp_path / "cache").glob("*.partial"))
    _write_model(source, np.random.default_rng(5))  # another file under the same name: another copy
    assert weights.q4_0_copy(str(source), tmp_path / "cache") != first


def test_an_unwritable_cache_folder_is_named_with_the_way_out(tmp_path):
    source = tmp_path / "tiny.gguf"
    _write_model(source, np.random.default_rng(6))
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(BackendUnavailable, match=r"cannot write the Q4_0 copy .* to .*file.*HUBBUB_CACHE_DIR"):
        weights.q4_0_copy(str(source), blocker / "cache")


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HUBBUB_CACHE_DIR", str(tmp_path / "mine"))
    assert weights.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("HUBBUB_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert weights.cache_dir() == tmp_path / "xdg" / "hubbub"


def test_unknown_weights_are_refused_with_the_choices():
    with pytest.raises(ConfigError, match=r"llm.embedded_weights: 'q2' is not allowed; expected one of q4_0, q4_1"):
        _resolve_model(None, "q2")


def test_the_first_use_note_names_the_folder_until_the_copy_exists(monkeypatch, tmp_path):
    from hubbub.llm import embedded

    source = tmp_path / "tiny.gguf"
    _write_model(source, np.random.default_rng(7))
    monkeypatch.setattr(embedded, "bundled_model_path", lambda: str(source))
    monkeypatch.setenv("HUBBUB_CACHE_DIR", str(tmp_path / "cache"))
    assert embedded.first_use_note(None, "q4_0") == (
        f"writing the Q4_0 copy of the embedded model to {tmp_path / 'cache'} (once, about 10 s)")
    assert embedded.first_use_note(None, "q4_1") == "" and embedded.first_use_note("my.gguf", "q4_0") == ""
    weights.q4_0_copy(str(source))
    assert embedded.first_use_note(None, "q4_0") == ""
