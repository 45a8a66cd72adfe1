"""Intervals of the S3 population curves: each share or mean of :func:`hubbub.metrics.s3.curves` with
its n (every user, or the aware ones) and the half-width of its 95 % t-interval (:mod:`hubbub.metrics.stats`).

Kept apart from :mod:`hubbub.metrics.s3` so its tables, the PNGs and the HTML report use one definition
without importing one another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHARE_OF = {"aware_share": "users", "positive_share": "users", "positive_share_aware": "aware", "calm": "aware",
            "moderate": "aware", "intense": "aware"}
"""Curve columns that are shares, and which count is their n (every user, or the aware ones)."""
INTENSITY = (0.0, 0.5, 1.0)  # calm, moderate, intense (the s3_steps docs)


def curve_intervals(frame: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per mean or share column of :func:`hubbub.metrics.s3.curves`: (half-width of its 95 % t-interval, n) per step
    (:mod:`hubbub.metrics.stats`); NaN half-widths where n < 2 or the value is undefined."""
    from hubbub.metrics.stats import levels_halfwidth, share_halfwidth

    users, aware = frame["users"].astype(float).to_numpy(), frame["aware"].astype(float).to_numpy()
    counts = {"users": users, "aware": aware}
    out = {c: (share_halfwidth(frame[c].astype(float), counts[n]), counts[n]) for c, n in SHARE_OF.items()}
    levels = frame[["calm", "moderate", "intense"]].astype(float).to_numpy()
    out["mean_intensity"] = (levels_halfwidth(levels, INTENSITY, aware), aware)
    part = np.where(users > 0, aware / np.maximum(users, 1), np.nan)[:, None]
    everyone = np.nan_to_num(levels * part) + np.outer(1 - part[:, 0], (1.0, 0.0, 0.0))
    out["mean_intensity_all"] = (levels_halfwidth(everyone, INTENSITY, users), users)
    return out
