"""The mind of a user on the trending hub (TrendSim 3.3): what they perceive, choose, write and how
they reflect, as requests to the LLM backend.

Each request's seed derives from (user, visit, step, call), never from call order, so results do not
depend on concurrency. A failed request raises :class:`Failure`; the world ends the session with a
recorded failure. Numbers (emotion, social confidence) are asked as a choice over 11 bins, never parsed
out of free text (DESIGN decision 3); by default the state takes the bins' expected value under the
model's distribution, without sampling noise (``llm.scores``). The platform's censor asks through the same boundary.
"""

from __future__ import annotations

from typing import Any

from hubbub.agents.hub.prompts import PromptKit
from hubbub.agents.user import Participant, UserState
from hubbub.kernel.seeding import SeedTree
from hubbub.llm.base import Backend, ChoiceRequest, GenerateRequest

BINS = tuple(round(i / 10, 1) for i in range(11))


class Failure(Exception):
    """An LLM request of this step failed after retries; the step ends with a recorded failure."""

    def __init__(self, kind: str, error: str) -> None:
        super().__init__(error)
        self.kind, self.error = kind, error


class HubMind:
    """Asks the backend for hub users' and attackers' steps (see the module docstring)."""

    def __init__(self, llm: Backend, seeds: SeedTree, prompts: PromptKit, llm_cfg: Any, lang: str) -> None:
        self.llm, self.seeds, self.prompts, self.cfg, self.lang = llm, seeds, prompts, llm_cfg, lang

    async def gen(self, name: str, key: tuple, state: UserState, p: Participant, template: str | None = None,
                  **fields: Any) -> str:
        """Free text of call ``name`` (perception, a comment, a reply, a summary), cleaned; ``template``
        names another layout of the same call (its kind and seed stay ``name``'s)."""
        prompt = self.prompts.user(template or name, p.description, state, **fields)
        request = GenerateRequest(f"trendsim.{name}", prompt,
                                  seed=self.seeds.seed("llm", *key, name), max_tokens=self.cfg.max_tokens,
                                  temperature=self.cfg.text_temperature)
        result = await self.llm.generate_one(request)
        if not result.ok or not (result.text or "").strip():
            raise Failure(request.kind, result.error or "InvalidOutput: empty text")
        return clean(result.text or "")

    async def choose(self, name: str, key: tuple, state: UserState, p: Participant,
                     options: list[str], **fields: Any) -> int:
        """The index of the option picked by call ``name``; one option needs no call."""
        if len(options) == 1:
            return 0  # nothing to choose: no model call
        index, _ = await self._choice(name, key, state, p, options, **fields)
        return index

    async def score(self, name: str, key: tuple, state: UserState, p: Participant, **fields: Any) -> float:
        """A number in [0, 1] asked as a choice over :data:`BINS`: the expected value under the model's
        distribution (``llm.scores = "expected"``) or the bin sampled from it (``"sampled"``)."""
        index, probs = await self._choice(name, key, state, p, [f"{b:.1f}" for b in BINS], **fields)
        return expected_bin(probs) if self.cfg.scores == "expected" else BINS[index]

    async def _choice(self, name: str, key: tuple, state: UserState, p: Participant,
                      options: list[str], **fields: Any) -> tuple[int, tuple[float, ...]]:
        request = ChoiceRequest(f"trendsim.{name}", self.prompts.user(name, p.description, state, **fields),
                                tuple(options), seed=self.seeds.seed("llm", *key, name),
                                temperature=self.cfg.choice_temperature, lang=self.lang)
        result = await self.llm.choose_one(request)
        if not result.ok or result.index is None:
            raise Failure(request.kind, result.error or "InvalidOutput: no option picked")
        return result.index, result.probs

    async def reflect(self, key: tuple, state: UserState, p: Participant, impression: str, action: str) -> UserState:
        """The short-term memory after an action: emotion, confidence, summary, opinion (TrendSim 3.3.2)."""
        fields = {"impression": impression, "action": action}
        # The four calls share everything but their last question, so they go one after the other:
        # each finds the prompt before it in the server's prefix cache (a call sent beside another
        # lands in another slot and computes the shared part again). The first failure ends the step.
        emotion = await self.score("reflect_emotion", key, state, p, **fields)
        confidence = await self.score("reflect_confidence", key, state, p, **fields)
        summary = await self.gen("reflect_summary", key, state, p, **fields)
        opinion = await self.gen("reflect_opinion", key, state, p, **fields)
        return UserState(emotion, confidence, summary, opinion)

    async def attack_text(self, p: Participant, key: tuple, topic: str, comments: list[str]) -> str:
        """A prototype attacker's comment on the topic and the comments so far (TrendSim 3.4)."""
        request = GenerateRequest(f"trendsim.attack.{p.prototype}",
                                  self.prompts.attacker(p.prototype or "rumor", topic, comments),
                                  seed=self.seeds.seed("llm", *key, "attack"),
                                  max_tokens=self.cfg.max_tokens, temperature=self.cfg.text_temperature)
        result = await self.llm.generate_one(request)
        if not result.ok:
            raise Failure(request.kind, result.error or "failed")
        return clean(result.text or "")

    def censor_request(self, title: str, text: str, seed: int) -> ChoiceRequest:
        """The censor's question about one text; option 0 means malicious."""
        return ChoiceRequest("trendsim.censor", self.prompts.censor(title, text), self.prompts.censor_options(),
                             seed=seed, temperature=self.cfg.choice_temperature, lang=self.lang)

    async def censor(self, title: str, text: str, key: tuple) -> bool:
        """True when the censor flags ``text`` as malicious."""
        result = await self.llm.choose_one(self.censor_request(title, text, self.seeds.seed("llm", *key, "censor")))
        if not result.ok:
            raise Failure("trendsim.censor", result.error or "failed")
        return result.index == 0


def expected_bin(probs: tuple[float, ...]) -> float:
    """The mean of :data:`BINS` under ``probs`` (renormalised), rounded to 4 places so that the value
    printed in prompts and records is stable; a distribution that is not one over the bins is an error."""
    total = float(sum(probs))
    if len(probs) != len(BINS) or not total > 0:
        raise Failure("trendsim.score", f"InvalidOutput: a score needs a distribution over {len(BINS)} bins, got {probs!r}")
    return round(sum(b * q for b, q in zip(BINS, probs)) / total, 4)


def clean(text: str) -> str:
    """Generated text as stored and shown: control characters removed, whitespace collapsed."""
    cleaned = text if text.isprintable() else "".join(ch if ch.isprintable() or ch in "\n" else " " for ch in text)
    return " ".join(cleaned.split())[:2000]
