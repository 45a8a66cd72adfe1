"""matplotlib for every PNG figure: the Agg backend, chosen only when a figure is drawn, and one way
to save and close a figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (imported only when plotting)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save(fig: Any, path: Path, dpi: int = 110, tight_box: bool = False) -> Path:
    """Write ``fig`` to ``path`` and close it: laid out with ``tight_layout``, or (``tight_box``) cropped
    to its drawn box instead."""
    if tight_box:
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    else:
        fig.tight_layout()
        fig.savefig(path, dpi=dpi)
    pyplot().close(fig)
    return path
