"""The S3 memory pool: influence-factor scoring, the token budget and capacity eviction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hubbub.agents.memory import (
    SOURCES,
    Exponential,
    Linear,
    MemoryItem,
    MemoryPool,
    MemoryScorer,
    PowerLaw,
    count_tokens,
    make_forgetting,
    render_memory,
)
from hubbub.errors import ConfigError

HOUR = 3600.0


def item(item_id: str, time: float = 0.0, source: str = "followee", tokens: int = 10,
         vector: np.ndarray | None = None, text: str | None = None) -> MemoryItem:
    return MemoryItem(item_id, text or f"post {item_id}", time, source, "alice", tokens, vector)


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def ranked_ids(pool: MemoryPool, now: float, profile: np.ndarray | None = None) -> list[str]:
    return [it.item_id for it in pool.select(now, profile, token_budget=10**9)]


# --- token estimate


@pytest.mark.parametrize("text, tokens", [
    ("", 0), ("abcd", 1), ("abcde", 2), ("你好", 2), ("你好，世界", 5), ("核电 ok", 2 + 1),
])
def test_count_tokens_estimate(text: str, tokens: int) -> None:
    assert count_tokens(text) == tokens


def test_item_of_counts_tokens_from_text() -> None:
    assert MemoryItem.of("p1", "hello world!", 0, "own", "me").tokens == 3


# --- forgetting functions


@pytest.mark.parametrize("forgetting", [Exponential(HOUR), PowerLaw(1.0, HOUR), Linear(10 * HOUR)])
def test_forgetting_starts_at_one_and_decreases(forgetting) -> None:
    ages = np.array([0.0, HOUR, 5 * HOUR, 20 * HOUR])
    retention = forgetting(ages)
    assert retention[0] == pytest.approx(1.0)
    assert np.all(np.diff(retention) <= 0) and np.all(retention >= 0)


def test_forgetting_parameters_mean_what_they_say() -> None:
    assert Exponential(half_life=HOUR)(np.array([HOUR]))[0] == pytest.approx(0.5)
    assert PowerLaw(exponent=2.0, scale=HOUR)(np.array([HOUR]))[0] == pytest.approx(0.25)
    assert Linear(window=HOUR)(np.array([0.5 * HOUR, 2 * HOUR])).tolist() == pytest.approx([0.5, 0.0])


def test_make_forgetting_by_name_and_errors() -> None:
    assert make_forgetting("power", exponent=0.5) == PowerLaw(exponent=0.5)
    with pytest.raises(ConfigError, match="allowed: exponential, power, linear"):
        make_forgetting("cubic")
    with pytest.raises(ConfigError, match="half_life"):
        make_forgetting("exponential", half_life=0)
    with pytest.raises(ConfigError, match="unexpected keyword"):
        make_forgetting("linear", half_life=3)


def test_scorer_validates_settings() -> None:
    with pytest.raises(ConfigError, match="weights"):
        MemoryScorer(w_time=-1)
    with pytest.raises(ConfigError, match="weights"):
        MemoryScorer(w_time=0, w_relevance=0, w_source=0)
    with pytest.raises(ConfigError, match="lacks"):
        MemoryScorer(source_scores={"own": 1.0})
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        MemoryScorer(source_scores={"own": 2.0, "mutual": 1, "followee": 1, "recommended": 1})
    assert isinstance(MemoryScorer(forgetting="linear").forgetting, Linear)


def test_item_rejects_unknown_source() -> None:
    with pytest.raises(ValueError, match="allowed: own, mutual, followee, recommended"):
        item("x", source="stranger")


# --- the influence factors


def test_newer_beats_older_all_else_equal() -> None:
    pool = MemoryPool(10)
    pool.add([item("old", time=0), item("new", time=5 * HOUR), item("mid", time=2 * HOUR)], now=6 * HOUR)
    assert ranked_ids(pool, now=6 * HOUR) == ["new", "mid", "old"]


def test_source_authenticity_order_own_mutual_followee_recommended() -> None:
    pool = MemoryPool(10)
    pool.add([item(s, source=s) for s in reversed(SOURCES)], now=0)
    assert ranked_ids(pool, now=HOUR) == ["own", "mutual", "followee", "recommended"]


def test_more_relevant_beats_less_relevant() -> None:
    profile = unit(1, 0, 0)
    pool = MemoryPool(10)
    pool.add([item("far", vector=unit(0, 0, 1)), item("near", vector=unit(1, 0.2, 0)),
              item("opposite", vector=unit(-1, 0, 0))], now=0)
    assert ranked_ids(pool, now=0, profile=profile) == ["near", "far", "opposite"]
    # without a profile vector relevance is neutral, so insertion order decides the tie
    assert ranked_ids(pool, now=0) == ["far", "near", "opposite"]


def test_score_is_the_documented_weighted_mean() -> None:
    scorer = MemoryScorer(Exponential(HOUR), w_time=2.0, w_relevance=1.0, w_source=1.0)
    pool = MemoryPool(5, scorer)
    pool.add([item("a", time=0, source="mutual", vector=unit(1, 1))], now=0)
    profile = unit(1, 0)
    cos = float(unit(1, 1) @ profile)
    expected = (2.0 * 0.5 + 1.0 * (1 + cos) / 2 + 1.0 * 0.8) / 4.0
    assert pool.scores(HOUR, profile)[0] == pytest.approx(expected, rel=1e-6)


def test_items_from_the_future_are_never_selected() -> None:
    pool = MemoryPool(10)
    pool.add([item("seen", time=0), item("later", time=10 * HOUR)], now=0)
    assert ranked_ids(pool, now=HOUR) == ["seen"]


def test_dimension_mismatch_is_an_error() -> None:
    pool = MemoryPool(10)
    pool.add([item("a", vector=unit(1, 0))], now=0)
    with pytest.raises(ValueError, match="3-dimensional vector, the pool holds 2"):
        pool.add([item("b", vector=unit(1, 0, 0))], now=0)
    with pytest.raises(ValueError, match="profile vector has 3 dimensions"):
        pool.scores(0, unit(1, 0, 0))


# --- budget and capacity


def test_budget_greedy_skips_what_does_not_fit_and_takes_smaller_later_items() -> None:
    pool = MemoryPool(10)
    pool.add([item("big", time=3, tokens=80), item("mid", time=2, tokens=30), item("small", time=1, tokens=15)], now=3)
    assert [it.item_id for it in pool.select(3, token_budget=50)] == ["mid", "small"]
    assert [it.item_id for it in pool.select(3, token_budget=50, overhead_per_item=10)] == ["mid"]
    assert pool.select(3, token_budget=5) == []


item_specs = st.lists(
    st.tuples(st.floats(0, 100 * HOUR), st.sampled_from(SOURCES), st.integers(0, 300),
              st.floats(-1, 1), st.floats(-1, 1)),
    min_size=0, max_size=40)


@settings(max_examples=150, deadline=None)
@given(specs=item_specs, budget=st.integers(0, 2000), overhead=st.integers(0, 20),
       now=st.floats(0, 120 * HOUR))
def test_budget_is_never_exceeded_and_selection_is_greedy(specs, budget, overhead, now) -> None:
    pool = MemoryPool(1000)
    pool.add([item(f"i{k}", t, s, n, vector=np.array([x, y + 2.0], dtype=np.float32) / np.hypot(x, y + 2.0))
              for k, (t, s, n, x, y) in enumerate(specs)], now=now)
    chosen = pool.select(now, unit(1, 1), token_budget=budget, overhead_per_item=overhead)
    used = sum(it.tokens + overhead for it in chosen)
    assert used <= budget
    assert all(it.time <= now for it in chosen)
    chosen_ids = {it.item_id for it in chosen}
    for it in pool.items:  # greedy: anything visible that was left out could not have fitted
        if it.item_id not in chosen_ids and it.time <= now:
            assert it.tokens + overhead > budget - used
    scores = dict(zip((it.item_id for it in pool.items), pool.scores(now, unit(1, 1))))
    assert [scores[it.item_id] for it in chosen] == sorted((scores[it.item_id] for it in chosen), reverse=True)


def test_capacity_eviction_keeps_the_best() -> None:
    rng = np.random.default_rng(7)
    items = [item(f"i{k}", time=float(rng.uniform(0, 50 * HOUR)), source=str(rng.choice(SOURCES)),
                  vector=unit(*rng.normal(size=4))) for k in range(60)]
    profile, now = unit(1, 0, 0, 0), 50 * HOUR
    reference = MemoryPool(1000)
    reference.add(items, now, profile)
    best = {reference.items[i].item_id for i in np.argsort(-reference.scores(now, profile))[:12]}
    pool = MemoryPool(12)
    evicted = pool.add(items, now, profile)
    assert len(pool) == 12 and {it.item_id for it in pool.items} == best
    assert len(evicted) == 48 and not best & {it.item_id for it in evicted}


def test_capacity_applies_across_several_adds() -> None:
    pool = MemoryPool(3)
    for k in range(6):
        pool.add([item(f"p{k}", time=k * HOUR)], now=k * HOUR)
    assert sorted(it.item_id for it in pool.items) == ["p3", "p4", "p5"]


def test_same_item_twice_is_kept_once_with_the_more_authentic_source() -> None:
    pool = MemoryPool(10)
    pool.add([item("p", source="recommended"), item("p", source="mutual"), item("p", source="followee")], now=0)
    assert len(pool) == 1 and pool.items[0].source == "mutual"


def test_scoring_thousands_of_items_is_vectorised() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(5000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    pool = MemoryPool(5000)
    pool.add([item(f"i{k}", time=float(k), tokens=int(rng.integers(5, 60)), vector=vectors[k]) for k in range(5000)], now=5000)
    chosen = pool.select(5000.0, vectors[0], token_budget=800)
    assert 0 < sum(it.tokens for it in chosen) <= 800
    assert pool.scores(5000.0, vectors[0]).shape == (5000,)


# --- rendering


def test_render_lists_items_oldest_first_with_source_labels() -> None:
    items = [item("b", time=2, source="mutual", text="second"), item("a", time=1, source="own", text="first")]
    block = render_memory(items, "en")
    assert block.splitlines() == ["- [you posted] «first»", "- [from a mutual friend @«alice»] «second»"]
    assert "互相关注" in MemoryPool(3).render(items, "zh")
    assert render_memory([], "en") == "(nothing yet)"
