"""Topics from rows of the Weibo hot-search board (``shared/data/weibo_hot_search_hourly``)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from hubbub.errors import ConfigError, DataError
from hubbub.platform.topic.model import SENTIMENTS, Clean, Topic

_BOARD_CATEGORIES = {
    "society": ("社会", "时事", "军事", "政务", "法律"),
    "entertainment": ("明星", "电视剧", "综艺", "电影", "音乐", "搞笑", "游戏", "动漫", "网红"),
    "sports": ("体育", "电竞"),
    "finance": ("财经", "房产", "股市"),
    "technology": ("科技", "数码", "互联网", "科普", "汽车"),
    "lifestyle": ("美食", "时尚", "美妆", "健康", "情感", "旅游", "母婴", "萌宠", "家居", "生活"),
    "culture": ("读书", "文化", "艺术", "历史", "教育", "校园", "人文"),
}
_CATEGORY_OF = {zh: en for en, names in _BOARD_CATEGORIES.items() for zh in names}
_SENTENCE_END = re.compile(r"(?<=[。！？!?])")


def topics_from_hot_search(
    tsv_path: str | Path,
    *,
    titles: Sequence[str] | None = None,
    limit: int = 10,
    sentiments: Mapping[str, str] | None = None,
    clean: Clean | None = None,
) -> list[Topic]:
    """Topics from rows of the Weibo hot-search TSVs (``.tsv`` or ``.tsv.gz``).

    Reads ``weibo_hot_search_topics`` (title, first_seen_date, first_seen_hour, category, description)
    or the hourly board (date, hour, rank, title, category, ...; no description, so content is the
    title). With ``titles`` the named topics are taken (all must exist); otherwise the first ``limit``
    distinct titles that have content. The file is streamed and reading stops once enough rows are
    found. Sentiment is "neutral" unless ``sentiments`` maps the (bare) title to one.
    """
    path = Path(tsv_path)
    sentiments = dict(sentiments or {})
    for title, value in sentiments.items():
        if value not in SENTIMENTS:
            raise ConfigError(f"sentiment for {title!r} is {value!r}; allowed: {', '.join(SENTIMENTS)}")
    wanted = list(dict.fromkeys(titles)) if titles is not None else None
    if wanted is None and limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    found: dict[str, Topic] = {}
    for row in _hot_search_rows(path):
        title = row["title"]
        if title in found or (wanted is not None and title not in wanted):
            continue
        if wanted is None and not _has_content(row):
            continue
        found[title] = _hot_search_topic(row, sentiments.get(title, "neutral"), clean)
        if len(found) == (len(wanted) if wanted is not None else limit):
            break
    return _pick_found(path, found, wanted)


def _pick_found(path: Path, found: dict[str, Topic], wanted: list[str] | None) -> list[Topic]:
    if wanted is None:
        if not found:
            raise DataError(f"{path}: no hot-search rows with a title and description")
        return list(found.values())
    missing = [t for t in wanted if t not in found]
    if missing:
        raise DataError(f"{path}: title(s) not found in the hot-search file: {', '.join(missing[:10])}")
    return [found[t] for t in wanted]


def _has_content(row: Mapping[str, str]) -> bool:
    """Topics rows need a description; hourly rows only a non-advert title."""
    if "description" in row:
        return bool(row["description"].strip())
    return row.get("ads", "0") != "1"


def _hot_search_rows(path: Path) -> Iterator[dict[str, str]]:
    """Rows as dicts keyed by the header, which decides the format."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            yield from _parse_tsv(path, handle)
    except OSError as exc:
        raise DataError(f"{path}: cannot read hot-search file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 ({exc.reason}); expected the UTF-8 TSV") from exc
    except csv.Error as exc:  # a field over the csv module's size limit
        raise DataError(f"{path}: not readable as TSV ({exc}); allowed: fields of at most "
                        f"{csv.field_size_limit()} characters") from None


def _parse_tsv(path: Path, handle: Iterable[str]) -> Iterator[dict[str, str]]:
    reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header or "title" not in header or not ({"description", "rank"} & set(header)):
        raise DataError(f"{path}: line 1: not a hot-search TSV header {header!r}; expected columns "
                        "title, first_seen_date, first_seen_hour, category, description (topics file) "
                        "or date, hour, rank, title, category, ... (hourly file)")
    for row in reader:
        if len(row) != len(header):
            raise DataError(f"{path}: line {reader.line_num}: {len(row)} columns, header has {len(header)}")
        record = dict(zip(header, row))
        if record["title"].strip():
            yield record


def _hot_search_topic(row: Mapping[str, str], sentiment: str, clean: Clean | None) -> Topic:
    text = clean or (lambda s: s)
    title = row["title"].strip()
    description = text(row.get("description", "").strip()) or text(title)
    date = row.get("first_seen_date") or row.get("date", "")
    hour = row.get("first_seen_hour") or row.get("hour", "")
    return Topic(
        topic_id="hs-" + hashlib.blake2b(title.encode("utf-8"), digest_size=5).hexdigest(),
        title=f"#{text(title)}#",
        summary=_first_sentence(description),
        content=description,
        sentiment=sentiment,
        category=_board_category(row.get("category", "")),
        lang="zh",
        source=f"weibo_hot_search {date} {hour.zfill(2)}:00".strip(),
    )


def _board_category(value: str) -> str:
    """Map the board's Chinese category ("明星-内地") to one of CATEGORIES."""
    return _CATEGORY_OF.get(value.split("-")[0].strip(), "other")


def _first_sentence(text: str, cap: int = 120) -> str:
    first = next((s for s in _SENTENCE_END.split(text) if s.strip()), text).strip()
    return first if len(first) <= cap else first[: cap - 1] + "…"
