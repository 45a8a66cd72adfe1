"""Experiments: a grid of scenario variants × replicate seeds. :func:`expand` names every run of the grid
(``share-0.1/seed-3``: the cell, then the run's actual seed); :mod:`hubbub.runtime.sweep` runs them, for
``hubbub sweep`` and for ``hubbub run`` of a scenario with an ``[experiment]`` section alike, and
:mod:`hubbub.report.experiments` builds the paper's tables and figures from their records (TrendSim
Section 5: Table 5, Figures 3-4, Table 9)."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from hubbub.errors import ConfigError
from hubbub.scenarios.config import Scenario, scenario_from_dict
from hubbub.scenarios.loading import set_dotted


def expand(scenario: Scenario) -> list[tuple[str, dict[str, Any], Scenario]]:
    """Every (run name, grid values and replicate, scenario) of the experiment: for each grid cell, one run
    per replicate seed ``run.seed``, ``run.seed + 1``, ...; the name ``<cell>/seed-<seed>`` says the seed
    the run really has."""
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
            data["run"]["seed"] = seed = scenario.run.seed + rep
            name = "_".join(f"{k.split('.')[-1]}-{_slug(v)}" for k, v in chosen.items()) or "base"
            variants.append((f"{name}/seed-{seed}", {**chosen, "replicate": rep},
                             scenario_from_dict(data, f"experiment cell {name}")))
    return variants


def _slug(value: Any) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", str(value)).strip("-") or "x"


def check_grid_keys(scenario: Scenario) -> None:
    """Refuse grid keys outside the sections an experiment may vary."""
    if scenario.experiment is None:
        return
    for key in scenario.experiment.grid:
        if not key.startswith(("trendsim.", "run.", "llm.", "lang")):
            raise ConfigError(f"experiment.grid key {key!r}: must be a dotted scenario field such as "
                              f"trendsim.attack.share")
