"""`hubbub sweep --ray local`: the same 3 x 3 sweep runs as Ray tasks on a local Ray instance and gives
the outcomes of the local-process sweep (the executor never changes results)."""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.runtime import sweep as sw
from hubbub.scenarios.config import scenario_from_dict
from hubbub.scenarios.loading import read_scenario_data

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                                reason="Ray is not installed (optional extra: pip install 'hubbub[ray]')")

SCENARIO = """
kind = "trendsim"

[run]
name = "ray"
seed = 2
concurrency = 8

[llm]
backend = "scripted"

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 1.0
state_every_h = 0.5

[trendsim.population]
size = 8

[trendsim.access]
A = 2.5
T_m = 0.3
alpha = 2.0

[trendsim.attack]
first_visit_within_h = 0.3
revisit_every_h = 0.5
"""
METRICS = ["events", "llm_calls", "comments", "attack_comment_share", "emotion_avg", "confidence_avg"]


@pytest.mark.timeout(180)
def test_sweep_on_local_ray_matches_local_processes(tmp_path):
    path = tmp_path / "ray.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    result = CliRunner().invoke(app, ["sweep", str(path), "--grid", "trendsim.attack.share=0,0.25,0.5",
                                      "--seeds", "3", "--workers", "2", "--ray", "local",
                                      "--out", str(tmp_path / "ray")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "on Ray (local)" in result.output and sum(line.startswith("│") and "mean ± std" in line for line in result.output.splitlines()) == 3
    on_ray = pd.read_csv(tmp_path / "ray" / "runs.csv")
    assert len(on_ray) == 9 and set(on_ray["status"]) == {"completed"}

    variants = sw.plan(scenario_from_dict(read_scenario_data(str(path))[0]),
                       sw.parse_grid(["trendsim.attack.share=0,0.25,0.5"]), 3)
    local = sw.run_sweep(variants, tmp_path / "local", workers=1)
    pd.testing.assert_frame_equal(on_ray[METRICS], local[METRICS], check_dtype=False)
