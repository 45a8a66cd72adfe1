"""The cheaper per-step paths of large S3 runs give what the plain ones give: draws read at a few
positions, the hashing embedder's vectorised sums, authors registered at once, prompts built once, the
voter model and its adopters on one transpose of the exposure graph."""

from __future__ import annotations

import math
import zlib
from collections import Counter
from types import SimpleNamespace

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

    # a recommendation window longer than the run: every post stays in memory to compare with its row
    sim = Simulation(tiny({"s3.record.user_states": "all", "s3.steps": 4, "s3.recommend.window_steps": 10}),
                     tmp_path / "run")
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


@pytest.mark.parametrize("n, edges, seed", [(1, 0, 0), (50, 0, 1), (50, 400, 2), (3000, 20_000, 3), (3000, 40, 4)])
def test_voter_and_adopters_on_one_transpose_draw_what_the_plain_model_draws(n: int, edges: int, seed: int) -> None:
    from scipy import sparse

    from hubbub.dynamics import make_model
    from hubbub.dynamics.base import State
    from hubbub.runtime.s3 import rules

    rng = np.random.default_rng(seed)
    senders, receivers = rng.integers(0, n, edges), rng.integers(0, n, edges)
    adj = sparse.coo_array((rng.random(edges) + 0.01, (senders, receivers)), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    attitude, is_rule = rng.integers(0, 2, n).astype(np.int8), rng.random(n) < 0.8
    cfg = SimpleNamespace(attitude_adopt=0.4)
    plain_rng, fast_rng = np.random.default_rng(seed + 10), np.random.default_rng(seed + 10)
    voted = make_model("voter").step(State(attitude.copy()), adj, plain_rng).values  # the transpose built twice:
    exposed = np.diff(adj.tocsc().indptr) > 0  # once by the model, once for the receivers
    plain = np.where(exposed & is_rule & (plain_rng.random(n) < 0.4), voted, attitude).astype(np.int8)
    np.testing.assert_array_equal(rules._voter(cfg, adj, attitude, is_rule, {}, fast_rng), plain)
    assert fast_rng.random(3).tolist() == plain_rng.random(3).tolist()
    transposed = sparse.csr_matrix(adj.T)
    fast = rules.inbound(adj)
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(transposed, name))


@pytest.mark.parametrize("size, n, posts, seed", [(0, 5, 1, 0), (1, 5, 1, 1), (500, 40, 30, 2), (20_000, 3000, 900, 3)])
def test_receivers_sorted_by_one_key_and_their_ranks_are_the_lexsort_ones(size: int, n: int, posts: int, seed: int) -> None:
    from hubbub.runtime.s3.rules import by_receiver, ranks

    rng = np.random.default_rng(seed)
    receiver, post = rng.integers(0, n, size), rng.integers(0, posts, size)  # repeated pairs included
    order = np.lexsort((post, receiver))
    got_receiver, got_post = by_receiver(receiver, post, n)
    np.testing.assert_array_equal(got_receiver, receiver[order])
    np.testing.assert_array_equal(got_post, post[order])
    plain = np.arange(size) - np.searchsorted(receiver[order], receiver[order], side="left")
    np.testing.assert_array_equal(ranks(got_receiver), plain)


def test_per_message_emotion_is_what_the_two_key_sort_gave(monkeypatch: pytest.MonkeyPatch) -> None:
    from hubbub.platform.feed.exposure import Exposures
    from hubbub.runtime.s3 import rules

    rng = np.random.default_rng(7)
    n, size = 4000, 30_000
    feed = SimpleNamespace(at=lambda name, ids: (np.asarray(ids) * 7 % 4).astype(np.int8))
    ex = Exposures(rng.integers(0, 5000, size), rng.integers(0, n, size), np.zeros(size, np.int8)).dedupe()
    level, is_rule = rng.integers(0, 4, n).astype(np.int8), rng.random(n) < 0.9
    cfg = SimpleNamespace(emotion_contagion=0.5)
    fast = rules._emotion_each(cfg, ex, feed, level, is_rule, 0.2, 3, np.random.default_rng(1))

    def lexsorted(receiver: np.ndarray, post: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        order = np.lexsort((post, receiver))
        return receiver[order], post[order]

    monkeypatch.setattr(rules, "by_receiver", lexsorted)
    monkeypatch.setattr(rules, "ranks", lambda r: np.arange(r.size) - np.searchsorted(r, r, side="left"))
    np.testing.assert_array_equal(fast, rules._emotion_each(cfg, ex, feed, level, is_rule, 0.2, 3, np.random.default_rng(1)))
    assert (fast != level).any()


@pytest.mark.parametrize("model_name", ["independent_cascade", "linear_threshold", "sir"])
def test_a_rule_model_steps_the_same_on_kept_read_only_inputs(model_name: str) -> None:
    from scipy import sparse

    from hubbub.dynamics.base import State
    from hubbub.runtime.s3 import rules

    n, rng = 3000, np.random.default_rng(11)
    adj = sparse.random(n, n, density=0.004, format="csr", random_state=3, data_rvs=lambda k: np.full(k, 0.3))
    cfg = SimpleNamespace(model=model_name, p=0.2, beta=0.3, gamma=0.2)
    model = rules.make_rule_model(cfg)
    aux = rules.initial_rule_state(model, n, np.random.default_rng(2)).aux
    values = rng.integers(0, 3, n).astype(np.int8)
    plain = model.step(State(values, 4, np.full(n, -1, np.int64), np.full(n, -1, np.int32),
                             {k: v.copy() for k, v in aux.items()}), adj, np.random.default_rng(5))
    kept = model.step(State(values, 4, rules.unset(n, "int64"), rules.unset(n, "int32"),
                            {k: rules.read_only(v) for k, v in aux.items()}), adj, np.random.default_rng(5))
    for name in ("values", "parent", "time"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(plain, name))
    assert kept.aux.keys() == plain.aux.keys() and all(np.array_equal(kept.aux[k], plain.aux[k]) for k in aux)
    assert (rules.unset(n, "int64") == -1).all() and not rules.unset(n, "int32").flags.writeable


@pytest.mark.parametrize("n, seed", [(1, 0), (7, 1), (100_000, 2), (3_000_001, 3)])
def test_mean_intensity_from_counts_is_bit_identical_to_the_mean_of_the_floats(n: int, seed: int) -> None:
    from hubbub.agents.affect import EMOTION_INTENSITY
    from hubbub.runtime.s3.record import mean_intensity

    emotion = np.random.default_rng(seed).integers(0, 3, n).astype(np.int8)
    plain = float(np.asarray(EMOTION_INTENSITY)[emotion].mean())
    assert mean_intensity(emotion).hex() == plain.hex()


@pytest.mark.parametrize("n, p", [(0, 0.5), (1, 0.5), (65_535, 0.2), (65_536, 0.2), (65_537, 1.0), (300_001, 0.0),
                                  (300_001, 0.37)])
def test_uniform_draws_in_chunks_are_the_full_draw_and_leave_the_generator_where_it_leaves_it(n: int, p: float) -> None:
    from hubbub.runtime.s3.rules import below

    plain, chunked = np.random.default_rng(n), np.random.default_rng(n)
    for rng in (plain, chunked):
        rng.integers(0, 10, size=1)  # a buffered 32-bit half must survive too
    np.testing.assert_array_equal(below(chunked, n, p), plain.random(n) < p)
    assert chunked.bit_generator.state == plain.bit_generator.state


def test_activation_values_and_adopters_are_the_plain_ones() -> None:
    from scipy import sparse

    from hubbub.runtime.s3 import rules

    rng, n = np.random.default_rng(4), 5000
    acted, sender = rng.random(n) < 0.3, rng.integers(0, n, 800)
    plain = np.where(acted, rules.SPENT, rules.INACTIVE).astype(np.int8)
    plain[np.unique(sender)] = rules.FRESH
    got = rules._activation_values(acted, sender)
    assert got.dtype == np.int8 and np.array_equal(got, plain) and np.unique(sender).size < sender.size
    compartment = rng.integers(0, 3, n).astype(np.int8)
    plain_sir = compartment.copy()
    plain_sir[np.unique(sender)] = rules.INFECTIOUS
    assert np.array_equal(rules._sir_values({"compartment": compartment}, sender), plain_sir)
    adj = sparse.coo_array((np.ones(800), (sender, rng.integers(0, n, 800))), shape=(n, n)).tocsr()
    is_rule, cfg = rng.random(n) < 0.9, SimpleNamespace(attitude_adopt=0.3)
    expected = (np.diff(adj.tocsc().indptr) > 0) & is_rule & (np.random.default_rng(9).random(n) < 0.3)
    np.testing.assert_array_equal(rules._adopters(cfg, adj, is_rule, np.random.default_rng(9)), expected)


def _lexsorted_dedupe(ex):  # the dedupe as first written: a three-key lexsort
    from hubbub.platform.feed.exposure import PRIORITY, Exposures

    order = np.lexsort((PRIORITY[ex.source], ex.post, ex.receiver))
    r, p = ex.receiver[order], ex.post[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (p[1:] != p[:-1])
    keep = order[first]
    return Exposures(ex.post[keep], ex.receiver[keep], ex.source[keep])


@pytest.mark.parametrize("size, users, posts, seed", [(1, 3, 2, 0), (400, 30, 20, 1), (50_000, 8000, 3000, 2),
                                                      (2000, 2**40, 2**30, 3)])
def test_exposures_deduped_and_first_reached_from_one_key_are_the_lexsort_ones(size: int, users: int, posts: int,
                                                                             seed: int) -> None:
    from hubbub.platform.feed.exposure import PRIORITY, Exposures, first_exposures, sorted_triples

    rng = np.random.default_rng(seed)
    ex = Exposures(rng.integers(0, posts, size), rng.integers(0, users, size), rng.integers(0, 4, size).astype(np.int8))
    fast, plain = ex.dedupe(), _lexsorted_dedupe(ex)
    for name in ("post", "receiver", "source"):
        assert getattr(fast, name).dtype == getattr(plain, name).dtype
        np.testing.assert_array_equal(getattr(fast, name), getattr(plain, name))
    if users <= 10_000:  # first exposures read an awareness flag per user
        aware = rng.random(users) < 0.3
        r, p, s = ex.receiver[~aware[ex.receiver]], ex.post[~aware[ex.receiver]], ex.source[~aware[ex.receiver]]
        order = np.lexsort((p, PRIORITY[s], r))
        r, p, s = r[order], p[order], s[order]
        first = np.concatenate(([True], r[1:] != r[:-1])) if r.size else np.zeros(0, bool)
        for got, want in zip(first_exposures(ex, aware), (r[first], p[first], s[first])):
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got, want)
    assert (sorted_triples(ex.receiver, ex.post, PRIORITY[ex.source]) is None) == (users * posts * 4 >= 2**62)
