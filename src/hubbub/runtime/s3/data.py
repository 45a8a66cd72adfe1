"""Real data for S3 scenarios, read in place at run time (never copied into the repository).

Three kinds of input: *marginals* (gender and location shares of real users, e.g. SWSR commenters),
*texts* (real posts for seed posts and rule users' posts, picked by keyword matching as in S3 4.2.1)
and *stance-labelled posts* (earlier posts that an initial attitude is inferred from). Every reader
returns where its values came from, so the run record can say what was real and what was generated.
A file that is named but absent is not an error (the scenario's documented fallback is used); a file
that is present but malformed is a :class:`~hubbub.errors.DataError` naming the file and line.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from hubbub.agents.anonymise import scrub
from hubbub.errors import DataError
from hubbub.textfiles import data_path

SWSR_GENDER_COUNTS = {"female": 6033, "male": 2936}
"""Commenter genders in SWSR ``SexComment.csv`` (Jiang et al. 2022, MIT): 8,969 comments."""

SWSR_LOCATION_COUNTS = {
    "其他": 2543, "海外": 1072, "北京": 842, "广东": 661, "上海": 495, "江苏": 374, "浙江": 331, "四川": 288,
    "山东": 252, "湖北": 239, "湖南": 153, "重庆": 151, "福建": 142, "辽宁": 130, "河南": 129, "陕西": 124,
    "安徽": 118, "河北": 105, "天津": 101, "黑龙江": 85, "江西": 80, "山西": 75, "吉林": 74, "广西": 69,
    "云南": 68, "香港": 43, "内蒙古": 37, "贵州": 32, "台湾": 32, "新疆": 24, "海南": 23, "西藏": 22,
    "甘肃": 21, "青海": 14, "宁夏": 11, "澳门": 9,
}
"""Commenter locations in SWSR ``SexComment.csv`` (其他 = other, 海外 = abroad), the documented fallback."""

LOCATION_EN = {
    "其他": "other", "海外": "abroad", "北京": "Beijing", "广东": "Guangdong", "上海": "Shanghai", "江苏": "Jiangsu",
    "浙江": "Zhejiang", "四川": "Sichuan", "山东": "Shandong", "湖北": "Hubei", "湖南": "Hunan", "重庆": "Chongqing",
    "福建": "Fujian", "辽宁": "Liaoning", "河南": "Henan", "陕西": "Shaanxi", "安徽": "Anhui", "河北": "Hebei",
    "天津": "Tianjin", "黑龙江": "Heilongjiang", "江西": "Jiangxi", "山西": "Shanxi", "吉林": "Jilin", "广西": "Guangxi",
    "云南": "Yunnan", "香港": "Hong Kong", "内蒙古": "Inner Mongolia", "贵州": "Guizhou", "台湾": "Taiwan",
    "新疆": "Xinjiang", "海南": "Hainan", "西藏": "Tibet", "甘肃": "Gansu", "青海": "Qinghai", "宁夏": "Ningxia",
    "澳门": "Macau",
}
"""English names of the SWSR locations, for English prompts."""

_GENDERS = {"女": "female", "女性": "female", "f": "female", "female": "female",
            "男": "male", "男性": "male", "m": "male", "male": "male"}
_STANCE = {"favor": 1, "against": 0, "2": 1, "1": 0}


@dataclass(frozen=True)
class Marginals:
    """Shares of genders and locations among real users, and where they came from."""

    genders: dict[str, float]
    locations: dict[str, float]
    source: str


def resolve(path: str) -> Path | None:
    """The file or folder ``path`` if it exists (``data:NAME`` in the data folder, anything else
    relative to the working folder), else None."""
    if not path:
        return None
    found = data_path(path)
    return found if found.exists() else None


def _shares(counts: Counter | dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: v / total for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))} if total else {}


def read_marginals(path: str, gender_column: str, location_column: str, fallback: str) -> Marginals | None:
    """Gender and location shares from a CSV of real users; the SWSR counts or None when absent."""
    found = resolve(path)
    if found is None:
        if fallback == "swsr":
            return Marginals(_shares(SWSR_GENDER_COUNTS), _shares(SWSR_LOCATION_COUNTS),
                             "documented SWSR commenter counts (file not found)")
        return None
    genders: Counter = Counter()
    locations: Counter = Counter()
    for line, row in read_rows(found):
        if gender_column not in row:
            raise DataError(f"{found}:{line}: no column {gender_column!r}; columns are {sorted(row)}")
        gender = _GENDERS.get(str(row[gender_column]).strip().lower())
        if gender:
            genders[gender] += 1
        if location_column and str(row.get(location_column) or "").strip():
            locations[str(row[location_column]).strip()] += 1
    if not genders:
        raise DataError(f"{found}: no row has a recognised gender in column {gender_column!r} (女/男, female/male)")
    return Marginals(_shares(genders), _shares(locations), f"real data: {found} ({sum(genders.values())} users)")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, row) of a CSV (UTF-8, a BOM allowed) or JSONL file."""
    try:
        if path.suffix.lower() == ".jsonl":
            with path.open(encoding="utf-8-sig") as handle:
                for line, raw in enumerate(handle, 1):
                    if raw.strip():
                        yield line, _json_object(path, line, raw)
            return
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            start = 2
            for row in reader:
                yield start, row
                start = reader.line_num + 1
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path}: cannot be read as UTF-8 CSV/JSONL ({exc})") from None


def _json_object(path: Path, line: int, raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{line}: invalid JSON ({exc.msg})") from None
    if not isinstance(value, dict):
        raise DataError(f"{path}:{line}: expected a JSON object, got {type(value).__name__}")
    return value


def read_texts(path: str, column: str, keywords: Sequence[str] = (), max_chars: int = 280) -> tuple[list[str], str] | None:
    """Scrubbed texts of ``column`` containing one of ``keywords`` (all when empty); None when absent."""
    found = resolve(path)
    if found is None:
        return None
    texts: list[str] = []
    for line, row in read_rows(found):
        if column not in row:
            raise DataError(f"{found}:{line}: no column {column!r}; columns are {sorted(row)}")
        text = " ".join(str(row[column] or "").split())
        if text and (not keywords or any(k in text for k in keywords)):
            texts.append(scrub(text)[:max_chars])
    if not texts:
        raise DataError(f"{found}: no text in column {column!r} matches the keywords {list(keywords)}")
    label = f"keywords {', '.join(keywords)}" if keywords else "all rows"
    return texts, f"real data: {found} ({len(texts)} texts, {label})"


def read_stance(path: str, target: str = "") -> tuple[list[tuple[str, int]], str] | None:
    """(text, 1 favour / 0 against) pairs from a TweetEval stance folder (``*_text.txt`` and
    ``*_labels.txt``, 0 none / 1 against / 2 favor) or an NLPCC-style TSV (ID, TARGET, TEXT, STANCE).
    Posts without a stance are dropped. None when the path does not exist."""
    found = resolve(path)
    if found is None:
        return None
    pairs = _tweeteval(found) if found.is_dir() else _nlpcc(found, target)
    if not pairs:
        raise DataError(f"{found}: no favour/against posts found" + (f" for target {target!r}" if target else ""))
    favour = sum(s for _, s in pairs)
    return pairs, f"real data: {found} ({favour} favour, {len(pairs) - favour} against)"


def _tweeteval(folder: Path) -> list[tuple[str, int]]:
    pairs: list[tuple[str, int]] = []
    for split in ("train", "val", "test"):
        text_file, label_file = folder / f"{split}_text.txt", folder / f"{split}_labels.txt"
        if not text_file.is_file() or not label_file.is_file():
            continue
        texts = text_file.read_text(encoding="utf-8").splitlines()
        labels = label_file.read_text(encoding="utf-8").splitlines()
        if len(texts) != len(labels):
            raise DataError(f"{folder}: {split}_text.txt has {len(texts)} lines but {split}_labels.txt has {len(labels)}")
        pairs += [(scrub(t.strip()), _STANCE[lab.strip()]) for t, lab in zip(texts, labels) if lab.strip() in _STANCE]
    return pairs


def _nlpcc(path: Path, target: str) -> list[tuple[str, int]]:
    pairs: list[tuple[str, int]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for line, row in enumerate(csv.reader(handle, delimiter="\t"), 1):
            if line == 1 and row and row[0].upper() == "ID":
                continue
            if len(row) < 4:
                raise DataError(f"{path}:{line}: expected 4 tab-separated fields (ID, TARGET, TEXT, STANCE), got {len(row)}")
            stance = _STANCE.get(row[3].strip().lower())
            if stance is not None and (not target or row[1].strip() == target):
                pairs.append((scrub(" ".join(row[2].split())), stance))
    return pairs
