"""Building follow graphs: loading real edge lists, and random generators that scale to 10M edges.

S3 (Section 4.2.1) builds its network from real users and the follow relations among them; when no
platform graph is at hand, a generator with a realistic degree structure stands in for it. Every
generator takes a ``numpy.random.Generator`` (one named stream of the run's seed tree), works on whole
arrays, and returns the same CSR for the same seed.
"""

from __future__ import annotations

import gzip
import io
import math
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

# ====================================================================== loading


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


# ====================================================================== generators


def barabasi_albert(n: int, m: int, rng: np.random.Generator, directed_reciprocity: float = 0.2) -> FollowGraph:
    """Preferential attachment: node v arrives and follows ``m`` earlier users chosen in proportion to
    their degree; each such follow is returned (followed back) with probability ``directed_reciprocity``.

    Vectorised Batagelj–Brandes: slot k = v*m + i holds the pair (v, M[r_k]) with r_k uniform on
    [0, 2k]; an odd r_k points to an earlier target, so targets are resolved by following pointers
    (a few vectorised passes, chains are short). Self-loops and repeats that the sampler draws (a small
    share, mostly among the first nodes) are dropped and counted in ``graph.dropped``. The default
    reciprocity 0.2 is near the 22% mutual follows Kwak et al. (2010) measured on Twitter."""
    n, m = _int_arg("n", n, 2), _int_arg("m", m, 1)
    if m >= n:
        raise ConfigError(f"barabasi_albert: m = {m} is not allowed; each new node follows m < n = {n} users")
    _prob_arg("directed_reciprocity", directed_reciprocity)
    slots = np.arange(n * m, dtype=np.int64)
    pointer = rng.integers(0, 2 * slots + 1)
    pending = np.flatnonzero(pointer & 1)
    while pending.size:
        pointer[pending] = pointer[(pointer[pending] - 1) // 2]
        pending = pending[(pointer[pending] & 1).astype(bool)]
    follower, followee = slots // m, (pointer // 2) // m
    del pointer, slots
    back = rng.random(follower.size) < directed_reciprocity
    follower, followee = np.concatenate([follower, followee[back]]), np.concatenate([followee, follower[back]])
    return FollowGraph.from_follows(follower, followee, n_nodes=n)


def watts_strogatz(n: int, k: int, p: float, rng: np.random.Generator) -> FollowGraph:
    """Small world: a ring where each user is friends (mutual follows) with its ``k`` nearest
    neighbours, each friendship rewired to a uniform random user with probability ``p``. Rewired
    self-loops are redrawn; a rewire that repeats an existing friendship is dropped and counted."""
    n, k = _int_arg("n", n, 3), _int_arg("k", k, 2)
    if k % 2 or k >= n:
        raise ConfigError(f"watts_strogatz: k = {k} is not allowed; k must be even and < n = {n}")
    _prob_arg("p", p)
    a = np.repeat(np.arange(n, dtype=np.int64), k // 2)
    b = (a + np.tile(np.arange(1, k // 2 + 1, dtype=np.int64), n)) % n
    rewire = np.flatnonzero(rng.random(a.size) < p)
    while rewire.size:
        b[rewire] = rng.integers(0, n, rewire.size)
        rewire = rewire[b[rewire] == a[rewire]]
    a, b = np.minimum(a, b), np.maximum(a, b)  # so that i-j and j-i count as one friendship
    return FollowGraph.from_follows(np.concatenate([a, b]), np.concatenate([b, a]), n_nodes=n)


def stochastic_block(
    sizes: Any, p_in: float, p_out: float, rng: np.random.Generator, directed: bool = True
) -> tuple[FollowGraph, np.ndarray]:
    """Communities (e.g. two opposing camps): a follow exists with probability ``p_in`` inside a block
    and ``p_out`` across blocks. Returns the graph and each node's block label.

    Exact and sparse: per block pair the edge count is Binomial(#pairs, p) and that many distinct
    pairs are drawn by index, so no dense matrix is built. ``directed=False`` makes every relation
    mutual (sampled once per unordered pair)."""
    sizes = np.asarray(sizes, dtype=np.int64).ravel()
    if sizes.size == 0 or sizes.min() < 1:
        raise ConfigError(f"stochastic_block: sizes = {sizes.tolist()} is not allowed; give one or more block sizes >= 1")
    _prob_arg("p_in", p_in)
    _prob_arg("p_out", p_out)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    parts_a, parts_b = [], []
    for x, sx in enumerate(sizes.tolist()):
        for y, sy in enumerate(sizes.tolist()):
            if not directed and y < x:
                continue
            pairs = _block_pairs(sx, sy, x == y, directed)
            chosen = _sample_distinct(pairs, int(rng.binomial(pairs, p_in if x == y else p_out)), rng)
            i, j = _pair_coordinates(chosen, sx, sy, x == y, directed)
            parts_a.append(i + starts[x])
            parts_b.append(j + starts[y])
    a, b = np.concatenate(parts_a), np.concatenate(parts_b)
    if not directed:
        a, b = np.concatenate([a, b]), np.concatenate([b, a])
    labels = np.repeat(np.arange(sizes.size, dtype=np.int32), sizes)
    return FollowGraph.from_follows(a, b, n_nodes=int(starts[-1])), labels


def _block_pairs(sx: int, sy: int, same: bool, directed: bool) -> int:
    if not same:
        return sx * sy
    return sx * (sx - 1) if directed else sx * (sx - 1) // 2


def _sample_distinct(population: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct integers drawn uniformly from range(population) without a population-sized
    array: draw with replacement and keep values in order of first appearance until enough."""
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    if 4 * count >= population:  # dense block: the population is small enough to permute
        return rng.choice(population, size=count, replace=False).astype(np.int64)
    got = np.zeros(0, dtype=np.int64)
    while got.size < count:
        extra = rng.integers(0, population, size=int(1.05 * (count - got.size)) + 16, dtype=np.int64)
        pool = np.concatenate([got, extra])
        _, first = np.unique(pool, return_index=True)
        got = pool[np.sort(first)[:count]]
    return got


def _pair_coordinates(k: np.ndarray, sx: int, sy: int, same: bool, directed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Map pair numbers to (row, column) inside a block pair: a rectangle, a square without its
    diagonal (directed), or the strict upper triangle (undirected)."""
    if not same:
        return k // sy, k % sy
    if directed:
        i, j = k // (sx - 1), k % (sx - 1)
        return i, j + (j >= i)
    # row i of the upper triangle starts at pair number i*sx - i*(i+1)/2
    i = np.floor((2 * sx - 1 - np.sqrt((2.0 * sx - 1) ** 2 - 8.0 * k)) / 2).astype(np.int64)
    row_start = lambda r: r * sx - r * (r + 1) // 2  # noqa: E731
    i = np.where(row_start(i) > k, i - 1, i)
    i = np.where(row_start(i + 1) <= k, i + 1, i)
    return i, k - row_start(i) + i + 1


def configuration_model(in_degrees: Any, out_degrees: Any, rng: np.random.Generator) -> tuple[FollowGraph, dict[str, int]]:
    """A random follow graph with given followers (in) and followees (out) per node: stub matching.

    The sums must agree. Self-loops and multi-edges that the matching creates are dropped; the
    returned report says how many (so the realised degrees are slightly below the targets)."""
    ins, outs = (np.asarray(d, dtype=np.int64).ravel() for d in (in_degrees, out_degrees))
    if ins.shape != outs.shape:
        raise ConfigError(f"configuration_model: in_degrees ({ins.size}) and out_degrees ({outs.size}) differ in length")
    if ins.size and min(ins.min(), outs.min()) < 0:
        raise ConfigError("configuration_model: degrees must be >= 0")
    if ins.sum() != outs.sum():
        raise ConfigError(f"configuration_model: sum(in_degrees) = {ins.sum()} != sum(out_degrees) = {outs.sum()}; every follow has one follower and one followee")
    nodes = np.arange(ins.size, dtype=np.int64)
    follower = np.repeat(nodes, outs)
    followee = rng.permutation(np.repeat(nodes, ins))
    graph = FollowGraph.from_follows(follower, followee, n_nodes=ins.size)
    return graph, _stub_report(int(ins.sum()), graph)


def _stub_report(stubs: int, graph: FollowGraph) -> dict[str, int]:
    return {"stubs": stubs, "self_loops": graph.dropped["self_loops"], "multi_edges": graph.dropped["duplicate_edges"], "edges": graph.n_edges}


def copy_degree_sequence(
    graph_or_path: FollowGraph | str | Path,
    n: int,
    rng: np.random.Generator,
    directed: bool = False,
    mean_degree: float | None = None,
) -> tuple[FollowGraph, dict[str, Any]]:
    """A random graph of ``n`` users whose (followers, followees) pairs are resampled with replacement
    from a real graph, e.g. SNAP's Facebook one, wired by a configuration model.

    ``directed`` only applies when a path is given (SNAP Facebook is undirected). If every edge of the
    source is mutual the copy is wired as friendships (mutual pairs); otherwise as directed follows,
    after trimming random stubs from the larger side so that the sums agree. ``mean_degree`` rescales
    the resampled degrees (followers per user) to that mean, keeping the shape of the distribution:
    Facebook's mean is 43.7, so 1M users would otherwise get ~44M edges."""
    source = graph_or_path if isinstance(graph_or_path, FollowGraph) else load_edge_list(graph_or_path, directed=directed)[0]
    n = _int_arg("n", n, 1)
    if source.n_nodes == 0:
        raise ConfigError("copy_degree_sequence: the source graph has no nodes")
    pick = rng.integers(0, source.n_nodes, n)
    ins, outs = source.in_degree()[pick], source.out_degree()[pick]
    if mean_degree is not None:
        if not (isinstance(mean_degree, (int, float)) and 0 < mean_degree < math.inf):
            raise ConfigError(f"copy_degree_sequence: mean_degree = {mean_degree!r} is not allowed; it must be a number > 0")
        factor = mean_degree / max(float(ins.mean()), 1e-300)
        ins, outs = _scale_degrees(ins, factor, rng), _scale_degrees(outs, factor, rng)
    symmetric = source.n_edges > 0 and bool(source.mutual_mask().all())
    report: dict[str, Any] = {"source_nodes": source.n_nodes, "source_edges": source.n_edges, "symmetric": symmetric}
    if symmetric:
        graph, stub = _mutual_configuration(ins, rng)
    else:
        ins, outs, trimmed = _balance_stubs(ins, outs, rng)
        graph, stub = configuration_model(ins, outs, rng)
        stub["stubs_trimmed"] = trimmed
    report.update(stub)
    return graph, report


def _scale_degrees(degrees: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    """d * factor with stochastic rounding: the mean is kept in expectation and zeros stay zero."""
    scaled = degrees * factor
    whole = np.floor(scaled)
    return (whole + (rng.random(degrees.size) < scaled - whole)).astype(np.int64)


def _balance_stubs(ins: np.ndarray, outs: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """Remove |sum(in) - sum(out)| stubs, chosen uniformly among the larger side's stubs."""
    excess = int(ins.sum() - outs.sum())
    if excess == 0:
        return ins, outs, 0
    big = ins if excess > 0 else outs
    owners = np.repeat(np.arange(big.size), big)
    keep = np.ones(owners.size, dtype=bool)
    keep[rng.choice(owners.size, size=abs(excess), replace=False)] = False
    trimmed = np.bincount(owners[keep], minlength=big.size).astype(np.int64)
    return (trimmed, outs, abs(excess)) if excess > 0 else (ins, trimmed, abs(excess))


def _mutual_configuration(degrees: np.ndarray, rng: np.random.Generator) -> tuple[FollowGraph, dict[str, int]]:
    """Undirected stub matching: shuffle the stubs, pair them off, make each pair a mutual follow."""
    stubs = rng.permutation(np.repeat(np.arange(degrees.size, dtype=np.int64), degrees))
    stubs = stubs[: stubs.size - stubs.size % 2]  # an odd stub left over has no partner
    a, b = stubs[0::2], stubs[1::2]
    loops = a == b
    a, b = np.minimum(a[~loops], b[~loops]), np.maximum(a[~loops], b[~loops])
    graph = FollowGraph.from_follows(np.concatenate([a, b]), np.concatenate([b, a]), n_nodes=degrees.size)
    pairs = graph.n_edges // 2
    report = {"stubs": int(degrees.sum()), "self_loops": int(np.count_nonzero(loops)), "multi_edges": int(a.size - pairs), "edges": graph.n_edges}
    graph.dropped = {"self_loops": report["self_loops"], "duplicate_edges": report["multi_edges"]}
    return graph, report


def _int_arg(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} = {value!r} is not allowed; it must be an integer >= {minimum}")
    return int(value)


def _prob_arg(name: str, value: Any) -> float:
    if not isinstance(value, (int, float, np.floating)) or not 0.0 <= float(value) <= 1.0 or math.isnan(float(value)):
        raise ConfigError(f"{name} = {value!r} is not allowed; it must be a probability in [0, 1]")
    return float(value)
