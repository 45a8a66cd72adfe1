"""One root seed hands out named child streams; there is no global random state anywhere.

A child seed is a stable hash of the root seed and a path of names (``"agent", 17, "visit", 2``), so
the random numbers an agent uses do not depend on the order in which other agents ran. That is what
makes concurrent and sequential runs identical.
"""

from __future__ import annotations

import hashlib

import numpy as np

_MASK = (1 << 63) - 1
_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Path part types that :func:`_canonical` returns unchanged (checked by exact type, so subclasses
take the general path)."""


def derive_seed(root: int, *path: object) -> int:
    """A 63-bit seed from ``root`` and a path of names; stable across processes and platforms."""
    if not _PLAIN.issuperset(map(type, path)):  # lists become tuples; other types are refused
        path = tuple(_canonical(p) for p in path)
    text = repr((int(root), *path)).encode()
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


# ------------------------------------------------------------ numpy's first numbers, in Python

_M32, _M64, _M128 = (1 << 32) - 1, (1 << 64) - 1, (1 << 128) - 1
_PCG_MULT = 0x2360ED051FC65DA44385DF649FCCF645


def _hash_constants(init: int, mult: int, count: int) -> tuple[tuple[int, int], ...]:
    """SeedSequence's hash constant before and after each of its ``count`` uses (data-independent)."""
    out, const = [], init
    for _ in range(count):
        after = (const * mult) & _M32
        out.append((const, after))
        const = after
    return tuple(out)


_MIX_CONST = _hash_constants(0x43B0D7E5, 0x931E8875, 16)
_STATE_CONST = _hash_constants(0x8B51F9DD, 0x58F38DED, 8)
_MIX_ORDER = tuple((src, dst) + _MIX_CONST[k] for k, (src, dst) in
                   enumerate(((s, d) for s in range(4) for d in range(4) if s != d), 4))


def _hashmix(value: int, k: int) -> int:
    """SeedSequence's ``hashmix`` of a 32-bit word with its ``k``-th hash constant."""
    before, after = _MIX_CONST[k]
    value = ((value ^ before) * after) & _M32
    return value ^ (value >> 16)


_ZERO_POOL = tuple(_hashmix(0, k) for k in range(4))


def _pcg64_state(seed: int) -> tuple[int, int]:
    """``(state, increment)`` of ``np.random.PCG64(seed)`` for ``0 <= seed < 2**64``: numpy's
    ``SeedSequence`` pool (4 words) mixed from the seed's two 32-bit words, 8 words of state drawn
    from it, and PCG64's seeding steps."""
    pool = list(_ZERO_POOL)
    pool[0] = _hashmix(seed & _M32, 0)
    if seed >> 32:
        pool[1] = _hashmix(seed >> 32, 1)
    for src, dst, before, after in _MIX_ORDER:
        value = ((pool[src] ^ before) * after) & _M32
        mixed = (0xCA01F9DD * pool[dst] - 0x4973F715 * (value ^ (value >> 16))) & _M32
        pool[dst] = mixed ^ (mixed >> 16)
    w = [((pool[i & 3] ^ before) * after) & _M32 for i, (before, after) in enumerate(_STATE_CONST)]
    w = [value ^ (value >> 16) for value in w]
    inc = (w[4] << 65 | w[5] << 97 | w[6] << 1 | w[7] << 33 | 1) & _M128
    state = (inc + (w[0] << 64 | w[1] << 96 | w[2] | w[3] << 32)) & _M128
    return (state * _PCG_MULT + inc) & _M128, inc


class NumpyStream:
    """The first numbers of ``np.random.default_rng(seed)``, bit for bit, without building a numpy
    Generator (about twice as fast for a few draws): PCG64 seeded through ``SeedSequence``.
    ``random()`` and ``permutation(n)`` give what the Generator's methods of the same names give when
    called in the same order (``tests/kernel/test_seeding.py`` compares them over many seeds)."""

    def __init__(self, seed: int) -> None:
        if not 0 <= seed < 1 << 64:
            raise ValueError(f"NumpyStream seed must be in [0, 2**64), got {seed}")
        self._state, self._inc = _pcg64_state(seed)
        self._half: int | None = None  # the upper half of a 64-bit draw, kept for the next 32-bit one

    def next64(self) -> int:
        """PCG64's next 64-bit output (XSL-RR of the advanced 128-bit state)."""
        state = self._state = (self._state * _PCG_MULT + self._inc) & _M128
        folded, rotation = ((state >> 64) ^ state) & _M64, state >> 122
        return ((folded >> rotation) | (folded << (64 - rotation))) & _M64

    def next32(self) -> int:
        """A 32-bit output: the lower half of a fresh 64-bit draw, then its upper half."""
        if self._half is not None:
            half, self._half = self._half, None
            return half
        draw = self.next64()
        self._half = draw >> 32
        return draw & _M32

    def random(self) -> float:
        """``Generator.random()``: a double in [0, 1) from the top 53 bits of a 64-bit draw."""
        return (self.next64() >> 11) * (1.0 / 9007199254740992.0)

    def interval(self, high: int) -> int:
        """An integer in ``[0, high]`` by masked rejection on 32-bit draws (numpy's shuffle draw)."""
        if high > _M32:
            raise ValueError(f"NumpyStream.interval takes high <= 2**32 - 1, got {high}")
        mask = (1 << high.bit_length()) - 1
        while (value := self.next32() & mask) > high:
            pass
        return value

    def permutation(self, n: int) -> list[int]:
        """``Generator.permutation(n).tolist()``: Fisher-Yates from the end of ``range(n)``."""
        order = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.interval(i)
            order[i], order[j] = order[j], order[i]
        return order
