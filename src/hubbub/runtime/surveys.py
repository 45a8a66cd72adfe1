"""Surveys in a running world: scheduled as barrier events, answered in character, recorded.

A survey is a *barrier* event (like an interview): the scheduler runs it alone, after every earlier
event has been committed, so every respondent answers from their state at that instant. Each item is
one choice request per respondent with a named seed (``survey``, survey index, agent, item id), so the
answers do not depend on concurrency or call order, and a resumed or replayed run asks the same
requests. Answers are ``survey_answer`` events (a failed request an ``llm_failure`` event); nothing
else changes.

The trending hub's users (TrendSim, and the hub side of a combined run) answer from their persona,
memory, opinion, emotion and social confidence; follow-graph users (S3) from their profile, the posts
they remember, their emotion level and attitude. Rule-based users have no voice and are never asked.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hubbub.agents.survey import answer_fields, canonical_options, question_block, s3_messages, shown_options
from hubbub.errors import ConfigError
from hubbub.kernel.events import Event
from hubbub.llm.base import ChoiceRequest, ChoiceResult
from hubbub.scenarios.checks import run_range
from hubbub.scenarios.surveys import Survey, survey_hours

HOUR = 3600.0
PRIORITY_BARRIER = -1  # at a scheduled hour: before everything else at that instant
PRIORITY_AFTER_RUN = 9  # at the end of the run: after the last round, step and snapshot
Record = tuple[str, dict[str, Any]]
"""(event kind, data with the respondent under ``agent``), committed by :func:`commit`."""


def scheduled_events(scenario: Any) -> list[Event]:
    """One barrier event per survey, at its hour or (``after_run``) at the end of the run."""
    end_s, _ = run_range(scenario.kind, scenario.trendsim.lifecycle_h, scenario.s3.steps, scenario.s3.step_h)
    hours = survey_hours(scenario.surveys, end_s)
    return [Event(h * HOUR, "survey", None, PRIORITY_AFTER_RUN if s.after_run else PRIORITY_BARRIER, {"index": k})
            for k, (s, h) in enumerate(zip(scenario.surveys, hours))]


def pick(people: list[Any], survey: Survey, seeds: Any, what: str) -> list[Any]:
    """The respondents among ``people`` (objects with ``agent_id`` and ``group``, in a fixed order):
    named ones, a preference group, a seeded sample (the same draw for every survey: a panel), or all."""
    if survey.agents:
        by_id = {p.agent_id: p for p in people}
        missing = [a for a in survey.agents if a not in by_id]
        if missing:
            raise ConfigError(f"surveys: agent(s) {', '.join(missing)} are not {what} in this run")
        return [by_id[a] for a in survey.agents]
    chosen = [p for p in people if survey.group is None or p.group == survey.group]
    if survey.sample is not None and survey.sample < len(chosen):
        order = seeds.rng("survey-sample").permutation(len(people))
        rank = {people[i].agent_id: r for r, i in enumerate(order)}
        chosen = sorted(chosen, key=lambda p: rank[p.agent_id])[: survey.sample]
    return chosen


def request(kind: str, messages: Any, item: Any, seed: int, scenario: Any) -> ChoiceRequest:
    """One item as a choice request, at the scenario's choice temperature."""
    return ChoiceRequest(kind, messages, shown_options(item, scenario.lang), seed=seed,
                         temperature=scenario.llm.choice_temperature, lang=scenario.lang)


def answer(index: int, hours: float, item: Any, agent: str, state: dict[str, Any], result: ChoiceResult,
           call: str, **extra: Any) -> Record:
    """The record of one answer: the item, the respondent's state, and the pick with its distribution
    (or the failure)."""
    data = {"agent": agent, "survey": index, "at_h": hours, "item": item.id, "kind": item.kind,
            "question": item.question, "options": list(canonical_options(item)), **state, **extra}
    if result.ok and result.index is not None:
        return "survey_answer", {**data, **answer_fields(item, result.index, result.probs), "method": result.stats.method}
    return "llm_failure", {**data, "call": call, "error": result.error or "InvalidOutput: no option picked"}


async def ask_hub_users(world: Any, event: Event) -> list[Record]:
    """A survey of the trending hub's users (TrendSim, or the hub side of a combined run)."""
    index, sc = event.data["index"], world.sc
    survey: Survey = sc.surveys[index]
    people = pick(world.users, survey, world.seeds, "users of the trending hub")
    asks = [(p, item, request("survey", world.mind.prompts.user("survey", p.description, p.state,
                                                               question=question_block(item, sc.lang)),
                              item, world.seeds.seed("survey", index, p.agent_id, item.id), sc))
            for p in people for item in survey.items]
    results = await asyncio.gather(*(world.llm.choose_one(r) for _, _, r in asks))
    return [answer(index, event.time / HOUR, item, p.agent_id, {"group": p.group, "emotion": p.state.emotion,
                                                                "confidence": p.state.confidence}, result, "survey")
            for (p, item, _), result in zip(asks, results)]


async def ask_graph_users(world: Any, event: Event) -> list[tuple[str, str, dict[str, Any]]]:
    """A survey of a follow graph's LLM users (kind 's3'), from their profile, memory and state now; as
    (agent, kind, data) triples, which the world commits like interview answers."""
    from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS

    index, sc = event.data["index"], world.sc
    survey: Survey = sc.surveys[index]
    people = pick([world.users[i] for i in sorted(world.users)], survey, world.seeds,
                  "LLM users of the follow graph (rule-based users cannot answer)")
    asks, states = [], {}
    for u in people:
        level, attitude = EMOTION_LEVELS[int(world.emotion[u.index])], ATTITUDES[int(world.attitude[u.index])]
        states[u.agent_id] = {"group": u.group, "emotion_level": level, "attitude": attitude}
        memory = world.agents.memory_text(u, event.time)
        for item in survey.items:
            messages = s3_messages(u.profile, u.demographics, level, attitude, world.cfg.attitude.target, memory,
                                   item, sc.lang)
            asks.append((u, item, request("s3.survey", messages, item,
                                          world.seeds.seed("survey", index, u.agent_id, item.id), sc)))
    results = await asyncio.gather(*(world.llm.choose_one(r) for _, _, r in asks))
    records = [answer(index, event.time / HOUR, item, u.agent_id, states[u.agent_id], result, "s3.survey")
               for (u, item, _), result in zip(asks, results)]
    return [(data.pop("agent"), kind, data) for kind, data in records]


def commit(recorder: Any, event: Event, records: list[Record]) -> None:
    """Record the answers in the order they were asked (respondent, then item); no state changes."""
    for kind, data in records:
        data = dict(data)
        agent = data.pop("agent")
        recorder.event(event.time, kind, agent, data)
