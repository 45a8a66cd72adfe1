"""Scenario validation: every bad value is one clear line naming the field and what is allowed."""

from __future__ import annotations

import pytest

from hubbub.errors import ConfigError
from hubbub.scenarios.config import load_scenario, scenario_from_dict


@pytest.mark.parametrize("data, field, hint", [
    ({"trendsim": {"attack": {"share": 1.5}}}, "trendsim.attack.share", "< 1"),
    ({"run": {"seed": -1}}, "run.seed", ">= 0"),
    ({"run": {"concurrency": 0}}, "run.concurrency", ">= 1"),
    ({"run": {"concurrency": "many"}}, "run.concurrency", "whole number"),
    ({"llm": {"backend": "gpt"}}, "llm.backend", "'embedded'"),
    ({"trendsim": {"lifecycle_h": 0}}, "trendsim.lifecycle_h", "> 0"),
    ({"trendsim": {"access": {"alpha": -1}}}, "trendsim.access.alpha", "> 0"),
    ({"trendsim": {"bogus": 1}}, "trendsim.bogus", "no such field"),
    ({"llm": {"backend": "openai"}}, "llm", "base_urls"),
    ({"llm": {"backend": "replay"}}, "llm", "replay_from"),
])
def test_bad_values_name_field_and_allowed(data, field, hint):
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(data, "s.toml")
    message = str(info.value)
    assert message.startswith(f"s.toml: {field}")
    assert hint in message
    assert len(message.splitlines()) == 1


def test_toml_syntax_error_names_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nseed = = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.toml: TOML syntax error.*line 2"):
        load_scenario(str(bad))


def test_non_utf8_and_missing_file(tmp_path):
    bad = tmp_path / "latin.toml"
    bad.write_bytes("description = \"caf\xe9\"".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_scenario(str(bad))
    with pytest.raises(ConfigError, match="no such scenario file"):
        load_scenario(str(tmp_path / "nope.toml"))


def test_builtin_scenarios_validate():
    from hubbub.scenarios.loading import builtin_names

    names = builtin_names()
    assert "demo" in names
    for name in names:
        load_scenario(name)


def test_config_is_frozen():
    sc = scenario_from_dict({})
    with pytest.raises(Exception):
        sc.run.seed = 5  # type: ignore[misc]


def test_every_field_is_documented_and_the_reference_is_current():
    from pathlib import Path

    from hubbub.scenarios.reference import missing_docs, render

    assert missing_docs() == []
    checked_in = Path(__file__).resolve().parents[2] / "docs" / "scenario-reference.md"
    assert checked_in.read_text(encoding="utf-8") == render(), (
        "docs/scenario-reference.md is stale: python -m hubbub.scenarios.reference > docs/scenario-reference.md")
