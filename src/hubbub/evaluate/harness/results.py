"""The suite's output: ``results.csv`` (one figure per row) and ``results.md`` (the figures grouped by task,
each with backend, model, split and sample size, and the paper's published figure next to ours)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import time
from pathlib import Path
from typing import Any, Sequence


from hubbub.errors import redact_credentials
from hubbub.evaluate import tasks as T
from hubbub.evaluate.harness.context import Context, Settings

COLUMNS = ("task", "dataset", "split", "n", "policy", "backend", "model", "metric", "value")
EMBEDDED_WARNING = (
    "**The embedded model (SmolLM2-135M-Instruct) carries no persona signal**: its choices follow the "
    "position of an option, not the persona or the text (research/embedded-llm.md section 6). Options are "
    "shuffled per call, so its answers are close to random draws. Figures from it show that the pipeline "
    "runs end to end; they say nothing about how well an LLM simulates users.")


def write_results(settings: Settings, ctx: Context, rows: list[dict[str, Any]], failed: dict[str, str],
                  timings: dict[str, float]) -> tuple[Path, Path]:
    csv_path, md_path = settings.out / "results.csv", settings.out / "results.md"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows({k: r[k] for k in COLUMNS} for r in rows)
    md_path.write_text(results_markdown(settings, ctx, rows, failed, timings), encoding="utf-8")
    return csv_path, md_path


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def results_markdown(settings: Settings, ctx: Context, rows: list[dict[str, Any]], failed: dict[str, str],
                     timings: dict[str, float]) -> str:
    judges = ", ".join(settings.judges) or "the main backend"
    uses_embedded = settings.llm.backend == "embedded" or any(j.startswith("embedded") for j in settings.judges)
    lines = ["# hubbub evaluate: results", "",
             f"Written {dt.datetime.now().isoformat(timespec='seconds')} by `{_md(settings.command or 'hubbub evaluate')}`.", "",
             f"* backend: `{settings.llm.backend}`" + (f", model `{settings.llm.model}`" if settings.llm.model else "")
             + (f", base URLs {', '.join(settings.llm.base_urls)}" if settings.llm.base_urls else ""),
             f"* judges: {judges}; embedder for learned policies and cosines: `{settings.embedder}`",
             f"* limits: test items per task {settings.limit or 'all'}, train items {settings.train_limit or 'all'}; seed {settings.seed}",
             f"* policies: {', '.join(settings.policies)} (+ task rules); every figure below names its backend, model, split and n.",
             f"* time: {time.time() - ctx.clock[0]:.0f} s wall, {time.process_time() - ctx.clock[1]:.0f} s CPU of this process "
             "(all its threads, the in-process model included)", ""]
    if uses_embedded:
        lines += [EMBEDDED_WARNING, ""]
    if settings.llm.backend == "scripted":
        lines += ["**Scripted backend: canned replies for tests. These figures are NOT results.**", ""]
    for name in settings.tasks:
        lines += _task_section(name, [r for r in rows if r["task"] == name], ctx.notes.get(name, []),
                               failed.get(name), timings.get(name))
    if ctx.notes.get("simulations"):
        lines += ["## Simulations run or reused by the harness", ""] + [f"* {_md(n)}" for n in ctx.notes["simulations"]] + [""]
    if ctx.artefacts:
        lines += ["## Saved artefacts (reusable by simulations)", ""]
        lines += [f"* `{p.relative_to(settings.out) if p.is_relative_to(settings.out) else p}`" for p in ctx.artefacts] + [""]
    return redact_credentials("\n".join(lines))  # the command line and base URLs may hold user:password@


def _task_section(name: str, rows: list[dict[str, Any]], notes: list[str], error: str | None,
                  seconds: float | None) -> list[str]:
    task = T.get_task(name)
    used = list(dict.fromkeys(r["dataset"].split(":")[0] for r in rows))
    title = f"## {name}" + (f" (data: {', '.join(used)})" if used else "")
    out = [title, "", f"What it measures: {task.measures}." + (f" ({seconds:.0f} s)" if seconds else ""), ""]
    out += [f"* {_md(n)}" for n in (*task.notes, *notes)]
    out.append("")
    if error:
        return out + [f"**Not measured**: {_md(error)}", ""]
    if not rows:
        return out + ["(no figures)", ""]
    return out + pivot_table(name, rows) + ["", reproducibility(rows), ""]


REPRODUCIBLE = {
    "none": "rows with backend `none` (real data, majority, learned and rule policies, fitted classical models) "
            "come out exactly the same from the same command, data, seed and package versions",
    "scripted": "`scripted` rows are canned replies (tests only) and repeat exactly",
    "embedded": "`embedded` rows are NOT bit-exact on a re-run: batched llama.cpp inference depends on which "
                "requests share a batch and on the prompt cache (docs/llm-determinism.md), so a re-run can move "
                "them by about the sampling noise; figures computed from a recorded simulation run (`--sim-run`) "
                "repeat exactly, a fresh simulation does not",
    "openai": "`openai` rows repeat only as far as the server is deterministic (most batch requests: not bit-exact)",
}


def reproducibility(rows: Sequence[dict[str, Any]]) -> str:
    """One line under a task's table: which of its figures a re-run reproduces exactly, and which not."""
    kinds = dict.fromkeys("none" if r["backend"] == "none" else str(r["backend"]).split(":")[0] for r in rows)
    said = [REPRODUCIBLE.get(k, f"`{k}` rows repeat only as far as that backend is deterministic") for k in kinds]
    return "Reproducibility: " + "; ".join(said) + "."


def pivot_table(task: str, rows: list[dict[str, Any]]) -> list[str]:
    """One line per (dataset, split, n, policy, backend, model) with the metrics as columns, and a
    'paper' line under each dataset holding the published figures for those metrics."""
    metrics: list[str] = []
    groups: dict[tuple, dict[str, float]] = {}
    for r in rows:
        if r["metric"] not in metrics:
            metrics.append(r["metric"])
        key = (r["dataset"], r["split"], r["n"], r["policy"], r["backend"], r["model"])
        groups.setdefault(key, {})[r["metric"]] = r["value"]
    chunks = [metrics[i:i + 8] for i in range(0, len(metrics), 8)]
    out: list[str] = []
    for chunk in chunks:
        papers = {m: T.paper_figure(task, m) for m in chunk}
        out += ["| dataset | split | n | policy | backend | model | " + " | ".join(_md(m) for m in chunk) + " |",
                "|---|---|---|---|---|---|" + "---|" * len(chunk)]
        shown_paper: set[str] = set()
        for key, values in groups.items():
            if not any(m in values for m in chunk):
                continue
            if any(papers.values()) and key[0] not in shown_paper:
                shown_paper.add(key[0])
                sources = "; ".join(sorted({f.source for f in papers.values() if f}))
                out.append(f"| {_md(key[0])} | paper | | published | | {_md(sources)} | "
                           + " | ".join(_fmt(papers[m].value) if papers[m] else "" for m in chunk) + " |")
            out.append("| " + " | ".join(_md(x) for x in key) + " | "
                       + " | ".join(_fmt(values[m]) if m in values else "" for m in chunk) + " |")
        out.append("")
    return out
