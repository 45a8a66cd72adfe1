"""`hubbub infer-demographics` reports malformed rows with line numbers; `hubbub build-env` builds an
S3 environment from a raw dump with Table-1 counts and pseudonymised ids."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from hubbub.cli import app

runner = CliRunner()


def test_infer_demographics_writes_fields_and_reports_bad_rows_by_line(tmp_path):
    users = tmp_path / "users.jsonl"
    users.write_text("\n".join([
        json.dumps({"id": "a1", "description": "Nurse in Chengdu, night shifts and hotpot."}),
        "{not json",
        json.dumps({"id": "a2", "description": "", "posts": []}),
        json.dumps({"id": "a3", "description": "Retired engineer", "gender": "男", "occupation": "Engineer"}),
        json.dumps({"id": "a1", "description": "duplicate"}),
        json.dumps({"id": "a4", "description": "Student", "gender": "robot"}),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["infer-demographics", str(users), str(out), "--backend", "scripted"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"{users}: 6 rows read, 2 written to {out}" in lines
    for line_no, reason in ((2, "invalid JSON"), (3, "no description or posts"), (5, "duplicate id"), (6, "gender")):
        assert any(line.startswith(f"{users}:{line_no}: skipped:") and reason in line for line in lines), line_no
    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert set(rows) == {"a1", "a3"}
    assert all(rows["a1"][f] for f in ("age_bin", "age", "gender", "occupation"))
    assert rows["a3"]["gender"] == "male" and rows["a3"]["gender_source"] == "data"
    assert rows["a3"]["age_bin_source"] == "llm"


def test_infer_demographics_refuses_an_unknown_backend(tmp_path):
    (tmp_path / "u.csv").write_text("id,description\n1,hi\n", encoding="utf-8")
    result = runner.invoke(app, ["infer-demographics", str(tmp_path / "u.csv"), str(tmp_path / "o.csv"), "--backend", "gpt"])
    assert result.exit_code == 2 and "--backend 'gpt'" in result.output


def _dump(tmp_path):
    posts = tmp_path / "posts.csv"
    posts.write_text(
        "id,author,time,text,repost_of\n"
        "101,alice_real,2022-01-28 10:00,The Eight-child mother case is shocking @bob_real http://t.cn/x,\n"
        "102,bob_real,2022-01-28 11:00,Lunch was good,\n"
        "103,carol_real,2022-01-28 12:00,so sad,101\n"
        "104,dave_real,2022-01-29 09:00,more on the eight-child mother,\n"
        "105,erin_real,2022-01-29 10:00,cats,\n"
        "106,zed_real,2022-01-30 10:00,nothing,\n", encoding="utf-8")
    follows = tmp_path / "follows.tsv"
    follows.write_text("follower\tfollowee\nbob_real\talice_real\ncarol_real\talice_real\nalice_real\tbob_real\n"
                       "erin_real\tdave_real\nzed_real\terin_real\nyan_real\txu_real\n", encoding="utf-8")
    return posts, follows


def test_build_env_reports_table_1_counts_and_pseudonymises(tmp_path):
    posts, follows = _dump(tmp_path)
    out = tmp_path / "env"
    result = runner.invoke(app, ["build-env", str(posts), str(follows), "--out", str(out), "-k", "eight-child",
                                 "--scenario", "gender"])
    assert result.exit_code == 0, result.output
    assert "| gender | 5 | 4 | 5 |" in result.output  # users (3 core + 2 neighbours), relations, posts
    assert "3 core authors" in result.output and "2 keyword matches plus their reposts" in result.output
    written = "".join(p.read_text(encoding="utf-8") for p in out.iterdir())
    for real in ("alice_real", "bob_real", "carol_real", "dave_real", "erin_real", "t.cn", "101"):
        assert real not in written
    assert "zed_real" not in written and "yan_real" not in written  # two hops away / unconnected: left out
    records = [json.loads(line) for line in (out / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(r["scenario"] for r in records) == 3
    by_id = {r["id"]: r for r in records}
    repost = next(r for r in records if r["repost_of"])
    assert repost["repost_of"] in by_id


def test_a_built_environment_runs_as_a_scenario(tmp_path):
    from s3_support import run, tiny

    from hubbub.store import load_run

    posts, follows = _dump(tmp_path)
    out = tmp_path / "env"
    assert runner.invoke(app, ["build-env", str(posts), str(follows), "--out", str(out), "-k", "eight-child"]).exit_code == 0
    sc = tiny({"s3.network.source": "edges", "s3.network.edge_file": str(out / "follows.tsv"),
               "s3.population.personas": str(out / "users.csv"), "s3.population.llm_users": 2,
               "s3.seed_posts.file": str(out / "posts.jsonl"), "s3.seed_posts.count": 1})
    r = load_run(run(sc, tmp_path / "r"))
    assert set(r.agents["agent_id"]) <= {row.split(",")[0] for row in (out / "users.csv").read_text().splitlines()[1:]}
    assert r.s3_steps["aware"].iloc[-1] >= 1


def test_build_env_errors_name_the_file(tmp_path):
    _, follows = _dump(tmp_path)
    (tmp_path / "bad.csv").write_text("who,what\nx,y\n", encoding="utf-8")
    result = runner.invoke(app, ["build-env", str(tmp_path / "bad.csv"), str(follows), "--out", str(tmp_path / "o"), "-k", "x"])
    assert result.exit_code == 2 and "bad.csv" in result.output and "author" in result.output
