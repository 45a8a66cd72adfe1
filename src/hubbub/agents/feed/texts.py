"""Prompt text for the S3 agents (emotion, attitude, demographics, memory, behaviour), in English and Chinese.

Kept apart from the TrendSim templates in ``agents/prompts/``. Only the question goes into a choice
prompt: the backend appends the lettered options and the "answer with a letter" line itself
(:mod:`hubbub.llm.choice`). The shared instructions and the persona come first and the changing part
(memory, current state, received posts, the question) last, so servers can reuse the cached prefix.

Every ``str`` field is quoted by :func:`hubbub.agents.prompts.fill` unless it is a
:class:`~hubbub.agents.prompts.Block` (text these templates produced): profiles, posts, memories, the
event, the attitude target and interview questions enter a prompt only as « » blocks.

A scenario's ``agents.prompts_dir`` can replace any of these texts: ``<dir>/<lang>/feed/<key>.txt`` holds
the new wording of ``key`` (the same ``{fields}`` or fewer); the option texts of the behaviour question
are the follow feed's actions (:mod:`hubbub.platform.actions`), not texts of this module.

Option labels are shown to the model; the code always stores the canonical English value (the index of
the picked option maps back to it), never the shown text.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from hubbub.agents.prompts import PROMPTS_DIR, Block, fill
from hubbub.errors import ConfigError

LANGS = ("en", "zh")

FEED_DIR = "feed"
"""The sub-folder of ``agents.prompts_dir/<lang>/`` that holds follow-feed text overrides."""

EN: dict[str, str] = {
    # --- shared
    "system": (
        "You are simulating one real user of a social network such as Weibo or Twitter while a public "
        "event unfolds. Think and answer as this user would, from who they are and what they have read."
    ),
    "persona": "About you:\n{profile}",
    "no_profile": "(no profile description)",
    "demographics": "Age group: {age_bin}. Gender: {gender}. Occupation: {occupation}.",
    "unknown": "unknown",
    "memory": "Posts you remember:\n{memory}",
    "memory_empty": "(nothing yet)",
    "received": "New posts you received just now:\n{posts}",
    "received_empty": "(none)",
    "history": "Your earlier posts:\n{history}",
    "history_empty": "(no earlier posts)",
    # --- emotion (S3 3.3.1, 4.3)
    "emotion_current": "Your current emotion about the event: {level}.",
    "emotion_decay": (
        "Emotions fade with time: with nothing new to react to, an emotion drops one level toward calm "
        "with probability {decay:.2f} per step (the decay coefficient)."
    ),
    "emotion_question": (
        "Taking all of this into account, how intense is your emotion about the event after reading the "
        "new posts?"
    ),
    "emotion.calm": "calm (not emotionally stirred)",
    "emotion.moderate": "moderate (noticeably moved)",
    "emotion.intense": "intense (strongly upset or excited)",
    # --- attitude (S3 3.3.2)
    "attitude_current": "Your current attitude toward {target}: {attitude}.",
    "attitude_question": "After reading the new posts, what is your attitude toward {target}?",
    "attitude_initial_question": "Before hearing any news about it, what is your attitude toward {target}?",
    "attitude.negative": "negative (against it)",
    "attitude.positive": "positive (in favour of it)",
    # --- interviews (the researcher's workbench)
    "interview_state": "Your emotion about the event now: {level}. Your attitude toward {target}: {attitude}.",
    "interview_question": (
        "A researcher asks you: {question}\nAnswer in one or two sentences, in character, as this user would."
    ),
    # --- demographics (S3 4.2.2)
    "demo_system": (
        "You estimate demographic attributes of social media users from what they write about "
        "themselves. Give your best guess even when the evidence is weak."
    ),
    "demo_user": "Profile description: {description}\n\nRecent posts:\n{posts}",
    "demo_no_description": "(empty)",
    "demo_no_posts": "(none)",
    "demo.age_bin": "Which age group does this user most likely belong to?",
    "demo.gender": "What is this user's most likely gender?",
    "demo.occupation": "Which occupation category fits this user best?",
    # --- memory rendering (S3 4.1)
    "source.own": "you posted",
    "source.mutual": "from a mutual friend",
    "source.followee": "from someone you follow",
    "source.recommended": "recommended by the platform",
    "memory_item": "- [{label}{who}] {text}",
    "memory_author": " @{author}",
    # --- behaviour and content (S3 4.4), posts as the feed shows them
    "event": "The event: {event}",
    "state": "Your emotion about the event: {emotion}. Your attitude toward {target}: {attitude}.",
    "behaviour_question": "You have just read the new posts above. What do you do now?",
    "content_question": ("Write the post you publish now about the event, in your own voice, in at most "
                         "{chars} characters. Reply with the post text only."),
    "reposted": "@{author} reposted: {text}",
    "posted": "@{author}: {text}",
    "platform": "Trending on the platform: {text}",
    "label": "[Label added by the platform: {text}]",
}

ZH: dict[str, str] = {
    "system": "你在模拟微博或推特等社交网络上的一位真实用户，某个公共事件正在发酵。请根据这位用户的身份和读到的内容，以他/她的方式思考和回答。",
    "persona": "关于你：\n{profile}",
    "no_profile": "（没有个人简介）",
    "demographics": "年龄段：{age_bin}。性别：{gender}。职业：{occupation}。",
    "unknown": "未知",
    "memory": "你记得的帖子：\n{memory}",
    "memory_empty": "（暂无）",
    "received": "你刚刚收到的新帖子：\n{posts}",
    "received_empty": "（无）",
    "history": "你以前发过的帖子：\n{history}",
    "history_empty": "（没有以前的帖子）",
    "emotion_current": "你目前对这个事件的情绪：{level}。",
    "emotion_decay": "情绪会随时间消退：如果没有新的刺激，情绪每一步以 {decay:.2f} 的概率（衰减系数）向平静降低一级。",
    "emotion_question": "综合以上信息，读完这些新帖子后，你对这个事件的情绪强烈程度如何？",
    "emotion.calm": "平静（没有明显情绪波动）",
    "emotion.moderate": "中等（情绪有明显波动）",
    "emotion.intense": "强烈（非常愤怒或激动）",
    "attitude_current": "你目前对{target}的态度：{attitude}。",
    "attitude_question": "读完这些新帖子后，你对{target}的态度是什么？",
    "attitude_initial_question": "在听到任何相关消息之前，你对{target}的态度是什么？",
    "attitude.negative": "负面（反对）",
    "attitude.positive": "正面（支持）",
    "interview_state": "你现在对这个事件的情绪：{level}。你对{target}的态度：{attitude}。",
    "interview_question": "一位研究者问你：{question}\n请以这位用户的身份，用一两句话回答。",
    "demo_system": "你根据社交媒体用户自己写的内容推断其人口统计属性。即使证据不足，也请给出最可能的猜测。",
    "demo_user": "个人简介：{description}\n\n最近的帖子：\n{posts}",
    "demo_no_description": "（空）",
    "demo_no_posts": "（无）",
    "demo.age_bin": "这位用户最可能属于哪个年龄段？",
    "demo.gender": "这位用户最可能的性别是什么？",
    "demo.occupation": "哪个职业类别最符合这位用户？",
    "source.own": "你自己发的",
    "source.mutual": "来自互相关注的好友",
    "source.followee": "来自你关注的人",
    "source.recommended": "平台推荐",
    "memory_item": "- [{label}{who}] {text}",
    "memory_author": " @{author}",
    "event": "事件：{event}",
    "state": "你目前对这个事件的情绪：{emotion}。你对{target}的态度：{attitude}。",
    "behaviour_question": "你刚读完上面的新帖子。你现在会怎么做？",
    "content_question": "用你自己的口吻写下你现在就这个事件发布的帖子，不超过 {chars} 个字。只回复帖子内容。",
    "reposted": "@{author} 转发：{text}",
    "posted": "@{author}：{text}",
    "platform": "平台热搜：{text}",
    "label": "【平台标注：{text}】",
}

# Display names of the canonical demographic values (Table 5 and the age bins) in Chinese; English
# shows the canonical value itself.
ZH_VALUES: dict[str, str] = {
    "Education Practitioner": "教育从业者",
    "Administrative Manager / Officer": "行政管理人员 / 公务员",
    "Unemployed / Student": "无业 / 学生",
    "Engineer": "工程师",
    "Labor Technician / Worker": "技术工人 / 工人",
    "Logistics Practitioner": "物流从业者",
    "Medical Personnel": "医务人员",
    "Financial Practitioner": "金融从业者",
    "Media Personnel": "媒体从业者",
    "Entertainment and Arts Practitioner": "文娱艺术从业者",
    "under 18": "18岁以下",
    "18-24": "18-24岁",
    "25-34": "25-34岁",
    "35-44": "35-44岁",
    "45-54": "45-54岁",
    "55-64": "55-64岁",
    "65+": "65岁及以上",
    "female": "女",
    "male": "男",
    "other": "其他",
}

PROMPTS: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


def check_lang(lang: str) -> str:
    """``lang`` itself, or a ConfigError naming the languages S3 prompts exist in."""
    if lang not in PROMPTS:
        raise ConfigError(f"language: got {lang!r}, allowed: {', '.join(LANGS)}")
    return lang


def text(lang: str, key: str, **fields: object) -> Block:
    """The prompt text ``key`` in ``lang`` with ``fields`` filled in (text fields quoted)."""
    wording = template(lang, key)
    return fill(wording, fields) if fields else Block(wording)


def template(lang: str, key: str) -> str:
    """The raw text ``key`` in ``lang``: the scenario's own (``agents.prompts_dir``, file
    ``<dir>/<lang>/feed/<key>.txt``) when it has one, else the packaged text."""
    packaged = PROMPTS[check_lang(lang)][key]
    folder = PROMPTS_DIR.get()
    own = _override(folder, lang, key) if folder else None
    return packaged if own is None else own


@lru_cache(maxsize=None)
def _override(folder: str, lang: str, key: str) -> str | None:
    """One override file read once (trailing whitespace dropped), or None where the folder has none."""
    path = Path(folder) / lang / FEED_DIR / f"{key}.txt"
    return path.read_text(encoding="utf-8").rstrip() if path.is_file() else None


def check_feed_dir(where: Path) -> None:
    """ConfigError unless every file in ``where`` (``<prompts_dir>/<lang>/feed``) overrides a known
    follow-feed text and uses only that text's fields."""
    for file in sorted(where.iterdir()):
        key = file.name.removesuffix(".txt")
        if not file.name.endswith(".txt") or key not in EN:
            raise ConfigError(f"agents.prompts_dir: {file} is not a known follow-feed text; known: "
                              f"{', '.join(sorted(k + '.txt' for k in EN))}")
        allowed = _fields(EN[key]) | _fields(ZH[key])
        try:
            used = _fields(file.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ConfigError(f"agents.prompts_dir: {file} cannot be used as a follow-feed text ({exc})") from None
        unknown = sorted(used - allowed)
        if unknown:
            used_text = ", ".join("{" + u + "}" for u in unknown)
            raise ConfigError(f"agents.prompts_dir: {file} uses unknown field(s) {used_text}; "
                              f"text {key!r} takes: {', '.join('{' + f + '}' for f in sorted(allowed)) or 'none'}")


def _fields(wording: str) -> set[str]:
    """The ``str.format`` fields a text uses (ValueError for a malformed one)."""
    return {name for _, name, _, _ in string.Formatter().parse(wording) if name}


def value_label(value: str, lang: str) -> str:
    """How a demographic value is shown in ``lang``: a canonical value as our own wording (a Block),
    anything else as plain text, which the templates quote."""
    label = ZH_VALUES.get(value, value) if check_lang(lang) == "zh" else value
    return Block(label) if value in ZH_VALUES else label
