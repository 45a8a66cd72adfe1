"""What every dataset reader shares: the Example and LabelledSet types, the label vocabularies, where the
data lives, and the deterministic hash splits.

A hash split keys on the seed and a *group* (replies in one thread, comments under one post), so items
that belong together never straddle splits.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from hubbub.errors import DataError
from hubbub.textfiles import data_root

SPLITS = ("train", "validation", "test")
HASH_FRACTIONS = (0.70, 0.15, 0.15)
VALIDATION_SHARE = 0.15
EMOTION_LABELS = ("calm", "moderate", "intense")
STANCE_LABELS = ("none", "against", "favor")
ATTITUDE_LABELS = ("negative", "positive")
GENDER_LABELS = ("female", "male")


@dataclass(frozen=True)
class Example:
    """One labelled item. ``label`` indexes the set's ``labels`` (-1: unlabelled). ``group`` is the
    target, thread or post it belongs to; ``context`` a second input (e.g. the replier's profile)."""

    key: str
    text: str
    label: int
    group: str = ""
    context: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LabelledSet:
    """A dataset with its splits, its label names and where it came from."""

    name: str
    labels: tuple[str, ...]
    splits: Mapping[str, list[Example]]
    source: str
    lang: str = "en"
    notes: str = ""

    def split(self, name: str) -> list[Example]:
        if name not in SPLITS:
            raise DataError(f"{self.name}: unknown split {name!r}; allowed: {', '.join(SPLITS)}")
        return list(self.splits.get(name, []))

    def counts(self) -> dict[str, int]:
        return {s: len(self.splits.get(s, [])) for s in SPLITS}


# ---------------------------------------------------------------------------------------------------
# Locations and splits


def default_path(folder: str) -> Path:
    return data_root() / folder


_FORMAT_SUFFIXES = (".tar.gz", ".tsv.gz", ".csv.gz", ".txt.gz", ".json.gz", ".tgz", ".tar", ".tsv", ".csv", ".txt",
                    ".json", ".jsonl", ".gz")


def collection_of(path: str | Path) -> str:
    """The name a user's data goes by: the file's name without format suffixes, or the folder's name."""
    name = Path(path).name
    for suffix in _FORMAT_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name or str(path)


def data_name(path: str | Path | None, default: Path, default_name: str) -> str:
    """What figures computed on ``path`` are called: ``default_name`` for the default data, else the
    user's collection (so a result row never claims a dataset that was not loaded)."""
    if path is None or Path(path).resolve() == Path(default).resolve():
        return default_name
    return collection_of(path)


def find_file(folder: Path, patterns: Sequence[str], what: str, required: bool = True) -> Path | None:
    """The one file in ``folder`` matching the first pattern that matches anything (the release's own
    name first, then looser patterns for the same format under another collection's name)."""
    for pattern in patterns:
        found = sorted(p for p in folder.glob(pattern) if p.is_file())
        if len(found) > 1:
            raise DataError(f"{folder}: several {what} files ({', '.join(p.name for p in found)}); "
                            f"pass the file itself with --data TASK=FILE")
        if found:
            return found[0]
    if required:
        raise DataError(f"{folder}: no {what} file (looked for {', '.join(patterns)})")
    return None


def hash_unit(key: str, seed: int = 0) -> float:
    """A number in [0, 1) fixed by (seed, key): the basis of every hash split."""
    digest = hashlib.blake2b(f"{int(seed)}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def hash_split(examples: Iterable[Example], seed: int = 0, fractions: Sequence[float] = HASH_FRACTIONS,
               by: Callable[[Example], str] = lambda e: e.group or e.key) -> dict[str, list[Example]]:
    """Train / validation / test by a hash of each example's group (or key)."""
    cut = np.cumsum(fractions)
    out: dict[str, list[Example]] = {s: [] for s in SPLITS}
    for e in examples:
        out[SPLITS[min(int(np.searchsorted(cut, hash_unit(by(e), seed), side="right")), 2)]].append(e)
    return out


def carve_validation(train: list[Example], seed: int = 0, share: float = VALIDATION_SHARE,
                     by: Callable[[Example], str] = lambda e: e.group or e.key) -> tuple[list[Example], list[Example]]:
    """Split an official train list into (train, validation) by hash, when the release has no dev set."""
    val = [e for e in train if hash_unit("val:" + by(e), seed) < share]
    keep = [e for e in train if hash_unit("val:" + by(e), seed) >= share]
    return keep, val


def with_user_test(name: str, path: Path | None, default: Callable[[], dict[str, list[Example]]],
                    read_file: Callable[[Path], list[Example]], seed: int,
                    by: Callable[[Example], str] = lambda e: e.group or e.key) -> tuple[dict[str, list[Example]], str]:
    """The splits when ``path`` is a single user file: it is the test split; train/validation come
    from the default data when present, else the file is hash-split."""
    assert path is not None
    user = read_file(path)
    if not user:
        raise DataError(f"{path}: no labelled rows")
    try:
        base = default()
    except DataError:
        return hash_split(user, seed, by=by), f"{path} (hash split 70/15/15; no default data for {name})"
    return {"train": base["train"], "validation": base["validation"], "test": user}, \
        f"test: {path} (user file); train/validation: default {name} data"


def require(path: Path, what: str) -> Path:
    if not path.exists():
        raise DataError(f"{path}: {what} not found")
    return path


def open_text(path: Path) -> io.TextIOBase:
    raw = path.open("rb")
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    stream = gzip.open(raw) if head == b"\x1f\x8b" else raw
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
