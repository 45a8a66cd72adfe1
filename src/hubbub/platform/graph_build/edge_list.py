"""Loading real follow graphs: edge lists (CSV / TSV / whitespace, optionally gzip) into a FollowGraph.

S3 (Section 4.2.1) builds its network from real users and the follow relations among them.
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from hubbub.errors import ConfigError, DataError
from hubbub.platform.graph import FollowGraph, compile_follows

DIRECTIONS = ("follower_followee", "followee_follower")
HEADER_WORDS = frozenset(
    "source target src dst from to follower followee followers followees following user user_id "
    "id id1 id2 node node1 node2 u v head tail".split()
)


def load_edge_list(
    path: str | Path,
    directed: bool,
    sep: str | None = None,
    has_header: bool | None = None,
    source_col: int | str = 0,
    target_col: int | str = 1,
    id_type: str = "auto",
    direction: str = "follower_followee",
    comment: str = "#",
) -> tuple[FollowGraph, dict[str, Any]]:
    """Read an edge list (CSV / TSV / whitespace, optionally gzip) into a :class:`FollowGraph`.

    ``direction="follower_followee"`` reads a row ``a b`` as "a follows b"; ``"followee_follower"`` as
    "b follows a". With ``directed=False`` every row is a mutual relation (two follow edges).
    ``sep=None`` picks tab, comma or whitespace from the first data line; ``has_header=None`` detects a
    header (see :func:`_detect_header`); ``id_type`` is ``"auto"``, ``"int"`` or ``"str"``. Lines
    starting with ``comment`` are skipped. Self-loops and repeated edges are dropped and counted in the
    returned report; any malformed line raises :class:`DataError` with the file and line number."""
    if direction not in DIRECTIONS:
        raise ConfigError(f"load_edge_list: direction = {direction!r} is not allowed; use one of {DIRECTIONS}")
    if id_type not in ("auto", "int", "str"):
        raise ConfigError(f"load_edge_list: id_type = {id_type!r} is not allowed; use 'auto', 'int' or 'str'")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    gz = _is_gzip(path)
    head = list(_data_lines(path, gz, comment, limit=3))
    if not head:
        raise DataError(f"{path}: the file is empty (no edges)")
    sep = sep or _sniff_sep(head[0][1])
    header = _detect_header(head, sep, source_col, target_col) if has_header is None else bool(has_header)
    if header and len(head) == 1:
        raise DataError(f"{path}, line {head[0][0]}: a header and no edges after it")
    first_fields = _split(head[0][1], sep)
    src, dst = (_column_index(path, c, first_fields, header) for c in (source_col, target_col))
    try:
        frame = _read_frame(path, gz, sep, head[0][0] if header else None, comment, id_type, (src, dst),
                            len(first_fields))
    except (OSError, EOFError, zlib.error) as exc:  # a gzip file cut off after its first lines
        raise DataError(f"{path}: cannot be read ({exc})") from exc
    a, b = frame[src].to_numpy(), frame[dst].to_numpy()
    if direction == "followee_follower":
        a, b = b, a
    graph, report = _assemble(a, b, directed)
    if graph.n_edges == 0:  # every line was a self-loop: nothing can spread over this graph
        raise DataError(f"{path}: no follow relations left after dropping {report['self_loops']} self-loop(s); "
                        "each line must name two different users")
    report.update(path=str(path), lines_read=int(len(frame)), has_header=header, sep=sep)
    return graph, report


def _is_gzip(path: Path) -> bool:
    """The magic bytes decide, so a gzip file without ``.gz`` works and a plain ``.gz`` file too."""
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _open_text(path: Path, gz: bool) -> io.TextIOBase:
    raw = gzip.open(path, "rb") if gz else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")


def _data_lines(path: Path, gz: bool, comment: str, limit: int | None = None) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of non-blank, non-comment lines."""
    try:
        with _open_text(path, gz) as fh:
            found = 0
            for number, line in enumerate(fh, start=1):
                text = line.rstrip("\r\n")
                if not text.strip() or (comment and text.lstrip().startswith(comment)):
                    continue
                yield number, text
                found += 1
                if limit is not None and found >= limit:
                    return
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{path}: cannot be read ({exc})") from exc


def _sniff_sep(line: str) -> str:
    return "\t" if "\t" in line else "," if "," in line else r"\s+"


def _split(line: str, sep: str) -> list[str]:
    return line.split() if sep == r"\s+" else [f.strip() for f in line.split(sep)]


def _is_int(token: str) -> bool:
    try:
        int(token)
    except ValueError:
        return False
    return True


def _detect_header(head: list[tuple[int, str]], sep: str, source_col: Any, target_col: Any) -> bool:
    """A header is present when columns are named, when the first line's id fields are not integers
    but the second line's are, or when they are both well-known column names (source, target, ...)."""
    if isinstance(source_col, str) or isinstance(target_col, str):
        return True
    first = [_split(text, sep) for _, text in head]
    cols = (int(source_col), int(target_col))
    tokens = [first[0][c] if c < len(first[0]) else "" for c in cols]
    if all(_is_int(t) for t in tokens):
        return False
    if len(first) > 1 and all(c < len(first[1]) and _is_int(first[1][c]) for c in cols):
        return True
    return all(t.lower() in HEADER_WORDS for t in tokens)


def _column_index(path: Path, col: int | str, first_fields: list[str], header: bool) -> int:
    if isinstance(col, str):
        if header and col in first_fields:
            return first_fields.index(col)
        raise ConfigError(f"{path}: no column named {col!r}; the header has {first_fields if header else 'no names'}")
    if not 0 <= col < len(first_fields):
        raise ConfigError(f"{path}: column {col} does not exist; the first line has {len(first_fields)} fields")
    return int(col)


def _read_frame(path, gz, sep, header_line, comment, id_type, cols, n_fields) -> pd.DataFrame:
    """pandas' C parser does the work; on any failure a line-by-line scan names the first bad line."""
    kwargs = dict(
        sep=sep, header=None, comment=comment or None, engine="c", skip_blank_lines=True,
        compression="gzip" if gz else None, skiprows=[header_line - 1] if header_line else None,
    )
    if id_type in ("auto", "int"):
        try:
            frame = pd.read_csv(path, dtype={c: np.int64 for c in cols}, **kwargs)
        except (ValueError, OverflowError, pd.errors.ParserError) as exc:
            if id_type == "int" or isinstance(exc, pd.errors.ParserError):
                raise _first_bad_line(path, gz, sep, header_line, comment, cols, n_fields, True, exc) from exc
        else:
            if all(c in frame.columns for c in cols):
                return frame
    try:
        frame = pd.read_csv(path, dtype={c: str for c in cols}, keep_default_na=False, **kwargs)
    except (ValueError, pd.errors.ParserError) as exc:
        raise _first_bad_line(path, gz, sep, header_line, comment, cols, n_fields, False, exc) from exc
    if any(c not in frame.columns for c in cols):  # pandas sized the table by a short first data line
        raise _first_bad_line(path, gz, sep, header_line, comment, cols, n_fields, False, None)
    if any((frame[c] == "").any() or frame[c].isna().any() for c in cols):
        raise _first_bad_line(path, gz, sep, header_line, comment, cols, n_fields, False, None)
    return frame


def _first_bad_line(path, gz, sep, header_line, comment, cols, n_fields, want_int, exc) -> DataError:
    """Walk the file (slow path, errors only) to name the first line that cannot be an edge."""
    for number, text in _data_lines(path, gz, comment):
        if number == header_line:
            continue
        fields = _split(text, sep)
        if len(fields) != n_fields:
            return DataError(f"{path}, line {number}: expected {n_fields} fields like the first line, found {len(fields)}: {text[:80]!r}")
        for c in cols:
            if fields[c] == "":
                return DataError(f"{path}, line {number}: field {c} is empty: {text[:80]!r}")
            if want_int and not _is_int(fields[c]):
                return DataError(f"{path}, line {number}: node id {fields[c][:40]!r} in field {c} is not an integer (id_type='int')")
    return DataError(f"{path}: cannot be parsed as an edge list ({exc})")


def _relabel(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(node ids, index per value). Integer ids stay sorted; strings keep first-appearance order."""
    if values.dtype.kind in "iu":
        lo, hi = (int(values.min()), int(values.max())) if values.size else (0, -1)
        if lo >= 0 and hi < 2 * values.size + 1024:  # dense ids (SNAP style): O(E), no sort
            present = np.zeros(hi + 1, dtype=bool)
            present[values] = True
            lookup = np.cumsum(present, dtype=np.int32) - 1
            return np.flatnonzero(present), lookup[values]
        ids, index = np.unique(values, return_inverse=True)
        return ids, index
    codes, uniques = pd.factorize(values)
    return np.asarray(uniques, dtype=object), codes.astype(np.int64)


def _assemble(follower: np.ndarray, followee: np.ndarray, directed: bool) -> tuple[FollowGraph, dict[str, Any]]:
    ids, index = _relabel(np.concatenate([follower, followee]))
    n_rows = follower.size
    a, b = index[:n_rows], index[n_rows:]
    loops = a == b
    n_loops = int(np.count_nonzero(loops))
    a, b = a[~loops], b[~loops]
    if not directed:
        a, b = np.concatenate([a, b]), np.concatenate([b, a])
    matrix, dropped = compile_follows(a, b, ids.size)
    graph = FollowGraph(matrix, node_ids=ids, dropped={"self_loops": n_loops, "duplicate_edges": dropped["duplicate_edges"]})
    report = {
        "nodes": graph.n_nodes, "edges": graph.n_edges, "self_loops": n_loops,
        "duplicate_edges": dropped["duplicate_edges"], "directed": directed,
        "id_type": "int" if ids.dtype.kind in "iu" else "str",
    }
    return graph, report

