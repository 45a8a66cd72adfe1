"""Checks that a field's type and range cannot express: URLs, calendar dates, the run's time range.

Each returns the value or raises ``ValueError`` with a sentence that names the bad value and what is
allowed; pydantic puts the field path in front (see :mod:`hubbub.scenarios.errors`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable
from urllib.parse import urlsplit

from hubbub.errors import redact_credentials

URL_FORM = "http://HOST[:PORT][/PATH] or https://..., port 1-65535, no spaces"
HOUR = 3600.0
LIFECYCLE_KEYS = frozenset({"kind", "trendsim.lifecycle_h", "s3.steps", "s3.step_h", "platform.hours"})
"""Experiment grid keys that move the end of a run: each grid cell is then checked on its own."""


def check_base_urls(urls: tuple[str, ...]) -> tuple[str, ...]:
    """Every base URL must be one a client can connect to; checked when the scenario loads, so a typo
    (a port of 99999, a stray space) is one line here, not a traceback from the HTTP stack mid-run."""
    for url in urls:
        problem = url_problem(url)
        if problem:
            shown = [redact_credentials(u) for u in urls]
            raise ValueError(f"{shown!r} is not allowed; give one or more http:// or https:// URLs "
                             f"({URL_FORM}): {problem}")
    return urls


def url_problem(url: str) -> str | None:
    """What is wrong with ``url`` as a server address, in words (None if nothing)."""
    shown = repr(redact_credentials(url))
    if not url.strip():
        return "an empty URL"
    if any(ch.isspace() or not ch.isprintable() for ch in url):
        return f"{shown} holds a space or control character"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return f"{shown} has scheme {parts.scheme!r}" if parts.scheme else f"{shown} has no http:// or https://"
    if not parts.hostname:
        return f"{shown} has no host"
    port = _port_text(parts.netloc)
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        return f"{shown} has port {port!r}"
    return None


def _port_text(netloc: str) -> str | None:
    """The port as written (None if none), read by hand: urlsplit refuses some bad ports with an
    exception and accepts others (0)."""
    host = netloc.rpartition("@")[2]
    if host.startswith("["):
        host = host.partition("]")[2]
    head, sep, port = host.rpartition(":")
    return port if sep else None


def check_calendar_time(text: str) -> str:
    """``start_time`` must name a real moment: the pattern alone lets 2025-02-30 or month 13 through."""
    try:
        datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not allowed: not a real calendar date-time ({exc}); expected "
                         f"YYYY-MM-DDTHH:MM[:SS] with a real month, day and time, e.g. 2024-06-01T08:00:00") from None
    return text


def run_range(kind: str, lifecycle_h: float, steps: int, step_h: float, platform_h: float = 0.0) -> tuple[float, str]:
    """The end of the run in simulated seconds, computed exactly as the simulation does (so an event
    accepted here is never dropped there), and the settings it comes from: TrendSim runs for the
    lifecycle, S3 for ``steps`` rounds, a combined run for the longer of the two, the living platform
    for ``platform.hours``."""
    if kind == "platform":
        return platform_h * HOUR, f"platform.hours = {platform_h:g}"
    trend_s, s3_s = lifecycle_h * HOUR, steps * (step_h * HOUR)
    trend = f"trendsim.lifecycle_h = {lifecycle_h:g}"
    s3 = f"s3.steps x s3.step_h = {steps} x {step_h:g}"
    if kind == "trendsim":
        return trend_s, trend
    if kind == "s3":
        return s3_s, s3
    return max(trend_s, s3_s), f"the longer of {trend} and {s3}"


def check_schedule(section: str, items: Iterable[Any], end_s: float, origin: str) -> None:
    """Interventions and interviews timed after the run's end would silently never happen."""
    for k, item in enumerate(items):
        if item.at_h * HOUR > end_s:
            hours = f"{end_s / HOUR:g}"
            raise ValueError(f"{section}.{k}.at_h = {item.at_h:g} is not allowed: it is outside the run's time "
                             f"range, 0 to {hours} simulated hours ({origin}); expected an at_h from 0 to {hours}")
