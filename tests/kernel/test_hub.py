"""The hub shows only what is visible at the observer's time."""

from hubbub.platform.hub import Hub


def test_comment_is_invisible_before_it_is_finished():
    hub = Hub("t", "s", "c")
    cid = hub.add_comment("u1", "hello", created_at=100.0, visible_at=130.0)
    assert hub.ranked_comments(129.9) == ()
    assert [c.comment_id for c in hub.ranked_comments(130.0)] == [cid]


def test_ranking_by_likes_visible_at_t():
    hub = Hub("t", "s", "c")
    a = hub.add_comment("u1", "a", 0.0, 1.0)
    b = hub.add_comment("u2", "b", 0.0, 2.0)
    hub.like_comment(b, 10.0)
    assert [c.comment_id for c in hub.ranked_comments(5.0)] == [a, b]
    assert [c.comment_id for c in hub.ranked_comments(10.0)] == [b, a]


def test_paging_and_hidden_comments():
    hub = Hub("t", "s", "c")
    ids = [hub.add_comment(f"u{i}", str(i), 0.0, float(i)) for i in range(5)]
    page, more = hub.comment_page(10.0, 0, 2)
    assert [c.comment_id for c in page] == ids[:2] and more
    hub.hide_comment(ids[0], 20.0)
    assert ids[0] in [c.comment_id for c in hub.ranked_comments(19.0)]
    assert ids[0] not in [c.comment_id for c in hub.ranked_comments(20.0)]
    censored = hub.add_comment("x", "bad", 0.0, 1.0, hidden=True)
    assert censored not in [c.comment_id for c in hub.ranked_comments(100.0)]


def test_replies_and_counts():
    hub = Hub("t", "s", "c")
    cid = hub.add_comment("u1", "a", 0.0, 1.0)
    hub.add_reply(cid, "u2", "r", 2.0, 5.0)
    comment, replies = hub.comment_detail(4.0, cid, 4)
    assert comment.replies == 0 and replies == ()
    comment, replies = hub.comment_detail(5.0, cid, 4)
    assert comment.replies == 1 and replies[0].text == "r"
    hub.like_topic(3.0)
    hub.repost(4.0)
    assert hub.counts(3.5) == (1, 0, 0)
    assert hub.counts(4.0) == (1, 1, 0)
