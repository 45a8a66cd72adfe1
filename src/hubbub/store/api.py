"""Read runs back as pandas DataFrames: the entry point for analysis, metrics and reports.

A :class:`Run` reads nothing until a table is asked for, then keeps it. Files are opened read-only,
so archived runs and runs still being written (WAL allows one writer and many readers) both load.
Integer columns come back as nullable ``Int64``, 0/1 flags as nullable ``boolean`` and JSON columns
as Python values, with the same dtypes even when a table is empty.
"""

from __future__ import annotations

import json
import os
import sqlite3
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from hubbub.errors import DataError
from hubbub.store import frames, schema
from hubbub.store.manifest import read_manifest
from hubbub.store.runstore import db_path


def load_run(run_dir: Path | str) -> "Run":
    """The run recorded in ``run_dir``; DataError at once if its run.sqlite is missing or unusable."""
    run_dir = Path(run_dir)
    open_readonly(run_dir).close()
    return Run(run_dir)


def load_runs(paths: Iterable[Path | str]) -> dict[str, "Run"]:
    """Several runs by name: the directory name, lengthened with parent names where two collide."""
    dirs = [Path(p) for p in paths]
    names = _unique_names(dirs)
    return {name: load_run(d) for name, d in zip(names, dirs)}


def _unique_names(dirs: list[Path]) -> list[str]:
    parts = [d.resolve().parts for d in dirs]
    depth = 1
    while True:
        names = ["/".join(p[-depth:]) for p in parts]
        if len(set(names)) == len(names) or depth >= max((len(p) for p in parts), default=1):
            break
        depth += 1
    if len(set(names)) != len(names):
        raise DataError(f"the same run directory was given twice: {sorted(str(d) for d in dirs)}")
    return names


def open_readonly(run_dir: Path | str) -> sqlite3.Connection:
    """A read-only connection to a run's file (works on archived, read-only runs; never migrates).

    Raises DataError if the file is missing, is not a run record, or comes from a newer hubbub."""
    path = db_path(run_dir)
    if not path.is_file():
        raise DataError(f"{path}: no run record here (run.sqlite is missing)")
    try:
        conn, version = _connect_readonly(path)
    except sqlite3.Error as exc:
        raise DataError(f"{path}: cannot read the run record ({exc}); the file is damaged or not SQLite") from exc
    if version == 0:
        conn.close()
        raise DataError(f"{path}: not a hubbub run record (no schema_migrations table)")
    schema.check_not_newer(version, path)
    return conn


def _connect_readonly(path: Path) -> tuple[sqlite3.Connection, int]:
    """Open read-only. A WAL file in a directory we cannot write to (an archived run) cannot get its
    shared-memory index; if no WAL content is waiting, reading it as immutable is then exact."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(uri + "?mode=ro", uri=True, check_same_thread=False)
    try:
        return conn, schema.current_version(conn)
    except sqlite3.OperationalError:
        conn.close()
        wal = path.with_name(path.name + "-wal")
        if os.access(path.parent, os.W_OK) or (wal.exists() and wal.stat().st_size > 0):
            raise
    conn = sqlite3.connect(uri + "?mode=ro&immutable=1", uri=True, check_same_thread=False)
    return conn, schema.current_version(conn)


class Run:
    """One recorded run. Tables load lazily on first access and are cached.

    Every table names the acting or owning agent ``agent_id`` (join any two on it), and every table
    with a simulated time in seconds has ``t_h`` (hours) and ``timestamp`` (calendar time from the
    scenario's ``run.start_time``) right after it; see :mod:`hubbub.store.frames`."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.name = self.path.name

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"

    def table(self, name: str) -> pd.DataFrame:
        """Any table of the record by name, tidied as the properties are (``agent_id``, ``t_h``,
        ``timestamp``; see :mod:`hubbub.store.frames`) and with typed columns."""
        return self._tidy(name, self._stored(name))

    def events_of(self, kind: str) -> pd.DataFrame:
        """The events of one kind with that kind's ``data`` fields as columns: seq, time, t_h,
        timestamp, kind, agent_id, then one column per field (``run.events_of("action")["page"]``).
        A kind the log does not hold gives an empty frame."""
        return frames.data_columns(self._tidy("events", self._stored("events", "WHERE kind = ?", (kind,))))

    def _tidy(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        return frames.tidy(name, frame, self._start)

    @cached_property
    def _start(self) -> pd.Timestamp | None:
        """Calendar time of simulated t=0, when the manifest names one."""
        try:
            manifest = self.manifest
        except DataError:  # a record without its manifest (a run stopped before writing it) still loads
            return None
        return frames.start_time(manifest)

    def _stored(self, name: str, where: str = "", params: tuple[Any, ...] = ()) -> pd.DataFrame:
        """A table as stored (storage column names), with typed columns."""
        if name not in schema.ALL_TABLES:
            raise DataError(f"unknown run table {name!r}; the tables are {list(schema.ALL_TABLES)}")
        conn = open_readonly(self.path)
        try:
            columns = schema.table_columns(conn, name)
            if not columns:
                raise DataError(f"{self.path / 'run.sqlite'}: the run record has no table {name!r}")
            frame = pd.read_sql_query(f"SELECT * FROM {name} {where} ORDER BY rowid", conn, params=params)
        finally:
            conn.close()
        return frames.typed(name, frame, columns)

    @cached_property
    def manifest(self) -> dict[str, Any]:
        """The run's manifest.json as a dict (see hubbub.store.manifest)."""
        return read_manifest(self.path)

    @cached_property
    def meta(self) -> dict[str, Any]:
        """Run-level facts stored with RunStore.set_meta, by key."""
        frame = self.table("meta")
        return {k: json.loads(v) for k, v in zip(frame["key"], frame["value"])}

    @cached_property
    def events(self) -> pd.DataFrame:
        """The event log, one row per committed event, in commit order.

        seq: commit order 0, 1, 2, ... (Int64)
        time: simulated time in seconds since the start (float)
        kind: event kind, e.g. post, comment, like, visit, llm_failure (str)
        agent_id: acting agent id, None for system events (str)
        data: the event's fields (dict); :meth:`events_of` gives one kind's fields as columns
        """
        return self.table("events")

    @cached_property
    def agents(self) -> pd.DataFrame:
        """The simulated population.

        agent_id: agent id as used in events (str)
        role: role such as user, attacker, official (str)
        grp: group or community label (str)
        then one column per persona attribute (description, emotion, policy, followers, ...; nested
        ones flattened: demographics_age); for TrendSim users emotion and confidence are the
        starting values
        profile: the whole persona and settings as recorded (dict)
        """
        return self.table("agents")

    @cached_property
    def topics(self) -> pd.DataFrame:
        """Topics (posts that open a thread).

        topic_id: topic id as used in events (str)
        title: headline (str)
        summary: short summary shown in feeds (str)
        content: full text (str)
        sentiment: labelled or assigned sentiment (str)
        lang: language code such as en or zh (str)
        data: other fields (dict)
        """
        return self.table("topics")

    @cached_property
    def comments(self) -> pd.DataFrame:
        """Comments on topics.

        comment_id: comment id (Int64)
        topic_id: topic commented on (str)
        agent_id: agent id of the author (str)
        text: comment text (str)
        created_at: simulated time the comment was written (float)
        visible_at: simulated time from which others can see it (float)
        is_attack: written by an attacker to poison the topic (boolean)
        hidden: hidden by moderation (boolean)
        hidden_reason: why it was hidden (str)
        seq: seq of the event that created it (Int64)
        """
        return self.table("comments")

    @cached_property
    def replies(self) -> pd.DataFrame:
        """Replies to comments.

        reply_id: reply id (Int64)
        comment_id: comment replied to (Int64)
        agent_id: agent id of the author (str)
        text: reply text (str)
        created_at: simulated time the reply was written (float)
        visible_at: simulated time from which others can see it (float)
        is_attack: written by an attacker (boolean)
        hidden: hidden by moderation (boolean)
        hidden_reason: why it was hidden (str)
        seq: seq of the event that created it (Int64)
        """
        return self.table("replies")

    @cached_property
    def likes(self) -> pd.DataFrame:
        """Likes on topics, comments or replies.

        like_id: like id (Int64)
        target_type: topic, comment or reply (str)
        target_id: id of the liked item, as text (str)
        agent_id: agent who liked (str)
        time: simulated time of the like (float)
        visible_at: simulated time from which others can see it (float)
        seq: seq of the event that created it (Int64)
        """
        return self.table("likes")

    @cached_property
    def reposts(self) -> pd.DataFrame:
        """Reposts of topics.

        repost_id: repost id (Int64)
        topic_id: topic reposted (str)
        agent_id: agent who reposted (str)
        time: simulated time of the repost (float)
        visible_at: simulated time from which others can see it (float)
        seq: seq of the event that created it (Int64)
        """
        return self.table("reposts")

    @cached_property
    def agent_states(self) -> pd.DataFrame:
        """Snapshots of agents' inner state, in recording order.

        agent_id: agent id (str)
        time: simulated time of the snapshot (float)
        seq: seq of the event that caused it (Int64)
        emotion: emotion score (float)
        confidence: confidence in the current opinion (float)
        opinion: attitude or opinion label (str)
        summary: the agent's own summary of its state (str)
        extra: other state fields (dict)
        """
        return self.table("agent_states")

    @cached_property
    def moderation(self) -> pd.DataFrame:
        """Moderation decisions, in recording order.

        comment_type: comment or reply (str)
        comment_id: id of the checked item (Int64)
        time: simulated time of the decision (float)
        flagged: flagged by the censor (boolean)
        seq: seq of the event that caused it (Int64)
        """
        return self.table("moderation")

    @cached_property
    def llm_calls(self) -> pd.DataFrame:
        """LLM call telemetry, in recording order (the record does not say which agent a call was for).

        call_id: call number (Int64)
        key: content address of the request (str)
        type: choose or generate (str)
        kind: what the call was for (str)
        backend: backend name (str)
        model: model name (str)
        prompt_tokens: prompt tokens, <NA> if unknown (Int64)
        completion_tokens: completion tokens, <NA> if unknown (Int64)
        cached_tokens: prompt tokens served from the server's prefix cache (Int64)
        latency_s: wall-clock seconds the call took (float)
        attempts: tries including retries (Int64)
        cache_hit: answered from the reply cache (boolean)
        outcome: ok, or error:Name where Name is the error class (str)
        method: how the answer was obtained, e.g. logprobs or grammar (str)
        error: error message of a failed call (str)
        wall_time: Unix time the call was recorded (float)
        request: the request (dict)
        reply: the reply, None for failed calls (dict)
        """
        return self.table("llm_calls")

    @cached_property
    def surveys(self) -> pd.DataFrame:
        """Survey answers, one row per respondent and item: survey, at_h, agent_id, group, item, kind,
        question, answer, answer_index, score, expected_score, method, post_run, then p_1, p_2, ... (each
        option's probability); the columns are explained in :func:`hubbub.store.surveys.survey_frame`."""
        from hubbub.store.surveys import answer_rows, survey_frame

        conn = open_readonly(self.path)
        try:
            return survey_frame(answer_rows(conn))
        finally:
            conn.close()

    @cached_property
    def s3_posts(self) -> pd.DataFrame:
        """S3 posts on the follow graph, in publication order.

        post_id: post id 0, 1, 2, ... (Int64)
        agent_id: agent id of the author, 'platform' for the trending hub's topic (str)
        kind: seed, post (new content), repost or hub (str)
        parent_id: the post this one reposts, <NA> for originals (Int64)
        root_id: the original post of its repost chain, itself for originals (Int64)
        text: the text; a repost carries the original's text (str)
        step: round in which it was published (Int64)
        time: simulated time of publication in seconds (float)
        emotion: the author's emotion level when posting (str)
        attitude: the author's attitude when posting (str)
        policy: who decided to post: llm, rule, seed or platform (str)
        seq: seq of the event that recorded it (Int64)
        """
        return self.table("s3_posts")

    @cached_property
    def s3_awareness(self) -> pd.DataFrame:
        """When and through which channel each user first heard of the event.

        agent_id: agent id (str)
        step: round in which the user became aware (Int64)
        time: simulated time in seconds (float)
        channel: seed, followee, mutual, recommended or hub (str)
        post_id: the post that reached the user first (Int64)
        via_agent_id: agent id of that post's author, 'platform' for the hub (str)
        seq: seq of the event that recorded it (Int64)
        """
        return self.table("s3_awareness")

    @cached_property
    def s3_steps(self) -> pd.DataFrame:
        """Population curves of an S3 run, one row per round.

        step: round number, 0 = the seed posts (Int64)
        time: simulated time in seconds (float)
        users: population size (Int64)
        aware: users aware of the event so far (Int64)
        new_aware: users who became aware in this round (Int64)
        calm: share of aware users whose emotion is calm (float)
        moderate: share of aware users whose emotion is moderate (float)
        intense: share of aware users whose emotion is intense (float)
        mean_intensity: mean emotion intensity of aware users, calm 0 / moderate 0.5 / intense 1 (float)
        mean_intensity_all: mean emotion intensity of all users (float)
        positive_share: share of all users with a positive attitude (float)
        positive_share_aware: share of aware users with a positive attitude (float)
        posts: new posts published in this round, seed posts included (Int64)
        reposts: reposts published in this round (Int64)
        deliveries: follow-edge deliveries in this round (Int64)
        recommended: recommended deliveries in this round (Int64)
        llm_asked: LLM users asked for a decision in this round (Int64)
        llm_failures: LLM calls that failed in this round (Int64)
        seq: seq of the event that recorded it (Int64)
        """
        return self.table("s3_steps")

    @cached_property
    def s3_user_states(self) -> pd.DataFrame:
        """Per-user state after each round (LLM users unless the scenario records everyone).

        agent_id: agent id (str)
        step: round number (Int64)
        time: simulated time in seconds (float)
        policy: llm or rule (str)
        emotion: calm, moderate or intense (str)
        attitude: negative or positive (str)
        aware: the user knows of the event (boolean)
        action: what the user did this round: repost, post, none or failed (str)
        seq: seq of the event that recorded it (Int64)
        """
        return self.table("s3_user_states")

