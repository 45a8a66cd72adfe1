"""What an LLM user of the living platform reads: the page as text, in English and Chinese.

Every piece of third-party text (posts, user ids, topic titles, hashtags, labels) is quoted by
:func:`hubbub.agents.prompts.fill`; the returned texts are :class:`Block` values.
"""

from __future__ import annotations

from hubbub.agents.prompts import Block, fill, joined
from hubbub.agents.social.context import SocialContext, Shown

_LABELS = {
    "en": {"home": "Your home feed:", "topic": "Posts on the topic {topic}:", "search": "Search results for {query}:",
           "none": "(nothing to show)", "item": "[{i}] {author}: {text}{q} (likes {l}, dislikes {d}, reposts {r}){src}{note}",
           "recommended": " [recommended]", "note": " [Note: {label}]", "quoting": " quoting {parent}",
           "follows": "You follow: {names}", "follows_none": "You follow nobody yet.",
           "board_line": "{rank}. {title} (heat {heat})", "none_topic": "None of these topics"},
    "zh": {"home": "你的首页：", "topic": "话题{topic}下的帖子：", "search": "{query}的搜索结果：", "none": "（暂无内容）",
           "item": "[{i}] {author}：{text}{q}（点赞 {l}，踩 {d}，转发 {r}）{src}{note}", "recommended": "【推荐】",
           "note": "【提示：{label}】", "quoting": " 引用 {parent}", "follows": "你关注的人：{names}",
           "follows_none": "你还没有关注任何人。", "board_line": "{rank}. {title}（热度 {heat}）",
           "none_topic": "这些话题都不看"},
}
MAX_NAMED_FOLLOWEES = 12


def _line(lang: str, key: str, **fields: object) -> Block:
    return fill(_LABELS[lang][key], fields)


def post_line(lang: str, i: int, post: Shown) -> Block:
    """One numbered post with its author, counts, source and label."""
    src = _line(lang, "recommended") if post.source == "recommended" else Block("")
    note = _line(lang, "note", label=post.label) if post.label else Block("")
    q = _line(lang, "quoting", parent=post.quoted) if post.quoted else Block("")
    return _line(lang, "item", i=i, author=post.author, text=post.text, q=q, l=post.likes, d=post.dislikes,
                 r=post.reposts, src=src, note=note)


def page_text(ctx: SocialContext, topic_title: str = "", query: str = "") -> Block:
    """The page a user sees: its posts, numbered, and whom they follow."""
    lang = ctx.lang
    head = {"home": _line(lang, "home"), "topic": _line(lang, "topic", topic=topic_title),
            "search": _line(lang, "search", query=query)}[ctx.surface]
    lines = [head] + [post_line(lang, i, p) for i, p in enumerate(ctx.posts, start=1)]
    if not ctx.posts:
        lines.append(_line(lang, "none"))
    names = ctx.followees[:MAX_NAMED_FOLLOWEES]
    lines.append(_line(lang, "follows", names=", ".join(names)) if names else _line(lang, "follows_none"))
    return joined(lines)


def board_text(ctx: SocialContext) -> Block:
    """The board as a numbered list, hottest first."""
    return joined([_line(ctx.lang, "board_line", rank=t.rank, title=t.title, heat=round(t.heat, 1))
                   for t in ctx.topics])


def none_topic(lang: str) -> str:
    return _LABELS[lang]["none_topic"]
