"""Topics from other simulators' files, translated into hubbub's topic records.

TrendSim's released code reads its trending items from ``data/tweets.csv``: a CSV file without a
header, one item per row, six columns: row number, title, brief introduction, full content, the
account that posted it, and the publication time. :func:`load_topics` recognises such a file by its
first cell (a row number, where a hubbub topic CSV has a header) and reads it through
:func:`trendsim_records`, so ``trendsim.topic = "tweets.csv#1"`` picks the item TrendSim's
``media_config.tweet_index = 1`` picks. The posting account and the time are dropped (a hubbub topic
has no field for them); the sentiment, which TrendSim's file does not give, is "neutral".
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Mapping

from hubbub.errors import DataError
from hubbub.textfiles import csv_rows, first_csv_row

TRENDSIM_COLUMNS = ("index", "title", "brief_intro", "content", "source", "publish_time")
"""The six columns of TrendSim's tweets.csv, in order (the file itself has no header)."""


def is_trendsim_tweets(path: Path) -> bool:
    """True for a headerless CSV whose first cell is a row number: TrendSim's tweets.csv layout."""
    first = first_csv_row(path)
    return path.suffix.lower() == ".csv" and bool(first) and first[0].strip().isdigit()


def trendsim_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    """(location, hubbub topic record) for each row of a TrendSim tweets.csv text. The topic id is
    the row's position counted from 0, as TrendSim's ``tweet_index`` counts."""
    for position, (line, row) in enumerate(csv_rows(path, text)):
        if len(row) != len(TRENDSIM_COLUMNS):
            raise DataError(f"{path}: line {line}: {len(row)} values; a TrendSim tweets.csv row has "
                            f"{len(TRENDSIM_COLUMNS)}: {', '.join(TRENDSIM_COLUMNS)}")
        yield f"line {line}", {"topic_id": str(position), "title": row[1], "summary": row[2],
                               "content": row[3], "sentiment": "neutral"}
