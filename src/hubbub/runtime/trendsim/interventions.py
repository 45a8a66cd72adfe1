"""Interventions and interviews in a TrendSim world.

Both are *barrier* events: the scheduler runs them alone, after every earlier event has been committed
and before any later one is computed, so they may change any state of the world when they commit.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

from hubbub.errors import ConfigError
from hubbub.kernel.events import Event
from hubbub.llm.base import GenerateRequest
from hubbub.runtime import surveys
from hubbub.scenarios.interventions import Intervention, Interview

HOUR = 3600.0
PRIORITY_BARRIER = -1  # before steps at the same time


def for_hub(iv: Intervention) -> bool:
    """Whether the trending-topic hub applies ``iv`` (the rest act on a follow graph)."""
    if iv.type == "block_edge":
        return False
    if iv.type == "feed":
        return iv.ranker is not None
    if iv.type == "label":
        return iv.post_id is None
    if iv.type == "set_state":
        return any(v is not None for v in (iv.emotion, iv.confidence, iv.opinion))
    if iv.type == "inject_post":
        return iv.channel != "graph"
    return True


def check_supported(scenario: Any) -> None:
    """Refuse interventions that make no sense for a trending topic alone."""
    for k, iv in enumerate(scenario.interventions):
        graph_fields = [f for f in ("emotion_level", "attitude", "post_id", "recommendation_share")
                        if getattr(iv, f) is not None] + (["channel = 'graph'"] if iv.channel == "graph" else [])
        if not for_hub(iv) or graph_fields:
            what = f"{iv.type!r}" + (f" with {', '.join(graph_fields)}" if graph_fields else "")
            raise ConfigError(f"interventions.{k}.type = {what}: applies to follow graphs "
                              f"(kind 's3' or 'combined'), not to kind 'trendsim'")


def scheduled_events(scenario: Any) -> list[Event]:
    events = [Event(iv.at_h * HOUR, "intervention", None, PRIORITY_BARRIER, {"index": k})
              for k, iv in enumerate(scenario.interventions) if for_hub(iv)]
    events += [Event(iv.at_h * HOUR, "interview", None, PRIORITY_BARRIER, {"index": k})
               for k, iv in enumerate(scenario.interviews)]
    return events + surveys.scheduled_events(scenario)


def apply_intervention(world: Any, event: Event) -> dict[str, Any]:
    """Change the world as the intervention says; return what was done (recorded in the event log)."""
    iv: Intervention = world.sc.interventions[event.data["index"]]
    t = event.time
    handler = _HANDLERS[iv.type]
    effect = handler(world, iv, t)
    return {"type": iv.type, "index": event.data["index"], **iv.model_dump(exclude_none=True, exclude={"type"}),
            "effect": effect}


def _inject_post(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    author = iv.agent or "platform"
    cid = world.hub.add_comment(author, iv.text, t, t, False, False)
    world.rec.row("comments", {"comment_id": cid, "topic_id": world.topic.topic_id, "author": author,
                               "text": iv.text, "created_at": t, "visible_at": t, "is_attack": 0, "hidden": 0,
                               "seq": world.rec.seq + 1})
    return {"comment_id": cid}


def _participant(world: Any, agent: str | None) -> Any:
    if agent not in world.participants:
        raise ConfigError(f"intervention: no agent {agent!r} in this run")
    return world.participants[agent]


def _set_state(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    p = _participant(world, iv.agent)
    changes = {k: v for k, v in (("emotion", iv.emotion), ("confidence", iv.confidence), ("opinion", iv.opinion))
               if v is not None}
    from dataclasses import replace

    p.state = replace(p.state, **changes)
    return {"agent": p.agent_id, **changes}


def _set_profile(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    p = _participant(world, iv.agent)
    p.description = iv.description
    return {"agent": p.agent_id}


def _censorship(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    world.censor_from = t if iv.enabled else None
    return {"enabled": bool(iv.enabled)}


def _target_comment(world: Any, iv: Intervention, t: float) -> int | None:
    if iv.comment_id is not None:
        if iv.comment_id >= len(world.hub.comments):
            raise ConfigError(f"intervention at {iv.at_h} h: comment {iv.comment_id} does not exist yet "
                              f"({len(world.hub.comments)} comments so far)")
        return iv.comment_id
    ranked = world.hub.ranked_comments(t)
    return ranked[0].comment_id if ranked else None


def _remove_comment(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    if iv.reply_id is not None:
        world.hub.hide_reply(iv.reply_id, t)
        world.rec.update("replies", "reply_id", iv.reply_id, {"hidden": 1, "hidden_reason": "removed (intervention)"})
        return {"reply_id": iv.reply_id}
    cid = _target_comment(world, iv, t)
    if cid is not None:
        world.hub.hide_comment(cid, t)
        world.rec.update("comments", "comment_id", cid, {"hidden": 1, "hidden_reason": "removed (intervention)"})
    return {"comment_id": cid}


def _label(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    cid = _target_comment(world, iv, t)
    if cid is not None:
        world.hub.label_comment(cid, iv.text, t)
    return {"comment_id": cid}


def _suspend(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    p = _participant(world, iv.agent)
    world.suspended[p.agent_id] = iv.until_h * HOUR if iv.until_h is not None else math.inf
    until = world.suspended[p.agent_id]
    return {"agent": p.agent_id, "until": None if math.isinf(until) else until}


def _feed(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    world.hub.set_ranker(iv.ranker)
    return {"ranker": iv.ranker}


def _attack(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    effect: dict[str, Any] = {}
    if iv.prototypes:
        active = [p for p in world.participants.values() if p.role == "attacker"]
        for k, p in enumerate(active):
            p.prototype = iv.prototypes[k % len(iv.prototypes)]
        effect["prototypes"] = list(iv.prototypes)
    if iv.share is not None:
        effect.update(world.set_attacker_share(iv.share, t, iv.prototypes))
    return effect


_HANDLERS = {"inject_post": _inject_post, "set_state": _set_state, "set_profile": _set_profile,
             "censorship": _censorship, "remove_comment": _remove_comment, "label": _label,
             "suspend_user": _suspend, "feed": _feed, "attack": _attack}


def interviewees(world: Any, iv: Interview) -> list[Any]:
    """Who is asked: named agents, a preference group, a seeded sample, or every user."""
    users = world.users
    if iv.agents:
        missing = [a for a in iv.agents if a not in world.participants]
        if missing:
            raise ConfigError(f"interviews: no agent(s) {', '.join(missing)} in this run")
        return [world.participants[a] for a in iv.agents]
    chosen = [p for p in users if iv.group is None or p.group == iv.group]
    if iv.sample is not None and iv.sample < len(chosen):
        order = world.seeds.rng("interview-sample").permutation(len(users))
        rank = {users[i].agent_id: r for r, i in enumerate(order)}
        chosen = sorted(chosen, key=lambda p: rank[p.agent_id])[: iv.sample]
    return chosen


async def interview(world: Any, event: Event) -> list[tuple[str, str, dict[str, Any]]]:
    """Ask each interviewee; return (agent, kind, data) records (answers or failures)."""
    iv: Interview = world.sc.interviews[event.data["index"]]
    people = interviewees(world, iv)
    requests = [GenerateRequest("interview", world.mind.prompts.user("interview", p.description, p.state,
                                                                question=iv.question),
                                seed=world.seeds.seed("interview", event.data["index"], p.agent_id),
                                max_tokens=world.sc.llm.max_tokens, temperature=world.sc.llm.text_temperature)
                for p in people]
    results = await asyncio.gather(*(world.llm.generate_one(r) for r in requests))
    records = []
    for p, result in zip(people, results):
        base = {"index": event.data["index"], "question": iv.question, "at_h": iv.at_h,
                "emotion": p.state.emotion, "confidence": p.state.confidence, "group": p.group}
        if result.ok:
            records.append((p.agent_id, "interview", {**base, "answer": " ".join((result.text or "").split())}))
        else:
            records.append((p.agent_id, "llm_failure", {**base, "call": "interview", "error": result.error}))
    return records
