"""TrendSim's access-time density P(t): when a user opens a trending topic, in hours since it appeared.

TrendSim (Section 3.2.1, Appendix A) models attention to a trending topic in three stages: explosive
growth, a slowing peak, a power-law fade. With ``s = t - T_m`` the unnormalised density is

    f(t) = exp(A s)                                  0 <= t < T_m
    f(t) = 1 + A s - alpha A s^2                     T_m <= t < T_m + 1/alpha
           (= -alpha A (s - 1/(2 alpha))^2 + 1 + A/(4 alpha), the paper's form)
    f(t) = (s - 1/alpha + 1)^(-A)                    t >= T_m + 1/alpha

It is continuous with a continuous derivative at both joins (value 1, slope +A then -A). We truncate
it to the topic's lifecycle ``[0, horizon]`` and normalise it there, so every piece has an exact
antiderivative and the sampler is an exact inverse CDF, not the 101-point numerical CDF of the released
TrendSim code. See ``docs/access-time.md`` for the derivation and the recommended defaults.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hubbub.errors import ConfigError
from hubbub.kernel.seeding import NumpyStream

TRENDSIM_BASE_A = 0.5
"""The released TrendSim code computes ``A = 0.5 + likes / n_agents + emotion`` before each revisit."""

_EXP_SAFE = 700.0  # exp(x) is finite below ~709.78


def _phi(x: np.ndarray) -> np.ndarray:
    """expm1(x)/x, with its limit 1 at x = 0: the power-law integral without a 1/(1-A) blow-up at A = 1."""
    small = np.abs(x) < 1e-12
    safe = np.where(small, 1.0, x)
    return np.where(small, 1.0 + 0.5 * x, np.expm1(safe) / safe)


def _psi(x: np.ndarray) -> np.ndarray:
    """log1p(x)/x, with its limit 1 at x = 0: the inverse of the power-law integral, A = 1 included."""
    small = np.abs(x) < 1e-12
    safe = np.where(small, 1.0, x)
    with np.errstate(divide="ignore"):
        return np.where(small, 1.0 - 0.5 * x, np.log1p(safe) / safe)


def _check(name: str, value: float, ok: bool, allowed: str) -> float:
    if not ok:
        raise ConfigError(f"AccessDensity.{name} = {value!r} is not allowed; {name} must be {allowed}")
    return float(value)


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _rise_top(t_m: float, horizon: float) -> float:
    """The T_m the formulas use. When the lifecycle ends before the rise does (T_m >= horizon), the
    truncated density is exp(A (t - T_m)) on [0, horizon], proportional to exp(A (t - horizon)): the
    same normalised law as T_m = horizon. Using that keeps every piece's mass near 1 instead of
    exp(-A (T_m - horizon)), which underflows to 0 (and divides by zero) once A (T_m - horizon) > ~745."""
    return min(t_m, horizon)


@dataclass(frozen=True)
class AccessDensity:
    """The normalised access-time density on ``[0, horizon]`` hours, with exact cdf, ppf and sampling.

    ``A`` is the topic's "breaking degree" (steepness of rise and fall), ``T_m`` the hour at which the
    growth starts to slow, ``1/alpha`` the length of the peak in hours, ``horizon`` the topic's lifecycle
    (TrendSim uses 16 h). ``horizon=math.inf`` keeps the whole power-law tail and needs ``A > 1``.
    """

    A: float = 1.5
    T_m: float = 3.0
    alpha: float = 0.5
    horizon: float = 16.0
    _tm: float = field(init=False, repr=False, compare=False)
    _b1: float = field(init=False, repr=False, compare=False)
    _b2: float = field(init=False, repr=False, compare=False)
    _masses: tuple[float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        a, tm, al, h = (_number(v) for v in (self.A, self.T_m, self.alpha, self.horizon))
        _check("A", self.A, math.isfinite(a) and a > 0, "a finite number > 0")
        _check("T_m", self.T_m, math.isfinite(tm) and tm >= 0, "a finite number of hours >= 0")
        _check("alpha", self.alpha, math.isfinite(al) and al > 0, "a finite number > 0 (1/alpha = peak length in hours)")
        _check("horizon", self.horizon, h > 0 and not math.isnan(h), "a number of hours > 0, or inf")
        if math.isinf(h) and a <= 1:
            raise ConfigError(
                f"AccessDensity.A = {self.A!r} is not allowed with horizon = inf; the power-law tail "
                "(t - T_m - 1/alpha + 1)^-A only integrates to a finite mass when A > 1 (use a finite horizon)"
            )
        for name, value in zip(("A", "T_m", "alpha", "horizon"), (a, tm, al, h)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_tm", _rise_top(tm, h))
        object.__setattr__(self, "_b1", min(self._tm, h))
        object.__setattr__(self, "_b2", min(self._tm + 1.0 / al, h))
        object.__setattr__(self, "_masses", self._piece_masses())

    # ----------------------------------------------------------------- unnormalised pieces
    def _peak_end(self) -> float:
        return self._tm + 1.0 / self.alpha

    def _exp_integral(self, t: np.ndarray) -> np.ndarray:
        """∫_0^t exp(A(x - T_m)) dx for 0 <= t <= T_m, written so that no exp() can overflow."""
        return np.exp(self.A * (t - self._tm)) * -np.expm1(-self.A * t) / self.A

    def _quad_integral(self, u: np.ndarray) -> np.ndarray:
        """G(u) = ∫_0^u (1 + A x - alpha A x^2) dx, u = t - T_m in [0, 1/alpha] (Horner form)."""
        return u * (1.0 + u * (0.5 * self.A - self.alpha * self.A * u / 3.0))

    def _quad_density(self, u: np.ndarray) -> np.ndarray:
        return 1.0 + self.A * u * (1.0 - self.alpha * u)

    def _tail_integral(self, ln_v: np.ndarray) -> np.ndarray:
        """∫_1^v x^-A dx = (v^(1-A) - 1)/(1-A), or ln v when A = 1, as ln v * phi((1-A) ln v)."""
        return ln_v * _phi((1.0 - self.A) * ln_v)

    def _piece_masses(self) -> tuple[float, float, float]:
        m1 = float(self._exp_integral(np.float64(self._b1)))
        m2 = float(self._quad_integral(np.float64(self._b2 - self._tm))) if self._b2 > self._tm else 0.0
        if math.isinf(self.horizon):
            m3 = 1.0 / (self.A - 1.0)
        elif self.horizon > self._peak_end():
            m3 = float(self._tail_integral(np.log1p(np.float64(self.horizon - self._peak_end()))))
        else:
            m3 = 0.0
        return m1, m2, m3

    def _unnormalised_cdf(self, t: np.ndarray) -> np.ndarray:
        """∫_0^t f for finite t in [0, horizon]: each piece contributes its clipped exact integral."""
        m1, m2, _ = self._masses
        part1 = np.where(t < self._b1, self._exp_integral(np.minimum(t, self._b1)), m1)
        u = np.clip(t - self._tm, 0.0, max(self._b2 - self._tm, 0.0))
        part2 = np.where(t < self._b2, self._quad_integral(u), m2)
        ln_v = np.log1p(np.maximum(t - self._peak_end(), 0.0))
        return part1 + part2 + self._tail_integral(ln_v)

    # ----------------------------------------------------------------- public distribution API
    @property
    def normaliser(self) -> float:
        """S = ∫_0^horizon f(t) dt, the constant that turns f into the density P = f / S."""
        return float(sum(self._masses))

    def _density(self, t: np.ndarray) -> np.ndarray:
        """The unnormalised f(t) for t >= 0, each piece evaluated where it cannot overflow."""
        s = t - self._tm
        rise = np.exp(np.minimum(self.A * s, 0.0))
        peak = self._quad_density(np.clip(s, 0.0, 1.0 / self.alpha))
        fade = np.exp(-self.A * np.log1p(np.maximum(t - self._peak_end(), 0.0)))
        return np.where(t < self._tm, rise, np.where(t < self._peak_end(), peak, fade))

    def pdf(self, t: np.ndarray | float) -> np.ndarray | float:
        """P(t) = f(t) / S; zero outside [0, horizon]. Vectorised; a scalar in gives a float out."""
        t = np.asarray(t, dtype=float)
        inside = (t >= 0) & (t <= self.horizon)
        value = np.where(inside, self._density(np.where(inside, t, 0.0)) / self.normaliser, 0.0)
        return _out(np.where(np.isnan(t), np.nan, value))

    def cdf(self, t: np.ndarray | float) -> np.ndarray | float:
        """P(T <= t) from the exact antiderivative of each piece."""
        t = np.asarray(t, dtype=float)
        inside = np.where((t > 0) & (t < self.horizon), t, 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            value = self._unnormalised_cdf(inside) / self.normaliser
        return _out(np.where(t <= 0, 0.0, np.where(t >= self.horizon, 1.0, np.minimum(value, 1.0))))

    def sf(self, t: np.ndarray | float) -> np.ndarray | float:
        """P(T > t) = 1 - cdf(t)."""
        return _out(1.0 - np.asarray(self.cdf(t)))

    def ppf(self, q: np.ndarray | float) -> np.ndarray | float:
        """The exact inverse of cdf: closed forms on the exponential and power-law pieces, and a
        safeguarded Newton iteration on the analytic cubic CDF of the peak. NaN for q outside [0, 1]."""
        q = np.asarray(q, dtype=float)
        if q.size == 1:  # one number (a scalar, or an array of one): only the piece it falls in
            one = self._ppf_one(float(q.reshape(-1)[0]))
            return one if q.ndim == 0 else np.full(q.shape, one)
        return self._ppf_array(q)

    def _ppf_array(self, q: np.ndarray) -> np.ndarray | float:
        """ppf of an array: every piece's inverse evaluated on all of it, the right one picked."""
        m1, m2, _ = self._masses
        mass = np.clip(q, 0.0, 1.0) * self.normaliser
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            t = np.where(
                mass < m1,
                self._invert_exp(np.minimum(mass, m1)),
                np.where(mass < m1 + m2, self._tm + self._invert_quad(np.clip(mass - m1, 0.0, m2)), self._invert_tail(np.maximum(mass - m1 - m2, 0.0))),
            )
        t = np.clip(t, 0.0, self.horizon)
        t = np.where(q >= 1.0, self.horizon, t)
        return _out(np.where((q >= 0) & (q <= 1), t, np.nan))

    def _ppf_one(self, q: float) -> float:
        """ppf of one number: the same operations as :meth:`_ppf_array` on an array of that one number,
        on the one piece ``q`` falls in (the array form evaluates all three), so the same float comes out."""
        if not 0.0 <= q <= 1.0:
            return math.nan
        if q >= 1.0:
            return self.horizon
        m1, m2, _ = self._masses
        mass = q * self.normaliser
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            if mass < m1:
                t = self._invert_exp(np.float64(mass))
            elif mass < m1 + m2:
                t = self._tm + self._invert_quad_one(min(max(mass - m1, 0.0), m2))
            else:
                t = self._invert_tail(np.float64(max(mass - m1 - m2, 0.0)))
        return float(np.clip(t, 0.0, self.horizon))

    def _invert_quad_one(self, mass: float) -> float:
        """:meth:`_invert_quad` for one number, step for step in Python floats (the same IEEE operations)."""
        width = max(self._b2 - self._tm, 0.0)
        lo, hi, u = 0.0, width, min(mass, width)
        tolerance = 2.0 * float(np.finfo(float).eps) * max(width, 1.0)
        for _ in range(100):
            g = self._quad_integral(u) - mass
            lo, hi = (u if g < 0 else lo), (u if g > 0 else hi)
            nxt = u - g / self._quad_density(u)
            nxt = 0.5 * (lo + hi) if nxt < lo or nxt > hi else nxt
            nxt = u if g == 0 else nxt
            done = abs(nxt - u) <= tolerance
            u = nxt
            if done:
                break
        return u

    def _invert_exp(self, mass: np.ndarray) -> np.ndarray:
        """Solve exp(A(t-T_m)) (1 - exp(-A t)) / A = mass for t in [0, T_m]."""
        a, tm = self.A, self._tm
        if a * tm <= _EXP_SAFE:
            return np.log1p(a * mass * math.exp(a * tm)) / a  # accurate near t = 0
        return tm + np.log(a * mass + math.exp(-a * tm)) / a

    def _invert_quad(self, mass: np.ndarray) -> np.ndarray:
        """Solve G(u) = mass on [0, width]. G' = f >= 1 there, so Newton is well conditioned; a bracket
        [lo, hi] kept from the signs of G(u) - mass catches any step that leaves it (bisection instead)."""
        width = max(self._b2 - self._tm, 0.0)
        lo, hi = np.zeros_like(mass), np.full_like(mass, width)
        u = np.minimum(mass, width)  # G(u) >= u, so the root is <= mass
        for _ in range(100):
            g = self._quad_integral(u) - mass
            lo, hi = np.where(g < 0, u, lo), np.where(g > 0, u, hi)
            nxt = u - g / self._quad_density(u)
            nxt = np.where((nxt < lo) | (nxt > hi), 0.5 * (lo + hi), nxt)
            nxt = np.where(g == 0, u, nxt)
            done = np.max(np.abs(nxt - u), initial=0.0) <= 2.0 * np.finfo(float).eps * max(width, 1.0)
            u = nxt
            if done:
                break
        return u

    def _invert_tail(self, mass: np.ndarray) -> np.ndarray:
        """Solve (v^(1-A) - 1)/(1-A) = mass for v, i.e. ln v = mass * psi((1-A) mass); t = T_m + 1/alpha - 1 + v."""
        ln_v = mass * _psi((1.0 - self.A) * mass)
        return self._peak_end() + np.expm1(ln_v)

    def quantile(self, q: np.ndarray | float) -> np.ndarray | float:
        """Alias of ppf, in the vocabulary of reports."""
        return self.ppf(q)

    def median(self) -> float:
        """The hour by which half of the accesses have happened."""
        return float(self.ppf(0.5))

    def mean(self) -> float:
        """E[T] in hours, exact; inf when horizon = inf and A <= 2 (the tail's mean diverges)."""
        m1, m2, m3 = self._masses
        a, tm, al = self.A, self._tm, self.alpha
        b1 = self._b1
        first = math.exp(a * (b1 - tm)) * (b1 / a - 1.0 / a**2) + math.exp(-a * tm) / a**2
        w = max(self._b2 - tm, 0.0)
        second = tm * m2 + w**2 / 2 + a * w**3 / 3 - al * a * w**4 / 4
        if m3 == 0.0:
            third = 0.0
        elif math.isinf(self.horizon):
            if a <= 2:
                return math.inf
            third = (self._peak_end() - 1.0) * m3 + 1.0 / (a - 2.0)
        else:
            ln_vh = math.log1p(self.horizon - self._peak_end())
            third = (self._peak_end() - 1.0) * m3 + ln_vh * float(_phi(np.float64((2.0 - a) * ln_vh)))
        return (first + second + third) / self.normaliser

    # ----------------------------------------------------------------- sampling
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` access times by inverse CDF (uniforms from ``rng``; no global random state)."""
        return np.asarray(self.ppf(rng.random(int(n))), dtype=float).reshape(-1)

    def sample_after(self, rng: np.random.Generator | NumpyStream, t0: float) -> float | None:
        """TrendSim's revisit rule: draw from the whole density; ``None`` (no further visit) when the
        draw is not later than ``t0``. This is what the released code does; it thins late revisits.
        One ``rng.random()`` draw, so a :class:`NumpyStream` of a seed gives what ``default_rng`` of it gives."""
        t = float(self.ppf(rng.random()))
        return t if t > t0 else None

    def sample_truncated(self, rng: np.random.Generator, t0: float, size: int | None = None) -> float | np.ndarray | None:
        """A draw from P(t | t > t0), exact: ppf of a uniform on (cdf(t0), 1]. ``None`` when no mass is
        left after ``t0`` (the topic's lifecycle is over). With ``size``, an array of draws."""
        c0 = float(self.cdf(t0))
        if c0 >= 1.0:
            return None
        u = 1.0 - rng.random(size)  # in (0, 1], so the draw is strictly after t0
        t = np.asarray(self.ppf(c0 + u * (1.0 - c0)), dtype=float)
        t = np.maximum(t, np.nextafter(float(t0), math.inf))
        return float(t) if size is None else t

    # ----------------------------------------------------------------- feedback
    def with_feedback(
        self,
        likes_per_user: float,
        emotion: float,
        base: float = TRENDSIM_BASE_A,
        w_likes: float = 1.0,
        w_emotion: float = 1.0,
    ) -> "AccessDensity":
        """A copy whose ``A = base + w_likes * likes_per_user + w_emotion * emotion``.

        The released TrendSim code recomputes ``A = 0.5 + likes / n_agents + emotion`` before sampling a
        user's next visit, so liked, emotionally engaged users come back with a sharper curve. The paper
        does not mention this; the weights let a scenario switch either term off (weight 0)."""
        a = base + w_likes * float(likes_per_user) + w_emotion * float(emotion)
        if not (math.isfinite(a) and a > 0):
            raise ConfigError(
                f"AccessDensity.with_feedback: A = {base!r} + {w_likes!r}*{likes_per_user!r} + "
                f"{w_emotion!r}*{emotion!r} = {a!r} is not allowed; A must be a finite number > 0"
            )
        return AccessDensity(A=a, T_m=self.T_m, alpha=self.alpha, horizon=self.horizon)


def _out(x: np.ndarray) -> np.ndarray | float:
    return float(x) if np.ndim(x) == 0 else x
