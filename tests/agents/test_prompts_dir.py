"""agents.prompts_dir: a scenario's own prompt templates replace the packaged ones, checked up front."""

from __future__ import annotations

import json
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
