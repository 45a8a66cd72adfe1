"""Numeric scores (TrendSim emotion and social confidence, a platform user's attitude) from the bin
distribution: the expected value by default, the sampled bin as the option; the distribution is in
llm_calls either way."""

from __future__ import annotations


import pytest

import hubbub
from hubbub.agents.hub.mind import BINS, Failure, expected_bin


def test_expected_bin_is_the_mean_of_the_bins():
    assert expected_bin((0.0,) * 10 + (1.0,)) == 1.0
    assert expected_bin((0.5,) + (0.0,) * 9 + (0.5,)) == 0.5
    assert expected_bin((2.0,) + (0.0,) * 9 + (2.0,)) == 0.5  # renormalised


@pytest.mark.parametrize("probs", [(1.0, 0.0), (0.0,) * 11])
def test_expected_bin_refuses_a_distribution_not_over_the_bins(probs):
    with pytest.raises(Failure, match="distribution"):
        expected_bin(probs)


def _reflections(tmp_path, scores):
    sc = hubbub.load_scenario("demo", llm__scores=scores, trendsim__population__size=6)
    sim = hubbub.Simulation(sc, backend="scripted", out=tmp_path / scores)
    sim.run()
    calls = sim.results.llm_calls
    states = sim.results.agent_states
    sim.close()
    emotion = calls[calls["kind"] == "trendsim.reflect_emotion"]
    return [tuple(r["reply"]["probs"]) for r in emotion.to_dict("records")], [r["reply"]["index"] for r in
                                                                            emotion.to_dict("records")], states


def test_expected_scores_use_the_recorded_distribution_and_sampled_ones_the_drawn_bin(tmp_path):
    probs, _, states = _reflections(tmp_path, "expected")
    reflected = states[~states["extra"].map(lambda e: bool((e or {}).get("snapshot")))]
    expected = {expected_bin(p) for p in probs}
    assert len(probs) > 3 and set(reflected["emotion"]) <= expected
    assert any(round(v * 10) != v * 10 for v in reflected["emotion"])  # off the 0.1 grid: not a drawn bin
    probs, picks, states = _reflections(tmp_path, "sampled")
    reflected = states[~states["extra"].map(lambda e: bool((e or {}).get("snapshot")))]
    assert set(reflected["emotion"]) <= {BINS[i] for i in picks}


def test_expected_is_the_default_for_every_scenario_kind():
    from hubbub.scenarios.config import LLMConfig

    assert LLMConfig().scores == "expected"
    assert hubbub.load_scenario("demo").llm.scores == "expected"


class _OneDistribution:
    """A backend that answers every choice with the same distribution and the same drawn index."""

    def __init__(self, probs, index):
        self.probs, self.index = probs, index

    async def choose_one(self, request):
        from hubbub.llm.base import CallStats, ChoiceResult

        return ChoiceResult(self.index, self.probs, CallStats(request.kind, "fake", "fake"))


@pytest.mark.parametrize("scores, value", [("expected", 0.68), ("sampled", 1.0)])
def test_a_platform_users_attitude_follows_llm_scores(scores, value):
    import asyncio

    from hubbub.agents.social.mind import SocialMind
    from hubbub.agents.user import UserState
    from hubbub.kernel.seeding import SeedTree
    from hubbub.scenarios.config import LLMConfig

    probs = (0.0,) * 2 + (0.4,) + (0.0,) * 7 + (0.6,)  # bins 0.2 and 1.0: mean 0.68
    mind = SocialMind(_OneDistribution(probs, 10), SeedTree(0), LLMConfig(backend="scripted", scores=scores),
                      "en", "the target")
    got = asyncio.run(mind.attitude(("u", 0), mind.persona("a user", UserState(0.5, 0.5)), ["a post"]))
    assert got == value  # the bins' mean, or the drawn bin (index 10)
