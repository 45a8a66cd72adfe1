"""The built-in population: a fixed population of synthetic users, built from attribute tables with a
fixed internal seed, in English and Chinese (the same users in both languages)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from hubbub.agents.persona.model import GROUPS, LANGS, OCCUPATIONS, Persona, clip_level

_SEED = 20240520
_MAX_BUILTIN = 100_000
_GROUP_WEIGHTS = (0.30, 0.12, 0.15, 0.25, 0.10, 0.08)  # entertainment and society dominate (Fig. 4a)


def builtin_population(lang: str = "en", size: int = 1000) -> list[Persona]:
    """A fixed synthetic population: the same ``size`` users on every call and in both languages.

    Larger sizes extend smaller ones (the first 1,000 users of a 5,000-user population are the
    1,000-user population). Descriptions are third-person profiles of 25-45 words.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown persona language {lang!r}; allowed: {', '.join(LANGS)}")
    if not 1 <= size <= _MAX_BUILTIN:
        raise ValueError(f"size must be between 1 and {_MAX_BUILTIN}, got {size}")
    return [_persona_from_spec(spec, lang) for spec in _specs(size)]


@dataclass(frozen=True)
class _Spec:
    index: int
    group: int
    age: int
    gender: str
    occupation: int
    parts: tuple  # indices into the phrase tables, see _render
    emotion: float
    confidence: float


@lru_cache(maxsize=4)
def _specs(size: int) -> tuple[_Spec, ...]:
    """Draw specs one after another from one stream, redrawing any whose text repeats an earlier one."""
    rng = np.random.default_rng(_SEED)
    specs: list[_Spec] = []
    seen: set[str] = set()
    while len(specs) < size:
        spec = _draw_spec(rng, len(specs))
        key = _render(spec, "en")
        if key not in seen:
            seen.add(key)
            specs.append(spec)
    return tuple(specs)


def _draw_spec(rng: np.random.Generator, index: int) -> _Spec:
    group = int(rng.choice(len(GROUPS), p=_GROUP_WEIGHTS))
    age = _draw_age(rng)
    occupation = _draw_occupation(rng, age)
    topics = rng.choice(len(_SUBTOPICS[group]), size=2, replace=False)
    first = int(rng.integers(len(_TRAITS)))
    compatible = [i for i, t in enumerate(_TRAITS) if i != first and t[2] * _TRAITS[first][2] >= 0]
    second = int(compatible[int(rng.integers(len(compatible)))])
    habits = _draw_habits(rng, group)
    stance = int(rng.integers(len(_STANCES)))
    with_job = bool(rng.random() < 0.5)
    parts = (int(rng.integers(len(_LEADS))), int(topics[0]), int(topics[1]), first, second, habits, stance,
             with_job, int(rng.integers(2)))
    valence = _TRAITS[first][2] + _TRAITS[second][2]
    emotion = clip_level(rng.beta(4.2, 2.8) + 0.05 * valence)
    confidence = clip_level(rng.beta(4.2, 2.8) + 0.08 * _STANCES[stance][2] + 0.02 * valence)
    gender = "female" if rng.random() < 0.55 else "male"
    return _Spec(index, group, age, gender, occupation, parts, emotion, confidence)


def _draw_age(rng: np.random.Generator) -> int:
    brackets = ((16, 22), (23, 30), (31, 40), (41, 50), (51, 60), (61, 70))
    lo, hi = brackets[int(rng.choice(len(brackets), p=(0.22, 0.30, 0.24, 0.13, 0.07, 0.04)))]
    return int(rng.integers(lo, hi + 1))


def _draw_occupation(rng: np.random.Generator, age: int) -> int:
    student = OCCUPATIONS.index("Unemployed / Student")
    if (age <= 22 and rng.random() < 0.75) or (age >= 61 and rng.random() < 0.6):
        return student
    weights = np.array((0.10, 0.14, 0.10, 0.14, 0.11, 0.08, 0.08, 0.08, 0.09, 0.08))
    return int(rng.choice(len(OCCUPATIONS), p=weights / weights.sum()))


def _draw_habits(rng: np.random.Generator, group: int) -> tuple[int, int, int]:
    """One habit of the group, then two more from the group's and the general ones (general habits
    are numbered after the group's own); the third is used only when the text is short."""
    first = int(rng.integers(len(_GROUP_HABITS[group])))
    pool = [i for i in range(len(_GROUP_HABITS[group]) + len(_GENERAL_HABITS)) if i != first]
    second, third = (pool[int(i)] for i in rng.choice(len(pool), size=2, replace=False))
    return first, second, third


def _persona_from_spec(spec: _Spec, lang: str) -> Persona:
    return Persona(agent_id=f"b{spec.index:05d}", description=_render(spec, lang), group=GROUPS[spec.group],
                   age=spec.age, gender=spec.gender, occupation=OCCUPATIONS[spec.occupation],
                   emotion=spec.emotion, confidence=spec.confidence, lang=lang, extra={"source": "builtin"})


def _render(spec: _Spec, lang: str) -> str:
    """The description in ``lang``; the layout is fixed on the English text (25-45 words), so both
    languages say the same things."""
    three, job = _layout(spec)
    return _text(spec, lang, three, job)


def _layout(spec: _Spec) -> tuple[bool, bool]:
    """Add a third habit, then the occupation, while the English text is under 25 words; drop the
    occupation if it pushes the text over 45."""
    three, job = False, spec.parts[7]
    if _words(spec, three, job) < 25:
        three = True
    if _words(spec, three, job) < 25:
        job = True
    if job and _words(spec, three, job) > 45:
        job = False
    return three, job


def _words(spec: _Spec, three: bool, job: bool) -> int:
    return len(_text(spec, "en", three, job).split())


def _text(spec: _Spec, lang: str, three: bool, job: bool) -> str:
    k = 0 if lang == "en" else 1
    lead, a, b, t1, t2, habits, stance, _, variant = spec.parts
    subtopics = _SUBTOPICS[spec.group]
    head = _LEADS[lead][k].format(a=subtopics[a][k], b=subtopics[b][k])
    acts = [_habit(spec.group, h)[k] for h in habits[: 3 if three else 2]]
    occupation = _job_phrase(spec, variant)[k] if job else ""
    return _join(lang, head, (_TRAITS[t1][k], _TRAITS[t2][k]), acts, _STANCES[stance][k], occupation)


def _join(lang: str, head: str, traits: tuple[str, str], acts: list[str], stance: str, job: str) -> str:
    if lang == "en":
        listed = ", ".join(list(traits) + acts[:-1]) + " and " + acts[-1]
        text = f"{head}; {listed}; {stance}."
        return f"{text} {job}." if job else text
    text = f"{head}；{'、'.join(traits)}，{'，'.join(acts)}；{stance}。"
    return f"{text}{job}。" if job else text


def _habit(group: int, index: int) -> tuple[str, str]:
    own = _GROUP_HABITS[group]
    return own[index] if index < len(own) else _GENERAL_HABITS[index - len(own)]


def _job_phrase(spec: _Spec, variant: int) -> tuple[str, str]:
    occupation = OCCUPATIONS[spec.occupation]
    if occupation != "Unemployed / Student":
        return _JOB_PHRASES[occupation][variant]
    if spec.age <= 24:
        return _STUDENT_PHRASES[variant]
    return _RETIRED_PHRASE if spec.age >= 55 else _JOBSEEKER_PHRASE


# --- phrase tables for the built-in population (English, Chinese[, valence]) -------------------------

_SUBTOPICS = (
    (("TV dramas", "电视剧"), ("variety shows", "综艺节目"), ("pop music", "流行音乐"), ("new film releases", "新上映的电影"),
     ("celebrity news", "明星动态"), ("idol groups", "偶像团体"), ("stand-up comedy", "脱口秀"), ("animated series", "动漫"),
     ("mobile games", "手机游戏"), ("music festivals", "音乐节"), ("costume dramas", "古装剧"), ("reality shows", "真人秀")),
    (("tennis", "网球"), ("table tennis", "乒乓球"), ("football", "足球"), ("basketball", "篮球"), ("badminton", "羽毛球"),
     ("marathon running", "马拉松"), ("swimming", "游泳"), ("volleyball", "排球"), ("cycling", "骑行"),
     ("fitness training", "健身训练"), ("e-sports", "电竞"), ("the Olympics", "奥运赛事")),
    (("home cooking", "家常菜"), ("pets", "宠物"), ("travel", "旅行"), ("fashion", "穿搭"), ("skincare", "护肤"),
     ("home decoration", "家居装修"), ("parenting", "育儿"), ("coffee and new cafés", "咖啡和探店"),
     ("healthy eating", "健康饮食"), ("gardening", "养花种草"), ("budget shopping", "省钱购物"), ("weekend hiking", "周末徒步")),
    (("local news", "本地新闻"), ("consumer rights", "消费维权"), ("public safety", "公共安全"), ("education policy", "教育政策"),
     ("housing prices", "房价"), ("the job market", "就业形势"), ("food safety", "食品安全"), ("traffic and commuting", "交通出行"),
     ("elderly care", "养老问题"), ("workplace rights", "职场权益"), ("court cases", "法治案件"), ("charity campaigns", "公益活动")),
    (("history", "历史"), ("classical poetry", "古典诗词"), ("museums and exhibitions", "博物馆和展览"), ("literature", "文学"),
     ("calligraphy", "书法"), ("traditional festivals", "传统节日"), ("theatre and opera", "戏剧和戏曲"), ("photography", "摄影"),
     ("folk crafts", "非遗手艺"), ("contemporary novels", "当代小说"), ("classical music", "古典音乐"), ("archaeology", "考古")),
    (("smartphones", "智能手机"), ("AI tools", "人工智能工具"), ("electric cars", "新能源汽车"), ("space missions", "航天"),
     ("programming", "编程"), ("digital gadgets", "数码产品"), ("internet companies", "互联网公司"), ("science news", "科普新闻"),
     ("cybersecurity", "网络安全"), ("robotics", "机器人"), ("the chip industry", "芯片产业"), ("drones", "无人机")),
)

_LEADS = (
    ("Keen follower of {a} and {b}", "热衷关注{a}和{b}"),
    ("Has followed {a} for years and also keeps up with {b}", "多年来一直关注{a}，也留意{b}"),
    ("Spends most evenings reading about {a}, with a soft spot for {b}", "晚上大多在看{a}相关的内容，对{b}也情有独钟"),
    ("Mainly interested in {a} and {b}", "主要关注{a}和{b}"),
    ("Follows {a} closely and dips into {b} now and then", "密切关注{a}，偶尔也看看{b}"),
    ("Cares a lot about {a} and is increasingly drawn to {b}", "很在意{a}，最近对{b}也越来越感兴趣"),
    ("Rarely misses anything about {a} or {b}", "关于{a}和{b}的消息几乎一条不落"),
    ("Casual but loyal follower of {a} and {b}", "{a}和{b}的佛系但忠实的关注者"),
)

_TRAITS = (
    ("upbeat", "积极向上", 1), ("cheerful", "开朗", 1), ("warm-hearted", "热心肠", 1), ("optimistic", "乐观", 1),
    ("easy-going", "随和", 1), ("humorous", "幽默", 1), ("patient", "有耐心", 1), ("idealistic", "理想主义", 1),
    ("competitive", "好胜", 0), ("practical", "务实", 0), ("curious", "好奇心强", 0), ("detail-oriented", "注重细节", 0),
    ("reserved", "内敛", 0), ("straightforward", "心直口快", 0), ("sentimental", "感性", 0), ("rational", "理性", 0),
    ("outspoken", "敢说敢言", 0), ("cautious", "谨慎", 0), ("nostalgic", "怀旧", 0), ("blunt", "说话不留情面", 0),
    ("sceptical", "爱质疑", -1), ("anxious", "容易焦虑", -1), ("cynical", "有些愤世嫉俗", -1), ("impatient", "急性子", -1),
    ("sensitive", "敏感", -1), ("pessimistic", "偏悲观", -1),
)

_GROUP_HABITS = (
    (("binge-watches new series at weekends", "周末追新剧"), ("votes in fan polls", "参与粉丝投票"),
     ("writes long reviews of finales", "为大结局写长评"), ("shares behind-the-scenes clips", "分享幕后花絮"),
     ("rates every show on review sites", "给看过的每部剧打分"), ("quotes funny lines from sitcoms", "爱引用情景喜剧里的台词"),
     ("collects concert ticket stubs", "收藏演唱会票根"), ("defends favourite actors in comment sections", "在评论区维护喜欢的演员"),
     ("makes playlists for every mood", "为各种心情整理歌单"), ("reposts trailers the day they drop", "预告片一出就转发")),
    (("shares match highlights", "分享比赛精彩片段"), ("cheers for national players", "为国家队选手加油"),
     ("posts weekly running logs", "每周晒跑步记录"), ("argues about tactics after every game", "每场比赛后都要讨论战术"),
     ("stays up late for live broadcasts", "熬夜看直播"), ("tracks player statistics", "关注球员数据"),
     ("plays in an amateur league at weekends", "周末参加业余联赛"), ("reposts training tips", "转发训练技巧")),
    (("posts photos of home-cooked meals", "晒自己做的饭菜"), ("shares money-saving tips", "分享省钱攻略"),
     ("reviews newly opened cafés", "点评新开的咖啡店"), ("posts daily pet photos", "每天晒宠物照片"),
     ("plans trips months ahead", "提前几个月规划旅行"), ("compares prices before buying anything", "买东西前货比三家"),
     ("shares outfit ideas", "分享穿搭灵感"), ("tends a balcony garden", "打理阳台小花园")),
    (("reposts appeals for missing people", "转发寻人启事"), ("comments on policy changes", "评论政策变化"),
     ("follows court cases to the verdict", "跟进案件直到宣判"), ("shares consumer-rights advice", "分享维权经验"),
     ("asks for official explanations", "呼吁官方给出说明"), ("checks sources before reposting", "转发前先核实来源"),
     ("debates housing and jobs with friends", "和朋友讨论房价和就业"), ("supports charity fundraisers", "支持公益募捐")),
    (("posts reading notes", "发读书笔记"), ("visits an exhibition every month", "每月都去看展"),
     ("shares favourite classical poems", "分享喜欢的古诗词"), ("writes short essays on history", "写历史小短文"),
     ("practises calligraphy daily", "每天练书法"), ("recommends documentaries", "推荐纪录片"),
     ("collects old photographs", "收藏老照片"), ("explains the origins of festivals", "讲解节日的由来")),
    (("posts detailed gadget reviews", "发详细的数码测评"), ("watches product launches live", "看发布会直播"),
     ("tries every new AI tool", "尝鲜各种AI工具"), ("explains tech news to friends", "给朋友讲解科技新闻"),
     ("shares coding tips", "分享编程技巧"), ("tracks rocket launches", "关注火箭发射"),
     ("compares phone specs", "对比手机参数"), ("warns others about online scams", "提醒大家防范网络诈骗")),
)

_GENERAL_HABITS = (
    ("mostly lurks and likes rather than comments", "多数时候潜水点赞，很少评论"),
    ("replies to almost every comment", "几乎每条评论都会回复"), ("posts late at night", "常在深夜发帖"),
    ("reposts with short remarks", "转发时只配一句短评"), ("uses lots of emojis", "爱用表情包"),
    ("writes long, thoughtful comments", "爱写长评论"), ("shares jokes and memes", "喜欢分享段子和梗图"),
    ("checks the trending list several times a day", "一天刷好几次热搜"), ("keeps posts short", "发帖简短"),
    ("often asks others for their views", "常问别人怎么看"),
)

_STANCES = (
    ("dislikes gossip", "不喜欢八卦", 0), ("distrusts sensational headlines", "不信标题党", 0),
    ("has little patience for online quarrels", "对网上吵架没什么耐心", 0),
    ("believes most people mean well", "相信大多数人是善意的", 1), ("values fairness above all", "最看重公平", 0),
    ("is wary of advertising and paid promotion", "对广告和推广很警惕", 0),
    ("gets annoyed by rude comments", "看到没礼貌的评论会生气", 0),
    ("thinks social media exaggerates problems", "觉得社交媒体放大了问题", 1),
    ("trusts official statements only once evidence appears", "要看到证据才相信官方说法", -1),
    ("feels ordinary people are often ignored", "觉得普通人的声音常被忽视", -1),
    ("avoids political arguments", "回避政治争论", 0), ("loves hopeful, heart-warming stories", "喜欢温暖人心的故事", 1),
    ("is quick to call out unfair treatment", "遇到不公平的事会立刻发声", -1),
    ("prefers facts over opinions", "更看重事实而不是观点", 0), ("dislikes celebrity worship", "反感狂热追星", 0),
)

_JOB_PHRASES = {
    "Education Practitioner": (("Works as a teacher and often mentions students", "是一名教师，常提到自己的学生"),
                               ("Teaches at a tutoring school and posts about lesson planning", "在培训学校任教，常发备课日常")),
    "Administrative Manager / Officer": (
        ("Has an office job and jokes about endless meetings", "做行政工作，常吐槽开不完的会"),
        ("Manages a small team and posts about work-life balance", "管理一个小团队，常聊工作与生活的平衡")),
    "Engineer": (("Works as an engineer and likes explaining how things work", "是一名工程师，喜欢解释事物的原理"),
                 ("Writes software for a living and complains about overtime", "以写代码为生，常抱怨加班")),
    "Labor Technician / Worker": (("Works shifts in a factory and posts during breaks", "在工厂倒班，常在休息时发帖"),
                                  ("Works as an electrician and shares repair tips", "是一名电工，会分享维修小窍门")),
    "Logistics Practitioner": (
        ("Works in delivery and posts about long days on the road", "做快递配送，常发路上奔波的日常"),
        ("Works in a warehouse and shares stories from night shifts", "在仓库工作，会分享夜班见闻")),
    "Medical Personnel": (("Works as a nurse and shares practical health advice", "是一名护士，会分享实用的健康知识"),
                          ("Works in a hospital and speaks up for medical staff", "在医院工作，常为医护人员发声")),
    "Financial Practitioner": (("Works in banking and comments on market news", "在银行工作，常评论市场消息"),
                               ("Works as an accountant and posts budgeting tips", "是一名会计，会分享记账理财技巧")),
    "Media Personnel": (("Works in media and notices how stories are framed", "从事媒体工作，留意新闻的报道角度"),
                        ("Edits videos for a living and critiques editing styles", "以剪辑视频为生，爱点评剪辑手法")),
    "Entertainment and Arts Practitioner": (
        ("Works as a musician and posts rehearsal clips", "是一名音乐人，常发排练片段"),
        ("Works as a designer and shares hand-drawn sketches", "是一名设计师，会分享手绘草图")),
}
_STUDENT_PHRASES = (("Is a university student who posts about exams and dorm life", "是一名大学生，常发考试和宿舍生活"),
                    ("Is a student who squeezes scrolling in between classes", "是一名学生，常在课间刷手机"))
_RETIRED_PHRASE = ("Is retired and usually posts in the early morning", "已经退休，常在清晨发帖")
_JOBSEEKER_PHRASE = ("Is between jobs and shares job-hunting updates", "目前待业，会分享求职进展")
