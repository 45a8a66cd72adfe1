"""The Weibo hot-search board as episodes: which topics were listed, when, at which rank, by category.

From the hourly table (:func:`~hubbub.evaluate.data.hot_search.read_hot_search`): rows that are ads or
pinned items (``ads`` = 1, ``hot`` = 0) are left out and the rest re-ranked 1..n per snapshot in their
listed order. A topic (title) starts an *episode* at its first listing and a new one when it comes
back after more than ``gap_h`` hours off the board. An episode's category is the top level of the
board's label (``明星-内地`` -> ``明星``; an empty label counts as ``暂无``, "none"); categories holding
less than ``min_share`` of the episodes (default 1 %) are pooled as ``其他`` ("other"). Splits: the timeline is cut into
weeks and each week goes to train / validation / test by a seeded hash (70/15/15), so a simulated board
of test weeks competes with nothing fitted on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hubbub.errors import DataError
from hubbub.evaluate.data.common import HASH_FRACTIONS, SPLITS, default_path, find_file, hash_unit
from hubbub.evaluate.data.hot_search import HOT_SEARCH_FILE, read_hot_search

BLOCK_H = 7 * 24
OTHER, NONE = "其他", "暂无"


@dataclass(frozen=True)
class Board:
    """Snapshots (absolute hours, sorted) with their board length; episodes (one row per episode:
    ``title, category, start, split``); listings (one row per listed episode and snapshot: ``episode,
    hour, rank, hot, reads, discussions, origin``; ``hot`` is the board's own heat score)."""

    snapshots: np.ndarray
    sizes: np.ndarray
    episodes: Any  # pandas.DataFrame
    listings: Any  # pandas.DataFrame
    source: str

    def split_of(self, name: str) -> Any:
        return self.episodes[self.episodes["split"] == name]


def organic(frame: Any) -> Any:
    """Rows that compete on heat (no ads, no pinned items), re-ranked 1..n per snapshot."""
    keep = np.ones(len(frame), dtype=bool)
    if "ads" in frame.columns:
        keep &= frame["ads"].to_numpy() != 1
    if "hot" in frame.columns:
        keep &= frame["hot"].to_numpy() != 0
    out = frame.loc[keep].sort_values(["abs_hour", "rank"], kind="stable").copy()
    out["rank"] = out.groupby("abs_hour").cumcount().to_numpy() + 1
    return out


def categories(labels: Any, min_share: float) -> Any:
    """Top-level category per label; those with less than ``min_share`` of the labels pooled as 'other'."""
    top = labels.fillna("").astype(str).str.split("-").str[0].str.strip().replace("", NONE)
    share = top.map(top.value_counts(normalize=True))
    return top.where(share >= min_share, OTHER)


def episodes_of(frame: Any, gap_h: float) -> np.ndarray:
    """Episode number per row (rows sorted by title then hour): a new episode per title and per return
    after more than ``gap_h`` hours off the board."""
    titles = frame["title"].to_numpy()
    hours = frame["abs_hour"].to_numpy(dtype=np.float64)
    new = np.ones(len(frame), dtype=bool)
    new[1:] = (titles[1:] != titles[:-1]) | (np.diff(hours) > gap_h)
    return np.cumsum(new) - 1


def week_split(start: np.ndarray, origin: float, seed: int) -> np.ndarray:
    """Train / validation / test per episode by a seeded hash of its start week."""
    cut = np.cumsum(HASH_FRACTIONS)
    weeks = ((start - origin) // BLOCK_H).astype(np.int64)
    names = {w: SPLITS[min(int(np.searchsorted(cut, hash_unit(f"week:{w}", seed), side="right")), 2)]
             for w in np.unique(weeks)}
    return np.array([names[w] for w in weeks], dtype=object)


def build_board(frame: Any, seed: int = 0, gap_h: float = 48.0, min_share: float = 0.01, source: str = "") -> Board:
    """Episodes, listings and snapshots of a hot-search table (see the module docstring)."""
    import pandas as pd

    rows = organic(frame)
    if len(rows) == 0:
        raise DataError(f"{source or 'hot-search table'}: no organic rows (all ads or pinned)")
    rows = rows.sort_values(["title", "abs_hour"], kind="stable")
    rows["episode"] = episodes_of(rows, gap_h)
    snaps = rows.groupby("abs_hour").size()
    first = rows.groupby("episode", sort=True).first()
    label = first["category"] if "category" in first.columns else pd.Series("", index=first.index)
    start = first["abs_hour"].to_numpy(dtype=np.float64)
    episodes = pd.DataFrame({"title": first["title"].to_numpy(), "category": categories(label, min_share).to_numpy(),
                             "start": start, "split": week_split(start, float(snaps.index.min()), seed)})
    listings = pd.DataFrame({"episode": rows["episode"].to_numpy(), "hour": rows["abs_hour"].to_numpy(dtype=np.float64),
                             "rank": rows["rank"].to_numpy(), "hot": _column(rows, "hot"),
                             "reads": _column(rows, "readCount"),
                             "discussions": _column(rows, "discussCount"), "origin": _column(rows, "origin")})
    return Board(snaps.index.to_numpy(dtype=np.float64), snaps.to_numpy(dtype=np.int64), episodes, listings, source)


def _column(rows: Any, name: str) -> np.ndarray:
    import pandas as pd

    if name not in rows.columns:
        return np.full(len(rows), np.nan)
    return pd.to_numeric(rows[name], errors="coerce").to_numpy(dtype=np.float64)


def load_board(path: str | Path | None = None, seed: int = 0, gap_h: float = 48.0, min_share: float = 0.01) -> Board:
    """The board from the default hourly table or a user's table in the same format (a FILE or a FOLDER
    holding one); the user's table is split by week like the default one."""
    default = default_path("weibo_hot_search_hourly") / HOT_SEARCH_FILE
    file = Path(path) if path else default
    if file.is_dir():
        file = find_file(file, [HOT_SEARCH_FILE, "*hourly*.tsv*", "*.tsv.gz", "*.tsv"], "hot-search TSV")
    assert file is not None
    return build_board(read_hot_search(file), seed, gap_h, min_share, source=str(file))
