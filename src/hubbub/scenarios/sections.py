"""The base of every config section."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A frozen config section that rejects unknown keys and non-finite numbers.

    ``allow_inf_nan=False`` holds for every float field of every scenario model (TOML, ``--set``,
    interventions, S3 settings): TOML reads ``inf``, ``nan`` and an overflowing ``1e400`` as floats,
    and none of them is a meaningful rate, share or duration. A field that means "no limit" by
    ``inf`` opts back in with ``Field(allow_inf_nan=True)`` and a range that still refuses ``nan``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)
