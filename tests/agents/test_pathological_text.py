"""Pathological text through every text path: processed in linear time or refused with one line.

Each input below is ~120 000 characters of one shape (no separators, many separators, long runs of
one character, many '@' or '.', deep brackets, zero-width and combining characters). The old
anonymiser took minutes on several of them (a regular expression rescanned the rest of the text from
every position); a linear path handles each in well under a second, so a 10-second timeout per test
separates the two with a wide margin on a slow machine. Inputs over a documented limit
(:mod:`hubbub.textfiles`) must be refused by every reader with one line naming the file, the record
and the limit, before any other work on the text.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from hubbub.agents.anonymise import scrub
from hubbub.agents.demographics import InferReport, read_users
from hubbub.agents.memory import MemoryItem, MemoryPool, count_tokens, render_memory
from hubbub.agents.persona import load_personas, load_user_posts
from hubbub.cli import app
from hubbub.errors import ConfigError, DataError
from hubbub.llm.embeddings import EMBED_CHARS, make_embedder
from hubbub.platform.topic import load_topics
from hubbub.report.html import script_json
from hubbub.report.html_parts import clean_text
from hubbub.platform.actions import feed_actions
from hubbub.agents.feed.prompts import behaviour_request, cut_tokens, fit_prompt, persona_block, prompt_tokens
from hubbub.textfiles import BIO_CHARS, LIMITS, POST_CHARS, TOPIC_TEXT_CHARS, check_length, read_utf8

FEED_OPTIONS = tuple(a.option("en", "feed") for a in feed_actions())

N = 120_000
SHAPES = {
    "letters": "a", "cjk": "中", "spaces": " ", "newlines": "\n", "at": "@", "word_at": "a@", "dots": ".",
    "word_dot": "a.", "repost_marks": "//@", "repost_names": "//@a ", "slashes": "//", "digits_spaced": "1 ",
    "phone_parts": "(12)", "urls": "http://", "www": "www.", "email_like": "a@b.", "dashes": "-",
    "open_brackets": "([{", "zero_width": "\u200b\u200d\ufeff", "combining": "e\u0301\u0308", "mixed": "ab@c.d//@ 1-2 中",
}
PATHOLOGICAL = {name: unit * (N // len(unit)) for name, unit in SHAPES.items()}
PATHOLOGICAL["nested_brackets"] = "(" * (N // 2) + ")" * (N // 2)
PATHOLOGICAL["email_then_run"] = "x@" + "a" * N


def _one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message, message
    return message


# ---------------------------------------------------------------------------------------- every path


@pytest.mark.timeout(10)
def test_anonymisation_is_linear_on_every_shape():
    for name, text in PATHOLOGICAL.items():
        for keep in (False, True):
            assert scrub(text + " mail bob@example.com", keep_reposts=keep).endswith(" mail [email]"), name


@pytest.mark.timeout(10)
@pytest.mark.parametrize("unit", ["a", " ", "a."])
def test_anonymisation_of_megabytes(unit):
    """The shapes that hung for hours (a run of word characters or spaces with no '@')."""
    text = unit * (2_000_000 // len(unit))
    assert scrub(text + " bob@example.com") == text + " [email]"


def test_anonymisation_still_finds_what_it_should_after_long_runs():
    run = "a" * 50_000
    assert scrub(f"{run} mail bob@example.com now").endswith("mail [email] now")
    assert scrub(f"{' ' * 50_000}mine //@x: theirs") == "mine [repost]"
    assert scrub("x@" + run).startswith("x")  # no domain with a dot: not an e-mail address
    assert scrub("ann@ex.com-bob@ex.org and a@b@c.de") == "[email][email] and a@[email]"  # as before


@pytest.mark.timeout(10)
def test_token_estimates_and_cutting_are_linear():
    for name, text in PATHOLOGICAL.items():
        tokens = count_tokens(text)
        assert tokens >= len(text) // 4, name
        cut = cut_tokens(text, 300)
        assert count_tokens(cut) <= 300 and cut.endswith("…"), name
    assert count_tokens(cut_tokens("中" * 2_000_000, 1000)) <= 1000


def _builder(persona: str):
    state = "Your emotion: calm."
    return lambda memory, posts: behaviour_request("en", persona, "an event", state, memory, posts, 1, 1.0,
                                                   FEED_OPTIONS)


@pytest.mark.timeout(10)
def test_prompt_fitting_keeps_every_prompt_in_budget():
    pool = MemoryPool(capacity=500)
    pool.add([MemoryItem.of(f"m{i}", f"remembered post {i} " * 20, float(i), "followee", f"u{i}") for i in range(400)], 500.0)
    select = lambda room: pool.select(500.0, None, room, 6)  # noqa: E731
    render = lambda items: render_memory(items, "en") if items else ""  # noqa: E731
    persona = persona_block("en", "A calm reader.", None)
    for name, text in PATHOLOGICAL.items():
        request, items, shown = fit_prompt(_builder(persona), select, render, [text, "short post"] * 3, 2000, 1500)
        assert prompt_tokens(request) <= 2000, name
        assert shown and text.startswith(shown[0].removesuffix("…")), name


def test_prompt_fitting_keeps_the_most_that_fit():
    """Fitting by binary search keeps exactly what dropping one post or memory item at a time kept."""
    pool = MemoryPool(capacity=300)
    pool.add([MemoryItem.of(f"m{i}", f"memory {i} " * 15, float(i), "own", "me") for i in range(300)], 300.0)
    build = _builder(persona_block("en", "A reader.", None))
    render = lambda items: render_memory(items, "en") if items else ""  # noqa: E731
    select = lambda room: pool.select(300.0, None, room, 0)  # noqa: E731  (no overhead: rendering overflows)
    posts = [f"post {i} " * 60 for i in range(12)]
    request, _, shown = fit_prompt(build, select, render, posts, 1000, 10_000)
    assert prompt_tokens(request) <= 1000 and shown == posts[:len(shown)]
    assert 0 < len(shown) < len(posts) and prompt_tokens(build("", posts[:len(shown) + 1])) > 1000
    request, items, shown = fit_prompt(build, select, render, posts, 2000, 10_000)
    chosen = select(2000 - prompt_tokens(build("", shown)))
    assert prompt_tokens(request) <= 2000 and items == chosen[:len(items)] and 0 < len(items) < len(chosen)
    assert prompt_tokens(build(render(chosen[:len(items) + 1]), shown)) > 2000  # one more would not fit


@pytest.mark.timeout(10)
def test_memory_scoring_with_pathological_items():
    pool = MemoryPool(capacity=8)
    rng = np.random.default_rng(0)
    items = []
    for i, (name, text) in enumerate(PATHOLOGICAL.items()):
        vector = rng.normal(size=16).astype(np.float32)
        items.append(MemoryItem.of(name, text, float(i), "recommended", "u1", vector / np.linalg.norm(vector)))
    evicted = pool.add(items, now=float(len(items)), profile_vec=items[0].vector)
    assert len(pool) == 8 and len(evicted) == len(items) - 8
    chosen = pool.select(float(len(items)), items[0].vector, token_budget=10 ** 9)
    assert len(render_memory(chosen, "en")) > 0 and len(chosen) == 8


@pytest.mark.timeout(10)
def test_hashing_embedder_with_pathological_texts():
    embedder = make_embedder("hashing")
    texts = list(PATHOLOGICAL.values()) + ["a" * 5_000_000]
    vectors = embedder.encode(texts)
    assert vectors.shape == (len(texts), embedder.dim)
    norms = np.linalg.norm(vectors, axis=1)
    assert np.all((np.abs(norms - 1) < 1e-4) | (norms == 0))
    assert np.allclose(embedder.encode(["b" * EMBED_CHARS + "x" * 10_000]), embedder.encode(["b" * EMBED_CHARS]))


@pytest.mark.timeout(10)
def test_report_text_cleaning_and_script_escaping():
    for name, text in PATHOLOGICAL.items():
        shown = clean_text(text + "</script><!--\u2028", 1200)
        assert len(shown) <= 1200, name
        escaped = script_json({"text": text + "</script>"})
        assert "</script" not in escaped and json.loads(escaped)["text"].endswith("</script>"), name


# ---------------------------------------------------------------------------------------- the limits


def test_limits_are_listed_in_one_place():
    assert LIMITS["topic summary or content"] == TOPIC_TEXT_CHARS and LIMITS["post or comment"] == POST_CHARS
    assert check_length("ok", 2, "here", "x") == "ok"
    with pytest.raises(ConfigError, match=r"^flag: the question has 3 characters; allowed: at most 2 characters$"):
        check_length("abc", 2, "flag", "the question", ConfigError)


def test_a_data_file_over_its_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(DataError) as exc:
        read_utf8(path, "persona file", limit=1000)
    assert _one_line(exc) == f"{path}: persona file is 2,000 bytes; allowed: at most 1,000 bytes"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("field, size, limit", [("content", 10_000_000, "200,000"), ("summary", 200_001, "200,000"),
                                                ("title", 1_001, "1,000")])
def test_topic_text_over_the_limit_is_refused(tmp_path, field, size, limit):
    record = {"topic_id": "t1", "title": "T", "summary": "S", "content": "C", "sentiment": "neutral"}
    record[field] = "a" * size
    path = tmp_path / "topics.json"
    path.write_text(json.dumps([{"topic_id": "t0", "title": "ok", "summary": "s", "content": "c",
                                 "sentiment": "neutral"}, record]), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_topics(path, clean=scrub)
    message = _one_line(exc)
    assert str(path) in message and "topic #2" in message and f"field {field!r}" in message
    assert f"{size:,} characters; allowed: at most {limit} characters" in message


def test_topic_text_at_the_limit_is_processed(tmp_path):
    path = tmp_path / "topics.jsonl"
    path.write_text(json.dumps({"topic_id": "t1", "title": "T", "summary": "S", "content": "a" * TOPIC_TEXT_CHARS,
                                "sentiment": "neutral"}) + "\n", encoding="utf-8")
    assert len(load_topics(path, clean=scrub)[0].content) == TOPIC_TEXT_CHARS


@pytest.mark.timeout(10)
def test_persona_bio_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "personas.jsonl"
    lines = [{"id": "a", "description": "fine"}, {"id": "b", "description": "b" * 300_000}]
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_personas(path, "en")
    message = _one_line(exc)
    assert str(path) in message and "line 2" in message and "column 'description'" in message
    assert f"allowed: at most {BIO_CHARS:,} characters" in message
    path.write_text(json.dumps({"id": "c", "description": "d" * BIO_CHARS, "note": "n" * (BIO_CHARS + 1)}), encoding="utf-8")
    with pytest.raises(DataError, match="line 1: column 'note' has 20,001 characters"):
        load_personas(path, "en")


def test_a_post_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "posts.csv"
    path.write_text("user_id,text\nu1,hello\nu1," + "p" * (POST_CHARS + 1) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_user_posts(path)
    assert _one_line(exc) == (f"{path}: line 3: column 'text' has {POST_CHARS + 1:,} characters; "
                              f"allowed: at most {POST_CHARS:,} characters")


@pytest.mark.parametrize("record, what", [({"id": "u1", "description": "d" * 300_000}, "column 'description'"),
                                          ({"id": "u1", "posts": ["ok", "p" * (POST_CHARS + 1)]}, "column 'posts'")])
def test_s3_users_file_text_over_the_limit_is_refused(tmp_path, record, what):
    path = tmp_path / "users.jsonl"
    path.write_text(json.dumps({"id": "u0", "description": "fine"}) + "\n" + json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        read_users(path, InferReport(str(path), ""))
    assert _one_line(exc).startswith(f"{path}:2: {what} has ")


# ---------------------------------------------------------------------------------------- the CLI

BASE = Path(__file__).parents[1] / "bad_inputs" / "_base_trendsim.toml"


def _run(args: list[str]) -> SimpleNamespace:
    result = CliRunner().invoke(app, args, env={"COLUMNS": "80"})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return SimpleNamespace(code=result.exit_code, stderr=result.stderr)


@pytest.mark.timeout(30)
def test_cli_refuses_a_10_mb_topic_text_within_seconds(tmp_path):
    topic = tmp_path / "topics.jsonl"
    topic.write_text(json.dumps({"id": "t1", "title": "A title", "summary": "s", "content": "a" * 10_000_000,
                                 "sentiment": "neutral"}) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    done = _run(["run", str(BASE), "--out", str(out), "--quiet", "--set", f'trendsim.topic="{topic}#t1"'])
    assert done.code == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error:")
    assert "topics.jsonl: line 1: field 'content' has 10,000,000 characters; allowed: at most 200,000" in done.stderr
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.timeout(30)
def test_cli_refuses_a_300_kb_bio_within_seconds(tmp_path):
    personas = tmp_path / "personas.jsonl"
    rows = [{"id": "a", "description": "A quiet reader."}, {"id": "b", "description": "x" * 300_000}]
    personas.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    done = _run(["run", str(BASE), "--out", str(out), "--quiet", "--set", f'trendsim.population.source="{personas}"'])
    assert done.code == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "personas.jsonl: line 2: column 'description' has 300,000 characters; allowed: at most 20,000" in done.stderr
    assert not out.exists() or not any(out.iterdir())


def test_cli_refuses_an_oversize_interview_question(tmp_path):
    done = _run(["interview", str(tmp_path / "no-run"), "q" * 2_001])
    assert done.code == 2
    assert done.stderr == ("error: hubbub interview QUESTION: the question has 2,001 characters; "
                           "allowed: at most 2,000 characters\n")
