"""One step of a user's session on the living platform, computed without changing anything.

A session starts on the board (or the home feed: ``platform.sessions.start_on``). In each step the user
sees a page (read through a recorded view, so the scheduler can check it before committing), decides
what to do — the LLM (:class:`~hubbub.agents.social.mind.SocialMind`), a learned stance classifier
(:mod:`.learned`) or a registered rule policy (:mod:`hubbub.agents.social.rules`) — and the action
takes simulated time: reading the page plus writing its text, at least ``min_action_s``. Its effects
become visible when it ends, which is when the next step starts. At the end of a session the user's
attitude toward the target is updated from the posts they read (the LLM is asked; learned and rule
users move by bounded confidence).
"""

from __future__ import annotations

from typing import Any

from hubbub.agents.hub.mind import Failure
from hubbub.agents.social import rules
from hubbub.agents.social.context import Author, Shown, SocialChoice, SocialContext, TopicLine, checked
from hubbub.kernel.events import Event
from hubbub.kernel.views import RecordingView
from hubbub.platform.social.actions import ACTIONS, Page, available, targets
from hubbub.runtime.platform import learned
from hubbub.runtime.platform.annotators import note_fields
from hubbub.runtime.trendsim.outcome import Outcome

PRIORITY_STEP = 0
READ_KEPT = 20
"""Posts a session remembers having read (the latest), for the attitude update at its end."""
_OPINION = {"en": "My attitude toward {target}: {a:.1f} (0 = against, 1 = in favour).",
            "zh": "我对{target}的态度：{a:.1f}（0 = 反对，1 = 支持）。"}


def step_event(world: Any, agent: str, t: float, session_no: int, step: int, surface: str,
               topic: str | None = None, query: str | None = None, started: float | None = None,
               read: tuple[int, ...] = ()) -> Event:
    data = {"session": session_no, "step": step, "surface": surface, "topic": topic, "query": query,
            "started": t if started is None else started, "read": list(read)}
    return Event(t, "step", agent, PRIORITY_STEP, data)


async def user_step(world: Any, event: Event) -> Outcome:
    """Compute one step of one user's session (see the module docstring)."""
    m, d, t = world.members[event.agent], event.data, event.time
    view = RecordingView(world.platform)
    out = Outcome(reads=view.reads)
    if not view.active(m.agent_id, t):
        _blocked(world, m.agent_id, d, t, view, out)
        return out
    if d["step"] == 0:
        out.records.append(("session_start", {"session": d["session"], "surface": d["surface"]}))
    page, intensities = observe(world, view, m.agent_id, d, t)
    ctx = context(world, m, page, intensities, t, world.seeds.rng("policy", m.agent_id, d["session"], d["step"]))
    key = (m.agent_id, d["session"], d["step"])
    try:
        choice = await decide(world, m, ctx, page, key)
    except Failure as failure:
        out.records.append(("llm_failure", {"call": failure.kind, "error": failure.error, "session": d["session"]}))
        await _end(world, m, d, t, t + world.cfg.sessions.min_action_s, d["step"], view, out, fail=True)
        return out
    visible = t + duration(world, page, choice.text)
    out.records.append(("exposure", exposure(d, page)))
    out.records.append(("action", await _action_data(world, m, d, page, choice, visible, out)))
    read = tuple((list(d["read"]) + [item.post.post_id for item in page.items])[-READ_KEPT:])
    done = d["step"] + 1
    if ACTIONS[choice.action].ends_session or done >= world.cfg.sessions.max_actions or visible > world.horizon:
        await _end(world, m, {**d, "read": list(read)}, t, visible, done, view, out)
    else:
        where = ACTIONS[choice.action].navigate(page, choice.target, choice.text)
        out.follow_ups.append(step_event(world, m.agent_id, visible, d["session"], done, where.surface, where.topic,
                                         where.query, d["started"], read))
    return out


def _blocked(world: Any, agent: str, d: dict[str, Any], t: float, view: Any, out: Outcome) -> None:
    """A step of a suspended or departed user: nothing happens; a suspended user comes back later."""
    present = agent in view.present(t)
    out.records.append(("visit_blocked", {"session": d["session"], "reason": "suspended" if present else "absent"}))
    nxt = world.next_session(agent, d["session"], t) if present else None
    if nxt is not None:
        out.follow_ups.append(step_event(world, agent, nxt, d["session"] + 1, 0, world.cfg.sessions.start_on))


def observe(world: Any, view: Any, agent: str, d: dict[str, Any], t: float) -> tuple[Page, tuple[float, ...]]:
    """The page the step shows, read through the recorded view, and the board's access intensities."""
    surface = d["surface"]
    if surface == "board":
        board = view.board_page(t, world.cfg.board.shown)
        return Page("board", board=board), view.intensities([e.topic_id for e in board], t)
    if surface == "topic":
        items = view.topic_page(agent, d["topic"], t)
    elif surface == "search":
        items = view.search(agent, d["query"], t)
    else:
        items = view.home_feed(agent, t)
    authors = tuple(dict.fromkeys(i.post.author for i in items if i.post.author != agent))
    return Page(surface, items, authors=view.authors(agent, authors, t), followees=view.followees(agent, t),
                voted=view.voted(agent, [i.post.post_id for i in items]), topic=d["topic"], query=d["query"]), ()


def context(world: Any, m: Any, page: Page, intensities: tuple[float, ...], t: float, rng: Any) -> SocialContext:
    """The page as plain data for a policy (see :class:`~hubbub.agents.social.context.SocialContext`)."""
    agent = m.agent_id
    options = {name: targets(ACTIONS[name], page, agent) for name in available(page, agent)}
    posts = tuple(Shown(i.post.post_id, i.post.author, i.post.text, i.post.kind, i.post.likes, i.post.dislikes,
                        i.post.reposts, i.post.attitude, i.post.toxicity, i.source, i.post.hashtags, i.post.label,
                        i.post.parent_text) for i in page.items)
    authors = tuple(Author(a.agent_id, a.followers, a.common, a.followed, a.muted, a.blocked,
                           _mean([p.stance for p in posts if p.author == a.agent_id])) for a in page.authors)
    topics = tuple(TopicLine(e.topic_id, e.title, e.rank, e.heat, x) for e, x in zip(page.board, intensities))
    return SocialContext(agent, m.p.description, t / 3600.0, m.attitude, page.surface, options, posts, authors,
                         page.followees, topics, tuple(world.cfg.rule_texts), dict(world.cfg.rules), world.lang, rng)


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 6) if values else 0.5


async def decide(world: Any, m: Any, ctx: SocialContext, page: Page, key: tuple) -> SocialChoice:
    """The user's choice: asked of the LLM, the learned classifier or the rule policy."""
    if m.kind == "llm":
        labels = {name: ACTIONS[name].option(world.lang) for name in ctx.options}
        title = world.platform.board.topics[page.topic].title if page.topic else ""
        return await world.mind.decide(ctx, persona(world, m), key, labels, title, page.query or "")
    if m.kind == "learned":
        return checked("learned", learned.decide(world.inputs.classifier, ctx), ctx)
    return checked(m.policy, world.rule_policies[m.policy](ctx), ctx)


def persona(world: Any, m: Any) -> Any:
    """The persona block of an LLM user, with their current attitude as their opinion."""
    from dataclasses import replace

    opinion = m.p.state.opinion or _OPINION[world.lang].format(target=world.cfg.target, a=m.attitude)
    return world.mind.persona(m.p.description, replace(m.p.state, opinion=opinion))


def page_chars(page: Page) -> int:
    """How much text a page holds (what reading it costs)."""
    return sum(len(i.post.text) + len(i.post.parent_text) + 40 for i in page.items) + sum(
        len(e.title) + 20 for e in page.board)


def duration(world: Any, page: Page, text: str | None) -> float:
    s = world.cfg.sessions
    return max(s.min_action_s, page_chars(page) / s.reading_chars_per_s + len(text or "") / s.writing_chars_per_s)


def exposure(d: dict[str, Any], page: Page) -> dict[str, Any]:
    """Who was shown what, where (the event's agent and time say who and when)."""
    if page.surface == "board":
        items = [[e.topic_id, e.rank, e.heat] for e in page.board]
    else:
        items = [[i.post.post_id, i.source, i.rank, i.post.author] for i in page.items]
    return {"session": d["session"], "step": d["step"], "surface": page.surface, "topic": page.topic,
            "query": page.query, "items": items}


async def _action_data(world: Any, m: Any, d: dict[str, Any], page: Page, choice: SocialChoice, visible: float,
                       out: Outcome) -> dict[str, Any]:
    """The recorded action; written texts get their annotation (toxicity, sentiment, stance; a failed judge
    call is recorded before it)."""
    data = {"session": d["session"], "step": d["step"], "surface": page.surface, "action": choice.action,
            "target": choice.target, "text": choice.text, "topic": page.topic if choice.action == "post" else None,
            "visible_at": visible, "policy": m.policy, "attitude": m.attitude}
    if choice.action in ("post", "quote", "reply") and choice.text:
        note, failures = await world.inputs.annotator.annotate(world, choice.text, (m.agent_id, d["session"], d["step"]))
        out.records += [("llm_failure", {**f, "session": d["session"]}) for f in failures]
        data.update(note_fields(note))
    return data


async def _end(world: Any, m: Any, d: dict[str, Any], t: float, end: float, actions: int, view: Any, out: Outcome,
               fail: bool = False) -> None:
    """Close the session: the attitude update, the session_end record and the next session."""
    if not fail:
        await _update_attitude(world, m, d, t, view, out)
    nxt = world.next_session(m.agent_id, d["session"], end)
    out.records.append(("session_end", {"session": d["session"], "actions": actions, "ended": end, "next": nxt}))
    if nxt is not None:
        out.follow_ups.append(step_event(world, m.agent_id, nxt, d["session"] + 1, 0, world.cfg.sessions.start_on))


async def _update_attitude(world: Any, m: Any, d: dict[str, Any], t: float, view: Any, out: Outcome) -> None:
    """The end-of-session attitude: asked of the LLM, or bounded confidence on the stances read."""
    read = [view.post(pid, t) for pid in dict.fromkeys(d["read"])]
    if not read:
        return
    p = {**rules.DEFAULTS, **world.cfg.rules}
    if m.kind == "llm":
        if not world.cfg.sessions.reflection:
            return
        try:
            new = await world.mind.attitude((m.agent_id, d["session"], "end"), persona(world, m),
                                            [post.text for post in read[-8:]])
        except Failure as failure:
            out.records.append(("llm_failure", {"call": failure.kind, "error": failure.error, "session": d["session"]}))
            return
    else:
        stances = ([post.attitude for post in read] if m.kind == "rule"
                   else learned.stances(world.inputs.classifier, [post.text for post in read]))
        new = rules.bounded_confidence(m.attitude, stances, p["epsilon"], p["mu"])
    if new != m.attitude:
        out.records.append(("state", {"attitude": new, "previous": m.attitude, "session": d["session"]}))
