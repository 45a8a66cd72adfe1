"""The S3 post log holds only the recommendation window: posts older than what the next round reads
leave memory (their rows are in the run record), ids stay global, a read of a dropped post fails
loudly, and the run is the same as one that keeps every post."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from s3_support import event_log, run, tiny

from hubbub.platform.content import ContentStore, DroppedPostError
from hubbub.platform.feed.posts import POST, REPOST, FollowFeed

BUSY = {"s3.steps": 24, "s3.network.users": 200, "s3.population.llm_users": 10, "s3.rule.p": 0.05,
        "s3.rule.model": "sir", "s3.rule.gamma": 0.05, "s3.recommend.share": 0.3, "s3.recommend.window_steps": 2}
"""Rule users who keep acting for many rounds (SIR, slow recovery) and recommendations of the last 2 steps."""


def _watch(monkeypatch) -> list[tuple[int, int, int, int, int]]:
    """Record (step asked for, posts so far, first held, rows held, texts held) at every bounding."""
    seen: list[tuple[int, int, int, int, int]] = []
    keep = FollowFeed.keep_steps_from

    def watched(self: FollowFeed, step: int) -> None:
        keep(self, step)
        texts = self.store.texts
        seen.append((step, self.n, self.first, self.store.held(), len(getattr(texts, "_texts", texts))))

    monkeypatch.setattr(FollowFeed, "keep_steps_from", watched)
    return seen


def _table(run_dir, sql: str) -> list[tuple]:
    with sqlite3.connect(run_dir / "run.sqlite") as conn:
        return conn.execute(sql).fetchall()


def test_posts_held_stay_bounded_as_steps_grow(tmp_path, monkeypatch) -> None:
    seen = _watch(monkeypatch)
    out = run(tiny(BUSY), tmp_path / "run")
    steps = dict(_table(out, "SELECT post_id, step FROM s3_posts"))
    assert len(seen) == 24 and len(steps) == seen[-1][1]
    window_max = 0
    for step, n, first, rows, texts in seen:
        window = [p for p, s in steps.items() if p < n and s >= step]
        assert first == min(window, default=n)  # exactly the posts older than the window have left
        assert rows <= 2 * (n - first) + 64 and texts <= 2 * (n - first)  # held: at most twice the window
        window_max = max(window_max, n - first)
    assert seen[-1][1] > 4 * window_max  # the log outgrew what is held several times over
    assert max(rows for *_, rows, _ in seen[12:]) <= 2 * window_max + 64  # flat as steps grow


def test_a_bounded_run_equals_one_that_keeps_every_post(tmp_path, monkeypatch) -> None:
    bounded = run(tiny(BUSY), tmp_path / "bounded")
    monkeypatch.setattr(FollowFeed, "keep_steps_from", lambda self, step: None)
    kept = run(tiny(BUSY), tmp_path / "kept")
    assert len(event_log(kept)) > 100
    assert event_log(bounded) == event_log(kept)
    for table in ("s3_posts", "s3_awareness", "s3_steps"):
        rows = _table(kept, f"SELECT * FROM {table} ORDER BY rowid")
        assert len(rows) > 0 and _table(bounded, f"SELECT * FROM {table} ORDER BY rowid") == rows


def test_a_dropped_post_is_a_clear_error_and_ids_stay_global() -> None:
    feed = FollowFeed(authors=["a", "b", "c"])
    for step in range(4):
        feed.add([0, 1], [-1, -1], [POST, POST], step, [0, 0], [0, 0], [f"s{step} a", f"s{step} b"])
    feed.keep_steps_from(2)
    assert (feed.first, len(feed)) == (4, 8)
    assert feed.at("step", [4, 7]).tolist() == [2, 3] and feed.texts[5] == "s2 b"
    assert feed.published_between(0, 9).tolist() == [4, 5, 6, 7] and feed.published_at(3).tolist() == [6, 7]
    ids = feed.add([2], [5], [REPOST], 4, [0], [0], ["s2 b"])
    assert ids.tolist() == [8] and feed.at("root", 8) == 5 and feed.at("root_author", 8) == 1
    assert feed.global_ids([4, 8]).tolist() == [4, 8]
    column = feed.col("step")  # what a registered ranker reads: indexed by feed id as before
    assert column[[4, 8]].tolist() == [2, 4] and column[-1] == 4 and column[5:7].tolist() == [2, 3]
    for read in (lambda: feed.at("author", [3, 4]), lambda: feed.texts[0], lambda: np.asarray(column),
                 lambda: column[[1, 5]], lambda: column[:6], lambda: feed.add([2], [1], [REPOST], 4, [0], [0], ["x"])):
        with pytest.raises(DroppedPostError, match="post (0|1|3) is no longer held in memory.*from id 4 on"):
            read()


def test_a_feed_sharing_its_store_keeps_every_post() -> None:
    store = ContentStore(["a"])
    store.add_one(0, -1, 4, "hub topic", surface=1, local=0, created_at=0.0, visible_at=0.0)
    feed = FollowFeed(store)
    feed.add([0], [-1], [POST], 0, [0], [0], ["a post"])
    with pytest.raises(ValueError, match="another surface writes this content store"):
        feed.keep_steps_from(1)
    assert feed.first == 0 and feed.col("step").tolist() == [0]


def test_root_author_is_the_author_of_the_chains_original() -> None:
    store = ContentStore(["a", "b", "c"])
    store.add([0, -1], [-1, -1], 1, ["x", "y"], surface=0, local=[0, 1])
    store.add([1, 2], [0, 1], 2, ["x", "y"], surface=0, local=[2, 3])
    store.add([2], [2], 2, ["x"], surface=0, local=[4])
    root, author = store.col("root"), store.col("author")
    assert np.array_equal(store.col("root_author"), author[root]) and store.col("root_author").tolist() == [0, -1, 0, -1, 0]


def test_the_library_view_lists_the_posts_held_as_the_run_record_has_them(tmp_path) -> None:
    import hubbub

    sim = hubbub.Simulation(tiny(BUSY), tmp_path / "run", backend="scripted")
    sim.run_until(20 * tiny(BUSY).s3.step_h)
    posts, first = sim.platform.posts, sim.world.posts.first
    assert first > 0 and posts["post_id"].tolist() == list(range(first, len(sim.world.posts)))
    rows = dict(_table(tmp_path / "run", "SELECT post_id, text FROM s3_posts"))
    assert posts["text"].tolist() == [rows[p] for p in posts["post_id"]]
    sim.close()
