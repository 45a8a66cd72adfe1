"""The versioned follow graph, the tie-formation rules registered as policies, and their checks."""

from __future__ import annotations

import numpy as np
import pytest
from social_support import demo, events, run

import hubbub
from hubbub.agents.social import rules
from hubbub.agents.social.context import Author, Shown, SocialChoice, SocialContext, TopicLine, checked
from hubbub.errors import ConfigError
from hubbub.metrics.social_graph import graph_metrics
from hubbub.platform.social.graph import LiveGraph
from hubbub.registry import POLICIES


def test_the_graph_is_versioned_in_time_and_a_block_ends_both_follows():
    g = LiveGraph()
    g.load([("a", "b"), ("b", "a"), ("c", "a")])
    g.apply(10.0, "a", "c", "follow")
    g.apply(20.0, "a", "b", "unfollow")
    assert g.followees("a", 5.0) == ("b",) and g.followees("a", 15.0) == ("b", "c") and g.followees("a", 25.0) == ("c",)
    made = g.apply(30.0, "a", "c", "block")
    assert [(c.op, c.source, c.target, c.reason) for c in made] == [
        ("block", "a", "c", ""), ("unfollow", "a", "c", "block"), ("unfollow", "c", "a", "block")]
    assert g.blocked("c", "a", 31.0) and not g.blocked("c", "a", 29.0)
    assert "c" in g.muted("a", 31.0) and "a" in g.muted("c", 31.0)
    assert g.apply(40.0, "a", "b", "unfollow") == [], "a change that changes nothing is not made"
    assert g.edges(15.0) == (("a", "b"), ("a", "c"), ("b", "a"), ("c", "a"))


def test_graph_metrics_on_a_small_graph():
    edges = [("a", "b"), ("b", "a"), ("b", "c"), ("c", "a")]
    m = graph_metrics(["a", "b", "c", "d"], edges, {"a": 0.9, "b": 0.8, "c": 0.1, "d": 0.5})
    assert m["edges"] == 4 and m["reciprocity"] == 0.5
    assert m["clustering"] == pytest.approx(0.75)  # a triangle of three, d alone
    assert m["cross_camp"] == 0.5 and m["users"] == 4
    assert graph_metrics(["a"], [], {})["assortativity"] is None


def _ctx(**fields) -> SocialContext:
    posts = (Shown(1, "x", "p1", "post", 0, 0, 0, 0.8, 0.0, "recommended"),
             Shown(2, "y", "p2", "post", 0, 0, 0, 0.15, 0.0, "recommended"),
             Shown(3, "z", "p3", "post", 0, 0, 0, 0.7, 0.0, "recommended"))
    authors = (Author("x", 10, 0, False, False, False, 0.8), Author("y", 1, 3, False, False, False, 0.15),
               Author("z", 50, 1, False, False, False, 0.7))
    base = dict(agent_id="u", profile="", time_h=1.0, attitude=0.75, surface="home",
                options={"follow": ("x", "y", "z"), "like": (1, 2, 3), "exit": ()}, posts=posts, authors=authors,
                rng=np.random.default_rng(1))
    return SocialContext(**{**base, **fields})


def test_tie_rules_pick_by_common_neighbours_similarity_and_followers():
    p = rules.DEFAULTS
    assert rules.closure_tie(_ctx(), p) == ("y", pytest.approx(1 - 0.5 ** 3))
    assert rules.homophily_tie(_ctx(), p) == ("z", pytest.approx(1 - 0.05 / 0.3))
    picks = [rules.attachment_tie(_ctx(rng=np.random.default_rng(s)), p)[0] for s in range(300)]
    assert picks.count("z") > picks.count("x") > picks.count("y"), "more followers, more new followers"


def test_registered_tie_rules_are_policies_and_draw_only_offered_actions():
    for name in ("triadic_closure", "homophily", "preferential_attachment"):
        policy = POLICIES.get(name, "test")
        for seed in range(20):
            ctx = _ctx(rng=np.random.default_rng(seed))
            choice = checked(name, policy(ctx), ctx)
            assert choice.action in ctx.options


def test_rule_users_open_board_topics_by_access_intensity():
    topics = (TopicLine("a", "A", 1, 5.0, 0.01), TopicLine("b", "B", 2, 1.0, 2.0))
    picks = [rules.triadic_closure(_ctx(surface="board", topics=topics, options={"open_topic": ("a", "b"), "skip_board": ()},
                                        rng=np.random.default_rng(s))) for s in range(200)]
    opened = [c.target for c in picks if c.action == "open_topic"]
    assert opened.count("b") > 10 * max(1, opened.count("a"))
    assert any(c.action == "skip_board" for c in picks)


def test_bounded_confidence_moves_only_toward_close_stances():
    assert rules.bounded_confidence(0.5, [0.6, 0.95], 0.3, 0.5) == 0.55
    assert rules.bounded_confidence(0.5, [], 0.3, 0.5) == 0.5


def test_a_policy_choice_the_page_does_not_offer_is_one_clear_error():
    with pytest.raises(ConfigError, match="platform policy 'mine' chose 'block', which the home page does not offer"):
        checked("mine", SocialChoice("block", "x"), _ctx())
    with pytest.raises(ConfigError, match="took 'like' on 9; possible: 1, 2, 3"):
        checked("mine", SocialChoice("like", 9), _ctx())


def test_a_policy_registered_from_python_drives_rule_users(tmp_path):
    @hubbub.register_policy("test-likes-then-leaves")
    def likes_then_leaves(ctx: SocialContext) -> SocialChoice:
        if ctx.surface == "board":
            return SocialChoice("skip_board")
        if "like" in ctx.options:
            return SocialChoice("like", ctx.options["like"][0])
        return SocialChoice("exit")

    out = run(demo({"platform.population.rule_policies": ["test-likes-then-leaves"]}), tmp_path / "mine")
    mine = [d for d in events(out, "action") if d["policy"] == "test-likes-then-leaves"]
    assert mine and {d["action"] for d in mine} <= {"skip_board", "like", "exit"}
    assert any(d["action"] == "like" for d in mine)


def test_bad_platform_settings_are_one_line_naming_the_field():
    with pytest.raises(ConfigError, match=r"rule_policies.*'nobody' is not a registered user policy"):
        demo({"platform.population.rule_policies": ["nobody"]})
    with pytest.raises(ConfigError, match=r"platform.rules.*unknown key\(s\) folow"):
        demo({"platform.rules": {"folow": 0.3}})
    with pytest.raises(ConfigError, match=r"recommender.*not a known feed ranker"):
        demo({"platform.feed.recommender": "random"})
    with pytest.raises(ConfigError, match=r"triadic_closure' is a policy of the living platform"):
        hubbub.load_scenario("s3-workbench-demo", {"s3.population.policy": "triadic_closure",
                                                   "s3.population.policy_users": 1})
    with pytest.raises(ConfigError, match=r"moderation' applies to kind 'platform' only"):
        hubbub.load_scenario("demo", {"interventions": [{"at_h": 1.0, "type": "moderation"}]})


def test_a_bad_topic_file_names_the_file_record_and_field(tmp_path):
    topics = tmp_path / "topics.jsonl"
    topics.write_text('{"topic_id": "a", "title": "A", "start_h": -1}\n', encoding="utf-8")
    with pytest.raises(Exception, match=r"topics.jsonl: line 1: start_h = -1 is not allowed; expected a number >= 0"):
        hubbub.Simulation(demo({"platform.board.topics": str(topics)}), tmp_path / "bad")
    assert not (tmp_path / "bad").exists()
