"""Personas: the built-in population, profile and post loaders, distillation, and anonymisation."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest

from hubbub.agents.anonymise import anonymous_id, is_pseudonym, pseudonym, scrub
from hubbub.agents.persona import (
    GROUP_LABELS,
    GROUPS,
    OCCUPATIONS,
    Persona,
    builtin_population,
    distill_requests,
    group_requests,
    load_personas,
    load_user_posts,
    personas_from_posts,
    sample_population,
)
from hubbub.errors import DataError
from hubbub.llm.base import GenerateResult
from hubbub.llm.scripted import ScriptedBackend

# --- anonymisation ---------------------------------------------------------------------------------


def test_pseudonym_is_stable_keyed_and_shaped():
    a = pseudonym("1234567890", "secret")
    assert re.fullmatch(r"u[0-9a-f]{10}", a)
    assert a == pseudonym("1234567890", "secret") == pseudonym(" 1234567890 ", "secret")
    assert a != pseudonym("1234567890", "other-salt") and a != pseudonym("1234567891", "secret")
    assert is_pseudonym(a) and not is_pseudonym("1234567890")
    assert anonymous_id(a, "any") == a


@pytest.mark.parametrize("raw, expected", [
    ("Thanks @jane_doe99 for the tip! https://example.com/a?b=1 mail me: jane.doe@mail.com",
     "Thanks @user for the tip! [link] mail me: [email]"),
    ("Call 555-123-4567 or +1 (555) 987-6543 before 2024-05-20", "Call [phone] or [phone] before 2024-05-20"),
    ("see www.news.example.org/story and t.cn/A6xYz", "see [link] and [link]"),
])
def test_scrub_english(raw, expected):
    assert scrub(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("谢谢@张三丰 的分享，详情见http://t.cn/RaBc12 联系电话13812345678", "谢谢@user 的分享，详情见[link] 联系电话[phone]"),
    ("太感动了//@李四:转发微博//@王五_2024：原文说得好", "太感动了 [repost]"),
    ("座机010-12345678，邮箱abc123@qq.com，2024年5月20日", "座机[phone]，邮箱[email]，2024年5月20日"),
])
def test_scrub_chinese(raw, expected):
    assert scrub(raw) == expected


def test_scrub_keeps_repost_text_when_asked_and_is_idempotent():
    kept = scrub("我同意//@李四: 说得对 @王五", keep_reposts=True)
    assert kept == "我同意//@user: 说得对 @user"
    assert scrub(kept, keep_reposts=True) == kept
    for text in (scrub("Thanks @jane see https://x.org"), scrub("//@a:b"), scrub("太感动了//@李四:转发")):
        assert scrub(text) == text
    assert scrub("//@a: only a repost") == "[repost]"


# --- built-in population ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def population():
    return builtin_population("en"), builtin_population("zh")


def test_builtin_population_is_deterministic_distinct_and_bilingual(population):
    en, zh = population
    assert len(en) == len(zh) == 1000
    assert en == builtin_population("en", 1000)
    assert len({p.description for p in en}) == 1000 and len({p.description for p in zh}) == 1000
    assert len({p.agent_id for p in en}) == 1000
    for a, b in zip(en, zh):
        assert (a.agent_id, a.group, a.age, a.gender, a.occupation, a.emotion, a.confidence) == \
               (b.agent_id, b.group, b.age, b.gender, b.occupation, b.emotion, b.confidence)
        assert a.lang == "en" and b.lang == "zh"


def test_builtin_population_prefixes_are_stable():
    assert builtin_population("en", 40) == builtin_population("en", 1000)[:40]
    assert len(builtin_population("zh", 1500)) == 1500


def test_builtin_descriptions_are_profile_sized_and_clean(population):
    en, zh = population
    counts = [len(p.description.split()) for p in en]
    assert min(counts) >= 25 and max(counts) <= 45
    for p in en + zh:
        assert "@" not in p.description and "http" not in p.description
        assert not re.search(r"\b(I|my|me)\b", p.description)  # third-person profiles
    for p in zh:
        assert len(re.findall(r"[\u4e00-\u9fff]", p.description)) >= 30
        assert not re.search(r"[A-Za-z]{3,}", p.description)


def test_builtin_population_mix_follows_the_paper(population):
    en, _ = population
    groups = Counter(p.group for p in en)
    assert set(groups) == set(GROUPS)
    assert {g for g, _ in groups.most_common(2)} == {"entertainment", "society"}
    assert set(p.occupation for p in en) == set(OCCUPATIONS) and len(OCCUPATIONS) == 10
    assert all(16 <= p.age <= 70 and p.gender in ("female", "male") for p in en)
    emotion = np.array([p.emotion for p in en])
    confidence = np.array([p.confidence for p in en])
    for values in (emotion, confidence):
        assert 0.55 <= values.mean() <= 0.65 and values.std() > 0.1
        assert values.min() >= 0.0 and values.max() <= 1.0


def test_sample_population_is_seeded_and_distinct(population):
    en, _ = population
    a = sample_population(en, 100, np.random.default_rng(7))
    assert a == sample_population(en, 100, np.random.default_rng(7))
    assert len({p.agent_id for p in a}) == 100
    assert a != sample_population(en, 100, np.random.default_rng(8))
    with pytest.raises(ValueError, match="cannot sample 1001"):
        sample_population(en, 1001, np.random.default_rng(0))


def test_persona_validates_its_fields():
    good = dict(agent_id="a", description="d", group="sports", age=30, gender="female",
                occupation="Engineer", emotion=0.5, confidence=0.5, lang="en")
    Persona(**good)
    for change, message in [({"group": "politics"}, "group 'politics'"), ({"emotion": 1.2}, "emotion"),
                            ({"occupation": "Pilot"}, "occupation"), ({"description": " "}, "description")]:
        with pytest.raises(ValueError, match=message):
            Persona(**(good | change))


# --- loading profiles ------------------------------------------------------------------------------


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_load_personas_jsonl(tmp_path):
    rows = [{"id": "10001", "description": "Loves tennis, see @coach_li", "group": "sports", "age": 31,
             "gender": "F", "occupation": "Engineer", "emotion": 0.7, "confidence": 0.4, "city": "somewhere"},
            {"id": "10002", "description": "关注社会新闻", "group": "社会"}]
    path = _write(tmp_path, "p.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    first, second = load_personas(path, "en", salt="s")
    assert first.agent_id == pseudonym("10001", "s") and first.description == "Loves tennis, see @user"
    assert (first.group, first.age, first.gender, first.emotion, first.confidence) == ("sports", 31, "female", 0.7, 0.4)
    assert first.extra == {"city": "somewhere"}
    assert second.group == "society" and second.extra["drawn"] == ["emotion", "confidence"]
    assert 0 <= second.emotion <= 1 and load_personas(path, "en", salt="s")[1] == second
    assert load_personas(path, "en", keep_ids=True)[0].agent_id == "10001"


def test_load_personas_csv(tmp_path):
    path = _write(tmp_path, "p.csv", "id,description,group,emotion,confidence\n"
                                     "a,Follows football,sports,0.5,0.6\nb,Reads novels,,,\n")
    a, b = load_personas(path, "en", keep_ids=True)
    assert (a.agent_id, a.group, a.emotion) == ("a", "sports", 0.5)
    assert b.group is None and b.extra["drawn"] == ["emotion", "confidence"]


@pytest.mark.parametrize("name, text, message", [
    ("p.csv", "id,description,group\na,x,sports\nb,y,politics\n",
     r"p\.csv: line 3: column 'group' is 'politics'; allowed: entertainment, sports"),
    ("p.csv", "id,description,emotion\na,x,1.5\n", r"line 2: column 'emotion' is '1.5'; allowed: a number in \[0, 1\]"),
    ("p.jsonl", '{"id": "a", "description": ""}\n', r"line 1: column 'description' is missing or empty"),
    ("p.jsonl", '{"id": "a", "description": "x"}\n{"id": "a", "description": "y"}\n',
     r"line 2: duplicate id 'a' \(first on line 1\)"),
    ("p.jsonl", "\n\n", r"holds no profiles"),
    ("p.jsonl", '{"id": "a", "description": "x"}\n{"id": "b", "description": }\n', r"line 2: bad JSON"),
    ("p.jsonl", '["a", "b"]\n', r"line 1: expected a JSON object"),
    ("p.csv", "id,description,age\na,x,old\n", r"column 'age' is 'old'; allowed: a whole number"),
    ("p.csv", "id,description,gender\na,x,robot\n", r"column 'gender' is 'robot'; allowed: female, male, other"),
    ("p.txt", "id,description\n", r"unsupported file type '.txt'; allowed: .jsonl, .csv"),
])
def test_load_personas_errors_name_file_line_and_allowed(tmp_path, name, text, message):
    with pytest.raises(DataError, match=message):
        load_personas(_write(tmp_path, name, text), "en")


def test_load_personas_rejects_wrong_encoding(tmp_path):
    path = _write(tmp_path, "p.csv", "id,description\na,ok\nb,caf\xe9 lover\n", encoding="latin-1")
    with pytest.raises(DataError, match=r"line 3: not valid UTF-8.*UTF-8"):
        load_personas(path, "en")


# --- posts and distillation ------------------------------------------------------------------------


def test_load_user_posts_orders_scrubs_and_pseudonymises(tmp_path):
    rows = [{"user_id": "42", "text": "second post @friend", "time": "2024-05-20T10:00:00"},
            {"user_id": "42", "text": "first post http://x.org", "time": "2024-05-20 09:00:00"},
            {"user_id": "43", "text": "", "time": 1716195600},
            {"user_id": "43", "text": "hello", "time": 1716195600}]
    path = _write(tmp_path, "posts.jsonl", "\n".join(json.dumps(r) for r in rows))
    posts = load_user_posts(path, salt="s")
    assert posts == {pseudonym("42", "s"): ["first post [link]", "second post @user"], pseudonym("43", "s"): ["hello"]}


@pytest.mark.parametrize("text, message", [
    ("user_id,text,time\na,x,2024-01-01\na,y,\n", r"line 3: column 'time' must be given on every row or on none"),
    ("user_id,text,time\na,x,yesterday\n", r"line 2: column 'time' is 'yesterday'; allowed: epoch seconds or an ISO"),
    ("user_id,body\na,x\n", r"line 2: column 'text' is missing"),
    ("user_id,text\n", r"holds no posts"),
])
def test_load_user_posts_errors(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        load_user_posts(_write(tmp_path, "posts.csv", text))


def test_distill_requests_are_anonymous_and_seeded():
    posts = {"real_user_1": ["p1 @handle", "p2", "p3"], "real_user_2": ["q1 https://x.org"]}
    requests = distill_requests(posts, "en", seed=5, salt="s", max_posts=2)
    (pid1, r1), (pid2, r2) = requests
    assert pid1 == pseudonym("real_user_1", "s") and pid2 == pseudonym("real_user_2", "s")
    assert r1.kind == "persona.distill" and r1.seed != r2.seed
    text = r1.messages[-1][1]
    assert "1. «p2»\n2. «p3»" in text and "p1" not in text
    assert "real_user" not in text + r2.messages[-1][1] and "[link]" in r2.messages[-1][1]
    assert requests == distill_requests(posts, "en", seed=5, salt="s", max_posts=2)


def test_group_requests_choose_over_the_groups():
    (pid, request), = group_requests({"u0123456789": "Keen follower of football"}, "zh", seed=1)
    assert pid == "u0123456789" and request.kind == "persona.group"
    assert request.options == GROUP_LABELS["zh"] and len(request.options) == len(GROUPS)
    assert "Keen follower of football" in request.messages[-1][1] and request.lang == "zh"


def _sports_backend(cls=ScriptedBackend):
    def choice(request):
        return [1.0 if i == GROUPS.index("sports") else 0.0 for i in range(len(request.options))]
    return cls(choice=choice, text=lambda r: '"Follows football, chats with @coach; upbeat."')


def test_personas_from_posts_distils_classifies_and_drops_thin_users():
    posts = {"alice": [f"post {i}" for i in range(6)], "bob": ["only", "two"]}
    report = personas_from_posts(posts, _sports_backend(), "en", seed=3, min_posts=5, salt="s")
    assert report.ok and report.dropped_few_posts == 1
    (persona,) = report.personas
    assert persona.agent_id == pseudonym("alice", "s") and persona.group == "sports"
    assert persona.description == "Follows football, chats with @user; upbeat."
    assert persona.extra == {"source": "distilled", "posts": 6, "drawn": ["emotion", "confidence"]}


def test_personas_from_posts_reports_failures_instead_of_defaulting():
    class HalfBroken(ScriptedBackend):
        async def generate_one(self, request):
            if request.seed % 2:
                return GenerateResult(None, self.stats(request.kind), error="BackendTimeout: no answer in 30 s")
            return await super().generate_one(request)

    posts = {f"user{i}": ["a", "b", "c", "d", "e"] for i in range(8)}
    report = personas_from_posts(posts, _sports_backend(HalfBroken), "en", seed=11)
    assert not report.ok and report.failures
    assert len(report.personas) + len(report.failures) == 8
    assert all(v.startswith("describe: BackendTimeout") for v in report.failures.values())
    assert not {p.agent_id for p in report.personas} & set(report.failures)
