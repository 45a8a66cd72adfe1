"""Reading users' text files the one way: bytes in, UTF-8 text out (a byte-order mark is fine), and
anything else is a DataError naming the file, the line of the first bad byte and what is allowed.

The size limits of users' text live here too, in one place, so every reader (topic, persona, posts
and S3 users files, interventions, interview questions) refuses the same oversize input with the same
one-line message naming the file, the record and the limit. Without them a megabyte bio or topic
text would flow into every prompt, every memory item and every embedding of a run. The limits are
documented in ``docs/RELIABILITY.md``.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Iterator, Mapping

from hubbub.errors import DataError, HubbubError

DATA_FILE_BYTES = 1 << 30
"""A whole data file (topics, personas, posts, users): 1 GiB; it is read into memory at once."""
TOPIC_TITLE_CHARS = 1_000
"""A topic's title (the browsing page shows it in every prompt)."""
TOPIC_TEXT_CHARS = 200_000
"""A topic's summary or full content."""
BIO_CHARS = 20_000
"""A persona description (bio) and any other text column of a persona or users file."""
POST_CHARS = 50_000
"""One post or comment of a posts or users file."""
INTERVENTION_TEXT_CHARS = 4_000
"""The text of an intervention: an injected post, a label, a new profile or opinion."""
QUESTION_CHARS = 2_000
"""An interview question (scenario or ``hubbub interview``)."""

LIMITS: dict[str, int] = {
    "data file (bytes)": DATA_FILE_BYTES, "topic title": TOPIC_TITLE_CHARS, "topic summary or content": TOPIC_TEXT_CHARS,
    "persona or user description (bio)": BIO_CHARS, "post or comment": POST_CHARS,
    "intervention text": INTERVENTION_TEXT_CHARS, "interview question": QUESTION_CHARS,
}
"""Every limit by what it bounds, for documentation and tests."""


def check_length(text: str, limit: int, where: str, what: str,
                 error: type[HubbubError] = DataError) -> str:
    """``text`` itself when it has at most ``limit`` characters; otherwise ``error`` (a DataError for
    files, a ConfigError for options) naming ``where`` (the file and record), ``what`` and the limit.
    Checked before any other work on the text, so an oversize input costs one ``len``."""
    if len(text) > limit:
        raise error(f"{where}: {what} has {len(text):,} characters; allowed: at most {limit:,} characters")
    return text


def check_columns(record: object, where: str, limit: int, limits: Mapping[str, int] | None = None) -> None:
    """Every text of a record (column -> text, or a list of texts) within its column's limit:
    ``limits[column]``, else ``limit``. Anything but a mapping is left to the record's parser."""
    if not isinstance(record, Mapping):
        return
    for column, value in record.items():
        for text in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(text, str):
                check_length(text, (limits or {}).get(column, limit), where, f"column {column!r}")


def check_file_size(path: Path, what: str = "file", limit: int = DATA_FILE_BYTES) -> None:
    """Refuse a file over ``limit`` bytes before reading it (a stat, not a read)."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # the read that follows reports the real problem
    if size > limit:
        raise DataError(f"{path}: {what} is {size:,} bytes; allowed: at most {limit:,} bytes")


def read_utf8(path: Path, what: str = "file", limit: int = DATA_FILE_BYTES) -> str:
    """The text of ``path``; ``what`` names the kind of file in the messages, ``limit`` its size."""
    check_file_size(path, what, limit)
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


DATA_PREFIX = "data:"
"""A scenario path that starts with ``data:`` names a file in the data folder (see :func:`data_root`)."""


def data_root() -> Path:
    """The data folder real data sets are read from in place: ``$HUBBUB_DATA_DIR``, else a folder
    ``shared/data`` beside the working folder, else beside the repository checkout."""
    env = os.environ.get("HUBBUB_DATA_DIR")
    if env:
        return Path(env).expanduser()
    here = Path.cwd() / ".." / "shared" / "data"
    if here.is_dir():
        return here.resolve()
    return (Path(__file__).resolve().parents[3] / "shared" / "data").resolve()


def data_path(path: str) -> Path:
    """Where a scenario's file path points: ``data:NAME`` inside the data folder, anything else
    relative to the working folder (``~`` expanded)."""
    if path.startswith(DATA_PREFIX):
        return data_root() / path[len(DATA_PREFIX):]
    return Path(path).expanduser()


HEAD_BYTES = 1 << 16
"""How much of a file :func:`first_csv_row` reads to recognise its format."""


def first_csv_row(path: Path) -> list[str]:
    """The cells of a CSV file's first row (its header, or its first record in a headerless file),
    read from the first :data:`HEAD_BYTES` only, so recognising a file's format costs no full read.
    An unreadable file gives ``[]``: the full read that follows reports the real problem."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES).decode("utf-8-sig", errors="replace")
        return next(csv.reader(io.StringIO(head)), [])
    except (OSError, csv.Error):
        return []


def csv_rows(path: Path, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank row of a headerless CSV text; a row the csv module
    cannot read is a DataError naming the file and line, like every other reader's."""
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error as exc:  # a field over the csv module's size limit, a stray quote
        raise DataError(f"{path}: line {reader.line_num + 1}: not readable as CSV ({exc}); allowed: fields of at "
                        f"most {csv.field_size_limit()} characters, quotes doubled inside quoted fields") from None


def json_object(path: Path | str, where: str, raw: str) -> dict:
    """One JSON object (a JSONL line), or a DataError naming the file, ``where`` (e.g. ``line 3``) and
    what is allowed: the one way every reader of JSON lines reports bad input."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: {where}: bad JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError:
        raise DataError(f"{path}: {where}: JSON nested too deeply; allowed: one flat object per line") from None
    if not isinstance(value, dict):
        raise DataError(f"{path}: {where}: expected a JSON object, got {type(value).__name__}")
    return value
