"""Emotion intensity as calm / moderate / intense: SemEval-2018 EI-oc and EmoBank arousal.

* SemEval-2018 EI-oc intensity 0-1 -> calm, 2 -> moderate, 3 -> intense (0 "no emotion" and 1 "low
  amount" are both what S3 calls calm). Test = the early official dev release (the gold test labels
  are not in the shared data); validation = 15% of train by tweet-id hash.
* EmoBank arousal (1-5, mean of reader and writer ratings): calm below the train split's 1/3
  quantile, intense at or above its 2/3 quantile, moderate between; thresholds fitted on train only and
  reported in ``notes``. Official train/dev/test splits.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np

from hubbub.errors import DataError
from hubbub.evaluate.data.common import (EMOTION_LABELS, Example, LabelledSet, SPLITS, carve_validation, data_name,
                                         default_path, find_file, hash_split, open_text, require, with_user_test)


# ---------------------------------------------------------------------------------------------------
# SemEval-2018 EI-oc -> calm / moderate / intense


def _ei_class(value: str, where: str) -> int:
    head = value.split(":", 1)[0].strip()
    if head not in ("0", "1", "2", "3"):
        raise DataError(f"{where}: intensity class {value[:40]!r} does not start with 0, 1, 2 or 3")
    return {0: 0, 1: 0, 2: 1, 3: 2}[int(head)]


def read_ei_oc(path: Path) -> list[Example]:
    """One EI-oc TSV file (``ID<TAB>Tweet<TAB>Affect Dimension<TAB>Intensity Class``, optional header)."""
    out = []
    with open_text(require(path, "EI-oc file")) as handle:
        for number, line in enumerate(handle, 1):
            line = line.rstrip("\r\n")
            if not line.strip() or (number == 1 and line.lower().startswith("id\t")):
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise DataError(f"{path} line {number}: expected 4 tab-separated fields "
                                f"(ID, Tweet, Affect Dimension, Intensity Class), got {len(parts)}")
            key, text, emotion, cls = parts
            out.append(Example(key, text, _ei_class(cls, f"{path} line {number}"), emotion.strip(),
                               meta={"raw_class": cls.split(":", 1)[0]}))
    return out


def load_ei_oc(path: str | Path | None = None, seed: int = 0) -> LabelledSet:
    """SemEval-2018 EI-oc (four emotions pooled) as calm / moderate / intense."""
    root = Path(path) if path else default_path("semeval2018_ei_oc")

    def from_folder(folder: Path) -> dict[str, list[Example]]:
        require(folder, "EI-oc folder")
        train = [e for f in sorted(folder.glob("*EI-oc-*-train.txt")) for e in read_ei_oc(f)]
        test = [e for f in sorted({*folder.glob("*EI-oc-*-dev.txt"), *folder.glob("*EI-oc-*-test*.txt")})
                for e in read_ei_oc(f)]
        if not train and not test:
            raise DataError(f"{folder}: no *EI-oc-*-train.txt or *EI-oc-*-dev.txt / -test.txt files")
        keep, val = carve_validation(train, seed, by=lambda e: e.key)
        return {"train": keep, "validation": val, "test": test}

    if root.is_file():
        splits, source = with_user_test("EI-oc", root, lambda: from_folder(default_path("semeval2018_ei_oc")),
                                         read_ei_oc, seed, by=lambda e: e.key)
    else:
        splits, source = from_folder(root), f"{root} (train: official train minus 15% validation; test: early official dev)"
    return LabelledSet(data_name(path, default_path("semeval2018_ei_oc"), "semeval2018-ei-oc"), EMOTION_LABELS,
                       splits, source, "en",
                       "EI-oc intensity 0-1 -> calm, 2 -> moderate, 3 -> intense; anger/fear/joy/sadness pooled")


# ---------------------------------------------------------------------------------------------------
# EmoBank arousal -> calm / moderate / intense


def read_emobank(path: Path) -> list[Example]:
    """EmoBank CSV (``id,split,V,A,D,text``; ``split`` optional). Label is left -1 here; the arousal
    thresholds are applied by :func:`load_emobank` once the train split is known."""
    out = []
    with open_text(require(path, "EmoBank CSV")) as handle:
        reader = csv.DictReader(handle)
        missing = {"id", "A", "text"} - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path} line 1: header lacks column(s) {', '.join(sorted(missing))}")
        for row in reader:
            number = reader.line_num
            try:
                arousal = float(row["A"])
            except (TypeError, ValueError):
                raise DataError(f"{path} line {number}: arousal A={row.get('A')!r} is not a number") from None
            out.append(Example(row["id"], row["text"] or "", -1,
                               meta={"arousal": arousal, "split": (row.get("split") or "").strip()}))
    return out


def _arousal_labels(examples: list[Example], low: float, high: float) -> list[Example]:
    level = lambda a: 0 if a < low else (2 if a >= high else 1)  # noqa: E731
    return [replace(e, label=level(e.meta["arousal"])) for e in examples]


def load_emobank(path: str | Path | None = None, seed: int = 0) -> LabelledSet:
    """EmoBank arousal in three levels, thresholds at the train split's tertiles."""
    root = Path(path) if path else default_path("emobank")

    def official(file: Path) -> dict[str, list[Example]]:
        rows = read_emobank(file)
        split_name = {"train": "train", "dev": "validation", "test": "test"}
        if not all(e.meta["split"] in split_name for e in rows):
            return hash_split(rows, seed, by=lambda e: e.key)
        return {s: [e for e in rows if split_name[e.meta["split"]] == s] for s in SPLITS}

    file = find_file(root, ["emobank.csv", "*.csv"], "EmoBank CSV") if root.is_dir() else root
    assert file is not None
    default_file = default_path("emobank") / "emobank.csv"
    user_test = path is not None and file.is_file() and file.resolve() != default_file.resolve() and \
        not all(e.meta["split"] in ("train", "dev", "test") for e in read_emobank(file))
    if user_test:
        splits, source = with_user_test("EmoBank", file, lambda: official(default_file), read_emobank, seed,
                                         by=lambda e: e.key)
    else:
        splits, source = official(file), f"{file} (official train/dev/test)"
    train_arousal = np.array([e.meta["arousal"] for e in splits["train"]])
    if train_arousal.size == 0:
        raise DataError(f"{file}: the train split is empty, so the arousal thresholds cannot be fitted")
    low, high = (float(q) for q in np.quantile(train_arousal, [1 / 3, 2 / 3]))
    splits = {s: _arousal_labels(v, low, high) for s, v in splits.items()}
    notes = (f"arousal < {low:.3f} -> calm, >= {high:.3f} -> intense, moderate between "
             f"(train tertiles, fitted on {train_arousal.size} train sentences only)")
    return LabelledSet(data_name(path, default_path("emobank"), "emobank-arousal"), EMOTION_LABELS, splits, source,
                       "en", notes)
