"""The cheaper per-step paths of large S3 runs give what the plain ones give: draws read at a few
positions, the hashing embedder's vectorised sums, authors registered at once, prompts built once."""

from __future__ import annotations

import math
import zlib
from collections import Counter

import numpy as np
import pytest

from hubbub.agents.feed import prompts
from hubbub.llm.embeddings import GRAMS_KEPT, HashingEmbedder, char_ngrams, normalise_rows
from hubbub.platform.content import ContentStore
from hubbub.runtime.s3.rules import SPARSE_DRAWS, draws_at


@pytest.mark.parametrize("n, k, jumps", [(10, 0, True), (10, 10, False), (5000, 3, True), (100_000, 40, True),
                                         (100_000, 5000, False)])
def test_draws_at_reads_the_full_draw_and_leaves_the_generator_where_it_leaves_it(n: int, k: int, jumps: bool) -> None:
    at = np.sort(np.random.default_rng(n).choice(n, size=k, replace=False))
    plain, jumped = np.random.default_rng(k), np.random.default_rng(k)
    np.testing.assert_array_equal(draws_at(jumped, n, at), plain.random(n)[at])
    assert jumped.random(3).tolist() == plain.random(3).tolist()
    assert (k * SPARSE_DRAWS <= n) == jumps  # both paths are covered


def test_draws_at_keeps_a_buffered_32_bit_half_for_the_next_small_integer() -> None:
    plain, jumped = np.random.default_rng(3), np.random.default_rng(3)
    for rng in (plain, jumped):
        rng.integers(0, 10, size=1)  # small integers are drawn 32 bits at a time: half a draw is kept
    at = np.array([5, 700])
    np.testing.assert_array_equal(draws_at(jumped, 100_000, at), plain.random(100_000)[at])
    assert jumped.integers(0, 10, size=5).tolist() == plain.integers(0, 10, size=5).tolist()
    assert jumped.bit_generator.state == plain.bit_generator.state


def _reference_vector(text: str, dim: int) -> np.ndarray:
    """The hashing embedder as first written: one float32 addition per distinct n-gram, in order."""
    row = np.zeros(dim, dtype=np.float32)
    for gram, count in Counter(char_ngrams(text)).items():
        digest = zlib.crc32(gram.encode("utf-8"))
        row[digest % dim] += (1.0 if digest & 0x80000000 else -1.0) * (1.0 + math.log(count))
    return row


def test_hashing_vectors_are_bit_identical_to_the_per_ngram_sums() -> None:
    texts = ["", "  !! ", "The cat sat on the mat, the cat sat.", "今天天气很好 今天天气很好 weather",
             "aaaa aaaa aaaa aaaa", "Mixed 汉字 and words " * 30]
    embedder = HashingEmbedder(dim=16)  # a small dim: many n-grams share a slot
    expected = normalise_rows(np.stack([_reference_vector(t, 16) for t in texts]))
    for _ in range(2):  # the second pass reads the remembered digests
        assert embedder.encode(texts).tobytes() == expected.tobytes()


def test_hashing_embedder_forgets_its_digests_at_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    import hubbub.llm.embeddings as embeddings

    monkeypatch.setattr(embeddings, "GRAMS_KEPT", 5)
    embedder = HashingEmbedder(dim=32)
    vector = embedder.encode(["a long text with many distinct character n-grams"])
    assert len(embedder._digests) <= 5 < GRAMS_KEPT
    assert vector.tobytes() == normalise_rows(_reference_vector("a long text with many distinct character n-grams",
                                                                32)[None]).tobytes()


def test_authors_registered_at_once_or_one_by_one_get_the_same_indices() -> None:
    store = ContentStore(["u0", "u1", "u2"])
    assert [store.author_index(a) for a in ("u2", "u0", "new")] == [2, 0, 3]
    assert store.authors == ["u0", "u1", "u2", "new"]
    repeated = ContentStore(["a", "b", "a", "c"])  # a repeated name keeps its first index
    assert repeated.authors == ["a", "b", "c"] and repeated.author_index("c") == 2


def test_fit_prompt_builds_each_distinct_prompt_once_and_returns_what_a_fresh_build_gives() -> None:
    calls: list[tuple[str, tuple[str, ...]]] = []

    def build(memory: str, posts: list[str]) -> prompts.GenerateRequest:
        calls.append((memory, tuple(posts)))
        return prompts.GenerateRequest("k", (("user", memory + "\n".join(posts)),), seed=1, max_tokens=8)

    items = [f"memory item {i} " * 4 for i in range(9)]
    received = [f"post {i} " * 20 for i in range(5)]
    request, kept, shown = prompts.fit_prompt(build, lambda room: items, "\n".join, received, 120, 60)
    assert len(calls) == len(set(calls)) and prompts.prompt_tokens(request) <= 120
    assert request == build("\n".join(kept), shown) and 0 < len(shown) < len(received)


def test_projection_rows_written_from_columns_hold_what_the_events_and_the_world_say(tmp_path) -> None:
    import json
    import sqlite3

    from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS
    from hubbub.platform.feed.posts import KINDS
    from hubbub.runtime.simulation import Simulation
    from s3_support import tiny

    sim = Simulation(tiny({"s3.record.user_states": "all", "s3.steps": 4}), tmp_path / "run")
    sim.run()
    world, posts = sim.world, sim.world.posts
    name = lambda i: world.ids[i] if i >= 0 else "platform"  # noqa: E731
    with sqlite3.connect(tmp_path / "run" / "run.sqlite") as conn:
        post_rows = conn.execute("SELECT post_id, author, kind, parent_id, root_id, text, step, emotion, attitude "
                                 "FROM s3_posts ORDER BY post_id").fetchall()
        aware_rows = conn.execute("SELECT agent, step, channel, post_id, via FROM s3_awareness ORDER BY rowid").fetchall()
        aware_events = [json.loads(d) for (d,) in conn.execute("SELECT data FROM events WHERE kind = 's3_aware' ORDER BY seq")]
        last = conn.execute("SELECT agent, policy, emotion, attitude, aware FROM s3_user_states WHERE step = 4 "
                            "ORDER BY rowid").fetchall()
    assert len(post_rows) == len(posts) > 0
    for pid, author, kind, parent, root, text, step, emotion, attitude in post_rows:
        a, p = int(posts.col("author")[pid]), int(posts.col("parent")[pid])
        assert (author, kind, parent, root, text, step) == (name(a), KINDS[posts.col("kind")[pid]], p if p >= 0 else None,
                                                           int(posts.col("root")[pid]), posts.texts[pid],
                                                           int(posts.col("step")[pid]))
        assert (emotion, attitude) == (EMOTION_LEVELS[posts.col("emotion")[pid]], ATTITUDES[posts.col("attitude")[pid]])
    expected = [(world.ids[u], e["step"], ch, p if p >= 0 else None, name(int(posts.col("author")[p])) if p >= 0 else None)
                for e in aware_events for u, p, ch in zip(e["users"], e["posts"], e["channels"])]
    assert aware_rows == expected and len(expected) == int(world.aware.sum())
    assert last == [(world.ids[i], "llm" if world.is_llm[i] else "rule", EMOTION_LEVELS[world.emotion[i]],
                     ATTITUDES[world.attitude[i]], int(world.aware[i])) for i in range(world.n)]
