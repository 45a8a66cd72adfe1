"""`hubbub evaluate` end to end on tiny samples with the scripted backend (plumbing, not results)."""

from __future__ import annotations

import csv

import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.evaluate import data as ds
from hubbub.evaluate.policies import load_policy

SHARED = ds.default_path("nlpcc2016_weibo_stance").parent
needs_data = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared data folder {SHARED} is absent")
FAST = ["--backend", "scripted", "--embedder", "hashing", "--no-perplexity", "--train-limit", "60"]


def read_rows(out):
    with (out / "results.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@needs_data
def test_cli_runs_tasks_with_every_policy_and_writes_the_tables(tmp_path):
    out = tmp_path / "eval"
    unseen = tmp_path / "gm_food.tsv"
    unseen.write_text("ID\tTARGET\tTEXT\tSTANCE\n1\t转基因食品\t转基因食品很安全\tFAVOR\n"
                      "2\t转基因食品\t坚决反对转基因\tAGAINST\n3\t转基因食品\t今天天气不错\tNONE\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["evaluate", "emotion_level", "attitude_nlpcc", "propagation_rumoureval",
                                      "occupation_distribution", "text_realism", "trendsim_judge", "--limit", "6",
                                      "--data", f"attitude_nlpcc={unseen}", "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert list(rows[0]) == ["task", "dataset", "split", "n", "policy", "backend", "model", "metric", "value"]
    assert all(r["backend"] and r["model"] and r["split"] and int(r["n"]) >= 0 for r in rows)
    policies = {(r["task"], r["policy"]) for r in rows}
    for task in ("emotion_level", "attitude_nlpcc", "propagation_rumoureval"):
        assert {(task, p) for p in ("llm", "llm_argmax", "majority", "learned")} <= policies
    assert ("propagation_rumoureval", "voter") in policies
    assert ("trendsim_judge", "vanilla-llm") in policies and ("trendsim_judge", "trendsim-agents") in policies
    # the unseen stance file is the test split: 2 binary items, 3 in the 3-class variant
    nlpcc = {(r["dataset"], r["n"]) for r in rows if r["task"] == "attitude_nlpcc" and r["policy"] == "learned"}
    assert nlpcc == {("gm_food-binary", "2"), ("gm_food-3class", "3")}  # named for the data actually scored
    md = (out / "results.md").read_text(encoding="utf-8")
    assert "NOT results" in md and "| dataset | split | n | policy | backend | model |" in md
    assert "0.718" in md and "S3 Table 2" in md  # the paper's figure next to ours
    assert "perplexity NOT computed" in md and "CANNOT be scored" in md
    policy, meta = load_policy(out / "policies" / "emotion_level--semeval2018-ei-oc")
    assert meta["labels"] == ["calm", "moderate", "intense"] and meta["n_train"] == 60


def test_cli_rejects_bad_arguments_with_one_line(tmp_path):
    runner = CliRunner()
    bad_task = runner.invoke(app, ["evaluate", "no_such_task", "--out", str(tmp_path), *FAST])
    assert bad_task.exit_code == 2 and "unknown task 'no_such_task'" in bad_task.output
    bad_data = runner.invoke(app, ["evaluate", "emotion_level", "--data", "emotion_level", *FAST])
    assert bad_data.exit_code == 2 and "expected TASK=PATH" in bad_data.output
    listing = runner.invoke(app, ["evaluate", "--list"])
    assert listing.exit_code == 0 and "propagation_twitter15" in listing.output


def test_missing_data_is_reported_not_crashed(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "nowhere"))
    out = tmp_path / "eval"
    result = CliRunner().invoke(app, ["evaluate", "gender_swsr", "--out", str(out), *FAST])
    assert result.exit_code == 1, result.output  # a requested task that fails is not a success
    assert "1 of 1 requested tasks failed or wrote no figure: gender_swsr" in result.output
    md = (out / "results.md").read_text(encoding="utf-8")
    assert "**Not measured**" in md and "SexComment.csv" in md


@needs_data
def test_several_judges_give_agreement_figures(tmp_path):
    out = tmp_path / "judged"
    result = CliRunner().invoke(app, ["evaluate", "trendsim_judge", "--limit", "4", "--policy", "majority",
                                      "--judge-backend", "scripted", "--judge-backend", "scripted", "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    judges = {r["model"] for r in rows if r["metric"] == "behavior_consistency_mean"}
    assert len(judges) == 2
    alpha = [float(r["value"]) for r in rows if r["metric"] == "behavior_consistency_krippendorff_alpha"]
    assert alpha == [pytest.approx(1.0)]  # two identical judges agree perfectly
    assert any(r["metric"] == "behavior_consistency_spearman" for r in rows)
