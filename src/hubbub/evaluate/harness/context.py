"""What a suite run depends on (:class:`Settings`) and what its tasks see (:class:`Context`): lazily built
backends, judges and embedder, deterministic sampling, the simulations the harness runs itself, and
the result-row helpers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from hubbub.errors import ConfigError, HubbubError
from hubbub.evaluate.data import Example, hash_unit
from hubbub.evaluate.tasks.realism import ReferenceScorer

POLICIES = ("llm", "majority", "learned")
SMALL_BELOW = 50
"""A --limit below this also shrinks the simulations and fitting grids the harness makes (smoke runs)."""


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
                self._scorer = (ReferenceScorer(threads=self.s.llm.threads), "")
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
    from hubbub.scenarios.config import load_scenario

    quick = ctx.small
    overrides = {f"llm.{k}": v for k, v in _llm_section(ctx).items()}
    overrides.update({"run.name": "evaluate-s3", "run.seed": ctx.seed,
                      "s3.network.users": 120 if quick else 300, "s3.population.llm_users": 4 if quick else 8,
                      "s3.steps": 4 if quick else 8})
    return load_scenario("s3-gender-discrimination", overrides)
