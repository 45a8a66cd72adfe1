"""The mind of an LLM user on the living platform: one step as requests to the LLM backend.

A step is one choice of action among those the page offers (the options are the actions' option texts),
then, where the action needs it, a choice of the post, user or topic it is taken on and the text it
writes (a post, a quote's comment, a reply, a search query). At the end of a session the user's
attitude toward the scenario's target is asked as a choice over 11 bins (DESIGN decision 3) and, by
default, set to the bins' expected value under the model's distribution (``llm.scores``). Each
request's seed derives from (user, session, step, call), never from call order, so the results do not
depend on concurrency. A failed request raises :class:`~hubbub.agents.hub.mind.Failure`.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from hubbub.agents.hub.mind import BINS, Failure, clean, expected_bin
from hubbub.agents.hub.prompts import PromptKit
from hubbub.agents.prompts import Block, numbered, persona_block, render
from hubbub.agents.social import pages
from hubbub.agents.social.context import SocialChoice, SocialContext
from hubbub.agents.user import UserState
from hubbub.kernel.seeding import SeedTree
from hubbub.llm.base import Backend, ChoiceRequest, ChoiceResult, GenerateRequest

MAX_OPTIONS = 26
MAX_QUERY_CHARS = 100


class SocialMind:
    """Asks the backend for platform users' steps (see the module docstring)."""

    def __init__(self, llm: Backend, seeds: SeedTree, llm_cfg: Any, lang: str, target: str) -> None:
        self.llm, self.seeds, self.cfg, self.lang, self.target = llm, seeds, llm_cfg, lang, target
        self.prompts = PromptKit(lang)
        """The TrendSim prompt kit, for interviews (the same in-character question on every surface)."""

    def persona(self, description: str, state: UserState) -> Block:
        return persona_block(self.lang, description, state.summary, state.opinion, state.emotion, state.confidence)

    async def choose(self, name: str, key: tuple, persona: Block, options: Sequence[str], **fields: Any) -> int:
        """The index of the option picked by call ``name``; one option needs no call."""
        if len(options) == 1:
            return 0
        return (await self._ask(name, key, persona, options, **fields)).index

    async def _ask(self, name: str, key: tuple, persona: Block, options: Sequence[str], **fields: Any) -> ChoiceResult:
        """The backend's answer to choice call ``name`` (picked index and option distribution)."""
        request = ChoiceRequest(f"platform.{name}", render(f"social_{name}", self.lang, persona=persona, **fields),
                                tuple(options), seed=self.seeds.seed("llm", *key, name),
                                temperature=self.cfg.choice_temperature, lang=self.lang)
        result = await self.llm.choose_one(request)
        if not result.ok or result.index is None:
            raise Failure(request.kind, result.error or "InvalidOutput: no option picked")
        return result

    async def gen(self, name: str, key: tuple, persona: Block, **fields: Any) -> str:
        """Free text of call ``name``, cleaned; an empty text is a failure."""
        request = GenerateRequest(f"platform.{name}", render(f"social_{name}", self.lang, persona=persona, **fields),
                                  seed=self.seeds.seed("llm", *key, name), max_tokens=self.cfg.max_tokens,
                                  temperature=self.cfg.text_temperature)
        result = await self.llm.generate_one(request)
        text = clean(result.text or "") if result.ok else ""
        if not text:
            raise Failure(request.kind, result.error or "InvalidOutput: empty text")
        return text

    async def decide(self, ctx: SocialContext, persona: Block, key: tuple, labels: Mapping[str, str],
                     topic_title: str = "", query: str = "") -> SocialChoice:
        """One step: the action, what it is taken on and the text it writes."""
        if ctx.surface == "board":
            return await self._board(ctx, persona, key)
        observation = pages.page_text(ctx, topic_title, query)
        actions = list(ctx.options)
        action = actions[await self.choose("action", key, persona, [labels[a] for a in actions],
                                           observation=observation)]
        target = await self._target(ctx, persona, key, action, labels[action], observation)
        text = await self._text(ctx, persona, key, action, target, observation, topic_title)
        return SocialChoice(action, target, text)

    async def _board(self, ctx: SocialContext, persona: Block, key: tuple) -> SocialChoice:
        lines = ctx.topics[: MAX_OPTIONS - 1]
        options = [t.title for t in lines] + [pages.none_topic(self.lang)]
        pick = await self.choose("board", key, persona, options, board=pages.board_text(ctx))
        return SocialChoice("skip_board") if pick == len(lines) else SocialChoice("open_topic", lines[pick].topic_id)

    async def _target(self, ctx: SocialContext, persona: Block, key: tuple, action: str, label: str,
                      observation: Block) -> Any:
        """What the action is taken on, when the page offers a choice (a second choice call)."""
        possible = ctx.options[action][:MAX_OPTIONS]
        if not possible:
            return None
        is_post = isinstance(possible[0], int)
        options = [ctx.post(p).text for p in possible] if is_post else [str(a) for a in possible]
        pick = await self.choose("pick_post" if is_post else "pick_user", key, persona, options,
                                 observation=observation, action=label)
        return possible[pick]

    async def _text(self, ctx: SocialContext, persona: Block, key: tuple, action: str, target: Any,
                    observation: Block, topic_title: str) -> str | None:
        """The text the action writes (a post, a quote's comment, a reply, a search query)."""
        if action == "post":
            return await self.gen("write_post", key, persona, observation=observation,
                                  topic=topic_title or self.target)
        if action in ("quote", "reply"):
            return await self.gen(f"write_{action}", key, persona, post=ctx.post(target).text)
        if action == "search":
            return (await self.gen("search", key, persona, observation=observation))[:MAX_QUERY_CHARS]
        return None

    async def attitude(self, key: tuple, persona: Block, read: Sequence[str]) -> float:
        """The user's attitude toward the target after a session, asked as a choice over 11 bins: the
        expected value under the model's distribution (``llm.scores = "expected"``) or the sampled bin."""
        seen = numbered(list(read)) if read else Block("-")
        result = await self._ask("attitude", key, persona, [f"{b:.1f}" for b in BINS], target=self.target,
                                 observation=seen)
        return expected_bin(result.probs) if self.cfg.scores == "expected" else BINS[result.index]
