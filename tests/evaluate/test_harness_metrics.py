"""Evaluation metrics: classification figures as S3 reports them, and judge agreement."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from hubbub.errors import DataError
from hubbub.evaluate.metrics import (accuracy, auc, binary_f1, classification_scores, confusion, krippendorff_alpha,
                                     macro_f1, mean_std, spearman)


def brute_auc(y, score):
    pos = [s for s, t in zip(score, y) if t == 1]
    neg = [s for s, t in zip(score, y) if t == 0]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_accuracy_confusion_and_f1_on_a_worked_example():
    y, pred = [0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0]
    assert accuracy(y, pred) == pytest.approx(4 / 6)
    assert confusion(y, pred, 3).tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    # F1 per class: 0 -> 2*1/(2+2)=0.5, 1 -> 2*2/(3+2)=0.8, 2 -> 2*1/(1+2)=2/3
    assert macro_f1(y, pred, 3) == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert binary_f1([1, 0, 1, 1], [1, 1, 0, 1]) == pytest.approx(2 * 2 / (3 + 3))


def test_binary_auc_equals_the_mann_whitney_count_with_ties():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 60)
    score = rng.integers(0, 5, 60) / 4  # many ties
    assert auc(y, score) == pytest.approx(brute_auc(y, score))
    assert auc(y, np.column_stack((1 - score, score))) == pytest.approx(brute_auc(y, score))


def test_multiclass_auc_is_the_macro_one_vs_rest_mean():
    y = np.array([0, 1, 2, 0, 1, 2])
    probs = np.eye(3)[y] * 0.8 + 0.1  # perfect ranking for every class
    assert auc(y, probs) == pytest.approx(1.0)
    assert auc(y, np.full((6, 3), 1 / 3)) == pytest.approx(0.5)


def test_classification_scores_names_f1_only_with_a_positive_class_and_checks_lengths():
    scores = classification_scores([0, 1], [0, 1], [[0.9, 0.1], [0.2, 0.8]], 2, positive=1)
    assert scores == {"accuracy": 1.0, "macro_f1": 1.0, "auc": 1.0, "f1": 1.0}
    assert "f1" not in classification_scores([0, 1, 2], [0, 1, 2], np.eye(3), 3)
    with pytest.raises(DataError, match="3 labels but 2 predictions"):
        accuracy([0, 1, 1], [0, 1])


def test_krippendorff_alpha_is_one_for_agreement_and_about_zero_for_noise():
    scores = np.array([[0.1, 0.5, 0.9, 0.3], [0.1, 0.5, 0.9, 0.3]])
    assert krippendorff_alpha(scores) == pytest.approx(1.0)
    rng = np.random.default_rng(1)
    noise = rng.random((3, 2000))
    assert abs(krippendorff_alpha(noise)) < 0.05
    with_gaps = scores.copy()
    with_gaps[1, 0] = np.nan  # item 0 then has one rating and is ignored
    assert krippendorff_alpha(with_gaps) == pytest.approx(1.0)


def test_krippendorff_alpha_matches_a_hand_computed_value():
    # two judges, three items: (1, 2), (3, 3), (5, 4); interval metric
    m = np.array([[1.0, 3.0, 5.0], [2.0, 3.0, 4.0]])
    values = m.T.ravel()
    d_o = sum(2 * (a - b) ** 2 for a, b in m.T) / 6  # each unit: 2 ordered pairs / (m_u - 1 = 1), n = 6
    d_e = sum((a - b) ** 2 for a in values for b in values) / (6 * 5)
    assert krippendorff_alpha(m) == pytest.approx(1 - d_o / d_e)


def test_spearman_and_mean_std_ignore_missing_values():
    assert spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, np.nan], [3, 2, 1, 5]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1, 2], [1, 2]))
    assert mean_std([1.0, 3.0, float("nan")]) == pytest.approx((2.0, 1.0))
