"""The Weibo hot-search board, hourly: the lifecycle of real trending topics."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hubbub.errors import DataError
from hubbub.evaluate.data.common import HASH_FRACTIONS, SPLITS, default_path, find_file, hash_unit, require

HOT_SEARCH_FILE = "weibo_hot_search_hourly.tsv.gz"
HOT_SEARCH_COLUMNS = ("date", "hour", "rank", "title", "readCount", "discussCount")


@dataclass(frozen=True)
class Lifecycle:
    """One topic's life on the board: hours since it was first seen, and its rank, read count and
    discussion count at each hourly snapshot in which it was listed."""

    title: str
    category: str
    first_seen: str
    hours: np.ndarray
    rank: np.ndarray
    reads: np.ndarray
    discussions: np.ndarray


def read_hot_search(path: Path) -> Any:
    """The hourly board as a DataFrame (pandas reads 0.8M rows in about a second)."""
    import pandas as pd

    require(path, "Weibo hot-search TSV")
    try:
        frame = pd.read_csv(path, sep="\t", dtype={"title": str, "category": str, "date": str},
                            keep_default_na=False, na_values={"readCount": [""], "discussCount": [""]})
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read the hot-search table: {exc}") from None
    missing = [c for c in HOT_SEARCH_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path} line 1: header lacks column(s) {', '.join(missing)}")
    stamp = pd.to_datetime(frame["date"], format="%Y-%m-%d", errors="coerce")
    bad = stamp.isna() | ~frame["hour"].between(0, 23)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(f"{path} line {i + 2}: date {frame['date'].iloc[i]!r} / hour {frame['hour'].iloc[i]!r} "
                        "is not YYYY-MM-DD / 0..23")
    frame["abs_hour"] = (stamp - pd.Timestamp("2000-01-01")).dt.days.to_numpy() * 24 + frame["hour"].to_numpy()
    return frame


def lifecycles(frame: Any, window_h: float = 16.0, min_points: int = 4) -> list[Lifecycle]:
    """Topics first listed after the table's first hour (so their start was observed) with at least
    ``min_points`` snapshots holding a read count within ``window_h`` hours of first sight."""
    frame = frame[frame["readCount"].notna()].sort_values(["title", "abs_hour"], kind="stable")
    if len(frame) == 0:
        return []
    first = frame.groupby("title", sort=False)["abs_hour"].transform("min")
    rel = (frame["abs_hour"] - first).to_numpy(dtype=np.float64)
    inside = rel <= window_h
    counts = frame.loc[inside].groupby("title", sort=False)["abs_hour"].transform("size")
    keep = np.zeros(len(frame), dtype=bool)
    keep[np.flatnonzero(inside)] = counts.to_numpy() >= min_points
    keep &= first.to_numpy() != int(frame["abs_hour"].min())
    sub, rel = frame.loc[keep], rel[keep]
    titles = sub["title"].to_numpy()
    bounds = np.flatnonzero(titles[1:] != titles[:-1]) + 1
    cols = [sub[c].to_numpy() for c in ("rank", "readCount", "discussCount", "date", "hour", "category")]
    out = []
    for idx in np.split(np.arange(len(sub)), bounds) if len(sub) else []:
        i0 = idx[0]
        out.append(Lifecycle(str(titles[i0]), str(cols[5][i0]), f"{cols[3][i0]} {int(cols[4][i0]):02d}h", rel[idx],
                             cols[0][idx].astype(np.float64), cols[1][idx].astype(np.float64),
                             cols[2][idx].astype(np.float64)))
    return out


def load_hot_search(path: str | Path | None = None, seed: int = 0, window_h: float = 16.0,
                    min_points: int = 4) -> dict[str, list[Lifecycle]]:
    """Real topic lifecycles split 70/15/15 by a hash of the title; a user TSV in the same format
    becomes the test split (train/validation from the default data when present)."""
    default = default_path("weibo_hot_search_hourly") / HOT_SEARCH_FILE
    file = Path(path) if path else default
    file = find_file(file, [HOT_SEARCH_FILE, "*hourly*.tsv*", "*.tsv.gz", "*.tsv"], "hot-search TSV") \
        if file.is_dir() else file
    assert file is not None
    split_of = lambda cycles: _split_cycles(cycles, seed)  # noqa: E731
    if path and file.resolve() != default.resolve():
        user = lifecycles(read_hot_search(file), window_h, min_points)
        if not user:
            raise DataError(f"{file}: no topic with {min_points} snapshots within {window_h:g} h of first sight")
        if default.exists():
            base = split_of(lifecycles(read_hot_search(default), window_h, min_points))
            return {"train": base["train"], "validation": base["validation"], "test": user}
        return split_of(user)
    return split_of(lifecycles(read_hot_search(file), window_h, min_points))


def _split_cycles(cycles: list[Lifecycle], seed: int) -> dict[str, list[Lifecycle]]:
    cut = np.cumsum(HASH_FRACTIONS)
    out: dict[str, list[Lifecycle]] = {s: [] for s in SPLITS}
    for c in cycles:
        out[SPLITS[min(int(np.searchsorted(cut, hash_unit(c.title, seed), side="right")), 2)]].append(c)
    return out
