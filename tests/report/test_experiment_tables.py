"""The experiment tables: a bootstrap interval across replicate seeds with n, never ±0 for one seed, and
differences paired with the SE run of the same topic and seed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from hubbub.metrics import experiment_tables as T


def _per_run(seeds: list[int]) -> pd.DataFrame:
    """Two topics (positive, negative) x SE / PA-50 x seeds; PA-50 ends 0.1 below SE, the seed adds
    0.01 x seed to every value."""
    rows = []
    for seed in seeds:
        for topic, sentiment, level in (("a", "positive", 0.8), ("b", "negative", 0.4)):
            for degree, drop in (("SE", 0.0), ("PA-50", 0.1)):
                rows.append({"run": f"{topic}-{degree}-{seed}", "trendsim.topic": topic, "topic": topic,
                             "sentiment": sentiment, "seed": seed, "degree": degree, "agents": 10,
                             "emotion_avg": level - drop + 0.01 * seed, "emotion_div": 0.1,
                             "confidence_avg": 0.5, "confidence_div": 0.1, "wall_s": 2.0 + seed})
    return pd.DataFrame(rows)


def test_one_seed_has_n_1_and_no_interval() -> None:
    table = T.conditions_table(_per_run([1]))
    row = table[(table["group"] == "All") & (table["degree"] == "SE") & (table["measure"] == "emotion_avg")].iloc[0]
    assert row["n"] == 1 and math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])
    assert row["estimate"].endswith("(n=1, no interval)") and "±" not in row["estimate"]
    assert row["topics"] == 2 and row["sd_topics"] == pytest.approx(0.2)  # the paper's ± across topics


def test_replicate_seeds_give_a_reproducible_interval_around_the_mean() -> None:
    first, again = T.conditions_table(_per_run([1, 2, 3])), T.conditions_table(_per_run([1, 2, 3]))
    pd.testing.assert_frame_equal(first, again)
    row = first[(first["group"] == "Positive") & (first["degree"] == "PA-50")
                & (first["measure"] == "emotion_avg")].iloc[0]
    assert row["n"] == 3 and row["mean"] == pytest.approx(0.72)
    assert row["ci_low"] < row["mean"] < row["ci_high"]
    assert list(dict.fromkeys(first["group"])) == ["Positive", "Negative", "All"]
    assert list(dict.fromkeys(first["degree"])) == ["SE", "PA-50"]


def test_drops_are_paired_with_the_se_run_of_the_same_topic_and_seed() -> None:
    per_run = _per_run([1, 2])
    groups = {r["run"]: pd.DataFrame({"grp": ["sports"], "emotion": [r["emotion_avg"]], "confidence": [0.5],
                                      "users": [5], "share": [1.0]}) for r in per_run.to_dict("records")}
    drops = T.group_drops_table(per_run, groups)
    emotion = drops[drops["measure"] == "emotion"].iloc[0]
    assert set(drops["degree"]) == {"PA-50"}
    assert emotion["mean"] == pytest.approx(-0.1) and emotion["n"] == 2
    assert emotion["ci_low"] == pytest.approx(-0.1) and emotion["ci_high"] == pytest.approx(-0.1)


def test_time_cost_is_by_agents_and_degree() -> None:
    cost = T.time_cost_table(_per_run([1, 2]))
    wall = cost[cost["measure"] == "wall_s"]
    assert set(zip(wall["agents"], wall["degree"])) == {(10, "SE"), (10, "PA-50")}
    assert wall["mean"].tolist() == pytest.approx([3.5, 3.5]) and set(wall["n"]) == {2}


def test_the_guide_names_every_experiment_output_and_its_paper_item() -> None:
    from pathlib import Path

    from hubbub.report.experiments import OUTPUTS

    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide-trendsim.md").read_text(encoding="utf-8")
    assert [o.path for o in OUTPUTS if f"`{o.path}`" not in guide] == []
    assert all(f"| Table {k} |" in guide for k in (3, 4, 5, 9))
