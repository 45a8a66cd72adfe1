"""``--data TASK=PATH`` takes data in its own release layout whatever the collection is called, and every
figure and header names the collection actually loaded (synthetic folders only; no real data)."""

from __future__ import annotations

import csv
import io
import tarfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.errors import DataError
from hubbub.evaluate import data as ds
from hubbub.evaluate.data.help import DATA_HELP
from hubbub.evaluate.tasks import TASKS
from hubbub.evaluate.data.twitter15 import find_release, load_cascades

LABELS = ("false", "true", "unverified", "non-rumor")


def _tree(tid: str, k: int) -> str:
    lines = [f"['ROOT', 'ROOT', '0.0']->['u0', '{tid}', '0.0']"]
    lines += [f"['u0', '{tid}', '0.0']->['u{k}_{j}', '{tid}{j}', '{5.0 * (j + 1):.1f}']" for j in range(3 + k % 7)]
    return "\n".join(lines) + "\n"


def write_release(folder: Path, name: str = "mini", count: int = 24, extracted: bool = False) -> Path:
    """A miniature collection in the Twitter15/16 release format, named ``name``."""
    folder.mkdir(parents=True)
    ids = [str(5000 + k) for k in range(count)]
    if extracted:  # the original layout: <name>/tree/*.txt, label.txt, source_tweets.txt (id<TAB>text)
        tree = folder / name / "tree"
        tree.mkdir(parents=True)
        for k, tid in enumerate(ids):
            (tree / f"{tid}.txt").write_text(_tree(tid, k), encoding="utf-8")
        (folder / name / "label.txt").write_text("".join(f"{LABELS[k % 4]}:{t}\n" for k, t in enumerate(ids)))
        (folder / name / "source_tweets.txt").write_text("".join(f"{t}\tclaim {t}\n" for t in ids))
        return folder
    with tarfile.open(folder / f"trees_{name}.tar.gz", "w:gz") as tar:
        for k, tid in enumerate(ids):
            data = _tree(tid, k).encode()
            info = tarfile.TarInfo(f"{name}/tree/{tid}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (folder / f"{name}_label.txt").write_text("".join(f"{LABELS[k % 4]}:{t}\n" for k, t in enumerate(ids)))
    (folder / f"{name}_source_tweets.tsv").write_text(
        "tweet_id\tlabel\ttext\n" + "".join(f"{t}\t{LABELS[k % 4]}\tclaim {t}\n" for k, t in enumerate(ids)))
    return folder


def test_release_found_by_pattern_in_a_folder_or_from_the_archive(tmp_path):
    folder = write_release(tmp_path / "t16", "twitter16")
    release = find_release(folder)
    assert release.name == "twitter16" and release.labels.name == "twitter16_label.txt"
    from_folder = load_cascades(folder)
    from_archive = load_cascades(folder / "trees_twitter16.tar.gz")
    assert len(from_folder) == 24 and [c.tweet_id for c in from_folder] == [c.tweet_id for c in from_archive]
    assert from_folder[0].text == f"claim {from_folder[0].tweet_id}"
    assert find_release(folder / "trees_twitter16.tar.gz").name == "twitter16"


def test_the_original_extracted_layout_loads(tmp_path):
    folder = write_release(tmp_path / "orig", "mini16", extracted=True)
    release = find_release(folder)
    assert release.name == "mini16" and release.trees.name == "tree"
    cascades = load_cascades(folder)
    assert len(cascades) == 24 and cascades[0].text == f"claim {cascades[0].tweet_id}"
    assert {c.label for c in cascades} == set(LABELS)
    assert len(load_cascades(folder / "mini16" / "tree")) == 24  # the tree/ folder itself


def test_ambiguous_or_missing_files_are_one_clear_error(tmp_path):
    folder = write_release(tmp_path / "two", "a")
    (folder / "trees_b.tar.gz").write_bytes((folder / "trees_a.tar.gz").read_bytes())
    with pytest.raises(DataError, match="several tree archive files .*trees_a.tar.gz, trees_b.tar.gz"):
        find_release(folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no tree archive"):
        find_release(empty)
    lone = write_release(tmp_path / "lone", "c")
    (lone / "c_label.txt").unlink()
    with pytest.raises(DataError, match="no label file"):
        find_release(lone)


def test_cli_cascade_task_on_another_collection_names_it(tmp_path, monkeypatch):
    """Must-show: --data propagation_twitter15=FOLDER of a collection called 'mini' works and says 'mini'."""
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "no-default-data"))
    folder = write_release(tmp_path / "cascades", "mini", count=40)
    out = tmp_path / "eval"
    result = CliRunner().invoke(app, ["evaluate", "propagation_twitter15", "--backend", "scripted", "--limit", "8",
                                      "--embedder", "hashing", "--out", str(out),
                                      "--data", f"propagation_twitter15={folder}"])
    assert result.exit_code == 0, result.output
    with (out / "results.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    datasets = {r["dataset"] for r in rows}
    assert rows and all(d.startswith("mini:") for d in datasets) and "mini:all" in datasets
    report = (out / "results.md").read_text(encoding="utf-8")
    assert "## propagation_twitter15 (data: mini)" in report
    assert "twitter15:" not in report and "test: mini" in report


def _nlpcc(path: Path, rows: int, labelled: bool = True) -> None:
    stances = ("FAVOR", "AGAINST", "NONE")
    body = "".join(f"{k}\tTopic\ttext {k}\t{stances[k % 3] if labelled else ''}\n" for k in range(rows))
    path.write_text("ID\tTARGET\tTEXT\tSTANCE\n" + body, encoding="utf-8")


def test_classification_loaders_find_files_by_pattern_and_name_the_collection(tmp_path, monkeypatch):
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path / "no-default-data"))
    stance = tmp_path / "weibo2020"
    stance.mkdir()
    _nlpcc(stance / "weibo2020_train_labeled.tsv", 30)
    _nlpcc(stance / "weibo2020_test_gold.tsv", 12)
    data = ds.load_nlpcc(stance)
    assert data.name == "weibo2020" and len(data.split("test")) == 12 and "Task A" not in data.source
    ei = tmp_path / "ei-es"
    ei.mkdir()
    line = "ID\tTweet\tAffect Dimension\tIntensity Class\n" + "".join(
        f"es-{k}\ttexto {k}\tanger\t{k % 4}: nivel\n" for k in range(20))
    (ei / "EI-oc-Es-anger-train.txt").write_text(line, encoding="utf-8")
    (ei / "2018-EI-oc-Es-anger-dev.txt").write_text(line, encoding="utf-8")
    emotion = ds.load_ei_oc(ei)
    assert emotion.name == "ei-es" and len(emotion.split("test")) == 20
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "mybank.csv").write_text("id,split,V,A,D,text\n" + "".join(
        f"b{k},{('train', 'dev', 'test')[k % 3]},3,{1 + k % 5},3,sentence {k}\n" for k in range(30)), encoding="utf-8")
    assert ds.load_emobank(bank).name == "bank"
    assert ds.load_emobank(bank / "mybank.csv").name == "mybank"


def test_every_task_says_what_its_path_is():
    assert set(DATA_HELP) == set(TASKS)
    assert all("FILE" in text or "FOLDER" in text or "no --data" in text for text in DATA_HELP.values())
    result = CliRunner().invoke(app, ["evaluate", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "PATH for --data" in result.output and "propagation_twitter15: FOLDER" in result.output
