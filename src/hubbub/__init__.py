"""hubbub: simulate online social networks with LLM-driven agents.

One engine for S3 (information, emotion and attitude spreading over a follow graph) and TrendSim
(a trending topic under poisoning attacks, in continuous time). Importing hubbub does nothing:
no files, no loggers, no model loads.
"""

from hubbub.errors import (
    BackendError,
    BackendTimeout,
    BackendUnavailable,
    ConfigError,
    DataError,
    HubbubError,
    InvalidOutput,
    SchedulingError,
)

__version__ = "0.1.0"

__all__ = [
    "BackendError",
    "BackendTimeout",
    "BackendUnavailable",
    "ConfigError",
    "DataError",
    "HubbubError",
    "InvalidOutput",
    "SchedulingError",
    "__version__",
]
