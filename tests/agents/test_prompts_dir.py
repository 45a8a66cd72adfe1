"""agents.prompts_dir: a scenario's own prompt templates replace the packaged ones, checked up front."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

import hubbub


def _scenario(folder):
    return hubbub.load_scenario("demo", {"llm.backend": "scripted", "agents.prompts_dir": str(folder)})


def test_an_override_is_what_the_model_is_sent(tmp_path):
    (tmp_path / "prompts" / "en").mkdir(parents=True)
    (tmp_path / "prompts" / "en" / "perception.txt").write_text(
        "{persona}\n\nMY-OWN-PERCEPTION-PROMPT\n{observation}\nYour impression, in one sentence:", encoding="utf-8")
    sim = hubbub.Simulation(_scenario(tmp_path / "prompts"), tmp_path / "run")
    sim.run()
    conn = sqlite3.connect(tmp_path / "run" / "run.sqlite")
    rows = conn.execute("SELECT kind, request FROM llm_calls").fetchall()
    conn.close()
    perception = [json.loads(r) for k, r in rows if k == "trendsim.perception"]
    others = [json.loads(r) for k, r in rows if k == "trendsim.reflect_summary"]
    assert perception and all("MY-OWN-PERCEPTION-PROMPT" in json.dumps(r) for r in perception)
    assert others and not any("MY-OWN-PERCEPTION-PROMPT" in json.dumps(r) for r in others)


@pytest.mark.parametrize("name, text, message", [
    ("no_such_template.txt", "hello", "is not a known template"),
    ("perception.txt", "{persona} {observation} {secret}", "unknown field(s) {secret}"),
])
def test_a_bad_override_is_refused_before_anything_is_written(tmp_path, name, text, message):
    (tmp_path / "prompts" / "en").mkdir(parents=True)
    (tmp_path / "prompts" / "en" / name).write_text(text, encoding="utf-8")
    with pytest.raises(hubbub.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("{", r"\{").replace("}", r"\}")):
        hubbub.Simulation(_scenario(tmp_path / "prompts"), tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_folder_without_the_scenarios_language_is_refused(tmp_path):
    (tmp_path / "prompts" / "zh").mkdir(parents=True)
    with pytest.raises(hubbub.ConfigError, match="language 'en'"):
        hubbub.Simulation(_scenario(tmp_path / "prompts"), tmp_path / "run")


def _feed_scenario(folder):
    no_data = {key: "" for key in ("s3.population.marginals_file", "s3.seed_posts.file", "s3.rule.texts_file",
                                   "s3.attitude.history_file")}
    return hubbub.load_scenario("s3-nuclear-energy", {**no_data, "llm.backend": "scripted", "s3.network.users": 120,
                                                      "s3.population.llm_users": 8, "s3.steps": 3,
                                                      "agents.prompts_dir": str(folder)})


def test_a_follow_feed_text_override_is_what_the_model_is_sent(tmp_path):
    feed = tmp_path / "prompts" / "en" / "feed"
    feed.mkdir(parents=True)
    (feed / "behaviour_question.txt").write_text("MY-OWN-FEED-QUESTION: what now?\n", encoding="utf-8")
    (feed / "event.txt").write_text("MY-OWN-EVENT-LINE {event}", encoding="utf-8")
    sim = hubbub.Simulation(_feed_scenario(tmp_path / "prompts"), tmp_path / "run")
    sim.run()
    conn = sqlite3.connect(tmp_path / "run" / "run.sqlite")
    rows = conn.execute("SELECT kind, request FROM llm_calls").fetchall()
    conn.close()
    behaviour = [r for k, r in rows if k == "s3.behaviour"]
    emotion = [r for k, r in rows if k == "s3.emotion"]
    assert behaviour and all("MY-OWN-FEED-QUESTION" in r and "MY-OWN-EVENT-LINE" in r for r in behaviour)
    assert emotion and not any("MY-OWN-FEED-QUESTION" in r for r in emotion)


@pytest.mark.parametrize("name, text, message", [
    ("no_such_text.txt", "hello", "is not a known follow-feed text"),
    ("event.txt", "{event} {secret}", "unknown field(s) {secret}"),
])
def test_a_bad_follow_feed_override_is_refused_before_anything_is_written(tmp_path, name, text, message):
    feed = tmp_path / "prompts" / "en" / "feed"
    feed.mkdir(parents=True)
    (feed / name).write_text(text, encoding="utf-8")
    with pytest.raises(hubbub.ConfigError, match=re.escape(message)) as info:
        hubbub.Simulation(_feed_scenario(tmp_path / "prompts"), tmp_path / "run")
    assert "\n" not in str(info.value)
    assert not (tmp_path / "run").exists()


def test_a_custom_perception_is_used_for_the_main_page_too_unless_its_layout_is_overridden(tmp_path):
    from hubbub.agents.prompts import prompts_from, template_text

    folder = tmp_path / "prompts" / "en"
    folder.mkdir(parents=True)
    (folder / "perception.txt").write_text("{persona}\nMINE\n{observation}", encoding="utf-8")
    with prompts_from(str(tmp_path / "prompts")):
        assert template_text("perception_main", "en") == "{persona}\nMINE\n{observation}"
    (folder / "perception_main.txt").write_text("{observation}\nMAIN\n{persona}", encoding="utf-8")
    with prompts_from(str(tmp_path / "prompts") + "/"):  # another folder string: not the cached read
        assert template_text("perception_main", "en") == "{observation}\nMAIN\n{persona}"
        assert template_text("perception", "en") == "{persona}\nMINE\n{observation}"
