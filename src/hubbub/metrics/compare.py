"""Forks against their parents: the outcome measures of a run and their paired differences.

The outcome measures are those a run's summary reports for its world: TrendSim's final emotion and
social confidence (mean and divergence across users, the paper's Table 5 / Table 9 row), S3's final
shares (aware, positive attitude, intense emotion, mean intensity), both in a combined run (the hub's
prefixed ``hub_``). A fork names its parent in its manifest (``fork.parent``), so runs given in any
order, or folders of parents and forks across seeds, pair up by themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from hubbub.errors import DataError
from hubbub.metrics.paired import paired_difference

TRENDSIM_MEASURES = ("emotion_avg", "emotion_div", "confidence_avg", "confidence_div")
S3_MEASURES = ("aware_share", "positive_share", "positive_share_aware", "intense", "mean_intensity",
               "mean_intensity_all")


def run_outcomes(run: Any) -> dict[str, float]:
    """The outcome measures of one run (a :class:`hubbub.store.Run`), by its scenario kind."""
    kind = run.manifest.get("config", {}).get("kind", "trendsim")
    if kind == "trendsim":
        return _trendsim(run)
    if kind == "s3":
        return _s3(run)
    return {**_s3(run), **{f"hub_{k}": v for k, v in _trendsim(run).items()}}


def _trendsim(run: Any) -> dict[str, float]:
    from hubbub.metrics.trendsim import final_conditions

    final = final_conditions(run)
    return {k: float(final[k]) for k in TRENDSIM_MEASURES if k in final}


def _s3(run: Any) -> dict[str, float]:
    from hubbub.metrics.s3 import curves

    table = curves(run)
    if len(table) == 0:
        return {}
    last = table.iloc[-1]
    return {k: float(last[k]) for k in S3_MEASURES}


@dataclass(frozen=True)
class Pair:
    """A fork and its parent, with the change that tells the fork apart."""

    parent: Path
    fork: Path
    change: str


def find_runs(paths: Iterable[Path | str]) -> list[Path]:
    """Run folders: each path is one (it holds manifest.json) or a folder searched for them."""
    runs: list[Path] = []
    for path in map(Path, paths):
        if (path / "manifest.json").is_file():
            runs.append(path)
        elif path.is_dir():
            runs += sorted(m.parent for m in path.rglob("manifest.json"))
        else:
            raise DataError(f"{path}: no run folder here (expected a folder with manifest.json, or a folder of them)")
    return list(dict.fromkeys(runs))


def _manifest(run_dir: Path) -> dict[str, Any]:
    from hubbub.store import read_manifest

    return read_manifest(run_dir)


def describe_change(fork: dict[str, Any]) -> str:
    """One label for a fork's change: ``at 1 h: trendsim.censorship.enabled=true``."""
    parts = [f"{k}={json.dumps(v)}" for k, v in sorted((fork.get("set") or {}).items())]
    parts += [f"intervention {json.dumps(iv, sort_keys=True)}" for iv in fork.get("interventions") or []]
    return f"at {fork.get('at_h', 0):g} h: " + ("; ".join(parts) or "no change")


def pair_forks(runs: list[Path]) -> list[Pair]:
    """Every fork among ``runs`` with its parent, found among ``runs`` (by folder, or by the parent's
    config hash and start time when the folders moved) or at the folder its manifest names."""
    manifests = {run: _manifest(run) for run in runs}
    by_path = {run.resolve(): run for run in runs}
    by_identity = {(m.get("config_hash"), m.get("started_at")): run for run, m in manifests.items()}
    pairs = []
    for run, manifest in manifests.items():
        fork = manifest.get("fork")
        if not fork:
            continue
        recorded = Path(fork["parent"])
        parent = by_path.get(recorded.resolve()) or by_identity.get(
            (fork.get("parent_config_hash"), fork.get("parent_started_at")))
        if parent is None and (recorded / "manifest.json").is_file():
            parent = recorded
        if parent is None:
            raise DataError(f"{run}: its parent {recorded} (manifest fork.parent) is not among the runs given and no "
                            f"longer exists there; give the parent's folder too")
        pairs.append(Pair(parent, run, describe_change(fork)))
    if not pairs:
        raise DataError(f"no forks among {len(runs)} run folder(s); make one with `hubbub fork RUN --at-h H ...`")
    return pairs


def compare_pairs(pairs: list[Pair], *, seed: int = 0) -> pd.DataFrame:
    """One row per change and outcome measure: n pairs, parent and fork means, the mean paired
    difference (fork - parent) and its bootstrap 95 % interval over the pairs."""
    from hubbub.store import load_run

    outcomes = {path: run_outcomes(load_run(path)) for pair in pairs for path in (pair.parent, pair.fork)}
    rows = []
    for change in dict.fromkeys(p.change for p in pairs):
        group = [p for p in pairs if p.change == change]
        measures = [m for m in outcomes[group[0].parent] if all(m in outcomes[q] for p in group for q in (p.parent, p.fork))]
        for measure in measures:
            parents = [outcomes[p.parent][measure] for p in group]
            forks = [outcomes[p.fork][measure] for p in group]
            diff = paired_difference(parents, forks, seed=seed)
            rows.append({"change": change, "measure": measure, "n": diff.n, "parent": sum(parents) / len(parents),
                         "fork": sum(forks) / len(forks), "difference": diff.mean, "low": diff.low, "high": diff.high})
    return pd.DataFrame(rows, columns=["change", "measure", "n", "parent", "fork", "difference", "low", "high"])
