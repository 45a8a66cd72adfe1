"""kind = "combined": a TrendSim trending-topic hub and S3 follow-graph diffusion in one run.

The two worlds are composed, not copied: a :class:`~hubbub.runtime.trendsim.world.TrendSimWorld` runs the hub
(visits in continuous time, comments, likes, attackers, censorship) and an
:class:`~hubbub.runtime.s3.world.S3World` runs the follow graph in rounds, both on the one event queue. The
hub's users are S3's LLM users (same ids, same personas). They meet in two places:

* a user whose first hub session starts becomes aware of the event with channel ``hub`` at that
  instant (unless followees told them earlier), and
* at the next round the hub topic reaches them as a platform post (``s3.hub.repost_hub``), which they
  may repost into the follow graph, where followers, rule users included, hear of it through followees.

So every aware user's first channel (hub, followee, mutual, recommended or seed) is in the record
(``s3_awareness``).

A user is one person on both surfaces, with one state: the hub's continuous emotion is their emotion
and the follow feed sees its three-level view (:func:`hubbub.agents.affect.level_of`); a level an S3
round sets moves the continuous value to that level's intensity when it reads otherwise
(:func:`~hubbub.agents.affect.in_step`). The hub comments a user reads enter the same memory pool their
next follow-feed decisions are prompted from (source ``recommended``), and so do the summaries their hub
reflections write (source ``own``). On the hub's pages that pool is the user's memory: the prompts show
its best items for the topic in place of TrendSim's summary, and the Main page shows the most relevant
recent posts of people they follow (:mod:`hubbub.agents.hub.recall`,
:mod:`hubbub.runtime.combined_recall`). S3 rounds are barriers: each is computed after every hub event
before it is committed, so it sees exactly who has visited the hub by then.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hubbub.agents.affect import in_step, level_of
from hubbub.agents.memory import MemoryItem
from hubbub.errors import ConfigError
from hubbub.kernel.events import Event
from hubbub.kernel.seeding import SeedTree
from hubbub.llm.base import Backend
from hubbub.runtime.s3 import env as s3_env, interventions as s3_interventions
from hubbub.runtime.recorder import RunRecorder
from hubbub.runtime.s3.world import S3World
from hubbub.runtime.combined_recall import PoolRecall
from hubbub.agents.user import Participant, UserState
from hubbub.runtime.trendsim.world import TrendSimWorld
from hubbub.scenarios.config import Scenario

GRAPH_KINDS = ("s3_round", "graph_intervention")
"""Events the follow-graph world owns; every other kind (hub visits, its interventions, interviews) is the hub's."""


class CombinedWorld:
    """The Process the scheduler drives: events go to the world that owns their kind."""

    def __init__(self, scenario: Scenario, s3_inputs: s3_env.S3Inputs, topic: Any, llm: Backend,
                 recorder: RunRecorder, seeds: SeedTree) -> None:
        self.s3 = S3World(scenario, s3_inputs, llm, recorder, seeds)
        self.s3.hub_text = f"{topic.title} {topic.summary}".strip()
        self.hub_users = hub_participants(scenario, s3_inputs)
        self.trend = TrendSimWorld(scenario, topic, self.hub_users + _attackers(scenario, len(self.hub_users)),
                                   llm, recorder, seeds, store=self.s3.posts.store)  # one content store
        self._emotion_to_graph(list(self.trend.participants))  # one emotion per user from the start
        self.trend.recall = PoolRecall(self.s3, self.s3.hub_text, scenario.lang, scenario.s3.hub.followee_posts)
        self.horizon = max(self.s3.horizon, self.trend.horizon)
        self.safe_window = self.trend.safe_window
        self.barrier_kinds = tuple(dict.fromkeys(tuple(self.trend.barrier_kinds) + self.s3.barrier_kinds))

    @property
    def sessions_done(self) -> int:
        return self.trend.sessions_done + self.s3.sessions_done

    def describe(self) -> str:
        return f"hub: {self.trend.describe()}; follow graph: {self.s3.describe()}"

    def setup_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """S3's agents (every user once) plus the hub's topic and its attackers."""
        rows = self.s3.setup_rows()
        known = {row["agent_id"] for table, row in rows if table == "agents"}
        rows += [(table, row) for table, row in self.trend.setup_rows()
                 if table != "agents" or row["agent_id"] not in known]
        return rows

    def initial_events(self) -> list[Event]:
        hub = [e for e in self.trend.initial_events() if e.kind != "intervention" or self._hub_applies(e)]
        return sorted(hub + self.s3.initial_events(), key=lambda e: (e.time, e.priority, e.agent or ""))

    def _hub_applies(self, event: Event) -> bool:
        """A change to one user reaches the hub only if that user visits it (rule users never do)."""
        iv = self.trend.sc.interventions[event.data["index"]]
        return iv.type not in ("suspend_user", "set_profile", "set_state") or iv.agent in self.trend.participants

    def _world(self, event: Event) -> Any:
        return self.s3 if event.kind in GRAPH_KINDS else self.trend

    async def compute(self, event: Event) -> Any:
        return await self._world(event).compute(event)

    def still_valid(self, event: Event, outcome: Any) -> bool:
        return self._world(event).still_valid(event, outcome)

    def commit(self, event: Event, outcome: Any) -> list[Event]:
        if event.kind in GRAPH_KINDS:
            follow_ups = self.s3.commit(event, outcome)
            self._emotion_to_hub()
            return follow_ups
        follow_ups = self.trend.commit(event, outcome)
        if event.kind == "step" and any(kind == "session_start" for kind, _ in getattr(outcome, "records", ())):
            self.s3.hear_from_hub(event.agent or "", event.time)
        if event.kind == "step" and getattr(outcome, "seen", None):
            self._remember_hub(event.agent or "", event.time, outcome.seen)
        if event.kind == "step" and getattr(outcome, "state", None) is not None:
            self._remember_reflection(event, outcome.state.summary)
        self._emotion_to_graph([event.agent] if event.agent else list(self.trend.participants))
        return follow_ups

    # ---------------------------------------------------------------- one user on both surfaces

    def _index(self, agent: str) -> int | None:
        index = self.s3.graph_index.get(agent)
        return index if index is not None and index in self.s3.users else None

    def _emotion_to_graph(self, agents: list[str]) -> None:
        """The hub's continuous emotion is the user's emotion; the follow feed sees its level."""
        for agent in agents:
            index, p = self._index(agent), self.trend.participants.get(agent)
            if index is not None and p is not None:
                self.s3.emotion[index] = level_of(p.state.emotion)

    def _emotion_to_hub(self) -> None:
        """A level the follow feed set (an S3 round, a graph intervention) moves the hub's emotion to it."""
        for agent, p in self.trend.participants.items():
            index = self._index(agent)
            if index is not None:
                p.state = replace(p.state, emotion=in_step(p.state.emotion, int(self.s3.emotion[index])))

    def _remember_hub(self, agent: str, t: float, seen: list[tuple[int, str]]) -> None:
        """Hub comments a user read enter the same memory pool their follow-feed decisions draw on
        (source ``recommended``: a platform channel, like the hub's own post)."""
        index = self._index(agent)
        if index is None:
            return
        vectors = self.s3.inp.embedder.encode([text for _, text in seen])
        items = [MemoryItem.of(f"c{cid}", text, t, "recommended", "hub", row.copy())
                 for (cid, text), row in zip(seen, vectors)]
        self.s3.pools[index].add(items, t, self.s3.users[index].profile_vec)

    def _remember_reflection(self, event: Event, summary: str) -> None:
        """The summary a hub reflection wrote enters the user's pool as their own memory: the hub's
        prompts show the pool in its place (:mod:`hubbub.agents.hub.recall`)."""
        index = self._index(event.agent or "")
        if index is None or not summary.strip():
            return
        vector = self.s3.inp.embedder.encode([summary])[0].copy()
        item = MemoryItem.of(f"h{event.data['visit']}.{event.data['step']}", summary, event.time, "own",
                             event.agent or "", vector)
        self.s3.pools[index].add([item], event.time, self.s3.users[index].profile_vec)


def hub_participants(scenario: Scenario, inputs: s3_env.S3Inputs) -> list[Participant]:
    """The hub's users: the first ``s3.hub.hub_users`` LLM users, with their S3 personas."""
    limit = scenario.s3.hub.hub_users
    users = inputs.llm_users if limit is None else inputs.llm_users[:limit]
    return [Participant(u.agent_id, "user", u.profile, u.group or "society", UserState(u.emotion0, u.confidence0))
            for u in users]


def _attackers(scenario: Scenario, n_users: int) -> list[Participant]:
    from hubbub.runtime.trendsim.population import _attackers as trend_attackers

    return trend_attackers(scenario, n_users)


def prepare_inputs(scenario: Scenario, seeds: SeedTree) -> tuple[s3_env.S3Inputs, Any]:
    """The follow-graph environment and the hub's topic, checked before anything is written."""
    from hubbub.runtime.trendsim.population import resolve_topic

    inputs = s3_env.prepare(scenario, seeds)
    s3_interventions.check(scenario, inputs.agent_ids, inputs.graph)
    if not inputs.llm_users:
        raise ConfigError("kind 'combined' needs LLM users (they are the hub's visitors); raise s3.population.llm_users")
    return inputs, resolve_topic(scenario)


def build_world(scenario: Scenario, prepared: tuple[s3_env.S3Inputs, Any], llm: Backend, recorder: RunRecorder,
                seeds: SeedTree) -> CombinedWorld:
    inputs, topic = prepared
    return CombinedWorld(scenario, inputs, topic, llm, recorder, seeds)
