"""The TrendSim world: users and attackers visiting one trending topic in continuous time.

Each scheduled event is one *step* of a session: the user observes the page visible at the step's
time, forms an impression (perception), picks an action, writes text if the action needs it and
reflects (short-term memory update). The action takes simulated time; its effects become visible on
the hub when it ends, and the next step is scheduled then. Computing a step reads the hub only
through a recorded view and changes nothing; :meth:`commit` applies the outcome in event order.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import replace
from typing import Any

from hubbub.kernel.events import Event
from hubbub.kernel.seeding import NumpyStream, SeedTree
from hubbub.kernel.views import RecordingView, reads_unchanged
from hubbub.llm.base import Backend
from hubbub.platform.access import AccessDensity
from hubbub.platform.actions import Acted, Action, Page, Where, hub_actions, offered
from hubbub.platform.content import ContentStore
from hubbub.platform.hub import Hub
from hubbub.runtime.trendsim import pages, record
from hubbub.runtime.trendsim.attackers import AttackerVisits
from hubbub.runtime.trendsim.outcome import Outcome
from hubbub.runtime.trendsim.attack_schedule import attack_schedule
from hubbub.runtime.trendsim.population import access_params
from hubbub.runtime.recorder import RunRecorder
from hubbub.runtime.trendsim import interventions as ivs
from hubbub.runtime import surveys
from hubbub.agents.hub.mind import Failure, HubMind
from hubbub.agents.hub.prompts import PromptKit
from hubbub.agents.hub.recall import HubRecall, recalled_state, with_followed
from hubbub.agents.user import Participant, UserState
from hubbub.scenarios.config import Scenario

HOUR = 3600.0
PRIORITY_STEP, PRIORITY_CENSOR, PRIORITY_SNAPSHOT = 0, 1, 2


class TrendSimWorld(AttackerVisits):
    """Implements the scheduler's Process protocol for one trending topic."""

    def __init__(self, scenario: Scenario, topic: Any, participants: list[Participant], llm: Backend,
                 recorder: RunRecorder, seeds: SeedTree, store: ContentStore | None = None) -> None:
        self.sc = scenario
        self.cfg = scenario.trendsim
        self.lang = scenario.lang
        self.topic = topic
        self.hub = Hub(topic.title, topic.summary, topic.content, store)
        self.participants = {p.agent_id: p for p in participants}
        self.users = [p for p in participants if p.role == "user"]
        self.llm = llm
        self.rec = recorder
        self.seeds = seeds
        self.mind = HubMind(llm, seeds, PromptKit(self.lang), scenario.llm, self.lang)
        self.horizon = self.cfg.lifecycle_h * HOUR  # simulated seconds
        self.attack_schedule = attack_schedule(self.cfg)
        self.access = access_params(scenario, topic)  # name -> (value, "scenario" | "topic" | "default")
        self.density = AccessDensity(**{n: v for n, (v, _) in self.access.items()}, horizon=self.cfg.lifecycle_h)
        self.sessions_done = 0
        self.safe_window = self.cfg.timing.min_action_s  # nothing becomes visible sooner after an action
        self.barrier_kinds = ("intervention", "interview", "survey")
        cens = self.cfg.censorship
        self.censor_from: float | None = cens.start_h * HOUR if cens.enabled else None
        self.suspended: dict[str, float] = {}
        self._follow_ups: list[Event] = []
        self.comment_authors: dict[int, str] = {}
        self.actions = hub_actions(self.cfg.hub.extra_actions, self.lang)
        self.action_named = {a.name: a for a in self.actions}
        self.recall: HubRecall | None = None
        """A combined run's memory pool and followee posts on the hub's pages (None: TrendSim alone)."""

    # ---------------------------------------------------------------- setup

    def setup_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """The topic and the participants, written once at the start of the run record."""
        t = self.topic
        rows: list[tuple[str, dict[str, Any]]] = [("topics", {
            "topic_id": t.topic_id, "title": t.title, "summary": t.summary, "content": t.content,
            "sentiment": t.sentiment, "lang": t.lang, "data": {"category": t.category, "source": t.source,
                                                               "access": {n: v for n, (v, _) in self.access.items()},
                                                               "access_from": {n: f for n, (_, f) in self.access.items()}}})]
        for p in self.participants.values():
            profile = {"description": p.description, "prototype": p.prototype,
                       "emotion": p.state.emotion, "confidence": p.state.confidence}
            rows.append(("agents", {"agent_id": p.agent_id, "role": p.role, "grp": p.group, "profile": profile}))
        return rows

    def describe(self) -> str:
        attackers = len(self.participants) - len(self.users)
        return (f"topic '{self.topic.title}', {len(self.users)} users, {attackers} attackers, "
                f"{self.cfg.lifecycle_h:g} simulated hours")

    # ---------------------------------------------------------------- initial schedule

    def initial_events(self) -> list[Event]:
        """First visits (sampled from P(t) before the run), attack visits, snapshots, censor sweep."""
        events = []
        for p in self.participants.values():
            first = self._first_visit(p)
            if first is not None:
                events.append(self._step_event(p.agent_id, first, visit=0, step=0, page="browse"))
        every = self.cfg.state_every_h * HOUR
        for k in range(int(math.floor(self.horizon / every)) + 1):
            events.append(Event(k * every, "snapshot", None, PRIORITY_SNAPSHOT))
        cens = self.cfg.censorship
        if cens.enabled and cens.review_existing and cens.start_h > 0:
            events.append(Event(cens.start_h * HOUR, "censor_sweep", None, PRIORITY_CENSOR))
        events += ivs.scheduled_events(self.sc)
        return sorted(events, key=lambda e: (e.time, e.priority, e.agent or ""))

    def _first_visit(self, p: Participant) -> float | None:
        rng = self.seeds.rng("access", p.agent_id, 0)
        if p.role == "attacker":
            return float(rng.uniform(0.0, self.attack_schedule.first_within_h)) * HOUR
        return float(self.density.sample(rng, 1)[0]) * HOUR

    def _step_event(self, agent: str, time: float, visit: int, step: int, page: str,
                    page_no: int = 0, comment_id: int | None = None, started: float | None = None) -> Event:
        data = {"visit": visit, "step": step, "page": page, "page_no": page_no, "comment_id": comment_id,
                "started": time if started is None else started}
        kind = "attack_visit" if self.participants[agent].role == "attacker" else "step"
        return Event(time, kind, agent, PRIORITY_STEP, data)

    # ---------------------------------------------------------------- Process protocol

    async def compute(self, event: Event) -> Outcome:
        if event.kind == "step":
            return await self._user_step(event)
        if event.kind == "attack_visit":
            return await self._attack_visit(event)
        if event.kind == "censor_sweep":
            return await self._censor_sweep(event)
        if event.kind == "interview":
            return Outcome(records=[(kind, {"agent": agent, **data}) for agent, kind, data in
                                    await ivs.interview(self, event)])
        if event.kind == "survey":
            return Outcome(records=await surveys.ask_hub_users(self, event))
        return Outcome()  # snapshot and intervention: everything happens at commit

    def still_valid(self, event: Event, outcome: Outcome) -> bool:
        return reads_unchanged(self.hub, outcome.reads)

    @property
    def reuses_trimmed(self) -> bool:
        """A computation sent back to the queue may be taken up again (``kernel.scheduler.REUSES_TRIMMED``):
        an event reads the hub through the view ``still_valid`` checks, its own agent's state and what
        only barrier or agent-less events change; not with a combined run's recall (another world)."""
        return self.recall is None

    def commit(self, event: Event, outcome: Outcome) -> list[Event]:
        if event.kind == "snapshot":
            record.snapshot(self, event.time)
            return []
        if event.kind == "intervention":
            self.rec.event(event.time, "intervention", None, ivs.apply_intervention(self, event))
            follow_ups, self._follow_ups = self._follow_ups, []
            return follow_ups
        if event.kind == "interview":
            self._commit_interview(event, outcome)
            return []
        if event.kind == "survey":
            surveys.commit(self.rec, event, outcome.records)
            return []
        for kind, data in outcome.records:
            self._apply(event, kind, data)
        if outcome.state is not None:
            self.participants[event.agent].state = outcome.state  # type: ignore[index]
        return outcome.follow_ups

    # ---------------------------------------------------------------- user sessions

    async def _user_step(self, event: Event) -> Outcome:
        p, d, t = self.participants[event.agent], event.data, event.time  # type: ignore[index]
        view = RecordingView(self.hub)
        out = Outcome(reads=view.reads)
        if self._is_suspended(p.agent_id, t):
            out.records.append(("visit_blocked", {"visit": d["visit"], "reason": "suspended"}))
            self._end_session(p, d, t, t, 0, view, out)
            kind, data = out.records[-1]
            out.records[-1] = ("visit_end", data)  # no session was started
            return out
        if d["step"] == 0:
            out.records.append(("session_start", {"visit": d["visit"]}))
        try:
            await self._act(p, d, t, view, out)
        except Failure as failure:
            out.records.append(("llm_failure", {"call": failure.kind, "error": failure.error, "visit": d["visit"]}))
            self._end_session(p, d, t, t + self.cfg.timing.min_action_s, d["step"], view, out)
        return out

    async def _act(self, p: Participant, d: dict[str, Any], t: float, view: Any, out: Outcome) -> None:
        observation, page = self._observe(view, d, t)
        actions = offered(self.actions, page)
        out.seen = [(c.comment_id, c.text) for c in page.shown]
        observation, state = self._recalled(p, d, t, observation)
        key = (p.agent_id, d["visit"], d["step"])
        layout = "perception_main" if d["page"] == "main" else "perception"  # a Main page first: users share it
        impression = await self.mind.gen("perception", key, state, p, template=layout, observation=observation)
        pick = await self.mind.choose(f"action_{d['page']}", key, state, p, impression=impression,
                                  options=[a.option(self.lang, page.name) for a in actions])
        action = actions[pick]
        text, target = await self._payload(action, key, state, p, impression, page)
        flagged = await self._moderate(text, key, t) if text else False
        visible = t + self._duration(observation, text, action)
        self._record_action(out, p, d, t, action.name, text, target, flagged, visible, impression, observation)
        done = d["step"] + 1
        cut = visible > self.horizon  # the topic leaves the board before the user's next action
        ends = action.ends_session or done >= self.cfg.session.max_actions or cut
        if self.cfg.session.reflection == "action" or ends:
            described = pages.describe_action(self.lang, action, page.name, text)
            state = await self.mind.reflect(key, state, p, impression, described)
            out.state = state
            out.records.append(("state", _state_data(state)))
        if ends:
            self._end_session(p, d, t, visible, done, view, out, state)
            if cut and not action.ends_session and done < self.cfg.session.max_actions:
                out.records[-1][1]["reason"] = "lifecycle_end"
        else:
            out.follow_ups.append(self._next_step(p, d, visible, action.navigate(page, target)))

    def _observe(self, view: Any, d: dict[str, Any], t: float) -> tuple[str, Page]:
        """The page's text and what it shows, as seen at ``t``."""
        hub, per = self.hub, self.cfg.hub
        if d["page"] == "browse":
            return pages.browse_text(self.lang, hub.title, hub.summary), Page("browse", d["page_no"], d["comment_id"])
        if d["page"] == "main":
            shown, more = view.comment_page(t, d["page_no"], per.comments_per_page)
            first = d["step"] <= 1  # sessions open on Browse; the first Main page follows view_details
            content = hub.content if first or per.repeat_content else hub.summary
            counts = (*view.likes_reposts(t), 0)  # the page shows no view count
            text = pages.main_text(self.lang, hub.title, content, counts, shown, d["page_no"])
            return text, Page("main", d["page_no"], d["comment_id"], shown, more)
        comment, replies = view.comment_detail(t, d["comment_id"], per.replies_per_page)
        shown = (comment,) if comment is not None else ()
        return pages.comment_text(self.lang, comment, replies), Page("comment", d["page_no"], d["comment_id"], shown)

    def _recalled(self, p: Participant, d: dict[str, Any], t: float, observation: str) -> tuple[str, UserState]:
        """The page and the state the prompts show: as they are, or with a combined run's recall."""
        if self.recall is None:
            return observation, p.state
        followed = self.recall.followed(p.agent_id, t) if d["page"] == "main" else None
        return with_followed(observation, followed), recalled_state(p.state, self.recall.memory(p.agent_id, t))

    async def _payload(self, action: Action, key: tuple, state: UserState, p: Participant, impression: str,
                       page: Page) -> tuple[str | None, int | None]:
        """The action's target (a comment picked, or the page's) and the text it writes, if any."""
        target = page.comment_id if action.target == "page" and page.name == "comment" else None
        if action.target == "pick":
            comments = pages.numbered_comments(self.lang, page.shown)
            pick = await self.mind.choose("choose_comment", key, state, p, topic=self.hub.title, comments=comments,
                                          options=[c.text for c in page.shown])
            target = page.shown[pick].comment_id
        if action.writes is None:
            return None, target
        fields = {"topic": self.hub.title, "impression": impression}
        if action.writes == "write_reply":
            fields["comment"] = next((c.text for c in page.shown if c.comment_id == target), page.shown[0].text)
        return await self.mind.gen(action.writes, key, state, p, **fields), target

    def _next_step(self, p: Participant, d: dict[str, Any], time: float, where: Where) -> Event:
        return self._step_event(p.agent_id, time, d["visit"], d["step"] + 1, where.page, where.page_no,
                                where.comment_id, d["started"])

    def _end_session(self, p: Participant, d: dict[str, Any], t: float, end: float, actions: int, view: Any,
                     out: Outcome, state: UserState | None = None) -> None:
        nxt = self._next_visit(p, d["visit"], t, end, view, state or p.state)
        out.records.append(("session_end", {"visit": d["visit"], "actions": actions, "ended": end,
                                            "next_visit": nxt}))
        if nxt is not None:
            out.follow_ups.append(self._step_event(p.agent_id, nxt, d["visit"] + 1, 0, "browse"))

    def _next_visit(self, p: Participant, visit: int, t: float, end: float, view: Any,
                    state: UserState) -> float | None:
        """TrendSim samples the next access at the end of each session (Section 3.2.1)."""
        acc = self.cfg.access
        if acc.revisit == "none" or visit + 1 >= acc.max_visits:
            return None
        density = self.density
        if acc.feedback:
            likes = view.topic_reactions("like", t)
            density = self.density.with_feedback(likes / max(1, len(self.users)), state.emotion, base=acc.feedback_base)
        path, hours = ("access", p.agent_id, visit + 1), end / HOUR
        if acc.revisit == "resample":  # one random() draw: numpy's first number without a Generator
            t = density.sample_after(NumpyStream(self.seeds.seed(*path)), hours)
        else:
            t = density.sample_truncated(self.seeds.rng(*path), hours)
        return None if t is None or t * HOUR > self.horizon else float(t) * HOUR

    def _is_suspended(self, agent: str, t: float) -> bool:
        return t < self.suspended.get(agent, -math.inf)

    def _commit_interview(self, event: Event, outcome: Outcome) -> None:
        iv = self.sc.interviews[event.data["index"]]
        for kind, data in outcome.records:
            agent = data.pop("agent")
            self.rec.event(event.time, kind, agent, data)
            if kind == "interview" and iv.affects_agents:
                p = self.participants[agent]
                p.state = replace(p.state, summary=f"{p.state.summary} {data['answer']}".strip()[-2000:])

    # ---------------------------------------------------------------- censorship

    def _censoring(self, t: float) -> bool:
        return self.censor_from is not None and t >= self.censor_from

    async def _moderate(self, text: str, key: tuple, t: float) -> bool:
        return await self.mind.censor(self.hub.title, text, key) if self._censoring(t) else False

    async def _censor_sweep(self, event: Event) -> Outcome:
        view = RecordingView(self.hub)
        out = Outcome(reads=view.reads)
        t = event.time
        items = view.visible_items(t)
        requests = [self.mind.censor_request(self.hub.title, text, self.seeds.seed("llm", "sweep", kind, i))
                    for kind, i, text in items]
        results = await asyncio.gather(*(self.llm.choose_one(r) for r in requests))
        for (kind, i, _), result in zip(items, results):
            if not result.ok:
                out.records.append(("llm_failure", {"call": "trendsim.censor", "error": result.error}))
            elif result.index == 0:
                out.records.append(("censored", {"target_type": kind, "target_id": i, "at": t, "sweep": True}))
        return out

    def _duration(self, observation: str, text: str | None, action: Action | None = None) -> float:
        """An action's own time, else reading the page and writing the text; never under min_action_s."""
        tm = self.cfg.timing
        if action is not None and action.seconds is not None:
            return max(tm.min_action_s, action.seconds)
        busy = len(observation) / tm.reading_chars_per_s + len(text or "") / tm.writing_chars_per_s
        return max(tm.min_action_s, busy)

    # ---------------------------------------------------------------- records and commit

    def _record_action(self, out: Outcome, p: Participant, d: dict[str, Any], t: float, action: str,
                       text: str | None, target: int | None, flagged: bool, visible: float,
                       impression: str, observation: str) -> None:
        out.records.append(("action", {
            "visit": d["visit"], "step": d["step"], "page": d["page"], "page_no": d["page_no"],
            "action": action, "target": target, "text": text, "impression": impression,
            "observation": observation, "visible_at": visible, "flagged": flagged,
            "role": p.role,
        }))

    def _apply(self, event: Event, kind: str, data: dict[str, Any]) -> None:
        agent, t = event.agent, event.time
        if kind == "action":
            self._apply_action(agent, t, data)
        elif kind == "censored":
            record.apply_censored(self, t, data)
            self.rec.event(t, kind, None, data)
        else:
            if kind in ("session_end", "visit_end"):
                self.sessions_done += 1
                self.participants[agent].visits += 1  # type: ignore[index]
            self.rec.event(t, kind, agent, data)
            if kind == "state":
                self.rec.row("agent_states", {"agent": agent, "time": t, "seq": self.rec.seq,
                                              "emotion": data["emotion"], "confidence": data["confidence"],
                                              "opinion": data["opinion"], "summary": data["summary"]})

    def _apply_action(self, agent: str | None, t: float, data: dict[str, Any]) -> None:
        """The action's effect on the hub (its ``apply``), then its event and projection rows."""
        action = self.action_named[data["action"]]
        acted = Acted(agent or "", t, data["visible_at"], data["text"], data["target"], data["role"] == "attacker",
                      data["flagged"])
        added = action.apply(self.hub, acted) if action.apply is not None else None
        data = {**data, **(added or {})}
        seq = self.rec.event(t, "action", agent, data)
        record.project_action(self, agent, t, data, seq)


def prepare_inputs(scenario: Scenario, seeds: SeedTree) -> tuple[Any, list[Participant]]:
    """The topic and the participants, checked before the run folder is touched."""
    from hubbub.runtime.trendsim.population import build_participants, resolve_topic

    ivs.check_supported(scenario)
    hub_actions(scenario.trendsim.hub.extra_actions, scenario.lang)
    return resolve_topic(scenario), build_participants(scenario, seeds)


def build_world(scenario: Scenario, prepared: tuple[Any, list[Participant]], llm: Backend,
                recorder: RunRecorder, seeds: SeedTree) -> "TrendSimWorld":
    topic, participants = prepared
    return TrendSimWorld(scenario, topic, participants, llm, recorder, seeds)


def _state_data(state: UserState) -> dict[str, Any]:
    return {"emotion": state.emotion, "confidence": state.confidence, "summary": state.summary,
            "opinion": state.opinion}
