"""Dataset loaders: formats, label mappings, splits, user-supplied files and errors naming file + line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from hubbub.errors import DataError
from hubbub.evaluate import data as ds

SHARED = ds.default_path("nlpcc2016_weibo_stance").parent
needs_data = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared data folder {SHARED} is absent")


@pytest.fixture
def no_default_data(tmp_path, monkeypatch):
    """Point the default data folder at an empty place, so only user files are read."""
    empty = tmp_path / "no-shared-data"
    empty.mkdir()
    monkeypatch.setenv("HUBBUB_DATA_DIR", str(empty))
    return empty


def test_ei_oc_maps_intensity_to_three_levels(tmp_path, no_default_data):
    f = tmp_path / "ei.txt"
    f.write_text("ID\tTweet\tAffect Dimension\tIntensity Class\n"
                 + "".join(f"t{i}\ttext {i}\tjoy\t{c}: some amount of joy can be inferred\n" for i, c in enumerate([0, 1, 2, 3] * 10)),
                 encoding="utf-8")
    data = ds.load_ei_oc(f)
    items = [e for s in ds.SPLITS for e in data.split(s)]
    assert data.labels == ("calm", "moderate", "intense")
    assert sorted({(e.meta["raw_class"], e.label) for e in items}) == [("0", 0), ("1", 0), ("2", 1), ("3", 2)]
    assert sum(data.counts().values()) == 40 and data.counts()["test"] > 0  # no default data: hash split


def test_ei_oc_malformed_line_names_file_and_line(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_text("a\tok tweet\tjoy\t2: moderate\nb\tonly three\tjoy\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad\.txt line 2: expected 4 tab-separated fields"):
        ds.read_ei_oc(f)
    f.write_text("a\ttweet\tjoy\t7: way too much\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 1: intensity class"):
        ds.read_ei_oc(f)


def test_nlpcc_reads_quoted_newlines_and_drops_unlabelled_rows(tmp_path):
    f = tmp_path / "stance.tsv"
    f.write_text('ID\tTARGET\tTEXT\tSTANCE\n1\tiPhone SE\t"two\nlines"\tFAVOR\n2\t开放二胎\t没有立场\t\n3\t开放二胎\t反对\tAGAINST\n',
                 encoding="utf-8")
    rows = ds.read_nlpcc(f)
    assert [(e.text, e.label, e.group) for e in rows] == [("two\nlines", 2, "IphoneSE"), ("反对", 1, "开放二胎")]
    f.write_text("ID\tTARGET\tTEXT\tSTANCE\n1\tx\tt\tMAYBE\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"stance\.tsv line 2: STANCE 'MAYBE'"):
        ds.read_nlpcc(f)


def test_binary_attitude_keeps_favor_and_against_only():
    items = [ds.Example(str(i), "t", label) for i, label in enumerate([0, 1, 2, 2])]
    data = ds.LabelledSet("x", ds.STANCE_LABELS, {"test": items}, "mem")
    binary = ds.binary_attitude(data)
    assert binary.labels == ("negative", "positive")
    assert [e.label for e in binary.split("test")] == [0, 1, 1]


def test_tweeteval_label_count_mismatch_is_an_error(tmp_path):
    folder = tmp_path / "stance" / "feminist"
    folder.mkdir(parents=True)
    (folder / "test_text.txt").write_text("a\nb\n", encoding="utf-8")
    (folder / "test_labels.txt").write_text("1\n", encoding="utf-8")
    with pytest.raises(DataError, match="1 labels for 2 texts"):
        ds.load_tweeteval_stance(folder)
    (folder / "test_labels.txt").write_text("1\n5\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"test_labels\.txt line 2: label '5'"):
        ds.load_tweeteval_stance(folder)


def test_swsr_bad_gender_names_the_line_and_splits_keep_posts_together(tmp_path, no_default_data):
    f = tmp_path / "SexComment.csv"
    rows = ["index,weibo_id,comment_text,gender,location,like,date,label,category,target"]
    rows += [f"{i},post{i % 7},评论{i},{'女' if i % 3 else '男'},广东,0,01/01/2020 10:00,0,," for i in range(60)]
    f.write_text("\ufeff" + "\n".join(rows) + "\n", encoding="utf-8")
    data = ds.load_swsr_gender(f)
    posts = {s: {e.group for e in data.split(s)} for s in ds.SPLITS}
    assert not (posts["train"] & posts["test"]) and not (posts["train"] & posts["validation"])
    assert {e.label for s in ds.SPLITS for e in data.split(s)} == {0, 1}
    f.write_text("\ufeff" + "\n".join(rows[:3] + ["9,p,评论,未知,广东,0,,0,,"]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"SexComment\.csv line 4: gender '未知'"):
        ds.read_swsr_comments(f)


def test_emobank_thresholds_come_from_the_train_split_only(tmp_path, no_default_data):
    f = tmp_path / "emobank.csv"
    lines = ["id,split,V,A,D,text"]
    lines += [f"tr{i},train,3,{1 + i * 0.1:.1f},3,s{i}" for i in range(30)]  # train arousal 1.0 .. 3.9
    lines += [f"te{i},test,3,{a},3,t{i}" for i, a in enumerate([5.0, 1.0, 2.5])]
    lines += ["dv0,dev,3,2.0,3,d0"]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = ds.load_emobank(f)
    assert [e.label for e in data.split("test")] == [2, 0, 1]
    assert "train tertiles" in data.notes and "30 train" in data.notes


def test_hot_search_lifecycles_need_enough_snapshots(tmp_path, no_default_data):
    f = tmp_path / "board.tsv"
    head = "date\thour\trank\ttitle\tcategory\thot\tads\treadCount\tdiscussCount\torigin\n"
    rows = ["2024-05-20\t0\t1\tfirst-hour topic\tx\t1\t0\t10\t1\t1"]
    rows += [f"2024-05-20\t{h}\t{h}\tgrowing\tsocial\t1\t0\t{100 * h}\t{h}\t1" for h in range(1, 9)]
    rows += ["2024-05-20\t3\t9\tshort\tsocial\t1\t0\t5\t1\t1"]
    f.write_text(head + "\n".join(rows) + "\n", encoding="utf-8")
    cycles = ds.lifecycles(ds.read_hot_search(f), window_h=16, min_points=4)
    assert [c.title for c in cycles] == ["growing"]
    assert cycles[0].hours.tolist() == list(range(8)) and cycles[0].reads[-1] == 800
    f.write_text(head + "2024-13-45\t3\t1\tbad\tx\t1\t0\t1\t1\t1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"board\.tsv line 2: date '2024-13-45'"):
        ds.read_hot_search(f)


@needs_data
def test_user_file_becomes_the_test_split_with_default_training_data(tmp_path):
    f = tmp_path / "unseen.tsv"
    f.write_text("ID\tTARGET\tTEXT\tSTANCE\n1\t转基因食品\t支持转基因\tFAVOR\n2\t转基因食品\t反对转基因\tAGAINST\n",
                 encoding="utf-8")
    data = ds.load_nlpcc(f)
    assert [e.text for e in data.split("test")] == ["支持转基因", "反对转基因"]
    assert len(data.split("train")) > 2000 and "user file" in data.source


@needs_data
def test_real_stance_sets_have_the_documented_counts():
    nlpcc = ds.load_nlpcc()
    assert len(nlpcc.split("train")) + len(nlpcc.split("validation")) == 2986  # 3,000 minus 14 unlabelled
    assert len(nlpcc.split("test")) == 1000
    tweeteval = ds.load_tweeteval_stance()
    assert tweeteval.counts() == {"train": 2620, "validation": 294, "test": 1249}
    ei = ds.load_ei_oc()
    assert len(ei.split("test")) == 800 and len(ei.split("train")) + len(ei.split("validation")) == 7102


@needs_data
def test_rumoureval_replies_leave_out_comments_and_sources():
    data = ds.load_rumoureval()
    test = data.split("test")
    assert {e.meta["stance"] for e in test} <= {"support", "deny", "query"}
    assert all(e.key != e.group for e in test)  # the source tweet itself is never an item
    threads = {s: {e.group for e in data.split(s)} for s in ("train", "validation")}
    assert not threads["train"] & threads["validation"]
