"""The built-in actions: TrendSim's hub pages (3.2.3) and S3's follow-feed choices (4.4.2).

Browsing page: view details / exit. Main page: like, comment, repost, more comments (when there is a
further page), open a comment (when one is shown), exit. Comment page: like, reply (while the comment is
there), back. Follow feed: repost one of the received posts, write a new post, or nothing (recorded as
``none``). Their ranks give the option order the pages have always had.

On the follow feed an action's effect is applied by the round's commit, vectorised over every user of
the round (rule users too), so the feed actions carry no ``apply``.
"""

from __future__ import annotations

from typing import Any, Mapping

from hubbub.platform.actions.base import Acted, Action, Page, Where


def _shown(page: Page) -> bool:
    return bool(page.shown)


def _more(page: Page) -> bool:
    return page.has_more


def _to_main(page: Page, target: int | None) -> Where:
    return Where("main", 0, page.comment_id)


def _next_comments(page: Page, target: int | None) -> Where:
    return Where(page.name, page.page_no + 1, page.comment_id)


def _to_comment(page: Page, target: int | None) -> Where:
    return Where("comment", page.page_no, target)


def _back(page: Page, target: int | None) -> Where:
    """Back to the Main page the comment was opened from."""
    return Where("main", page.page_no, page.comment_id)


def _view(hub: Any, acted: Acted) -> None:
    hub.view(acted.visible_at)


def _like(hub: Any, acted: Acted) -> None:
    hub.like_topic(acted.visible_at)


def _repost(hub: Any, acted: Acted) -> None:
    hub.repost(acted.visible_at)


def _comment(hub: Any, acted: Acted) -> Mapping[str, Any]:
    return {"comment_id": hub.add_comment(acted.agent, acted.text or "", acted.time, acted.visible_at,
                                          acted.attack, acted.hidden)}


def _reply(hub: Any, acted: Acted) -> Mapping[str, Any]:
    return {"reply_id": hub.add_reply(acted.target, acted.agent, acted.text or "", acted.time, acted.visible_at,
                                      acted.attack, acted.hidden)}


def _like_comment(hub: Any, acted: Acted) -> None:
    hub.like_comment(acted.target, acted.visible_at)


VIEW_DETAILS = Action("view_details", ("browse",), {"en": "View more details", "zh": "查看详情"}, rank=10,
                      apply=_view, navigate=_to_main)
LIKE = Action("like", ("main",), {"en": "Like", "zh": "点赞"}, rank=20, apply=_like)
COMMENT = Action("comment", ("main",), {"en": "Comment", "zh": "评论"}, rank=30, writes="write_comment",
                 apply=_comment)
REPOST = Action("repost", ("main", "feed"), {"en": "Repost", "zh": "转发"}, rank=40, apply=_repost,
                surface_text={"feed": {"en": "Repost post {i}", "zh": "转发第 {i} 条帖子"}})
"""On the hub: repost the topic. On the feed: one option per received post (its text has ``{i}``)."""
MORE_COMMENTS = Action("more_comments", ("main",), {"en": "View more comments", "zh": "查看更多评论"}, rank=50,
                       possible=_more, navigate=_next_comments)
OPEN_COMMENT = Action("open_comment", ("main",), {"en": "View comment details", "zh": "查看评论详情"}, rank=60,
                      possible=_shown, target="pick", navigate=_to_comment)
LIKE_COMMENT = Action("like_comment", ("comment",), {"en": "Like", "zh": "点赞"}, rank=20, possible=_shown,
                      target="page", apply=_like_comment)
REPLY = Action("reply", ("comment",), {"en": "Reply to a comment", "zh": "回复评论"}, rank=30, possible=_shown,
               writes="write_reply", target="page", apply=_reply)
BACK = Action("back", ("comment",), {"en": "Back", "zh": "返回"}, rank=90, navigate=_back)
EXIT = Action("exit", ("browse", "main"), {"en": "Exit", "zh": "退出"}, rank=100, ends_session=True)
POST = Action("post", ("feed",), {"en": "Write a new post of your own about the event",
                                  "zh": "就这个事件发一条自己的新帖子"}, rank=45, writes="s3.content")
NONE = Action("none", ("feed",), {"en": "Do nothing", "zh": "什么都不做"}, rank=100)
"""The follow feed's "nothing": the user reads and moves on."""

HUB = ("view_details", "like", "comment", "repost", "more_comments", "open_comment", "like_comment", "reply",
       "back", "exit")
"""The hub's built-in actions, by name, as every TrendSim session offers them."""

FEED = ("repost", "post", "none")
"""The follow feed's built-in actions, by name."""

BY_NAME = {a.name: a for a in (VIEW_DETAILS, LIKE, COMMENT, REPOST, MORE_COMMENTS, OPEN_COMMENT, LIKE_COMMENT,
                               REPLY, BACK, EXIT, POST, NONE)}
