"""LLM-driven S3 users: one coroutine per user and step, all users of a step concurrently.

A user who received posts takes them in one of two ways (``s3.processing``). ``per_message`` (the
default, S3's Markov updates): the best ``s3.messages_per_round`` received posts, taken in arrival
order (publication order, oldest first), each get the whole sequence below with that one post shown;
the emotion, attitude and memory a message leaves (the post itself, and one's own new post) are what
the next message's questions see. ``per_round``: the sequence runs once over the round's best
``behaviour.max_received`` posts. The sequence: the next emotion and the next attitude (both on the
state before the message, concurrently; S3 4.3), then what to do (repost one of the shown posts,
write a new post, or nothing; S3 4.4.2), then the text of a new post from the profile and the updated
emotion and attitude (S3 4.4.1). A user who received nothing is not asked; their emotion decays. Every
request's seed derives from (user, step, message, call), never from call order, so results do not
depend on concurrency. A failed call keeps the previous state (or means no action) and is returned as
a failure for the caller to record; the run goes on.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS, attitude_request, decay_emotion, emotion_request, initial_attitude_request
from hubbub.agents.demographics import AGE_MIDPOINTS, FIELD_OPTIONS, Demographics, demographic_requests
from hubbub.agents.memory import MemoryItem, MemoryPool, count_tokens, render_memory
from hubbub.agents.feed.policy import Context, Post, checked
from hubbub.kernel.seeding import derive_seed
from hubbub.registry import POLICIES
from hubbub.agents.feed import prompts as bh
from hubbub.agents.prompts import prompts_from
from hubbub.agents.user import LLMUser


@dataclass(frozen=True)
class Received:
    """A post as one user receives it: id, rendered text, memory source and its embedding."""

    post_id: int
    text: str
    author: str
    source: str
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    plain: str = ""
    """The post's own text, as memory keeps it ('' = ``text``)."""


@dataclass
class Decision:
    """The outcome of one LLM user's step, applied at commit."""

    index: int
    agent_id: str
    received: list[int]
    shown: list[int]
    emotion: tuple[int, int]
    attitude: tuple[int, int]
    action: str = "none"
    parent: int | None = None
    text: str | None = None
    text_vector: np.ndarray | None = field(default=None, repr=False)
    failures: list[tuple[str, str]] = field(default_factory=list)
    memory_tokens: int = 0
    prompt_tokens: int = 0
    memory_ids: list[str] = field(default_factory=list)
    policies: dict[str, str] = field(default_factory=dict)
    """Decisions made by a learned policy instead of the LLM: decision -> policy name."""
    message: int | None = None
    """Per-message processing: the message's place in the round's arrival order (0 first); None per round."""

    def record(self, step: int) -> dict[str, Any]:
        """The ``s3_decision`` event's data."""
        learned = {"policies": dict(sorted(self.policies.items()))} if self.policies else {}
        message = {} if self.message is None else {"message": self.message}
        return {**learned, **message, "step": step, "received": self.received, "shown": self.shown,
                "emotion": [EMOTION_LEVELS[self.emotion[0]], EMOTION_LEVELS[self.emotion[1]]],
                "attitude": [ATTITUDES[self.attitude[0]], ATTITUDES[self.attitude[1]]],
                "action": self.action, "parent": self.parent, "text": self.text,
                "memory": self.memory_ids, "memory_tokens": self.memory_tokens, "prompt_tokens": self.prompt_tokens}


class LLMAgents:
    """Asks the backend for LLM users' decisions (see the module docstring)."""

    def __init__(self, sc: Any, llm: Any, seeds: Any, pools: dict[int, MemoryPool], policies: Any = None, *,
                 actions: tuple[Any, ...]) -> None:
        self.sc, self.cfg, self.lang = sc, sc.s3, sc.lang
        self.actions = actions
        """The follow feed's actions (``hubbub.platform.actions.Action``: name, feed option text, what
        they write), in the order their options are offered."""
        self.options = tuple(a.option(sc.lang, "feed") for a in actions)
        self.learned_emotion = getattr(policies, "emotion", None)
        self.learned_attitude = getattr(policies, "attitude", None)
        self.llm, self.seeds, self.pools = llm, seeds, pools
        self.views: dict[int, MemoryPool] = {}
        """Per-message processing: each user's memory as it stands within the round being computed
        (the committed pool plus the messages processed so far); only that user's coroutine touches it."""
        self.limit = asyncio.Semaphore(sc.run.concurrency)
        pop = sc.s3.population
        self.policy = POLICIES.get(pop.policy, "s3.population.policy") if pop.policy else None
        self.policy_users = set(list(pools)[: pop.policy_users]) if self.policy else set()
        """The LLM-slot users a registered policy drives instead of the LLM (the first policy_users)."""
        with prompts_from(sc.agents.prompts_dir):  # the scenario's own memory labels, if it has them
            self.overhead = _memory_overhead(sc.lang)

    # -------------------------------------------------------------------- helpers

    async def _choose(self, request: Any, failures: list[tuple[str, str]]) -> int | None:
        result = await self.llm.choose_one(request)
        if not result.ok:
            failures.append((request.kind, result.error or "InvalidOutput: no option picked"))
            return None
        return int(result.index)

    async def _generate(self, request: Any, failures: list[tuple[str, str]]) -> str | None:
        result = await self.llm.generate_one(request)
        text = " ".join("".join(ch if ch.isprintable() else " " for ch in (result.text or "")).split())
        if not result.ok or not text:
            failures.append((request.kind, result.error or "InvalidOutput: empty text"))
            return None
        return text[: self.cfg.behaviour.content_chars]

    def _fit(self, build: Any, user: LLMUser, received: list[str], now: float) -> tuple[Any, list[MemoryItem], list[str]]:
        pool = self.views.get(user.index)
        pool = self.pools[user.index] if pool is None else pool
        select = lambda room: pool.select(now, user.profile_vec, room, self.overhead)  # noqa: E731
        render = lambda items: render_memory(items, self.lang) if items else ""  # noqa: E731
        return bh.fit_prompt(build, select, render, received, self.cfg.behaviour.prompt_budget,
                             self.cfg.memory.token_budget)

    def memory_text(self, user: LLMUser, now: float) -> str:
        """The user's memory as their prompts show it now (the best-scoring items within the budget)."""
        items = self.pools[user.index].select(now, user.profile_vec, self.cfg.memory.token_budget, self.overhead)
        return render_memory(items, self.lang) if items else ""

    # -------------------------------------------------------------------- one step of one user

    async def decide(self, user: LLMUser, step: int, now: float, received: list[Received],
                     emotion: int, attitude: int) -> list[Decision]:
        """The user's decisions of this round: one per processed message, or one for the round
        (``s3.processing``), in the order they were made."""
        seed = self.seeds.seed("llm", user.agent_id, step)
        async with self.limit:
            if self.cfg.processing == "per_round":
                return [await self._decide(user, step, now, received, emotion, attitude, seed)]
            return await self._each_message(user, step, now, received, emotion, attitude, seed)

    async def _each_message(self, user: LLMUser, step: int, now: float, received: list[Received],
                            emotion: int, attitude: int, seed: int) -> list[Decision]:
        """Per-message processing (see the module docstring): the state each message leaves is the
        state the next one is decided on."""
        messages = sorted(received[: self.cfg.messages_per_round], key=lambda r: r.post_id)
        self.views[user.index] = _copy(self.pools[user.index], now, user.profile_vec)
        decisions: list[Decision] = []
        try:
            for j, message in enumerate(messages):
                d = await self._decide(user, step, now, [message], emotion, attitude, derive_seed(seed, "message", j))
                d.message, (emotion, attitude) = j, (d.emotion[1], d.attitude[1])
                self._remember_message(user, step, now, message, d)
                decisions.append(d)
        finally:
            del self.views[user.index]
        return decisions

    def _remember_message(self, user: LLMUser, step: int, now: float, message: Received, d: Decision) -> None:
        """What the next message's prompts remember of this one: the post, and one's own new post
        (under a provisional id; its post id is given at commit)."""
        items = [MemoryItem.of(f"p{message.post_id}", message.plain or message.text, now, message.source,
                               message.author, message.vector)]
        if d.action == "post" and d.text:
            items.append(MemoryItem.of(f"own{step}.{d.message}", d.text, now, "own", user.agent_id, None))
        self.views[user.index].add(items, now, user.profile_vec)

    async def _decide(self, user: LLMUser, step: int, now: float, received: list[Received],
                      emotion: int, attitude: int, seed: int) -> Decision:
        decision = Decision(user.index, user.agent_id, [r.post_id for r in received], [], (emotion, emotion),
                            (attitude, attitude))
        if user.index in self.policy_users:
            return self._by_policy(user, step, now, received, seed, decision)
        texts = [r.text for r in received[: self.cfg.behaviour.max_received]]
        new_emotion, new_attitude = await asyncio.gather(
            self._emotion(user, seed, now, texts, emotion, decision),
            self._attitude(user, seed, now, texts, attitude, decision))
        decision.emotion, decision.attitude = (emotion, new_emotion), (attitude, new_attitude)
        await self._behave(user, seed, now, received, decision)
        return decision

    def _by_policy(self, user: LLMUser, step: int, now: float, received: list[Received], seed: int,
                   decision: Decision) -> Decision:
        """The registered policy decides for this user (no LLM call); recorded like an LLM decision."""
        name = self.sc.s3.population.policy
        ctx = Context(user.agent_id, user.profile, step, now / 3600.0, EMOTION_LEVELS[decision.emotion[0]],
                      ATTITUDES[decision.attitude[0]],
                      tuple(Post(r.post_id, r.text, r.author, r.source) for r in received),
                      np.random.default_rng(derive_seed(seed, "policy")))
        action, parent, text, emotion, attitude = checked(name, self.policy(ctx), ctx)
        decision.shown = [r.post_id for r in received]
        decision.emotion = (decision.emotion[0], decision.emotion[0] if emotion is None else emotion)
        decision.attitude = (decision.attitude[0], decision.attitude[0] if attitude is None else attitude)
        decision.action, decision.parent = action, parent
        decision.text = text[: self.cfg.behaviour.content_chars] if text else None
        decision.policies = {"behaviour": name, "emotion": name, "attitude": name}
        return decision

    def decay(self, user: LLMUser, step: int, emotion: int) -> int:
        """A user without new posts is not asked; the emotion decays (S3 4.3). A calm user stays calm
        whatever the draw, so their generator (a stream of its own) is not built."""
        if not self.cfg.emotion.enabled or emotion == 0:
            return emotion
        seed = self.seeds.seed("llm", user.agent_id, step)
        return decay_emotion(emotion, self.cfg.emotion.decay, np.random.default_rng(derive_seed(seed, "decay")))

    async def _emotion(self, user: LLMUser, seed: int, now: float, texts: list[str], level: int,
                       decision: Decision) -> int:
        if not self.cfg.emotion.enabled:
            return level
        if self.learned_emotion is not None and texts:
            decision.policies["emotion"] = self.learned_emotion.name
            return self.learned_emotion.draw(texts, derive_seed(seed, "emotion"), level)
        build = lambda memory, shown: emotion_request(  # noqa: E731
            user.profile, user.demographics, level, memory, shown, self.cfg.emotion.decay, self.lang,
            derive_seed(seed, "emotion"), temperature=self.sc.llm.choice_temperature, max_posts=len(shown))
        request, _, _ = self._fit(build, user, texts, now)
        self._note_tokens(decision, request)
        picked = await self._choose(request, decision.failures)
        return level if picked is None else picked

    async def _attitude(self, user: LLMUser, seed: int, now: float, texts: list[str], attitude: int,
                        decision: Decision) -> int:
        if not self.cfg.attitude.enabled:
            return attitude
        if self.learned_attitude is not None and texts:
            decision.policies["attitude"] = self.learned_attitude.name
            return self.learned_attitude.draw(texts, derive_seed(seed, "attitude"), attitude)
        build = lambda memory, shown: attitude_request(  # noqa: E731
            user.profile, user.demographics, attitude, self.cfg.attitude.target, memory, shown, self.lang,
            derive_seed(seed, "attitude"), temperature=self.sc.llm.choice_temperature, max_posts=len(shown))
        request, _, _ = self._fit(build, user, texts, now)
        self._note_tokens(decision, request)
        picked = await self._choose(request, decision.failures)
        return attitude if picked is None else picked

    def _state_line(self, decision: Decision) -> str:
        return bh.state_line(self.lang, EMOTION_LEVELS[decision.emotion[1]], ATTITUDES[decision.attitude[1]],
                             self.cfg.attitude.target)

    async def _behave(self, user: LLMUser, seed: int, now: float, received: list[Received], decision: Decision) -> None:
        persona = bh.persona_block(self.lang, user.profile, user.demographics)
        state = self._state_line(decision)
        shown = received[: self.cfg.behaviour.max_received]
        build = lambda memory, posts: bh.behaviour_request(  # noqa: E731
            self.lang, persona, self.cfg.event, state, memory, posts, derive_seed(seed, "behaviour"),
            self.sc.llm.choice_temperature, self.options)
        request, items, posts = self._fit(build, user, [r.text for r in shown], now)
        self._note_tokens(decision, request, items)
        shown = shown[: len(posts)]
        decision.shown = [r.post_id for r in shown]
        picked = await self._choose(request, decision.failures)
        if picked is None:
            decision.action = "failed"
            return
        action, post = self._slots(len(shown))[picked]
        if action.writes is not None:
            await self._write(user, seed, now, persona, state, posts, decision, action.name)
        else:
            decision.action, decision.parent = action.name, None if post is None else shown[post - 1].post_id

    def _slots(self, shown: int) -> list[tuple[Any, int | None]]:
        """Each option of the behaviour question as (action, received post number or None), in order."""
        return [(a, i) for a, text in zip(self.actions, self.options) for i in bh.per_post(text, shown)]

    async def _write(self, user: LLMUser, seed: int, now: float, persona: str, state: str, posts: list[str],
                     decision: Decision, action: str = "post") -> None:
        build = lambda memory, shown: bh.content_request(  # noqa: E731
            self.lang, persona, self.cfg.event, state, memory, shown, derive_seed(seed, "content"),
            self.sc.llm.text_temperature, self.sc.llm.max_tokens, self.cfg.behaviour.content_chars)
        request, _, _ = self._fit(build, user, posts, now)
        self._note_tokens(decision, request)
        text = await self._generate(request, decision.failures)
        decision.action, decision.text = (action, text) if text else ("failed", None)

    @staticmethod
    def _note_tokens(decision: Decision, request: Any, items: list[MemoryItem] | None = None) -> None:
        decision.prompt_tokens = max(decision.prompt_tokens, bh.prompt_tokens(request))
        if items is not None:
            decision.memory_ids = [it.item_id for it in items]
            decision.memory_tokens = count_tokens(render_memory(items)) if items else 0

    # -------------------------------------------------------------------- step 0: who the users are

    async def infer_demographics(self, user: LLMUser) -> tuple[Demographics, list[tuple[str, str]]]:
        """Ask for every demographic field the data does not state (S3 4.2.2)."""
        async with self.limit:
            failures: list[tuple[str, str]] = []
            if not user.infer:
                return user.demographics, failures
            requests = demographic_requests(user.agent_id, user.profile, user.history, self.lang,
                                            self.seeds.seed("demographics"), user.infer)
            picks = await asyncio.gather(*(self._choose(r, failures) for r in requests.values()))
            return _merge(user.demographics, dict(zip(requests, picks))), failures

    async def initial_attitude(self, user: LLMUser, drawn: int, demographics: Demographics) -> tuple[int, list[tuple[str, str]]]:
        """The attitude before the event, inferred from profile and earlier posts (S3 3.3.2)."""
        async with self.limit:
            failures: list[tuple[str, str]] = []
            request = initial_attitude_request(user.profile, list(user.history), self.cfg.attitude.target,
                                               demographics, self.lang,
                                               self.seeds.seed("llm", user.agent_id, 0, "attitude0"),
                                               temperature=self.sc.llm.choice_temperature)
            picked = await self._choose(request, failures)
            return (drawn if picked is None else picked), failures


def _copy(pool: MemoryPool, now: float, profile_vec: np.ndarray | None) -> MemoryPool:
    """A working copy of a memory pool (the committed one is changed only at commit)."""
    view = MemoryPool(pool.capacity, pool.scorer)
    view.add(pool.items, now, profile_vec)
    return view


def _merge(demo: Demographics, picks: dict[str, int | None]) -> Demographics:
    values = {"age_bin": demo.age_bin, "gender": demo.gender, "occupation": demo.occupation}
    sources = dict(demo.sources)
    for name, index in picks.items():
        if index is not None:
            values[name], sources[name] = FIELD_OPTIONS[name][index], "llm"
    age = demo.age
    if age is None and values["age_bin"]:
        age, sources["age"] = AGE_MIDPOINTS[values["age_bin"]], "bin-midpoint"
    return Demographics(demo.user_id, values["age_bin"], age, values["gender"], values["occupation"], sources)


def _memory_overhead(lang: str) -> int:
    """Tokens a rendered memory line adds to its text (label, author, newline), on the safe side."""
    from hubbub.agents.feed.texts import text as s3_text

    label = max((s3_text(lang, f"source.{s}") for s in ("own", "mutual", "followee", "recommended")), key=count_tokens)
    return count_tokens(f"- [{label} @«u0000000000»] «»\n") + 1
