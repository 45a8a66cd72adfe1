"""Sweeps: a grid of scenario variants x replicate seeds, each run in its own folder, collected into
one summary table.

Variants run in local worker processes by default, or as Ray tasks when a Ray address is given (Ray
is an optional extra, imported only here, DESIGN decision 8: the simulator itself is never a
home-made distributed system; one run stays one process). A sweep is resumable: a variant whose
folder holds a completed run is not run again, an interrupted one is resumed from its event log.

Variant names come from :func:`hubbub.runtime.experiment.expand`, so a sweep and an ``[experiment]``
section of a scenario name their runs the same way (``share-0.1/seed-0``).
"""

from __future__ import annotations

import functools
import json
import math
import multiprocessing
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
SUMMARY_NAME = "summary"
WALL_FILE = "sweep-time.json"
ID_COLUMNS = ("variant", "seed", "status", "action")


@dataclass(frozen=True)
class Variant:
    """One run of the sweep: a grid cell and a replicate seed."""

    name: str  # "share-0.1/seed-0", also the run folder under the sweep folder
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
    without ``seeds`` its ``experiment.seeds`` (or 1)."""
    from hubbub.runtime.experiment import expand

    exp = scenario.experiment
    grid = dict(grid) if grid else dict(exp.grid) if exp is not None else {}
    seeds = seeds if seeds is not None else exp.seeds if exp is not None else 1
    if seeds < 1:
        raise ConfigError(f"--seeds {seeds}: expected an integer >= 1")
    data = scenario.model_dump(mode="json")
    data["experiment"] = {"grid": {k: list(v) for k, v in grid.items()}, "seeds": seeds, "analysis": "none"}
    full = scenario_from_dict(data, "sweep")
    variants = []
    for name, values, variant in expand(full):
        cell, _, _ = name.rpartition("/")
        chosen = {k: v for k, v in values.items() if k != "replicate"}
        variants.append(Variant(name, cell, chosen, values["replicate"], variant.run.seed,
                                variant.model_dump(mode="json")))
    return variants


# ---------------------------------------------------------------- one variant (runs in a worker)


def run_variant(config: dict[str, Any], run_dir: str, analyse: bool = False) -> dict[str, Any]:
    """Run (or resume, or skip) one variant and return its summary row. Runs in a worker process or a
    Ray task, so it takes and returns plain data; errors become a ``failed`` row, never an exception."""
    from hubbub.runtime.simulation import Simulation, check_run_dir
    from hubbub.runtime.worlds import world_kind

    started = time.perf_counter()
    folder = Path(run_dir)
    status = run_status(folder)
    action = {"completed": "skipped", None: "ran"}.get(status, "resumed")
    try:
        scenario = scenario_from_dict(config, f"sweep variant {folder}")
        if action == "resumed":
            Simulation.resume(folder).run()
        elif action == "ran":
            check_run_dir(folder, overwrite=True)
            Simulation(scenario, folder).run()
        if analyse and action != "skipped":
            world_kind(scenario.kind).analyse(folder)
        row = {"status": "completed", "action": action, **outcome_metrics(folder)}
    except HubbubError as exc:
        row = {"status": "failed", "action": action, "error": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:  # noqa: BLE001 - a bug in one variant is reported in its row, the sweep goes on
        row = {"status": "failed", "action": action, "error": f"{type(exc).__name__}: {exc}",
               "traceback": traceback.format_exc(limit=8)}
    row["wall_s"] = _wall_s(folder, action, row["status"], time.perf_counter() - started)
    return row


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
    return {"comments": len(comments), "attack_share": attack, "likes": len(run.likes),
            **{k: final.get(k) for k in ("emotion_avg", "emotion_div", "confidence_avg", "confidence_div")}}


def _no_metrics(run: Any) -> dict[str, Any]:
    return {}


KIND_METRICS: dict[str, Callable[[Any], dict[str, Any]]] = {"trendsim": _trendsim_metrics}
"""Outcome metrics per scenario kind (other kinds get the counts only)."""


# ---------------------------------------------------------------- running the sweep


def run_sweep(variants: list[Variant], out: Path, *, workers: int = 1, ray_address: str | None = None,
              analyse: bool = False, on_done: OnDone | None = None) -> pd.DataFrame:
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
    if ray_address:
        _run_ray(jobs, ray_address, workers, analyse, done)
    elif workers == 1 or len(jobs) == 1:
        for variant, folder in jobs:
            done(variant, run_variant(variant.config, folder, analyse))
    else:
        _run_processes(jobs, workers, analyse, done)
    return _frame(variants, rows)


def _run_processes(jobs: list[tuple[Variant, str]], workers: int, analyse: bool, done: OnDone) -> None:
    """Local worker processes (spawned, so no state of this process leaks into a run)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context) as pool:
        futures = {pool.submit(run_variant, v.config, folder, analyse): v for v, folder in jobs}
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


def _run_ray(jobs: list[tuple[Variant, str]], address: str, workers: int, analyse: bool, done: OnDone) -> None:
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
        refs = {task.remote(v.config, folder, analyse): v for v, folder in jobs}
        pending = list(refs)
        while pending:
            finished, pending = ray.wait(pending, num_returns=1)
            for ref in finished:
                done(refs[ref], _result(functools.partial(ray.get, ref)))
    finally:
        if started:
            ray.shutdown()


# ---------------------------------------------------------------- the summary table


def _frame(variants: list[Variant], rows: dict[str, dict[str, Any]]) -> pd.DataFrame:
    records = []
    for v in variants:
        row = rows.get(v.name, {"status": "failed", "error": "no result"})
        records.append({"variant": v.cell or "base", "seed": v.seed, "replicate": v.replicate, **v.values,
                        "run": v.name, **row})
    return pd.DataFrame.from_records(records)


def metric_columns(frame: pd.DataFrame, grid_keys: Iterable[str] = ()) -> list[str]:
    """Numeric outcome columns (grid values and bookkeeping excluded), in first-seen order."""
    skip = {"seed", "replicate", *grid_keys}
    return [c for c in frame.columns if c not in skip and c not in ID_COLUMNS
            and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]


def aggregate(frame: pd.DataFrame, grid_keys: Iterable[str] = ()) -> pd.DataFrame:
    """Mean and sample standard deviation over seeds of every metric, per grid cell (completed runs)."""
    metrics = metric_columns(frame, grid_keys)
    done = frame[frame["status"] == "completed"]
    out = []
    for cell in dict.fromkeys(frame["variant"]):
        group = done[done["variant"] == cell]
        row: dict[str, Any] = {"variant": cell, "runs": len(group)}
        for col in metrics:
            values = pd.to_numeric(group[col], errors="coerce").dropna()
            row[f"{col}_mean"] = float(values.mean()) if len(values) else math.nan
            row[f"{col}_std"] = float(values.std(ddof=1)) if len(values) > 1 else math.nan
        out.append(row)
    return pd.DataFrame(out)


DISPLAY_NAMES = {"llm_calls": "LLM calls", "llm_failures": "LLM failed", "attack_share": "attack share",
                 "emotion_avg": "emotion", "emotion_div": "emotion div", "confidence_avg": "confidence",
                 "confidence_div": "confid. div", "wall_s": "s"}
"""Column headings of the printed table (the CSV keeps the field names)."""


def summary_rows(frame: pd.DataFrame, grid_keys: Iterable[str] = ()) -> list[dict[str, str]]:
    """The one summary table as text cells: each variant's runs, then its ``mean ± std`` row.
    Columns that are zero for every run (no LLM failures, say) are left out of the display."""
    metrics = [c for c in metric_columns(frame, grid_keys)
               if pd.to_numeric(frame[c], errors="coerce").fillna(0).ne(0).any()]
    agg = aggregate(frame, grid_keys).set_index("variant")
    table: list[dict[str, str]] = []
    for cell in dict.fromkeys(frame["variant"]):
        group = frame[frame["variant"] == cell]
        for _, r in group.iterrows():
            status = "ok" if r["status"] == "completed" else str(r["status"])
            table.append({"variant": str(cell), "seed": str(r["seed"]), "status": status,
                          **{DISPLAY_NAMES.get(c, c): _num(r.get(c)) for c in metrics}})
        a = agg.loc[cell]
        table.append({"variant": str(cell), "seed": "mean ± std", "status": f"{int(a['runs'])} ok",
                      **{DISPLAY_NAMES.get(c, c): _pm(a[f"{c}_mean"], a[f"{c}_std"]) for c in metrics}})
    return table


def _num(value: Any) -> str:
    if value is None or value is pd.NA:
        return "-"
    if pd.api.types.is_integer(value):
        return f"{int(value):,}"
    if pd.api.types.is_float(value):
        v = float(value)
        if math.isnan(v):
            return "-"
        if v.is_integer() and abs(v) >= 10:
            return f"{int(v):,}"
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.3g}"
    return str(value)


def _pm(mean: float, std: float) -> str:
    if mean is None or math.isnan(mean):
        return "-"
    return _num(mean) if std is None or math.isnan(std) else f"{_num(mean)} ± {_num(std)}"


def markdown(rows: list[dict[str, str]]) -> str:
    if not rows:
        return ""
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(row[c].replace("|", "\\|") for c in cols) + " |")
    return "\n".join(lines) + "\n"


def write_summary(out: Path, frame: pd.DataFrame, grid_keys: Iterable[str] = ()) -> list[Path]:
    """``summary.csv`` (one row per run, then per-cell means and stds) and ``summary.md`` (the printed
    table) in the sweep folder."""
    grid_keys = list(grid_keys)
    out = Path(out)
    agg = aggregate(frame, grid_keys)
    long = frame.drop(columns=[c for c in ("traceback",) if c in frame.columns])
    csv, md = out / f"{SUMMARY_NAME}.csv", out / f"{SUMMARY_NAME}.md"
    long.to_csv(csv, index=False)
    agg.to_csv(out / f"{SUMMARY_NAME}_by_variant.csv", index=False)
    md.write_text(markdown(summary_rows(frame, grid_keys)), encoding="utf-8")
    return [csv, out / f"{SUMMARY_NAME}_by_variant.csv", md]
