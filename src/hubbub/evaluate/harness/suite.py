"""Run evaluation tasks x policies with one backend configuration and write the results.

A task that cannot run (missing data, unreachable backend) is reported in results.md with the reason
and the suite goes on; a bug still raises.
"""

from __future__ import annotations

import time
from typing import Any


from hubbub.errors import ConfigError, HubbubError
from hubbub.evaluate import tasks as T
from hubbub.evaluate.harness.classify import run_classification
from hubbub.evaluate.harness.context import Context, POLICIES, Settings
from hubbub.evaluate.harness.results import write_results

def run_suite(settings: Settings, echo: Any = print) -> dict[str, Any]:
    """Run the tasks and write results.csv and results.md; returns the rows, failures and paths."""
    for name in settings.tasks:
        T.get_task(name)
    unknown = sorted(set(settings.policies) - set(POLICIES))
    if unknown:
        raise ConfigError(f"evaluate: unknown policy {', '.join(unknown)}; allowed: {', '.join(POLICIES)}")
    settings.out.mkdir(parents=True, exist_ok=True)
    ctx = Context(settings)
    ctx.clock = (time.time(), time.process_time())
    rows: list[dict[str, Any]] = []
    failed: dict[str, str] = {}
    timings: dict[str, float] = {}
    try:
        for name in settings.tasks:
            task, started = T.get_task(name), time.time()
            echo(f"evaluate: {name} ...")
            try:
                got = task.run(ctx) if task.run is not None else run_classification(ctx, task)
            except HubbubError as exc:
                failed[name] = str(exc)
                echo(f"evaluate: {name} FAILED: {exc}")
                continue
            timings[name] = time.time() - started
            if not got:
                failed[name] = "the task wrote no figure"
            rows += got
            echo(f"evaluate: {name} done in {timings[name]:.0f} s ({len(got)} figures)")
            write_results(settings, ctx, rows, failed, timings)  # a later crash loses nothing
        paths = write_results(settings, ctx, rows, failed, timings)
    finally:
        ctx.close()
    return {"rows": rows, "failed": failed, "paths": paths, "artefacts": ctx.artefacts}
