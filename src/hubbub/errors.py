"""The exception tree. Foreign exceptions are translated at the edge into one of these.

    HubbubError
    ├── ConfigError        a scenario or option value is not allowed (names the field path)
    ├── DataError          an input file is malformed (names the file and line)
    ├── BackendError       the LLM boundary failed
    │   ├── BackendTimeout      no answer within the per-request timeout
    │   ├── BackendUnavailable  connection refused, HTTP 5xx/429 after retries, missing model
    │   └── InvalidOutput       an answer came back but cannot be used (no options scored, empty text)
    └── SchedulingError    the event log or the scheduler found an inconsistency (e.g. resume diverged)
"""

from __future__ import annotations

import re


class HubbubError(Exception):
    """Base of every error hubbub raises on purpose."""


class ConfigError(HubbubError):
    """A configuration value is not allowed; the message names the field path and what is allowed."""


class DataError(HubbubError):
    """An input file cannot be used; the message names the file, the line and the problem."""


class BackendError(HubbubError):
    """The LLM backend failed to give a usable answer."""


class BackendTimeout(BackendError):
    """The backend did not answer within the per-request timeout."""


class BackendUnavailable(BackendError):
    """The backend could not be reached or refused the request after all retries."""


class InvalidOutput(BackendError):
    """The backend answered, but the answer cannot be used."""


class SchedulingError(HubbubError):
    """The scheduler or the event log found an inconsistency."""


_USERINFO = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s@]*(?:@[^/?#\s@]*)*@")


def redact_credentials(text: str) -> str:
    """``text`` with the ``user:password@`` part of every URL in it replaced by ``***@``.

    A base URL may carry credentials (``http://user:KEY@host``); like API keys they must never reach a
    manifest, report, log line or error message. This one function is used for all of them, so a new
    output cannot forget a second, different rule. The authority ends at the first ``/ ? #`` or space,
    and its last ``@`` ends the userinfo (a password may hold an unescaped ``@``)."""
    return _USERINFO.sub(r"\1***@", text) if "@" in text else text
