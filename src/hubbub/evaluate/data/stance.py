"""Stance toward a target: TweetEval (English) and NLPCC-2016 Task A (Chinese Weibo).

TweetEval stance and NLPCC-2016 Task A stance: 0 none, 1 against, 2 favor (NLPCC's NONE/AGAINST/FAVOR
mapped the same way); :func:`binary_attitude` keeps against -> negative, favor -> positive, S3's
binary attitude. NLPCC: 14 unlabelled train rows dropped, validation = 15% of train by id hash.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path
from typing import Sequence


from hubbub.errors import DataError
from hubbub.evaluate.data.common import (ATTITUDE_LABELS, Example, LabelledSet, SPLITS, STANCE_LABELS,
                                         carve_validation, data_name, default_path, find_file, open_text, require,
                                         with_user_test)

TWEETEVAL_TARGETS = {
    "abortion": "the legalization of abortion",
    "atheism": "atheism",
    "climate": "the view that climate change is a real concern",
    "feminist": "the feminist movement",
    "hillary": "Hillary Clinton",
}
NLPCC_TARGET_ALIASES = {"iPhone SE": "IphoneSE", "俄罗斯叙利亚反恐行动": "俄罗斯在叙利亚的反恐行动"}


def _read_lines(path: Path) -> list[str]:
    with open_text(require(path, "TweetEval file")) as handle:
        return [line.rstrip("\r\n") for line in handle]


def read_tweeteval_pair(text_path: Path, label_path: Path, target: str) -> list[Example]:
    """One TweetEval split: ``*_text.txt`` and ``*_labels.txt``, one item per line, labels 0/1/2."""
    texts, labels = _read_lines(text_path), _read_lines(label_path)
    while texts and not texts[-1].strip():
        texts.pop()
    while labels and not labels[-1].strip():
        labels.pop()
    if len(texts) != len(labels):
        raise DataError(f"{label_path}: {len(labels)} labels for {len(texts)} texts in {text_path.name}")
    out = []
    for number, (text, raw) in enumerate(zip(texts, labels), 1):
        if raw.strip() not in ("0", "1", "2"):
            raise DataError(f"{label_path} line {number}: label {raw!r} is not 0 (none), 1 (against) or 2 (favor)")
        out.append(Example(f"{target}:{text_path.stem.split('_')[0]}:{number}", text.strip(), int(raw), target))
    return out


def _tweeteval_target(folder: Path, target: str) -> dict[str, list[Example]]:
    out: dict[str, list[Example]] = {}
    for split, stem in (("train", "train"), ("validation", "val"), ("test", "test")):
        text, labels = folder / f"{stem}_text.txt", folder / f"{stem}_labels.txt"
        if text.exists() or labels.exists():
            out[split] = read_tweeteval_pair(text, labels, target)
    if not out:
        raise DataError(f"{folder}: no {{train,val,test}}_text.txt / _labels.txt files")
    return out


def load_tweeteval_stance(path: str | Path | None = None, targets: Sequence[str] | None = None,
                          seed: int = 0) -> LabelledSet:
    """TweetEval stance, all targets pooled (``group`` = target). ``path`` may be the ``stance`` folder,
    one target folder, or a folder with only some splits (missing splits of a target known to the
    default data are taken from it)."""
    default = default_path("tweeteval") / "stance"
    root = Path(path) if path else default
    require(root, "TweetEval stance folder")
    folders = {root.name: root} if (root / "test_text.txt").exists() or (root / "train_text.txt").exists() \
        else {p.name: p for p in sorted(root.iterdir()) if p.is_dir()}
    if targets:
        unknown = sorted(set(targets) - set(folders))
        if unknown:
            raise DataError(f"{root}: no stance target folder(s) {', '.join(unknown)}; found {', '.join(folders)}")
        folders = {t: folders[t] for t in targets}
    splits: dict[str, list[Example]] = {s: [] for s in SPLITS}
    borrowed = []
    for target, folder in folders.items():
        parts = _tweeteval_target(folder, target)
        for split in SPLITS:
            if split not in parts and root != default and (default / target).is_dir():
                parts[split] = _tweeteval_target(default / target, target).get(split, [])
                borrowed.append(f"{target}/{split}")
            splits[split].extend(parts.get(split, []))
    source = f"{root} (official train/val/test)" + (f"; from the default data: {', '.join(borrowed)}" if borrowed else "")
    return LabelledSet(data_name(path, default, "tweeteval-stance"), STANCE_LABELS, splits, source, "en",
                       "0 none, 1 against, 2 favor; targets: " + ", ".join(folders))


_NLPCC_STANCE = {"NONE": 0, "AGAINST": 1, "FAVOR": 2}


def read_nlpcc(path: Path) -> list[Example]:
    """An NLPCC-2016 stance TSV (``ID<TAB>TARGET<TAB>TEXT<TAB>STANCE``, header, quote-aware); rows with
    an empty STANCE (unlabelled) are dropped, any other value is an error."""
    out = []
    with open_text(require(path, "NLPCC stance TSV")) as handle:
        reader = csv.reader(handle, delimiter="\t", quotechar='"')
        header = next(reader, None)
        if not header or [h.strip().upper() for h in header[:4]] != ["ID", "TARGET", "TEXT", "STANCE"]:
            raise DataError(f"{path} line 1: expected the header ID, TARGET, TEXT, STANCE; got {header}")
        start = reader.line_num + 1
        for row in reader:
            if len(row) != 4:
                raise DataError(f"{path} line {start}: expected 4 tab-separated fields, got {len(row)}")
            key, target, text, stance = (v.strip() for v in row)
            if stance and stance.upper() not in _NLPCC_STANCE:
                raise DataError(f"{path} line {start}: STANCE {stance!r}; allowed: FAVOR, AGAINST, NONE or empty")
            if stance:
                target = NLPCC_TARGET_ALIASES.get(target, target)
                out.append(Example(f"{path.stem}:{key}", text, _NLPCC_STANCE[stance.upper()], target))
            start = reader.line_num + 1
    return out


def load_nlpcc(path: str | Path | None = None, seed: int = 0) -> LabelledSet:
    """NLPCC-2016 Weibo stance Task A: official 3,000 train (14 unlabelled dropped) and 1,000 gold test."""
    default = default_path("nlpcc2016_weibo_stance")
    root = Path(path) if path else default

    def from_folder(folder: Path) -> dict[str, list[Example]]:
        require(folder, "NLPCC stance folder")
        train_file = find_file(folder, ["taskA_train_labeled_3000.tsv", "*train*label*.tsv", "*train*.tsv"],
                               "NLPCC stance train")
        test_file = find_file(folder, ["taskA_test_gold_1000.tsv", "*test*gold*.tsv", "*test*.tsv"],
                              "NLPCC stance test", required=False)
        assert train_file is not None
        keep, val = carve_validation(read_nlpcc(train_file), seed, by=lambda e: e.key)
        return {"train": keep, "validation": val, "test": read_nlpcc(test_file) if test_file else []}

    if root.is_file():
        splits, source = with_user_test("NLPCC Task A", root, lambda: from_folder(default), read_nlpcc, seed,
                                         by=lambda e: e.key)
    else:
        splits, source = from_folder(root), f"{root} (official train minus 15% validation; official gold test)"
    return LabelledSet(data_name(path, default, "nlpcc2016-taskA"), STANCE_LABELS, splits, source, "zh",
                       "NONE -> none, AGAINST -> against, FAVOR -> favor; 14 unlabelled train rows dropped")


def binary_attitude(ds: LabelledSet) -> LabelledSet:
    """S3's binary attitude: against -> negative (0), favor -> positive (1); 'none' rows left out."""
    keep = {STANCE_LABELS.index("against"): 0, STANCE_LABELS.index("favor"): 1}
    splits = {s: [replace(e, label=keep[e.label]) for e in v if e.label in keep] for s, v in ds.splits.items()}
    return LabelledSet(ds.name + "-binary", ATTITUDE_LABELS, splits, ds.source, ds.lang,
                       ds.notes + "; binary: against -> negative, favor -> positive, none left out")
