"""One root seed hands out named child streams; there is no global random state anywhere.

A child seed is a stable hash of the root seed and a path of names (``"agent", 17, "visit", 2``), so
the random numbers an agent uses do not depend on the order in which other agents ran. That is what
makes concurrent and sequential runs identical.
"""

from __future__ import annotations

import hashlib

import numpy as np

_MASK = (1 << 63) - 1


def derive_seed(root: int, *path: object) -> int:
    """A 63-bit seed from ``root`` and a path of names; stable across processes and platforms."""
    text = repr((int(root),) + tuple(_canonical(p) for p in path)).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") & _MASK


def _canonical(part: object) -> object:
    if isinstance(part, (str, int, float, bool)) or part is None:
        return part
    if isinstance(part, (tuple, list)):
        return tuple(_canonical(p) for p in part)
    raise TypeError(f"seed path parts must be str/int/float/bool/None or tuples of them, got {type(part).__name__}")


class SeedTree:
    """Named random streams derived from one root seed."""

    def __init__(self, root: int) -> None:
        self.root = int(root)

    def seed(self, *path: object) -> int:
        """The integer seed of the stream at ``path``."""
        return derive_seed(self.root, *path)

    def rng(self, *path: object) -> np.random.Generator:
        """A fresh numpy Generator for ``path``; the same path always gives the same stream."""
        return np.random.default_rng(self.seed(*path))

    def child(self, *path: object) -> "SeedTree":
        """A sub-tree rooted at ``path``."""
        return SeedTree(self.seed(*path))
