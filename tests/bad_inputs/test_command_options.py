"""Bad LLM options on the commands that take them (not a scenario): one clear line naming the option."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubbub.cli import app

OPTIONS = [
    (["--backend", "gpt"], ["--backend 'gpt' is not allowed", "'embedded', 'openai', 'scripted' or 'replay'"]),
    (["--backend", "openai"], ["backend 'openai' needs --base-url"]),
    (["--backend", "openai", "--base-url", "ftp://example.org"], ["ftp://example.org", "http:// or https://"]),
    (["--backend", "replay"], ["'replay'", "use embedded, openai or scripted"]),
]


def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.csv"
    path.write_text("user_id,text\nu1,hello there\nu1,another post\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [["personas", "distill"], ["infer-demographics"]])
@pytest.mark.parametrize(("options", "expect"), OPTIONS, ids=["unknown", "no-url", "ftp-url", "replay"])
def test_bad_llm_options_give_one_line_and_write_nothing(tmp_path, command, options, expect):
    out = tmp_path / "out" / "result.csv"
    result = CliRunner().invoke(app, [*command, str(users_file(tmp_path)), str(out), *options])
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(errors) == 1 and errors[0].startswith("error: "), errors
    assert all(text in errors[0] for text in expect), errors[0]
    assert "Traceback" not in result.output and "ValidationError" not in result.output
    assert not out.exists()
