"""Interventions and interviews in the S3 follow-graph world (and the graph side of combined runs).

Like TrendSim's, they are *barrier* events: the scheduler runs one alone, after every earlier event has
been committed and before any later one is computed, and its effect is recorded as an ``intervention``
(or ``interview``) event, so a resumed or replayed run re-applies it at the same place. An intervention
at the instant of a round comes before that round.

What each does to the graph world (all vectorised: no per-edge Python objects):

* ``inject_post``: a post by a user (delivered to their followers at the next round, like any post) or
  by the platform (shown to every user at the next round as a recommendation).
* ``set_state``: a user's emotion level and/or attitude; ``set_profile``: an LLM user's profile text.
* ``suspend_user``: until ``until_h`` (or the end) the user receives nothing, so does not act, and posts
  they wrote (and reposts of them) reach no one.
* ``block_edge``: the follow relation ``target`` -> ``source`` stops delivering (AgentSociety's edge
  blocking); kept as sorted int64 keys ``source * n + target``.
* ``label``: a warning label / community note shown with a post and its reposts in LLM users' prompts.
* ``feed`` with ``recommendation_share``: the platform's recommendation share from now on.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np

from hubbub.errors import ConfigError
from hubbub.kernel.events import Event
from hubbub.llm.base import GenerateRequest
from hubbub.platform.feed import exposure as exp
from hubbub.runtime import surveys
from hubbub.scenarios.interventions import Intervention, Interview

HOUR = 3600.0
PRIORITY_BARRIER = -1  # before the round at the same instant
GRAPH_TYPES = ("inject_post", "set_state", "set_profile", "suspend_user", "block_edge", "label", "feed")
HUB_ONLY = ("attack", "censorship", "remove_comment")


def for_graph(iv: Intervention, kind: str) -> bool:
    """Whether the follow-graph world applies ``iv`` (kind 's3': every graph type; combined: the ones
    that name graph things, plus suspensions and profiles, which apply to both worlds)."""
    if kind == "s3":
        return True
    if iv.type in ("block_edge", "suspend_user", "set_profile"):
        return True
    if iv.type == "feed":
        return iv.recommendation_share is not None
    if iv.type == "label":
        return iv.post_id is not None
    if iv.type == "set_state":
        return iv.emotion_level is not None or iv.attitude is not None
    return iv.type == "inject_post" and iv.channel == "graph"


def check(scenario: Any, ids: list[str], graph: Any) -> None:
    """Refuse, before the run starts, what the graph world cannot do and every unknown user or edge."""
    known = {a: i for i, a in enumerate(ids)} if scenario.interventions else {}  # a dict of every user costs
    llm_only = scenario.kind == "s3"
    for k, iv in enumerate(scenario.interventions):
        where = f"interventions.{k}"
        if not for_graph(iv, scenario.kind):
            continue
        if iv.type in HUB_ONLY or (iv.type == "feed" and iv.ranker is not None and llm_only):
            raise ConfigError(f"{where}.type = {iv.type!r}: acts on a trending topic's comments; allowed for kind "
                              f"'s3': {', '.join(GRAPH_TYPES)} (feed with recommendation_share)")
        if iv.type == "set_state" and llm_only and iv.emotion_level is None and iv.attitude is None:
            raise ConfigError(f"{where}: set_state in a follow graph needs emotion_level or attitude (emotion, "
                              f"confidence and opinion are TrendSim's)")
        if iv.type == "label" and iv.post_id is None:
            raise ConfigError(f"{where}: label in a follow graph needs post_id (the post to label)")
        for name in ("agent", "source", "target"):
            value = getattr(iv, name)
            if value is not None and value != "platform" and value not in known:
                raise ConfigError(f"{where}.{name} = {value!r}: no such user in the follow graph; allowed: the "
                                  f"run's agent ids (e.g. {', '.join(ids[:3])})")
        if iv.type in ("set_state", "suspend_user") and iv.agent == "platform":
            raise ConfigError(f"{where}.agent = 'platform': {iv.type} needs a user")
        if iv.type == "block_edge":
            source, target = known[iv.source], known[iv.target]
            if not graph.delivery[source, target]:
                raise ConfigError(f"{where}: {iv.target!r} does not follow {iv.source!r}; allowed: an existing "
                                  f"follow relation (source = the followee, target = the follower)")


def scheduled_events(scenario: Any) -> list[Event]:
    """The graph world's barrier events: its interventions (kind ``graph_intervention`` in a combined
    run, where the hub owns ``intervention``) and, for kind 's3', the interviews and surveys."""
    kind = "intervention" if scenario.kind == "s3" else "graph_intervention"
    items = [Event(iv.at_h * HOUR, kind, None, PRIORITY_BARRIER, {"index": k})
             for k, iv in enumerate(scenario.interventions) if for_graph(iv, scenario.kind)]
    if scenario.kind == "s3":
        items += [Event(iv.at_h * HOUR, "interview", None, PRIORITY_BARRIER, {"index": k})
                  for k, iv in enumerate(scenario.interviews)]
        items += surveys.scheduled_events(scenario)
    return items


class GraphControls:
    """The state interventions change, read by the world at every round."""

    def __init__(self, n: int, recommend: Any) -> None:
        self.suspended_until = np.full(n, -math.inf)
        self.blocked = np.zeros(0, dtype=np.int64)
        self.labels: dict[int, str] = {}
        self.pinned: list[tuple[int, int]] = []  # (post id, round it is shown at)
        self.recommend = recommend

    def suspended(self, t: float) -> np.ndarray:
        return self.suspended_until > t

    def filter(self, ex: exp.Exposures, posts: Any, n: int, t: float) -> exp.Exposures:
        """Drop deliveries to suspended users, of posts whose root author is suspended, and along
        blocked follow relations (a delivery along a follow edge: sender = the post's author)."""
        if len(ex) == 0:
            return ex
        keep = np.ones(len(ex), dtype=bool)
        off = self.suspended(t)
        if off.any():
            author = posts.at("root_author", ex.post)
            keep &= ~off[ex.receiver] & ~((author >= 0) & off[np.maximum(author, 0)])
            sender = posts.at("author", ex.post)
            keep &= ~((sender >= 0) & off[np.maximum(sender, 0)])
        if self.blocked.size:
            follow = (ex.source == exp.FOLLOWEE) | (ex.source == exp.MUTUAL)
            sender = posts.at("author", ex.post).astype(np.int64)
            keys = sender * np.int64(n) + ex.receiver.astype(np.int64)
            keep &= ~(follow & (sender >= 0) & np.isin(keys, self.blocked))
        return exp.Exposures(ex.post[keep], ex.receiver[keep], ex.source[keep])

    def label_of(self, posts: Any, post: int) -> str | None:
        if not self.labels:
            return None
        return self.labels.get(post) or self.labels.get(int(posts.at("root", post)))


def apply(world: Any, event: Event) -> dict[str, Any]:
    """Change the graph world as the intervention says; return what was done (recorded)."""
    index = event.data["index"]
    iv: Intervention = world.sc.interventions[index]
    effect = _HANDLERS[iv.type](world, iv, event.time)
    return {"type": iv.type, "index": index, "world": "graph", **iv.model_dump(exclude_none=True, exclude={"type"}),
            "effect": effect}


def _user(world: Any, agent: str | None) -> int:
    return world.graph_index[agent]


def _inject_post(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    from hubbub.platform.feed.posts import PLATFORM, POST, SEED

    step = max(math.ceil(t / world.step_s - 1e-9) - 1, 0)  # delivered at the next round
    author = PLATFORM if iv.agent in (None, "platform") else _user(world, iv.agent)
    kind = SEED if author == PLATFORM else POST
    pid = int(world._publish(np.array([author]), np.array([-1]), np.array([kind], np.int8), step, [iv.text or ""])[0])
    if author == PLATFORM:
        world.controls.pinned.append((pid, step + 1))
    world.record_posts(np.array([pid], dtype=np.int64), t)
    return {"post_id": pid, "author": "platform" if author == PLATFORM else iv.agent, "delivered_at_round": step + 1}


def _set_state(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS

    i = _user(world, iv.agent)
    effect: dict[str, Any] = {"agent": iv.agent}
    if iv.emotion_level is not None:
        effect["emotion_level"] = [EMOTION_LEVELS[int(world.emotion[i])], iv.emotion_level]
        world.emotion[i] = EMOTION_LEVELS.index(iv.emotion_level)
    if iv.attitude is not None:
        effect["attitude"] = [ATTITUDES[int(world.attitude[i])], iv.attitude]
        world.attitude[i] = ATTITUDES.index(iv.attitude)
    return effect


def _set_profile(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    i = _user(world, iv.agent)
    user = world.users.get(i)
    if user is None:
        return {"agent": iv.agent, "applied": False, "reason": "a rule-based user has no profile"}
    user.profile = iv.description or ""
    user.profile_vec = world.inp.embedder.encode([user.profile])[0]
    return {"agent": iv.agent, "applied": True}


def _suspend(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    i = _user(world, iv.agent)
    until = iv.until_h * HOUR if iv.until_h is not None else math.inf
    world.controls.suspended_until[i] = until
    return {"agent": iv.agent, "until": None if math.isinf(until) else until}


def _block_edge(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    key = np.int64(_user(world, iv.source)) * np.int64(world.n) + np.int64(_user(world, iv.target))
    world.controls.blocked = np.union1d(world.controls.blocked, np.array([key], dtype=np.int64))
    return {"source": iv.source, "target": iv.target, "blocked_edges": int(world.controls.blocked.size)}


def _label(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    pid = int(iv.post_id or 0)
    if pid >= len(world.posts):
        return {"post_id": pid, "applied": False, "reason": f"post {pid} does not exist yet ({len(world.posts)} so far)"}
    world.controls.labels[pid] = iv.text or ""
    return {"post_id": pid, "applied": True}


def _feed(world: Any, iv: Intervention, t: float) -> dict[str, Any]:
    before = world.controls.recommend.share
    world.controls.recommend = world.controls.recommend.model_copy(update={"share": iv.recommendation_share})
    return {"recommendation_share": [before, iv.recommendation_share]}


_HANDLERS = {"inject_post": _inject_post, "set_state": _set_state, "set_profile": _set_profile,
             "suspend_user": _suspend, "block_edge": _block_edge, "label": _label, "feed": _feed}


# ------------------------------------------------------------------------------------------ interviews


def interviewees(world: Any, iv: Interview) -> list[Any]:
    """The LLM users asked: named ones, a seeded sample, or all (rule users have no voice)."""
    users = [world.users[i] for i in sorted(world.users)]
    if iv.agents:
        by_id = {u.agent_id: u for u in users}
        missing = [a for a in iv.agents if a not in by_id]
        if missing:
            raise ConfigError(f"interviews: no LLM user(s) {', '.join(missing)} in this run (rule users cannot answer)")
        return [by_id[a] for a in iv.agents]
    chosen = [u for u in users if iv.group is None or u.group == iv.group]
    if iv.sample is not None and iv.sample < len(chosen):
        order = world.seeds.rng("interview-sample").permutation(len(chosen))
        chosen = [chosen[i] for i in sorted(order[: iv.sample].tolist())]
    return chosen


async def interview(world: Any, event: Event) -> list[tuple[str, str, dict[str, Any]]]:
    """Ask each interviewee in character, from their profile, state and memory now; nothing changes."""
    from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS, interview_messages

    index = event.data["index"]
    iv: Interview = world.sc.interviews[index]
    people = interviewees(world, iv)
    requests = []
    for u in people:
        memory = world.agents.memory_text(u, event.time)
        messages = interview_messages(u.profile, u.demographics, EMOTION_LEVELS[int(world.emotion[u.index])],
                                      ATTITUDES[int(world.attitude[u.index])], world.cfg.attitude.target, memory,
                                      iv.question, world.sc.lang)
        requests.append(GenerateRequest("s3.interview", messages, seed=world.seeds.seed("interview", index, u.agent_id),
                                        max_tokens=world.sc.llm.max_tokens, temperature=world.sc.llm.text_temperature))
    results = await asyncio.gather(*(world.llm.generate_one(r) for r in requests))
    records = []
    for u, result in zip(people, results):
        base = {"index": index, "question": iv.question, "at_h": iv.at_h,
                "emotion_level": EMOTION_LEVELS[int(world.emotion[u.index])],
                "attitude": ATTITUDES[int(world.attitude[u.index])]}
        if result.ok and (result.text or "").strip():
            records.append((u.agent_id, "interview", {**base, "answer": " ".join((result.text or "").split())}))
        else:
            records.append((u.agent_id, "llm_failure", {**base, "call": "s3.interview",
                                                         "error": result.error or "InvalidOutput: empty answer"}))
    return records
