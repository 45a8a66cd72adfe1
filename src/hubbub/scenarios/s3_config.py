"""Settings of S3 scenarios (information, emotion and attitude spreading over a follow graph)."""

from __future__ import annotations

from pydantic import Field

from hubbub.scenarios.sections import Section


class S3Config(Section):
    """Follow-graph diffusion of information, emotion and attitude (S3)."""

    steps: int = Field(10, ge=1, le=100_000, description="Number of rounds (time steps) to simulate.")
    step_h: float = Field(1.0, gt=0, le=24 * 365, description="Simulated hours per round.")
