"""The S3 world: information, emotion and attitude spreading over a follow graph in rounds.

Round ``k`` is one event at ``k * step``; step 0 publishes the seed posts (and asks the LLM for
missing demographics and initial attitudes). In every later round all users decide, concurrently, on
the state of the previous round: posts published at ``k - 1`` reach the authors' followers (plus the
platform's recommendations); LLM users are asked through the backend (:mod:`hubbub.agents.feed.decide`),
rule users move all at once with a classical model (:mod:`hubbub.runtime.s3.rules`); by default an
LLM user decides once per received message, each on the state the previous one left. Computing a round
changes nothing; :meth:`S3World.commit` applies it and records it (:mod:`hubbub.runtime.s3.record`).
Rounds are barrier events, so the scheduler never computes one before the previous one is committed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np

from hubbub.agents.memory import MemoryItem, MemoryPool, scorer_for
from hubbub.kernel.events import Event
from hubbub.kernel.seeding import SeedTree
from hubbub.llm.base import Backend
from hubbub.platform.feed import exposure as exp
from hubbub.runtime.s3 import env as s3_env, interventions as ivs, record
from hubbub.runtime import surveys
from hubbub.runtime.recorder import RunRecorder
from hubbub.agents.feed.decide import Decision, LLMAgents, Received
from hubbub.agents.feed.prompts import t as bt
from hubbub.runtime.s3.feed_surface import FeedSurface
from hubbub.platform.feed.posts import HUB, PLATFORM, POST, REPOST, SEED, FollowFeed
from hubbub.platform.feed.recommend import RecommendationFeed
from hubbub.runtime.s3.policies import S3Policies, rule_settings
from hubbub.runtime.s3.outcome import StepOutcome, decision_key, round_actions
from hubbub.runtime.s3.rules import initial_rule_state, make_rule_model, rule_step
from hubbub.scenarios.config import Scenario

HOUR = 3600.0
PRIORITY_ROUND = 5  # after hub events at the same instant (combined runs)


class S3World:
    """Implements the scheduler's Process protocol for one S3 scenario."""

    def __init__(self, scenario: Scenario, inputs: s3_env.S3Inputs, llm: Backend, recorder: RunRecorder,
                 seeds: SeedTree) -> None:
        self.sc, self.cfg, self.inp = scenario, scenario.s3, inputs
        self.rec, self.seeds, self.llm = recorder, seeds, llm
        self.graph, self.n = inputs.graph, inputs.graph.n_nodes
        self.ids, self.step_s = inputs.agent_ids, self.cfg.step_h * HOUR
        self.horizon, self.safe_window = self.cfg.steps * self.step_s, 0.0
        self.barrier_kinds = ("s3_round", "intervention", "interview", "graph_intervention", "survey")
        self.controls = ivs.GraphControls(self.n, self.cfg.recommend)
        self.sessions_done = 0
        self.posts = FollowFeed(authors=self.ids)  # the run's one content store (shared with a hub; S3 alone: the window)
        self.recommended = RecommendationFeed(self.posts)  # S3 5.4, by the ranker s3.recommend.ranker names
        self.emotion = np.zeros(self.n, dtype=np.int8)
        self.attitude = inputs.attitude0.astype(np.int8).copy()
        self.aware = np.zeros(self.n, dtype=bool)
        self.acted = np.zeros(self.n, dtype=bool)
        self.is_llm = inputs.is_llm
        self.is_rule = ~inputs.is_llm
        self.users = {u.index: u for u in inputs.llm_users}
        self.scorer = scorer_for(self.cfg.memory)
        self.pools = {u.index: MemoryPool(self.cfg.memory.capacity, self.scorer) for u in inputs.llm_users}
        policies = inputs.policies or S3Policies()
        self.feed = FeedSurface(self.cfg.extra_actions, scenario.lang, self.posts, self.ids)
        self.agents = LLMAgents(scenario, llm, seeds, self.pools, policies, actions=self.feed.actions)
        rule_cfg = rule_settings(self.cfg.rule, policies)
        self.model = make_rule_model(rule_cfg)
        self._rule_cfg = rule_cfg.model_copy(update={
            "emotion_contagion": rule_cfg.emotion_contagion if self.cfg.emotion.enabled else 0.0,
            "attitude_model": rule_cfg.attitude_model if self.cfg.attitude.enabled else "none"})
        self._per_message = self.cfg.messages_per_round if self.cfg.processing == "per_message" else 0
        self.rule_aux = initial_rule_state(self.model, self.n, seeds.rng("rules", "init")).aux
        self.mutual = self.graph.mutual_mask()
        self.followees = self.graph.out_degree()
        self._keys: np.ndarray | None = None
        self.hub_pending: dict[int, float] = {}
        self.hub_post: int | None = None
        self.hub_text: str | None = None
        self.last_curve: dict[str, Any] = {}

    # ---------------------------------------------------------------- setup

    def setup_rows(self) -> list[tuple[str, dict[str, Any]]]:
        return record.agent_rows(self)

    def describe(self) -> str:
        llm = len(self.users)
        return (f"{self.n:,} users ({llm:,} LLM, {self.n - llm:,} rule-based: {self.cfg.rule.model}), "
                f"{self.graph.n_edges:,} follow edges, {len(self.inp.seed_texts)} seed posts, "
                f"{self.cfg.steps} rounds of {self.cfg.step_h:g} h")

    def initial_events(self) -> list[Event]:
        rounds = [Event(k * self.step_s, "s3_round", None, PRIORITY_ROUND, {"step": k}) for k in range(self.cfg.steps + 1)]
        return rounds + ivs.scheduled_events(self.sc)

    def index_of(self, agent_id: str) -> int:
        return self.graph_index[agent_id]

    @property
    def graph_index(self) -> dict[str, int]:
        if not hasattr(self, "_index"):
            self._index = {a: i for i, a in enumerate(self.ids)}
        return self._index

    @property
    def keys(self) -> np.ndarray:
        if self._keys is None:
            self._keys = exp.follow_keys(self.graph.delivery)
        return self._keys

    # ---------------------------------------------------------------- Process protocol

    async def compute(self, event: Event) -> Any:
        if event.kind == "interview":
            return await ivs.interview(self, event)
        if event.kind == "survey":
            return await surveys.ask_graph_users(self, event)
        if event.kind in ("intervention", "graph_intervention"):
            return None  # everything happens at commit
        step = int(event.data["step"])
        return await (self._setup_step(event.time) if step == 0 else self._round(step, event.time))

    def still_valid(self, event: Event, outcome: StepOutcome) -> bool:
        return True  # rounds are barriers: nothing is committed between their compute and commit

    def commit(self, event: Event, outcome: Any) -> list[Event]:
        if event.kind in ("intervention", "graph_intervention"):
            self.rec.event(event.time, "intervention", None, ivs.apply(self, event))
            return []
        if event.kind in ("interview", "survey"):
            for agent, kind, data in outcome:
                self.rec.event(event.time, kind, agent, data)
            return []
        if outcome.step == 0:
            self._commit_setup(outcome)
        else:
            self._commit_round(outcome)
        self.sessions_done += 1
        return []

    # ---------------------------------------------------------------- step 0

    async def _setup_step(self, t: float) -> StepOutcome:
        out = StepOutcome(0, t)
        users = list(self.users.values())
        demos = await asyncio.gather(*(self.agents.infer_demographics(u) for u in users))
        for u, (demo, failures) in zip(users, demos):
            out.setup[u.index] = (demo, int(self.attitude[u.index]), failures)
        if self.cfg.attitude.initial == "llm":
            picks = await asyncio.gather(*(self.agents.initial_attitude(u, int(self.attitude[u.index]),
                                                                        out.setup[u.index][0]) for u in users))
            for u, (att, failures) in zip(users, picks):
                demo, _, earlier = out.setup[u.index]
                out.setup[u.index] = (demo, att, earlier + failures)
        return out

    def _commit_setup(self, out: StepOutcome) -> None:
        record.setup_event(self, out.time)
        for index, (demo, att, failures) in sorted(out.setup.items()):
            user = self.users[index]
            user.demographics = demo
            self.attitude[index] = att
            record.profile_event(self, user, att, failures, out.time)
        texts = list(self.inp.seed_texts)
        authors = self.inp.seed_authors
        ids = self._publish(authors, np.full(len(texts), -1), np.full(len(texts), SEED), 0, texts)
        if self.sc.kind == "combined" and self.hub_text is not None:
            self.hub_post = int(self._publish(np.array([PLATFORM]), np.array([-1]), np.array([HUB]), 0, [self.hub_text])[0])
            ids = np.append(ids, self.hub_post)
        record.posts_event(self, ids, out.time)
        users, first = np.unique(authors, return_index=True)
        self._make_aware(users, ids[first], np.full(users.size, -1, np.int8), 0, out.time)
        record.step_event(self, out.time, 0, {"new_aware": int(users.size)})
        record.user_state_rows(self, 0, out.time, {int(a): "post" for a in authors.tolist()})

    # ---------------------------------------------------------------- rounds

    async def _round(self, k: int, t: float) -> StepOutcome:
        out = StepOutcome(k, t)
        ex = self._exposures(k, out)
        out.aware = exp.first_exposures(ex, self.aware)
        out.rule = rule_step(self._rule_cfg, self.model, self.rule_aux, ex, self.posts, self.emotion, self.attitude,
                             self.acted, self.is_rule, self.followees, self._decay(), self.inp.rule_texts, k,
                             self.seeds.rng("rules", k), self._per_message)
        out.received = self._received(ex)
        asked = [u for u in self.users.values() if out.received.get(u.index)]
        per_user = await asyncio.gather(*(
            self.agents.decide(u, k, t, out.received[u.index], int(self.emotion[u.index]),
                               int(self.attitude[u.index])) for u in asked))
        out.decisions, out.asked = [d for ds in per_user for d in ds], len(asked)
        out.decayed = {u.index: self.agents.decay(u, k, int(self.emotion[u.index]))
                       for u in self.users.values() if not out.received.get(u.index)}
        self._embed_own_posts(out.decisions)
        return out

    def _decay(self) -> float:
        return self.cfg.emotion.decay if self.cfg.emotion.enabled else 0.0

    def _exposures(self, k: int, out: StepOutcome) -> exp.Exposures:
        follow = exp.follow_exposures(self.graph.delivery, self.mutual, self.posts, k)
        rec = self.recommended.deliver(self.controls.recommend, k, self.n, lambda: self.keys,
                                       self.seeds.rng("recommend", k), self._personal_rankings)
        rec = exp.Exposures.concat([rec, self._pinned(k)])
        hub = self._hub_exposures(out)
        follow, rec = self.controls.filter(follow, self.posts, self.n, out.time), \
            self.controls.filter(rec, self.posts, self.n, out.time)
        out.counts = {"deliveries": len(follow), "recommended": len(rec), "hub": len(hub)}
        return exp.Exposures.concat([follow, rec, hub]).dedupe()

    def _pinned(self, k: int) -> exp.Exposures:
        """Platform posts injected by an intervention reach every user at the round after it."""
        posts = [p for p, at in self.controls.pinned if at == k]
        if not posts:
            return exp.Exposures.empty()
        users = np.arange(self.n, dtype=np.int64)
        return exp.Exposures(np.repeat(np.array(posts, dtype=np.int64), self.n), np.tile(users, len(posts)),
                             np.full(self.n * len(posts), exp.RECOMMENDED, np.int8))

    def record_posts(self, ids: np.ndarray, t: float) -> None:
        record.posts_event(self, ids, t)

    def _personal_rankings(self, pool: np.ndarray) -> dict[int, np.ndarray]:
        if pool.size == 0:
            return {}
        vectors = self.inp.embedder.encode([self.posts.texts[int(p)] for p in pool])
        return {u.index: np.argsort(-(vectors @ u.profile_vec), kind="stable") for u in self.users.values()
                if u.profile_vec is not None}

    def _hub_exposures(self, out: StepOutcome) -> exp.Exposures:
        if self.hub_post is None or not self.hub_pending or not self.cfg.hub.repost_hub:
            return exp.Exposures.empty()
        users = np.array(sorted(self.hub_pending), dtype=np.int64)
        out.hub_consumed = users.tolist()
        return exp.Exposures(np.full(users.size, self.hub_post, np.int64), users,
                             np.full(users.size, exp.HUB_SOURCE, np.int8))

    def _received(self, ex: exp.Exposures) -> dict[int, list[Received]]:
        """Per LLM user, the posts received this step, best first (relevance and source, as memory
        scores them at age 0), one per original post."""
        mask = self.is_llm[ex.receiver]
        if not mask.any():
            return {}
        posts, receivers, sources = ex.post[mask], ex.receiver[mask], ex.source[mask]
        distinct = np.unique(posts)
        matrix = self.inp.embedder.encode([self.posts.texts[int(p)] for p in distinct])
        vectors = {p: row.copy() for p, row in zip(distinct.tolist(), matrix)}  # memory keeps rows, not the matrix
        shown = {p: (self._render(p), self.ids[a] if a >= 0 else "platform", self.posts.texts[p])
                 for p, a in zip(distinct.tolist(), self.posts.at("author", distinct).tolist())}  # once per post
        out: dict[int, list[Received]] = {}
        for p, r, s in zip(posts.tolist(), receivers.tolist(), sources.tolist()):
            text, author, plain = shown[p]
            out.setdefault(r, []).append(Received(p, text, author, exp.MEMORY_SOURCE[s], vectors[p], plain))
        return {r: self._rank(r, items) for r, items in out.items()}

    def _rank(self, user: int, items: list[Received]) -> list[Received]:
        profile = self.users[user].profile_vec
        vectors = np.stack([it.vector for it in items])
        has = np.ones(len(items), dtype=bool)
        rel = self.scorer.relevance(vectors, has, profile)
        src = np.array([self.scorer.source_scores[it.source] for it in items])
        score = self.scorer.combine(np.ones(len(items)), rel, src)
        order = sorted(range(len(items)), key=lambda i: (-score[i], items[i].post_id))
        roots, ranked, root_of = set(), [], self.posts.at("root", [it.post_id for it in items]).tolist()
        for i in order:
            root = root_of[i]
            if root not in roots:
                roots.add(root)
                ranked.append(items[i])
        return ranked

    def _render(self, post: int) -> str:
        """A post as its receivers see it: who posted or reposted it, its text and any warning label."""
        author, kind = int(self.posts.at("author", post)), int(self.posts.at("kind", post))
        text = self.posts.texts[post]
        if author < 0:
            shown = bt(self.sc.lang, "platform", text=text)
        else:
            shown = bt(self.sc.lang, "reposted" if kind == REPOST else "posted", author=self.ids[author], text=text)
        label = self.controls.label_of(self.posts, post)
        return shown if label is None else f"{shown} {bt(self.sc.lang, 'label', text=label)}"

    def _embed_own_posts(self, decisions: list[Decision]) -> None:
        written = [d for d in decisions if d.action == "post" and d.text]
        if written:
            for d, v in zip(written, self.inp.embedder.encode([d.text for d in written])):
                d.text_vector = v.copy()

    # ---------------------------------------------------------------- commit of a round

    def _commit_round(self, out: StepOutcome) -> None:
        k, t = out.step, out.time
        rule = out.rule
        assert rule is not None
        emotion, attitude = rule.emotion.copy(), rule.attitude.copy()
        for index, level in out.decayed.items():
            emotion[index] = level
        for d in out.decisions:  # in order: a user's last decision leaves their state
            emotion[d.index], attitude[d.index] = d.emotion[1], d.attitude[1]
        self.emotion, self.attitude, self.rule_aux = emotion, attitude, rule.aux
        for index in out.hub_consumed:
            self.hub_pending.pop(index, None)
        post_of, rule_ids = self._publish_step(out, k)
        for d in out.decisions:
            record.decision_event(self, d, k, t, post_of.get(decision_key(d)), self.feed.apply(d, t))
        record.posts_event(self, np.array(sorted(post_of.values()) + rule_ids, dtype=np.int64), t)
        self._remember(out, t, post_of)
        users, posts, sources = out.aware
        self._make_aware(users, posts, sources, k, t)
        record.step_event(self, t, k, {**out.counts, "new_aware": int(users.size),
                                       "llm_asked": out.asked,
                                       "llm_failures": sum(len(d.failures) for d in out.decisions)})
        actions = dict(zip(rule.actors.tolist(), np.where(rule.is_post, "post", "repost").tolist()))
        actions.update(round_actions(out.decisions))
        record.user_state_rows(self, k, t, actions)
        if self.sc.kind == "s3":  # round k + 1 reads the posts of its recommendation window (and of step k)
            self.posts.keep_steps_from(k + 1 - self.cfg.recommend.window_steps)

    def _publish_step(self, out: StepOutcome, k: int) -> tuple[dict[tuple[int, int], int], list[int]]:
        """Append this step's posts: LLM users' first (by user, then message), then rule users' (by
        user). Each LLM post carries its author's state after the decision that wrote it."""
        acting = [d for d in sorted(out.decisions, key=decision_key) if d.action in ("repost", "post")]
        post_of: dict[tuple[int, int], int] = {}
        if acting:
            authors = np.array([d.index for d in acting], dtype=np.int64)
            parents = np.array([d.parent if d.action == "repost" else -1 for d in acting], dtype=np.int64)
            kinds = np.array([REPOST if d.action == "repost" else POST for d in acting], dtype=np.int8)
            texts = [self.posts.texts[d.parent] if d.action == "repost" else d.text or "" for d in acting]
            states = (np.array([d.emotion[1] for d in acting]), np.array([d.attitude[1] for d in acting]))
            ids = self._publish(authors, parents, kinds, k, texts, states)
            post_of = dict(zip(map(decision_key, acting), ids.tolist()))
        rule = out.rule
        parents = np.where(rule.is_post, -1, rule.parent_post)
        kinds = np.where(rule.is_post, POST, REPOST).astype(np.int8)
        texts, pool = [], iter(rule.texts)
        for p, is_post in zip(rule.parent_post.tolist(), rule.is_post.tolist()):
            texts.append(next(pool) if is_post else self.posts.texts[p])
        return post_of, self._publish(rule.actors, parents, kinds, k, texts).tolist()

    def _publish(self, authors: np.ndarray, parents: np.ndarray, kinds: np.ndarray, step: int, texts: list[str],
                 states: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        authors = np.asarray(authors, dtype=np.int64)
        safe = np.maximum(authors, 0)
        emotion, attitude = states or (np.where(authors >= 0, self.emotion[safe], 0),
                                       np.where(authors >= 0, self.attitude[safe], 0))
        ids = self.posts.add(authors, parents, kinds, step, emotion, attitude, texts)
        self.acted[authors[authors >= 0]] = True
        return ids

    def _remember(self, out: StepOutcome, t: float, post_of: dict[tuple[int, int], int]) -> None:
        """Received posts and one's own new post go into the memory pool (S3 4.1)."""
        for index, items in out.received.items():
            pool = self.pools[index]
            memory = [MemoryItem.of(f"p{it.post_id}", self.posts.texts[it.post_id], t, it.source, it.author, it.vector)
                      for it in items]
            pool.add(memory, t, self.users[index].profile_vec)
        for d in out.decisions:
            if decision_key(d) in post_of:
                pid = post_of[decision_key(d)]
                vector = d.text_vector if d.action == "post" else next(
                    (it.vector for it in out.received.get(d.index, []) if it.post_id == d.parent), None)
                own = MemoryItem.of(f"p{pid}", self.posts.texts[pid], t, "own", d.agent_id, vector)
                self.pools[d.index].add([own], t, self.users[d.index].profile_vec)

    def _make_aware(self, users: np.ndarray, posts: np.ndarray, sources: np.ndarray, step: int, t: float) -> None:
        users = np.asarray(users, dtype=np.int64)
        if users.size == 0:
            return
        self.aware[users] = True
        record.aware_event(self, users, posts, sources, step, t)

    # ---------------------------------------------------------------- the hub (combined runs)

    def hear_from_hub(self, agent_id: str, t: float) -> None:
        """A user saw the trending hub: aware now (channel hub) if not before; the hub topic reaches
        them as a recommended post at the next round."""
        index = self.graph_index.get(agent_id)
        if index is None:
            return
        if not self.aware[index]:
            post = np.array([self.hub_post if self.hub_post is not None else -1])
            step = int(t // self.step_s)
            self._make_aware(np.array([index]), post, np.array([exp.HUB_SOURCE], np.int8), step, t)
        self.hub_pending.setdefault(index, t)


def prepare_inputs(scenario: Scenario, seeds: SeedTree) -> s3_env.S3Inputs:
    """Read and check every input (graph, personas, data files, interventions) before the run folder
    is touched."""
    inputs = s3_env.prepare(scenario, seeds)
    ivs.check(scenario, inputs.agent_ids, inputs.graph)
    return inputs


def build_world(scenario: Scenario, prepared: s3_env.S3Inputs, llm: Backend, recorder: RunRecorder,
                seeds: SeedTree) -> S3World:
    return S3World(scenario, prepared, llm, recorder, seeds)
