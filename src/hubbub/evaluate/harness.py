"""Run evaluation tasks x policies with one backend configuration and write the results.

``run_suite(settings)`` runs each task in turn and writes ``OUT/results.csv`` (columns ``task,
dataset, split, n, policy, backend, model, metric, value``) and ``OUT/results.md`` (the same figures
grouped by task, each with backend, model, split and sample size, and the paper's published figure
next to ours where one exists). Learned classifiers go to ``OUT/policies/`` and fitted classical
baselines to ``OUT/fitted/``; simulations the harness had to run go to ``OUT/sim/``.

A task that cannot run (missing data, unreachable backend) is reported in results.md with the reason
and the suite goes on; a bug still raises.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from hubbub.errors import ConfigError, HubbubError
from hubbub.evaluate import tasks as T
from hubbub.evaluate.datasets import Example, hash_unit
from hubbub.evaluate.metrics import classification_scores

COLUMNS = ("task", "dataset", "split", "n", "policy", "backend", "model", "metric", "value")
POLICIES = ("llm", "majority", "learned")
SMALL_BELOW = 50
"""A --limit below this also shrinks the simulations and fitting grids the harness makes (smoke runs)."""
EMBEDDED_WARNING = (
    "**The embedded model (SmolLM2-135M-Instruct) carries no persona signal**: its choices follow the "
    "position of an option, not the persona or the text (research/embedded-llm.md section 6). Options are "
    "shuffled per call, so its answers are close to random draws. Figures from it show that the pipeline "
    "runs end to end; they say nothing about how well an LLM simulates users.")


@dataclass
class Settings:
    """Everything a suite run depends on (the command line fills it)."""

    tasks: Sequence[str]
    llm: Any  # hubbub.scenarios.config.LLMConfig
    out: Path
    limit: int | None = None
    train_limit: int | None = None
    seed: int = 0
    data: dict[str, str] = field(default_factory=dict)
    sim_runs: dict[str, str] = field(default_factory=dict)
    judges: Sequence[str] = ()
    policies: Sequence[str] = POLICIES
    embedder: str = "auto"
    max_sim: int = 200
    perplexity: bool = True
    command: str = ""


@dataclass
class Judge:
    label: str
    backend: Any
    backend_name: str
    model_name: str


def parse_judge(spec: str, base: Any) -> Any:
    """A judge spec as an LLMConfig: ``embedded``, ``embedded:PATH.gguf``, ``scripted`` or
    ``openai:MODEL@URL`` (several URLs joined with ``+``)."""
    kind, _, rest = spec.partition(":")
    if kind not in ("embedded", "scripted", "openai"):
        raise ConfigError(f"--judge-backend {spec!r}: allowed: embedded[:PATH.gguf], scripted, openai:MODEL@URL")
    values: dict[str, Any] = {"backend": kind}
    if kind == "openai":
        model, _, urls = rest.partition("@")
        if not urls:
            raise ConfigError(f"--judge-backend {spec!r}: an openai judge needs MODEL@URL, e.g. openai:qwen2.5-7b@http://127.0.0.1:8000")
        values.update(model=model, base_urls=tuple(urls.split("+")))
    elif kind == "embedded" and rest:
        values["model"] = rest
    from hubbub.scenarios.config import LLMConfig

    keep = {k: v for k, v in base.model_dump().items() if k not in ("backend", "model", "base_urls")}
    try:
        return LLMConfig.model_validate({**keep, **values})
    except ValueError as exc:
        raise ConfigError(f"--judge-backend {spec!r}: {exc}") from None


class Context:
    """What tasks see: settings, lazily built backends and embedder, sampling and row helpers."""

    def __init__(self, settings: Settings) -> None:
        self.s = settings
        self.out = Path(settings.out)
        self.seed, self.limit, self.train_limit, self.max_sim = settings.seed, settings.limit, settings.train_limit, settings.max_sim
        self.policies = tuple(settings.policies)
        self.small = settings.limit is not None and settings.limit < SMALL_BELOW
        """Smoke-run sizes for the simulations and fitting grids the harness makes itself."""
        self.notes: dict[str, list[str]] = {}
        self.artefacts: list[Path] = []
        self._backend: Any = None
        self._judges: list[Judge] | None = None
        self._embedder: Any = None
        self._scorer: tuple[Any, str] | None = None
        self._runs: dict[str, Any] = {}
        self.clock = (time.time(), time.process_time())

    # ------------------------------------------------------------------ backends
    def backend(self) -> Any:
        if self._backend is None:
            from hubbub.runtime.backends import make_inner

            self._backend = make_inner(self.s.llm)
            if self._backend is None:
                raise ConfigError(f"evaluate: backend {self.s.llm.backend!r} cannot answer new requests; "
                                  "use embedded, openai or scripted")
        return self._backend

    @property
    def backend_name(self) -> str:
        return self.backend().name

    @property
    def model_name(self) -> str:
        return self.backend().model

    def judges(self) -> list[Judge]:
        if self._judges is None:
            from hubbub.runtime.backends import make_inner

            self._judges = []
            for spec in self.s.judges or ["(main)"]:
                if spec == "(main)":
                    b = self.backend()
                else:
                    b = make_inner(parse_judge(spec, self.s.llm))
                self._judges.append(Judge(f"#{len(self._judges) + 1} {b.model}", b, b.name, b.model))
        return self._judges

    def choose(self, backend: Any, requests: Sequence[Any], batch: int = 64) -> list[Any]:
        out: list[Any] = []
        for start in range(0, len(requests), batch):
            out.extend(backend.choose(list(requests[start:start + batch])))
        return out

    def generate(self, backend: Any, requests: Sequence[Any], batch: int = 32) -> list[Any]:
        out: list[Any] = []
        for start in range(0, len(requests), batch):
            out.extend(backend.generate(list(requests[start:start + batch])))
        return out

    def embedder(self) -> Any:
        if self._embedder is None:
            from hubbub.llm.embeddings import make_embedder

            self._embedder = make_embedder(self.s.embedder)
        return self._embedder

    def reference_scorer(self) -> tuple[Any, str]:
        """The perplexity reference model, or (None, why not)."""
        if self._scorer is None and not self.s.perplexity:
            self._scorer = (None, "switched off (--no-perplexity)")
        if self._scorer is None:
            try:
                self._scorer = (T.ReferenceScorer(threads=self.s.llm.threads), "")
            except (HubbubError, ImportError, OSError) as exc:
                self._scorer = (None, f"the reference model could not be started ({exc})")
        return self._scorer

    # ------------------------------------------------------------------ data and runs
    def data_path(self, task: str) -> str | None:
        return self.s.data.get(task)

    def sample(self, examples: Sequence[Example], split: str, limit: int | None = None) -> list[Example]:
        """A deterministic sample of at most ``limit`` (default: the run's limit) examples."""
        limit = self.limit if limit is None else limit
        order = sorted(examples, key=lambda e: hash_unit(f"{split}:{e.key}", self.seed))
        return order if limit is None else order[:limit]

    def cap(self, items: Sequence[Any], limit: int | None) -> list[Any]:
        """At most ``limit`` items, drawn with the run's seed (order kept)."""
        if limit is None or len(items) <= limit:
            return list(items)
        keep = np.sort(np.random.default_rng(self.seed).choice(len(items), size=limit, replace=False))
        return [items[int(i)] for i in keep]

    def sample_threads(self, threads: Sequence[Any]) -> list[Any]:
        return self.cap(threads, self.limit)

    def _run_dir(self, name: str) -> Path:
        return self.out / "sim" / name

    def trendsim_run(self, required: bool = True) -> Any:
        """The TrendSim run to judge: ``--sim-run trendsim_judge=DIR`` (or lifecycle_weibo=DIR), else a
        small run made here with the configured backend (only when ``required``)."""
        from hubbub.store import load_run

        for task in ("trendsim_judge", "lifecycle_weibo") if required else ("lifecycle_weibo",):
            if task in self.s.sim_runs:
                return load_run(self.s.sim_runs[task])
        if not required:
            return None
        if "trendsim" not in self._runs:
            self._runs["trendsim"] = load_run(self._simulate("trendsim", _trendsim_scenario(self)))
        return self._runs["trendsim"]

    def s3_run(self) -> Any:
        """The S3 run whose repost cascades are compared with Twitter15."""
        from hubbub.store import load_run

        if "propagation_twitter15" in self.s.sim_runs:
            return load_run(self.s.sim_runs["propagation_twitter15"])
        if "s3" not in self._runs:
            self._runs["s3"] = load_run(self._simulate("s3", _s3_scenario(self)))
        return self._runs["s3"]

    def _simulate(self, name: str, scenario: Any) -> Path:
        from hubbub.runtime.simulation import Simulation

        run_dir = self._run_dir(name)
        if (run_dir / "manifest.json").exists() and _complete(run_dir, scenario):
            self.note("simulations", f"{name}: reused {run_dir}")
            return run_dir
        if run_dir.exists():
            import shutil

            shutil.rmtree(run_dir)
        started = time.time()
        Simulation(scenario, run_dir).run()
        self.note("simulations", f"{name}: simulated into {run_dir} with backend {scenario.llm.backend} "
                                 f"in {time.time() - started:.0f} s")
        return run_dir

    # ------------------------------------------------------------------ output helpers
    def row(self, task: str, dataset: str, split: str, n: int, policy: str, metric: str, value: float,
            backend: str | None = None, model: str | None = None) -> dict[str, Any]:
        if backend is None:
            backend, model = self.backend_name, self.model_name
        return {"task": task, "dataset": dataset, "split": split, "n": int(n), "policy": policy,
                "backend": backend, "model": model or "", "metric": metric, "value": float(value)}

    def note(self, task: str, text: str) -> None:
        self.notes.setdefault(task, []).append(text)

    def artefact(self, path: Path) -> None:
        self.artefacts.append(Path(path))

    def close(self) -> None:
        scorer = self._scorer[0] if self._scorer else None
        if scorer is not None:
            scorer.close()
        for b in {id(x): x for x in [self._backend, *[j.backend for j in self._judges or []]] if x is not None}.values():
            if hasattr(b, "close"):
                b.close()


def _complete(run_dir: Path, scenario: Any) -> bool:
    """True when the folder holds a finished run of the same scenario (reused instead of re-run)."""
    import json

    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return manifest.get("status") == "completed" and manifest.get("config") == scenario.model_dump(mode="json")


def _llm_section(ctx: Context) -> dict[str, Any]:
    cfg = ctx.s.llm
    keep = ("backend", "model", "base_urls", "max_concurrency", "choice_mode", "threads", "parallel", "timeout_s")
    return {k: getattr(cfg, k) for k in keep if getattr(cfg, k) not in (None, "", ())}


def _trendsim_scenario(ctx: Context) -> Any:
    from hubbub.scenarios.config import scenario_from_dict

    quick = ctx.small
    data = {"run": {"name": "evaluate-trendsim", "seed": ctx.seed, "concurrency": 8}, "llm": _llm_section(ctx),
            "trendsim": {"topic": "en-marathon-pacer", "lifecycle_h": 1.0 if quick else 2.0, "state_every_h": 0.5,
                         "population": {"size": 6 if quick else 16},
                         "access": {"A": 2.5, "T_m": 0.3, "alpha": 2.0, "max_visits": 1},
                         "session": {"max_actions": 2 if quick else 3, "reflection": "session"},
                         "attack": {"share": 0.25, "first_visit_within_h": 0.3, "revisit_every_h": 0.4}}}
    return scenario_from_dict(data, "evaluate (TrendSim run to judge)")


def _s3_scenario(ctx: Context) -> Any:
    from hubbub.runtime.cli_run import load_with_overrides

    quick = ctx.small
    overrides = {f"llm.{k}": v for k, v in _llm_section(ctx).items()}
    overrides.update({"run.name": "evaluate-s3", "run.seed": ctx.seed,
                      "s3.network.users": 120 if quick else 300, "s3.population.llm_users": 4 if quick else 8,
                      "s3.steps": 4 if quick else 8})
    return load_with_overrides("s3-gender-discrimination", overrides)


# ---------------------------------------------------------------------------------------------------
# Classification tasks


def _policy(ctx: Context, name: str, task: T.Task, variant: T.Variant) -> Any:
    from hubbub.evaluate.policies import LearnedPolicy, LLMPolicy, MajorityPolicy, VoterPolicy

    k = len(variant.data.labels)
    if name == "llm":
        return LLMPolicy(ctx.backend(), lambda e, s: task.request(e, s, variant.data), k, seed=ctx.seed)
    if name == "majority":
        return MajorityPolicy(k)
    if name == "learned":
        return LearnedPolicy(k, ctx.embedder())
    if name == "voter":
        return VoterPolicy()
    raise ConfigError(f"evaluate: unknown policy {name!r}; known: llm, majority, learned (+ task rules)")


def _describe(ctx: Context, name: str, policy: Any) -> tuple[str, str]:
    if name.startswith("llm"):
        return ctx.backend_name, ctx.model_name
    if name == "learned":
        return "none", f"logreg (C={policy.C:g}) on {ctx.embedder().name}"
    if name == "majority":
        return "none", "train-split majority"
    return "none", f"rule: {name}"


def score_rows(ctx: Context, task: str, variant: T.Variant, test: Sequence[Example], name: str, pred: Any,
               backend: str, model: str) -> list[dict[str, Any]]:
    ok = pred.ok
    y = np.array([e.label for e in test])[ok]
    k = len(variant.data.labels)
    row = lambda metric, value, n: ctx.row(task, variant.name, "test", n, name, metric, value, backend, model)  # noqa: E731
    rows = [row(m, v, int(ok.sum())) for m, v in classification_scores(y, pred.index[ok], pred.probs[ok], k,
                                                                       variant.positive).items()]
    if name.startswith("llm"):
        shares = np.bincount(pred.index[ok], minlength=k) / max(int(ok.sum()), 1)
        rows += [row(f"predicted_share:{label}", float(s), int(ok.sum())) for label, s in zip(variant.data.labels, shares)]
    if (~ok).any():
        rows.append(row("failures", float((~ok).sum()), len(test)))
    return rows


def run_classification(ctx: Context, task: T.Task) -> list[dict[str, Any]]:
    data = task.load(ctx.data_path(task.name), ctx.seed)
    rows: list[dict[str, Any]] = []
    ctx.note(task.name, f"data: {data.source}; {data.notes}")
    for variant in task.variants(data):
        d = variant.data
        train = ctx.sample(d.split("train"), "train", ctx.train_limit)
        val = ctx.sample(d.split("validation"), "validation", None if ctx.train_limit is None else max(ctx.train_limit // 4, 50))
        test = ctx.sample(d.split("test"), "test")
        if not test:
            ctx.note(task.name, f"{variant.name}: no test items; skipped")
            continue
        for name in [p for p in ctx.policies if p != "llm" or variant.llm] + list(task.rules):
            policy = _policy(ctx, name, task, variant)
            if not train and name != "llm":
                ctx.note(task.name, f"{variant.name}: no train split, policy {name} skipped")
                continue
            started = time.time()
            pred = policy.fit(train, val).predict(test)
            ctx.note(task.name, f"{variant.name}: policy {name} fitted and ran in {time.time() - started:.0f} s")
            backend, model = _describe(ctx, name, policy)
            rows += score_rows(ctx, task.name, variant, test, name, pred, backend, model)
            if name == "llm":
                rows += score_rows(ctx, task.name, variant, test, "llm_argmax", policy.argmax(), backend, model)
            if name == "learned":
                _save_learned(ctx, task, variant, policy, rows, len(train))
        ctx.note(task.name, f"{variant.name}: train {len(train)}, validation {len(val)}, test {len(test)}")
    return rows


def _save_learned(ctx: Context, task: T.Task, variant: T.Variant, policy: Any, rows: list[dict[str, Any]],
                  n_train: int) -> None:
    from hubbub.evaluate.policies import save_policy

    folder = ctx.out / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    metrics = {r["metric"]: r["value"] for r in rows if r["policy"] == "learned" and r["dataset"] == variant.name}
    paths = save_policy(folder / f"{task.name}--{variant.name}", policy,
                        {"task": task.name, "dataset": variant.name, "labels": list(variant.data.labels),
                         "lang": variant.data.lang, "n_train": n_train, "test_metrics": metrics,
                         "source": variant.data.source})
    ctx.artefact(paths[1])


# ---------------------------------------------------------------------------------------------------
# Suite


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
            rows += got
            echo(f"evaluate: {name} done in {timings[name]:.0f} s ({len(got)} figures)")
            write_results(settings, ctx, rows, failed, timings)  # a later crash loses nothing
        paths = write_results(settings, ctx, rows, failed, timings)
    finally:
        ctx.close()
    return {"rows": rows, "failed": failed, "paths": paths, "artefacts": ctx.artefacts}


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
    return "\n".join(lines)


def _task_section(name: str, rows: list[dict[str, Any]], notes: list[str], error: str | None,
                  seconds: float | None) -> list[str]:
    task = T.get_task(name)
    out = [f"## {name}", "", f"What it measures: {task.measures}." + (f" ({seconds:.0f} s)" if seconds else ""), ""]
    out += [f"* {_md(n)}" for n in (*task.notes, *notes)]
    out.append("")
    if error:
        return out + [f"**Not measured**: {_md(error)}", ""]
    if not rows:
        return out + ["(no figures)", ""]
    return out + pivot_table(name, rows) + [""]


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
