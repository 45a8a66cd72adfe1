"""Reading users' text files the one way: bytes in, UTF-8 text out (a byte-order mark is fine), and
anything else is a DataError naming the file, the line of the first bad byte and what is allowed."""

from __future__ import annotations

from pathlib import Path

from hubbub.errors import DataError


def read_utf8(path: Path, what: str = "file") -> str:
    """The text of ``path``; ``what`` names the kind of file in the "cannot read" message."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line}: not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                        "allowed encoding: UTF-8 (save the file as UTF-8)") from exc
