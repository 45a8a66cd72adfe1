"""Counterfactual forks: a run that replays its parent exactly up to a time H, then carries on changed.

A fork is a new run of the parent's scenario with the change written into it as data: interventions at
H, and scenario settings in a form that starts at H (censorship switched on from H; attack share or
prototypes changed by an attack intervention at H) or, for any other setting, from the start. It keeps
the parent's root seed, so every named random stream (:mod:`hubbub.kernel.seeding`: access times per
user and visit, LLM sampling per user, visit and step, attacker waves) is the parent's wherever the
change does not reach it: paired branches differ only because of the change (common random numbers).

Up to H every LLM request is answered from the parent's record (its ``llm_calls``; the model is never
asked: a request the record cannot answer stops the fork), and before anything happens at H the fork's
event log is checked against the parent's events before H. A change that would alter the run before H
is refused with the first event that differs. After H the fork's backend answers, except that a request
identical to one of the parent's (same prompt, same seed) gets the parent's reply again: the branches
stay paired and the fork pays only for what the change made different. Every reply the fork used,
replayed or new, is recorded in its own ``llm_calls`` (replayed ones with ``cache_hit = 1``), so a fork
is a self-contained record: ``hubbub resume``, ``--replay-from`` and reports work on it as on any run.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path
from typing import Any, Callable

from hubbub.errors import ConfigError, DataError
from hubbub.llm.base import Backend, ChoiceRequest, ChoiceResult, GenerateRequest, GenerateResult, request_json

HOUR = 3600.0


class ParentRecord:
    """The parent's run record, read-only: its replies and failures by request key (the ReplyStore and
    FailureStore protocols), and its event log. A parent that itself replayed a recording
    (``llm.replay_from``) brings that recording's replies along."""

    def __init__(self, run_dir: Path) -> None:
        from hubbub.store import read_manifest
        from hubbub.store.api import open_readonly

        self.run_dir = run_dir
        self.manifest = read_manifest(run_dir)
        self._conns = [open_readonly(run_dir)]
        source = (self.manifest.get("config") or {}).get("llm", {}).get("replay_from")
        if source:
            path = Path(source)
            try:
                self._conns.append(open_readonly(path.parent if path.suffix == ".sqlite" else path))
            except DataError as exc:
                raise DataError(f"{run_dir}: the parent replayed {source} (llm.replay_from), whose replies a fork "
                                f"needs too, and it cannot be read: {exc}") from None
        self._lock = threading.Lock()

    def _one(self, sql: str, params: tuple[Any, ...], conn: Any = None) -> Any:
        with self._lock:
            return (conn or self._conns[0]).execute(sql, params).fetchone()

    def get_reply(self, key: str) -> dict[str, Any] | None:
        for conn in self._conns:
            row = self._one("SELECT reply FROM llm_calls WHERE key = ? AND reply IS NOT NULL "
                            "ORDER BY call_id DESC LIMIT 1", (key,), conn)
            if row is not None:
                return json.loads(row[0])
        return None

    def get_failure(self, key: str) -> str | None:
        row = self._one("SELECT error, reply FROM llm_calls WHERE key = ? ORDER BY call_id DESC LIMIT 1", (key,))
        return row[0] if row is not None and row[1] is None and row[0] else None

    @property
    def model(self) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = 'model'", ())
        return None if row is None else json.loads(row[0])

    def last_time(self) -> float:
        """Simulated time of the parent's last event (seconds); -inf for an empty log."""
        row = self._one("SELECT MAX(time) FROM events", ())
        return -math.inf if row is None or row[0] is None else float(row[0])

    def events_before(self, t: float) -> list[tuple[float, str, str | None, Any]]:
        """The parent's events up to the first one at or after ``t`` (seconds), in log order."""
        prefix = []
        with self._lock:
            for time, kind, agent, data in self._conns[0].execute("SELECT time, kind, agent, data FROM events ORDER BY seq"):
                if time >= t:
                    break
                prefix.append((time, kind, agent, json.loads(data)))
        return prefix

    def close(self) -> None:
        for conn in self._conns:
            conn.close()


class ForkReplies:
    """The fork's reply and failure lookups: its own record first, then the parent's. Keys answered by
    the parent are remembered, so the fork records those replies in its own record when used."""

    def __init__(self, own: Any, parent: ParentRecord) -> None:
        self.own, self.parent = own, parent
        self.from_parent: set[str] = set()

    def get_reply(self, key: str) -> dict[str, Any] | None:
        reply = self.own.get_reply(key)
        if reply is None:
            reply = self.parent.get_reply(key)
            if reply is not None:
                self.from_parent.add(key)
        return reply

    def get_failure(self, key: str) -> str | None:
        error = self.own.get_failure(key)
        if error is None:
            error = self.parent.get_failure(key)
            if error is not None:
                self.from_parent.add(key)
        return error


class Gate(Backend):
    """The fork's model behind a gate that stays shut until H: up to H the parent's record answers
    everything, and a request it cannot answer means the change reached back before H."""

    def __init__(self, inner: Backend, at_h: float) -> None:
        self.inner, self.at_h, self.open = inner, at_h, False
        self.name, self.model = inner.name, inner.model

    @property
    def last_answer_at(self) -> float:  # type: ignore[override]
        return self.inner.last_answer_at

    def _check(self, request: ChoiceRequest | GenerateRequest) -> None:
        if not self.open:
            raise ConfigError(
                f"fork: a {request.kind!r} request before H = {self.at_h:g} h has no reply in the parent's record, so "
                f"the change alters the run before H (a scenario setting applies from the start of the run); fork at "
                f"--at-h 0, or make the change an intervention (--intervene) that starts at H")

    async def choose_one(self, request: ChoiceRequest) -> ChoiceResult:
        self._check(request)
        return await self.inner.choose_one(request)

    async def generate_one(self, request: GenerateRequest) -> GenerateResult:
        self._check(request)
        return await self.inner.generate_one(request)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe()

    async def aclose(self) -> None:
        await self.inner.aclose()


def attach(sim: Any, parent: ParentRecord, at_h: float, gated: bool = True) -> Gate | None:
    """Put the parent's record behind the fork's reply lookups and (``gated``) its model behind the
    gate; replies the parent gave are recorded in the fork's own record when used."""
    llm = sim.llm
    replies = ForkReplies(sim.store, parent)
    llm.store = llm.failures = replies
    gate = Gate(llm.inner, at_h) if llm.inner is not None and gated else None
    if gate is not None:
        llm.inner = gate
    on_call: Callable[..., None] = llm.on_call

    def record(key: str, request: Any, result: Any) -> None:
        on_call(key, request, result)
        if result.stats.cache_hit and key in replies.from_parent:
            replies.from_parent.discard(key)
            sim.store.record_call(key, request_json(request), result)

    llm.on_call = record
    return gate


def check_prefix(sim: Any, parent: ParentRecord, at_h: float) -> int:
    """Compare the fork's log with the parent's events before H; return how many it shares."""
    expected = parent.events_before(at_h * HOUR)
    sim.recorder.commit()
    got = [(time, kind, agent, data) for _seq, time, kind, agent, data in sim.store.iter_events()]
    for seq, (want, have) in enumerate(zip(expected, got)):
        if want != have:
            raise ConfigError(
                f"fork: the change alters the run before H = {at_h:g} h: event {seq} is {have[1]} of {have[2]} at "
                f"t={have[0] / HOUR:.4f} h in the fork but {want[1]} of {want[2]} at t={want[0] / HOUR:.4f} h in "
                f"the parent. A scenario setting applies from the start of the run; fork at --at-h 0, or make the "
                f"change an intervention (--intervene) that starts at H")
    if len(got) != len(expected):
        raise ConfigError(f"fork: the parent has {len(expected)} events before H = {at_h:g} h, the fork {len(got)}; "
                          f"the change alters the run before H")
    return len(expected)


# ---------------------------------------------------------------------- the fork's scenario

TIMED_SETTINGS = ("trendsim.censorship.enabled", "trendsim.attack.share", "trendsim.attack.prototypes")
"""Settings a fork at H > 0 turns into a change that starts at H (every other setting applies from the
start of the run, and the fork checks that it changes nothing before H)."""


def _timed(config: dict[str, Any], at_h: float, changes: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``changes`` as settings and interventions that take effect at ``at_h`` (all as settings at 0)."""
    settings = dict(changes)
    if at_h == 0:
        return settings, []
    added: list[dict[str, Any]] = []
    censor = config.get("trendsim", {}).get("censorship", {})
    if settings.get("trendsim.censorship.enabled") is True and not censor.get("enabled"):
        settings.setdefault("trendsim.censorship.start_h", max(at_h, float(censor.get("start_h", 0.0))))
    elif settings.get("trendsim.censorship.enabled") is False and censor.get("enabled"):
        del settings["trendsim.censorship.enabled"]
        added.append({"type": "censorship", "enabled": False, "at_h": at_h})
    attack = {key.rsplit(".", 1)[1]: settings.pop(key) for key in TIMED_SETTINGS[1:] if key in settings}
    if attack:
        added.append({"type": "attack", "at_h": at_h, **attack})
    return settings, added


def _interventions(items: Any, at_h: float) -> list[dict[str, Any]]:
    """The interventions of the change, each placed at H (an item may repeat ``at_h = H``)."""
    placed = []
    for k, item in enumerate(items):
        if not isinstance(item, dict) or "type" not in item:
            raise ConfigError(f"fork intervention {k}: expected a table with a type, e.g. "
                              f"{{type = \"censorship\", enabled = true}}; got {item!r}")
        if item.get("at_h", at_h) != at_h:
            raise ConfigError(f"fork intervention {k}: at_h = {item['at_h']!r}, but the fork's change happens at "
                              f"--at-h {at_h:g}; leave at_h out")
        placed.append({**item, "at_h": at_h})
    return placed


def fork_scenario(config: dict[str, Any], at_h: float, changes: dict[str, Any],
                  interventions: list[dict[str, Any]], options: dict[str, Any]) -> Any:
    """The fork's scenario: the parent's config with the change written in as data (see the module)."""
    import copy

    from hubbub.scenarios.config import scenario_from_dict
    from hubbub.scenarios.loading import set_dotted

    if "run.seed" in changes:
        raise ConfigError("fork --set run.seed: a fork keeps its parent's seed (its random streams are what the two "
                          "branches share); for another seed run the scenario again with hubbub run --seed")
    data = copy.deepcopy(config)
    settings, added = _timed(config, at_h, changes)
    for key, value in {**settings, **options}.items():
        set_dotted(data, key, value)
    data["interventions"] = [*data.get("interventions", []), *added, *interventions]
    return scenario_from_dict(data, "fork")


# ---------------------------------------------------------------------- making and resuming a fork

def _options(backend: str | None, model: str | None, base_url: str | list[str] | None,
             parent_dir: Path) -> dict[str, Any]:
    """How the fork is served after H (replay: from the parent's recorded replies only)."""
    keys = {"llm.backend": backend, "llm.model": model,
            "llm.base_urls": [base_url] if isinstance(base_url, str) else base_url,
            "llm.replay_from": str(parent_dir) if backend == "replay" else None}
    return {k: v for k, v in keys.items() if v is not None}


def _hours(at_h: Any) -> float:
    if isinstance(at_h, bool) or not isinstance(at_h, (int, float)) or not math.isfinite(at_h) or at_h < 0:
        raise ConfigError(f"fork --at-h {at_h!r}: expected a simulated hour, a finite number >= 0")
    return float(at_h)


def _check_at_h(at_h: float, parent: ParentRecord, horizon: float) -> None:
    if at_h * HOUR > horizon:
        raise ConfigError(f"fork --at-h {at_h:g}: must lie within the run, 0 to {horizon / HOUR:g} h")
    status = parent.manifest.get("status")
    if status != "completed" and parent.last_time() < at_h * HOUR:
        raise DataError(f"{parent.run_dir}: the parent's record ends at t = {max(parent.last_time(), 0) / HOUR:.3f} h "
                        f"(status {status}), before H = {at_h:g} h; resume it first (hubbub resume {parent.run_dir})")


def _check_model(sim: Any, parent: ParentRecord) -> None:
    if parent.model is not None and sim.llm.model != parent.model:
        raise ConfigError(f"fork: its backend answers as model {sim.llm.model!r} but the parent was recorded with "
                          f"{parent.model!r}; replies are addressed by model, so the parent's could not answer the "
                          f"fork up to H. Fork with the parent's backend and model (another server of it: --base-url)")


def make_fork(simulation: Any, parent_dir: str | Path, at_h: float, out: str | Path | None = None, *,
              changes: dict[str, Any] | None = None, interventions: Any = (), backend: str | None = None,
              model: str | None = None, base_url: str | list[str] | None = None, overwrite: bool = False,
              **settings: Any) -> Any:
    """Fork the run in ``parent_dir`` at ``at_h`` hours into ``out`` (default ``<parent>-fork``): returns
    the fork, a ``simulation`` (the Simulation class, passed in so this module needs no import of it),
    already replayed up to H and checked against the parent; ``run()`` carries it on. The change:
    scenario settings by dotted name in ``changes`` or as keywords (``**{"trendsim.censorship.enabled":
    True}``, or ``trendsim__censorship__enabled=True``), and ``interventions`` (``[[interventions]]`` tables)."""
    parent_dir = Path(parent_dir)
    parent = ParentRecord(parent_dir)
    changes = {**(changes or {}), **{key.replace("__", "."): value for key, value in settings.items()}}
    try:
        at_h = _hours(at_h)
        placed = _interventions(interventions, at_h)
        sc = fork_scenario(parent.manifest["config"], at_h, changes, placed, _options(backend, model, base_url, parent_dir))
        sim = simulation(sc, Path(out) if out is not None else parent_dir.with_name(f"{parent_dir.name}-fork"),
                         overwrite=overwrite)
    except BaseException:
        parent.close()
        raise
    sim._manifest_extra = {"fork": _fork_record(parent, at_h, changes, placed)}
    _replay_to_h(sim, parent, at_h)
    return sim


def _fork_record(parent: ParentRecord, at_h: float, changes: dict[str, Any], placed: list[dict[str, Any]]) -> dict[str, Any]:
    m = parent.manifest
    return {"parent": str(parent.run_dir.resolve()), "parent_config_hash": m.get("config_hash"),
            "parent_started_at": m.get("started_at"), "at_h": at_h, "set": changes, "interventions": placed,
            "replayed": False}


def _replay_to_h(sim: Any, parent: ParentRecord, at_h: float) -> None:
    """Run the fork up to just before H on the parent's replies and check its log; a fork that cannot
    replay its parent leaves no folder behind."""
    from hubbub.runtime.folders import remove_new_record
    from hubbub.store import read_manifest, write_manifest

    try:
        _check_at_h(at_h, parent, sim.world.horizon)
        gate = attach(sim, parent, at_h)
        _check_model(sim, parent)
        sim._advance(math.nextafter(at_h * HOUR, -math.inf), None, None)
        shared = check_prefix(sim, parent, at_h)
    except BaseException:
        if sim._runner is None:  # refused before it started: nothing but the empty record to remove
            sim.store.close()
        elif not sim.done:
            sim.close()
        remove_new_record(sim.run_dir, sim._folder_existed)
        parent.close()
        raise
    manifest = read_manifest(sim.run_dir)
    manifest["fork"].update(replayed=True, shared_events=shared)
    write_manifest(sim.run_dir, manifest)
    if gate is not None:
        gate.open = True


def resume_fork(sim: Any) -> None:
    """A resumed fork answers from its parent's record again, as the fork did before it stopped."""
    from hubbub.store import read_manifest

    fork = read_manifest(sim.run_dir).get("fork")
    if not fork:
        return
    if not fork.get("replayed"):
        raise ConfigError(f"{sim.run_dir}: this fork stopped before it had replayed its parent up to H = "
                          f"{fork.get('at_h')} h; make it again with hubbub fork {fork.get('parent')} --at-h "
                          f"{fork.get('at_h')} ... --out {sim.run_dir} --overwrite")
    where = Path(fork["parent"])
    if not (where / "run.sqlite").is_file():
        raise DataError(f"{sim.run_dir}: resuming this fork needs its parent's record at {where} (manifest "
                        f"fork.parent), for the requests the two branches share; put it back there")
    attach(sim, ParentRecord(where), float(fork["at_h"]), gated=False)
