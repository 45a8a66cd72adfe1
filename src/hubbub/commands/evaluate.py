"""``hubbub evaluate [TASK ...]``: measure a backend and the baselines on real data (issue #5).

Writes ``OUT/results.csv`` and ``OUT/results.md`` (every figure with backend, model, split and n,
next to the papers' published figures), learned classifiers under ``OUT/policies/`` and fitted
classical baselines under ``OUT/fitted/``. ``--data TASK=PATH`` points a task at a file or folder in
the same format that it has never seen; ``--sim-run TASK=DIR`` gives it a simulation run to score.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any, List, Optional

import typer

from hubbub.commands.metavars import LIVE_BACKENDS, choices
from hubbub.evaluate.data.help import data_epilog, data_option_help


def register(app: typer.Typer) -> None:
    epilog = "Example: hubbub evaluate attitude_tweeteval --limit 20 --backend openai --base-url http://127.0.0.1:8000"
    app.command(name="evaluate", epilog=f"{epilog}\n\n{data_epilog()}")(evaluate)


def _pairs(items: list[str] | None, option: str) -> dict[str, str]:
    from hubbub.errors import ConfigError
    from hubbub.evaluate.tasks import TASKS

    out: dict[str, str] = {}
    for item in items or []:
        task, sep, path = item.partition("=")
        if not sep or not path:
            raise ConfigError(f"{option} {item!r}: expected TASK=PATH, e.g. {option} attitude_nlpcc=taskB_gold.tsv")
        if task not in TASKS:
            raise ConfigError(f"{option} {item!r}: unknown task {task!r}; known: {', '.join(TASKS)}")
        if not Path(path).exists():
            raise ConfigError(f"{option} {item!r}: {path} does not exist")
        out[task] = path
    return out


def evaluate(
    tasks: Optional[List[str]] = typer.Argument(None, metavar="TASK...", help="Tasks to run (default: all). See --list."),
    backend: str = typer.Option("embedded", "--backend", metavar=LIVE_BACKENDS, help="LLM backend (scripted: tests only, never results)."),
    base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="OpenAI-compatible server URL (repeat to load-balance over several servers)."),
    model: Optional[str] = typer.Option(None, "--model", metavar="NAME", help="Model name (openai) or GGUF path (embedded)."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, metavar="N", help="At most N test items per task; N < 50 also shrinks the simulations and fitting grids the harness makes (a smoke run)."),
    train_limit: Optional[int] = typer.Option(None, "--train-limit", min=10, metavar="N", help="At most N train items per task for fitted policies."),
    data: Optional[List[str]] = typer.Option(None, "--data", metavar="TASK=PATH", help=data_option_help() + " Repeat for several tasks."),
    sim_run: Optional[List[str]] = typer.Option(None, "--sim-run", metavar="TASK=RUN_DIR", help="A simulation run to score (repeat for several tasks) "
                                                "(propagation_twitter15: S3 run; trendsim_judge / lifecycle_weibo: TrendSim run)."),
    out: Path = typer.Option(Path("evaluation"), "--out", metavar="DIR", help="Output folder."),
    judge_backend: Optional[List[str]] = typer.Option(None, "--judge-backend", metavar="JUDGE", help="Judge for trendsim_judge (repeat): "
                                                      "embedded[:PATH.gguf] | scripted | openai:MODEL@URL. Default: the main backend."),
    policy: Optional[List[str]] = typer.Option(None, "--policy", metavar=choices(("llm", "majority", "learned")), help="Policy to measure (repeat for several; default: all three)."),
    embedder: str = typer.Option("auto", "--embedder", metavar=choices(("use", "hashing", "auto")), help="Sentence embedder for learned policies and cosines."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Seed of splits, samples and LLM sampling."),
    threads: Optional[int] = typer.Option(None, "--threads", metavar="N", help="CPU threads for the embedded model."),
    perplexity: bool = typer.Option(True, "--perplexity/--no-perplexity", help="Score text realism's perplexity under the reference model."),
    list_tasks: bool = typer.Option(False, "--list", help="List the tasks and exit."),
) -> None:
    """Measure how close a backend and simple baselines come to real data, with the papers' metrics."""
    from hubbub.cli import guard

    if "numpy" not in sys.modules:
        # The classifiers' matrices are small: on a few shared cores OpenBLAS worker threads mostly spin
        # (a logistic-regression fit ran 17x slower with them on 2 busy cores). A user setting wins.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    guard(lambda: _evaluate(tasks, backend, base_url, model, limit, train_limit, data, sim_run, out, judge_backend,
                            policy, embedder, seed, threads, perplexity, list_tasks))


def _evaluate(tasks, backend, base_url, model, limit, train_limit, data, sim_run, out, judge_backend, policy,
              embedder, seed, threads, perplexity, list_tasks) -> None:  # noqa: ANN001 - the CLI's own values
    from hubbub.evaluate.harness import POLICIES, Settings, run_suite
    from hubbub.evaluate.tasks import TASKS
    from hubbub.scenarios.config import llm_from_options

    if list_tasks:
        for name, task in TASKS.items():
            typer.echo(f"{name:26s} {task.measures}")
        return
    llm = llm_from_options("hubbub evaluate", backend=backend, model=model or "", base_urls=tuple(base_url or ()),
                           threads=threads)  # one line naming the option, as every command
    settings = Settings(tasks=list(tasks or TASKS), llm=llm, out=out, limit=limit, train_limit=train_limit, seed=seed,
                        data=_pairs(data, "--data"), sim_runs=_pairs(sim_run, "--sim-run"), judges=list(judge_backend or ()),
                        policies=list(policy or POLICIES), embedder=embedder, perplexity=perplexity,
                        command="hubbub evaluate " + " ".join(shlex.quote(a) for a in sys.argv[2:]))
    if backend == "embedded":
        typer.echo("note: the embedded 135M model carries no persona signal; its figures check the pipeline, "
                   "not the quality of an LLM simulation.", err=True)
    result = _run_with_progress(run_suite, settings)
    csv_path, md_path = result["paths"]
    typer.echo(f"results: {csv_path} and {md_path} ({len(result['rows'])} figures)")
    if result["failed"]:
        typer.echo("not measured: " + "; ".join(f"{k}: {v}" for k, v in result["failed"].items()), err=True)
        typer.echo(f"error: {len(result['failed'])} of {len(settings.tasks)} requested tasks failed or wrote no "
                   f"figure: {', '.join(result['failed'])}", err=True)
        raise typer.Exit(1)


def _run_with_progress(run_suite: Any, settings: Any) -> dict[str, Any]:
    """The suite, its per-task lines on stderr and, in a log (not a terminal), a ``progress:`` line every
    few seconds naming the task in work, so a long task does not look like a hang."""
    from hubbub.commands.progress import check, elapsed_text, heartbeat

    check(quiet=False)
    state: dict[str, Any] = {"finished": 0, "failed": 0, "task": "starting"}

    def echo(text: str) -> None:
        typer.echo(text, err=True)
        if text.endswith(" ..."):
            state["task"] = str(text).removeprefix("evaluate: ").removesuffix(" ...")
        elif " done in " in text or " FAILED: " in text:
            state["finished"] += 1
            state["failed"] += " FAILED: " in text

    def describe(elapsed: float) -> str:
        total, finished = len(settings.tasks), int(state["finished"])
        working = "" if finished >= total else f", working on {state['task']}"
        return (f"evaluate: {finished} of {total} tasks finished ({state['failed']} failed){working}, "
                f"{elapsed_text(elapsed)} elapsed")

    with heartbeat(describe, quiet=False):
        return run_suite(settings, echo=echo)
