"""Twitter15 loader: real data read in place (skipped when absent) and the cleaning rules on small archives."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

from hubbub.errors import ConfigError, DataError
from hubbub.evaluate.data.twitter15 import LABELS, load_cascades, split_cascades, split_of
from hubbub.metrics.cascade import depths

REAL = Path(__file__).resolve().parents[3] / "shared" / "data" / "twitter15_propagation_trees"


def node(uid: str, tid: str, delay: str) -> str:
    return f"['{uid}', '{tid}', '{delay}']"


def write_dataset(root: Path, trees: dict[str, list[str]], labels: dict[str, str]) -> Path:
    """A miniature copy of the release layout: tar.gz of tree files plus the label file."""
    root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(root / "trees_twitter15.tar.gz", "w:gz") as tar:
        for tid, lines in trees.items():
            data = ("\n".join(lines) + "\n").encode()
            info = tarfile.TarInfo(f"twitter15/tree/{tid}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (root / "twitter15_label.txt").write_text("".join(f"{lab}:{tid}\n" for tid, lab in labels.items()))
    return root


def test_cleaning_rules_on_a_hand_made_tree(tmp_path):
    r, a, b, c, d = (node("900", "11", "0.0"), node("901", "11", "1.0"), node("902", "11", "2.0"),
                     node("903", "12", "0.5"), node("904", "13", "5.0"))
    lines = [
        "['ROOT', 'ROOT', '0.0']->" + r,
        f"{r}->{a}",
        f"{a}->{b}",
        f"{a}->{c}",            # c (0.5) listed under a (1.0): child earlier than parent -> clamped to 1.0
        f"{r}->{b}",            # alternative parent of b: dropped, first listed wins
        f"{a}->{b}",            # exact duplicate: dropped
        f"{d}->{d}",            # self-loop: dropped
        f"{b}->{d}",
        f"{d}->{r}",            # edge into the root: dropped
    ]
    root = write_dataset(tmp_path / "t15", {"11": lines}, {"11": "false"})
    (cascade,) = load_cascades(root)
    assert cascade.tweet_id == "11" and cascade.label == "false" and cascade.text is None
    assert cascade.size == 5 and cascade.dropped_edges == 4 and cascade.clamped == 1
    # time order: r 0.0, a 1.0, c 1.0 (clamped, depth 2), b 2.0, d 5.0
    assert cascade.delay.tolist() == [0.0, 1.0, 1.0, 2.0, 5.0]
    assert cascade.parent.tolist() == [-1, 0, 1, 1, 3]
    assert cascade.depth.tolist() == [0, 1, 2, 2, 3]
    assert cascade.user.tolist() == [0, 1, 2, 3, 4]  # dense pseudonyms, never the raw ids
    assert not set(map(str, cascade.user.tolist())) & {"900", "901", "902", "903", "904"}


def test_times_are_relative_to_a_root_with_negative_delay(tmp_path):
    r, a = node("1", "5", "-10.0"), node("2", "6", "-4.0")
    root = write_dataset(tmp_path / "t15", {"7": ["['ROOT', 'ROOT', '0.0']->" + r, f"{r}->{a}"]}, {"7": "true"})
    (cascade,) = load_cascades(root)
    assert cascade.delay.tolist() == [0.0, 6.0] and cascade.clamped == 0


def test_malformed_lines_name_the_file_and_line(tmp_path):
    r = node("1", "5", "0.0")
    root = write_dataset(tmp_path / "bad", {"5": ["['ROOT', 'ROOT', '0.0']->" + r, "", f"{r}->['2', '5']"]},
                         {"5": "true"})
    with pytest.raises(DataError, match=r"twitter15/tree/5.txt line 3: not an edge"):
        load_cascades(root)
    lines = ["['ROOT', 'ROOT', '0.0']->" + r, f"{r}->" + node("2", "5", "soon")]
    root = write_dataset(tmp_path / "delay", {"5": lines}, {"5": "true"})
    with pytest.raises(DataError, match=r"5.txt line 2: delay 'soon'"):
        load_cascades(root)
    root = write_dataset(tmp_path / "noroot", {"5": [f"{r}->" + node("2", "5", "1")]}, {"5": "true"})
    with pytest.raises(DataError, match="no \\['ROOT'"):
        load_cascades(root)
    root = write_dataset(tmp_path / "label", {"5": ["['ROOT', 'ROOT', '0.0']->" + r]}, {"5": "maybe"})
    with pytest.raises(DataError, match=r"twitter15_label.txt line 1"):
        load_cascades(root)
    with pytest.raises(DataError, match="archive not found"):
        load_cascades(tmp_path / "nowhere")


def test_split_is_a_stable_hash_of_the_tweet_id():
    ids = [str(10**17 + 7919 * k) for k in range(20_000)]
    parts = [split_of(i, seed=3) for i in ids]
    shares = {name: parts.count(name) / len(ids) for name in ("train", "validation", "test")}
    assert shares["train"] == pytest.approx(0.6, abs=0.02)
    assert shares["validation"] == pytest.approx(0.2, abs=0.02)
    assert [split_of(i, seed=3) for i in ids[:50]] == parts[:50]
    assert [split_of(i, seed=4) for i in ids[:200]] != parts[:200]
    with pytest.raises(ConfigError, match="fractions"):
        split_of("1", fractions=(0.5, 0.5, 0.5))


@pytest.mark.skipif(not (REAL / "trees_twitter15.tar.gz").exists(), reason="Twitter15 data not present")
def test_real_twitter15_cascades_load_clean():
    cascades = load_cascades(REAL, limit=40)
    assert len(cascades) == 40
    assert [c.tweet_id for c in cascades] == sorted((c.tweet_id for c in cascades), key=int)
    for c in cascades:
        assert c.label in LABELS and c.text
        assert c.parent[0] == -1 and np.all(c.parent[1:] < np.arange(1, c.size))
        assert np.all(np.diff(c.delay) >= 0) and c.delay[0] == 0
        assert np.array_equal(c.depth, depths(c.parent))
        assert c.user.dtype == np.int64 and c.user.max() < sum(x.size for x in cascades)
        assert c.time is c.delay
    split = split_cascades(cascades, seed=0)
    assert sorted(x.tweet_id for part in split for x in part) == [c.tweet_id for c in cascades]
    again = split_cascades(load_cascades(REAL, limit=20), seed=0)
    assert {c.tweet_id for c in again.train} <= {c.tweet_id for c in split.train}
