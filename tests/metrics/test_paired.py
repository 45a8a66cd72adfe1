"""Bootstrap intervals of means and of paired / independent differences (hubbub.metrics.paired)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hubbub.errors import DataError
from hubbub.metrics.paired import bootstrap_mean, independent_difference, paired_difference


def test_the_interval_brackets_the_mean_and_repeats_with_its_seed():
    values = np.random.default_rng(1).normal(0.3, 0.1, size=12)
    first, again = bootstrap_mean(values, seed=5), bootstrap_mean(values, seed=5)
    assert first == again
    assert first.low < first.mean < first.high and first.n == 12
    assert first.mean == pytest.approx(float(values.mean()))


def test_one_replicate_has_no_interval_and_says_so():
    one = bootstrap_mean([0.4])
    assert one.n == 1 and math.isnan(one.low) and math.isnan(one.width)
    assert one.text() == "0.400 (n=1, no interval)"
    assert "±" not in one.text()


def test_the_interval_covers_the_true_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    covered = [iv.low <= 1.0 <= iv.high for iv in
               (bootstrap_mean(rng.normal(1.0, 2.0, size=30), seed=k, resamples=1000) for k in range(300))]
    assert 0.88 <= np.mean(covered) <= 0.99  # a percentile bootstrap at n = 30 runs a little narrow


def test_pairing_removes_what_both_branches_share():
    rng = np.random.default_rng(3)
    shared = rng.normal(0.5, 0.2, size=20)  # what a seed decides in both branches
    parents = shared + rng.normal(0, 0.01, size=20)
    forks = shared + 0.05 + rng.normal(0, 0.01, size=20)
    paired = paired_difference(parents, forks)
    other = rng.normal(0.5, 0.2, size=20) + 0.05  # the treated arm run with other seeds
    independent = independent_difference(parents, other)
    assert paired.low < 0.05 < paired.high
    assert paired.width < independent.width / 5
    assert paired.mean == pytest.approx(float(np.mean(forks - parents)))


def test_independent_difference_needs_two_runs_per_arm_for_an_interval():
    diff = independent_difference([0.1, 0.2, 0.3], [0.5])
    assert diff.n == 1 and math.isnan(diff.high)
    assert diff.mean == pytest.approx(0.3)


@pytest.mark.parametrize("args, words", [
    (([0.1, 0.2], [0.3]), "2 parent values but 1 fork values"),
    (([0.1, float("nan")], [0.3, 0.4]), "finite"),
    (([], []), "at least one value"),
])
def test_bad_input_is_one_clear_error(args, words):
    with pytest.raises(DataError, match=words):
        paired_difference(*args)
