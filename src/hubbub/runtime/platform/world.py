"""The living platform world (kind = "platform"): users arriving in continuous time on a platform with
a follow graph they rewire, home feeds with recommenders, search and a board of many topics.

Each scheduled ``step`` event is one step of a session (see :mod:`.session`): the user observes a page
through a recorded view, decides (LLM, learned classifier or rule policy), and the action's effects
become visible when it ends. Computing a step changes nothing; :meth:`PlatformWorld.commit` applies
it in event order and records it (:mod:`.record`). News, joins, leaves, graph snapshots and board
rankings are events of their own; interventions and interviews are barriers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hubbub.agents.social.mind import SocialMind
from hubbub.kernel.events import Event
from hubbub.kernel.seeding import SeedTree
from hubbub.kernel.views import reads_unchanged
from hubbub.llm.base import Backend
from hubbub.platform.board import HeatFormula
from hubbub.platform.social.board import Board
from hubbub.platform.social.content import ContentStore
from hubbub.platform.social.feed import FeedSettings
from hubbub.platform.social.graph import LiveGraph
from hubbub.platform.social.moderation import ModerationRule
from hubbub.platform.social.state import SocialPlatform
from hubbub.registry import POLICIES
from hubbub.runtime.platform import interventions as ivs, record, session
from hubbub.runtime.platform.inputs import PlatformInputs
from hubbub.runtime.recorder import RunRecorder
from hubbub.runtime.trendsim.outcome import Outcome

HOUR = 3600.0
PRIORITY_START, PRIORITY_STEP, PRIORITY_SYSTEM, PRIORITY_SNAPSHOT = -2, 0, 1, 2


class PlatformWorld:
    """Implements the scheduler's Process protocol for the living platform."""

    def __init__(self, scenario: Any, inputs: PlatformInputs, llm: Backend, recorder: RunRecorder,
                 seeds: SeedTree) -> None:
        """The platform, its users and their minds, from the prepared inputs."""
        from hubbub.llm.embeddings import make_embedder

        self.sc, self.cfg, self.inputs, self.llm, self.rec, self.seeds = scenario, scenario.platform, inputs, llm, recorder, seeds
        self.lang = scenario.lang
        self.members = {m.agent_id: m for m in inputs.members}
        self.participants = {a: m.p for a, m in self.members.items()}
        self.users = [m.p for m in inputs.members if m.kind == "llm"]
        """The users an interview asks (LLM users: rule and learned users have no voice)."""
        self.embedder = make_embedder(self.cfg.feed.embedder)
        self.platform = self._platform()
        self.mind = SocialMind(llm, seeds, scenario.llm, self.lang, self.cfg.target)
        self.rule_policies = {m.policy: POLICIES.get(m.policy, "platform.population.rule_policies")
                              for m in inputs.members if m.kind == "rule"}
        self.horizon = self.cfg.hours * HOUR
        self.safe_window = self.cfg.sessions.min_action_s
        self.barrier_kinds = ("intervention", "interview")
        self.sessions_done = 0
        self._queued: list[tuple[str, str | None, dict[str, Any]]] = []

    def _platform(self) -> SocialPlatform:
        """Content store, follow graph, board and feed settings at t = 0; present users joined."""
        feed = self.cfg.feed
        moderation = self.cfg.moderation
        settings = FeedSettings(feed.size, feed.recommended_share, feed.in_network_ranker, feed.recommender,
                                feed.window_h, feed.hot_decay_h, ModerationRule(moderation.toxicity_threshold, moderation.mode))
        pf = SocialPlatform(ContentStore(self.embedder.encode), LiveGraph(), Board(HeatFormula(decay_h=self.cfg.board.decay_h)),
                            settings)
        pf.graph.load(self.inputs.edges)
        for topic in self.inputs.topics:
            pf.board.add(topic)
        profiles = self.embedder.encode([m.p.description for m in self.inputs.members])
        self.profiles = {m.agent_id: profiles[k] for k, m in enumerate(self.inputs.members)}
        for m in self.inputs.members:
            if not m.reserve:
                pf.join(m.agent_id, 0.0, self.profiles[m.agent_id])
        return pf

    # ---------------------------------------------------------------- setup

    def setup_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """The participants and the board's topics, written once at the start of the run record."""
        return record.setup_rows(self)

    def describe(self) -> str:
        kinds = [m.kind for m in self.members.values() if not m.reserve]
        return (f"{len(kinds)} users ({kinds.count('llm')} LLM, {kinds.count('learned')} learned, "
                f"{kinds.count('rule')} rule), {len(self.inputs.edges)} follow edges, "
                f"{len(self.inputs.topics)} board topics, {self.cfg.hours:g} simulated hours")

    # ---------------------------------------------------------------- initial schedule

    def initial_events(self) -> list[Event]:
        """The setup record, first sessions, news, churn, snapshots, interventions and interviews."""
        events = [Event(0.0, "platform_start", None, PRIORITY_START)]
        for m in self.members.values():
            if not m.reserve:
                events += self._first_session(m.agent_id, 0.0)
        events += [Event(n.at_h * HOUR, "news", None, PRIORITY_SYSTEM, {"index": k})
                   for k, n in enumerate(self.inputs.news)]
        events += self._churn()
        events += self._every(self.cfg.graph.snapshot_every_h, "graph_snapshot")
        events += self._every(self.cfg.board.ranks_every_h, "board_ranks")
        events += ivs.scheduled_events(self.sc)
        return sorted(events, key=lambda e: (e.time, e.priority, e.kind, e.agent or ""))

    def _every(self, hours: float, kind: str) -> list[Event]:
        every = hours * HOUR
        return [Event(k * every, kind, None, PRIORITY_SNAPSHOT) for k in range(int(math.floor(self.horizon / every)) + 1)]

    def _first_session(self, agent: str, after: float) -> list[Event]:
        t = after + float(self.seeds.rng("access", agent, 0).exponential(HOUR / self.cfg.sessions.rate_per_h))
        return [session.step_event(self, agent, t, 0, 0, self.cfg.sessions.start_on)] if t <= self.horizon else []

    def _churn(self) -> list[Event]:
        """Joins of reserve users (Poisson at join_rate_per_h, or as scheduled) and leaves (per-user
        hazard leave_rate_per_h, or as scheduled)."""
        churn, events = self.cfg.churn, []
        scheduled = set(churn.joins)
        t = 0.0
        rng = self.seeds.rng("churn", "joins")
        for m in self.members.values():
            if not m.reserve or m.agent_id in scheduled or churn.join_rate_per_h <= 0:
                continue
            t += float(rng.exponential(HOUR / churn.join_rate_per_h))
            if t <= self.horizon:
                events.append(Event(t, "user_join", m.agent_id, PRIORITY_SYSTEM))
        joins = {e.agent: e.time for e in events} | {a: h * HOUR for a, h in churn.joins.items()}
        for m in self.members.values():
            start = joins.get(m.agent_id, None if m.reserve else 0.0)
            if start is not None and churn.leave_rate_per_h > 0:
                leave = start + float(self.seeds.rng("churn", "leave", m.agent_id).exponential(HOUR / churn.leave_rate_per_h))
                if leave <= self.horizon:
                    events.append(Event(leave, "user_leave", m.agent_id, PRIORITY_SYSTEM))
        events += [Event(h * HOUR, "user_join", a, PRIORITY_SYSTEM) for a, h in churn.joins.items()]
        events += [Event(h * HOUR, "user_leave", a, PRIORITY_SYSTEM) for a, h in churn.leaves.items()]
        return events

    # ---------------------------------------------------------------- Process protocol

    async def compute(self, event: Event) -> Outcome:
        """A session step (through a recorded view) or an interview; other events act at commit."""
        if event.kind == "step":
            return await session.user_step(self, event)
        if event.kind == "interview":
            from hubbub.runtime.trendsim.interventions import interview

            return Outcome(records=[(kind, {"agent": agent, **data}) for agent, kind, data in await interview(self, event)])
        if event.kind in ("news", "intervention"):
            return Outcome(records=await record.annotate_input(self, event))  # an injected text's annotation
        return Outcome()  # everything else happens at commit

    def still_valid(self, event: Event, outcome: Outcome) -> bool:
        return reads_unchanged(self.platform, outcome.reads)

    def commit(self, event: Event, outcome: Outcome) -> list[Event]:
        """Apply the event in event order: a system event's handler, or a step's records."""
        handler = record.COMMITS.get(event.kind)
        if handler is not None:
            return handler(self, event, outcome)
        for kind, data in outcome.records:
            record.apply(self, event, kind, data)
        return outcome.follow_ups

    # ---------------------------------------------------------------- helpers for commits

    def record_changes(self, t: float, agent: str | None, changes: list[Any]) -> None:
        """Queue one ``graph_change`` event per change (recorded after the event that made them)."""
        self._queued += [("graph_change", agent, {"at": c.at, "source": c.source, "target": c.target, "op": c.op,
                                                   "reason": c.reason}) for c in changes]

    def queue(self, kind: str, agent: str | None, data: dict[str, Any]) -> None:
        self._queued.append((kind, agent, data))

    def flush(self, t: float) -> None:
        queued, self._queued = self._queued, []
        for kind, agent, data in queued:
            self.rec.event(t, kind, agent, data)

    def next_session(self, agent: str, session_no: int, end: float) -> float | None:
        """When the user comes back: a Poisson process at rate_per_h, drawn after the session's end."""
        rng = self.seeds.rng("access", agent, session_no + 1)
        t = end + float(rng.exponential(HOUR / self.cfg.sessions.rate_per_h))
        return t if t <= self.horizon else None

    def profile(self, agent: str) -> np.ndarray:
        return self.profiles[agent]

    # ---------------------------------------------------------------- views for the Python API

    def users_frame(self, t: float) -> Any:
        """One row per user (index ``agent_id``): policy, camp, attitude, emotion, confidence, presence
        and degrees at ``t`` (Simulation.users)."""
        import pandas as pd

        pf, present = self.platform, set(self.platform.present(t))
        rows = {a: {"kind": m.kind, "policy": m.policy, "camp": m.camp, "attitude": m.attitude,
                    "emotion": m.p.state.emotion, "confidence": m.p.state.confidence, "present": a in present,
                    "followers": len(pf.graph.followers(a, t)), "followees": len(pf.graph.followees(a, t))}
                for a, m in self.members.items()}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "agent_id"
        return frame

    def platform_parts(self, t: float) -> tuple[Any, Any]:
        """The follow graph at ``t`` (a FollowGraph over every user) and the posts visible then."""
        import pandas as pd

        from hubbub.platform.graph import FollowGraph

        ids = list(self.members)
        index = {a: k for k, a in enumerate(ids)}
        edges = self.platform.graph.edges(t)
        graph = FollowGraph.from_follows([index[a] for a, _ in edges], [index[b] for _, b in edges],
                                         n_nodes=len(ids), node_ids=ids)
        store = self.platform.store
        posts = [store.view(i, t) for i in store.visible_ids(t)]
        columns = ["post_id", "author", "kind", "text", "parent", "topic", "likes", "dislikes", "reposts", "toxicity"]
        return graph, pd.DataFrame([{c: getattr(p, c) for c in columns} for p in posts], columns=columns)


def prepare_inputs(scenario: Any, seeds: SeedTree) -> PlatformInputs:
    from hubbub.runtime.platform.inputs import prepare_inputs as prepare

    return prepare(scenario, seeds)


def build_world(scenario: Any, prepared: PlatformInputs, llm: Backend, recorder: RunRecorder,
                seeds: SeedTree) -> PlatformWorld:
    return PlatformWorld(scenario, prepared, llm, recorder, seeds)
