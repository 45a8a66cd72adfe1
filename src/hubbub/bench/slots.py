"""A llama.cpp server's slot counters, read before and after a job: sequences per decode step.

llama.cpp's ``/metrics`` (served with ``--metrics``) gives decode steps, busy slots per decode step
since the server started, and prompt tokens processed; the change of those counters over a job gives
the job's slot utilisation. Used by ``hubbub bench peer-job`` for hubbub's run and for another
system's command on the same server.
"""

from __future__ import annotations

from hubbub.bench.report import Report

METRIC_DECODES = "llamacpp:n_decode_total"
METRIC_BUSY = "llamacpp:n_busy_slots_per_decode"
METRIC_PROMPT = "llamacpp:prompt_tokens_total"
NOT_AVAILABLE = "not available"


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
                after: dict[str, float | None] | str, prefix: str = "", who: str = "") -> None:
    """Sequences per decode step over the run, from the counters' change (llama.cpp reports busy
    slots per decode step since it started; times its decode steps that is a running total)."""
    problem = before if isinstance(before, str) else after if isinstance(after, str) else None
    if problem is not None or isinstance(before, str) or isinstance(after, str):
        report.figure(f"{prefix}slot_utilisation", NOT_AVAILABLE, "", f"{who}server: sequences per decode step")
        report.note(f"{who}slot utilisation not available: {problem}")
        return
    decodes = _change(before, after, "decodes")
    report.figure(f"{prefix}decode_steps", None if decodes is None else round(decodes), "",
                  f"{who}server: decode steps during the run")
    busy = _change(before, after, "busy")
    report.figure(f"{prefix}slot_utilisation", busy / decodes if decodes and busy is not None else None,
                  "seq/step", f"{who}server: sequences per decode step")
    prompt = _change(before, after, "prompt")
    report.figure(f"{prefix}server_prompt_tokens", None if prompt is None else round(prompt), "tok",
                  f"{who}server: prompt tokens it processed (not from its cache), whole run")


def _change(before: dict[str, float | None], after: dict[str, float | None], key: str) -> float | None:
    first, last = before[key], after[key]
    return None if first is None or last is None else last - first
