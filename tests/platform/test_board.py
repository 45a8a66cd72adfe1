"""The board of many topics: the heat formula, its live and grid forms, and ranks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hubbub.errors import ConfigError
from hubbub.platform.access import AccessDensity
from hubbub.platform.board import (KINDS, BoardTopic, Engagement, HeatBoard, HeatFormula, board_ranks, draw_counts,
                                   expected_counts, heat_series)


def test_heat_is_the_weighted_sum_of_decayed_events():
    f = HeatFormula(visit=1, like=2, comment=4, repost=8, decay_h=2.0)
    heat = f.heat_of([0.0, 1.0, 3.0], ["visit", "comment", "repost"], now=2.0)  # the repost is in the future
    assert heat == pytest.approx(math.exp(-1.0) + 4 * math.exp(-0.5))


def test_live_board_is_exact_in_any_recording_order_and_ranks_by_heat():
    f = HeatFormula(decay_h=1.5)
    board = HeatBoard(f, size=2)
    for topic, start in (("a", 0.0), ("b", 0.5), ("c", 1.0)):
        board.add_topic(topic, start)
    events = [("a", "visit", 0.2), ("b", "repost", 0.9), ("a", "like", 0.6), ("c", "comment", 1.2)]
    for topic, kind, t in events:
        board.record(topic, kind, t)
    for topic in "abc":
        mine = [(t, k) for x, k, t in events if x == topic]
        assert board.heat(topic, 2.0) == pytest.approx(f.heat_of([t for t, _ in mine], [k for _, k in mine], 2.0))
    assert board.ranking(2.0) == ["b", "c"]  # repost 8 > comment 4 > visit + like, board of 2
    with pytest.raises(ConfigError, match="before its last recorded event"):
        board.heat("c", 1.0)


def test_grid_counts_spread_each_topics_visits_by_its_access_density():
    access = AccessDensity(A=1.5, T_m=1.0, alpha=0.5, horizon=6.0)
    topic = BoardTopic("t", 2.0, access, visits=100.0, engagement=Engagement(like=0.5, comment=0.1, repost=0.05))
    grid = np.arange(0.0, 10.0, 1.0)
    counts = expected_counts([topic], grid)[0]
    assert counts[:3].sum() == 0 and counts[:, 0].sum() == pytest.approx(100.0)
    assert counts.sum(axis=0) == pytest.approx([100.0, 50.0, 10.0, 5.0])
    assert counts[4, 0] == pytest.approx(100 * (access.cdf(2.0) - access.cdf(1.0)))


def test_grid_heat_credits_events_at_the_step_midpoint():
    f = HeatFormula(decay_h=2.0)
    counts = np.zeros((1, 4, len(KINDS)))
    counts[0, 1] = [1, 0, 1, 0]  # one visit and one comment in (0, 1]
    heat = heat_series(counts, [0.0, 1.0, 2.0, 3.0], f)[0]
    assert heat[0] == 0 and heat[3] == pytest.approx(5 * math.exp(-2.5 / 2.0))


def test_ranks_list_the_hottest_eligible_topics_with_deterministic_ties():
    heat = np.array([[1.0, 5.0], [3.0, 5.0], [2.0, 5.0], [9.0, 0.0]])
    ranks = board_ranks(heat, starts=[0, 0, 0, 1], times=[0.0, 1.0], size=[2, 3], ends=[9, 9, 9, 9])
    assert ranks[:, 0].tolist() == [0, 1, 2, 0]  # topic 3 has not started yet
    assert ranks[:, 1].tolist() == [1, 2, 3, 0]  # equal heat: earlier start, then lower index; zero heat not listed


def test_random_counts_have_the_expected_means():
    expected = np.tile([[20.0, 4.0, 2.0, 1.0]], (2000, 1))[None]
    drawn = draw_counts(expected, np.random.default_rng(0))
    assert drawn.mean(axis=(0, 1)) == pytest.approx([20, 4, 2, 1], rel=0.05)


def test_bad_settings_name_the_field_and_what_is_allowed():
    with pytest.raises(ConfigError, match="HeatFormula.decay_h = 0 is not allowed; decay_h must be a finite number > 0"):
        HeatFormula(decay_h=0)
    with pytest.raises(ConfigError, match="Engagement.like = -1"):
        Engagement(like=-1)
    with pytest.raises(ConfigError, match="event kind 'share' is unknown; allowed: visit, like, comment, repost"):
        HeatFormula().weight("share")
    with pytest.raises(ConfigError, match="HeatBoard.size"):
        HeatBoard(size=0)
