"""Environment construction from a raw dump (S3 section 4.2.1), behind ``hubbub build-env``.

Given a file of posts (author, time, text, optional repost-of) and a file of follow relations: select
the scenario's posts by keyword matching (and the reposts of those posts, however worded), take their
authors as the *core* users, add the users socially connected to them (followers and followees, up to
``hops`` steps), keep the follow edges inside that set, and report users / relations / posts as the
paper's Table 1 does. Every user and post id is pseudonymised and every text scrubbed before anything
is written, so the output can be shared with a scenario (``network.source = "edges"``,
``population.personas = users.csv``, ``seed_posts.file = posts.jsonl``) without real identifiers.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hubbub.agents.anonymise import DEFAULT_SALT, pseudonym, scrub
from hubbub.dynamics.base import expand_rows
from hubbub.errors import ConfigError, DataError
from hubbub.platform.graph_build import load_edge_list
from hubbub.textfiles import BIO_CHARS, POST_CHARS, check_length

COLUMN_NAMES = {
    "author": ("author", "user_id", "uid", "user", "author_id"),
    "time": ("time", "created_at", "date", "timestamp"),
    "text": ("text", "content", "weibo_text", "body"),
    "repost_of": ("repost_of", "retweet_of", "parent", "parent_id", "reposted_id"),
    "id": ("id", "post_id", "mid", "weibo_id", "tweet_id"),
}
PROFILE_COLUMNS = ("description", "age", "age_bin", "gender", "occupation")


@dataclass
class BuildReport:
    """Counts like S3 Table 1, plus what was dropped and where the files went."""

    scenario: str
    users: int = 0
    core_users: int = 0
    relations: int = 0
    mutual_relations: int = 0
    posts: int = 0
    scenario_posts: int = 0
    keyword_posts: int = 0
    demographics: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self) -> str:
        """The Table-1-style Markdown row."""
        demo = ", ".join(self.demographics) or "none (infer with `hubbub infer-demographics`)"
        return ("| Scenario | #Users | #Relations | #Posts | Demographics |\n|---|---|---|---|---|\n"
                f"| {self.scenario} | {self.users:,} | {self.relations:,} | {self.posts:,} | {demo} |\n")

    def lines(self) -> list[str]:
        out = [f"scenario {self.scenario!r}: {self.users:,} users ({self.core_users:,} core authors), "
               f"{self.relations:,} relations ({self.mutual_relations:,} in mutual pairs), {self.posts:,} posts "
               f"({self.scenario_posts:,} on the scenario: {self.keyword_posts:,} keyword matches plus their reposts)"]
        out += [f"note: {n}" for n in self.notes]
        out += [f"wrote {f}" for f in self.files]
        return out


def _pick(columns: Sequence[str], role: str, path: Path, required: bool = True) -> str | None:
    lowered = {c.lower(): c for c in columns}
    for name in COLUMN_NAMES[role]:
        if name in lowered:
            return lowered[name]
    if required:
        raise DataError(f"{path}: no {role} column; expected one of {list(COLUMN_NAMES[role])}, found {list(columns)}")
    return None


def read_posts(path: str | Path) -> pd.DataFrame:
    """Posts as a frame with columns id, author, time, text, repost_of (all text; '' when absent)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    name = path.name.lower().removesuffix(".gz")
    try:
        if name.endswith(".jsonl"):
            frame = pd.read_json(path, lines=True, dtype=False, compression="infer")
        else:
            frame = pd.read_csv(path, sep="\t" if name.endswith(".tsv") else ",", dtype=str, keep_default_na=False,
                                compression="infer", encoding="utf-8-sig", on_bad_lines="error")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError, OSError, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: cannot be read as a posts file ({str(exc).splitlines()[0]})") from None
    cols = {role: _pick(frame.columns, role, path, role in ("author", "text")) for role in COLUMN_NAMES}
    out = pd.DataFrame({role: frame[col].astype(str).fillna("") if col else "" for role, col in cols.items()})
    if cols["id"] is None:
        out["id"] = [str(i) for i in range(len(out))]
    empty = out.index[out["author"].str.strip() == ""]
    if len(empty):
        line = int(empty[0]) + (1 if name.endswith(".jsonl") else 2)
        raise DataError(f"{path}:{line}: the author is empty")
    _check_column(out, "text", POST_CHARS, path, name.endswith(".jsonl"))
    return out


def _check_column(frame: pd.DataFrame, column: str, limit: int, path: Path, jsonl: bool) -> None:
    """Refuse the first text of ``column`` over ``limit`` characters (see :mod:`hubbub.textfiles`)."""
    over = frame.index[frame[column].astype(str).str.len() > limit]
    if len(over):
        line = int(over[0]) + (1 if jsonl else 2)
        check_length(str(frame.at[over[0], column]), limit, f"{path}:{line}", f"column {column!r}")


def select_posts(posts: pd.DataFrame, keywords: Sequence[str]) -> tuple[np.ndarray, int]:
    """Mask of scenario posts: keyword matches (case-insensitive) and reposts of them, transitively."""
    if not keywords:
        raise ConfigError("build-env needs at least one --keyword to select the scenario's posts")
    text = posts["text"].str.lower()
    chosen = np.zeros(len(posts), dtype=bool)
    for word in keywords:
        chosen |= text.str.contains(word.lower(), regex=False).to_numpy()
    matched = int(chosen.sum())
    ids, parents = posts["id"].to_numpy(), posts["repost_of"].to_numpy()
    while True:
        grown = chosen | np.isin(parents, ids[chosen]) & (parents != "")
        if grown.sum() == chosen.sum():
            return chosen, matched
        chosen = grown


def neighbourhood(graph: Any, core: np.ndarray, hops: int) -> np.ndarray:
    """Mask of the core users plus everyone within ``hops`` follow steps (either direction)."""
    mask = np.zeros(graph.n_nodes, dtype=bool)
    mask[core] = True
    frontier = core
    for _ in range(hops):
        _, followers = graph.delivery_edges(frontier)
        positions, _ = expand_rows(graph.follows.indptr.astype(np.int64), frontier)
        followees = graph.follows.indices[positions]
        reached = np.unique(np.concatenate([followers, followees]).astype(np.int64))
        frontier = reached[~mask[reached]]
        mask[frontier] = True
    return mask


def build_environment(posts_path: str | Path, follows_path: str | Path, out_dir: str | Path, keywords: Sequence[str],
                      *, scenario: str = "scenario", users_path: str | Path | None = None, hops: int = 1,
                      directed: bool = True, direction: str = "follower_followee", salt: str = DEFAULT_SALT,
                      history: int = 5) -> BuildReport:
    """Build a pseudonymised S3 environment in ``out_dir`` (see the module docstring)."""
    if hops < 0:
        raise ConfigError(f"--hops = {hops} is not allowed; use 0 (core users only) or more")
    posts = read_posts(posts_path)
    chosen, matched = select_posts(posts, keywords)
    graph, _ = load_edge_list(follows_path, directed=directed, direction=direction)
    index = {str(v): i for i, v in enumerate(graph.node_ids.tolist())}
    core_ids = sorted(set(posts.loc[chosen, "author"]))
    core = np.array(sorted(index[a] for a in core_ids if a in index), dtype=np.int64)
    report = BuildReport(scenario, keyword_posts=matched, scenario_posts=int(chosen.sum()))
    if len(core) < len(core_ids):
        report.notes.append(f"{len(core_ids) - len(core)} core authors have no follow relations in the dump")
    sub = graph.subgraph(neighbourhood(graph, core, hops))
    members = {str(v) for v in sub.node_ids.tolist()} | set(core_ids)
    kept = posts[posts["author"].isin(members)]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report.files = [_write_follows(sub, out / "follows.tsv", salt),
                    _write_posts(kept, chosen[posts["author"].isin(members).to_numpy()], out / "posts.jsonl", salt),
                    _write_users(kept, members, set(core_ids), users_path, out / "users.csv", salt, history, report)]
    report.users, report.core_users = len(members), len(core_ids)
    report.relations, report.posts = sub.n_edges, len(kept)
    report.mutual_relations = int(sub.mutual_mask().sum()) if sub.n_edges else 0
    (out / "report.md").write_text(f"# Environment '{scenario}' (S3 Table 1)\n\n{report.table()}\n"
                                   + "\n".join(f"* {line}" for line in report.lines()) + "\n", encoding="utf-8")
    report.files.append(str(out / "report.md"))
    return report


def _write_follows(sub: Any, path: Path, salt: str) -> str:
    ids = [pseudonym(v, salt) for v in sub.node_ids.tolist()]
    rows = np.repeat(np.arange(sub.n_nodes), np.diff(sub.delivery.indptr))
    with path.open("w", encoding="utf-8") as handle:
        handle.write("follower\tfollowee\n")
        for followee, follower in zip(rows.tolist(), sub.delivery.indices.tolist()):
            handle.write(f"{ids[follower]}\t{ids[followee]}\n")
    return str(path)


def _post_id(raw: str, salt: str) -> str:
    return "p" + pseudonym(f"post:{raw}", salt)[1:]


def _write_posts(posts: pd.DataFrame, on_topic: np.ndarray, path: Path, salt: str) -> str:
    with path.open("w", encoding="utf-8") as handle:
        for (_, row), topical in zip(posts.iterrows(), on_topic.tolist()):
            record = {"id": _post_id(row["id"], salt), "author": pseudonym(row["author"], salt), "time": row["time"],
                      "text": scrub(row["text"]), "repost_of": _post_id(row["repost_of"], salt) if row["repost_of"] else None,
                      "scenario": bool(topical)}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return str(path)


def _profiles(users_path: str | Path | None, report: BuildReport) -> dict[str, dict[str, str]]:
    if users_path is None:
        return {}
    path = Path(users_path)
    frame = read_posts_like_users(path)
    report.demographics = [c for c in ("age", "gender", "occupation") if c in frame.columns and (frame[c] != "").any()]
    return {row["id"]: row for row in frame.to_dict("records")}


def read_posts_like_users(path: Path) -> pd.DataFrame:
    """A users file (CSV/TSV/JSONL) with an id column and any of description, age, gender, occupation."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    name = path.name.lower().removesuffix(".gz")
    try:
        frame = pd.read_json(path, lines=True, dtype=False) if name.endswith(".jsonl") else \
            pd.read_csv(path, sep="\t" if name.endswith(".tsv") else ",", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot be read as a users file ({str(exc).splitlines()[0]})") from None
    id_col = _pick(frame.columns, "id", path) if "id" not in frame.columns else "id"
    frame = frame.rename(columns={id_col: "id"}).astype(str)
    if "description" in frame.columns:
        _check_column(frame, "description", BIO_CHARS, path, name.endswith(".jsonl"))
    return frame[[c for c in ("id",) + PROFILE_COLUMNS if c in frame.columns]]


def _write_users(posts: pd.DataFrame, members: set[str], core: set[str], users_path: Any, path: Path, salt: str,
                 history: int, report: BuildReport) -> str:
    profiles = _profiles(users_path, report)
    recent = posts.sort_values("time").groupby("author")["text"].apply(lambda s: list(s)[-history:]).to_dict()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "core", "description", "posts", "age", "gender", "occupation"])
        writer.writeheader()
        for real in sorted(members):
            profile = profiles.get(real, {})
            writer.writerow({"id": pseudonym(real, salt), "core": int(real in core),
                             "description": scrub(str(profile.get("description", ""))),
                             "posts": json.dumps([scrub(t) for t in recent.get(real, [])], ensure_ascii=False),
                             **{k: str(profile.get(k, "")) for k in ("age", "gender", "occupation")}})
    return str(path)
