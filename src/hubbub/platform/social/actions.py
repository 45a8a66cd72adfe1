"""The actions of the living platform, as registry entries: where each is offered, when it is possible,
the option text a user is shown, and what it does to the platform (DESIGN decision 11).

A *page* is what a user sees in one step of a session: the board, their home feed, a topic's posts or
search results. Every action names the surfaces that offer it and what it needs on the page (a post to
act on, an author, a followee, a topic); :func:`available` lists the actions possible on a page for
one user. :func:`apply` makes an action's effects, at commit time, visible from the action's end.
How long an action takes is the world's rule (reading the page plus writing its text).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

from hubbub.platform.social.board import BoardEntry
from hubbub.platform.social.feed import FeedItem
from hubbub.platform.social.state import AuthorInfo, SocialPlatform

FEEDS = ("home", "topic", "search")
SURFACES = ("board",) + FEEDS


@dataclass(frozen=True)
class Page:
    """What one user sees in one step: the surface, its posts (or board lines) and what they can tell
    about the authors shown and their own followees."""

    surface: str
    items: tuple[FeedItem, ...] = ()
    board: tuple[BoardEntry, ...] = ()
    authors: tuple[AuthorInfo, ...] = ()
    followees: tuple[str, ...] = ()
    voted: tuple[bool, ...] = ()
    topic: str | None = None
    query: str | None = None


class Where(NamedTuple):
    """Where a user's next step happens: the surface, and the topic or search query it shows."""

    surface: str
    topic: str | None = None
    query: str | None = None


def stay(page: Page, target: Any, text: str | None) -> Where:
    """The default navigation: the next step happens on the same page (refreshed)."""
    return Where(page.surface, page.topic, page.query)


@dataclass(frozen=True)
class SocialAction:
    """One action of the living platform, in the shape of :class:`hubbub.platform.actions.base.Action`.

    ``surfaces``: the pages that offer it (:data:`SURFACES`). ``text``: the option as the user reads it,
    per language. ``rank``: offered options are ordered by rank. ``target``: what the user picks when
    taking it (``post``, ``author``, ``followee``, ``topic``) or None; it is possible only when the page
    has one (:func:`targets`). ``writes``: the text the user writes (``post``, ``quote``, ``reply``,
    ``query``) or None. ``apply(platform, agent, data, at)``: what it does at commit, effective from
    ``at`` (the action's end); a returned mapping is added to the recorded action. ``navigate(page,
    target, text)``: the :class:`Where` of the next step. ``ends_session``: the user leaves after it.
    """

    name: str
    surfaces: tuple[str, ...]
    text: Mapping[str, str]
    doc: str
    rank: int = 80
    target: str | None = None
    writes: str | None = None
    apply: Callable[[SocialPlatform, str, dict[str, Any], float], Mapping[str, Any]] = field(
        default=lambda pf, agent, data, at: {}, compare=False, repr=False)
    navigate: Callable[[Page, Any, str | None], Where] = field(default=stay, compare=False, repr=False)
    ends_session: bool = False

    def option(self, lang: str) -> str:
        """The option text in ``lang``."""
        return self.text[lang]


def targets(action: SocialAction, page: Page, agent: str) -> tuple[Any, ...]:
    """What ``agent`` could take ``action`` on in ``page`` (post ids, agent ids or topic ids)."""
    if action.target == "post":
        posts = [(item.post, voted) for item, voted in zip(page.items, page.voted or (False,) * len(page.items))]
        if action.name in ("like", "dislike"):
            return tuple(p.post_id for p, v in posts if p.author != agent and not v)
        return tuple(p.post_id for p, _ in posts if p.author != agent)
    if action.target == "author":
        return tuple(a.agent_id for a in page.authors if a.agent_id != agent and _fits(action.name, a))
    if action.target == "followee":
        return page.followees
    if action.target == "topic":
        return tuple(line.topic_id for line in page.board)
    return ()


def _fits(name: str, a: AuthorInfo) -> bool:
    return {"follow": not a.followed and not a.blocked, "mute": not a.muted and not a.blocked,
            "block": not a.blocked}[name]


def available(page: Page, agent: str) -> tuple[str, ...]:
    """The actions ``agent`` can take on ``page``, in registry order."""
    here = [a for a in ACTIONS.values() if page.surface in a.surfaces and (a.target is None or targets(a, page, agent))]
    return tuple(a.name for a in sorted(here, key=lambda a: a.rank))


# ---------------------------------------------------------------------------------------------------
# effects (commit time)


def _board_touch(pf: SocialPlatform, post_id: int, kind: str, at: float) -> None:
    """A like or repost of a post that belongs to a board topic heats the topic."""
    post = pf.store.posts[post_id]
    topic = post.topic or next((k for tag in post.hashtags if (k := pf.board.topic_of_tag(tag))), None)
    if topic is not None:
        pf.board.interact(topic, kind, at)


def _vote(up: bool) -> Callable[..., dict[str, Any]]:
    """The effect of a like (``up``) or a dislike."""
    def effect(pf: SocialPlatform, agent: str, d: dict[str, Any], at: float) -> dict[str, Any]:
        pf.store.vote(agent, d["target"], up, at)
        if up:
            pf.engage(agent, d["target"], at)
            _board_touch(pf, d["target"], "like", at)
        return {}
    return effect


def _publish(kind: str) -> Callable[..., dict[str, Any]]:
    """The effect of writing a post of ``kind`` (post, repost, quote, reply)."""
    def effect(pf: SocialPlatform, agent: str, d: dict[str, Any], at: float) -> dict[str, Any]:
        parent = d.get("target") if kind != "post" else None
        topic = d.get("topic") if kind == "post" else None
        tags = [pf.board.topics[topic].hashtag] if topic else []
        toxicity = pf.store.posts[parent].toxicity if kind == "repost" else d.get("toxicity") or 0.0
        post_id = pf.store.add(agent, kind, d.get("text") or "", d["time"], at, parent=parent, topic=topic,
                               toxicity=toxicity, attitude=d.get("attitude", 0.5), extra_tags=tags)
        if kind in ("repost", "quote"):
            pf.engage(agent, parent, at)
            _board_touch(pf, parent, "repost", at)
        elif topic:
            pf.board.interact(topic, "comment", at)
        made = {"post_id": post_id, "hashtags": list(pf.store.posts[post_id].hashtags)}
        return {**made, "toxicity": toxicity} if kind == "repost" else made
    return effect


def _graph(op: str) -> Callable[..., dict[str, Any]]:
    def effect(pf: SocialPlatform, agent: str, d: dict[str, Any], at: float) -> dict[str, Any]:
        if op == "follow" and pf.graph.blocked(agent, d["target"], at):
            return {"changes": []}
        return {"changes": pf.graph.apply(at, agent, d["target"], op)}
    return effect


def _visit(pf: SocialPlatform, agent: str, d: dict[str, Any], at: float) -> dict[str, Any]:
    pf.board.interact(d["target"], "visit", at)
    return {}


def _to(surface: str) -> Callable[[Page, Any, str | None], Where]:
    def navigate(page: Page, target: Any, text: str | None) -> Where:
        if surface == "topic":
            return Where("topic", target)
        return Where(surface, None, text if surface == "search" else None)
    return navigate


_ALL = [
    SocialAction("like", FEEDS, {"en": "Like a post", "zh": "点赞一条帖子"}, "Up-vote a shown post (once per post).",
                 10, "post", apply=_vote(True)),
    SocialAction("dislike", FEEDS, {"en": "Dislike a post", "zh": "踩一条帖子"},
                 "Down-vote a shown post (Reddit-style; lowers its score and so its hot rank).", 12, "post",
                 apply=_vote(False)),
    SocialAction("repost", FEEDS, {"en": "Repost a post", "zh": "转发一条帖子"}, "Share a shown post as it is.",
                 20, "post", apply=_publish("repost")),
    SocialAction("quote", FEEDS, {"en": "Quote a post with your comment", "zh": "带评论转发一条帖子"},
                 "Repost a shown post with a comment of one's own.", 22, "post", "quote", apply=_publish("quote")),
    SocialAction("reply", FEEDS, {"en": "Reply to a post", "zh": "回复一条帖子"}, "Write a reply under a shown post.",
                 24, "post", "reply", apply=_publish("reply")),
    SocialAction("follow", FEEDS, {"en": "Follow the author of a post", "zh": "关注一条帖子的作者"},
                 "Follow an author shown on the page (not while either blocks the other).", 30, "author",
                 apply=_graph("follow")),
    SocialAction("unfollow", FEEDS, {"en": "Unfollow someone you follow", "zh": "取消关注一个你关注的人"},
                 "Stop following one of one's followees.", 32, "followee", apply=_graph("unfollow")),
    SocialAction("mute", FEEDS, {"en": "Mute the author of a post", "zh": "屏蔽一条帖子的作者"},
                 "Stop seeing an author's posts in one's feeds (the follow stays).", 34, "author",
                 apply=_graph("mute")),
    SocialAction("block", FEEDS, {"en": "Block the author of a post", "zh": "拉黑一条帖子的作者"},
                 "Block an author: both stop following each other and see none of each other's posts.", 36,
                 "author", apply=_graph("block")),
    SocialAction("post", ("home", "topic"), {"en": "Write a new post", "zh": "发一条新帖子"},
                 "Publish a post; on a topic page it carries the topic's hashtag.", 40, None, "post",
                 apply=_publish("post")),
    SocialAction("search", FEEDS, {"en": "Search for posts", "zh": "搜索帖子"},
                 "Keyword search over the posts visible now; the results are the next page.", 50, None, "query",
                 navigate=_to("search")),
    SocialAction("open_board", FEEDS, {"en": "Look at the trending board", "zh": "查看热搜榜"},
                 "Go to the board of trending topics.", 60, navigate=_to("board")),
    SocialAction("home", ("topic", "search"), {"en": "Go back to your home feed", "zh": "返回首页"},
                 "Go back to one's home feed.", 70, navigate=_to("home")),
    SocialAction("exit", FEEDS, {"en": "Leave the platform for now", "zh": "暂时离开平台"}, "End the session.", 100,
                 ends_session=True),
    SocialAction("open_topic", ("board",), {"en": "Open a topic", "zh": "打开一个话题"},
                 "Open a topic of the board (a visit: it heats the topic); its posts are the next page.", 10,
                 "topic", apply=_visit, navigate=_to("topic")),
    SocialAction("skip_board", ("board",), {"en": "None of these topics", "zh": "这些话题都不看"},
                 "Open no topic; the home feed is the next page.", 100, navigate=_to("home")),
]
ACTIONS: dict[str, SocialAction] = {a.name: a for a in _ALL}
"""Every platform action by name."""


def apply(pf: SocialPlatform, agent: str, action: str, data: dict[str, Any], at: float) -> dict[str, Any]:
    """Make ``agent``'s ``action`` (its recorded ``data``) happen from ``at``; returns what it made."""
    return dict(ACTIONS[action].apply(pf, agent, data, at))
