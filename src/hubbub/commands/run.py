"""What the CLI commands do (kept out of cli.py so the command table stays readable)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from hubbub.commands.notes import escape, missing_data_note, visible  # noqa: F401 - used by other commands
from hubbub.errors import ConfigError
from hubbub.scenarios.config import Scenario, load_scenario, scenario_from_dict
from hubbub.scenarios.loading import builtin_names, builtin_text, set_dotted

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def run_command(scenario: str, out: Path | None, overrides: dict[str, Any], *, overwrite: bool, quiet: bool,
                yes: bool = False) -> None:
    sc = load_scenario(scenario, overrides)
    run_dir = out or Path("runs") / sc.run.name
    if sc.experiment is not None:  # a grid: the same runner and folder layout as `hubbub sweep`
        from hubbub.commands.grid import grid_command
        from hubbub.runtime.sweep import plan

        variants = plan(sc)
        grid_command(sc, variants, run_dir, workers=1, ray=None, analyse=True, quiet=quiet, overwrite=overwrite,
                     yes=yes)
        console.print(outcome_line([run_dir / v.name for v in variants], label=str(run_dir)))
        return
    run_single(sc, run_dir, overwrite=overwrite, quiet=quiet, yes=yes)


def run_single(sc: Scenario, run_dir: Path, *, overwrite: bool, quiet: bool, resume: bool = False,
               yes: bool = False) -> Path:
    from hubbub.commands.progress import check as check_progress
    from hubbub.runtime.estimate import announce_cost, check_cost
    from hubbub.runtime.simulation import EMBEDDED_BANNER, Simulation, check_run_dir

    check_progress(quiet)
    if not resume:
        check_run_dir(run_dir, overwrite)
    if sc.llm.backend == "embedded":
        from hubbub.llm.embedded import first_use_note

        err.print(f"[bold yellow]note:[/] {EMBEDDED_BANNER}")
        if first := first_use_note(sc.llm.model, sc.llm.embedded_weights):
            err.print(f"[bold yellow]note:[/] {escape(first)}", soft_wrap=True)
    note = missing_data_note(sc)
    if note:
        err.print(f"[bold yellow]note:[/] {escape(note)}", soft_wrap=True)
    known = None if resume else check_cost(sc, yes=yes)  # before the folder is written: a refused run leaves none
    sim = Simulation(sc, run_dir, resume=resume)  # sc: the manifest's config, plus any resume --set (credentials kept)
    if not resume:
        announce_cost(sc, known, quiet=quiet, say=lambda line: console.print(escape(line)))
    _describe_start(sim, run_dir, quiet)
    try:
        progress = _run_with_progress(sim, quiet)
    except KeyboardInterrupt:
        err.print(f"[bold yellow]interrupted.[/] The run record is safe; continue with "
                  f"[bold]hubbub resume {escape(str(run_dir))}[/]")
        raise
    _report(sim, run_dir, progress, quiet)
    return run_dir


def _describe_start(sim: Any, run_dir: Path, quiet: bool) -> None:
    if quiet:
        return
    sc = sim.scenario
    console.print(f"[bold]{escape(sc.run.name)}[/]: {escape(sim.world.describe())}, "
                  f"backend {sim.llm.name} ({escape(sim.llm.model or '-')}), concurrency {sc.run.concurrency}")
    if sim.resumed_from is not None:
        console.print(f"resuming: re-checking {sim.resumed_from + 1} recorded events, then continuing")


def _run_with_progress(sim: Any, quiet: bool) -> Any:
    """A progress bar on a terminal; plain ``progress:`` lines every few seconds in a log (not a terminal)."""
    from hubbub.commands import progress as lines

    if quiet or not err.is_terminal:
        with lines.heartbeat(lambda _elapsed: progress_line(sim.progress), quiet=quiet):
            return sim.run()
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"),
               TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("simulating", total=1.0, info="")

        def update(p: Any) -> None:
            rate = p.llm_calls / p.elapsed if p.elapsed > 0 else 0.0
            info = (f"t={p.sim_time / 3600:5.2f} h  sessions {p.sessions}  events {p.events}  "
                    f"LLM {p.llm_calls} ({rate:.1f}/s)")
            bar.update(task, completed=p.fraction, info=info)

        progress = sim.run(on_batch=update)
        bar.update(task, completed=1.0)
    return progress


def progress_line(p: Any) -> str:
    """One plain progress line of a run (a :class:`~hubbub.runtime.progress.Progress`)."""
    from hubbub.commands.progress import elapsed_text

    return (f"t={p.sim_time / 3600:.2f} h of {p.horizon / 3600:.2f} h ({p.fraction:.0%}), {p.events} events, "
            f"{p.llm_calls} LLM calls ({p.failures} failed), {elapsed_text(p.elapsed)} elapsed")


def _report(sim: Any, run_dir: Path, progress: Any, quiet: bool) -> None:
    from hubbub.report.html import report_run
    from hubbub.store.runstore import fold_wal

    written = sim.kind.analyse(run_dir)
    written.append(report_run(run_dir))
    fold_wal(run_dir)
    if not quiet:
        console.print(f"done in {progress.elapsed:.1f} s: {progress.events} events, {progress.sessions} sessions, "
                      f"{progress.llm_calls} LLM calls ({progress.failures} failed, {progress.cache_hits} cache hits)")
        console.print(f"run record: {escape(str(run_dir / 'run.sqlite'))}")
        console.print(f"tables and plots: {escape(str(run_dir / 'tables'))}, {escape(str(run_dir / 'plots'))} "
                      f"({len(written)} files)")
        console.print(f"report (open in a browser): {escape(str(written[-1]))}")
    console.print(outcome_line([run_dir]))


def outcome_line(run_dirs: list[Path], label: str | None = None) -> str:
    """The last line of every run or experiment, ``--quiet`` or not: whether LLM calls failed, how many,
    what share (the counts of the whole record, every process of a resumed run included)."""
    from hubbub.store import read_manifest

    totals = {"events": 0, "llm_calls": 0, "llm_failures": 0}
    for run_dir in run_dirs:
        counts = read_manifest(run_dir).get("counts") or {}
        for key in totals:
            totals[key] += int(counts.get(key) or 0)
    events, calls, failed = totals["events"], totals["llm_calls"], totals["llm_failures"]
    where = escape(label or str(run_dirs[0]))
    if not failed:
        return f"[bold green]completed[/] {where}: {events} events, {calls} LLM calls, 0 failed"
    share = failed / calls if calls else 1.0
    return (f"[bold red]completed with {failed} failed LLM calls[/] of {calls} ({share:.1%}) in {where}: the agents "
            f"whose call failed skipped that step; see summary.md and report.html")


def resume_command(run_dir: Path, overrides: dict[str, Any] | None = None) -> None:
    from hubbub.store import read_manifest
    from hubbub.store.manifest import check_resumable

    if (run_dir / "run.sqlite").exists() and not (run_dir / "manifest.json").exists():
        raise ConfigError(f"{run_dir}: the run stopped before it wrote its manifest, so nothing can be resumed; "
                          f"start it again with `hubbub run SCENARIO --out {run_dir} --overwrite`")
    manifest = read_manifest(run_dir)
    if manifest.get("status") == "completed":
        rebuild_outputs(run_dir, manifest)
        return
    check_resumable(manifest, run_dir, overrides or {})
    sc = scenario_from_dict(manifest["config"], f"{run_dir}/manifest.json")
    if overrides:
        sc = _change_execution(run_dir, manifest, overrides)
    run_single(sc, run_dir, overwrite=False, quiet=False, resume=True)


def _change_execution(run_dir: Path, manifest: dict[str, Any], overrides: dict[str, Any]) -> Scenario:
    """Apply ``hubbub resume --set`` to the run's configuration: only settings of how the run executes
    (EXECUTION_ONLY) may change, the change is validated, and the manifest keeps both the new setting
    and a note of what changed when."""
    import copy

    from hubbub.scenarios.config import EXECUTION_ONLY
    from hubbub.store import write_manifest
    from hubbub.store.manifest import rehash_config

    for key in overrides:
        if key not in EXECUTION_ONLY:
            raise ConfigError(f"hubbub resume --set {key}: only execution settings can change when a run resumes "
                              f"(anything else would change what it computes); allowed: {', '.join(EXECUTION_ONLY)}")
    config = copy.deepcopy(manifest["config"])
    for key, value in overrides.items():
        set_dotted(config, key, value)
    sc = scenario_from_dict(config, "hubbub resume --set")
    rehash_config(manifest, sc.model_dump(mode="json"))
    manifest.setdefault("resumed_with", []).append(
        {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "set": {k: overrides[k] for k in sorted(overrides)}})
    write_manifest(run_dir, manifest)
    return sc


def rebuild_outputs(run_dir: Path, manifest: dict[str, Any]) -> None:
    """A completed run has nothing to re-simulate, but a process stopped while it wrote the tables,
    plots or report leaves them half-written: rebuild them from the event log (they are projections)."""
    from hubbub.report.html import report_run
    from hubbub.runtime.worlds import world_kind
    from hubbub.store.runstore import fold_wal

    written = world_kind(str(manifest.get("config", {}).get("kind", "trendsim"))).analyse(run_dir)
    written.append(report_run(run_dir))
    fold_wal(run_dir)
    console.print(f"{escape(str(run_dir))}: this run already completed; nothing to resume. Its tables, plots and "
                  f"report were rebuilt from the event log ({len(written)} files)")


def show_command(run_dir: Path) -> None:
    from hubbub.store import load_run

    run = load_run(run_dir)
    m = run.manifest
    table = Table(title=f"run {escape(str(run_dir))}", show_header=False)
    for key in ("status", "seed", "hubbub_version", "started_at", "ended_at"):
        table.add_row(key, escape(str(m.get(key, "-"))))
    backend = m.get("backend", {})
    table.add_row("backend", escape(f"{backend.get('backend', '-')} / {backend.get('model', '-')}"))
    events = run.events
    table.add_row("events", str(len(events)))
    for kind, count in events["kind"].value_counts().sort_index().items():
        table.add_row(f"  {kind}", str(count))
    console.print(table)
    console.print(_telemetry_table(run.llm_calls))


def _telemetry_table(calls: Any) -> Table:
    table = Table(title="LLM calls by kind")
    for col in ("kind", "calls", "failed", "prompt tok (mean)", "completion tok (mean)", "latency s (mean)", "p95 s"):
        table.add_column(col)
    if len(calls) == 0:
        return table
    for kind, g in calls.groupby("kind"):
        failed = int((g["outcome"].astype(str).str.startswith("error")).sum())
        table.add_row(escape(str(kind)), str(len(g)), str(failed), _fmt(g["prompt_tokens"].mean()),
                      _fmt(g["completion_tokens"].mean()), _fmt(g["latency_s"].mean(), 3),
                      _fmt(g["latency_s"].quantile(0.95), 3))
    return table


def _fmt(value: Any, digits: int = 1) -> str:
    try:
        return "-" if value != value else f"{float(value):.{digits}f}"
    except (TypeError, ValueError):
        return "-"


def scenarios_command() -> None:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    table = Table(title="built-in scenarios")
    table.add_column("name")
    table.add_column("description")
    for name in builtin_names():
        data = tomllib.loads(builtin_text(name))
        table.add_row(name, escape(str(data.get("description", ""))))
    console.print(table)


def serve_command(port: int, parallel: int, threads: int | None) -> None:
    from hubbub.llm.embedded import start_server

    server, url = start_server(port=port, parallel=parallel, threads=threads)
    console.print(f"serving SmolLM2-135M-Instruct (OpenAI-compatible) at {url}  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("stopped")
    finally:
        del server
