"""Trending topics: the built-in set, topic files and rows of the Weibo hot-search board."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from hubbub.errors import ConfigError, DataError
from hubbub.platform.topic import (
    CATEGORIES,
    SENTIMENTS,
    Topic,
    builtin_topics,
    get_topic,
    load_topics,
    topics_from_hot_search,
)

HOT_SEARCH = Path(__file__).resolve().parents[3] / "shared" / "data" / "weibo_hot_search_hourly"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_builtin_topics_cover_sentiments_and_categories(lang):
    topics = builtin_topics(lang)
    assert len(topics) >= 12 and len({t.topic_id for t in topics}) == len(topics)
    sentiments = Counter(t.sentiment for t in topics)
    assert all(sentiments[s] >= 3 for s in SENTIMENTS)
    assert {t.category for t in topics} >= {"entertainment", "sports", "society", "technology", "lifestyle",
                                             "culture", "finance"}
    for t in topics:
        assert t.lang == lang and t.source == "builtin" and t.topic_id.startswith(f"{lang}-")
        assert t.title.startswith("#") and t.title.endswith("#")
        assert "@" not in t.content and "http" not in t.content
        if lang == "en":
            assert 80 <= len(t.content.split()) <= 200 and len(t.summary.split()) <= 45
        else:
            assert 120 <= len(t.content) <= 450 and len(t.summary) <= 80


def test_builtin_languages_describe_the_same_events():
    en, zh = builtin_topics("en"), builtin_topics("zh")
    assert [(t.topic_id[3:], t.sentiment, t.category) for t in en] == \
           [(t.topic_id[3:], t.sentiment, t.category) for t in zh]
    assert all(re.search(r"[\u4e00-\u9fff]", t.content) for t in zh)


def test_get_topic_spans_both_languages():
    assert get_topic("zh-gym-closure").lang == "zh"
    assert get_topic("en-gym-closure").sentiment == "negative"
    with pytest.raises(ConfigError, match="unknown topic id 'en-nope'.*en-ai-content-labels"):
        get_topic("en-nope")
    with pytest.raises(ConfigError, match="allowed: en, zh"):
        builtin_topics("fr")


def test_topic_validates_and_renders_pages():
    topic = Topic("t1", "#Title#", "Summary.", "Content.", "positive", "sports", "en", "test")
    assert topic.brief() == "#Title#\nSummary." and topic.full() == "#Title#\nContent."
    with pytest.raises(ValueError, match="sentiment.*allowed: positive, negative, neutral"):
        Topic("t1", "#T#", "S", "C", "happy", "sports", "en", "test")
    with pytest.raises(ValueError, match="category"):
        Topic("t1", "#T#", "S", "C", "neutral", "weather", "en", "test")
    with pytest.raises(ValueError, match="'summary' is empty"):
        Topic("t1", "#T#", " ", "C", "neutral", "sports", "en", "test")


# --- topic files -----------------------------------------------------------------------------------

ROW = {"topic_id": "a", "title": "#Bridge opens#", "summary": "A bridge opened.",
       "content": "The new bridge opened today, see @city_news https://x.org", "sentiment": "positive"}


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _toml(rows):
    return "\n".join("[[topics]]\n" + "\n".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in r.items())
                     for r in rows)


def _csv(rows):
    keys = list(rows[0])
    lines = [",".join(keys)] + [",".join('"' + str(r[k]).replace('"', '""') + '"' for k in keys) for r in rows]
    return "\n".join(lines) + "\n"


ZH_ROW = {"topic_id": "b", "title": "#大桥通车#", "summary": "新桥通车。", "content": "新桥今天通车。", "sentiment": "neutral",
          "category": "society"}


@pytest.mark.parametrize("name, render", [
    ("t.json", lambda rows: json.dumps(rows, ensure_ascii=False)),
    ("t.json", lambda rows: json.dumps({"topics": rows}, ensure_ascii=False)),
    ("t.jsonl", lambda rows: "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)),
    ("t.toml", _toml),
    ("t.csv", _csv),
])
def test_load_topics_reads_every_format(tmp_path, name, render):
    rows = [ROW | {"category": ""}, ZH_ROW]
    first, second = load_topics(_write(tmp_path, name, render(rows)))
    assert (first.topic_id, first.category, first.lang, first.source) == ("a", "other", "en", name)
    assert (second.topic_id, second.lang, second.category) == ("b", "zh", "society")
    assert "@city_news" in first.content  # text is kept unless a cleaner is given


def test_load_topics_accepts_id_alias_and_applies_the_cleaner(tmp_path):
    row = {("id" if k == "topic_id" else k): v for k, v in ROW.items()}
    path = _write(tmp_path, "t.jsonl", json.dumps(row))
    (topic,) = load_topics(path, clean=lambda s: s.replace("@city_news", "@user").replace("https://x.org", "[link]"))
    assert topic.topic_id == "a" and topic.content == "The new bridge opened today, see @user [link]"


@pytest.mark.parametrize("name, text, message", [
    ("t.jsonl", json.dumps(ROW | {"sentiment": "happy"}),
     r"t\.jsonl: line 1: field 'sentiment' is 'happy'; allowed: positive, negative, neutral"),
    ("t.jsonl", json.dumps(ROW) + "\n\n" + json.dumps(ROW | {"category": "weather"}),
     r"line 3: field 'category' is 'weather'; allowed: entertainment"),
    ("t.jsonl", json.dumps({k: v for k, v in ROW.items() if k != "summary"}), r"line 1: field 'summary' is missing"),
    ("t.jsonl", json.dumps(ROW) + "\n" + json.dumps(ROW), r"line 2: duplicate topic_id 'a' \(first at line 1\)"),
    ("t.jsonl", json.dumps(ROW | {"sentimnet": "x"}), r"unknown field\(s\) sentimnet; allowed: topic_id"),
    ("t.jsonl", '{"topic_id": "a",', r"line 1: bad JSON"),
    ("t.json", '[\n{"topic_id": "a"\n', r"t\.json: line 3: bad JSON"),
    ("t.toml", _toml([ROW | {"lang": "fr"}]), r"topic #1: field 'lang' is 'fr'; allowed: en, zh"),
    ("t.toml", "topics = 3", r"expected an array of tables \[\[topics\]\]"),
    ("t.csv", _csv([ROW | {"sentiment": "meh"}]), r"t\.csv: line 2: field 'sentiment' is 'meh'"),
    ("t.jsonl", "\n", r"no topics found"),
    ("t.yaml", "x", r"unsupported topic file type '.yaml'; allowed: .csv, .json, .jsonl, .toml"),
])
def test_load_topics_errors_name_file_line_field_and_allowed(tmp_path, name, text, message):
    with pytest.raises(DataError, match=message):
        load_topics(_write(tmp_path, name, text))


def test_load_topics_rejects_wrong_encoding(tmp_path):
    path = _write(tmp_path, "t.csv", _csv([ROW | {"summary": "Caf\xe9 opens"}]), encoding="latin-1")
    with pytest.raises(DataError, match="line 2: not valid UTF-8"):
        load_topics(path)


# --- hot-search rows -------------------------------------------------------------------------------

TOPICS_TSV = (
    "title\tfirst_seen_date\tfirst_seen_hour\tcategory\tdescription\n"
    "空描述话题\t2024-05-20\t9\t社会\t\n"
    "新桥通车\t2024-05-20\t9\t社会\t今天新桥正式通车。市民@某某 表示出行方便多了！详见http://t.cn/AbCd\n"
    "球队夺冠\t2024-05-20\t10\t体育\t球队在主场夺冠。全城欢庆。\n"
    "新剧开播\t2024-05-20\t10\t电视剧-国产剧\t一部新剧今晚开播。\n"
)
HOURLY_TSV = (
    "date\thour\trank\ttitle\tcategory\thot\tads\treadCount\tdiscussCount\torigin\n"
    "2024-05-20\t20\t1\t某品牌广告\t\t0\t1\t\t\t\n"
    "2024-05-20\t20\t2\t新桥通车\t社会\t1000\t0\t5\t2\t1\n"
    "2024-05-20\t21\t1\t新桥通车\t社会\t1200\t0\t9\t3\t1\n"
)


def _gz(tmp_path, name, text):
    path = tmp_path / name
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    return path


def test_hot_search_topics_file(tmp_path):
    path = _gz(tmp_path, "topics.tsv.gz", TOPICS_TSV)
    first, second = topics_from_hot_search(path, limit=2, clean=lambda s: s.replace("@某某", "@user"))
    assert first.title == "#新桥通车#" and first.summary == "今天新桥正式通车。"
    assert "@user" in first.content and first.sentiment == "neutral" and first.lang == "zh"
    assert first.category == "society" and first.source == "weibo_hot_search 2024-05-20 09:00"
    assert re.fullmatch(r"hs-[0-9a-f]{10}", first.topic_id) and second.category == "sports"
    (drama,) = topics_from_hot_search(path, titles=["新剧开播"], sentiments={"新剧开播": "positive"})
    assert drama.category == "entertainment" and drama.sentiment == "positive"
    assert topics_from_hot_search(path, titles=["新剧开播"])[0].topic_id == drama.topic_id


def test_hot_search_hourly_file_uses_titles_and_skips_adverts(tmp_path):
    path = tmp_path / "hourly.tsv"
    path.write_text(HOURLY_TSV, encoding="utf-8")
    (topic,) = topics_from_hot_search(path, limit=5)
    assert topic.title == "#新桥通车#" and topic.content == "新桥通车" and topic.source.endswith("2024-05-20 20:00")


def test_hot_search_errors(tmp_path):
    path = _gz(tmp_path, "topics.tsv.gz", TOPICS_TSV)
    with pytest.raises(DataError, match="not found in the hot-search file: 不存在"):
        topics_from_hot_search(path, titles=["新桥通车", "不存在"])
    with pytest.raises(ConfigError, match="sentiment for '新桥通车' is 'good'"):
        topics_from_hot_search(path, sentiments={"新桥通车": "good"})
    bad = tmp_path / "bad.tsv"
    bad.write_text("a\tb\n1\t2\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1: not a hot-search TSV header"):
        topics_from_hot_search(bad)
    ragged = tmp_path / "ragged.tsv"
    ragged.write_text(TOPICS_TSV.replace("球队在主场夺冠。全城欢庆。", "a\tb"), encoding="utf-8")
    with pytest.raises(DataError, match="line 4: 6 columns, header has 5"):
        topics_from_hot_search(ragged, limit=3)


@pytest.mark.skipif(not (HOT_SEARCH / "weibo_hot_search_topics.tsv.gz").exists(), reason="shared data not present")
def test_hot_search_on_the_real_file_reads_only_a_few_rows():
    from hubbub.agents.anonymise import scrub

    topics = topics_from_hot_search(HOT_SEARCH / "weibo_hot_search_topics.tsv.gz", limit=3, clean=scrub)
    assert len(topics) == 3 and len({t.topic_id for t in topics}) == 3
    for t in topics:
        assert t.lang == "zh" and t.category in CATEGORIES and t.content and t.source.startswith("weibo_hot_search 20")
        assert "@" not in t.content.replace("@user", "") and "http" not in t.content
