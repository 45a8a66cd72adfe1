"""What a TrendSim user sees on each page, as text, and which actions each page offers.

Pages follow TrendSim 3.2.3: Browsing page (view details / exit), Main page (like, comment, repost,
more comments, open a comment, exit) and Comment page (like, reply, back). Actions that cannot be taken
on the current page (open a comment when none is shown, more comments when there are no more) are
not offered.
"""

from __future__ import annotations

from hubbub.platform.hub import CommentView, ReplyView

ACTION_TEXT = {
    "en": {
        "view_details": "View more details", "exit": "Exit", "like": "Like", "comment": "Comment",
        "repost": "Repost", "more_comments": "View more comments", "open_comment": "View comment details",
        "like_comment": "Like", "reply": "Reply to a comment", "back": "Back",
    },
    "zh": {
        "view_details": "查看详情", "exit": "退出", "like": "点赞", "comment": "评论", "repost": "转发",
        "more_comments": "查看更多评论", "open_comment": "查看评论详情", "like_comment": "点赞",
        "reply": "回复评论", "back": "返回",
    },
}

_LABELS = {
    "en": {"topic": "Trending topic", "summary": "Summary", "stats": "Likes: {l} · Reposts: {r}",
           "comments": "Comments (page {p})", "none": "No comments yet.", "no_more": "No more comments.",
           "comment": "Comment", "replies": "Replies", "no_replies": "No replies yet.",
           "gone": "This comment is no longer available.", "item": "[{i}] {text} (likes {k}, replies {n})",
           "reply_item": "[{i}] {text} (likes {k})"},
    "zh": {"topic": "热搜话题", "summary": "简介", "stats": "点赞：{l} · 转发：{r}", "comments": "评论（第{p}页）",
           "none": "暂无评论。", "no_more": "没有更多评论了。", "comment": "评论", "replies": "回复",
           "no_replies": "暂无回复。", "gone": "该评论已不存在。", "item": "[{i}] {text}（点赞 {k}，回复 {n}）",
           "reply_item": "[{i}] {text}（点赞 {k}）"},
}


def browse_text(lang: str, title: str, summary: str) -> str:
    lab = _LABELS[lang]
    return f"{lab['topic']}: {title}\n{lab['summary']}: {summary}"


def main_text(lang: str, title: str, content: str, counts: tuple[int, int, int],
              comments: tuple[CommentView, ...], page: int) -> str:
    lab = _LABELS[lang]
    lines = [f"{lab['topic']}: {title}", content, lab["stats"].format(l=counts[0], r=counts[1]),
             lab["comments"].format(p=page + 1) + ":"]
    if not comments:
        lines.append(lab["none"] if page == 0 else lab["no_more"])
    for i, c in enumerate(comments, 1):
        lines.append(lab["item"].format(i=i, text=c.text, k=c.likes, n=c.replies) + _note(lang, c.label))
    return "\n".join(lines)


def _note(lang: str, label: str) -> str:
    if not label:
        return ""
    return f" [Note: {label}]" if lang == "en" else f"【提示：{label}】"


def comment_text(lang: str, comment: CommentView | None, replies: tuple[ReplyView, ...]) -> str:
    lab = _LABELS[lang]
    if comment is None:
        return lab["gone"]
    lines = [(f"{lab['comment']}: {comment.text} (likes {comment.likes})" if lang == "en"
              else f"{lab['comment']}：{comment.text}（点赞 {comment.likes}）") + _note(lang, comment.label),
             lab["replies"] + ":"]
    if not replies:
        lines.append(lab["no_replies"])
    for i, r in enumerate(replies, 1):
        lines.append(lab["reply_item"].format(i=i, text=r.text, k=r.likes))
    return "\n".join(lines)


def numbered_comments(lang: str, comments: tuple[CommentView, ...]) -> str:
    return "\n".join(f"[{i}] {c.text}" for i, c in enumerate(comments, 1))


def browse_actions() -> tuple[str, ...]:
    return ("view_details", "exit")


def main_actions(has_comments: bool, has_more: bool) -> tuple[str, ...]:
    actions = ["like", "comment", "repost"]
    if has_more:
        actions.append("more_comments")
    if has_comments:
        actions.append("open_comment")
    actions.append("exit")
    return tuple(actions)


def comment_actions(available: bool) -> tuple[str, ...]:
    return ("like_comment", "reply", "back") if available else ("back",)


def describe_action(lang: str, action: str, text: str | None = None) -> str:
    """The action as the agent remembers it (fed to reflection prompts)."""
    name = ACTION_TEXT[lang][action]
    return f"{name}: {text}" if text else name
