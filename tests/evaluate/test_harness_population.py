"""Population-level evaluation on cascade and board files the harness has never seen (synthetic sets in
the Twitter15 and hot-search formats), through the command line, plus the curve helpers."""

from __future__ import annotations

import csv
import io
import json
import tarfile

import numpy as np
import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.evaluate import data as ds
from hubbub.evaluate.tasks.population import crossing, read_curve
from hubbub.evaluate.tasks.propagation import window_tree

LABELS = ("false", "true", "unverified", "non-rumor")


def write_twitter15(folder, count: int = 40, seed: int = 0):
    """A Twitter15-format folder: star-ish trees with exponential delays (minutes)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    labels = []
    with tarfile.open(folder / "trees_twitter15.tar.gz", "w:gz") as tar:
        for k in range(count):
            tid = str(1000 + k)
            lines = [f"['ROOT', 'ROOT', '0.0']->['u0', '{tid}', '0.0']"]
            nodes = [("u0", tid, 0.0)]
            for j in range(int(rng.integers(3, 30))):
                parent = nodes[int(rng.integers(len(nodes)))] if rng.random() < 0.3 else nodes[0]
                child = (f"u{k}_{j}", f"{tid}{j}", parent[2] + float(rng.exponential(60)))
                lines.append(f"['{parent[0]}', '{parent[1]}', '{parent[2]:.1f}']->['{child[0]}', '{child[1]}', '{child[2]:.1f}']")
                nodes.append(child)
            data = ("\n".join(lines) + "\n").encode()
            info = tarfile.TarInfo(f"twitter15/tree/{tid}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            labels.append(f"{LABELS[k % 4]}:{tid}")
    (folder / "twitter15_label.txt").write_text("\n".join(labels) + "\n", encoding="utf-8")


def write_board(path, topics: int = 40, seed: int = 1):
    rng = np.random.default_rng(seed)
    rows = ["date\thour\trank\ttitle\tcategory\thot\tads\treadCount\tdiscussCount\torigin",
            "2024-05-20\t0\t1\tbefore\tx\t1\t0\t1\t1\t1"]
    for k in range(topics):
        start, reads, talk = int(rng.integers(1, 20)), 1000.0, 10.0
        for h in range(int(rng.integers(4, 12))):
            reads += float(rng.exponential(5000 / (h + 1)))
            talk += float(rng.exponential(50 / (h + 1)))
            stamp = start + h
            rows.append(f"2024-05-{20 + stamp // 24}\t{stamp % 24}\t{h + 1}\ttopic{k}\tsocial\t1\t0\t{reads:.0f}\t{talk:.0f}\t1")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_window_tree_keeps_the_nodes_inside_the_window():
    class C:
        parent = np.array([-1, 0, 0, 1, 3])
        time = np.array([0.0, 5.0, 50.0, 8.0, 30.0])
    t = window_tree(C(), 10.0)
    assert t.parent.tolist() == [-1, 0, 1] and t.time.tolist() == [0.0, 5.0, 8.0]


def test_read_curve_is_the_normalised_gain_since_first_listing():
    c = ds.Lifecycle("t", "c", "", np.array([0.0, 1.0, 3.0]), np.array([1.0, 2.0, 3.0]),
                     np.array([100.0, 300.0, 500.0]), np.array([1.0, 1.0, 1.0]))
    grid = np.arange(0.0, 5.0)
    assert read_curve(c, grid).tolist() == pytest.approx([0.0, 0.5, 0.75, 1.0, 1.0])
    assert read_curve(c, grid, "discussions") is None  # no growth: skipped
    assert crossing(read_curve(c, grid), grid, 0.5) == 1.0


def test_cli_scores_unseen_cascade_and_board_files(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "no-default-data"))
    write_twitter15(tmp_path / "cascades")
    write_board(tmp_path / "board.tsv")
    out = tmp_path / "eval"
    result = CliRunner().invoke(app, ["evaluate", "propagation_twitter15", "lifecycle_weibo", "--backend", "scripted",
                                      "--limit", "8", "--embedder", "hashing", "--out", str(out),
                                      "--data", f"propagation_twitter15={tmp_path / 'cascades'}",
                                      "--data", f"lifecycle_weibo={tmp_path / 'board.tsv'}"])
    assert result.exit_code == 0, result.output
    with (out / "results.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cascades = {r["policy"] for r in rows if r["task"] == "propagation_twitter15"}
    assert {"real", "independent_cascade", "linear_threshold", "sir", "hawkes", "hawkes_audience", "s3-simulation",
            "anchor:train-replay", "anchor:null-rrt", "anchor:null-star"} <= cascades
    heavy = {f"{m}@heavy-tail{s}" for m in ("independent_cascade", "sir", "linear_threshold") for s in ("", "+test-sources")}
    assert heavy <= cascades  # the graph models on the generated heavy-tailed graph, drawn and test-matched sources
    assert {r["dataset"] for r in rows if r["task"] == "propagation_twitter15"} >= {"twitter15:all", "twitter15:false"}
    for term in ("distance", "d_size", "d_depth", "d_max_breadth", "d_structural_virality", "d_t50", "d_t90"):
        assert any(r["metric"] == term and r["policy"] == "hawkes" for r in rows), term
    assert any(r["metric"] == "fit_z" and r["policy"] == "independent_cascade" for r in rows)
    lifecycle = {r["policy"] for r in rows if r["task"] == "lifecycle_weibo"}
    assert {"real", "trendsim-access-default", "train-mean-curve", "access-fitted"} <= lifecycle
    fitted = json.loads((out / "fitted" / "independent_cascade.json").read_text(encoding="utf-8"))
    assert fitted["format"] == "hubbub.fitted/1" and 0 < fitted["params"]["p"] <= 1
    on_heavy = json.loads((out / "fitted" / "independent_cascade@heavy-tail.json").read_text(encoding="utf-8"))
    assert "heavy-tail graph" in on_heavy["meta"]["fitted_on"] and 0 < on_heavy["params"]["p"] <= 1
    from hubbub.dynamics.fit import load_fitted

    assert load_fitted(out / "fitted" / "hawkes.json").build().alpha > 0
