"""How the living platform writes its run record, and what each committed event does to the platform.

Everything goes through the world's :class:`~hubbub.runtime.recorder.RunRecorder`, so a resumed run
re-derives and verifies the same log. The record holds, as events:

* ``platform_setup`` (t = 0): the users (camp, initial attitude, policy, present at the start) and the
  initial follow edges — with the ``graph_change`` events, enough to rebuild the graph at any time;
* ``session_start`` / ``exposure`` / ``action`` / ``state`` / ``session_end`` of each session step;
* ``graph_change`` (``at``, ``source``, ``target``, ``op``, ``reason``) for every change of the graph;
* ``graph_snapshot`` (graph metrics) and ``board_ranks`` (every topic's rank and heat) at fixed times;
* ``news`` (a post, or a new board topic with its title: news topics are not rows of ``topics``),
  ``user_join``, ``user_leave``, ``intervention``, ``interview``.
"""

from __future__ import annotations

from typing import Any, Callable

from hubbub.kernel.events import Event
from hubbub.metrics.social_graph import graph_metrics
from hubbub.platform.social import actions
from hubbub.runtime.platform import interventions as ivs
from hubbub.runtime.platform.annotators import note_fields


def setup_rows(world: Any) -> list[tuple[str, dict[str, Any]]]:
    """The users (agents table) and the file's board topics (topics table)."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for m in world.members.values():
        profile = {"description": m.p.description, "camp": m.camp, "attitude": m.attitude, "policy": m.policy,
                   "kind": m.kind, "reserve": m.reserve, "emotion": m.p.state.emotion, "confidence": m.p.state.confidence}
        rows.append(("agents", {"agent_id": m.agent_id, "role": "user", "grp": m.p.group, "profile": profile}))
    rows += [("topics", topic_row(world, topic)) for topic in world.inputs.topics]
    return rows


def topic_row(world: Any, topic: Any) -> dict[str, Any]:
    data = {"category": topic.category, "source": topic.source, "hashtag": topic.hashtag, "start_h": topic.start_h,
            "lifecycle_h": topic.lifecycle_h, "A": topic.A, "T_m": topic.T_m, "alpha": topic.alpha, "board": True}
    return {"topic_id": topic.topic_id, "title": topic.title, "summary": topic.summary, "content": topic.summary,
            "sentiment": "", "lang": world.lang, "data": data}


def _start(world: Any, event: Event, outcome: Any) -> list[Event]:
    """The platform_setup event: users and initial edges, what graph_at starts from."""
    users = [{"agent_id": m.agent_id, "camp": m.camp, "attitude": m.attitude, "policy": m.policy, "kind": m.kind,
              "active": not m.reserve} for m in world.members.values()]
    world.rec.event(event.time, "platform_setup", None, {
        "users": users, "edges": [list(e) for e in world.inputs.edges],
        "topics": [t.topic_id for t in world.inputs.topics], "annotator": world.inputs.annotator.name,
        "annotations": world.inputs.annotator.sources,
        "embedder": world.embedder.name, "target": world.cfg.target})
    return []


def _graph_snapshot(world: Any, event: Event, outcome: Any) -> list[Event]:
    """Metrics of the graph at the snapshot's time among the users present (see metrics.social_graph)."""
    t, pf = event.time, world.platform
    attitudes = {a: m.attitude for a, m in world.members.items()}
    world.rec.event(t, "graph_snapshot", None, graph_metrics(pf.present(t), pf.graph.edges(t), attitudes))
    return []


def _board_ranks(world: Any, event: Event, outcome: Any) -> list[Event]:
    ranks = world.platform.board.ranks(event.time)
    world.rec.event(event.time, "board_ranks", None, {"ranks": [[e.topic_id, e.rank, e.heat] for e in ranks]})
    return []


def _news(world: Any, event: Event, outcome: Any) -> list[Event]:
    """A timed item: a new board topic, or a platform post annotated like any other."""
    item, t, pf = world.inputs.news[event.data["index"]], event.time, world.platform
    if item.topic is not None:
        pf.board.add(item.topic)
        world.rec.event(t, "news", None, {"index": event.data["index"], "as": "topic", "topic_id": item.topic.topic_id,
                                          "title": item.topic.title, "summary": item.topic.summary,
                                          "hashtag": item.topic.hashtag, "lifecycle_h": item.topic.lifecycle_h})
        return []
    note = noted(world, event, outcome)
    post_id = pf.store.add(item.author, "news", item.text, t, t, toxicity=note["toxicity"] or 0.0,
                           extra_tags=[item.hashtag] if item.hashtag else ())
    world.rec.event(t, "news", item.author, {"index": event.data["index"], "as": "post", "post_id": post_id,
                                             "text": item.text, "hashtags": list(pf.store.posts[post_id].hashtags),
                                             **note})
    return []


def input_text(world: Any, event: Event) -> str | None:
    """The text a news post or an ``inject_post`` intervention puts on the platform (None for other events)."""
    if event.kind == "news":
        item = world.inputs.news[event.data["index"]]
        return item.text if item.topic is None else None
    if event.kind == "intervention":
        iv = world.sc.interventions[event.data["index"]]
        return iv.text if iv.type == "inject_post" else None
    return None


async def annotate_input(world: Any, event: Event) -> list[tuple[str, dict[str, Any]]]:
    """Computed before commit (an LLM judge is asked asynchronously): the annotation of the event's text,
    after the ``llm_failure`` records of judge calls that failed; nothing for an event without a text."""
    text = input_text(world, event)
    if text is None:
        return []
    note, failures = await world.inputs.annotator.annotate(world, text, (event.kind, event.data["index"]))
    return [("llm_failure", f) for f in failures] + [("annotation", note_fields(note))]


def noted(world: Any, event: Event, outcome: Any) -> dict[str, Any]:
    """The annotation computed for the event, its failed judge calls recorded first."""
    note = None
    for kind, data in outcome.records:
        if kind == "llm_failure":
            world.rec.event(event.time, kind, None, data)
        elif kind == "annotation":
            note = data
    if note is None:
        raise ValueError(f"{event.kind} {event.data}: committed without the annotation computed for its text")
    return note


def _join(world: Any, event: Event, outcome: Any) -> list[Event]:
    """A reserve user joins, follows a few users by preferential attachment, starts sessions."""
    agent, t, pf = event.agent, event.time, world.platform
    if agent in pf.present(t) or agent in _departed(world, agent):
        return []
    pf.join(agent, t, world.profile(agent))
    world.rec.event(t, "user_join", agent, {"camp": world.members[agent].camp, "attitude": world.members[agent].attitude})
    for target in _attach(world, agent, t):
        world.record_changes(t, agent, pf.graph.apply(t, agent, target, "follow", "join"))
    world.flush(t)
    return world._first_session(agent, t)


def _departed(world: Any, agent: str) -> set[str]:
    presence = world.platform._presence.get(agent)
    return {agent} if presence is not None and presence.left != float("inf") else set()


def _attach(world: Any, agent: str, t: float) -> list[str]:
    """Whom a newcomer follows: ``follows_on_join`` present users drawn by preferential attachment."""
    others = [a for a in world.platform.present(t) if a != agent]
    k = min(world.cfg.churn.follows_on_join, len(others))
    if k == 0:
        return []
    weights = [c + 1.0 for c in world.platform.follower_counts(others, t)]
    total = sum(weights)
    rng = world.seeds.rng("churn", "attach", agent)
    picked = rng.choice(len(others), size=k, replace=False, p=[w / total for w in weights])
    return [others[int(i)] for i in sorted(picked.tolist())]


def _leave(world: Any, event: Event, outcome: Any) -> list[Event]:
    """A user leaves for good (their scheduled sessions find them absent)."""
    agent, t, pf = event.agent, event.time, world.platform
    if agent not in pf.present(t):
        return []
    pf.leave(agent, t)
    world.rec.event(t, "user_leave", agent, {})
    return []


def _intervention(world: Any, event: Event, outcome: Any) -> list[Event]:
    """Apply and record an intervention, then the state and graph events it caused."""
    note = noted(world, event, outcome) if input_text(world, event) is not None else None
    world.rec.event(event.time, "intervention", None, ivs.apply_intervention(world, event, note))
    effect = world.sc.interventions[event.data["index"]]
    if effect.type == "set_state" and effect.attitude is not None:
        world.queue("state", effect.agent, {"attitude": world.members[effect.agent].attitude, "intervention": True})
    world.flush(event.time)
    return []


def _interview(world: Any, event: Event, outcome: Any) -> list[Event]:
    for kind, data in outcome.records:
        agent = data.pop("agent")
        world.rec.event(event.time, kind, agent, data)
    return []


COMMITS: dict[str, Callable[[Any, Event, Any], list[Event]]] = {
    "platform_start": _start, "graph_snapshot": _graph_snapshot, "board_ranks": _board_ranks, "news": _news,
    "user_join": _join, "user_leave": _leave, "intervention": _intervention, "interview": _interview,
}
"""What committing each kind of system event does (session steps go through :func:`apply`)."""


def apply(world: Any, event: Event, kind: str, data: dict[str, Any]) -> None:
    """Apply one record of a session step: the action's effects, a state change, or just the record."""
    agent, t = event.agent, event.time
    if kind == "action":
        made = actions.apply(world.platform, agent, data["action"], {**data, "time": t}, data["visible_at"])
        changes = made.pop("changes", None)
        if changes is not None:
            made["changed"] = len(changes)
        world.rec.event(t, "action", agent, {**data, **made})
        world.record_changes(t, agent, changes or [])
        world.flush(t)
        return
    if kind == "state":
        world.members[agent].attitude = data["attitude"]
        state = world.members[agent].p.state
        world.rec.event(t, kind, agent, data)
        world.rec.row("agent_states", {"agent": agent, "time": t, "seq": world.rec.seq, "emotion": state.emotion,
                                       "confidence": state.confidence, "opinion": "", "summary": state.summary,
                                       "extra": {"attitude": data["attitude"]}})
        return
    if kind == "session_end":
        world.sessions_done += 1
    world.rec.event(t, kind, agent, data)
