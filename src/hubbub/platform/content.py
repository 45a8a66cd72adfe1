"""One content store for a run's surfaces (DESIGN decision 11): the follow feed's posts and reposts, the
trending hub's topic, comments and replies, the living platform's posts, quotes and replies, with their
likes, dislikes, views, marks, labels and visibility times.

Every item is a *post*: a row of growable numpy columns with an author, a kind, a surface, a parent
and a root (a repost points at the post it reposts; a comment at its topic; a reply at its comment),
the round it was published at (feed posts) and the simulated times from which it is visible and from
which it is hidden. Reactions (likes, views, topic reposts, marks a registered action leaves) are
sorted lists of visibility times, so a count is a pure function of the observer's time ``t``.

Every write is also noted with the observer time from which it can change what a read sees (a post's
``visible_at``, a reaction's time, a hide's or a label's ``from_time``; ``-inf`` for a change no time
filters), so a surface can tell that a read at ``t`` is unchanged when no write since it is noted at or
before ``t`` and touches what it reads (:meth:`ContentStore.stamp`, :meth:`ContentStore.writes_since`).

Ids are global, in commit order. A surface numbers its own posts (the follow feed's post ids, the
hub's comment and reply ids) and keeps the global ids of its posts; the ``local`` column holds each
post's number on its surface. While one surface writes the store, both numberings coincide.
Writes happen at commit time only; reads return copies or read-only views.

A store only one surface writes may let its oldest posts leave memory (:meth:`ContentStore.forget_before`,
the S3 follow feed keeps its recommendation window): ids stay global, :attr:`ContentStore.first` is the
first id still held, columns hold the posts from it on, and a read of an older post raises
:class:`DroppedPostError` (those posts are in the run record).
"""

from __future__ import annotations

import bisect
import math
from typing import Hashable, Iterator, Sequence

import numpy as np

from hubbub.errors import HubbubError

KINDS = ("seed", "post", "repost", "hub", "topic", "comment", "reply", "quote", "news")
"""What a post is: an S3 seed post, post, repost, the hub topic shown in the follow feed; the trending
hub's topic, a comment on it, a reply (to a comment, or on the living platform to a post); a quote (a
repost with a comment of its own), a news item the platform injects."""
SEED, POST, REPOST, HUB, TOPIC, COMMENT, REPLY, QUOTE, NEWS = range(len(KINDS))
SURFACES = ("feed", "hub", "social")
"""Where a post was written: the follow feed (S3 rounds), the trending hub (TrendSim pages) or the living
platform (``kind = "platform"``: home feeds, board topics, search)."""
FEED_SURFACE, HUB_SURFACE, SOCIAL_SURFACE = range(len(SURFACES))
PLATFORM = -1
"""The author index of posts the platform itself publishes (the topic, the hub post in the feed)."""
NEVER = math.inf
WRITES_KEPT = 4096
"""How many of the latest writes the store keeps at least; for an older stamp :meth:`ContentStore.writes_since`
answers None (a surface then repeats its reads)."""


class DroppedPostError(HubbubError, LookupError):
    """A read of a post that has left memory (older than what the store keeps); in hubbub's one exception
    tree, and a LookupError like any read of a missing key."""


def dropped(ids: np.ndarray | int, first: int) -> DroppedPostError:
    """The error for a read of ``ids`` when posts before id ``first`` have left memory."""
    oldest = int(np.min(ids))
    return DroppedPostError(f"post {oldest} is no longer held in memory: this run's post log keeps posts from "
                            f"id {first} on (the follow feed's recommendation window); older posts are in the run "
                            f"record's s3_posts table")


class HeldTexts:
    """The posts' texts by global id, of which those before :attr:`first` have left memory."""

    def __init__(self, texts: list[str]) -> None:
        """Over ``texts`` (taken, not copied), the texts of posts 0, 1, 2, ..."""
        self.first = 0
        self._base = 0  # id of _texts[0]; posts in [_base, first) are released but not yet compacted
        self._texts = texts

    def __len__(self) -> int:
        return self._base + len(self._texts)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            index += len(self)
        if index < self.first:
            raise dropped(index, self.first)
        return self._texts[index - self._base]

    def __iter__(self) -> Iterator[str]:
        """The texts held, from :attr:`first` on."""
        return iter(self._texts[self.first - self._base:])

    def extend(self, texts: Sequence[str]) -> None:
        """Append the texts of new posts."""
        self._texts.extend(texts)

    def forget_before(self, first: int) -> None:
        """Let the texts before id ``first`` go; the list is compacted once the released part is as
        long as the held part (each text is moved at most once on average)."""
        self.first = max(self.first, first)
        if self.first - self._base >= len(self) - self.first:
            del self._texts[: self.first - self._base]
            self._base = self.first


def held_texts(texts: list[str] | HeldTexts) -> HeldTexts:
    """``texts`` as a :class:`HeldTexts` (a plain list is taken over, not copied)."""
    return texts if isinstance(texts, HeldTexts) else HeldTexts(texts)


class ContentStore:
    """All posts of a run; ids are 0, 1, 2, ... in commit order; authors are indices into ``authors``."""

    _COLUMNS = {"author": np.int64, "parent": np.int64, "root": np.int64, "root_author": np.int64,
                "step": np.int32, "kind": np.int8,
                "surface": np.int8, "local": np.int64, "emotion": np.int8, "attitude": np.int8,
                "reposts": np.int32, "created_at": np.float64, "visible_at": np.float64,
                "hidden_from": np.float64}

    def __init__(self, authors: Sequence[str] = ()) -> None:
        self.n = 0
        self.first = 0  # the first post id held in memory (see forget_before)
        self._base = 0  # the id of the columns' row 0 (<= first: released rows wait to be compacted)
        self._cap = 0
        self._cols: dict[str, np.ndarray] = {k: np.zeros(0, dtype=t) for k, t in self._COLUMNS.items()}
        self.texts: list[str] | HeldTexts = []  # a HeldTexts once posts leave memory
        self.authors: list[str] = []
        self._author_index: dict[str, int] = {}
        self._reactions: dict[tuple[str, Hashable], list[float]] = {}
        self._labels: dict[int, list[tuple[float, str]]] = {}
        self._timed: dict[str, _Reactions] = {}
        self._writes: list[tuple[float, tuple[str, Hashable] | None]] = []
        self._writes_dropped = 0
        self._register(authors)

    def __len__(self) -> int:
        return self.n

    def author_index(self, name: str) -> int:
        """The index of author ``name``, registering them on first use."""
        index = self._author_index.get(name)
        if index is None:
            index = self._author_index[name] = len(self.authors)
            self.authors.append(name)
        return index

    def _register(self, names: Sequence[str]) -> None:
        """Register ``names`` in order: at once when they are distinct (the usual case, millions of
        S3 users), else one at a time (a repeated name keeps its first index)."""
        names = list(names)
        index = dict(zip(names, range(len(names))))
        if len(index) == len(names):
            self.authors, self._author_index = names, index
            return
        for name in names:
            self.author_index(name)

    def author_name(self, index: int) -> str:
        """The name of author ``index`` ("platform" for :data:`PLATFORM`)."""
        return self.authors[index] if index >= 0 else "platform"

    def col(self, name: str) -> np.ndarray:
        """A read-only view of one column over the posts held, ids :attr:`first` to ``n - 1`` (all posts
        so far, indexed by id, while none has left memory)."""
        view = self._cols[name][self.first - self._base: self.n - self._base]
        view.flags.writeable = False
        return view

    def at(self, name: str, ids: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Column ``name`` of posts ``ids`` (global ids); :class:`DroppedPostError` for one no longer held."""
        ids = np.asarray(ids, dtype=np.int64)
        if self.first == 0:
            return self._cols[name][ids]
        if ids.size and int(ids.min()) < self.first:
            raise dropped(ids, self.first)
        return self._cols[name][ids - self._base]

    def held(self) -> int:
        """How many posts' rows the columns hold (those released but not yet compacted included)."""
        return self.n - self._base

    def forget_before(self, first: int) -> None:
        """Let posts before id ``first`` leave memory: their reads raise :class:`DroppedPostError` from
        now on. Rows are moved once the released part is as long as the held part."""
        self.first = max(self.first, min(first, self.n))
        self.texts = held_texts(self.texts)
        self.texts.forget_before(self.first)
        if self.first - self._base >= self.n - self.first:
            self._resize(max(self.n - self.first, 64), self.first)

    def _grow(self, extra: int) -> None:
        need = self.n - self._base + extra
        if need > self._cap:
            self._resize(max(need, 2 * self._cap, 64), self._base)

    def _resize(self, cap: int, base: int) -> None:
        """New columns of ``cap`` rows, row 0 the post ``base``."""
        keep = slice(base - self._base, self.n - self._base)
        for name, arr in self._cols.items():
            grown = np.zeros(cap, dtype=arr.dtype)
            grown[: self.n - base] = arr[keep]
            self._cols[name] = grown
        self._cap, self._base = cap, base

    # ---- writes (commit time only) ----

    def add(self, author: Sequence[int], parent: Sequence[int], kind: Sequence[int] | int, texts: Sequence[str], *,
            surface: int, local: Sequence[int], step: int = -1, emotion: Sequence[int] | int = 0,
            attitude: Sequence[int] | int = 0, created_at: float = 0.0, visible_at: float = 0.0,
            hidden_from: float = NEVER) -> np.ndarray:
        """Append posts (parallel sequences, global parent ids, -1 for none); returns their global ids.
        Roots are derived from parents; a feed post with a parent counts as a repost of it."""
        author = np.asarray(author, dtype=np.int64)
        parent = np.asarray(parent, dtype=np.int64)
        count = author.size
        if not (parent.size == len(texts) == count == len(local)):
            raise ValueError("ContentStore.add: columns differ in length")
        reposted = parent[parent >= 0]
        if reposted.size and int(reposted.min()) < self.first:
            raise dropped(reposted, self.first)
        self._grow(count)
        ids = np.arange(self.n, self.n + count, dtype=np.int64)
        row = np.maximum(parent, self._base) - self._base
        root = np.where(parent >= 0, self._cols["root"][row], ids)
        root_author = np.where(parent >= 0, self._cols["root_author"][row], author)
        values = {"author": author, "parent": parent, "root": root, "root_author": root_author, "step": step,
                  "kind": kind, "surface": surface, "local": local, "emotion": emotion, "attitude": attitude,
                  "reposts": 0, "created_at": created_at, "visible_at": visible_at, "hidden_from": hidden_from}
        sl = slice(self.n - self._base, self.n - self._base + count)
        for name, value in values.items():
            self._cols[name][sl] = value
        reposted = reposted if surface == FEED_SURFACE else parent[:0]
        if reposted.size:
            np.add.at(self._cols["reposts"], reposted - self._base, 1)
        self.texts.extend(texts)
        self.n += count
        self.note_write(-NEVER if reposted.size else visible_at)
        return ids

    def add_one(self, author: int, parent: int, kind: int, text: str, *, surface: int, local: int,
                created_at: float, visible_at: float, hidden: bool = False) -> int:
        """Append one post written in continuous time (a hub topic, comment or reply); returns its id.
        A hidden post (censored before it appeared) is never visible."""
        ids = self.add([author], [parent], kind, [text], surface=surface, local=[local], created_at=created_at,
                       visible_at=visible_at, hidden_from=-NEVER if hidden else NEVER)
        return int(ids[0])

    def react(self, kind: str, key: Hashable, visible_at: float) -> int:
        """One reaction of ``kind`` ("like", "view", "repost", a mark) on ``key`` (a post id, or any key
        a surface uses), visible from ``visible_at``; returns how many of that kind ``key`` has now."""
        times = self._reactions.setdefault((kind, key), [])
        bisect.insort(times, visible_at)
        if isinstance(key, (int, np.integer)):
            self._timed.setdefault(kind, _Reactions()).append(int(key), visible_at)
        self.note_write(visible_at, (kind, key))
        return len(times)

    def hide(self, post_id: int, from_time: float) -> None:
        """Hide the post from ``from_time`` on (censorship, moderation)."""
        hidden, row = self._cols["hidden_from"], int(post_id) - self._base
        if post_id < self.first:
            raise dropped(post_id, self.first)
        hidden[row] = min(float(hidden[row]), from_time)
        self.note_write(from_time)

    def label(self, post_id: int, text: str, from_time: float) -> None:
        """Attach a community note / warning label, shown with the post from ``from_time`` on."""
        self._labels.setdefault(post_id, []).append((from_time, text))
        self.note_write(from_time)

    def note_write(self, at: float, reaction: tuple[str, Hashable] | None = None) -> None:
        """Note a write that can change reads at observer times ``>= at``: a reaction ``(kind, key)``, or
        (None) a post, hide or label, or a surface's own state (the hub's ranker, with ``at = -inf``).
        A time that is not a number counts as ``-inf``."""
        self._writes.append((at if at >= -NEVER else -NEVER, reaction))
        if len(self._writes) > 2 * WRITES_KEPT:
            del self._writes[:WRITES_KEPT]
            self._writes_dropped += WRITES_KEPT

    def stamp(self) -> int:
        """How many writes the store has had; hand it to :meth:`writes_since` later."""
        return self._writes_dropped + len(self._writes)

    def writes_since(self, stamp: int) -> list[tuple[float, tuple[str, Hashable] | None]] | None:
        """The writes since ``stamp`` as ``(time, reaction or None)``, as :meth:`note_write` noted them;
        None when the stamp is older than the writes kept."""
        start = stamp - self._writes_dropped
        return self._writes[start:] if start >= 0 else None

    # ---- reads (pure functions of t) ----

    def reactions(self, kind: str, key: Hashable, t: float) -> int:
        """How many reactions of ``kind`` on ``key`` are visible at ``t``."""
        return bisect.bisect_right(self._reactions.get((kind, key), ()), t)

    def reaction_counts(self, kind: str, post_ids: np.ndarray, t: float) -> np.ndarray:
        """:meth:`reactions` for many integer keys at once: how many reactions of ``kind`` on each of
        ``post_ids`` are visible at ``t`` (an int64 array, in the given order)."""
        timed = self._timed.get(kind)
        if timed is None:
            return np.zeros(len(post_ids), dtype=np.int64)
        return timed.counts(np.asarray(post_ids, dtype=np.int64), t)

    def visible(self, post_ids: Sequence[int], t: float) -> list[int]:
        """The posts among ``post_ids`` visible at ``t``, in the given order."""
        ids = np.asarray(post_ids, dtype=np.int64)
        shown = (self.at("visible_at", ids) <= t) & (t < self.at("hidden_from", ids))
        return ids[shown].tolist()

    def is_visible(self, post_id: int, t: float) -> bool:
        """Whether the post is visible at ``t``."""
        if post_id < self.first:
            raise dropped(post_id, self.first)
        row = post_id - self._base
        return bool(self._cols["visible_at"][row] <= t < self._cols["hidden_from"][row])

    def label_at(self, post_id: int, t: float) -> str:
        """The labels attached to the post by ``t``, joined by " / " ("" without any)."""
        return " / ".join(text for at, text in self._labels.get(post_id, ()) if at <= t)


class _Reactions:
    """The reactions of one kind on integer keys as two growable columns (key, time), in write order."""

    def __init__(self) -> None:
        self.n = 0
        self.keys = np.zeros(64, dtype=np.int64)
        self.times = np.zeros(64, dtype=np.float64)

    def append(self, key: int, at: float) -> None:
        """One more reaction on ``key`` visible from ``at``."""
        if self.n == self.keys.size:
            self.keys = np.concatenate([self.keys, np.zeros_like(self.keys)])
            self.times = np.concatenate([self.times, np.zeros_like(self.times)])
        self.keys[self.n], self.times[self.n] = key, at
        self.n += 1

    def counts(self, keys: np.ndarray, t: float) -> np.ndarray:
        """How many reactions on each of ``keys`` are visible at ``t``: those whose time is ``<= t``,
        as ``bisect_right`` counts them in each key's sorted list."""
        seen = np.sort(self.keys[: self.n][self.times[: self.n] <= t])
        return np.searchsorted(seen, keys, "right") - np.searchsorted(seen, keys, "left")
