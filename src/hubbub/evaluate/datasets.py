"""Real labelled data for the evaluation tasks, read in place from the shared data folder.

Every loader returns a :class:`LabelledSet` with ``train`` / ``validation`` / ``test`` splits: the
official split where the release has one, a deterministic hash split otherwise (a hash of the seed and
a *group* key, so items that belong together, e.g. replies in one thread or comments under one post,
never straddle splits). Anything that is fitted uses train (and validation to choose settings); final
figures come from test. Malformed input raises :class:`~hubbub.errors.DataError` naming file and line.

**Unseen data.** Every loader takes ``path``: a folder in the release's own layout replaces the
default data; a single file in the release's file format becomes the *test* split (an unseen set),
while train and validation still come from the default data when it exists (otherwise the file is
hash-split 70/15/15). So ``hubbub evaluate attitude_nlpcc --data attitude_nlpcc=taskB_gold.tsv``
scores policies trained on Task A against another target without code changes.

Label mappings (documented choices):

* SemEval-2018 EI-oc intensity 0-1 -> calm, 2 -> moderate, 3 -> intense (0 "no emotion" and 1 "low
  amount" are both what S3 calls calm). Test = the early official dev release (the gold test labels
  are not in the shared data); validation = 15% of train by tweet-id hash.
* EmoBank arousal (1-5, mean of reader and writer ratings): calm below the train split's 1/3
  quantile, intense at or above its 2/3 quantile, moderate between; thresholds fitted on train only and
  reported in ``notes``. Official train/dev/test splits.
* TweetEval stance and NLPCC-2016 Task A stance: 0 none, 1 against, 2 favor (NLPCC's NONE/AGAINST/FAVOR
  mapped the same way); :func:`binary_attitude` keeps against -> negative, favor -> positive, S3's
  binary attitude. NLPCC: 14 unlabelled train rows dropped, validation = 15% of train by id hash.
* SWSR commenters: gender 女 -> female, 男 -> male, from the comment text; split by post (weibo_id).
* RumourEval 2017: replies labelled support -> positive, deny or query -> negative ("comment" replies
  and source tweets are left out); test = the official dev labels, validation = 15% of train threads.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from hubbub.errors import DataError

SPLITS = ("train", "validation", "test")
HASH_FRACTIONS = (0.70, 0.15, 0.15)
VALIDATION_SHARE = 0.15
EMOTION_LABELS = ("calm", "moderate", "intense")
STANCE_LABELS = ("none", "against", "favor")
ATTITUDE_LABELS = ("negative", "positive")
GENDER_LABELS = ("female", "male")

TWEETEVAL_TARGETS = {
    "abortion": "the legalization of abortion",
    "atheism": "atheism",
    "climate": "the view that climate change is a real concern",
    "feminist": "the feminist movement",
    "hillary": "Hillary Clinton",
}
NLPCC_TARGET_ALIASES = {"iPhone SE": "IphoneSE", "俄罗斯叙利亚反恐行动": "俄罗斯在叙利亚的反恐行动"}


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


def data_root() -> Path:
    """The shared data folder: ``$HUBBUB_DATA_DIR``, else ``../shared/data`` from the working folder,
    else next to the repository checkout."""
    env = os.environ.get("HUBBUB_DATA_DIR")
    if env:
        return Path(env)
    here = Path.cwd() / ".." / "shared" / "data"
    if here.is_dir():
        return here.resolve()
    return (Path(__file__).resolve().parents[4] / "shared" / "data").resolve()


def default_path(folder: str) -> Path:
    return data_root() / folder


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


def _with_user_test(name: str, path: Path | None, default: Callable[[], dict[str, list[Example]]],
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


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        raise DataError(f"{path}: {what} not found")
    return path


def _open_text(path: Path) -> io.TextIOBase:
    raw = path.open("rb")
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    stream = gzip.open(raw) if head == b"\x1f\x8b" else raw
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


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
    with _open_text(_require(path, "EI-oc file")) as handle:
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
        train = [e for f in sorted(_require(folder, "EI-oc folder").glob("EI-oc-En-*-train.txt")) for e in read_ei_oc(f)]
        test = [e for f in sorted(folder.glob("2018-EI-oc-En-*-dev.txt")) for e in read_ei_oc(f)]
        if not train and not test:
            raise DataError(f"{folder}: no EI-oc-En-*-train.txt or 2018-EI-oc-En-*-dev.txt files")
        keep, val = carve_validation(train, seed, by=lambda e: e.key)
        return {"train": keep, "validation": val, "test": test}

    if root.is_file():
        splits, source = _with_user_test("EI-oc", root, lambda: from_folder(default_path("semeval2018_ei_oc")),
                                         read_ei_oc, seed, by=lambda e: e.key)
    else:
        splits, source = from_folder(root), f"{root} (train: official train minus 15% validation; test: early official dev)"
    return LabelledSet("semeval2018-ei-oc", EMOTION_LABELS, splits, source, "en",
                       "EI-oc intensity 0-1 -> calm, 2 -> moderate, 3 -> intense; anger/fear/joy/sadness pooled")


# ---------------------------------------------------------------------------------------------------
# EmoBank arousal -> calm / moderate / intense


def read_emobank(path: Path) -> list[Example]:
    """EmoBank CSV (``id,split,V,A,D,text``; ``split`` optional). Label is left -1 here; the arousal
    thresholds are applied by :func:`load_emobank` once the train split is known."""
    out = []
    with _open_text(_require(path, "EmoBank CSV")) as handle:
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

    file = root / "emobank.csv" if root.is_dir() else root
    default_file = default_path("emobank") / "emobank.csv"
    user_test = path is not None and file.is_file() and file.resolve() != default_file.resolve() and \
        not all(e.meta["split"] in ("train", "dev", "test") for e in read_emobank(file))
    if user_test:
        splits, source = _with_user_test("EmoBank", file, lambda: official(default_file), read_emobank, seed,
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
    return LabelledSet("emobank-arousal", EMOTION_LABELS, splits, source, "en", notes)


# ---------------------------------------------------------------------------------------------------
# Stance: TweetEval (English) and NLPCC-2016 Task A (Chinese Weibo)


def _read_lines(path: Path) -> list[str]:
    with _open_text(_require(path, "TweetEval file")) as handle:
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
    _require(root, "TweetEval stance folder")
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
    return LabelledSet("tweeteval-stance", STANCE_LABELS, splits, source, "en",
                       "0 none, 1 against, 2 favor; targets: " + ", ".join(folders))


_NLPCC_STANCE = {"NONE": 0, "AGAINST": 1, "FAVOR": 2}


def read_nlpcc(path: Path) -> list[Example]:
    """An NLPCC-2016 stance TSV (``ID<TAB>TARGET<TAB>TEXT<TAB>STANCE``, header, quote-aware); rows with
    an empty STANCE (unlabelled) are dropped, any other value is an error."""
    out = []
    with _open_text(_require(path, "NLPCC stance TSV")) as handle:
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
        train = read_nlpcc(_require(folder / "taskA_train_labeled_3000.tsv", "NLPCC Task A train file"))
        test_file = folder / "taskA_test_gold_1000.tsv"
        keep, val = carve_validation(train, seed, by=lambda e: e.key)
        return {"train": keep, "validation": val, "test": read_nlpcc(test_file) if test_file.exists() else []}

    if root.is_file():
        splits, source = _with_user_test("NLPCC Task A", root, lambda: from_folder(default), read_nlpcc, seed,
                                         by=lambda e: e.key)
    else:
        splits, source = from_folder(root), f"{root} (official Task A train minus 15% validation; official gold test)"
    return LabelledSet("nlpcc2016-taskA", STANCE_LABELS, splits, source, "zh",
                       "NONE -> none, AGAINST -> against, FAVOR -> favor; 14 unlabelled train rows dropped")


def binary_attitude(ds: LabelledSet) -> LabelledSet:
    """S3's binary attitude: against -> negative (0), favor -> positive (1); 'none' rows left out."""
    keep = {STANCE_LABELS.index("against"): 0, STANCE_LABELS.index("favor"): 1}
    splits = {s: [replace(e, label=keep[e.label]) for e in v if e.label in keep] for s, v in ds.splits.items()}
    return LabelledSet(ds.name + "-binary", ATTITUDE_LABELS, splits, ds.source, ds.lang,
                       ds.notes + "; binary: against -> negative, favor -> positive, none left out")


# ---------------------------------------------------------------------------------------------------
# SWSR (Sina Weibo Sexism Review): commenter gender and comment threads

_GENDER = {"女": 0, "男": 1, "female": 0, "male": 1, "f": 0, "m": 1}


def read_swsr_comments(path: Path) -> list[Example]:
    """SexComment.csv: text = comment, label = commenter gender, group = the post (weibo_id)."""
    out = []
    with _open_text(_require(path, "SWSR SexComment.csv")) as handle:
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
    file = file / "SexComment.csv" if file.is_dir() else file
    if path and file.resolve() != default.resolve():
        splits, source = _with_user_test("SWSR", file, lambda: hash_split(read_swsr_comments(default), seed),
                                         read_swsr_comments, seed)
    else:
        splits, source = hash_split(read_swsr_comments(file), seed), f"{file} (hash split 70/15/15 by post)"
    return LabelledSet("swsr-commenter-gender", GENDER_LABELS, splits, source, "zh",
                       "commenter gender 女 -> female, 男 -> male, predicted from the comment text alone")


def read_swsr_posts(path: Path) -> dict[str, str]:
    """SexWeibo.csv as {weibo_id: post text}."""
    with _open_text(_require(path, "SWSR SexWeibo.csv")) as handle:
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
    posts = read_swsr_posts(root / "SexWeibo.csv")
    gender = load_swsr_gender(root / "SexComment.csv", seed)
    out: dict[str, list[Thread]] = {}
    for split in SPLITS:
        by_post: dict[str, list[Example]] = {}
        for e in gender.split(split):
            by_post.setdefault(e.group, []).append(e)
        out[split] = [Thread(pid, posts[pid], cs) for pid, cs in sorted(by_post.items()) if posts.get(pid)]
    return out


# ---------------------------------------------------------------------------------------------------
# RumourEval 2017: who supports vs denies / queries a rumour


def _tweet_json(raw: bytes, where: str) -> dict[str, Any]:
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{where}: not a tweet JSON object ({exc})") from None
    if not isinstance(doc, dict) or "text" not in doc or not isinstance(doc.get("user"), dict):
        raise DataError(f"{where}: tweet JSON lacks 'text' or 'user'")
    return doc


def _rumoureval_files(root: Path) -> Iterator[tuple[str, bytes]]:
    """(relative path, bytes) of every JSON file under ``rumoureval-data/`` (archive or folder)."""
    archive = root / "rumoureval2017_traindev_threads.tar.gz"
    if archive.exists():
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for member in tar:
                    if member.isfile() and member.name.endswith(".json"):
                        yield f"{archive}:{member.name}", tar.extractfile(member).read()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise DataError(f"{archive}: cannot read the archive: {exc}") from None
        return
    folder = root / "rumoureval-data"
    if not folder.is_dir():
        raise DataError(f"{root}: neither rumoureval2017_traindev_threads.tar.gz nor rumoureval-data/ found")
    for file in sorted(folder.rglob("*.json")):
        yield str(file), file.read_bytes()


def read_rumoureval_threads(root: Path) -> dict[str, dict[str, Any]]:
    """Threads by source id: event, source tweet and replies (tweet dicts)."""
    threads: dict[str, dict[str, Any]] = {}
    for where, raw in _rumoureval_files(root):
        parts = where.replace("\\", "/").split("/")
        if "source-tweet" not in parts and "replies" not in parts:
            continue
        kind_at = parts.index("source-tweet") if "source-tweet" in parts else parts.index("replies")
        event, thread = parts[kind_at - 2], parts[kind_at - 1]
        entry = threads.setdefault(thread, {"event": event, "source": None, "replies": {}})
        tweet = _tweet_json(raw, where)
        if parts[kind_at] == "source-tweet":
            entry["source"] = tweet
        else:
            entry["replies"][str(tweet.get("id_str") or tweet.get("id"))] = tweet
    return {k: v for k, v in threads.items() if v["source"] is not None}


def _stance_labels(path: Path) -> dict[str, str]:
    try:
        doc = json.loads(_require(path, "RumourEval label file").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    bad = {k: v for k, v in doc.items() if v not in ("support", "deny", "query", "comment")}
    if bad:
        key = next(iter(bad))
        raise DataError(f"{path}: tweet {key} has stance {bad[key]!r}; allowed: support, deny, query, comment")
    return doc


def _reply_examples(threads: dict[str, dict[str, Any]], labels: dict[str, str]) -> list[Example]:
    """One example per labelled reply that supports, denies or queries its thread's source tweet."""
    out = []
    for thread, entry in sorted(threads.items()):
        source = entry["source"]
        for rid, reply in sorted(entry["replies"].items()):
            stance = labels.get(rid)
            if stance not in ("support", "deny", "query"):
                continue
            user = reply["user"]
            parent = str(reply.get("in_reply_to_status_id_str") or thread)
            out.append(Example(rid, " ".join(source["text"].split()), 1 if stance == "support" else 0, thread,
                               " ".join((user.get("description") or "").split()),
                               meta={"event": entry["event"], "stance": stance, "parent": parent,
                                     "parent_stance": "source" if parent == thread else labels.get(parent, "unknown"),
                                     "reply": reply["text"], "user": user.get("screen_name", ""),
                                     "followers": user.get("followers_count")}))
    return out


def load_rumoureval(path: str | Path | None = None, seed: int = 0) -> LabelledSet:
    """RumourEval 2017 replies: support (positive) vs deny/query (negative), text = source tweet,
    context = the replier's profile description."""
    default = default_path("rumoureval2017_threads")
    root = Path(path) if path else default
    threads = read_rumoureval_threads(root)
    files = {"train": root / "rumoureval-subtaskA-train.json", "test": root / "rumoureval-subtaskA-dev.json"}
    parts = {s: _reply_examples(threads, _stance_labels(f)) for s, f in files.items() if f.exists()}
    if not parts:
        raise DataError(f"{root}: no rumoureval-subtaskA-train.json or rumoureval-subtaskA-dev.json")
    source = f"{root} (official train minus 15% of threads as validation; test = official dev)"
    if "train" in parts:
        keep, val = carve_validation(parts["train"], seed)
    elif root != default:
        base = load_rumoureval(default, seed)
        keep, val = base.split("train"), base.split("validation")
        source = f"test: {root} (user data); train/validation: default RumourEval data"
    else:
        keep, val = [], []
    splits = {"train": keep, "validation": val, "test": parts.get("test", [])}
    return LabelledSet("rumoureval2017-replies", ATTITUDE_LABELS, splits, source, "en",
                       "support -> positive; deny or query -> negative; comment replies left out")


def rumoureval_users(path: str | Path | None = None) -> list[Example]:
    """Distinct RumourEval users (profile description + one of their tweets), for the occupation
    distribution (S3 infers occupations from profiles and posts)."""
    root = Path(path) if path else default_path("rumoureval2017_threads")
    seen: dict[str, Example] = {}
    for thread, entry in sorted(read_rumoureval_threads(root).items()):
        for tweet in [entry["source"], *entry["replies"].values()]:
            user = tweet["user"]
            name = str(user.get("id_str") or user.get("id") or user.get("screen_name"))
            if name not in seen and (user.get("description") or "").strip():
                seen[name] = Example(name, " ".join(tweet["text"].split()), -1, entry["event"],
                                     " ".join(user["description"].split()))
    return list(seen.values())


# ---------------------------------------------------------------------------------------------------
# Weibo hot-search board, hourly: the lifecycle of real trending topics

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

    _require(path, "Weibo hot-search TSV")
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
    file = file / HOT_SEARCH_FILE if file.is_dir() else file
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
