"""Population files: distilled from raw posts (anonymised) and used by a scenario."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.runtime.simulation import Simulation
from hubbub.testing import small_scenario

runner = CliRunner()


def test_distill_posts_then_run_with_that_population(tmp_path):
    posts = tmp_path / "posts.jsonl"
    rows = []
    for user in range(8):
        count = 6 if user < 6 else 2  # two users have too few posts
        for k in range(count):
            rows.append({"user_id": f"@realname{user}", "text": f"Post {k} by @realname{user} about football http://x.co/{k}"})
    posts.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    out = tmp_path / "people.jsonl"
    result = runner.invoke(app, ["personas", "distill", str(posts), str(out), "--backend", "scripted"])
    assert result.exit_code == 0, result.output
    assert "6 profiles written" in result.output and "2 users dropped" in result.output
    text = out.read_text(encoding="utf-8")
    assert "realname" not in text and "http" not in text
    sc = small_scenario(trendsim__population={"source": str(out), "size": 6})
    Simulation(sc, tmp_path / "run").run()
    ids = {json.loads(line)["id"] for line in text.splitlines()}
    import sqlite3

    with sqlite3.connect(tmp_path / "run" / "run.sqlite") as conn:
        users = {r[0] for r in conn.execute("SELECT agent_id FROM agents WHERE role = 'user'")}
    assert users == ids


def test_bad_population_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "description": "x", "emotion": 3}\n', encoding="utf-8")
    result = runner.invoke(app, ["run", "demo", "--backend", "scripted", "--set", f'trendsim.population.source="{bad}"',
                                 "--set", "trendsim.population.size=1", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert "bad.jsonl" in result.output and "line 1" in result.output
