"""What a TrendSim user sees on each page, as text.

Pages follow TrendSim 3.2.3: Browsing page, Main page (the topic and a page of comments) and Comment
page (one comment and its replies). Which actions a page offers is said by the actions themselves
(:mod:`hubbub.platform.actions`: surfaces and conditions).

Every piece of third-party text on a page (title, summary, content, comments, replies, moderation
notes) is quoted with :func:`hubbub.agents.prompts.quote`; the page texts are :class:`Block` values, so
the renderer inserts them as they are.
"""

from __future__ import annotations

from hubbub.agents.prompts import Block, fill, joined, quote
from hubbub.platform.actions import Action
from hubbub.platform.actions.builtin import BY_NAME, HUB
from hubbub.platform.hub import CommentView, ReplyView

ACTION_TEXT = {lang: {name: BY_NAME[name].text[lang] for name in HUB} for lang in ("en", "zh")}
"""The option text of each built-in hub action (the actions themselves: :mod:`hubbub.platform.actions`)."""

_LABELS = {
    "en": {"browse": "Trending topic: {title}\nSummary: {summary}", "topic": "Trending topic: {title}",
           "stats": "Likes: {l} · Reposts: {r}", "comments": "Comments (page {p}):", "none": "No comments yet.",
           "no_more": "No more comments.", "comment": "Comment: {text} (likes {k}){note}", "replies": "Replies:",
           "no_replies": "No replies yet.", "gone": "This comment is no longer available.",
           "item": "[{i}] {text} (likes {k}, replies {n}){note}", "reply_item": "[{i}] {text} (likes {k})",
           "listed": "[{i}] {text}", "note": " [Note: {label}]", "action": "{name}: {text}"},
    "zh": {"browse": "热搜话题：{title}\n简介：{summary}", "topic": "热搜话题：{title}", "stats": "点赞：{l} · 转发：{r}",
           "comments": "评论（第{p}页）：", "none": "暂无评论。", "no_more": "没有更多评论了。",
           "comment": "评论：{text}（点赞 {k}）{note}", "replies": "回复：", "no_replies": "暂无回复。",
           "gone": "该评论已不存在。", "item": "[{i}] {text}（点赞 {k}，回复 {n}）{note}",
           "reply_item": "[{i}] {text}（点赞 {k}）", "listed": "[{i}] {text}", "note": "【提示：{label}】",
           "action": "{name}：{text}"},
}


def _line(lang: str, key: str, **fields: object) -> Block:
    """One label of the page with its fields filled in; text fields are quoted by :func:`fill`."""
    return fill(_LABELS[lang][key], fields)


def browse_text(lang: str, title: str, summary: str) -> Block:
    """The Browsing page: the topic's title and summary."""
    return _line(lang, "browse", title=title, summary=summary)


def main_text(lang: str, title: str, content: str, counts: tuple[int, int, int],
              comments: tuple[CommentView, ...], page: int) -> Block:
    """The Main page: title, content, counts and one page of comments."""
    lines = [_line(lang, "topic", title=title), quote(content), _line(lang, "stats", l=counts[0], r=counts[1]),
             _line(lang, "comments", p=page + 1)]
    if not comments:
        lines.append(_line(lang, "none" if page == 0 else "no_more"))
    for i, c in enumerate(comments, 1):
        lines.append(_line(lang, "item", i=i, text=c.text, k=c.likes, n=c.replies, note=_note(lang, c.label)))
    return joined(lines)


def _note(lang: str, label: str) -> Block:
    return _line(lang, "note", label=label) if label else Block("")


def comment_text(lang: str, comment: CommentView | None, replies: tuple[ReplyView, ...]) -> Block:
    """The Comment page: one comment and its replies."""
    if comment is None:
        return _line(lang, "gone")
    lines = [_line(lang, "comment", text=comment.text, k=comment.likes, note=_note(lang, comment.label)),
             _line(lang, "replies")]
    if not replies:
        lines.append(_line(lang, "no_replies"))
    for i, r in enumerate(replies, 1):
        lines.append(_line(lang, "reply_item", i=i, text=r.text, k=r.likes))
    return joined(lines)


def numbered_comments(lang: str, comments: tuple[CommentView, ...]) -> Block:
    """The comments of a page as a numbered list, for choosing one to open."""
    return joined(_line(lang, "listed", i=i, text=c.text) for i, c in enumerate(comments, 1))


def describe_action(lang: str, action: Action, page: str, text: str | None = None) -> Block:
    """The action as the agent remembers it (fed to reflection prompts); a written text is quoted."""
    name = Block(action.option(lang, page))
    return _line(lang, "action", name=name, text=text) if text else name
