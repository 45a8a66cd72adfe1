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
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from hubbub.bench.report import Report
from hubbub.bench.runs import recorded_calls, timed_run, user_activations, workdir
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
}
STALL_S = 900.0
"""A loopback server on a loaded machine can leave requests unanswered for minutes; the figures here do
not depend on speed alone, so the run waits instead of stopping (llm.stall_s)."""
METRIC_DECODES = "llamacpp:n_decode_total"
METRIC_BUSY = "llamacpp:n_busy_slots_per_decode"
METRIC_PROMPT = "llamacpp:prompt_tokens_total"
NOT_AVAILABLE = "not available"


def run(params: dict[str, Any], report: Report) -> None:
    """Run the peer job on the given or a started server; record the per-step figures."""
    users, topic = _existing(params["users"], "--users"), _topic_ref(params["topic"])
    with workdir(params["keep"]) as tmp:
        head = first_users(users, params["size"], tmp / "users.csv")  # checked before a server starts
        with serving(params) as (llm, started):
            scenario = peer_scenario(params, llm, head, topic)
            before = read_metrics(llm["base_urls"])
            timed = timed_run(scenario, tmp / "peer-job")
            after = read_metrics(llm["base_urls"])
        per_step(report, tmp / "peer-job", timed.wall_s)
        utilisation(report, before, after)
    _notes(report, params, started)


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


# ---------------------------------------------------------------- the server's slots


def read_metrics(base_urls: list[str]) -> dict[str, float | None] | str:
    """llama.cpp's counters summed over the servers (decode steps, busy slots over all decode steps,
    prompt tokens processed), or why they cannot be read."""
    per_server = [server_metrics(url) for url in base_urls]
    problems = [values for values in per_server if isinstance(values, str)]
    if problems:
        return problems[0]
    read = [values for values in per_server if isinstance(values, dict)]
    prompt = sum(v[METRIC_PROMPT] for v in read) if all(METRIC_PROMPT in v for v in read) else None
    return {"decodes": sum(v[METRIC_DECODES] for v in read), "prompt": prompt,
            "busy": sum(v[METRIC_BUSY] * v[METRIC_DECODES] for v in read)}


def server_metrics(base_url: str) -> dict[str, float] | str:
    """One server's decode steps, busy slots per decode step and prompt tokens (its ``/metrics`` in
    the Prometheus text format), or why they cannot be read."""
    import httpx

    root = base_url.rstrip("/").removesuffix("/v1")
    try:
        response = httpx.get(f"{root}/metrics", timeout=10.0)
    except httpx.HTTPError as exc:
        return f"{root}/metrics: {type(exc).__name__}"
    if response.status_code != 200:
        return f"{root}/metrics: HTTP {response.status_code} (llama.cpp serves it with --metrics)"
    return _parse_metrics(root, response.text)


def _parse_metrics(root: str, text: str) -> dict[str, float] | str:
    values: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.strip().partition(" ")
        if name in (METRIC_DECODES, METRIC_BUSY, METRIC_PROMPT):
            try:
                values[name] = float(value)
            except ValueError:
                return f"{root}/metrics: {name} is {value[:40]!r}, not a number"
    missing = [name for name in (METRIC_DECODES, METRIC_BUSY) if name not in values]
    return f"{root}/metrics: no {missing[0]} (not a llama.cpp server?)" if missing else values


def utilisation(report: Report, before: dict[str, float | None] | str,
                after: dict[str, float | None] | str) -> None:
    """Sequences per decode step over the run, from the counters' change (llama.cpp reports busy
    slots per decode step since it started; times its decode steps that is a running total)."""
    problem = before if isinstance(before, str) else after if isinstance(after, str) else None
    if problem is not None or isinstance(before, str) or isinstance(after, str):
        report.figure("slot_utilisation", NOT_AVAILABLE, "", "server: sequences per decode step")
        report.note(f"slot utilisation not available: {problem}")
        return
    decodes = _change(before, after, "decodes")
    report.figure("decode_steps", None if decodes is None else round(decodes), "",
                  "server: decode steps during the run")
    busy = _change(before, after, "busy")
    report.figure("slot_utilisation", busy / decodes if decodes and busy is not None else None, "seq/step",
                  "server: sequences per decode step")
    prompt = _change(before, after, "prompt")
    report.figure("server_prompt_tokens", None if prompt is None else round(prompt), "tok",
                  "server: prompt tokens it processed (not from its cache), whole run")


def _change(before: dict[str, float | None], after: dict[str, float | None], key: str) -> float | None:
    first, last = before[key], after[key]
    return None if first is None or last is None else last - first


def _notes(report: Report, params: dict[str, Any], started: bool) -> None:
    report.note(f"job: the first {params['size']} users of {params['users']}, topic {_topic_ref(params['topic'])}, "
                f"{params['hours']:g} simulated hours, at most {params['visits']} visit(s) per user of at most "
                f"{params['steps']} action(s) each, reflection after every action, in Chinese")
    report.note("a user step is one page observed and acted on; requests and tokens exclude replies served "
                "from hubbub's reply cache; server figures count every request the server saw during the run")
    if started:
        report.note(f"server: llama.cpp started here with the embedded SmolLM2-135M, {params['parallel']} slots; "
                    "its replies are plumbing, not research material")
