"""A univariate self-exciting (Hawkes) process for cascade event times, and its branching form.

Intensity: ``lambda(t) = mu + alpha * sum_{t_i < t} g(t - t_i)`` where ``g`` is a probability density on
``[0, inf)``, so ``alpha`` is the branching ratio (expected direct offspring per event; the process is
stationary when ``alpha < 1``). Two kernels:

* exponential ``g(s) = beta * exp(-beta s)``;
* power law (Omori) ``g(s) = theta * c**theta * (s + c)**-(1 + theta)``, the heavy tail seen in
  retweet delays.

``Hawkes.simulate`` uses Ogata thinning; ``Hawkes.log_likelihood`` is exact (the exponential kernel in
O(n) by a running log-add-exp, the power law by pairwise sums, O(n^2)); maximum-likelihood fitting
lives in :mod:`hubbub.dynamics.fit`. ``simulate_cascade`` grows one cascade from a
root through the cluster (branching) representation, with an optional per-event mark (influence) that
scales fertility, so each event knows its parent and cascade shape metrics apply.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from hubbub.errors import ConfigError


def _positive(model: str, **values: float) -> None:
    for key, value in values.items():
        if not (isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value) and value > 0):
            raise ConfigError(f"{model}: parameter {key}={value!r} is not allowed; allowed range (0, inf)")


@dataclass(frozen=True)
class ExponentialKernel:
    """``g(s) = beta exp(-beta s)``; mean delay ``1 / beta``."""

    beta: float
    name = "exponential"
    recursive = True  # pair sums in O(n); precomputed pairs would only slow fitting down

    def __post_init__(self) -> None:
        _positive("hawkes.exponential", beta=self.beta)

    def density(self, s: np.ndarray) -> np.ndarray:
        return self.beta * np.exp(-self.beta * np.asarray(s, dtype=np.float64))

    def log_density(self, s: np.ndarray) -> np.ndarray:
        return math.log(self.beta) - self.beta * np.asarray(s, dtype=np.float64)

    def cdf(self, s: np.ndarray) -> np.ndarray:
        return -np.expm1(-self.beta * np.asarray(s, dtype=np.float64))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(1.0 / self.beta, size)

    def pair_sums(self, t: np.ndarray) -> np.ndarray:
        """``A_i = sum_{j<i} g(t_i - t_j)`` for sorted ``t`` in O(n).

        ``log sum_{j<i} exp(beta t_j)`` is a running log-add-exp, so no term over- or underflows on the
        way; only the final ``exp`` can underflow, for events far from all earlier ones.
        """
        u = self.beta * np.asarray(t, dtype=np.float64)
        out = np.zeros(u.size)
        if u.size > 1:
            out[1:] = np.exp(np.logaddexp.accumulate(u[:-1]) - u[1:])
        return self.beta * out

    def tracker(self) -> "_ExpTracker":
        return _ExpTracker(self.beta)

    def as_dict(self) -> dict[str, float]:
        return {"beta": float(self.beta)}


@dataclass(frozen=True)
class PowerLawKernel:
    """Omori kernel ``theta c^theta (s + c)^-(1+theta)``; heavy-tailed, finite mean ``c / (theta - 1)`` if theta > 1."""

    c: float
    theta: float
    name = "power_law"
    recursive = False

    def __post_init__(self) -> None:
        _positive("hawkes.power_law", c=self.c, theta=self.theta)

    def density(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=np.float64)
        return (self.theta / self.c) * (1.0 + s / self.c) ** (-1.0 - self.theta)

    def log_density(self, s: np.ndarray) -> np.ndarray:
        return math.log(self.theta / self.c) - (1.0 + self.theta) * np.log1p(np.asarray(s, dtype=np.float64) / self.c)

    def cdf(self, s: np.ndarray) -> np.ndarray:
        return 1.0 - (1.0 + np.asarray(s, dtype=np.float64) / self.c) ** -self.theta

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.c * (rng.random(size) ** (-1.0 / self.theta) - 1.0)

    def pair_sums(self, t: np.ndarray, chunk: int = 2048) -> np.ndarray:
        """``A_i = sum_{j<i} g(t_i - t_j)``: exact pairwise sums, chunked to bound memory (O(n^2) time)."""
        out = np.zeros(t.size)
        for lo in range(1, t.size, chunk):
            hi = min(lo + chunk, t.size)
            diff = t[lo:hi, None] - t[None, :hi]
            mask = np.arange(hi)[None, :] < np.arange(lo, hi)[:, None]
            out[lo:hi] = np.where(mask, self.density(np.where(mask, diff, 0.0)), 0.0).sum(axis=1)
        return out

    def tracker(self) -> "_SumTracker":
        return _SumTracker(self)

    def as_dict(self) -> dict[str, float]:
        return {"c": float(self.c), "theta": float(self.theta)}


class _ExpTracker:
    """Excitation ``sum g(t - t_i)`` for the exponential kernel, updated in O(1) per event."""

    def __init__(self, beta: float) -> None:
        self.beta, self.level, self.at = beta, 0.0, 0.0

    def value(self, t: float) -> float:
        return self.level * math.exp(-self.beta * (t - self.at))

    def add(self, t: float) -> None:
        self.level, self.at = self.value(t) + self.beta, t


class _SumTracker:
    """Excitation for any kernel, summed over the whole history with numpy."""

    def __init__(self, kernel: Any) -> None:
        self.kernel, self.events = kernel, np.empty(1024)
        self.n = 0

    def value(self, t: float) -> float:
        return float(self.kernel.density(t - self.events[: self.n]).sum())

    def add(self, t: float) -> None:
        if self.n == self.events.size:
            self.events = np.concatenate((self.events, np.empty(self.n)))
        self.events[self.n] = t
        self.n += 1


Kernel = ExponentialKernel | PowerLawKernel


def make_kernel(name: str, **params: float) -> Kernel:
    """A kernel by name: ``exponential`` (beta) or ``power_law`` (c, theta)."""
    kinds = {"exponential": ExponentialKernel, "power_law": PowerLawKernel}
    if name not in kinds:
        raise ConfigError(f"hawkes: unknown kernel {name!r}; known: {', '.join(kinds)}")
    try:
        return kinds[name](**params)
    except TypeError as exc:
        raise ConfigError(f"hawkes: kernel {name!r} got parameters {sorted(params)}: {exc}") from None


@dataclass(frozen=True)
class Hawkes:
    """A univariate Hawkes process with background rate ``mu`` and branching ratio ``alpha``."""

    mu: float
    alpha: float
    kernel: Kernel

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mu) and self.mu >= 0):
            raise ConfigError(f"hawkes: parameter mu={self.mu!r} is not allowed; allowed range [0, inf)")
        if not (math.isfinite(self.alpha) and self.alpha >= 0):
            raise ConfigError(f"hawkes: parameter alpha={self.alpha!r} is not allowed; allowed range [0, inf)")

    def intensity(self, t: np.ndarray, events: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """``lambda(t)`` at each time in ``t`` given the event history ``events`` (left-continuous)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        events = np.asarray(events, dtype=np.float64)
        out = np.full(t.size, float(self.mu))
        for lo in range(0, t.size, chunk):
            lag = t[lo:lo + chunk, None] - events[None, :]
            past = lag > 0
            dens = np.where(past, self.kernel.density(np.where(past, lag, 0.0)), 0.0)
            out[lo:lo + chunk] += self.alpha * dens.sum(axis=1)
        return out

    def simulate(self, T: float, rng: np.random.Generator, *, history: Sequence[float] = (),
                 max_events: int = 1_000_000) -> np.ndarray:
        """Event times in ``(t0, T]`` by Ogata thinning, ``t0`` = last history event (or 0).

        The kernels are non-increasing, so the intensity just after the last accepted event bounds it
        until the next one. Random numbers are drawn in blocks to keep the loop cheap.
        """
        tracker, t = self.kernel.tracker(), 0.0
        for h in sorted(history):
            tracker.add(float(h))
            t = float(h)
        out: list[float] = []
        draws = _Draws(rng)
        while True:
            bound = self.mu + self.alpha * tracker.value(t)
            if bound <= 0:
                break
            t += draws.exponential() / bound
            if t > T:
                break
            if draws.uniform() * bound <= self.mu + self.alpha * tracker.value(t):
                tracker.add(t)
                out.append(t)
                if len(out) > max_events:
                    raise ConfigError(f"hawkes: simulation passed max_events={max_events} before T={T:g}; "
                                      f"alpha={self.alpha:g} (>= 1 explodes) - lower alpha or T, or raise max_events")
        return np.array(out)

    def log_likelihood(self, times: np.ndarray, T: float, t0: float = 0.0, condition_on_first: bool = False,
                       pairs: "Pairs | None" = None) -> float:
        """Exact log-likelihood of sorted event ``times`` observed on ``[t0, T]``.

        With ``condition_on_first`` the first event is taken as given (a cascade's root): its own
        intensity term is left out and the window starts at it. ``pairs`` (from ``Pairs.of(times)``)
        reuses the pairwise delays across many evaluations, as fitting does for non-recursive kernels.
        """
        t = np.sort(np.asarray(times, dtype=np.float64))
        if condition_on_first and t.size:
            t0 = t[0]
        excitation = self.kernel.pair_sums(t) if pairs is None else pairs.sums(self.kernel)
        lam = self.mu + self.alpha * excitation
        terms = lam[1:] if condition_on_first else lam
        if np.any(terms <= 0):
            return -math.inf
        compensator = self.mu * (T - t0) + self.alpha * self.kernel.cdf(T - t).sum()
        return float(np.log(terms).sum() - compensator)

    def as_dict(self) -> dict[str, Any]:
        return {"mu": float(self.mu), "alpha": float(self.alpha), "kernel": self.kernel.name,
                **self.kernel.as_dict()}


@dataclass(frozen=True)
class Pairs:
    """The delays ``t_i - t_j`` of all pairs ``j < i`` of one sorted sequence, grouped by ``i``."""

    n: int
    delay: np.ndarray

    @staticmethod
    def of(times: np.ndarray) -> "Pairs":
        t = np.sort(np.asarray(times, dtype=np.float64))
        i, j = np.tril_indices(t.size, k=-1)
        return Pairs(t.size, t[i] - t[j])

    def sums(self, kernel: Kernel) -> np.ndarray:
        """``A_i = sum_{j<i} g(t_i - t_j)``; row ``i`` starts at ``i (i - 1) / 2``."""
        out = np.zeros(self.n)
        if self.n > 1:
            rows = np.arange(1, self.n)
            out[1:] = np.add.reduceat(kernel.density(self.delay), rows * (rows - 1) // 2)
        return out


class _Draws:
    """Exponential and uniform variates drawn from ``rng`` in blocks (fewer Python-level calls)."""

    def __init__(self, rng: np.random.Generator, block: int = 4096) -> None:
        self.rng, self.block = rng, block
        self.e, self.u, self.i, self.j = np.empty(0), np.empty(0), 0, 0

    def exponential(self) -> float:
        if self.i == self.e.size:
            self.e, self.i = self.rng.standard_exponential(self.block), 0
        self.i += 1
        return float(self.e[self.i - 1])

    def uniform(self) -> float:
        if self.j == self.u.size:
            self.u, self.j = self.rng.random(self.block), 0
        self.j += 1
        return float(self.u[self.j - 1])


# ---------------------------------------------------------------- branching (cluster) form


@dataclass(frozen=True)
class BranchingCascade:
    """A cascade grown from one root: ``parent`` (-1 at the root), event ``time``, per-event ``mark``.

    Nodes are in time order, so ``parent[i] < i``. ``truncated`` says growth stopped at ``max_size``.
    """

    parent: np.ndarray
    time: np.ndarray
    mark: np.ndarray
    truncated: bool


def simulate_cascade(alpha: float, kernel: Kernel, rng: np.random.Generator, *, T: float = math.inf,
                     max_size: int = 100_000, mark_sigma: float = 0.0) -> BranchingCascade:
    """Grow one cascade generation by generation (vectorised per generation).

    Each event has a mark ``m`` (log-normal with mean 1 and log-sd ``mark_sigma``; all 1 when 0), has
    ``Poisson(alpha * m)`` children, and each child follows its parent after a delay drawn from the
    kernel. Children after ``T`` are not observed. Growth stops once ``max_size`` events exist (complete
    generations are kept; the result is then flagged ``truncated``).
    """
    if not (math.isfinite(alpha) and alpha >= 0):
        raise ConfigError(f"hawkes: parameter alpha={alpha!r} is not allowed; allowed range [0, inf)")
    if not (math.isfinite(mark_sigma) and mark_sigma >= 0):
        raise ConfigError(f"hawkes: parameter mark_sigma={mark_sigma!r} is not allowed; allowed range [0, inf)")
    marks = lambda k: np.exp(mark_sigma * rng.standard_normal(k) - mark_sigma**2 / 2)  # noqa: E731
    parent, time, mark, gen = [np.array([-1])], [np.zeros(1)], [marks(1)], [np.zeros(1, np.int64)]
    frontier, offset, size, truncated = np.array([0]), 0, 1, False
    while frontier.size:
        if size >= max_size:
            truncated = True
            break
        kids = rng.poisson(alpha * mark[-1])
        child_parent = np.repeat(frontier, kids)
        child_time = np.repeat(time[-1], kids) + kernel.sample(rng, int(kids.sum()))
        seen = child_time <= T
        child_parent, child_time = child_parent[seen], child_time[seen]
        offset += frontier.size
        frontier = offset + np.arange(child_parent.size)
        parent.append(child_parent)
        time.append(child_time)
        mark.append(marks(child_parent.size))
        gen.append(np.full(child_parent.size, len(gen)))
        size += child_parent.size
    return _time_ordered(np.concatenate(parent), np.concatenate(time), np.concatenate(mark),
                         np.concatenate(gen), truncated)


def _time_ordered(parent: np.ndarray, time: np.ndarray, mark: np.ndarray, gen: np.ndarray,
                  truncated: bool) -> BranchingCascade:
    order = np.lexsort((gen, time))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    par = parent[order]
    par = np.where(par >= 0, rank[np.maximum(par, 0)], -1)
    return BranchingCascade(par, time[order], mark[order], truncated)

