"""Twitter15 propagation trees (Ma, Gao & Wong, ACL 2017), read in place from the shared data folder.

Layout (see the folder's SOURCE.md): ``trees_twitter15.tar.gz`` holds ``twitter15/tree/<tweet_id>.txt``,
one edge per line, ``['uid', 'tweet_id', 'delay_min']->['uid', 'tweet_id', 'delay_min']``, with one
``['ROOT', 'ROOT', '0.0']->[source]`` line; ``twitter15_label.txt`` holds ``label:tweet_id`` and
``twitter15_source_tweets.tsv`` ``tweet_id<TAB>label<TAB>text``. The archive is read with ``tarfile``
and never extracted. Research use only; cite Ma et al. 2017.

Any collection in the same release format loads the same way (:func:`find_release`): a folder with
``trees_<name>.tar.gz`` (or any one ``.tar.gz`` / ``.tgz`` holding ``tree/*.txt``) or an extracted
``tree/`` folder (the original ``<name>/tree``, ``label.txt``, ``source_tweets.txt`` layout), a label
file ``<name>_label.txt`` or ``label.txt``, and optionally ``<name>_source_tweets.tsv`` or
``source_tweets.txt``; or the archive itself, with the label file beside it. The collection's name
(``twitter16``, ``mini``...) is taken from the files and names every figure computed on it.

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
  of first appearance in the load (stable for the same archive and ``limit``);
* ``content_hash`` identifies a tree by its edges (:func:`content_hash`), so a tree that appears in two
  collections (Twitter15 and Twitter16 share trees) is found by :func:`drop_duplicates`.
"""

from __future__ import annotations

import hashlib
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, NamedTuple, Sequence

import numpy as np

from hubbub.errors import ConfigError, DataError
from hubbub.evaluate.data.common import find_file
from hubbub.metrics.cascade import depths

LABELS = ("false", "true", "unverified", "non-rumor")
TREES_FILE = "trees_twitter15.tar.gz"
LABEL_FILE = "twitter15_label.txt"
TEXT_FILE = "twitter15_source_tweets.tsv"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")

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
    content_hash: str = ""

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


@dataclass(frozen=True)
class Release:
    """Where one collection in the Twitter15/16 release format lies, and its name."""

    name: str
    trees: Path  # a .tar.gz / .tgz / .tar archive, or an extracted tree/ folder
    labels: Path
    texts: Path | None = None


def _is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def _strip(name: str, prefix: str = "", suffixes: Sequence[str] = ()) -> str:
    for suffix in suffixes:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name[len(prefix):] if prefix and name.startswith(prefix) else name


def _trees_in(folder: Path) -> Path:
    """The trees of a release folder: an archive, or an extracted tree/ folder (here or one level down)."""
    archive = find_file(folder, ["trees_*.tar.gz", "trees_*.tgz", "*.tar.gz", "*.tgz", "*.tar"], "tree archive",
                   required=False)
    if archive is not None:
        return archive
    if folder.name == "tree":
        return folder
    extracted = [folder / "tree"] if (folder / "tree").is_dir() else sorted(folder.glob("*/tree"))
    if len(extracted) == 1:
        return extracted[0]
    raise DataError(f"{folder}: no tree archive (trees_<name>.tar.gz) or extracted tree/ folder"
                    + (f"; several: {', '.join(str(p) for p in extracted)}" if extracted else ""))


def _collection(trees: Path, labels: Path) -> str:
    """The collection's name: from trees_<name>.tar.gz, <name>_label.txt, or the folder above tree/."""
    if _is_archive(trees) and trees.name.startswith("trees_"):
        return _strip(trees.name, "trees_", ARCHIVE_SUFFIXES)
    if labels.name.endswith("_label.txt"):
        return labels.name[: -len("_label.txt")]
    if trees.name == "tree":
        return trees.parent.name
    return _strip(trees.name, "", ARCHIVE_SUFFIXES)


def find_release(path: str | Path) -> Release:
    """The files of one collection in the release format under ``path`` (a folder or the archive)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: cascade archive not found (expected a release folder or a "
                        "trees_<name>.tar.gz archive)")
    if path.is_file() and not _is_archive(path):
        raise DataError(f"{path}: not a tree archive; allowed: a .tar.gz / .tgz / .tar archive of tree/*.txt "
                        "files or a folder in the release layout")
    trees = path if path.is_file() else _trees_in(path)
    homes = list(dict.fromkeys([path.parent if path.is_file() else path, trees.parent, trees.parent.parent]))
    name_hint = _strip(trees.name, "trees_", ARCHIVE_SUFFIXES)
    labels = _find_in(homes, [f"{name_hint}_label.txt", "*_label.txt", "label.txt"], "label")
    texts = _find_in(homes, [f"{name_hint}_source_tweets.tsv", "*_source_tweets.tsv", "*_source_tweets.txt",
                             "source_tweets.txt"], "source tweets", required=False)
    assert labels is not None
    return Release(_collection(trees, labels), trees, labels, texts)


def _find_in(homes: Sequence[Path], patterns: Sequence[str], what: str, required: bool = True) -> Path | None:
    for home in homes:
        found = find_file(home, patterns, what, required=False) if home.is_dir() else None
        if found is not None:
            return found
    if required:
        raise DataError(f"{homes[0]}: no {what} file (looked for {', '.join(patterns)} in "
                        f"{', '.join(str(h) for h in homes)})")
    return None


def _read_labels(path: Path) -> dict[str, str]:
    labels = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not raw.strip():
            continue
        label, sep, tid = raw.strip().partition(":")
        if not sep or label not in LABELS or not tid.isdigit():
            raise DataError(f"{path} line {number}: expected 'label:tweet_id' with label in {LABELS}, got {raw[:80]!r}")
        labels[tid] = label
    return labels


def _read_texts(path: Path | None) -> dict[str, str]:
    """``tweet_id<TAB>label<TAB>text`` with a header (this copy) or ``tweet_id<TAB>text`` (the original)."""
    if path is None:
        return {}
    texts = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        parts = raw.split("\t")
        if not raw.strip() or (number == 1 and not parts[0].strip().isdigit()):
            continue
        if len(parts) < 2:
            raise DataError(f"{path} line {number}: expected tweet_id<TAB>[label<TAB>]text, got {raw[:80]!r}")
        body = parts[2:] if len(parts) >= 3 and parts[1] in LABELS else parts[1:]
        texts[parts[0].strip()] = "\t".join(body)
    return texts


def load_cascades(root: str | Path | Release, limit: int | None = None, *, with_text: bool = True) -> list[Cascade]:
    """The cascades of one collection in the release format (a folder, an archive or a
    :class:`Release`), sorted by tweet id.

    ``limit`` reads only the first ``limit`` tree files in archive (or sorted file) order (fast subsets).
    """
    release = root if isinstance(root, Release) else find_release(root)
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"twitter15: limit={limit!r} is not allowed; allowed: None or an integer >= 1")
    labels = _read_labels(release.labels)
    texts = _read_texts(release.texts) if with_text else {}
    users: dict[str, int] = {}
    out = [_cascade(where, raw, release.labels, labels, texts, users)
           for where, raw in _tree_files(release.trees, limit)]
    return sorted(out, key=lambda c: int(c.tweet_id))


def _tree_files(trees: Path, limit: int | None) -> Iterator[tuple[str, str]]:
    """(where, text) of each ``tree/<id>.txt``, from an archive or an extracted folder."""
    if trees.is_dir():
        for k, file in enumerate(sorted(trees.glob("*.txt"))):
            if limit is not None and k >= limit:
                return
            yield str(file), file.read_text(encoding="utf-8")
        return
    try:
        with tarfile.open(trees, "r:*") as tar:
            count = 0
            for member in tar:
                if limit is not None and count >= limit:
                    break
                name = Path(member.name)
                if member.isfile() and name.parent.name == "tree" and name.suffix == ".txt":
                    count += 1
                    yield f"{trees}:{member.name}", tar.extractfile(member).read().decode("utf-8")
    except (tarfile.TarError, OSError, EOFError, UnicodeDecodeError) as exc:
        raise DataError(f"{trees}: cannot read the archive: {exc}") from None


def _cascade(where: str, text: str, label_file: Path, labels: dict[str, str], texts: dict[str, str],
             users: dict[str, int]) -> Cascade:
    tweet_id = Path(where.rsplit(":", 1)[-1]).stem
    if not tweet_id.isdigit():
        raise DataError(f"{where}: tree file name is not a tweet id")
    if tweet_id not in labels:
        raise DataError(f"{where}: tweet {tweet_id} has no label in {label_file.name}")
    arrays, clamped = _build(text, where, users)
    return Cascade(tweet_id, labels[tweet_id], text=texts.get(tweet_id), clamped=clamped,
                   content_hash=content_hash(text), **arrays)


def content_hash(text: str) -> str:
    """Hash of a tree file's edges (stripped, sorted, blanks dropped): the same tree hashes alike anywhere."""
    lines = sorted(line.strip() for line in text.splitlines() if line.strip())
    return hashlib.blake2b("\n".join(lines).encode("utf-8"), digest_size=16).hexdigest()


def drop_duplicates(test: Sequence[Cascade], train: Sequence[Cascade]) -> tuple[list[Cascade], int]:
    """Test cascades without those whose tree is also in ``train`` (same content hash), and how many went."""
    seen = {c.content_hash for c in train}
    kept = [c for c in test if c.content_hash not in seen]
    return kept, len(test) - len(kept)


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
