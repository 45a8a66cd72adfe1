"""First contact: ``hubbub --version`` and the built-in scenarios listed, shown and copied."""

from __future__ import annotations

from importlib.metadata import version

from typer.testing import CliRunner

import hubbub
from hubbub.cli import app
from hubbub.scenarios.config import load_scenario
from hubbub.scenarios.loading import builtin_names, builtin_text

runner = CliRunner()


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_version_matches_the_package_metadata():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"hubbub {version('hubbub')}\n"
    assert version("hubbub") == hubbub.__version__


def test_scenarios_alone_still_lists_the_builtins():
    result = runner.invoke(app, ["scenarios"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert all(name in result.output for name in builtin_names())


def test_show_prints_the_raw_toml():
    result = runner.invoke(app, ["scenarios", "show", "s3-nuclear-energy"])
    assert result.exit_code == 0
    assert result.output == builtin_text("s3-nuclear-energy")


def test_copy_writes_a_runnable_file_and_keeps_an_existing_one(tmp_path):
    target = tmp_path / "mine.toml"
    result = runner.invoke(app, ["scenarios", "copy", "demo", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == builtin_text("demo")
    assert load_scenario(str(target), {}).run.name == load_scenario("demo", {}).run.name

    target.write_text("# my edits\n", encoding="utf-8")
    again = runner.invoke(app, ["scenarios", "copy", "demo", str(target)])
    assert again.exit_code == 2 and len(_lines(again.output)) == 1
    assert "--overwrite" in again.output and str(target) in again.output
    assert target.read_text(encoding="utf-8") == "# my edits\n"

    forced = runner.invoke(app, ["scenarios", "copy", "demo", str(target), "--overwrite"])
    assert forced.exit_code == 0 and target.read_text(encoding="utf-8") == builtin_text("demo")


def test_copy_into_a_folder_names_the_file_after_the_scenario(tmp_path):
    result = runner.invoke(app, ["scenarios", "copy", "trendsim-topic", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "trendsim-topic.toml").read_text(encoding="utf-8") == builtin_text("trendsim-topic")


def test_unknown_name_is_one_line_listing_the_builtins(tmp_path):
    for args in (["show", "demoo"], ["copy", "demoo", str(tmp_path / "x.toml")]):
        result = runner.invoke(app, ["scenarios", *args])
        assert result.exit_code == 2
        lines = _lines(result.output)
        assert len(lines) == 1 and "'demoo'" in lines[0] and "demo, exp1-attack-impact" in lines[0], result.output
    assert not (tmp_path / "x.toml").exists()
