"""Home feeds, rankers by name, search, moderation and the board, on a hand-built platform."""

from __future__ import annotations

import numpy as np
import pytest

from hubbub.errors import ConfigError
from hubbub.llm.embeddings import HashingEmbedder
from hubbub.platform.social.board import Board, BoardTopic
from hubbub.platform.social.content import ContentStore, parse_hashtags
from hubbub.platform.social.feed import FeedSettings, Interest, home_feed, mix, topic_page
from hubbub.platform.social.graph import LiveGraph
from hubbub.platform.social.moderation import LexiconAnnotator, ModerationRule
from hubbub.platform.social.search import search

H = 3600.0


def platform() -> tuple[ContentStore, LiveGraph]:
    """u follows a and b; posts by a, b (followees), c, d (others) and u itself, an hour apart."""
    store, graph = ContentStore(HashingEmbedder(256).encode), LiveGraph()
    graph.load([("u", "a"), ("u", "b")])
    for k, (author, text) in enumerate([("a", "cycling to work in the rain"), ("b", "bus timetable changes"),
                                        ("c", "congestion charge for drivers #charge#"), ("d", "new stadium plans"),
                                        ("u", "my own post"), ("c", "cycling lanes and cycling safety")]):
        store.add(author, "post", text, k * H, k * H + 10)
    return store, graph


def test_hashtags_in_weibo_and_twitter_style():
    assert parse_hashtags("#Two words# and #one, #one again #数字#") == ("two words", "数字", "one")


def test_mix_gives_the_recommended_share_spread_evenly_and_fills_a_short_side():
    assert mix([1, 2, 3, 4], [9, 8], 4, 0.5) == [(1, "in_network"), (9, "recommended"), (2, "in_network"),
                                                 (8, "recommended")]
    assert mix([1], [9, 8, 7], 4, 0.25) == [(1, "in_network"), (9, "recommended"), (8, "recommended"),
                                            (7, "recommended")]
    assert [s for _, s in mix([1, 2, 3], [9], 3, 0.0)] == ["in_network"] * 3


def test_home_feed_mixes_followees_and_recommendations_without_own_or_muted_posts():
    store, graph = platform()
    t = 6 * H
    feed = home_feed(store, graph, "u", t, FeedSettings(size=4, recommended_share=0.5), None, Interest())
    by_source = {item.post.author: item.source for item in feed}
    assert by_source["a"] == "in_network" and by_source["b"] == "in_network"
    assert {a for a, s in by_source.items() if s == "recommended"} <= {"c", "d"} and "u" not in by_source
    graph.apply(t, "u", "c", "mute")
    later = home_feed(store, graph, "u", t + 1, FeedSettings(size=6, recommended_share=0.5), None, Interest())
    assert "c" not in {item.post.author for item in later}
    earlier = home_feed(store, graph, "u", 1.5 * H, FeedSettings(size=6), None, Interest())
    assert {item.post.post_id for item in earlier} == {0, 1}, "posts visible only later are not shown earlier"


def _ranked(store: ContentStore, recommender: str, profile=None, interest=Interest()) -> list[int]:
    graph = LiveGraph()
    feed = home_feed(store, graph, "u", 6 * H, FeedSettings(size=6, recommended_share=1.0, recommender=recommender),
                     profile, interest)
    return [item.post.post_id for item in feed]


def test_rankers_by_name_recency_popularity_relevance_and_interest():
    store, _ = platform()
    assert _ranked(store, "recency") == [5, 3, 2, 1, 0]
    store.vote("x", 1, True, 2 * H)
    store.vote("y", 1, True, 2 * H)
    for voter in ("z1", "z2", "z3"):
        store.vote(voter, 5, False, 6 * H)
    popular = _ranked(store, "popularity")
    assert popular[0] == 1 and popular[-1] == 5, "likes lift a post, a dislike sinks it"
    profile = store.embed(["I love cycling and cycling lanes"])[0]
    assert _ranked(store, "relevance", profile)[:2] == [5, 0]
    assert _ranked(store, "interest", None, Interest(((3 * H, 2),)))[0] == 2, "what the user liked before comes first"
    with pytest.raises(ConfigError, match="platform.feed.recommender = 'nope' is not a known feed ranker"):
        _ranked(store, "nope")


def test_hot_score_decays_with_age():
    store = ContentStore()
    old, new = store.add("a", "post", "x", 0, 0), store.add("b", "post", "y", 0, 20 * H)
    for voter in ("p", "q", "r"):
        store.vote(voter, old, True, 0)
    assert store.hot(old, 1 * H, 12.5) > store.hot(new, 20 * H, 12.5) > store.hot(old, 40 * H, 12.5)


def test_moderation_downranks_hides_or_labels_toxic_posts():
    store, graph = ContentStore(), LiveGraph()
    annotator = LexiconAnnotator()
    texts = ["what pathetic idiots", "a calm remark", "trash opinion from a clown", "fair point"]
    for k, text in enumerate(texts):
        store.add(f"a{k}", "post", text, k, k, toxicity=annotator.annotate([text])[0].toxicity)
    settings = FeedSettings(size=4, recommended_share=1.0, recommender="recency")
    plain = [i.post.post_id for i in home_feed(store, graph, "u", 10, settings, None, Interest())]
    assert plain == [3, 2, 1, 0]
    settings.moderation = ModerationRule(0.5, "downrank")
    assert [i.post.post_id for i in home_feed(store, graph, "u", 10, settings, None, Interest())] == [3, 1, 2, 0]
    settings.moderation = ModerationRule(0.5, "hide")
    assert [i.post.post_id for i in home_feed(store, graph, "u", 10, settings, None, Interest())] == [3, 1]
    settings.moderation = ModerationRule(0.5, "label")
    labels = {i.post.post_id: i.post.label for i in home_feed(store, graph, "u", 10, settings, None, Interest())}
    assert labels[0] and labels[2] and not labels[1] and not labels[3]


def test_search_ranks_by_tf_idf_and_sees_only_visible_posts():
    store, graph = platform()
    settings = FeedSettings(size=5)
    found = [i.post.post_id for i in search(store, graph, "u", 6 * H, "cycling safety", settings)]
    assert found == [5, 0]
    assert [i.post.post_id for i in search(store, graph, "u", 1 * H, "cycling", settings)] == [0]
    assert [i.post.post_id for i in search(store, graph, "u", 6 * H, "#charge", settings)] == [2]
    assert search(store, graph, "u", 6 * H, "   ", settings) == ()


def test_board_heat_ranks_and_topics_entering_over_time():
    board = Board()
    board.add(BoardTopic("a", "A", "", "alpha", 0.0, 3.0))
    board.add(BoardTopic("b", "B", "", "beta", 0.0, 3.0))
    board.add(BoardTopic("c", "C", "", "gamma", 1.0, 1.0))
    assert [e.topic_id for e in board.ranks(0.5 * H)] == ["a", "b"]
    board.interact("b", "repost", 0.6 * H)
    board.interact("a", "visit", 0.6 * H)
    assert [e.topic_id for e in board.ranks(0.5 * H)] == ["a", "b"], "an interaction counts once visible"
    assert [e.topic_id for e in board.ranks(0.7 * H)] == ["b", "a"]
    assert [e.topic_id for e in board.ranks(1.5 * H)][-1] == "c" and len(board.ranks(2.5 * H)) == 2
    assert board.heat("b", 2.6 * H) == pytest.approx(8 * np.exp(-1.0))
    assert board.intensity("c", 1.2 * H) > 0 and board.intensity("c", 2.5 * H) == 0


def test_topic_pages_collect_posts_of_the_topic_and_its_hashtag():
    store, graph = platform()
    store.add("d", "post", "congestion again", 7 * H, 7 * H, topic="charge-topic")
    page = topic_page(store, graph, "u", 8 * H, "charge-topic", "Charge", FeedSettings())
    assert {i.post.post_id for i in page} == {2, 6}
