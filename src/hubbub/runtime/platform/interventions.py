"""Interventions and interviews on the living platform.

Both are *barrier* events (nothing is computed across them), so they may change any state when they
commit; each is recorded as an ``intervention`` (or ``interview``) event. What each type does here:

* ``inject_post``: a post by a user or the platform (``agent`` empty), visible at once;
* ``set_state``: a user's emotion, confidence or opinion; ``attitude`` sets their attitude toward the
  target to 0 (negative) or 1 (positive); ``set_profile``: their profile text;
* ``suspend_user``: the user cannot start or continue a session until ``until_h`` (or the end);
* ``block_edge``: ``target`` stops following ``source`` (a graph change with reason ``intervention``);
* ``feed``: the home feed's ``recommendation_share`` and/or ``recommender`` from now on;
* ``moderation``: act on posts above ``toxicity_threshold`` (omit it to switch moderation off) with
  ``moderation_mode`` (downrank, hide, label).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from hubbub.errors import ConfigError
from hubbub.kernel.events import Event
from hubbub.platform.social.moderation import ModerationRule
from hubbub.registry import RANKERS

HOUR = 3600.0
PRIORITY_BARRIER = -1
TYPES = ("inject_post", "set_state", "set_profile", "suspend_user", "block_edge", "feed", "moderation")


def check(scenario: Any, inputs: Any) -> None:
    """Refuse, before the run starts, what the platform cannot do and every unknown user."""
    known = {m.agent_id for m in inputs.members}
    for k, iv in enumerate(scenario.interventions):
        where = f"interventions.{k}"
        if iv.type not in TYPES:
            raise ConfigError(f"{where}.type = {iv.type!r}: not possible on kind 'platform'; allowed: {', '.join(TYPES)}")
        if iv.type == "feed" and iv.ranker is not None:
            raise ConfigError(f"{where}: feed.ranker ranks a trending topic's comments; on kind 'platform' use "
                              f"recommendation_share or recommender")
        if iv.recommender is not None and iv.recommender not in RANKERS.names():
            raise ConfigError(f"{where}.recommender = {iv.recommender!r}: not a known feed ranker; known: "
                              f"{', '.join(RANKERS.names())}")
        for name in ("agent", "source", "target"):
            value = getattr(iv, name)
            if value is not None and value not in known and not (name == "agent" and iv.type == "inject_post"):
                raise ConfigError(f"{where}.{name} = {value!r}: no such user on the platform; allowed: the run's "
                                  f"agent ids (e.g. {', '.join(sorted(known)[:3])})")
    reserve = {m.agent_id for m in inputs.members if m.reserve}
    churn = scenario.platform.churn
    for field, names, allowed in (("joins", churn.joins, reserve), ("leaves", churn.leaves, known)):
        for agent, at_h in names.items():
            if agent not in allowed:
                raise ConfigError(f"platform.churn.{field}: {agent!r} is not a user who can {field[:-1]}; allowed: "
                                  f"{'the reserve' if field == 'joins' else 'the run'}'s agent ids "
                                  f"(e.g. {', '.join(sorted(allowed)[:3]) or 'none: set platform.churn.reserve'})")
            if at_h > scenario.platform.hours:
                raise ConfigError(f"platform.churn.{field}.{agent} = {at_h:g} is not allowed: after the run's end "
                                  f"(platform.hours = {scenario.platform.hours:g})")
    if getattr(scenario, "surveys", ()):
        raise ConfigError("surveys: not yet asked on kind 'platform'; allowed there: interviews ([[interviews]])")
    for k, iv in enumerate(scenario.interviews):
        missing = [a for a in iv.agents if a not in known]
        if missing:
            raise ConfigError(f"interviews.{k}.agents: no user(s) {', '.join(missing)} on the platform")


def scheduled_events(scenario: Any) -> list[Event]:
    events = [Event(iv.at_h * HOUR, "intervention", None, PRIORITY_BARRIER, {"index": k})
              for k, iv in enumerate(scenario.interventions)]
    events += [Event(iv.at_h * HOUR, "interview", None, PRIORITY_BARRIER, {"index": k})
               for k, iv in enumerate(scenario.interviews)]
    return events


def apply_intervention(world: Any, event: Event, note: dict[str, Any] | None = None) -> dict[str, Any]:
    """Change the world as the intervention says; return what was done (recorded in the event log).
    ``note``: the annotation of an injected post's text (computed before commit)."""
    iv = world.sc.interventions[event.data["index"]]
    effect = _inject_post(world, iv, event.time, note) if iv.type == "inject_post" else \
        _HANDLERS[iv.type](world, iv, event.time)
    return {"type": iv.type, "index": event.data["index"], **iv.model_dump(exclude_none=True, exclude={"type"}),
            "effect": effect}


def _inject_post(world: Any, iv: Any, t: float, note: dict[str, Any] | None = None) -> dict[str, Any]:
    """A post by ``agent`` (or "platform") with its annotation (toxicity, sentiment, stance)."""
    author = iv.agent or "platform"
    if note is None:
        raise ValueError("inject_post: the post's annotation is computed before commit; none was given")
    post_id = world.platform.store.add(author, "post", iv.text, t, t, toxicity=note["toxicity"] or 0.0,
                                       attitude=world.members[author].attitude if author in world.members else 0.5)
    return {"post_id": post_id, **note}


def _set_state(world: Any, iv: Any, t: float) -> dict[str, Any]:
    """A user's TrendSim-style state and/or their attitude (negative 0, positive 1)."""
    m = world.members[iv.agent]
    changes = {k: v for k, v in (("emotion", iv.emotion), ("confidence", iv.confidence), ("opinion", iv.opinion))
               if v is not None}
    m.p.state = replace(m.p.state, **changes)
    if iv.attitude is not None:
        m.attitude = 1.0 if iv.attitude == "positive" else 0.0
        changes["attitude"] = m.attitude
    return {"agent": iv.agent, **changes}


def _set_profile(world: Any, iv: Any, t: float) -> dict[str, Any]:
    world.members[iv.agent].p.description = iv.description
    return {"agent": iv.agent}


def _suspend(world: Any, iv: Any, t: float) -> dict[str, Any]:
    until = iv.until_h * HOUR if iv.until_h is not None else math.inf
    world.platform.suspend(iv.agent, t, until)
    return {"agent": iv.agent, "until": None if math.isinf(until) else until}


def _block_edge(world: Any, iv: Any, t: float) -> dict[str, Any]:
    changes = world.platform.graph.apply(t, iv.target, iv.source, "unfollow", "intervention")
    world.record_changes(t, iv.target, changes)
    return {"changed": len(changes)}


def _feed(world: Any, iv: Any, t: float) -> dict[str, Any]:
    """The home feed's recommended share and/or recommender from now on."""
    feed = world.platform.feed
    if iv.recommendation_share is not None:
        feed.recommended_share = iv.recommendation_share
    if iv.recommender is not None:
        feed.recommender = iv.recommender
    return {"recommended_share": feed.recommended_share, "recommender": feed.recommender}


def _moderation(world: Any, iv: Any, t: float) -> dict[str, Any]:
    feed = world.platform.feed
    feed.moderation = ModerationRule(iv.toxicity_threshold, iv.moderation_mode or feed.moderation.mode)
    return {"toxicity_threshold": feed.moderation.threshold, "mode": feed.moderation.mode}


_HANDLERS = {"inject_post": _inject_post, "set_state": _set_state, "set_profile": _set_profile,
             "suspend_user": _suspend, "block_edge": _block_edge, "feed": _feed, "moderation": _moderation}
