"""peer-job: the job of TrendSim's released code, as a workload, on one OpenAI-compatible server.

TrendSim's released code runs ten users on one topic (its ``data/user_1000.csv`` and the first row of
``data/tweets.csv``), in Chinese. This workload runs the same job with hubbub: the first ``--size``
users of ``--users FILE`` and topic ``--topic FILE`` (``FILE#N`` for row N; the first row by default),
both read by hubbub's importers for those formats, over TrendSim's 16-hour lifecycle with the settings
of its code (the next visit from the access-time density with its feedback, up to ``--steps`` actions
per visit, reflection after every action, no attackers). The files default to the small ones in
``benchmarks/peer_job/`` (content written for hubbub, in TrendSim's formats); point the options at
TrendSim's own files for the real job.

The server is ``--base-url URL`` (any OpenAI-compatible server), or, without it, llama.cpp's server
started here with the embedded model, ``--parallel`` slots and its ``/metrics`` on. Printed per user
step (one page observed and acted on): requests sent, prompt tokens, prompt tokens new to the server's
prefix cache (prompt minus ``cached_tokens`` in ``llm_calls``), completion tokens and wall time; and the
server's slot utilisation, sequences per decode step, from llama.cpp's ``/metrics`` counters read before
and after the run ("not available" when the server does not serve them). Another system's figures can
be taken on the same server the same way: read ``/metrics`` before and after its run.

``--peer-command CMD`` does that in the same invocation: after hubbub's run, CMD (another system's
job, e.g. ``benchmarks/peer_job/trendsim_job.py`` for TrendSim's released code) runs on the same server
(:mod:`hubbub.bench.peer_command`); its figures are printed beside hubbub's, per user step where its
report counts steps, with the ratios of the two wall times. Also printed: how long after the run
started its first user step was committed, against the slowest computation of one event.
"""

from __future__ import annotations

import contextlib
import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.bench.report import Report
from hubbub.bench.peer_command import PeerCommandFailed, PeerRun, peer_values, run_peer, split_command
from hubbub.bench.runs import commit_timing, recorded_calls, user_activations, workdir
from hubbub.bench.slots import read_metrics, utilisation
from hubbub.errors import ConfigError

PEER_DIR = Path("benchmarks") / "peer_job"
PARAMS: dict[str, tuple[Any, Any]] = {
    "users": (str(PEER_DIR / "user_1000.csv"), str(PEER_DIR / "user_1000.csv")),
    "topic": (str(PEER_DIR / "tweets.csv"), str(PEER_DIR / "tweets.csv")),
    "size": (2, 10),
    "steps": (1, 4),
    "visits": (1, 3),
    "hours": (16.0, 16.0),
    "max_tokens": (16, 80),
    "parallel": (4, 4),
    "concurrency": (8, 32),
    "base_url": (None, None),
    "model": (None, None),
    "keep": (None, None),
    "peer_command": (None, None),
}
STALL_S = 900.0
"""A loopback server on a loaded machine can leave requests unanswered for minutes; the figures here do
not depend on speed alone, so the run waits instead of stopping (llm.stall_s)."""
TARGETS = (("prompt_per_step", "prompt tokens per user step", "<=", 2500.0),
           ("new_prompt_per_step", "prompt tokens new to the server's cache per user step", "<=", 1000.0),
           ("slot_utilisation", "server: sequences per decode step", ">=", 3.5))
"""Issue 16's targets for this job on a 4-slot server (the wall-time ratio and the first commit apart)."""


def run(params: dict[str, Any], report: Report) -> None:
    """Run the peer job on the given or a started server; record the per-step figures."""
    users, topic = _existing(params["users"], "--users"), _topic_ref(params["topic"])
    if params.get("peer_command") is not None:
        split_command(params["peer_command"])  # checked before a server starts
    with workdir(params["keep"]) as tmp:
        head = first_users(users, params["size"], tmp / "users.csv")  # checked before a server starts
        with serving(params) as (llm, started):
            scenario = peer_scenario(params, llm, head, topic)
            before = read_metrics(llm["base_urls"])
            timed = run_measured(scenario, tmp / "peer-job")
            after = read_metrics(llm["base_urls"])
            _hubbub_figures(report, tmp / "peer-job", timed, before, after)
            peer = _peer(params, llm, tmp, report) if timed.finished else None
        if peer is not None:
            peer_figures(report, peer)
    _notes(report, params, started)


def _hubbub_figures(report: Report, run_dir: Path, timed: "MeasuredRun", before: Any, after: Any) -> None:
    """hubbub's figures, taken before the other system runs (they stand if it fails)."""
    if not timed.finished:
        report.figure("finished", False, "", "hubbub's run finished")
        report.note(f"hubbub's run was interrupted after {timed.wall_s:.0f} s: its figures cover the events it "
                    "committed, and the other system was not run")
    per_step(report, run_dir, timed.wall_s)
    utilisation(report, before, after)
    first_commit(report, run_dir)
    _targets(report)


def _existing(path: str, flag: str) -> Path:
    """A file the options name, or one clear error."""
    if not Path(path).is_file():
        raise ConfigError(f"bench peer-job: {flag} {path!r} is not a file; give TrendSim's "
                          f"{'user_1000.csv' if flag == '--users' else 'tweets.csv'} (or a file in its format)")
    return Path(path)


def _topic_ref(value: str) -> str:
    """``FILE#N`` as given, or ``FILE#0``: TrendSim's first topic (row 0 of tweets.csv)."""
    path, hash_, row = str(value).partition("#")
    _existing(path, "--topic")
    return f"{path}#{row}" if hash_ else f"{path}#0"


def first_users(path: Path, size: int, out: Path) -> Path:
    """The first ``size`` rows of a TrendSim user file, copied in its own format (hubbub's population
    would otherwise draw ``size`` users at random from the file)."""
    from hubbub.agents.persona.importers import detect_format
    from hubbub.textfiles import csv_rows, read_utf8

    if detect_format(path) != "trendsim":
        raise ConfigError(f"bench peer-job: --users {str(path)!r} is not in the format of TrendSim's user_1000.csv "
                          "(no header; index, uid, name, followed_num, following_num, description)")
    if not isinstance(size, int) or size < 1:
        raise ConfigError(f"bench peer-job: --size {size!r} is not allowed; expected a whole number >= 1")
    rows = [row for _, (_, row) in zip(range(size), csv_rows(path, read_utf8(path, "user file")))]
    if len(rows) < size:
        raise ConfigError(f"bench peer-job: --size {size} is more than the {len(rows)} users in {path}")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return out


def peer_scenario(params: dict[str, Any], llm: dict[str, Any], users: Path, topic: str) -> Any:
    """The job as a hubbub scenario: TrendSim's code settings, in Chinese, on the given server."""
    from hubbub.scenarios.config import scenario_from_dict

    data = {
        "lang": "zh",
        "run": {"name": "peer-job", "seed": 1, "concurrency": int(params["concurrency"])},
        "llm": {**llm, "stall_s": STALL_S},
        "trendsim": {"topic": topic, "lifecycle_h": float(params["hours"]),
                     "population": {"source": str(users), "size": int(params["size"])},
                     "access": {"feedback": True, "revisit": "resample", "max_visits": int(params["visits"])},
                     "session": {"max_actions": int(params["steps"]), "reflection": "action"},
                     "attack": {"share": 0.0}},
    }
    return scenario_from_dict(data, "bench peer-job")


@contextlib.contextmanager
def serving(params: dict[str, Any]) -> Iterator[tuple[dict[str, Any], bool]]:
    """The ``[llm]`` settings for ``--base-url``, or for llama.cpp's server started here with the
    embedded model and its metrics (stopped after the block); and whether it was started here."""
    common = {"backend": "openai", "max_tokens": int(params["max_tokens"]), "timeout_s": 600.0,
              "max_concurrency": int(params["concurrency"])}
    if params.get("base_url"):
        yield {**common, "base_urls": list(params["base_url"]), "model": params.get("model") or ""}, False
        return
    from hubbub.llm.embedded import MODEL_NAME, start_server

    server, url = start_server(port=0, parallel=int(params["parallel"]), metrics=True)
    try:
        yield {**common, "base_urls": [url], "model": params.get("model") or MODEL_NAME}, True
    finally:
        del server  # stops llama.cpp's server threads


# ---------------------------------------------------------------- what the run cost, per user step


def per_step(report: Report, run_dir: Path, wall_s: float) -> None:
    """Totals and per-user-step means of what the run sent (replies served from hubbub's own reply
    cache excluded) and its wall time; a table of the same per call kind."""
    calls = sent_calls(run_dir)
    steps = report.figure("user_steps", user_activations(run_dir), "", "user steps (pages observed and acted on)")
    totals = tokens(calls)
    report.figure("requests", len(calls), "", "requests sent to the server")
    report.figure("wall_s", wall_s, "s", "run wall time")
    per = max(1, steps)
    report.figure("requests_per_step", len(calls) / per, "", "requests per user step")
    for key, label in (("prompt", "prompt tokens"), ("new_prompt", "prompt tokens new to the server's cache"),
                       ("completion", "completion tokens")):
        value = totals[key]
        report.figure(f"{key}_tokens", value, "tok", f"{label}, whole run")
        report.figure(f"{key}_per_step", None if value is None else value / per, "tok", f"{label} per user step")
    report.figure("wall_per_step_s", wall_s / per, "s", "wall time per user step")
    report.table("per user step, by call kind", [_kind_row(str(kind), g, per) for kind, g in calls.groupby("kind")])


def sent_calls(run_dir: Path) -> pd.DataFrame:
    """The run's ``llm_calls`` rows that reached the server (each exchange of a choice is its own row)."""
    calls = recorded_calls(run_dir)
    return calls[~calls["cache_hit"].fillna(False).astype(bool)]


def tokens(calls: pd.DataFrame) -> dict[str, int | None]:
    """Prompt, new prompt (prompt minus prefix-cached) and completion tokens; None where the server
    reported none of them."""
    prompt = pd.to_numeric(calls["prompt_tokens"], errors="coerce")
    cached = pd.to_numeric(calls["cached_tokens"], errors="coerce")
    completion = pd.to_numeric(calls["completion_tokens"], errors="coerce")
    known_cache = prompt.notna() & cached.notna()
    return {"prompt": _total(prompt),
            "new_prompt": int((prompt - cached)[known_cache].sum()) if known_cache.any() else None,
            "completion": _total(completion)}


def _total(values: pd.Series) -> int | None:
    return int(values.sum()) if values.notna().any() else None


def _kind_row(kind: str, calls: pd.DataFrame, steps: int) -> dict[str, Any]:
    counts = tokens(calls)
    return {"kind": kind.removeprefix("trendsim."), "requests": len(calls) / steps,
            **{f"{key.replace('_', ' ')} tok": None if value is None else value / steps
               for key, value in counts.items()}}


# ---------------------------------------------------------------- when the first work was committed


@dataclass
class MeasuredRun:
    """hubbub's run as peer-job times it: wall seconds of the run (setup excluded), and whether it ran
    to its end (False: interrupted; the figures cover the events it committed)."""

    wall_s: float
    finished: bool = True


def run_measured(scenario: Any, run_dir: Path) -> MeasuredRun:
    """Build and run ``scenario`` into ``run_dir``; an interrupted run (Ctrl-C, SIGTERM) is measured
    as far as it committed."""
    from hubbub.runtime.simulation import Simulation

    sim = Simulation(scenario, run_dir)
    t0 = time.perf_counter()
    try:
        sim.run()
    except KeyboardInterrupt:
        return MeasuredRun(time.perf_counter() - t0, finished=False)
    return MeasuredRun(time.perf_counter() - t0)


def first_commit(report: Report, run_dir: Path) -> None:
    """Seconds from the run's start to its first commit of a user's step, the slowest event, and the
    ratio of the two (issue 16: at most 2), from the run record (:func:`hubbub.bench.runs.commit_timing`)."""
    timing = commit_timing(run_dir)
    report.figure("first_commit_s", timing["first_commit_s"], "s", "first user step committed, seconds after the run started")
    report.figure("slowest_event_s", timing["slowest_event_s"], "s", "slowest computation of one event")
    report.figure("first_commit_over_slowest", timing["ratio"], "x", "first commit / slowest event")
    report.target("first_commit_over_slowest", "first commit after start / slowest event", "<=", 2.0,
                  timing["ratio"], "x")


def _targets(report: Report) -> None:
    """Issue 16's per-step and slot targets, met or not (not measured where a figure is missing)."""
    for key, label, op, bound in TARGETS:
        value = report.value(key) if key in report.figures else None
        report.target(key, label, op, bound, value if isinstance(value, (int, float)) else None)


# ---------------------------------------------------------------- the other system, same server


def _peer(params: dict[str, Any], llm: dict[str, Any], tmp: Path, report: Report) -> PeerRun | None:
    """The ``--peer-command`` run on hubbub's server (the first one); None without it, or when it
    failed (then the report says why, and hubbub's figures stand; the ratio is not measured)."""
    if params.get("peer_command") is None:
        return None
    url = llm["base_urls"][0]
    values = peer_values(url, llm.get("model") or "", tmp / "peer-report.json", int(params["max_tokens"]))
    try:
        return run_peer(params["peer_command"], values, tmp, lambda: read_metrics([url]), kept=bool(params["keep"]))
    except (PeerCommandFailed, ConfigError) as exc:
        report.figure("peer_status", "failed", "", "peer command")
        report.note(f"{exc} (no peer figures; the wall-time ratio is not measured)")
        report.target("wall_ratio", "peer wall / hubbub wall, whole job", ">=", 4.0, None, "x")
        return None


def peer_figures(report: Report, peer: PeerRun) -> None:
    """The other system's figures (``peer_*``), per user step where its report counts steps, and the
    ratios of its wall time to hubbub's (issue 16: at least 4)."""
    data, name = peer.report, str(peer.report.get("system") or "peer command")
    wall = data.get("wall_s") if data.get("wall_s") is not None else peer.command_wall_s
    report.figure("peer_command_wall_s", peer.command_wall_s, "s", f"{name}: the whole command's wall time")
    report.figure("peer_wall_s", wall, "s", f"{name}: job wall time")
    steps = data.get("user_steps")
    report.figure("peer_user_steps", steps, "", f"{name}: user steps")
    per = steps if isinstance(steps, (int, float)) and steps > 0 else None
    _peer_per_step(report, name, data, wall, per)
    utilisation(report, peer.before, peer.after, "peer_", f"{name}: ")
    _ratios(report, name, data, wall, per)
    where = f"; its output is in {peer.log}" if peer.log else " (its output is kept with --keep DIR)"
    report.note(f"{name}: ran after hubbub's run on the same server{where}")


def _peer_per_step(report: Report, name: str, data: dict[str, Any], wall: float, per: float | None) -> None:
    prompt, cached = data.get("prompt_tokens"), data.get("cached_tokens")
    values = {"requests": data.get("requests"), "prompt": prompt, "completion": data.get("completion_tokens"),
              "new_prompt": prompt - cached if prompt is not None and cached is not None else None}
    for key, label, unit in (("requests", "requests", ""), ("prompt", "prompt tokens", "tok"),
                             ("new_prompt", "prompt tokens new to the server's cache", "tok"),
                             ("completion", "completion tokens", "tok")):
        value = values[key]
        report.figure(f"peer_{key}_per_step", value / per if value is not None and per else None, unit,
                      f"{name}: {label} per user step")
    report.figure("peer_wall_per_step_s", wall / per if per else None, "s", f"{name}: wall time per user step")
    if data.get("wall_less_sleep_s") is not None:
        report.figure("peer_wall_less_sleep_s", data["wall_less_sleep_s"], "s", f"{name}: job wall time less its sleeps")


def _ratios(report: Report, name: str, data: dict[str, Any], wall: float, per: float | None) -> None:
    """Whole job and per step; a job stopped before its end (``finished: false``) gives a lower bound,
    which meets the target when it already reaches it and is otherwise not a measurement of it."""
    ours, stopped = report.value("wall_s"), data.get("finished") is False
    ratio = wall / ours if ours else None
    label = f"{name} wall / hubbub wall, whole job" + (" (at least: stopped before its end)" if stopped else "")
    report.figure("wall_ratio", ratio, "x", label)
    report.target("wall_ratio", label, ">=", 4.0, None if stopped and (ratio or 0) < 4.0 else ratio, "x")
    if stopped:
        report.note(f"{name} was stopped after {wall:.0f} s, before the end of its job: its wall time and the "
                    "ratios are lower bounds; per step it counts the sessions it completed (requests and tokens "
                    "include the unfinished one)")
    ours_per = report.value("wall_per_step_s")
    report.figure("wall_ratio_per_step", wall / per / ours_per if per and ours_per else None, "x",
                  f"{name} / hubbub, wall time per user step")
    less = data.get("wall_less_sleep_s")
    if less is not None:
        report.figure("wall_ratio_less_sleep", less / ours if ours else None, "x",
                      f"{name} wall less its sleeps / hubbub wall, whole job")


def _notes(report: Report, params: dict[str, Any], started: bool) -> None:
    report.note(f"job: the first {params['size']} users of {params['users']}, topic {_topic_ref(params['topic'])}, "
                f"{params['hours']:g} simulated hours, at most {params['visits']} visit(s) per user of at most "
                f"{params['steps']} action(s) each, reflection after every action, in Chinese")
    report.note("a user step is one page observed and acted on; requests and tokens exclude replies served "
                "from hubbub's reply cache; server figures count every request the server saw during the run")
    if started:
        report.note(f"server: llama.cpp started here with the embedded SmolLM2-135M, {params['parallel']} slots; "
                    "its replies are plumbing, not research material")
