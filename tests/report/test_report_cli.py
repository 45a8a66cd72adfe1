"""`hubbub report`: default output places, price tables, clear one-line errors."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.errors import ConfigError
from hubbub.report.html_frames import parse_prices, telemetry

runner = CliRunner()


def report_data(path) -> dict:
    html = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'id="hubbub-data">(.*?)</script>', html, re.S).group(1))


def test_one_run_writes_report_html_inside_the_run(run_copy):
    result = runner.invoke(app, ["report", str(run_copy)])
    assert result.exit_code == 0, result.output
    assert (run_copy / "report.html").is_file() and "report.html" in result.output


def test_several_runs_default_to_the_current_folder(run_dir, run_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", str(run_dir), str(run_copy), "--title", "A vs B"])
    assert result.exit_code == 0, result.output
    data = report_data(tmp_path / "report.html")
    assert data["title"] == "A vs B" and len(data["runs"]) == 2 and "comparison" in data


def test_price_table_gives_costs(run_copy, tmp_path):
    result = runner.invoke(app, ["report", str(run_copy), "--out", str(tmp_path / "r.html"),
                                 "--price", "scripted-v1=0.5:2"])
    assert result.exit_code == 0, result.output
    tele = report_data(tmp_path / "r.html")["runs"][0]["telemetry"]
    assert tele["priced"] is True
    cost = tele["columns"].index("cost")
    assert all(row[cost] is not None for row in tele["rows"])


def test_bad_price_is_one_line_and_exit_2(run_dir, tmp_path):
    result = runner.invoke(app, ["report", str(run_dir), "--out", str(tmp_path / "r.html"), "--price", "gpt=cheap"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "MODEL=IN_PER_1K:OUT_PER_1K" in lines[0]


def test_missing_run_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "run.sqlite is missing" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("item, expected", [
    ("gpt-4o-mini=0.00015:0.0006", {"gpt-4o-mini": (0.00015, 0.0006)}),
    ("qwen2.5:7b=0.1:0.2", {"qwen2.5:7b": (0.1, 0.2)}),  # Ollama-style names keep their colon
    ("*=1:2", {"*": (1.0, 2.0)}),
])
def test_parse_prices(item, expected):
    assert parse_prices([item]) == expected


@pytest.mark.parametrize("item", ["gpt", "gpt=1", "=1:2", "gpt=1:2:3", "gpt=-1:2", "gpt=a:b", "gpt=nan:1"])
def test_parse_prices_rejects(item):
    with pytest.raises(ConfigError, match=re.escape(repr(item))):
        parse_prices([item])


def test_cost_counts_tokens_of_calls_that_reached_the_backend(run_copy):
    import sqlite3

    from hubbub.store import load_run

    conn = sqlite3.connect(run_copy / "run.sqlite")
    conn.execute("UPDATE llm_calls SET prompt_tokens = 1000, completion_tokens = 500, cache_hit = 0, model = 'm'")
    conn.execute("UPDATE llm_calls SET cache_hit = 1 WHERE call_id = (SELECT MIN(call_id) FROM llm_calls)")
    conn.commit()
    conn.close()
    run = load_run(run_copy)
    table = telemetry(run, {"m": (0.5, 2.0)}).set_index("kind")
    calls = int(table.loc["all", "calls"])
    assert table.loc["all", "cache_hits"] == 1
    assert table.loc["all", "cost"] == pytest.approx((calls - 1) * (1.0 * 0.5 + 0.5 * 2.0))
    assert telemetry(run, {"other": (1.0, 1.0)})["cost"].isna().all()  # no price for model 'm'
    assert telemetry(run, {"*": (1.0, 0.0)}).set_index("kind").loc["all", "cost"] == pytest.approx(calls - 1)
