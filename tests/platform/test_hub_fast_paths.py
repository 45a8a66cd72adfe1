"""The hub's page ranking and the speculation check take shortcuts (issue 16); each must give exactly
what the plain computation gives: the same pages in the same order, ties included, and the same verdict
on every recorded read, a read that changed included."""

from __future__ import annotations

import numpy as np
import pytest

from hubbub.kernel.views import RecordingView, reads_unchanged
from hubbub.platform.content import ContentStore
from hubbub.platform.hub import CommentView, Hub


def _reference_ranking(hub: Hub, t: float) -> list[CommentView]:
    """Every visible comment, built one by one and sorted on its key tuple (the ranking before issue 16)."""
    store, views = hub.store, []
    for cid, post in enumerate(hub.comments):
        if not store.is_visible(post, t):
            continue
        replies = sum(store.is_visible(hub.replies[r], t) for r in range(len(hub.replies))
                      if int(store.col("parent")[hub.replies[r]]) == post)
        views.append((float(store.col("visible_at")[post]),
                      CommentView(cid, store.texts[post], store.reactions("like", post, t), replies, store.label_at(post, t))))
    if hub.ranker == "recent":
        return [v for at, v in sorted(views, key=lambda item: (-item[0], -item[1].comment_id))]
    return [v for at, v in sorted(views, key=lambda item: (-item[1].likes, item[0], item[1].comment_id))]


def _random_hub(seed: int, comments: int = 60) -> Hub:
    """A hub with many ties: visibility times and like times on a coarse grid, some hidden, labelled, replied to."""
    rng = np.random.default_rng(seed)
    hub = Hub("t", "s", "c")
    for c in range(comments):
        hub.add_comment(f"u{c}", f"comment {c}", 0.0, float(rng.integers(0, 10)), hidden=bool(rng.random() < 0.05))
    for _ in range(4 * comments):
        hub.like_comment(int(rng.integers(comments)), float(rng.integers(0, 12)))
    for _ in range(comments):
        hub.add_reply(int(rng.integers(comments)), "r", "reply", 0.0, float(rng.integers(0, 12)))
    for c in rng.choice(comments, 5, replace=False):
        hub.hide_comment(int(c), float(rng.integers(0, 12)))
    hub.label_comment(3, "note", 4.0)
    hub.like_topic(2.0)
    return hub


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ranker", ["likes", "recent"])
def test_pages_equal_the_plain_sorted_ranking_ties_included(seed, ranker):
    hub = _random_hub(seed)
    hub.set_ranker(ranker)
    for t in (-1.0, 0.0, 3.0, 4.5, 7.0, 11.0, 20.0):
        expected = _reference_ranking(hub, t)
        assert list(hub.ranked_comments(t)) == expected
        tied = [(v.likes, v.comment_id) for v in expected]
        assert t < 3 or len({likes for likes, _ in tied}) < len(tied)  # ties on likes: their order is tested
        for page in range(4):
            shown, more = hub.comment_page(t, page, 5)
            assert list(shown) == expected[5 * page:5 * page + 5] and more == (len(expected) > 5 * page + 5)


def test_comment_detail_counts_only_visible_replies():
    hub = _random_hub(7)
    for t in (0.0, 5.0, 11.0):
        expected = {v.comment_id: v for v in _reference_ranking(hub, t)}
        for cid in range(len(hub.comments)):
            view, _ = hub.comment_detail(t, cid, 4)
            assert view == expected.get(cid)


def test_reaction_counts_equal_one_count_per_key():
    rng = np.random.default_rng(3)
    store = ContentStore()
    for _ in range(500):
        store.react("like", int(rng.integers(40)), float(rng.integers(0, 30)))
    store.react("like", ("hub", 0, 1), 1.0)  # a mark-like key is not an integer key
    keys = np.arange(-2, 45)
    for t in (-1.0, 0.0, 7.0, 15.5, 29.0, 100.0):
        assert store.reaction_counts("like", keys, t).tolist() == [store.reactions("like", int(k), t) for k in keys]
    assert store.reaction_counts("view", keys, 5.0).tolist() == [0] * len(keys)


# ---------------------------------------------------------------- speculation verdicts

def _read_all(view: RecordingView, t: float) -> None:
    """One read of each kind through a recording view."""
    view.comment_page(t, 0, 5)
    view.comment_page(t, 1, 5)
    view.counts(t)
    view.likes_reposts(t)
    view.topic_reactions("view", t)
    view.comment_detail(t, 2, 4)
    view.visible_items(t)
    view.marks("report", 1, t)


WRITES = ("like_comment", "like_reply", "like_topic", "view", "repost", "add_comment", "add_reply", "hide_comment",
          "label_comment", "mark", "set_ranker")


def _write(hub: Hub, kind: str, at: float, rng: np.random.Generator) -> None:
    """One write of ``kind`` that becomes visible at ``at``."""
    comment = int(rng.integers(len(hub.comments)))
    calls = {"like_comment": lambda: hub.like_comment(comment, at), "like_reply": lambda: hub.like_reply(0, at),
             "like_topic": lambda: hub.like_topic(at), "view": lambda: hub.view(at), "repost": lambda: hub.repost(at),
             "add_comment": lambda: hub.add_comment("w", "new", at, at), "add_reply": lambda: hub.add_reply(comment, "w", "r", at, at),
             "hide_comment": lambda: hub.hide_comment(comment, at), "label_comment": lambda: hub.label_comment(comment, "n", at),
             "mark": lambda: hub.mark("report", 1, at), "set_ranker": lambda: hub.set_ranker(str(rng.choice(["likes", "recent"])))}
    calls[kind]()


def _replayed(hub: Hub, reads: list) -> bool:
    """The verdict by replaying every read (the check before issue 16)."""
    return all(getattr(hub, name)(*args) == result for name, args, result, _ in reads)


@pytest.mark.parametrize("kind", WRITES)
def test_every_write_gives_the_replayed_verdict_before_and_after_the_read_time(kind):
    rng = np.random.default_rng(WRITES.index(kind))
    verdicts = set()
    for trial in range(40):
        hub = _random_hub(trial, comments=12)
        view = RecordingView(hub)
        t = float(rng.integers(2, 12))
        _read_all(view, t)
        for _ in range(int(rng.integers(1, 4))):
            _write(hub, kind, t + float(rng.choice([-3.0, 0.0, 0.5, 4.0])), rng)
        verdict = reads_unchanged(hub, view.reads)
        assert verdict == _replayed(hub, view.reads)
        verdicts.add(verdict)
    assert verdicts == {True, False} or kind in ("mark", "like_reply", "view", "repost")  # both verdicts are met


def test_a_like_that_reorders_the_page_is_detected_and_a_later_one_is_vouched_for():
    hub = Hub("t", "s", "c")
    a, b = hub.add_comment("u1", "a", 0.0, 1.0), hub.add_comment("u2", "b", 0.0, 2.0)
    view = RecordingView(hub)
    view.comment_page(10.0, 0, 5)
    hub.like_comment(b, 11.0)  # visible after the read's time: the page read is unchanged without replay
    assert hub.unchanged_since(view.reads[0][3], "comment_page", (10.0, 0, 5))
    assert reads_unchanged(hub, view.reads)
    hub.like_comment(b, 9.0)  # visible at the read's time: b now ranks first
    assert not hub.unchanged_since(view.reads[0][3], "comment_page", (10.0, 0, 5))
    assert not reads_unchanged(hub, view.reads)
    assert [c.comment_id for c in hub.comment_page(10.0, 0, 5)[0]] == [b, a]


def test_a_view_of_the_topic_leaves_page_reads_vouched_for_but_not_counts():
    hub = Hub("t", "s", "c")
    hub.add_comment("u1", "a", 0.0, 1.0)
    view = RecordingView(hub)
    view.comment_page(10.0, 0, 5)
    view.counts(10.0)
    hub.view(5.0)
    (_, page_args, _, page_stamp), (_, count_args, _, count_stamp) = view.reads
    assert hub.unchanged_since(page_stamp, "comment_page", page_args)
    assert not hub.unchanged_since(count_stamp, "counts", count_args)
    assert not reads_unchanged(hub, view.reads)


def test_a_view_leaves_the_topics_likes_and_reposts_vouched_for_but_not_a_like():
    hub = Hub("t", "s", "c")
    view = RecordingView(hub)
    view.likes_reposts(10.0)
    view.topic_reactions("view", 10.0)
    hub.view(5.0)
    (_, lr_args, _, lr_stamp), (_, views_args, _, views_stamp) = view.reads
    assert hub.unchanged_since(lr_stamp, "likes_reposts", lr_args)
    assert not hub.unchanged_since(views_stamp, "topic_reactions", views_args)
    hub.like_topic(12.0)  # visible after the read's time
    assert hub.unchanged_since(lr_stamp, "likes_reposts", lr_args)
    hub.like_topic(9.0)
    assert not hub.unchanged_since(lr_stamp, "likes_reposts", lr_args)
    assert not reads_unchanged(hub, view.reads[:1]) and hub.likes_reposts(10.0) == (1, 0)


def test_a_stamp_older_than_the_writes_kept_is_replayed():
    hub = Hub("t", "s", "c")
    hub.add_comment("u1", "a", 0.0, 1.0)
    view = RecordingView(hub)
    view.comment_page(10.0, 0, 5)
    for _ in range(3 * 4096):
        hub.like_topic(50.0)
    assert hub.store.writes_since(view.reads[0][3]) is None
    assert not hub.unchanged_since(view.reads[0][3], "comment_page", (10.0, 0, 5))
    assert reads_unchanged(hub, view.reads)  # replayed, and unchanged
