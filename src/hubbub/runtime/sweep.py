"""Sweeps: a grid of scenario variants x replicate seeds, each run in its own folder, collected into
one summary table. ``hubbub sweep`` and ``hubbub run`` of a scenario with an ``[experiment]`` section
both run here (:func:`run_grid`), so both write the same folder layout and ``hubbub report`` reads both.

Variants run in local worker processes by default, or as Ray tasks when a Ray address is given (Ray
is an optional extra, imported only here, DESIGN decision 8: the simulator itself is never a
home-made distributed system; one run stays one process). A sweep is resumable: a variant whose
folder holds a completed run is not run again, an interrupted one is resumed from its event log.

Variant names come from :func:`hubbub.runtime.experiment.expand` (``share-0.1/seed-3``: the cell, then
the run's own seed). The files of the grid folder are written by :mod:`hubbub.metrics.grid`.
"""

from __future__ import annotations

import functools
import json
import multiprocessing
import re
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.errors import ConfigError, HubbubError
from hubbub.scenarios.config import Scenario, scenario_from_dict
from hubbub.scenarios.loading import parse_scalar

RAY_INSTALL = "pip install 'hubbub[ray]'"
WALL_FILE = "sweep-time.json"


@dataclass(frozen=True)
class Variant:
    """One run of the sweep: a grid cell and a replicate seed."""

    name: str  # "share-0.1/seed-3", also the run folder under the sweep folder
    cell: str  # "share-0.1"
    values: dict[str, Any]
    replicate: int
    seed: int
    config: dict[str, Any]  # the scenario as JSON-able data (sent to worker processes)


OnDone = Callable[[Variant, dict[str, Any]], None]


# ---------------------------------------------------------------- the plan


def parse_grid(items: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    """``["trendsim.attack.share=0,0.1,0.3"]`` -> ``{"trendsim.attack.share": (0, 0.1, 0.3)}``.

    Values are read as TOML scalars (numbers, true/false, quoted or bare strings)."""
    grid: dict[str, tuple[Any, ...]] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or not raw.strip():
            raise ConfigError(f"--grid {item!r}: expected KEY=V1,V2,..., e.g. --grid trendsim.attack.share=0,0.1,0.3")
        if key == "run.seed":
            raise ConfigError("--grid run.seed: replicate seeds come from --seeds N (seeds run.seed, run.seed+1, ...)")
        if key in grid:
            raise ConfigError(f"--grid {key}: given twice; put every value in one --grid {key}=V1,V2")
        values = tuple(parse_scalar(v.strip()) for v in raw.split(","))
        if any(v == "" for v in values):
            raise ConfigError(f"--grid {item!r}: an empty value between commas")
        if len(set(map(repr, values))) != len(values):
            raise ConfigError(f"--grid {item!r}: a value is repeated")
        grid[key] = values
    return grid


def plan(scenario: Scenario, grid: dict[str, tuple[Any, ...]] | None = None, seeds: int | None = None) -> list[Variant]:
    """Every variant of the sweep. Without ``grid`` the scenario's own ``[experiment]`` grid is used;
    without ``seeds`` its ``experiment.seeds`` (or 1). Replicates have seeds ``run.seed``, ``run.seed + 1``, ...
    The scenario's ``experiment.analysis`` is kept when its own grid is run."""
    from hubbub.runtime.experiment import expand

    exp = scenario.experiment
    grid = dict(grid) if grid else dict(exp.grid) if exp is not None else {}
    seeds = seeds if seeds is not None else exp.seeds if exp is not None else 1
    if seeds < 1:
        raise ConfigError(f"--seeds {seeds}: expected an integer >= 1")
    data = scenario.model_dump(mode="json")
    own = exp is not None and grid == dict(exp.grid)  # the paper analysis fits the scenario's own grid only
    data["experiment"] = {"grid": {k: list(v) for k, v in grid.items()}, "seeds": seeds,
                          "analysis": exp.analysis if own else "none"}
    full = scenario_from_dict(data, "sweep")
    variants = []
    for name, values, variant in expand(full):
        cell, _, _ = name.rpartition("/")
        chosen = {k: v for k, v in values.items() if k != "replicate"}
        variants.append(Variant(name, cell, chosen, values["replicate"], variant.run.seed,
                                variant.model_dump(mode="json")))
    return variants


# ---------------------------------------------------------------- one variant (runs in a worker)


def run_variant(config: dict[str, Any], run_dir: str, analyse: bool = False, overwrite: bool = False) -> dict[str, Any]:
    """Run (or resume, or skip) one variant and return its summary row; ``analyse`` also writes the run's
    tables, plots and report.html, ``overwrite`` runs it afresh whatever its folder holds. Runs in a worker
    process or a Ray task, so it takes and returns plain data; errors become a ``failed`` row, never an
    exception."""
    from hubbub.runtime.simulation import Simulation, check_run_dir

    started = time.perf_counter()
    folder = Path(run_dir)
    status = None if overwrite else run_status(folder)
    action = {"completed": "skipped", None: "ran"}.get(status, "resumed")
    try:
        scenario = scenario_from_dict(config, f"sweep variant {folder}")
        if action == "resumed":
            Simulation.resume(folder).run()
        elif action == "ran":
            check_run_dir(folder, overwrite=True)
            Simulation(scenario, folder).run()
        if analyse and action != "skipped":
            _analyse(scenario.kind, folder)
        row = {"status": "completed", "action": action, **outcome_metrics(folder)}
    except HubbubError as exc:
        row = {"status": "failed", "action": action, "error": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:  # noqa: BLE001 - a bug in one variant is reported in its row, the sweep goes on
        row = {"status": "failed", "action": action, "error": f"{type(exc).__name__}: {exc}",
               "traceback": traceback.format_exc(limit=8)}
    row["wall_s"] = _wall_s(folder, action, row["status"], time.perf_counter() - started)
    return row


def _analyse(kind: str, folder: Path) -> None:
    """The run's tables, plots and report.html, as ``hubbub run`` writes them."""
    from hubbub.report.html import report_run
    from hubbub.runtime.worlds import world_kind
    from hubbub.store.runstore import fold_wal

    world_kind(kind).analyse(folder)
    report_run(folder)
    fold_wal(folder)


def _wall_s(folder: Path, action: str, status: str, elapsed: float) -> float:
    """Seconds the run took: measured now, or remembered from the sweep that ran it (a skipped run
    keeps the time it took when it ran, in ``sweep-time.json``; a resumed one adds to it)."""
    path = folder / WALL_FILE
    before = 0.0
    if action != "ran":
        try:
            before = float(json.loads(path.read_text(encoding="utf-8"))["wall_s"])
        except (OSError, ValueError, KeyError, TypeError):
            before = 0.0
    if action == "skipped":
        return round(before, 3)
    total = round(before + elapsed, 3)
    if status == "completed" or folder.is_dir():
        try:
            path.write_text(json.dumps({"wall_s": total}) + "\n", encoding="utf-8")
        except OSError:
            pass
    return total


def run_status(run_dir: Path) -> str | None:
    """The status in the folder's manifest (completed, running, interrupted, failed), None if no run."""
    path = Path(run_dir) / "manifest.json"
    if not path.is_file() or not (Path(run_dir) / "run.sqlite").is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError):
        return None


def outcome_metrics(run_dir: Path) -> dict[str, Any]:
    """The key outcomes of a finished run: counts for every kind, plus the kind's own metrics."""
    from hubbub.store import load_run

    run = load_run(run_dir)
    counts = run.manifest.get("counts", {})
    row: dict[str, Any] = {"events": counts.get("events"), "llm_calls": counts.get("llm_calls"),
                           "llm_failures": counts.get("llm_failures")}
    kind = run.manifest.get("config", {}).get("kind", "trendsim")
    row.update(KIND_METRICS.get(kind, _no_metrics)(run))
    return row


def _trendsim_metrics(run: Any) -> dict[str, Any]:
    from hubbub.metrics.trendsim import final_conditions

    comments = run.comments
    final = final_conditions(run)
    attack = float(comments["is_attack"].astype(float).mean()) if len(comments) else 0.0
    return {"comments": len(comments), "attack_comment_share": attack, "likes": len(run.likes),
            **{k: final.get(k) for k in ("emotion_avg", "emotion_div", "confidence_avg", "confidence_div")}}


def _s3_metrics(run: Any) -> dict[str, Any]:
    """At the last round: the share of users aware of the event, the positive-attitude share and mean
    emotion intensity of all users; posts and reposts published."""
    steps, posts = run.s3_steps, run.s3_posts
    if len(steps) == 0:
        return {}
    last = steps.iloc[-1]
    return {"aware_share": float(last["aware"]) / max(int(last["users"]), 1),
            "positive_share": float(last["positive_share"]), "mean_intensity": float(last["mean_intensity_all"]),
            "posts": int((posts["kind"] == "post").sum()), "reposts": int((posts["kind"] == "repost").sum())}


def _no_metrics(run: Any) -> dict[str, Any]:
    return {}


KIND_METRICS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "trendsim": _trendsim_metrics, "s3": _s3_metrics,
    "combined": lambda run: {**_trendsim_metrics(run), **_s3_metrics(run)}}
"""Outcome metrics per scenario kind (other kinds get the counts only)."""


# ---------------------------------------------------------------- running the sweep


def run_sweep(variants: list[Variant], out: Path, *, workers: int = 1, ray_address: str | None = None,
              analyse: bool = False, overwrite: bool = False, on_done: OnDone | None = None) -> pd.DataFrame:
    """Run every variant into ``out/<variant name>`` and return one row per variant (plan order)."""
    if not variants:
        raise ConfigError("the sweep has no variants")
    if workers < 1:
        raise ConfigError(f"--workers {workers}: expected an integer >= 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, Any]] = {}

    def done(variant: Variant, row: dict[str, Any]) -> None:
        rows[variant.name] = row
        if on_done is not None:
            on_done(variant, row)

    jobs = [(v, str(out / v.name)) for v in variants]
    flags = (analyse, overwrite)
    if ray_address:
        _run_ray(jobs, ray_address, workers, flags, done)
    elif workers == 1 or len(jobs) == 1:
        for variant, folder in jobs:
            done(variant, run_variant(variant.config, folder, *flags))
    else:
        _run_processes(jobs, workers, flags, done)
    return _frame(variants, rows)


def _frame(variants: list[Variant], rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per run in plan order: run folder, variant, seed, replicate, grid values, outcome."""
    records = []
    for v in variants:
        row = rows.get(v.name, {"status": "failed", "error": "no result"})
        records.append({"run": v.name, "variant": v.cell or "base", "seed": v.seed, "replicate": v.replicate,
                        **v.values, **row})
    return pd.DataFrame.from_records(records)


def run_grid(scenario: Scenario, variants: list[Variant], out: Path, *, workers: int = 1,
             ray_address: str | None = None, analyse: bool = False, overwrite: bool = False,
             on_done: OnDone | None = None) -> tuple[pd.DataFrame, list[Path]]:
    """Run the grid (:func:`run_sweep`), then write the grid folder's files: runs.csv, summary.csv,
    summary.md and, when the scenario's ``experiment.analysis`` names one, the paper's tables and plots.
    Returns the runs frame and the written files."""
    from hubbub.metrics.grid import write_summary

    frame = run_sweep(variants, out, workers=workers, ray_address=ray_address, analyse=analyse,
                      overwrite=overwrite, on_done=on_done)
    keys = list(variants[0].values)
    analysis = scenario.experiment.analysis if scenario.experiment is not None else "none"
    written, sections = _analysis(Path(out), frame, keys, analysis)
    cells = len(dict.fromkeys(v.cell for v in variants))
    title = f"{scenario.run.name}: {len(variants)} runs ({cells} variant(s) x {len(variants) // max(cells, 1)} seed(s))"
    return frame, write_summary(Path(out), frame, keys, title=title, note=_provenance(Path(out), frame),
                                sections=sections) + written


def _analysis(out: Path, frame: pd.DataFrame, keys: list[str], analysis: str) -> tuple[list[Path], str]:
    """The experiment's paper tables and plots, when it names an analysis and every run completed."""
    if analysis == "none" or (frame["status"] != "completed").any():
        return [], ""
    from hubbub.report.experiments import analyse_experiment

    index = frame[["run", *keys, "replicate", "seed", *(c for c in ("wall_s", "llm_calls") if c in frame)]]
    judged = None
    if analysis == "attack_impact":  # Table 3: the discussions judged on the runs' own backend
        from hubbub.runtime.experiment_judge import judge_experiment

        judged = judge_experiment(out, index)
    return analyse_experiment(out, index, analysis, judged)


def _provenance(out: Path, frame: pd.DataFrame) -> str:
    """Which backend and model made the runs (with the not-a-finding warning of demo backends)."""
    from hubbub.metrics.trendsim import provenance
    from hubbub.store import load_run

    done = frame[frame["status"] == "completed"]
    if not len(done):
        return ""
    seeds = sorted(set(int(s) for s in done["seed"]))
    span = f"seeds {seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"seed {seeds[0]}"
    return re.sub(r", seed \d+", f", {span}", provenance(load_run(out / done["run"].iloc[0])), count=1)


def _run_processes(jobs: list[tuple[Variant, str]], workers: int, flags: tuple[bool, bool], done: OnDone) -> None:
    """Local worker processes (spawned, so no state of this process leaks into a run)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(run_variant, v.config, folder, *flags): v for v, folder in jobs}
        for future in as_completed(futures):
            done(futures[future], _result(future.result))


def _result(get: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A worker's row, or a failed row when the worker itself died (killed, out of memory)."""
    try:
        return get()
    except Exception as exc:  # noqa: BLE001 - the worker process is gone; report it in the row
        return {"status": "failed", "action": "ran", "error": f"worker died: {type(exc).__name__}: {exc}"}


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--ray needs Ray, which is not installed; install it with: {RAY_INSTALL}") from None
    return ray


def _run_ray(jobs: list[tuple[Variant, str]], address: str, workers: int, flags: tuple[bool, bool],
             done: OnDone) -> None:
    """One Ray task per variant. ``address="local"`` starts a private local Ray instance with
    ``workers`` CPUs; any other value is a cluster address (``ray://host:10001``, ``auto``), whose
    workers must have hubbub installed and see ``out`` (a shared filesystem)."""
    ray = _ray()
    started = not ray.is_initialized()
    if started:
        try:
            if address == "local":
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        except Exception as exc:  # noqa: BLE001 - Ray raises many types; name the address and the reason
            raise ConfigError(f"--ray {address}: cannot start or reach Ray ({type(exc).__name__}: {exc})") from None
    try:
        task = ray.remote(num_cpus=1)(run_variant)
        refs = {task.remote(v.config, folder, *flags): v for v, folder in jobs}
        pending = list(refs)
        while pending:
            finished, pending = ray.wait(pending, num_returns=1)
            for ref in finished:
                done(refs[ref], _result(functools.partial(ray.get, ref)))
    finally:
        if started:
            ray.shutdown()
