"""Twitter15 propagation trees (Ma, Gao & Wong, ACL 2017), read in place from the shared data folder.

Layout (see the folder's SOURCE.md): ``trees_twitter15.tar.gz`` holds ``twitter15/tree/<tweet_id>.txt``,
one edge per line, ``['uid', 'tweet_id', 'delay_min']->['uid', 'tweet_id', 'delay_min']``, with one
``['ROOT', 'ROOT', '0.0']->[source]`` line; ``twitter15_label.txt`` holds ``label:tweet_id`` and
``twitter15_source_tweets.tsv`` ``tweet_id<TAB>label<TAB>text``. The archive is read with ``tarfile``
and never extracted. Research use only; cite Ma et al. 2017.

How a file becomes a tree (the release infers retweet attribution, so it is not always a tree):

* a node is one ``[uid, tweet_id, delay]`` triple; the root is the child of the ROOT line;
* each node keeps the *first listed* edge into it; later edges into it (exact duplicates, and the
  alternative parents that carry almost all of the ~1.1% "child earlier than parent" edges), self-loops
  and edges into the root are dropped and counted in ``dropped_edges``; nodes that then cannot reach the
  root would be dropped too (none in the release);
* times are minutes since the root (``delay - root delay``: 8 sources are themselves listed with a
  negative delay); a node still earlier than its parent is raised to its parent's time and counted in
  ``clamped``, so times never decrease along a path and none is negative (277 nodes in the release, all
  listed before their source tweet; 11 of them also before their own parent);
* nodes are ordered by (time, depth), so ``parent[i] < i`` and node 0 is the root;
* raw Twitter user ids and reply/retweet tweet ids are never kept: users become dense integers in order
  of first appearance in the load (stable for the same archive and ``limit``).
"""

from __future__ import annotations

import hashlib
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np

from hubbub.errors import ConfigError, DataError
from hubbub.metrics.cascade import depths

LABELS = ("false", "true", "unverified", "non-rumor")
TREES_FILE = "trees_twitter15.tar.gz"
LABEL_FILE = "twitter15_label.txt"
TEXT_FILE = "twitter15_source_tweets.tsv"

_EDGE = re.compile(r"\['([^']*)',\s*'([^']*)',\s*'([^']*)'\]\s*->\s*\['([^']*)',\s*'([^']*)',\s*'([^']*)'\]")


@dataclass(frozen=True, eq=False)
class Cascade:
    """One source tweet's propagation tree, cleaned and pseudonymised (see the module docstring)."""

    tweet_id: str
    label: str
    parent: np.ndarray
    delay: np.ndarray
    depth: np.ndarray
    user: np.ndarray
    text: str | None = None
    dropped_edges: int = 0
    clamped: int = 0

    @property
    def time(self) -> np.ndarray:
        """Alias of ``delay`` (minutes since the root), the name the cascade metrics read."""
        return self.delay

    @property
    def size(self) -> int:
        return int(self.parent.size)


class _Edges(NamedTuple):
    parent_key: list[tuple[str, str, str]]
    child_key: list[tuple[str, str, str]]
    line: list[int]


def _parse_edges(text: str, where: str) -> _Edges:
    """Every non-blank line must be one edge; DataError names the file and line otherwise."""
    edges = _Edges([], [], [])
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        m = _EDGE.fullmatch(raw.strip())
        if m is None:
            raise DataError(f"{where} line {number}: not an edge of the form "
                            f"['uid', 'tweet_id', 'delay']->['uid', 'tweet_id', 'delay']: {raw[:80]!r}")
        edges.parent_key.append(m.group(1, 2, 3))
        edges.child_key.append(m.group(4, 5, 6))
        edges.line.append(number)
    return edges


def _delay(value: str, where: str, line: int) -> float:
    try:
        out = float(value)
    except ValueError:
        raise DataError(f"{where} line {line}: delay {value!r} is not a number of minutes") from None
    if not np.isfinite(out):
        raise DataError(f"{where} line {line}: delay {value!r} is not a finite number of minutes")
    return out


def _first_parents(edges: _Edges, where: str) -> tuple[dict, list[int], int, tuple]:
    """Node index per key (root first), first-listed parent of each node, dropped-edge count, root key."""
    roots = [k for k, p in enumerate(edges.parent_key) if p[0] == "ROOT"]
    if not roots:
        raise DataError(f"{where}: no ['ROOT', 'ROOT', ...]->[source] line")
    root = edges.child_key[roots[0]]
    index, parent, dropped = {root: 0}, [-1], 0
    for k, (p, c) in enumerate(zip(edges.parent_key, edges.child_key)):
        if k == roots[0]:
            continue
        if p[0] == "ROOT" or p == c or c == root or (c in index and parent[index[c]] != -2):
            dropped += 1
            continue
        for key in (p, c):
            if key not in index:
                index[key] = len(parent)
                parent.append(-2)  # -2: seen, no parent yet
        parent[index[c]] = index[p]
    return index, parent, dropped, root


def _build(text: str, where: str, users: dict[str, int]) -> tuple[dict[str, Any], int]:
    edges = _parse_edges(text, where)
    index, parent, dropped, root = _first_parents(edges, where)
    par = np.array(parent, dtype=np.int64)
    line_of = {c: ln for c, ln in zip(reversed(edges.child_key), reversed(edges.line))}
    delay = np.array([_delay(k[2], where, line_of.get(k, 0)) for k in index], dtype=np.float64)
    keep = _reaches_root(par)
    dropped += int(np.count_nonzero(~keep))
    keys = [k for k, ok in zip(index, keep) if ok]
    par, delay = _compact(par, keep), delay[keep]
    depth = depths(par)
    time, clamped = _clamp_times(par, depth, delay - delay[0])
    order = np.lexsort((np.arange(par.size), depth, time))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    par = np.where(par[order] >= 0, rank[np.maximum(par[order], 0)], -1)
    uid = np.array([users.setdefault(keys[i][0], len(users)) for i in order], dtype=np.int64)
    return {"parent": par, "delay": time[order], "depth": depth[order], "user": uid,
            "dropped_edges": dropped}, clamped


def _reaches_root(parent: np.ndarray) -> np.ndarray:
    """Which nodes reach node 0 by following parents (nodes with parent -2 or in a cycle do not)."""
    up = np.where(parent < 0, np.arange(parent.size), parent)
    up[0] = 0
    for _ in range(64):
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        up = nxt
    return up == 0


def _compact(parent: np.ndarray, keep: np.ndarray) -> np.ndarray:
    new = np.cumsum(keep) - 1
    par = parent[keep]
    return np.where(par >= 0, new[np.maximum(par, 0)], -1)


def _clamp_times(parent: np.ndarray, depth: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, int]:
    """Raise each node's time to at least its parent's, level by level from the root."""
    t = time.copy()
    t[0] = 0.0
    for level in range(1, int(depth.max()) + 1 if depth.size else 1):
        nodes = np.flatnonzero(depth == level)
        t[nodes] = np.maximum(t[nodes], t[parent[nodes]])
    return t, int(np.count_nonzero(t > time))


def _read_labels(root: Path) -> dict[str, str]:
    path = root / LABEL_FILE
    if not path.exists():
        raise DataError(f"{path}: label file not found (expected lines 'label:tweet_id')")
    labels = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        label, sep, tid = raw.strip().partition(":")
        if not sep or label not in LABELS or not tid.isdigit():
            raise DataError(f"{path} line {number}: expected 'label:tweet_id' with label in {LABELS}, got {raw[:80]!r}")
        labels[tid] = label
    return labels


def _read_texts(root: Path) -> dict[str, str]:
    path = root / TEXT_FILE
    if not path.exists():
        return {}
    texts = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if number == 1 or not raw.strip():
            continue
        parts = raw.split("\t")
        if len(parts) < 3:
            raise DataError(f"{path} line {number}: expected tweet_id<TAB>label<TAB>text, got {raw[:80]!r}")
        texts[parts[0]] = "\t".join(parts[2:])
    return texts


def load_cascades(root: str | Path, limit: int | None = None, *, with_text: bool = True) -> list[Cascade]:
    """The Twitter15 cascades under ``root``, sorted by tweet id.

    ``limit`` reads only the first ``limit`` tree files in archive order (fast subsets for tests).
    """
    root = Path(root)
    archive = root / TREES_FILE
    if not archive.exists():
        raise DataError(f"{archive}: Twitter15 archive not found")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"twitter15: limit={limit!r} is not allowed; allowed: None or an integer >= 1")
    labels = _read_labels(root)
    texts = _read_texts(root) if with_text else {}
    users: dict[str, int] = {}
    out = []
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if limit is not None and len(out) >= limit:
                    break
                name = member.name
                if not (member.isfile() and "/tree/" in name and name.endswith(".txt")):
                    continue
                out.append(_cascade(tar, member, archive, labels, texts, users))
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(f"{archive}: cannot read the archive: {exc}") from None
    return sorted(out, key=lambda c: int(c.tweet_id))


def _cascade(tar: tarfile.TarFile, member: tarfile.TarInfo, archive: Path, labels: dict[str, str],
             texts: dict[str, str], users: dict[str, int]) -> Cascade:
    where = f"{archive}:{member.name}"
    tweet_id = Path(member.name).stem
    if not tweet_id.isdigit():
        raise DataError(f"{where}: tree file name is not a tweet id")
    if tweet_id not in labels:
        raise DataError(f"{where}: tweet {tweet_id} has no label in {LABEL_FILE}")
    text = tar.extractfile(member).read().decode("utf-8")
    arrays, clamped = _build(text, where, users)
    return Cascade(tweet_id, labels[tweet_id], text=texts.get(tweet_id), clamped=clamped, **arrays)


# ---------------------------------------------------------------- splits


class Split(NamedTuple):
    train: list[Cascade]
    validation: list[Cascade]
    test: list[Cascade]


def split_of(tweet_id: str, seed: int = 0, fractions: Sequence[float] = (0.6, 0.2, 0.2)) -> str:
    """``train``, ``validation`` or ``test`` for one tweet id: a hash of (seed, id) mapped to [0, 1).

    Depends on nothing but the id and the seed, so a cascade stays in its split whatever else is
    loaded (with ``limit`` too); shares are therefore close to, not exactly, the fractions.
    """
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ConfigError(f"twitter15: fractions={tuple(fractions)!r} is not allowed; allowed: "
                          "three non-negative shares (train, validation, test) summing to 1")
    digest = hashlib.blake2b(f"{int(seed)}:{tweet_id}".encode(), digest_size=8).digest()
    u = int.from_bytes(digest, "big") / 2**64
    cut = np.cumsum(fractions)
    return Split._fields[min(int(np.searchsorted(cut, u, side="right")), 2)]


def split_cascades(cascades: Sequence[Cascade], seed: int = 0,
                   fractions: Sequence[float] = (0.6, 0.2, 0.2)) -> Split:
    """Deterministic train / validation / test split by tweet-id hash (60/20/20 by default)."""
    parts: dict[str, list[Cascade]] = {name: [] for name in Split._fields}
    for c in cascades:
        parts[split_of(c.tweet_id, seed, fractions)].append(c)
    return Split(**parts)
