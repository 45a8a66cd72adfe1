"""`hubbub bench WORKLOAD`: run a benchmark workload, print its figures and targets, save them as JSON.

Workloads: saturation, engine, tokens, scale, memory, choices, peer-job (see :mod:`hubbub.bench`). ``--quick`` uses
small sizes (seconds); without it the sizes of docs/PERFORMANCE.md are used. Options that a workload
does not take are refused with the list of those it does take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

import typer


def _given(**options: Any) -> dict[str, Any]:
    """The options the user actually passed (None and empty lists mean "use the workload's size")."""
    return {k: v for k, v in options.items() if v is not None and v != []}


def _users(workload: str, given: dict[str, Any]) -> dict[str, Any]:
    """``--users``: a file for peer-job, a whole number of users for the other workloads."""
    from hubbub.errors import ConfigError

    value = given.get("users")
    if value is None or workload == "peer-job":
        return given
    if not str(value).strip().isdigit():
        raise ConfigError(f"bench {workload}: --users {value!r} is not allowed; expected a whole number of users")
    return {**given, "users": int(value)}


def register(app: typer.Typer) -> None:
    from hubbub.bench import WORKLOADS
    from hubbub.cli import guard
    from hubbub.commands.metavars import LIVE_BACKENDS

    @app.command(epilog="Example: hubbub bench engine --quick")
    def bench(
        workload: str = typer.Argument(..., metavar="WORKLOAD", help=f"One of: {', '.join(WORKLOADS)}."),
        quick: bool = typer.Option(False, "--quick", help="Small sizes (seconds), for a check that it works."),
        out: Optional[Path] = typer.Option(None, "--out", metavar="FILE", help="JSON file for the results (default: benchmarks/results/WORKLOAD[-quick].json)."),
        users: Optional[str] = typer.Option(None, "--users", metavar="N|FILE", help="TrendSim users (peer-job: TrendSim's user_1000.csv)."),
        topic: Optional[str] = typer.Option(None, "--topic", metavar="FILE[#N]", help="peer-job: TrendSim's tweets.csv (its first topic, or row N)."),
        size: Optional[int] = typer.Option(None, "--size", metavar="N", help="peer-job: users taken from the top of the --users file."),
        hours: Optional[float] = typer.Option(None, "--hours", metavar="H", help="Simulated hours of the TrendSim topic."),
        concurrency: Optional[int] = typer.Option(None, "--concurrency", metavar="N", help="run.concurrency of the simulation."),
        backend: Optional[List[str]] = typer.Option(None, "--backend", metavar=LIVE_BACKENDS, help="LLM backend to measure (repeat for several; saturation, choices: embedded, openai; tokens: embedded, openai, scripted)."),
        base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="An external OpenAI-compatible server for --backend openai, or peer-job's server (vLLM, ...; repeat for several); default: start llama.cpp on loopback."),
        model: Optional[str] = typer.Option(None, "--model", metavar="NAME", help="Model name on the --base-url server."),
        parallel: Optional[int] = typer.Option(None, "--parallel", metavar="N", help="Parallel slots of the llama.cpp engine / server."),
        max_tokens: Optional[int] = typer.Option(None, "--max-tokens", metavar="N", help="llm.max_tokens of generated texts."),
        comments_per_page: Optional[int] = typer.Option(None, "--comments-per-page", metavar="N", help="Comments shown per page (tokens)."),
        steps: Optional[int] = typer.Option(None, "--steps", metavar="N", help="Steps (rounds) of the run (scale, memory); peer-job: actions per visit (TrendSim's code: 4)."),
        nodes: Optional[int] = typer.Option(None, "--nodes", metavar="N", help="Users of the S3 run, rule-based and LLM (scale, memory)."),
        edges_per_node: Optional[int] = typer.Option(None, "--edges-per-node", metavar="N", help="Follows per new node of the generated graph (scale)."),
        llm_users: Optional[int] = typer.Option(None, "--llm-users", metavar="N", help="LLM users among them (scale, memory)."),
        s3_users: Optional[int] = typer.Option(None, "--s3-users", metavar="N", help="Users of the S3 part (engine; 0 skips it)."),
        s3_steps: Optional[int] = typer.Option(None, "--s3-steps", metavar="N", help="Steps of the S3 part (engine)."),
        profile: Optional[int] = typer.Option(None, "--profile", metavar="N", help="Also profile the run (cProfile) and print this many top functions."),
        keep: Optional[Path] = typer.Option(None, "--keep", metavar="DIR", help="Keep the run records in this folder (default: a temporary folder, removed)."),
        peer_command: Optional[str] = typer.Option(None, "--peer-command", metavar="CMD", help="peer-job: another system's job, run after hubbub's on the same server ({base_url}, {model}, {report}, {max_tokens} filled in); e.g. TrendSim's released code via benchmarks/peer_job/trendsim_job.py."),
    ) -> None:
        """Run a benchmark workload; print its figures and targets and save them as JSON."""
        given = _given(users=users, topic=topic, size=size, hours=hours, concurrency=concurrency, backend=list(backend or []),
                       base_url=list(base_url or []), model=model, parallel=parallel, max_tokens=max_tokens, comments_per_page=comments_per_page,
                       steps=steps, nodes=nodes, edges_per_node=edges_per_node, llm_users=llm_users,
                       s3_users=s3_users, s3_steps=s3_steps, profile=profile,
                       keep=str(keep) if keep is not None else None, peer_command=peer_command)

        def go() -> None:
            from hubbub.bench import run_workload

            report = _run_with_progress(run_workload, workload, quick, _users(workload, given))
            report.print()
            path = report.save(out or Path("benchmarks/results") / f"{workload}{'-quick' if quick else ''}.json")
            typer.echo(f"saved {path}")

        guard(go)


def _run_with_progress(run_workload: Any, workload: str, quick: bool, given: dict[str, Any]) -> Any:
    """The workload and, in a log (not a terminal), a ``progress:`` line every few seconds with the
    figures measured so far: a full-size workload runs for many minutes."""
    from hubbub.commands.progress import check, elapsed_text, heartbeat

    check(quiet=False)
    seen: list[Any] = []

    def describe(elapsed: float) -> str:
        figures = list(seen[0].figures) if seen else []
        last = f" (last: {figures[-1]})" if figures else ""
        return f"bench {workload}: {len(figures)} figures measured{last}, {elapsed_text(elapsed)} elapsed"

    with heartbeat(describe, quiet=False):
        return run_workload(workload, quick=quick, given=given, on_report=seen.append)
