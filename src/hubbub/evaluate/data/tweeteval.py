"""TweetEval's one-folder classification sets: hate (SemEval-2019 HatEval), offensive (SemEval-2019
OffensEval) and sentiment (SemEval-2017 Task 4).

Each folder holds ``{train,val,test}_text.txt`` and ``_labels.txt`` (one tweet / one integer per line)
and ``mapping.txt`` (``id<TAB>name``). Labels: hate 0 not-hate, 1 hate; offensive 0 not-offensive,
1 offensive; sentiment 0 negative, 1 neutral, 2 positive. A ``mapping.txt`` that names other labels is
an error. Official splits are kept; where a folder has no train split (the shared sentiment copy holds
only val and test) the official val split is carved into train (85%) and validation (15%) by a hash of
the item key, and the source line says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from hubbub.errors import DataError
from hubbub.evaluate.data.common import (SPLITS, Example, LabelledSet, carve_validation, data_name, default_path,
                                         open_text, require)

HATE_LABELS = ("not-hate", "hate")
OFFENCE_LABELS = ("not-offensive", "offensive")
SENTIMENT_LABELS = ("negative", "neutral", "positive")
_STEMS = (("train", "train"), ("validation", "val"), ("test", "test"))


def _lines(path: Path) -> list[str]:
    with open_text(require(path, "TweetEval file")) as handle:
        lines = [line.rstrip("\r\n") for line in handle]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def read_tweeteval_split(text_path: Path, label_path: Path, labels: tuple[str, ...], prefix: str) -> list[Example]:
    """One split: the text file and its label file, line by line; a label outside 0..k-1 is an error."""
    texts, raw = _lines(text_path), _lines(label_path)
    if len(texts) != len(raw):
        raise DataError(f"{label_path}: {len(raw)} labels for {len(texts)} texts in {text_path.name}")
    allowed = [str(i) for i in range(len(labels))]
    out = []
    for number, (text, value) in enumerate(zip(texts, raw), 1):
        if value.strip() not in allowed:
            names = ", ".join(f"{i} ({n})" for i, n in enumerate(labels))
            raise DataError(f"{label_path} line {number}: label {value!r}; allowed: {names}")
        out.append(Example(f"{prefix}:{text_path.stem.split('_')[0]}:{number}", text.strip(), int(value)))
    return out


def check_mapping(folder: Path, labels: tuple[str, ...]) -> None:
    """``mapping.txt``, when present, must name the labels this task scores, in this order."""
    path = folder / "mapping.txt"
    if not path.exists():
        return
    found = tuple(line.split("\t")[-1].strip() for line in _lines(path) if line.strip())
    if found != labels:
        raise DataError(f"{path}: labels {found}; this task expects {labels}")


def read_tweeteval_folder(folder: Path, labels: tuple[str, ...], prefix: str) -> dict[str, list[Example]]:
    """The splits a folder holds (any of train / val / test)."""
    require(folder, "TweetEval folder")
    check_mapping(folder, labels)
    out = {}
    for split, stem in _STEMS:
        text, label = folder / f"{stem}_text.txt", folder / f"{stem}_labels.txt"
        if text.exists() or label.exists():
            out[split] = read_tweeteval_split(text, label, labels, prefix)
    if not out:
        raise DataError(f"{folder}: no {{train,val,test}}_text.txt / _labels.txt files")
    return out


def _complete(parts: dict[str, list[Example]], seed: int) -> tuple[dict[str, list[Example]], str]:
    """Every split filled: without a train split, the validation split is carved 85/15."""
    if "train" in parts:
        return {s: parts.get(s, []) for s in SPLITS}, "official train/val/test"
    keep, val = carve_validation(parts.get("validation", []), seed, by=lambda e: e.key)
    return {"train": keep, "validation": val, "test": parts.get("test", [])}, \
        "no train split: official val carved 85/15 into train/validation by item hash; official test"


def load_tweeteval_task(folder_name: str, labels: tuple[str, ...], default_name: str,
                        path: str | Path | None = None, seed: int = 0) -> LabelledSet:
    """A TweetEval one-folder set. ``path``: a folder in the same layout; splits it lacks are taken from
    the default data when that exists (so a folder with only ``test_*`` files is an unseen test set)."""
    default = default_path("tweeteval") / folder_name
    root = Path(path) if path else default
    parts = read_tweeteval_folder(root, labels, folder_name)
    borrowed = []
    if root.resolve() != default.resolve() and default.is_dir():
        base = read_tweeteval_folder(default, labels, folder_name)
        for split in SPLITS:
            if split not in parts and split in base:
                parts[split] = base[split]
                borrowed.append(split)
    splits, how = _complete(parts, seed)
    source = f"{root} ({how})" + (f"; from the default data: {', '.join(borrowed)}" if borrowed else "")
    notes = ", ".join(f"{i} {n}" for i, n in enumerate(labels))
    return LabelledSet(data_name(path, default, default_name), labels, splits, source, "en", notes)


def _loader(folder: str, labels: tuple[str, ...], name: str) -> Callable[..., LabelledSet]:
    def load(path: str | Path | None = None, seed: int = 0) -> LabelledSet:
        return load_tweeteval_task(folder, labels, name, path, seed)
    load.__doc__ = f"TweetEval {folder}: labels {', '.join(labels)} (see the module docstring)."
    return load


load_tweeteval_hate = _loader("hate", HATE_LABELS, "tweeteval-hate")
load_tweeteval_offensive = _loader("offensive", OFFENCE_LABELS, "tweeteval-offensive")
load_tweeteval_sentiment = _loader("sentiment", SENTIMENT_LABELS, "tweeteval-sentiment")
