"""Per-topic access parameters: a topic (file or built-in) carries its own A, T_m and alpha of P(t); a
value the scenario sets wins, an unset one takes the topic's, else TrendSim's default."""

from __future__ import annotations

import json

import pytest

import hubbub
from hubbub.errors import DataError
from hubbub.platform.topic import builtin_topics, load_topics
from hubbub.platform.topic.builtin import board_category
from hubbub.runtime.trendsim.population import access_params, resolve_topic

_TOPIC = {"topic_id": "t1", "title": "A title", "summary": "A summary.", "content": "The content.",
          "sentiment": "neutral"}


def _file(tmp_path, **access):
    path = tmp_path / "topics.json"
    path.write_text(json.dumps([{**_TOPIC, **access}]), encoding="utf-8")
    return path


def test_a_topic_file_carries_its_own_access_parameters(tmp_path):
    topic = load_topics(_file(tmp_path, A=2.5, T_m="0.5"))[0]
    assert topic.access.given() == {"A": 2.5, "T_m": 0.5}


@pytest.mark.parametrize("field, value, allowed", [("A", 0, "> 0 and <= 50"), ("T_m", -1, ">= 0 and <= 720"),
                                                   ("alpha", "fast", "> 0 and <= 100")])
def test_a_bad_access_parameter_is_one_line_naming_file_field_value_and_range(tmp_path, field, value, allowed):
    with pytest.raises(DataError) as err:
        load_topics(_file(tmp_path, **{field: value}))
    message = str(err.value)
    assert "\n" not in message and "topics.json: topic #1" in message
    assert f"field {field!r} is {str(value)!r}; allowed: a number {allowed}" in message


def test_every_built_in_topic_carries_its_board_categorys_fitted_parameters():
    topics = builtin_topics("en") + builtin_topics("zh")
    assert len(topics) == 32
    by_category: dict[str, set] = {}
    for t in topics:
        assert set(t.access.given()) == {"A", "T_m", "alpha"}
        by_category.setdefault(board_category(t.topic_id), set()).add(tuple(t.access.given().values()))
    assert all(len(shapes) == 1 for shapes in by_category.values())  # one fit per board category
    assert board_category("en-marathon-pacer") == "体育" and board_category("zh-loan-app-fees") == "财经"


def test_the_scenario_wins_where_it_sets_a_value_and_the_topic_elsewhere(tmp_path):
    ref = f"{_file(tmp_path, A=2.5, alpha=4.0)}#t1"
    sc = hubbub.load_scenario("trendsim-topic", trendsim__topic=ref, trendsim__access__alpha=1.0)
    params = access_params(sc, resolve_topic(sc))
    assert params == {"A": (2.5, "topic"), "T_m": (3.0, "default"), "alpha": (1.0, "scenario")}


def _first_visits(tmp_path, name, **access):
    """(the access parameters the run recorded, its sessions' start hours) for a topic with ``access``."""
    (tmp_path / name).mkdir()
    sc = hubbub.load_scenario("trendsim-topic", trendsim__topic=f"{_file(tmp_path / name, **access)}#t1",
                              llm__backend="scripted", trendsim__population__size=8, trendsim__lifecycle_h=2.0,
                              trendsim__access__max_visits=1, trendsim__session__max_actions=1)
    sim = hubbub.Simulation(sc, backend="scripted", out=tmp_path / name / "run")
    sim.run()
    events, topics = sim.results.events, sim.results.topics
    sim.close()
    return topics["data"].iloc[0]["access"], events.loc[events["kind"] == "session_start", "t_h"]


def test_a_topics_own_parameters_change_its_access_schedule(tmp_path):
    early, early_starts = _first_visits(tmp_path, "early", A=3.0, T_m=0.0, alpha=2.0)
    late, late_starts = _first_visits(tmp_path, "late", A=3.0, T_m=1.8, alpha=2.0)
    assert early == {"A": 3.0, "T_m": 0.0, "alpha": 2.0} and late == {"A": 3.0, "T_m": 1.8, "alpha": 2.0}
    assert len(early_starts) == len(late_starts) == 8  # the same users, one visit each
    assert early_starts.mean() + 0.5 < late_starts.mean()  # same seeds, a later peak: later visits
