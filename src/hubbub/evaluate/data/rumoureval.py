"""RumourEval 2017: who supports vs denies / queries a rumour.

Replies labelled support -> positive, deny or query -> negative ("comment" replies and source tweets
are left out); test = the official dev labels, validation = 15% of train threads.
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any, Iterator


from hubbub.errors import DataError
from hubbub.evaluate.data.common import (ATTITUDE_LABELS, Example, LabelledSet, carve_validation, data_name,
                                         default_path, find_file, require)


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
    archive = find_file(root, ["rumoureval2017_traindev_threads.tar.gz", "*.tar.gz", "*.tgz"], "thread archive",
                        required=False) if root.is_dir() else (root if root.is_file() else None)
    if archive is not None:
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
        doc = json.loads(require(path, "RumourEval label file").read_text(encoding="utf-8"))
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
    threads = read_rumoureval_threads(require(root, "RumourEval folder or thread archive"))
    home = root if root.is_dir() else root.parent
    files = {"train": find_file(home, ["rumoureval-subtaskA-train.json", "*subtaskA-train*.json", "*train*.json"],
                                "RumourEval train labels", required=False),
             "test": find_file(home, ["rumoureval-subtaskA-dev.json", "*subtaskA-dev*.json", "*subtaskA-test*.json",
                                      "*dev*.json", "*test*.json"], "RumourEval test labels", required=False)}
    parts = {s: _reply_examples(threads, _stance_labels(f)) for s, f in files.items() if f is not None}
    if not parts:
        raise DataError(f"{root}: no label file (*subtaskA-train*.json or *subtaskA-dev*.json)")
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
    return LabelledSet(data_name(path, default, "rumoureval2017-replies"), ATTITUDE_LABELS, splits, source, "en",
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
