"""The revisit draw from a seeded NumpyStream is the one numpy's Generator of that seed gives (issue 16)."""

from __future__ import annotations

import random

import numpy as np

from hubbub.kernel.seeding import NumpyStream, derive_seed
from hubbub.platform.access import AccessDensity


def test_sample_after_from_a_stream_is_sample_after_from_default_rng():
    rnd, outcomes = random.Random(41), set()
    densities = [AccessDensity(), AccessDensity(3.0, 5.0, 0.25, 7.0), AccessDensity().with_feedback(0.4, 0.7)]
    for _ in range(3000):
        density, seed = rnd.choice(densities), derive_seed(1, "access", f"u{rnd.randrange(1000)}", rnd.randrange(9))
        t0 = rnd.uniform(0.0, 20.0)
        ours = density.sample_after(NumpyStream(seed), t0)
        numpys = density.sample_after(np.random.default_rng(seed), t0)
        assert ours == numpys and type(ours) is type(numpys)
        outcomes.add(ours is None)
    assert outcomes == {True, False}  # both a later visit and none were drawn
