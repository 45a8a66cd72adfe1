"""Importers: TrendSim's user_1000.csv and tweets.csv, OASIS's Twitter profile CSV and Reddit profile
JSON, read from small files written here in each format, used by a scripted run, and refused with one
clear line when broken."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubbub.agents.anonymise import anonymous_id, scrub
from hubbub.agents.persona import load_personas
from hubbub.agents.persona.importers import PLACEHOLDER, detect_format
from hubbub.cli import app
from hubbub.errors import DataError
from hubbub.platform.graph_build.edge_list import load_edge_list
from hubbub.platform.topic import load_topics
from hubbub.testing import small_scenario

runner = CliRunner()

# TrendSim's user_1000.csv: no header; index, uid, name, followed_num, following_num, description.
TRENDSIM_USERS = "".join(
    f'{k},{1000 + k},anonymous_{k},{10 * k},{k + 1},"Likes running, follows @coach{k} and http://t.cn/x{k}"\n'
    for k in range(8))
# TrendSim's tweets.csv: no header, a byte-order mark; index, title, brief_intro, content, source, publish_time.
TRENDSIM_TWEETS = ("\ufeff0,Marathon pacer quits,A pacer quit mid-race.,The full story of the pacer.,"
                   "Daily News,2023-09-10 08:38:00\n"
                   "1,马拉松配速员退赛,配速员中途退赛。,配速员中途退赛的完整报道。,头条新闻,2023-09-11 08:38:00\n")
# OASIS's Twitter profile CSV: a pandas index column, then its named columns.
OASIS_TWITTER = (",user_id,name,username,following_agentid_list,previous_tweets,user_char,description\n"
                 "0,38210037,user_0,user0,[],[],Lecturer in marketing,Lecturer in marketing\n"
                 "1,36212060,user_1,user1,\"[0, 2]\",\"['first tweet by @someone', \"\"it's a second\"\"]\","
                 "Dancer who loves music,I dance and cry\n"
                 "2,282859010,user_2,user2,[0],[],,\n")
OASIS_REDDIT = [
    {"realname": "James Miller", "username": "millerhospitality", "bio": "Hospitality fan.",
     "persona": "James works in hospitality and loves travel.", "age": 40, "gender": "male", "mbti": "ESTJ",
     "country": "UK", "profession": "Hospitality & Tourism", "interested_topics": ["Economics", "Business"]},
    {"realname": "Emma Hayes", "username": "emma_logistics", "bio": "Logistics | ENFJ",
     "persona": "Emma studies logistics.", "age": 19, "gender": "female", "mbti": "ENFJ", "country": "US",
     "profession": "Logistics", "interested_topics": ["Culture & Society"]},
]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_formats_are_told_by_the_first_row(tmp_path):
    hubbub_csv = write(tmp_path, "people.csv", "id,description\na,Likes tea.\n")
    assert detect_format(write(tmp_path, "user_1000.csv", TRENDSIM_USERS)) == "trendsim"
    assert detect_format(write(tmp_path, "oasis.csv", OASIS_TWITTER)) == "oasis-twitter"
    assert detect_format(write(tmp_path, "users.json", json.dumps(OASIS_REDDIT))) == "oasis-reddit"
    assert detect_format(hubbub_csv) is None
    assert [p.agent_id for p in load_personas(hubbub_csv, "en", keep_ids=True)] == ["a"]


def test_trendsim_users_become_personas(tmp_path):
    personas = load_personas(write(tmp_path, "user_1000.csv", TRENDSIM_USERS), "zh")
    assert len(personas) == 8
    first = personas[3]
    assert first.agent_id == anonymous_id("1003")
    assert first.description == "Likes running, follows @user and [link]"
    assert (first.emotion, first.confidence, first.lang) == (0.5, 0.5, "zh")  # TrendSim's default_score
    assert first.extra == {"followers": 30, "following": 4, "imported_from": "trendsim"}
    assert "anonymous_3" not in json.dumps([p.extra for p in personas])  # names are dropped


def test_trendsim_tweets_become_topics_numbered_as_tweet_index(tmp_path):
    topics = load_topics(write(tmp_path, "tweets.csv", TRENDSIM_TWEETS), clean=scrub)
    assert [t.topic_id for t in topics] == ["0", "1"]
    assert (topics[0].title, topics[0].summary, topics[0].content) == (
        "Marathon pacer quits", "A pacer quit mid-race.", "The full story of the pacer.")
    assert [t.lang for t in topics] == ["en", "zh"]
    assert {t.sentiment for t in topics} == {"neutral"} and topics[1].source == "tweets.csv"


def test_oasis_twitter_profiles_follows_and_posts(tmp_path):
    personas = load_personas(write(tmp_path, "oasis.csv", OASIS_TWITTER), "en")
    ids = [anonymous_id(raw) for raw in ("38210037", "36212060", "282859010")]
    assert [p.agent_id for p in personas] == ids
    dancer = personas[1]
    assert dancer.description == "Dancer who loves music"  # user_char: what OASIS shows its agent
    assert dancer.extra["bio"] == "I dance and cry"
    assert dancer.extra["follows"] == [ids[0], ids[2]]
    assert dancer.extra["previous_posts"] == ["first tweet by @user", "it's a second"]
    assert personas[2].description == PLACEHOLDER["en"] and personas[2].extra["placeholder"] == "description"
    assert personas[0].extra["drawn"] == ["emotion", "confidence"]


def test_oasis_reddit_profiles_keep_demographics(tmp_path):
    path = write(tmp_path, "users.json", json.dumps(OASIS_REDDIT, indent=2))
    james, emma = load_personas(path, "en")
    assert james.agent_id == anonymous_id("millerhospitality")
    assert james.description == ("James works in hospitality and loves travel. "
                                 "Gender: male. Age: 40. MBTI: ESTJ. Country: UK.")
    assert (james.age, james.gender, emma.age, emma.gender) == (40, "male", 19, "female")
    assert emma.extra["mbti"] == "ENFJ" and emma.extra["interested_topics"] == ["Culture & Society"]
    assert "James Miller" not in json.dumps([p.extra for p in (james, emma)])


def test_scripted_run_with_imported_users_and_topic(tmp_path):
    from hubbub.runtime.simulation import Simulation

    users = write(tmp_path, "user_1000.csv", TRENDSIM_USERS)
    tweets = write(tmp_path, "tweets.csv", TRENDSIM_TWEETS)
    sc = small_scenario(trendsim__population={"source": str(users), "size": 6}, trendsim__topic=f"{tweets}#1")
    Simulation(sc, tmp_path / "run").run()
    with sqlite3.connect(tmp_path / "run" / "run.sqlite") as conn:
        agents = {r[0] for r in conn.execute("SELECT agent_id FROM agents WHERE role = 'user'")}
        titles = [r[0] for r in conn.execute("SELECT title FROM topics")]
    assert agents <= {anonymous_id(str(1000 + k)) for k in range(8)} and len(agents) == 6
    assert titles == ["马拉松配速员退赛"]


def test_cli_import_writes_profiles_and_follow_edges(tmp_path):
    source, out, edges = write(tmp_path, "oasis.csv", OASIS_TWITTER), tmp_path / "p.jsonl", tmp_path / "f.tsv"
    result = runner.invoke(app, ["personas", "import", str(source), str(out), "--from", "oasis",
                                 "--edges", str(edges)])
    assert result.exit_code == 0, result.output
    assert "3 profiles (oasis-twitter)" in result.output and "3 follow edges" in result.output
    assert [p.agent_id for p in load_personas(out, "en")] == [anonymous_id(r) for r in ("38210037", "36212060", "282859010")]
    graph, report = load_edge_list(edges, directed=True)
    assert report["edges"] == 3
    wrong = runner.invoke(app, ["personas", "import", str(source), str(out), "--from", "trendsim"])
    assert wrong.exit_code == 2 and "reads as oasis-twitter, not trendsim" in wrong.output


@pytest.mark.parametrize("name, text, message", [
    ("user_1000.csv", "0,1000,anon,5,6\n", "line 1: 5 values; a TrendSim user_1000.csv row has 6"),
    ("user_1000.csv", "0,1000,anon,5,6,Likes tea\n1,1001,anon,x,6,Likes tea\n", "line 2: column 'followed_num' is 'x'"),
    ("user_1000.csv", "0,1000,anon,5,6,\n", "line 1: column 'description' is missing or empty"),
    ("oasis.csv", ",user_id,username,following_agentid_list\n0,1,a,[]\n", "column(s) user_char, description missing"),
    ("oasis.csv", ",user_id,user_char,description,following_agentid_list\n0,1,x,y,[5]\n",
     "line 2: column 'following_agentid_list' names agent 5; allowed: row positions 0-0"),
    ("oasis.csv", ",user_id,user_char,description,previous_tweets\n0,1,x,y,__import__('os')\n",
     "line 2: column 'previous_tweets' is"),
    ("users.json", "", "line 1: expected a JSON list of profiles"),
    ("users.json", "[]", "holds no profiles"),
    ("users.json", '[\n {"username": "a", "persona": "p"},\n {"persona": "q"}\n]', "line 3: field 'username'"),
    ("users.json", '[{"username": "a", "persona": "p", "age": 400}]', "column 'age' is 400"),
])
def test_bad_foreign_user_files_are_one_clear_line(tmp_path, name, text, message):
    with pytest.raises(DataError) as caught:
        load_personas(write(tmp_path, name, text), "en")
    assert message in str(caught.value) and name in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("text, message", [
    ("0,Title,Summary,Content,Source\n", "line 1: 5 values; a TrendSim tweets.csv row has 6"),
    ("0,Title,,Content,Source,2023-09-10\n", "line 1: field 'summary' is missing or empty"),
])
def test_bad_trendsim_tweets_are_one_clear_line(tmp_path, text, message):
    with pytest.raises(DataError) as caught:
        load_topics(write(tmp_path, "tweets.csv", text))
    assert message in str(caught.value) and "tweets.csv" in str(caught.value)


def test_empty_trendsim_style_files(tmp_path):
    with pytest.raises(DataError, match="holds no profiles"):
        load_personas(write(tmp_path, "user_1000.csv", ""), "en")
    with pytest.raises(DataError, match="no topics found"):
        load_topics(write(tmp_path, "tweets.csv", ""))
