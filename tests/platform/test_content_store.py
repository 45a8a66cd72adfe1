"""One content store under the hub and the follow feed (issue 13, DESIGN decision 11).

The hub's comments and replies and the feed's posts and reposts are posts of one store, with parents,
roots, kinds, surfaces and visibility times; each surface keeps its own numbering, so sharing the store
changes nothing a surface reads.
"""

from __future__ import annotations

import hubbub
import numpy as np

from hubbub.platform.content import COMMENT, FEED_SURFACE, HUB_SURFACE, KINDS, REPLY, TOPIC, ContentStore
from hubbub.platform.feed.posts import POST, REPOST, SEED, FollowFeed
from hubbub.platform.hub import Hub


def _feed_posts(feed: FollowFeed, hub: Hub | None = None) -> None:
    """Two rounds of feed posts, with hub comments written between them when a hub is given."""
    feed.add([0, 1], [-1, -1], [SEED, SEED], 0, [0, 1], [1, 0], ["seed a", "seed b"])
    if hub is not None:
        hub.add_comment("u0", "first comment", 10.0, 20.0)
        hub.add_reply(0, "u1", "a reply", 30.0, 40.0)
    feed.add([2, 1], [0, -1], [REPOST, POST], 1, [2, 0], [1, 0], ["seed a", "own"])
    feed.add([3], [2], [REPOST], 2, [1], [1], ["seed a"])


def test_a_feed_over_a_shared_store_reads_what_a_feed_alone_reads():
    alone = FollowFeed(authors=["u0", "u1", "u2", "u3"])
    _feed_posts(alone)
    store = ContentStore(["u0", "u1", "u2", "u3"])
    shared = FollowFeed(store)
    _feed_posts(shared, Hub("topic", "summary", "content", store))
    assert len(store) == len(alone) + 3  # the topic, a comment and a reply sit between the feed's posts
    for name in ("author", "parent", "root", "step", "kind", "emotion", "attitude", "reposts"):
        assert shared.col(name).tolist() == alone.col(name).tolist(), name
    assert shared.col("root").tolist() == [0, 1, 0, 3, 0]  # a repost of a repost keeps the chain's original
    assert shared.col("parent").tolist() == [-1, -1, 0, -1, 2]
    assert shared.col("reposts").tolist() == [1, 0, 1, 0, 0]
    assert shared.texts == alone.texts
    assert shared.published_at(1).tolist() == alone.published_at(1).tolist() == [2, 3]
    assert store.col("surface")[shared.global_ids([0, 2])].tolist() == [FEED_SURFACE, FEED_SURFACE]


def test_hub_items_are_posts_with_a_parent_and_a_root():
    hub = Hub("topic", "summary", "content")
    cid = hub.add_comment("u1", "a comment", 5.0, 10.0)
    rid = hub.add_reply(cid, "u2", "a reply", 12.0, 15.0)
    store = hub.store
    topic, comment, reply = hub.topic_post, hub.comments[cid], hub.replies[rid]
    assert [KINDS[k] for k in store.col("kind")[[topic, comment, reply]]] == ["topic", "comment", "reply"]
    assert store.col("kind")[[comment, reply]].tolist() == [COMMENT, REPLY] and store.col("kind")[topic] == TOPIC
    assert store.col("parent")[[comment, reply]].tolist() == [topic, comment]
    assert store.col("root")[[comment, reply]].tolist() == [topic, topic]
    assert store.col("surface")[reply] == HUB_SURFACE
    assert [store.author_name(int(a)) for a in store.col("author")[[topic, comment, reply]]] == ["platform", "u1", "u2"]
    assert store.col("created_at")[reply] == 12.0 and store.col("visible_at")[reply] == 15.0


def test_reactions_labels_and_hiding_are_read_at_the_observers_time():
    hub = Hub("topic", "summary", "content")
    cid = hub.add_comment("u1", "a comment", 0.0, 1.0)
    hub.like_comment(cid, 5.0)
    hub.like_topic(3.0)
    hub.view(2.0)
    hub.label_comment(cid, "note", 4.0)
    assert hub.counts(2.5) == (0, 0, 1) and hub.counts(3.0) == (1, 0, 1)
    assert hub.ranked_comments(4.9)[0].likes == 0 and hub.ranked_comments(5.0)[0].likes == 1
    assert hub.ranked_comments(3.9)[0].label == "" and hub.ranked_comments(4.0)[0].label == "note"
    assert hub.store.reactions("like", hub.comments[cid], 5.0) == 1
    hub.hide_comment(cid, 6.0)
    assert [c.comment_id for c in hub.ranked_comments(5.5)] == [cid] and hub.ranked_comments(6.0) == ()


SMALL_COMBINED = {"llm.backend": "scripted", "s3.network.users": 40, "s3.population.llm_users": 4,
                  "trendsim.lifecycle_h": 1.0, "s3.steps": 2}


def _combined(out):
    sim = hubbub.Simulation(hubbub.load_scenario("combined-ai-labels", SMALL_COMBINED), out)
    sim.run()
    return sim


def test_a_combined_run_has_one_store_under_both_surfaces(tmp_path):
    sim = _combined(tmp_path / "c")
    world = sim.world
    store = world.s3.posts.store
    assert world.trend.hub.store is store
    surfaces = store.col("surface")
    assert np.count_nonzero(surfaces == FEED_SURFACE) == len(world.s3.posts)
    assert np.count_nonzero(surfaces == HUB_SURFACE) == 1 + len(world.trend.hub.comments) + len(world.trend.hub.replies)
    feed_authors = world.s3.posts.col("author")
    assert [store.author_name(int(a)) for a in feed_authors] == [world.s3.ids[a] if a >= 0 else "platform"
                                                                   for a in feed_authors]


def test_sharing_the_store_changes_nothing_a_combined_run_records(tmp_path, monkeypatch):
    shared = _combined(tmp_path / "shared")
    from hubbub.runtime import combined

    class OwnStore(combined.TrendSimWorld):
        def __init__(self, *args, store=None, **kwargs):  # the hub on a store of its own
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(combined, "TrendSimWorld", OwnStore)
    apart = _combined(tmp_path / "apart")
    assert apart.world.trend.hub.store is not apart.world.s3.posts.store
    assert len(shared.world.trend.hub.comments) > 0 and len(shared.world.s3.posts) > 0
    for table in ("events", "s3_posts", "comments"):
        a, b = shared.results.table(table), apart.results.table(table)
        assert a.drop(columns=["run_id"], errors="ignore").equals(b.drop(columns=["run_id"], errors="ignore")), table


def test_the_living_platforms_posts_are_rows_of_the_store():
    from hubbub.platform.content import QUOTE, SOCIAL_SURFACE
    from hubbub.platform.social.content import ContentStore as SocialContent

    social = SocialContent()
    first = social.add("alice", "post", "hello #tag", 0.0, 10.0)
    quote = social.add("bob", "quote", "indeed", 20.0, 30.0, parent=first)
    social.vote("carol", first, True, 40.0)
    rows = social.rows
    assert len(rows) == 2 and rows.col("surface").tolist() == [SOCIAL_SURFACE, SOCIAL_SURFACE]
    assert rows.col("kind")[1] == QUOTE and rows.col("parent").tolist() == [-1, 0] and rows.col("root").tolist() == [0, 0]
    assert [rows.author_name(int(a)) for a in rows.col("author")] == ["alice", "bob"]
    assert social.view(first, 35.0).reposts == 1 and social.view(first, 35.0).likes == 0
    assert social.view(first, 40.0).likes == 1 == rows.reactions("like", 0, 40.0)
    social.hide(quote, 50.0)
    assert social.visible_ids(45.0) == [first, quote] and social.visible_ids(50.0) == [first]
    assert not rows.is_visible(1, 50.0)
