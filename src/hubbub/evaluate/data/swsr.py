"""SWSR (Sina Weibo Sexism Review): commenter gender and comment threads.

Gender 女 -> female, 男 -> male, from the comment text; split by post (weibo_id).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


from hubbub.errors import DataError
from hubbub.evaluate.data.common import (Example, GENDER_LABELS, LabelledSet, SPLITS, collection_of, default_path,
                                         find_file, hash_split, open_text, require, with_user_test)

_GENDER = {"女": 0, "男": 1, "female": 0, "male": 1, "f": 0, "m": 1}


def read_swsr_comments(path: Path) -> list[Example]:
    """SexComment.csv: text = comment, label = commenter gender, group = the post (weibo_id)."""
    out = []
    with open_text(require(path, "SWSR SexComment.csv")) as handle:
        reader = csv.DictReader(handle)
        missing = {"weibo_id", "comment_text", "gender"} - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path} line 1: header lacks column(s) {', '.join(sorted(missing))}")
        start = reader.line_num + 1
        for row in reader:
            gender = (row.get("gender") or "").strip().lower()
            if gender not in _GENDER:
                raise DataError(f"{path} line {start}: gender {row.get('gender')!r}; allowed: 女, 男 (or female, male)")
            key = (row.get("index") or str(start)).strip()
            out.append(Example(f"swsr:{key}", (row["comment_text"] or "").strip(), _GENDER[gender],
                               (row["weibo_id"] or "").strip(),
                               meta={"location": (row.get("location") or "").strip(), "line": start}))
            start = reader.line_num + 1
    return out


def load_swsr_gender(path: str | Path | None = None, seed: int = 0) -> LabelledSet:
    """SWSR commenters' gender from their comment text, split 70/15/15 by post."""
    default = default_path("swsr_weibo_sexism") / "SexComment.csv"
    file = Path(path) if path else default
    file = find_file(file, ["SexComment.csv", "*Comment*.csv"], "SWSR comments CSV") if file.is_dir() else file
    assert file is not None
    if path and file.resolve() != default.resolve():
        splits, source = with_user_test("SWSR", file, lambda: hash_split(read_swsr_comments(default), seed),
                                         read_swsr_comments, seed)
    else:
        splits, source = hash_split(read_swsr_comments(file), seed), f"{file} (hash split 70/15/15 by post)"
    name = "swsr-commenter-gender" if file.resolve() == default.resolve() else collection_of(path or file)
    return LabelledSet(name, GENDER_LABELS, splits, source, "zh",
                       "commenter gender 女 -> female, 男 -> male, predicted from the comment text alone")


def read_swsr_posts(path: Path) -> dict[str, str]:
    """SexWeibo.csv as {weibo_id: post text}."""
    with open_text(require(path, "SWSR SexWeibo.csv")) as handle:
        reader = csv.DictReader(handle)
        if not {"weibo_id", "weibo_text"} <= set(reader.fieldnames or ()):
            raise DataError(f"{path} line 1: header needs weibo_id and weibo_text, got {reader.fieldnames}")
        return {(r["weibo_id"] or "").strip(): (r["weibo_text"] or "").strip() for r in reader}


@dataclass(frozen=True)
class Thread:
    """A real post and the real comments under it (text realism, S3 Table 3)."""

    post_id: str
    post: str
    comments: list[Example]


def load_swsr_threads(path: str | Path | None = None, seed: int = 0) -> dict[str, list[Thread]]:
    """SWSR posts with their comments, split by post like :func:`load_swsr_gender`."""
    root = Path(path) if path else default_path("swsr_weibo_sexism")
    require(root, "SWSR folder")
    posts_file = find_file(root, ["SexWeibo.csv", "*Weibo*.csv"], "SWSR posts CSV")
    comments = find_file(root, ["SexComment.csv", "*Comment*.csv"], "SWSR comments CSV")
    assert posts_file is not None and comments is not None
    posts = read_swsr_posts(posts_file)
    gender = load_swsr_gender(comments, seed)
    out: dict[str, list[Thread]] = {}
    for split in SPLITS:
        by_post: dict[str, list[Example]] = {}
        for e in gender.split(split):
            by_post.setdefault(e.group, []).append(e)
        out[split] = [Thread(pid, posts[pid], cs) for pid, cs in sorted(by_post.items()) if posts.get(pid)]
    return out
