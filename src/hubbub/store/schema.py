"""The run record's schema as an ordered list of migrations, and the generated schema reference.

A run file records which migrations it has in ``schema_migrations``. Opening an older file applies the
missing ones in order, each inside its own transaction, so a run written by an older hubbub can be
resumed and re-reported; a file from a newer hubbub is refused instead of being misread.

Every column carries a ``-- doc`` comment in the migration SQL. :func:`schema_markdown` turns the
migrations into ``docs/schema.md``, so the reference cannot drift from what the code creates.
Regenerate it with :func:`write_schema_doc` (see the header of docs/schema.md for the command).
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from hubbub.errors import DataError


@dataclass(frozen=True)
class Migration:
    """One step of the schema: applied once, in version order, inside one transaction."""

    version: int
    description: str
    sql: str


BOOKKEEPING_SQL = """
-- Which migrations this file has, one row each.
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,  -- migration number, 1, 2, ...
    description TEXT NOT NULL,    -- what the migration does
    applied_at TEXT NOT NULL      -- UTC wall-clock time it was applied (ISO 8601)
);
"""

_V1 = """
-- Run-level facts as key/value pairs (values are canonical JSON).
CREATE TABLE meta (
    key TEXT PRIMARY KEY,  -- name of the fact
    value TEXT             -- its value as canonical JSON
);

-- The append-only event log: every committed happening, in commit order. Everything else is a projection of it.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,  -- commit order: 0, 1, 2, ... without gaps
    time REAL NOT NULL,       -- simulated time in seconds since the start
    kind TEXT NOT NULL,       -- event kind (e.g. post, comment, like, visit, llm_failure)
    agent TEXT,               -- acting agent id, NULL for system events
    data TEXT NOT NULL        -- event fields as canonical JSON (sorted keys, compact, UTF-8)
);
CREATE INDEX events_kind ON events(kind);
CREATE INDEX events_agent ON events(agent);

-- The simulated population.
CREATE TABLE agents (
    agent_id TEXT PRIMARY KEY,  -- agent id as used in events
    role TEXT,                  -- role (e.g. user, attacker, official)
    grp TEXT,                   -- group or community label
    profile TEXT                -- persona and settings as canonical JSON
);

-- Topics (posts that open a thread) and their content.
CREATE TABLE topics (
    topic_id TEXT PRIMARY KEY,  -- topic id as used in events
    title TEXT,                 -- headline
    summary TEXT,               -- short summary shown in feeds
    content TEXT,               -- full text
    sentiment TEXT,             -- labelled or assigned sentiment
    lang TEXT,                  -- language code (en, zh, ...)
    data TEXT                   -- other fields as canonical JSON
);

-- Comments on topics.
CREATE TABLE comments (
    comment_id INTEGER PRIMARY KEY,  -- comment id
    topic_id TEXT,                   -- topic commented on
    author TEXT,                     -- agent id of the author
    text TEXT,                       -- comment text
    created_at REAL,                 -- simulated time the comment was written
    visible_at REAL,                 -- simulated time from which others can see it
    is_attack INTEGER,               -- 1 if written by an attacker to poison the topic
    hidden INTEGER DEFAULT 0,        -- 1 once moderation hid it
    hidden_reason TEXT,              -- why it was hidden
    seq INTEGER                      -- seq of the event that created it
);

-- Replies to comments.
CREATE TABLE replies (
    reply_id INTEGER PRIMARY KEY,  -- reply id
    comment_id INTEGER,            -- comment replied to
    author TEXT,                   -- agent id of the author
    text TEXT,                     -- reply text
    created_at REAL,               -- simulated time the reply was written
    visible_at REAL,               -- simulated time from which others can see it
    is_attack INTEGER,             -- 1 if written by an attacker
    hidden INTEGER DEFAULT 0,      -- 1 once moderation hid it
    hidden_reason TEXT,            -- why it was hidden
    seq INTEGER                    -- seq of the event that created it
);

-- Likes on topics, comments or replies.
CREATE TABLE likes (
    like_id INTEGER PRIMARY KEY,  -- like id
    target_type TEXT,             -- topic, comment or reply
    target_id TEXT,               -- id of the liked item (as text)
    agent TEXT,                   -- agent who liked
    time REAL,                    -- simulated time of the like
    visible_at REAL,              -- simulated time from which others can see it
    seq INTEGER                   -- seq of the event that created it
);

-- Reposts of topics.
CREATE TABLE reposts (
    repost_id INTEGER PRIMARY KEY,  -- repost id
    topic_id TEXT,                  -- topic reposted
    agent TEXT,                     -- agent who reposted
    time REAL,                      -- simulated time of the repost
    visible_at REAL,                -- simulated time from which others can see it
    seq INTEGER                     -- seq of the event that created it
);

-- Snapshots of an agent's inner state (emotion, attitude) after it changed.
CREATE TABLE agent_states (
    agent TEXT,        -- agent id
    time REAL,         -- simulated time of the snapshot
    seq INTEGER,       -- seq of the event that caused it
    emotion REAL,      -- emotion score
    confidence REAL,   -- confidence in the current opinion
    opinion TEXT,      -- attitude or opinion label
    summary TEXT,      -- the agent's own summary of its state
    extra TEXT         -- other state fields as canonical JSON
);
CREATE INDEX agent_states_agent_time ON agent_states(agent, time);

-- Moderation decisions on comments and replies.
CREATE TABLE moderation (
    comment_type TEXT,   -- comment or reply
    comment_id INTEGER,  -- id of the checked item
    time REAL,           -- simulated time of the decision
    flagged INTEGER,     -- 1 if the censor flagged it
    seq INTEGER          -- seq of the event that caused it
);

-- LLM call telemetry and the replies that make exact re-runs possible.
CREATE TABLE llm_calls (
    call_id INTEGER PRIMARY KEY,  -- call number in recording order
    key TEXT,                     -- content address of the request (request_key)
    type TEXT,                    -- choose or generate
    kind TEXT,                    -- what the call was for (request kind)
    backend TEXT,                 -- backend name
    model TEXT,                   -- model name
    prompt_tokens INTEGER,        -- prompt tokens, NULL if unknown
    completion_tokens INTEGER,    -- completion tokens, NULL if unknown
    cached_tokens INTEGER,        -- prompt tokens served from the server's prefix cache
    latency_s REAL,               -- wall-clock seconds the call took
    attempts INTEGER,             -- tries including retries
    cache_hit INTEGER,            -- 1 if answered from the reply cache
    outcome TEXT,                 -- ok; for choices also fallback, switched or miss (docs/PERFORMANCE.md); or error:Name where Name is the error class
    method TEXT,                  -- how the answer was obtained (logprobs, schema, scripted, generate)
    error TEXT,                   -- error message of a failed call
    wall_time REAL,               -- Unix time the call was recorded
    request TEXT,                 -- the request as canonical JSON
    reply TEXT                    -- the reply as canonical JSON, NULL for failed calls
);
CREATE INDEX llm_calls_key ON llm_calls(key);
"""

_V2 = """
CREATE INDEX comments_topic_visible ON comments(topic_id, visible_at);
CREATE INDEX replies_comment_visible ON replies(comment_id, visible_at);
CREATE INDEX likes_target ON likes(target_type, target_id);
CREATE INDEX reposts_topic ON reposts(topic_id);
CREATE INDEX moderation_item ON moderation(comment_type, comment_id);
"""

_V3 = """
-- S3 posts on the follow graph: seed posts, new posts and reposts, with the repost tree.
CREATE TABLE s3_posts (
    post_id INTEGER PRIMARY KEY,  -- post id, 0, 1, 2, ... in publication order
    author TEXT,                  -- agent id of the author ('platform' for the trending hub's topic)
    kind TEXT,                    -- seed, post (new content), repost, or hub (the trending topic)
    parent_id INTEGER,            -- the post this one reposts, NULL for originals
    root_id INTEGER,              -- the original post of its repost chain (itself for originals)
    text TEXT,                    -- the text (a repost carries the original's text)
    step INTEGER,                 -- round in which it was published (followers receive it at step + 1)
    time REAL,                    -- simulated time of publication in seconds
    emotion TEXT,                 -- the author's emotion level when posting (calm, moderate, intense)
    attitude TEXT,                -- the author's attitude when posting (negative, positive)
    policy TEXT,                  -- who decided to post: llm, rule, seed or platform
    seq INTEGER                   -- seq of the event that recorded it
);
CREATE INDEX s3_posts_root ON s3_posts(root_id);

-- When and through which channel each user first heard of the event (one row per aware user).
CREATE TABLE s3_awareness (
    agent TEXT PRIMARY KEY,  -- agent id
    step INTEGER,            -- round in which the user became aware
    time REAL,               -- simulated time in seconds
    channel TEXT,            -- seed (wrote a seed post), followee, mutual, recommended or hub
    post_id INTEGER,         -- the post that reached the user first (NULL if none)
    via TEXT,                -- agent id of that post's author ('platform' for the hub)
    seq INTEGER              -- seq of the event that recorded it
);

-- Population curves of an S3 run, one row per round.
CREATE TABLE s3_steps (
    step INTEGER PRIMARY KEY,  -- round number (0 = the seed posts)
    time REAL,                 -- simulated time in seconds
    users INTEGER,             -- population size
    aware INTEGER,             -- users aware of the event so far (cumulative)
    new_aware INTEGER,         -- users who became aware in this round
    calm REAL,                 -- share of aware users whose emotion is calm
    moderate REAL,             -- share of aware users whose emotion is moderate
    intense REAL,              -- share of aware users whose emotion is intense
    mean_intensity REAL,       -- mean emotion intensity of aware users (calm 0, moderate 0.5, intense 1)
    mean_intensity_all REAL,   -- mean emotion intensity of all users (unaware users are calm)
    positive_share REAL,       -- share of all users with a positive attitude
    positive_share_aware REAL, -- share of aware users with a positive attitude
    posts INTEGER,             -- new posts (original content, seed posts included) published in this round
    reposts INTEGER,           -- reposts published in this round
    deliveries INTEGER,        -- follow-edge deliveries in this round
    recommended INTEGER,       -- recommended deliveries in this round
    llm_asked INTEGER,         -- LLM users asked for a decision in this round
    llm_failures INTEGER,      -- LLM calls that failed in this round
    seq INTEGER                -- seq of the event that recorded it
);

-- Per-user state after each round (LLM users by default; see the scenario's s3.record.user_states).
CREATE TABLE s3_user_states (
    agent TEXT,     -- agent id
    step INTEGER,   -- round number
    time REAL,      -- simulated time in seconds
    policy TEXT,    -- llm or rule
    emotion TEXT,   -- calm, moderate or intense
    attitude TEXT,  -- negative or positive
    aware INTEGER,  -- 1 once the user knows of the event
    action TEXT,    -- what the user did this round: repost, post, none or failed
    seq INTEGER     -- seq of the event that recorded it
);
CREATE INDEX s3_user_states_agent_step ON s3_user_states(agent, step);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "event log, content, agent states, moderation and LLM call tables", _V1),
    Migration(2, "indexes for feed and hot-list projections (content by parent and visibility)", _V2),
    Migration(3, "S3 follow-graph tables: posts with the repost tree, first awareness, population curves, user states", _V3),
)

LATEST_VERSION = MIGRATIONS[-1].version
REGENERATE = "python -c \"from hubbub.store.schema import write_schema_doc; write_schema_doc('docs/schema.md')\""

DATA_TABLES: tuple[str, ...] = (
    "events", "agents", "topics", "comments", "replies", "likes",
    "reposts", "agent_states", "moderation", "llm_calls",
    "s3_posts", "s3_awareness", "s3_steps", "s3_user_states",
)
"""The tables a run's content lives in (everything but ``meta`` and ``schema_migrations``)."""

ALL_TABLES: tuple[str, ...] = DATA_TABLES + ("meta", "schema_migrations")

JSON_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": ("data",),
    "agents": ("profile",),
    "topics": ("data",),
    "agent_states": ("extra",),
    "llm_calls": ("request", "reply"),
}
"""Columns holding canonical JSON; readers parse them back into Python values."""

BOOL_COLUMNS: dict[str, tuple[str, ...]] = {
    "comments": ("is_attack", "hidden"),
    "replies": ("is_attack", "hidden"),
    "moderation": ("flagged",),
    "llm_calls": ("cache_hit",),
    "s3_user_states": ("aware",),
}
"""0/1 integer columns that readers present as booleans."""


def split_statements(sql: str) -> list[str]:
    """Split a script into complete statements (comments kept), so each runs inside our transaction;
    ``executescript`` would commit on its own."""
    statements, buffer = [], ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip() and not _only_comments(buffer):
        raise ValueError(f"incomplete SQL statement at the end of a migration: {buffer.strip()[:80]!r}")
    return statements


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


def current_version(conn: sqlite3.Connection) -> int:
    """The highest migration applied to ``conn``'s file; 0 for a file without the bookkeeping table."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    ).fetchone()
    if found is None:
        return 0
    return int(conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0])


def check_not_newer(version: int, path: Path | str) -> None:
    """Refuse a file written by a newer hubbub: reading it with an older schema would misread it."""
    if version > LATEST_VERSION:
        raise DataError(
            f"{path}: run record has schema version {version}, newer than this hubbub supports "
            f"(version {LATEST_VERSION}); upgrade hubbub to read it"
        )


def migrate(conn: sqlite3.Connection, path: Path | str, target: int | None = None) -> int:
    """Apply the missing migrations up to ``target`` (default: latest), one transaction each.

    ``conn`` must be in autocommit mode (``isolation_level=None``). Returns the version reached."""
    target = LATEST_VERSION if target is None else target
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        conn.execute("BEGIN IMMEDIATE")
        try:
            _apply_if_missing(conn, path, migration)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite may already have rolled back (a full disk); keep its error
                conn.execute("ROLLBACK")
            raise
    return current_version(conn)


def _apply_if_missing(conn: sqlite3.Connection, path: Path | str, migration: Migration) -> None:
    """Apply one migration unless present; the version is re-read inside the transaction so two
    processes opening the same old file cannot both apply it."""
    version = current_version(conn)
    check_not_newer(version, path)
    if version >= migration.version:
        return
    for statement in split_statements(BOOKKEEPING_SQL) + split_statements(migration.sql):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
        (migration.version, migration.description, datetime.now(timezone.utc).isoformat(timespec="seconds")),
    )


def table_columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """``(name, declared type)`` of each column of ``table``, in table order."""
    return [(row[1], row[2]) for row in conn.execute(f"PRAGMA table_info({table})")]


# --- the generated reference -------------------------------------------------------------------

_CREATE = re.compile(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.I)
_ADD = re.compile(r"ALTER TABLE (\w+) ADD COLUMN", re.I)
_COLUMN_LINE = re.compile(r"^\s*(?:ALTER TABLE \w+ ADD COLUMN\s+)?(\w+)\s+[A-Z]+\b.*?--\s*(.+?)\s*$", re.I)


def _scripts() -> list[str]:
    return [BOOKKEEPING_SQL] + [m.sql for m in MIGRATIONS]


def column_docs() -> dict[str, dict[str, str]]:
    """``{table: {column: doc}}`` from the ``-- doc`` comments in the migration SQL."""
    docs: dict[str, dict[str, str]] = {}
    for script in _scripts():
        for statement in split_statements(script):
            match = _CREATE.search(statement) or _ADD.search(statement)
            if match is None:
                continue
            table = docs.setdefault(match.group(1), {})
            for line in statement.splitlines():
                column = _COLUMN_LINE.match(line)
                if column and not line.lstrip().startswith("--"):
                    table[column.group(1)] = column.group(2)
    return docs


def table_docs() -> dict[str, str]:
    """``{table: doc}`` from the comment line right above each ``CREATE TABLE``."""
    docs: dict[str, str] = {}
    for script in _scripts():
        for statement in split_statements(script):
            match = _CREATE.search(statement)
            if match is None:
                continue
            comments = [line.strip()[2:].strip() for line in statement.splitlines() if line.strip().startswith("--")]
            docs[match.group(1)] = comments[0] if comments else ""
    return docs


def _latest_schema() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn, ":memory:")
    return conn


def schema_markdown() -> str:
    """The text of ``docs/schema.md``: every table, column, index and migration of the run record."""
    conn = _latest_schema()
    try:
        lines = _doc_header() + _doc_tables(conn) + _doc_migrations()
    finally:
        conn.close()
    return "\n".join(lines).rstrip() + "\n"


def _doc_header() -> list[str]:
    return [
        "# Run record schema",
        "",
        "<!-- Generated by hubbub.store.schema.schema_markdown(); do not edit. Regenerate with",
        f"     {REGENERATE}  -->",
        "",
        f"Each run writes `run.sqlite` (SQLite, WAL mode) next to `manifest.json`. Schema version: "
        f"**{LATEST_VERSION}**. JSON columns hold canonical JSON (sorted keys, compact, UTF-8). "
        "Load a run with `hubbub.store.load_run(run_dir)`.",
        "",
    ]


def _doc_tables(conn: sqlite3.Connection) -> list[str]:
    columns_doc, tables_doc = column_docs(), table_docs()
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY rowid")]
    lines: list[str] = []
    for table in names:
        lines += [f"## `{table}`", "", tables_doc.get(table, ""), "", "| column | type | meaning |", "|---|---|---|"]
        for name, decl in table_columns(conn, table):
            doc = columns_doc.get(table, {}).get(name)
            if not doc:
                raise ValueError(f"column {table}.{name} has no '-- doc' comment in the migration SQL")
            lines.append(f"| `{name}` | {decl} | {doc} |")
        lines += [""] + _doc_indexes(conn, table)
    return lines


def _doc_indexes(conn: sqlite3.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL ORDER BY name",
        (table,),
    ).fetchall()
    if not rows:
        return []
    parts = []
    for (name,) in rows:
        columns = ", ".join(r[2] for r in conn.execute(f"PRAGMA index_info({name})"))
        parts.append(f"`{name}` ({columns})")
    return ["Indexes: " + "; ".join(parts) + ".", ""]


def _doc_migrations() -> list[str]:
    lines = ["## Migrations", "", "| version | description |", "|---|---|"]
    lines += [f"| {m.version} | {m.description} |" for m in MIGRATIONS]
    return lines + [""]



def write_schema_doc(path: Path | str) -> None:
    """Write :func:`schema_markdown` to ``path`` (the checked-in copy is ``docs/schema.md``)."""
    Path(path).write_text(schema_markdown(), encoding="utf-8")
