"""The LLM boundary: two batch verbs, ``choose`` and ``generate``, behind one Backend protocol."""

from hubbub.llm.base import (
    Backend,
    CallStats,
    ChoiceRequest,
    ChoiceResult,
    GenerateRequest,
    GenerateResult,
    Messages,
)

__all__ = [
    "Backend",
    "CallStats",
    "ChoiceRequest",
    "ChoiceResult",
    "GenerateRequest",
    "GenerateResult",
    "Messages",
]
