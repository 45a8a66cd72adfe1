"""Trending topics (TrendSim Section 3.2.2): a public post with a title, a summary and full content.

Topics come from three places: the built-in set (fictional but realistic events written for hubbub,
in English and Chinese), a user's file (JSON, JSONL, TOML or CSV) and rows of the Weibo hot-search
board (``shared/data/weibo_hot_search_hourly``). Loaders take an optional ``clean`` function for text
(the composition root passes :func:`hubbub.agents.anonymise.scrub`, which this layer may not import),
so handles and links in real descriptions never reach the run record.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from hubbub.errors import ConfigError, DataError
from hubbub.textfiles import read_utf8

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

SENTIMENTS = ("positive", "negative", "neutral")
CATEGORIES = ("entertainment", "sports", "society", "technology", "lifestyle", "culture", "finance", "other")
LANGS = ("en", "zh")

Clean = Callable[[str], str]


@dataclass(frozen=True)
class Topic:
    """One trending topic. ``sentiment`` groups topics as in the paper's results (Table 5)."""

    topic_id: str
    title: str
    summary: str
    content: str
    sentiment: str
    category: str
    lang: str
    source: str

    def __post_init__(self) -> None:
        for name in ("topic_id", "title", "summary", "content"):
            if not str(getattr(self, name)).strip():
                raise ValueError(f"topic field {name!r} is empty")
        _check_choice("sentiment", self.sentiment, SENTIMENTS)
        _check_choice("category", self.category, CATEGORIES)
        _check_choice("lang", self.lang, LANGS)

    def brief(self) -> str:
        """What the browsing page shows: title and summary."""
        return f"{self.title}\n{self.summary}"

    def full(self) -> str:
        """What the main page shows before the comments: title and full content."""
        return f"{self.title}\n{self.content}"


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ValueError(f"topic field {name!r} is {value!r}; allowed: {', '.join(allowed)}")


# --- built-in topics -------------------------------------------------------------------------------


def builtin_topics(lang: str = "en") -> list[Topic]:
    """The built-in topics in ``lang`` (fictional events; no real private persons)."""
    if lang not in LANGS:
        raise ConfigError(f"topic language {lang!r} is not available; allowed: {', '.join(LANGS)}")
    return [_builtin(entry, lang) for entry in BUILTIN]


def get_topic(topic_id: str) -> Topic:
    """A built-in topic by id (ids are ``<lang>-<slug>``, unique across both languages)."""
    topics = {t.topic_id: t for lang in LANGS for t in builtin_topics(lang)}
    if topic_id not in topics:
        raise ConfigError(f"unknown topic id {topic_id!r}; built-in ids: {', '.join(sorted(topics))}")
    return topics[topic_id]


def _builtin(entry: dict, lang: str) -> Topic:
    title, summary, content = entry[lang]
    return Topic(f"{lang}-{entry['slug']}", title, summary, content, entry["sentiment"], entry["category"],
                 lang, "builtin")


# --- topic files -----------------------------------------------------------------------------------

_REQUIRED = ("topic_id", "title", "summary", "content", "sentiment")
_OPTIONAL = ("category", "lang", "source")
_ALIASES = {"id": "topic_id"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def load_topics(path: str | Path, *, clean: Clean | None = None) -> list[Topic]:
    """Topics from a JSON (list, or ``{"topics": [...]}``), JSONL, TOML (``[[topics]]``) or CSV file.

    Required fields: topic_id (or id), title, summary, content, sentiment. Optional: category
    (default "other"), lang (default "zh" if the title has Chinese characters, else "en") and source
    (default: the file name). Errors name the file, the line or item, the field and what is allowed.
    """
    path = Path(path)
    topics: list[Topic] = []
    seen: dict[str, str] = {}
    for where, record in _records(path):
        topic = _topic_from_record(path, where, record, clean)
        if topic.topic_id in seen:
            raise DataError(f"{path}: {where}: duplicate topic_id {topic.topic_id!r} "
                            f"(first at {seen[topic.topic_id]}); topic ids must be unique")
        seen[topic.topic_id] = where
        topics.append(topic)
    if not topics:
        raise DataError(f"{path}: no topics found; expected at least one record")
    return topics


def _topic_from_record(path: Path, where: str, record: Mapping[str, object], clean: Clean | None) -> Topic:
    fields = {_ALIASES.get(k, k): ("" if v is None else str(v).strip()) for k, v in record.items()}
    unknown = sorted(set(fields) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise DataError(f"{path}: {where}: unknown field(s) {', '.join(unknown)}; "
                        f"allowed: {', '.join(_REQUIRED + _OPTIONAL)} (id is accepted for topic_id)")
    for name in _REQUIRED:
        if not fields.get(name):
            raise DataError(f"{path}: {where}: field {name!r} is missing or empty")
    for name, allowed in (("sentiment", SENTIMENTS), ("category", CATEGORIES), ("lang", LANGS)):
        value = fields.get(name)
        if value and value not in allowed:
            raise DataError(f"{path}: {where}: field {name!r} is {value!r}; allowed: {', '.join(allowed)}")
    text = clean or (lambda s: s)
    return Topic(
        topic_id=fields["topic_id"], title=text(fields["title"]), summary=text(fields["summary"]),
        content=text(fields["content"]), sentiment=fields["sentiment"],
        category=fields.get("category") or "other",
        lang=fields.get("lang") or ("zh" if _CJK.search(fields["title"]) else "en"),
        source=fields.get("source") or path.name,
    )


def _records(path: Path) -> Iterator[tuple[str, Mapping[str, object]]]:
    """(location, record) pairs from a topic file, by extension."""
    suffix = path.suffix.lower()
    readers = {".jsonl": _jsonl_records, ".json": _json_records, ".toml": _toml_records, ".csv": _csv_records}
    if suffix not in readers:
        raise DataError(f"{path}: unsupported topic file type {suffix or '(none)'!r}; "
                        f"allowed: {', '.join(sorted(readers))}")
    yield from readers[suffix](path, read_utf8(path, "topic file"))


def _jsonl_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield f"line {number}", _json_object(path, f"line {number}", line)


def _json_object(path: Path, where: str, line: str) -> Mapping[str, object]:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: {where}: bad JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError:
        raise DataError(f"{path}: {where}: JSON nested too deeply; allowed: one flat object per line") from None
    if not isinstance(value, dict):
        raise DataError(f"{path}: {where}: expected a JSON object, got {type(value).__name__}")
    return value


def _json_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: line {exc.lineno}: bad JSON ({exc.msg} at column {exc.colno})") from exc
    except RecursionError:
        raise DataError(f"{path}: JSON nested too deeply; allowed: a list of flat topic objects") from None
    if isinstance(value, dict) and "topics" in value:
        value = value["topics"]
    if not isinstance(value, list):
        raise DataError(f"{path}: expected a JSON list of topics or an object with a 'topics' list")
    yield from _numbered_items(path, value)


def _toml_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: bad TOML: {exc}") from exc
    except RecursionError:
        raise DataError(f"{path}: TOML nested too deeply; allowed: an array of flat tables [[topics]]") from None
    items = value.get("topics")
    if not isinstance(items, list):
        raise DataError(f"{path}: expected an array of tables [[topics]]")
    yield from _numbered_items(path, items)


def _numbered_items(path: Path, items: list) -> Iterator[tuple[str, Mapping[str, object]]]:
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise DataError(f"{path}: topic #{number}: expected an object/table, got {type(item).__name__}")
        yield f"topic #{number}", item


def _csv_records(path: Path, text: str) -> Iterator[tuple[str, Mapping[str, object]]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        for row in reader:
            if None in row:
                raise DataError(f"{path}: line {reader.line_num}: more values than the "
                                f"{len(reader.fieldnames or [])} header columns")
            yield f"line {reader.line_num}", {k: v for k, v in row.items() if v not in (None, "")}
    except csv.Error as exc:  # a field over the csv module's size limit, a stray quote
        raise DataError(f"{path}: line {reader.line_num + 1}: not readable as CSV ({exc}); allowed: fields of at "
                        f"most {csv.field_size_limit()} characters, quotes doubled inside quoted fields") from None


# --- Weibo hot-search rows -------------------------------------------------------------------------

_BOARD_CATEGORIES = {
    "society": ("社会", "时事", "军事", "政务", "法律"),
    "entertainment": ("明星", "电视剧", "综艺", "电影", "音乐", "搞笑", "游戏", "动漫", "网红"),
    "sports": ("体育", "电竞"),
    "finance": ("财经", "房产", "股市"),
    "technology": ("科技", "数码", "互联网", "科普", "汽车"),
    "lifestyle": ("美食", "时尚", "美妆", "健康", "情感", "旅游", "母婴", "萌宠", "家居", "生活"),
    "culture": ("读书", "文化", "艺术", "历史", "教育", "校园", "人文"),
}
_CATEGORY_OF = {zh: en for en, names in _BOARD_CATEGORIES.items() for zh in names}
_SENTENCE_END = re.compile(r"(?<=[。！？!?])")


def topics_from_hot_search(
    tsv_path: str | Path,
    *,
    titles: Sequence[str] | None = None,
    limit: int = 10,
    sentiments: Mapping[str, str] | None = None,
    clean: Clean | None = None,
) -> list[Topic]:
    """Topics from rows of the Weibo hot-search TSVs (``.tsv`` or ``.tsv.gz``).

    Reads ``weibo_hot_search_topics`` (title, first_seen_date, first_seen_hour, category, description)
    or the hourly board (date, hour, rank, title, category, ...; no description, so content is the
    title). With ``titles`` the named topics are taken (all must exist); otherwise the first ``limit``
    distinct titles that have content. The file is streamed and reading stops once enough rows are
    found. Sentiment is "neutral" unless ``sentiments`` maps the (bare) title to one.
    """
    path = Path(tsv_path)
    sentiments = dict(sentiments or {})
    for title, value in sentiments.items():
        if value not in SENTIMENTS:
            raise ConfigError(f"sentiment for {title!r} is {value!r}; allowed: {', '.join(SENTIMENTS)}")
    wanted = list(dict.fromkeys(titles)) if titles is not None else None
    if wanted is None and limit < 1:
        raise ConfigError(f"limit must be at least 1, got {limit}")
    found: dict[str, Topic] = {}
    for row in _hot_search_rows(path):
        title = row["title"]
        if title in found or (wanted is not None and title not in wanted):
            continue
        if wanted is None and not _has_content(row):
            continue
        found[title] = _hot_search_topic(row, sentiments.get(title, "neutral"), clean)
        if len(found) == (len(wanted) if wanted is not None else limit):
            break
    return _pick_found(path, found, wanted)


def _pick_found(path: Path, found: dict[str, Topic], wanted: list[str] | None) -> list[Topic]:
    if wanted is None:
        if not found:
            raise DataError(f"{path}: no hot-search rows with a title and description")
        return list(found.values())
    missing = [t for t in wanted if t not in found]
    if missing:
        raise DataError(f"{path}: title(s) not found in the hot-search file: {', '.join(missing[:10])}")
    return [found[t] for t in wanted]


def _has_content(row: Mapping[str, str]) -> bool:
    """Topics rows need a description; hourly rows only a non-advert title."""
    if "description" in row:
        return bool(row["description"].strip())
    return row.get("ads", "0") != "1"


def _hot_search_rows(path: Path) -> Iterator[dict[str, str]]:
    """Rows as dicts keyed by the header, which decides the format."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            yield from _parse_tsv(path, handle)
    except OSError as exc:
        raise DataError(f"{path}: cannot read hot-search file: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not valid UTF-8 ({exc.reason}); expected the UTF-8 TSV") from exc


def _parse_tsv(path: Path, handle: Iterable[str]) -> Iterator[dict[str, str]]:
    reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader, None)
    if not header or "title" not in header or not ({"description", "rank"} & set(header)):
        raise DataError(f"{path}: line 1: not a hot-search TSV header {header!r}; expected columns "
                        "title, first_seen_date, first_seen_hour, category, description (topics file) "
                        "or date, hour, rank, title, category, ... (hourly file)")
    for row in reader:
        if len(row) != len(header):
            raise DataError(f"{path}: line {reader.line_num}: {len(row)} columns, header has {len(header)}")
        record = dict(zip(header, row))
        if record["title"].strip():
            yield record


def _hot_search_topic(row: Mapping[str, str], sentiment: str, clean: Clean | None) -> Topic:
    text = clean or (lambda s: s)
    title = row["title"].strip()
    description = text(row.get("description", "").strip()) or text(title)
    date = row.get("first_seen_date") or row.get("date", "")
    hour = row.get("first_seen_hour") or row.get("hour", "")
    return Topic(
        topic_id="hs-" + hashlib.blake2b(title.encode("utf-8"), digest_size=5).hexdigest(),
        title=f"#{text(title)}#",
        summary=_first_sentence(description),
        content=description,
        sentiment=sentiment,
        category=_board_category(row.get("category", "")),
        lang="zh",
        source=f"weibo_hot_search {date} {hour.zfill(2)}:00".strip(),
    )


def _board_category(value: str) -> str:
    """Map the board's Chinese category ("明星-内地") to one of CATEGORIES."""
    return _CATEGORY_OF.get(value.split("-")[0].strip(), "other")


def _first_sentence(text: str, cap: int = 120) -> str:
    first = next((s for s in _SENTENCE_END.split(text) if s.strip()), text).strip()
    return first if len(first) <= cap else first[: cap - 1] + "…"


# --- built-in topic texts --------------------------------------------------------------------------
# Fictional events written for hubbub in the style of Weibo hot-search entries. Each entry holds
# (title, summary, content) per language; the Chinese text is a rendering of the same event.

BUILTIN: tuple[dict, ...] = (
    {
        "slug": "marathon-pacer", "sentiment": "positive", "category": "sports",
        "en": (
            "#Volunteer pacer walks cramping runner to the marathon finish#",
            "At a city marathon on Sunday, a volunteer pacer gave up his own finishing time to help a "
            "runner with severe cramps complete the last three kilometres.",
            "At the Riverside City Marathon on Sunday morning, a 62-year-old runner developed severe leg "
            "cramps about three kilometres from the finish. A volunteer pacer carrying the 4:30 balloon "
            "stopped, handed the balloon to another runner in his group and stayed with him, stretching "
            "his calves, sharing energy gels and walking beside him. The two crossed the line together 41 "
            "minutes later, to loud applause from spectators who had waited at the barrier. Video of the "
            "finish has been viewed more than 20 million times. The organisers said the pacer, a "
            "secondary-school PE teacher, will be invited back as a guest runner next year. The runner "
            "told reporters he had trained for eight months for his first full marathon and would not "
            "have made it alone. Medical staff confirmed he was checked at the finish and needed no "
            "treatment.",
        ),
        "zh": (
            "#马拉松志愿者陪抽筋跑者走完最后三公里#",
            "周日的一场城市马拉松上，一名志愿者配速员放弃了自己的完赛成绩，陪一位严重抽筋的跑者走完了最后三公里。",
            "周日上午的滨江城市马拉松上，一名62岁的跑者在距终点约三公里处腿部严重抽筋。举着“4小时30分”气球的"
            "志愿者配速员停了下来，把气球交给同组的另一名跑者，留下来帮他拉伸小腿、分享能量胶，并一路陪他走向终点。"
            "41分钟后，两人一起冲过终点线，守在护栏边的观众报以热烈掌声。冲线视频的播放量已超过2000万次。主办方表示，"
            "这位配速员是一名中学体育老师，明年将受邀作为嘉宾跑者参赛。这位跑者告诉记者，他为自己的第一个全程马拉松"
            "训练了八个月，“一个人肯定坚持不下来”。医护人员确认，他在终点接受了检查，无需治疗。",
        ),
    },
    {
        "slug": "rider-returns-bag", "sentiment": "positive", "category": "society",
        "en": (
            "#Delivery rider waits in the rain to return bag holding 50,000 yuan#",
            "A food-delivery rider found a bag containing cash and documents at a bus stop and waited two "
            "hours in heavy rain until its owner was found.",
            "On Tuesday evening a food-delivery rider in a southern city noticed a backpack left on the "
            "bench of a bus stop. Inside he found 50,000 yuan in cash, a passport and a folder of hospital "
            "bills. Instead of hurrying to his next order, he called the police and waited under the "
            "shelter in heavy rain for almost two hours until officers arrived and traced the owner "
            "through the documents. The owner had withdrawn the money to pay for his mother's surgery and "
            "realised the loss only after reaching the hospital. He offered the rider a reward, which the "
            "rider declined, saying he only hoped the delivery platform would waive his late-delivery "
            "penalty. The platform later announced that the penalty was cancelled and that it would give "
            "him a bonus for good conduct.",
        ),
        "zh": (
            "#外卖小哥冒雨守护装有5万元现金的失物#",
            "一名外卖骑手在公交站捡到装有现金和证件的背包，冒雨等了近两个小时，直到找到失主。",
            "周二晚上，南方某市一名外卖骑手在公交站的长椅上发现了一个被遗忘的背包，里面有5万元现金、一本护照和一叠"
            "医院缴费单。他没有急着去送下一单，而是报了警，在大雨中守在站台下等了将近两个小时，直到民警赶到并通过证件"
            "联系上失主。失主取这笔钱是为了给母亲交手术费，到了医院才发现背包丢了。失主想给骑手一笔酬谢，被他婉拒，"
            "他说只希望平台能免掉他这一单的超时罚款。平台随后宣布取消罚款，并给他发放“好人好事”奖励。",
        ),
    },
    {
        "slug": "retinal-screening", "sentiment": "positive", "category": "technology",
        "en": (
            "#AI retinal screening arrives in mountain township clinics#",
            "A pilot programme placed AI-assisted retinal cameras in twelve township clinics, so diabetic "
            "patients no longer travel to the city for eye screening.",
            "A provincial health commission has completed the first year of a pilot that placed "
            "AI-assisted retinal cameras in twelve township clinics in a mountainous county. Village "
            "doctors photograph the back of the eye, the software flags signs of diabetic retinopathy "
            "within minutes, and ophthalmologists at the city hospital review every flagged case "
            "remotely. Before the pilot, patients waited four months on average and travelled three hours "
            "for a screening appointment. Over the year, more than 9,000 residents were screened and 640 "
            "were referred for treatment, about a third of them at an early stage when the condition can "
            "still be controlled. Doctors involved stressed that the software does not replace diagnosis, "
            "and the commission said it will publish an accuracy audit before extending the programme to "
            "other counties.",
        ),
        "zh": (
            "#AI眼底筛查走进山区乡镇卫生院#",
            "一项试点在12家乡镇卫生院配备了AI辅助眼底相机，糖尿病患者不用再进城就能做眼底筛查。",
            "某省卫健委日前完成了一项为期一年的试点：在一个山区县的12家乡镇卫生院配备AI辅助眼底相机。乡村医生为患者"
            "拍摄眼底照片，软件在几分钟内标记出糖尿病视网膜病变的迹象，市医院的眼科医生再远程复核每一例被标记的病例。"
            "试点之前，患者平均要等四个月、坐三个小时的车才能做一次筛查。一年来，超过9000名居民接受了筛查，640人被"
            "转诊治疗，其中约三分之一处于病情仍可控制的早期阶段。参与的医生强调，软件不能代替诊断；卫健委表示，将在"
            "推广到其他县之前公布准确率评估结果。",
        ),
    },
    {
        "slug": "night-library", "sentiment": "positive", "category": "culture",
        "en": (
            "#County library's 24-hour reading room fills six notebooks with thank-you notes#",
            "A county library kept its self-service reading room open around the clock for a year, and "
            "readers have filled six notebooks with messages of thanks.",
            "A county library in the north opened a self-service reading room a year ago that stays open "
            "24 hours, with free heating, drinking water and phone charging. Staff left a notebook on the "
            "front desk for suggestions; instead, readers have filled six notebooks with thank-you notes. "
            "Entries come from night-shift workers who read during their breaks, students preparing for "
            "exams, a delivery rider who says he finished his first novel there, and elderly residents "
            "who come in the early morning. The library said there had been no serious damage or loss of "
            "books during the year and that most visits happen between 9 p.m. and 2 a.m. Photos of the "
            "handwritten pages spread online this week, and several other libraries in the province said "
            "they are studying the idea.",
        ),
        "zh": (
            "#小县城图书馆24小时自习室攒下六本感谢留言#",
            "一家县图书馆的自助阅览室全天候开放了一年，读者写满了六本感谢留言。",
            "北方某县图书馆一年前开设了24小时开放的自助阅览室，免费提供暖气、饮用水和手机充电。工作人员在前台放了一个"
            "本子收集意见，没想到读者写满了六本感谢留言。留言的有利用休息时间来看书的夜班工人、备考的学生、说自己在"
            "这里读完人生第一本小说的外卖骑手，还有清晨就来的老年居民。图书馆表示，一年来没有发生严重的损坏或图书丢失，"
            "大部分到访集中在晚上9点到凌晨2点之间。本周，这些手写留言的照片在网上传开，省内另有几家图书馆表示正在"
            "研究借鉴这一做法。",
        ),
    },
    {
        "slug": "audio-description-cinema", "sentiment": "positive", "category": "entertainment",
        "en": (
            "#Cinema chain adds audio-description screenings for blind audiences#",
            "A cinema chain began weekly screenings with live audio description, and the first sessions "
            "sold out within a day.",
            "A cinema chain announced on Friday that it will hold weekly barrier-free screenings in eight "
            "of its theatres, with volunteer narrators describing scenes, expressions and on-screen text "
            "for blind and partially sighted viewers through headsets. The first two sessions, a family "
            "animation and a period drama, sold out within a day. The volunteers, most of them university "
            "students and retired radio presenters, prepare by watching each film several times and "
            "writing a script that fits into the pauses of the dialogue. One viewer said it was the first "
            "time in twenty years that she had seen a film in its opening week together with her family. "
            "The chain said tickets will cost half the normal price, and a film studio offered to provide "
            "narration scripts for its upcoming releases.",
        ),
        "zh": (
            "#影院推出口述影像场 视障观众也能看电影#",
            "一家院线开设每周一次的口述影像专场，首批场次一天内就被订满。",
            "某院线周五宣布，将在旗下八家影院每周举办一次无障碍观影专场，由志愿讲述人通过耳机为视障观众描述画面、人物"
            "表情和屏幕上的文字。首批两场——一部合家欢动画和一部年代剧——一天之内就被订满。志愿者大多是大学生和退休的"
            "电台主持人，每部电影都要反复观看几遍，并写好与对白间隙相配合的讲述稿。一位观众说，这是她二十年来第一次在"
            "首映周和家人一起“看”电影。院线表示，专场票价为正常票价的一半；一家电影公司也表示愿意为即将上映的新片提供"
            "讲述稿。",
        ),
    },
    {
        "slug": "reused-frying-oil", "sentiment": "negative", "category": "society",
        "en": (
            "#Hot-pot chain outlets caught reusing leftover broth oil#",
            "Undercover footage shows kitchens of a popular hot-pot chain filtering and reusing customers' "
            "leftover oil; regulators have sealed two outlets.",
            "Undercover footage published by a consumer-affairs programme on Wednesday shows staff at two "
            "outlets of a popular hot-pot chain collecting leftover broth oil from customers' pots, "
            "filtering it and returning it to the kitchen for reuse. A former employee interviewed in the "
            "programme said the practice had gone on for at least a year and that staff were told to keep "
            "quiet about it. Local market regulators sealed both outlets the same night and took samples "
            "for testing. The chain issued an apology, saying the outlets were franchises that had broken "
            "company rules, and promised to inspect all of its restaurants. Many users said they no longer "
            "trust the chain's statements, and some asked why routine inspections had missed the problem "
            "for so long.",
        ),
        "zh": (
            "#连锁火锅店被曝回收锅底老油再利用#",
            "暗访视频显示，一家知名火锅连锁品牌的门店后厨过滤并重复使用顾客剩下的锅底油，监管部门已查封两家门店。",
            "周三，一档消费维权节目发布暗访视频，显示一家知名火锅连锁品牌的两家门店员工将顾客锅中剩下的底油收集起来，"
            "过滤后送回后厨重复使用。节目中一名前员工称，这种做法至少已经持续了一年，员工被要求“不要声张”。当地市场"
            "监管部门当晚查封了两家门店并抽样送检。该品牌发表声明致歉，称涉事门店为加盟店，违反了公司规定，并承诺对"
            "所有门店进行排查。许多网友表示已经不再相信这个品牌的说法，也有人质疑日常检查为何这么久都没有发现问题。",
        ),
    },
    {
        "slug": "loan-app-fees", "sentiment": "negative", "category": "finance",
        "en": (
            "#Students trapped by loan app's hidden fees#",
            "Several university students say a consumer-loan app added service fees that pushed the real "
            "cost of borrowing above 100% a year.",
            "Several university students have posted screenshots showing how a consumer-loan app "
            "advertised on campus turned small loans into heavy debts. One student said she borrowed "
            "3,000 yuan to buy a laptop and was asked to repay more than 6,000 within a year once "
            "membership, insurance and service fees were added; the fees were shown only after the loan "
            "had been paid out. Others described daily collection calls to their parents and classmates "
            "after a single missed payment. Lawyers quoted by a financial newspaper said the combined cost "
            "appeared to exceed the legal interest cap. The app's operator said all fees were disclosed in "
            "the contract and that it cooperates with regulators. The regional financial regulator said it "
            "had received complaints and opened an investigation.",
        ),
        "zh": (
            "#大学生陷网贷App隐形收费#",
            "多名大学生反映，一款消费贷款App收取的各种服务费让实际年化成本超过100%。",
            "多名大学生在网上晒出截图，讲述一款在校园里做推广的消费贷款App如何把小额借款变成沉重的债务。一名学生说，"
            "她借了3000元买笔记本电脑，加上“会员费”“保险费”“服务费”之后，一年内需要还6000多元，而这些费用在放款"
            "之后才显示出来。还有人说，只逾期了一次，催收电话就每天打到父母和同学那里。财经媒体援引律师的话称，综合成本"
            "似乎已超过法定利率上限。该App运营方表示，所有费用都在合同中写明，并称“积极配合监管”。当地金融监管部门"
            "表示已接到投诉并启动调查。",
        ),
    },
    {
        "slug": "gym-closure", "sentiment": "negative", "category": "lifestyle",
        "en": (
            "#Gym chain closes overnight, members lose prepaid fees#",
            "A gym chain shut all nine of its branches without notice, leaving thousands of members with "
            "unused prepaid cards and personal-training packages.",
            "Members of a fitness chain arrived at their gyms on Monday morning to find locked doors and a "
            "notice saying the branches were closed for upgrading. By the afternoon, staff confirmed in a "
            "group chat that they had not been paid for two months and that the owner could not be "
            "reached. More than 4,000 members hold prepaid annual cards or personal-training packages, "
            "some worth over 20,000 yuan, and several said they had been pressed to renew only weeks "
            "before. Members have formed groups to collect evidence and file complaints, and the district "
            "market regulator said it has opened a case and is tracing the company's assets. Lawyers "
            "advised members to keep contracts and payment records, and reminded consumers that large "
            "prepaid cards must be registered with the authorities.",
        ),
        "zh": (
            "#健身房连锁一夜关门 会员预付费打水漂#",
            "一家健身连锁品牌的九家门店毫无预兆地全部关门，数千名会员的预付年卡和私教课无法使用。",
            "周一早上，某健身连锁品牌的会员来到健身房，发现大门紧锁，门上贴着“升级改造暂停营业”的通知。到了下午，员工"
            "在群里证实已经两个月没发工资，老板也联系不上。超过4000名会员持有预付年卡或私教课包，有的价值超过2万元，"
            "还有几位会员说，几周前才被销售催着续了费。会员们已经自发建群收集证据、集体投诉，区市场监管部门表示已经立案，"
            "正在追查公司资产。律师建议会员保存好合同和付款记录，并提醒消费者，超过一定金额的预付卡需要向主管部门备案。",
        ),
    },
    {
        "slug": "concert-ticket-bots", "sentiment": "negative", "category": "entertainment",
        "en": (
            "#Concert tickets gone in seconds, resale prices ten times face value#",
            "Fans of a popular band could not buy tickets for its stadium tour as bots grabbed seats that "
            "reappeared on resale sites at up to ten times the price.",
            "Tickets for the first three stadium concerts of a popular rock band's reunion tour sold out "
            "within 30 seconds on Saturday, and many fans who had queued online for an hour received only "
            "a sold-out message. Within minutes, thousands of seats appeared on resale platforms at up to "
            "ten times face value. Fans shared screenshots of scalpers advertising guaranteed purchase "
            "services days before the sale. The ticketing platform said it blocked more than 200,000 "
            "automated requests and will cancel orders found to be made by bots, while the band's "
            "management said it was heartbroken and promised real-name checks at the entrance. Critics "
            "said similar promises had been made before, and some fans said they had given up on live "
            "concerts altogether.",
        ),
        "zh": (
            "#演唱会门票秒空 二手平台溢价十倍#",
            "一支热门乐队的体育场巡演门票被抢票软件瞬间抢光，随后出现在二手平台上，价格最高达到原价十倍。",
            "周六，某人气摇滚乐队重组巡演的前三场体育场演唱会门票开售不到30秒即告售罄，许多在线排队一个小时的歌迷只"
            "收到“已售罄”的提示。几分钟后，数千张门票出现在二手转售平台上，价格最高达到原价的十倍。歌迷们晒出截图，"
            "显示开售前几天就有黄牛在宣传“保证抢到”的代抢服务。票务平台表示，已拦截超过20万次自动化请求，并将取消被"
            "查出使用抢票软件的订单；乐队经纪公司表示“非常痛心”，承诺实行实名制入场核验。批评者说类似的承诺以前也有过，"
            "还有歌迷说自己已经彻底放弃看现场了。",
        ),
    },
    {
        "slug": "health-lecture-scam", "sentiment": "negative", "category": "society",
        "en": (
            "#Elderly residents lose savings at free 'health lectures'#",
            "Police broke up a group that lured elderly residents with free eggs and lectures, then sold "
            "them ordinary supplements as miracle cures.",
            "Police in an eastern city announced on Thursday that they had detained 14 people suspected of "
            "defrauding elderly residents through free health lectures. According to the police, the "
            "group attracted retirees with free eggs and cooking oil, held daily talks in a rented hall, "
            "and then sold ordinary vitamin tablets as a cure for high blood pressure and diabetes for up "
            "to 8,000 yuan a box. More than 300 victims have been identified, most of them over 70, and "
            "some spent their entire savings. Several told investigators that the sales staff called them "
            "auntie and uncle and visited their homes every week. Relatives said the victims had refused "
            "to listen to warnings. The police urged families to talk with elderly relatives and to report "
            "similar lectures.",
        ),
        "zh": (
            "#免费健康讲座骗走老人积蓄#",
            "警方打掉一个以免费鸡蛋和健康讲座为诱饵、把普通保健品吹成神药卖给老人的团伙。",
            "东部某市警方周四通报，已刑事拘留14名涉嫌通过免费“健康讲座”诈骗老年人的嫌疑人。据警方介绍，该团伙用免费"
            "鸡蛋和食用油吸引退休老人，在租来的会场每天开讲，再把普通维生素片包装成能治高血压、糖尿病的神药，每盒卖到"
            "8000元。目前已查明受害人300余名，大多在70岁以上，有人花光了全部积蓄。几位老人告诉办案人员，销售人员一口一个"
            "“阿姨”“叔叔”，每周都上门看望。家属说，老人们根本听不进劝。警方提醒家人多和老人沟通，发现类似讲座及时举报。",
        ),
    },
    {
        "slug": "ai-content-labels", "sentiment": "neutral", "category": "technology",
        "en": (
            "#Platforms to label AI-generated content from next month#",
            "New platform rules will require visible labels on AI-generated images, videos and text, and "
            "hidden watermarks in the files.",
            "Several major content platforms announced on Monday that, from next month, posts containing "
            "AI-generated images, video, audio or text must carry a visible label such as AI-generated. "
            "Creators will be asked to declare AI use when publishing, and the platforms will add hidden "
            "watermarks to files produced by their own tools so that content can be traced after it is "
            "reposted. Accounts that repeatedly remove labels may have their reach limited. Supporters say "
            "the rules will help users judge what they see and slow the spread of fabricated videos. Some "
            "creators worry that lightly edited photos will be labelled and lose traffic, and researchers "
            "note that watermarks can be stripped. The platforms said they will publish details of the "
            "appeals process before the rules take effect.",
        ),
        "zh": (
            "#平台下月起将标注AI生成内容#",
            "平台新规要求AI生成的图片、视频和文字加注显著标识，并在文件中嵌入隐式水印。",
            "多家主要内容平台周一宣布，从下个月起，含有AI生成的图片、视频、音频或文字的内容必须加注“AI生成”等显著标识。"
            "创作者发布时需要主动声明是否使用了AI，平台还会在自家工具生成的文件中加入隐式水印，以便内容被转发后仍可追溯。"
            "多次去除标识的账号可能会被限流。支持者认为，新规有助于用户判断所见内容，减缓伪造视频的传播。一些创作者担心，"
            "轻度修图的照片也会被打上标签，影响流量；也有研究人员指出，水印是可以被去除的。平台表示，将在新规生效前公布"
            "申诉流程的细节。",
        ),
    },
    {
        "slug": "deposit-rate-cut", "sentiment": "neutral", "category": "finance",
        "en": (
            "#Several banks cut deposit interest rates again#",
            "A number of large banks lowered rates on fixed-term deposits by 10 to 25 basis points, the "
            "third cut this year.",
            "A number of large commercial banks lowered the interest rates on fixed-term deposits on "
            "Tuesday, by between 10 and 25 basis points depending on the term. The three-year rate at most "
            "of them now stands below 2 percent, after the third reduction this year. Analysts said the "
            "cuts follow lower lending rates and are meant to protect the banks' margins, and that smaller "
            "regional banks are likely to follow within weeks. Savers reacted in different ways: some said "
            "they would lock in longer terms before further cuts, others that they were moving money into "
            "bond funds or paying off mortgages early. Financial advisers quoted in the media reminded "
            "readers that higher-yield products carry more risk and that deposit insurance covers only a "
            "fixed amount per bank.",
        ),
        "zh": (
            "#多家银行再度下调存款利率#",
            "多家大型银行将定期存款利率下调10至25个基点，这是今年第三次下调。",
            "周二，多家大型商业银行下调了定期存款利率，根据期限不同，降幅在10到25个基点之间。目前大多数银行的三年期利率"
            "已降至2%以下，这是今年以来的第三次下调。分析人士表示，此次下调是在贷款利率下降之后为保护银行息差，小型地方"
            "银行可能会在几周内跟进。储户的反应不一：有人说要赶在进一步降息之前锁定更长期限，有人说要把钱转向债券基金"
            "或者提前还房贷。媒体援引理财顾问的话提醒，收益更高的产品风险也更大，而存款保险对每家银行的保障有固定额度。",
        ),
    },
    {
        "slug": "reverse-travel", "sentiment": "neutral", "category": "lifestyle",
        "en": (
            "#Young people choose 'reverse travel' to small cities for the holiday#",
            "A travel platform's data show holiday bookings to small and medium-sized cities growing far "
            "faster than bookings to famous destinations.",
            "Booking data released by an online travel platform show that hotel reservations in small and "
            "medium-sized cities for the coming holiday are up 35 percent on last year, while bookings in "
            "the most famous tourist cities rose by 8 percent. Most travellers choosing smaller "
            "destinations are between 22 and 35 years old. Users on social media call the trend reverse "
            "travel: avoiding crowds and high prices, eating local food and walking old streets instead of "
            "queueing at landmarks. Some small cities have responded with free museum entry and extra bus "
            "routes, while residents of others worry about rising prices and noise. Tourism researchers "
            "said it is too early to tell whether the trend will last once travel costs in the big cities "
            "come down.",
        ),
        "zh": (
            "#年轻人假期流行反向旅游#",
            "某旅游平台数据显示，即将到来的假期里，中小城市的预订量增速远超热门景区城市。",
            "某在线旅游平台发布的预订数据显示，即将到来的假期中，中小城市的酒店预订量同比增长35%，而最热门旅游城市的"
            "预订量仅增长8%。选择小众目的地的游客大多在22岁到35岁之间。社交媒体上的网友把这种现象称为“反向旅游”："
            "避开人潮和高价，吃当地的小吃、逛老街，而不是在地标前排长队。一些小城市推出了博物馆免费开放、加开公交线路等"
            "措施，也有一些城市的居民担心物价上涨和噪音。旅游研究者表示，等大城市的出行成本降下来之后，这股潮流能否持续"
            "还很难说。",
        ),
    },
    {
        "slug": "museum-photo-ban", "sentiment": "neutral", "category": "culture",
        "en": (
            "#Museum bans photography in its painting gallery#",
            "A provincial museum will no longer allow photos in its classical painting gallery, citing "
            "light damage and crowding; visitors are divided.",
            "A provincial museum announced that from next week visitors may no longer take photographs or "
            "videos in its classical painting gallery. The museum said flash photography, though already "
            "banned, was still common, and that crowds stopping for selfies were blocking the narrow "
            "gallery and making it hard for others to see the works. High-resolution images of the "
            "paintings will be available free of charge on the museum's website. Some visitors welcomed "
            "the decision, saying people should look at art rather than at a screen. Others said photos "
            "help them study details later and share culture with friends, and asked why other galleries "
            "in the same museum still allow them. The museum said it will review the rule after three "
            "months based on visitor feedback.",
        ),
        "zh": (
            "#博物馆书画展厅禁止拍照#",
            "某省级博物馆以光照损害和人流拥挤为由，宣布书画展厅禁止拍照，观众看法不一。",
            "某省级博物馆宣布，从下周起，观众在古代书画展厅内不得拍照或录像。博物馆表示，虽然早已禁止使用闪光灯，但违规"
            "使用的情况仍很常见，而停下来自拍的人群堵塞了狭窄的展厅，影响其他观众观看作品。这些书画的高清图片将在博物馆"
            "官网免费提供。一些观众对此表示欢迎，认为看展就该用眼睛看，而不是隔着屏幕。也有人说，拍照能方便事后研究细节、"
            "和朋友分享文化，并质疑为什么同一座博物馆的其他展厅仍然可以拍照。博物馆表示，将在三个月后根据观众反馈重新"
            "评估这一规定。",
        ),
    },
    {
        "slug": "semi-automated-offside", "sentiment": "neutral", "category": "sports",
        "en": (
            "#Football league to adopt semi-automated offside technology next season#",
            "The national football league will use camera-based semi-automated offside detection from next "
            "season to shorten video reviews.",
            "The national football league announced on Wednesday that semi-automated offside technology "
            "will be used in all top-division matches from next season. Twelve cameras under the stadium "
            "roof track the ball and the positions of players' limbs, and software alerts the video "
            "assistant referee within seconds when an attacker is offside; the final decision still rests "
            "with the referees. The league said the average offside review last season took more than 70 "
            "seconds and that the new system should cut this to under 25. Some fans welcomed the prospect "
            "of fewer long stoppages, while others worried about the cost for smaller clubs and whether "
            "the 3D animations shown in stadiums will be clear enough. Referees will be trained during "
            "the winter break.",
        ),
        "zh": (
            "#足球联赛下赛季将启用半自动越位技术#",
            "国内足球联赛宣布下赛季起启用基于摄像头的半自动越位识别，以缩短视频回看时间。",
            "国内足球联赛周三宣布，从下赛季起，顶级联赛所有比赛都将启用半自动越位技术。安装在球场顶棚下的12台摄像机"
            "追踪皮球和球员四肢的位置，进攻球员越位时，软件会在几秒钟内提醒视频助理裁判，最终判罚仍由裁判作出。联赛"
            "方面表示，上赛季越位回看平均耗时超过70秒，新系统有望将其缩短到25秒以内。一些球迷期待比赛少一些漫长的中断，"
            "也有人担心小俱乐部难以承担成本，以及现场播放的3D动画是否足够清晰。裁判们将在冬歇期接受培训。",
        ),
    },
    {
        "slug": "later-school-start", "sentiment": "neutral", "category": "society",
        "en": (
            "#City pilots later school start time for middle schools#",
            "A city will let middle schools start classes at 8:30 instead of 7:30 in a one-year pilot "
            "meant to give students more sleep.",
            "The education bureau of a large city announced on Friday that twenty middle schools will "
            "start morning classes at 8:30 instead of 7:30 in a one-year pilot beginning next term. The "
            "bureau cited surveys showing that most students sleep less than eight hours on school "
            "nights. Schools in the pilot will open their gates at 7:00 for students whose parents need "
            "to drop them off early, with supervised reading rooms. Parents are divided: some welcome the "
            "extra hour of sleep, while others worry about later finishing times that clash with their "
            "own working hours. Teachers asked whether homework loads would also be reduced. The bureau "
            "said it will compare students' sleep, health and grades with schools outside the pilot "
            "before deciding whether to extend the policy.",
        ),
        "zh": (
            "#多所初中试点推迟上学时间#",
            "某市将开展为期一年的试点，允许初中把早上上课时间从7:30推迟到8:30，让学生多睡一会儿。",
            "某大城市教育局周五宣布，从下学期开始，20所初中将把早上第一节课的时间从7:30推迟到8:30，试点为期一年。"
            "教育局援引调查称，大多数学生在上学日的睡眠不足八小时。试点学校将在7:00开放校门，为需要提前送孩子的家长"
            "提供有人看管的阅览室。家长们意见不一：有人欢迎孩子多睡一个小时，也有人担心放学时间推迟，与自己的上班时间"
            "冲突。老师们则问作业量是否也会相应减少。教育局表示，将把试点学校学生的睡眠、健康和成绩与其他学校进行比较，"
            "再决定是否推广。",
        ),
    },
)
