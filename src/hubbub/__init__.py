"""hubbub: simulate online social networks with LLM-driven agents.

One engine for S3 (information, emotion and attitude spreading over a follow graph) and TrendSim
(a trending topic under poisoning attacks, in continuous time). Importing hubbub does nothing:
no files, no loggers, no model loads; the library's names load on first use.

    import hubbub
    sim = hubbub.Simulation(hubbub.load_scenario("demo"), backend="scripted", out="runs/d")
    sim.run_until(1.0)
    sim.run()
    sim.results.events

See docs/python-api.md.
"""

from __future__ import annotations

from typing import Any

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

_LAZY = {
    "Simulation": "hubbub.runtime.simulation",
    "PlatformView": "hubbub.runtime.library",
    "Scenario": "hubbub.scenarios.config",
    "load_scenario": "hubbub.scenarios.config",
    "load_run": "hubbub.store",
    "Run": "hubbub.store",
    "register_policy": "hubbub.registry",
    "register_ranker": "hubbub.registry",
    "register_action": "hubbub.platform.actions",
    "Action": "hubbub.platform.actions",
    "Choice": "hubbub.agents.feed.policy",
    "Context": "hubbub.agents.feed.policy",
    "Post": "hubbub.agents.feed.policy",
}

__all__ = [
    "Action",
    "BackendError",
    "BackendTimeout",
    "BackendUnavailable",
    "Choice",
    "ConfigError",
    "Context",
    "DataError",
    "HubbubError",
    "InvalidOutput",
    "PlatformView",
    "Post",
    "Run",
    "Scenario",
    "SchedulingError",
    "Simulation",
    "__version__",
    "load_run",
    "load_scenario",
    "register_action",
    "register_policy",
    "register_ranker",
]


def __getattr__(name: str) -> Any:
    """Load a library name from its module on first use (so ``import hubbub`` stays instant)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hubbub' has no attribute {name!r}")
