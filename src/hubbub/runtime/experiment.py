"""Experiments: a grid of scenario variants × replicate seeds, run one after another, then the paper's
tables and figures built from their run records (TrendSim Section 5: Table 5, Figures 3-4, Table 9)."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from hubbub.errors import ConfigError
from hubbub.scenarios.config import Scenario, scenario_from_dict
from hubbub.scenarios.loading import set_dotted


def expand(scenario: Scenario) -> list[tuple[str, dict[str, Any], Scenario]]:
    """Every (cell name, grid values, scenario) of the experiment, replicate seeds included."""
    exp = scenario.experiment
    assert exp is not None
    base = scenario.model_dump(mode="json")
    base.pop("experiment")
    keys = list(exp.grid)
    cells = list(itertools.product(*(exp.grid[k] for k in keys))) if keys else [()]
    variants = []
    for values in cells:
        for rep in range(exp.seeds):
            data = json.loads(json.dumps(base))
            chosen = dict(zip(keys, values))
            for key, value in chosen.items():
                set_dotted(data, key, value)
            data["run"]["seed"] = scenario.run.seed + rep
            name = "_".join(f"{k.split('.')[-1]}-{_slug(v)}" for k, v in chosen.items()) or "base"
            variants.append((f"{name}/seed-{rep}", {**chosen, "replicate": rep},
                             scenario_from_dict(data, f"experiment cell {name}")))
    return variants


def _slug(value: Any) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", str(value)).strip("-") or "x"


def run_experiment(scenario: Scenario, out: Path, run_one: Callable[[Scenario, Path, bool], Any], *,
                   overwrite: bool, say: Callable[[str], None] = lambda line: None) -> pd.DataFrame:
    """Run every variant with ``run_one(variant, run_dir, resume)`` (skipping completed ones, resuming
    interrupted ones) and analyse them; ``say`` hears one line of what is about to happen."""
    from hubbub.store import read_manifest

    variants = expand(scenario)
    say(f"experiment {scenario.run.name}: {len(variants)} runs into {out}")
    rows = []
    for name, values, variant in variants:
        run_dir = out / name
        status = None if overwrite else _status(run_dir, read_manifest)
        if status != "completed":
            run_one(variant, run_dir, status in ("running", "interrupted", "failed"))
        rows.append({"run": name, **values})
    index = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    index.to_csv(out / "runs.csv", index=False)
    from hubbub.report.experiments import analyse_experiment

    analyse_experiment(out, index, scenario.experiment.analysis if scenario.experiment else "none")
    return index


def _status(run_dir: Path, read_manifest: Any) -> str | None:
    try:
        return read_manifest(run_dir).get("status")
    except Exception:  # noqa: BLE001 - a missing or unreadable manifest just means "not run yet"
        return None


def check_grid_keys(scenario: Scenario) -> None:
    if scenario.experiment is None:
        return
    for key in scenario.experiment.grid:
        if not key.startswith(("trendsim.", "run.", "llm.", "lang")):
            raise ConfigError(f"experiment.grid key {key!r}: must be a dotted scenario field such as "
                              f"trendsim.attack.share")
