"""Emotion and attitude (S3 3.3 and 4.3): Markov updates asked of the LLM as choices.

A user's emotion about the event is one of three levels (calm, moderate, intense) and starts at calm;
their attitude toward a target is negative or positive and starts from an initial choice made from the
profile and earlier posts. At each step a user who received posts is asked for the next state, with
the current state, profile, memory and the received posts in the prompt, and (S3 4.3) told that
emotions decay with a given coefficient. A user who received nothing is not asked: the decay is then
applied by :func:`decay_emotion` (with probability ``decay`` the level drops one step toward calm).

:class:`EmotionPolicy` is the seam between an LLM policy and a learned or rule-based one: both turn the
same :class:`EmotionInput` list into :class:`EmotionUpdate` s, the LLM one through choice requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from hubbub.agents.demographics import Demographics, describe
from hubbub.agents.prompts import joined, numbered
from hubbub.agents.feed.texts import check_lang, text
from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import ChoiceRequest, ChoiceResult

EMOTION_LEVELS = ("calm", "moderate", "intense")
ATTITUDES = ("negative", "positive")
EMOTION_INTENSITY = (0.0, 0.5, 1.0)
"""The intensity of each level in [0, 1], used for population means."""


def level_of(intensity: float) -> int:
    """The three-level view of a continuous emotion in [0, 1] (TrendSim's scale): the nearest level
    intensity, so calm below 0.25, moderate below 0.75, intense from 0.75 on."""
    return 0 if intensity < 0.25 else 1 if intensity < 0.75 else 2


def in_step(intensity: float, level: int) -> float:
    """A continuous emotion kept in step with a level the follow feed set: unchanged when it already
    reads as that level, else the level's intensity (one emotion per user in a combined run)."""
    return intensity if level_of(intensity) == level else EMOTION_INTENSITY[level]


def emotion_index(level: str | int) -> int:
    """The index of an emotion level given by name or index."""
    return _index(level, EMOTION_LEVELS, "emotion level")


def attitude_index(attitude: str | int) -> int:
    """The index of an attitude given by name or index (0 negative, 1 positive)."""
    return _index(attitude, ATTITUDES, "attitude")


def _index(value: str | int, names: tuple[str, ...], what: str) -> int:
    if isinstance(value, str) and value in names:
        return names.index(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < len(names):
        return int(value)
    raise ValueError(f"{what}: got {value!r}, allowed: {', '.join(names)} or 0..{len(names) - 1}")


# ---------------------------------------------------------------------------------------------------
# Prompts


def _persona(profile_text: str, demographics: Demographics | dict[str, Any] | None, lang: str) -> str:
    """The profile (quoted: a bio cannot forge prompt lines) and the demographics line."""
    lines = [profile_text.strip() or text(lang, "no_profile")]
    if demographics is not None:
        lines.append(describe(demographics, lang))
    return text(lang, "persona", profile=joined(lines))


def _posts_block(posts: Sequence[str], lang: str, empty_key: str, max_posts: int) -> str:
    """Numbered, quoted posts, or the "none" wording."""
    shown = [p for p in posts if p.strip()][:max_posts]
    return numbered(shown) if shown else text(lang, empty_key)


def _memory(memory_text: str, lang: str) -> str:
    """The memory block; a rendered memory (a Block) is kept, plain text is quoted whole."""
    return text(lang, "memory", memory=memory_text if memory_text.strip() else text(lang, "memory_empty"))


def _request(kind: str, lang: str, seed: int, temperature: float, parts: list[str],
             options: tuple[str, ...]) -> ChoiceRequest:
    return ChoiceRequest(kind=kind, messages=(("system", text(lang, "system")), ("user", "\n\n".join(parts))),
                         options=options, seed=seed, temperature=temperature, lang=lang)


def interview_messages(profile_text: str, demographics: Demographics | dict[str, Any] | None, level: str,
                       attitude: str, target: str, memory_text: str, question: str,
                       lang: str = "en") -> tuple[tuple[str, str], ...]:
    """An interview of an S3 user in character: persona, memory and current state, then the question
    (the changing part last, as in every S3 prompt)."""
    check_lang(lang)
    parts = [
        _persona(profile_text, demographics, lang),
        _memory(memory_text, lang),
        text(lang, "interview_state", level=text(lang, f"emotion.{level}"), target=target,
             attitude=text(lang, f"attitude.{attitude}")),
        text(lang, "interview_question", question=question),
    ]
    return (("system", text(lang, "system")), ("user", "\n\n".join(parts)))


def emotion_options(lang: str = "en") -> tuple[str, ...]:
    """The emotion levels as shown to the model, in :data:`EMOTION_LEVELS` order."""
    return tuple(text(lang, f"emotion.{level}") for level in EMOTION_LEVELS)


def attitude_options(lang: str = "en") -> tuple[str, ...]:
    """The attitudes as shown to the model, in :data:`ATTITUDES` order."""
    return tuple(text(lang, f"attitude.{a}") for a in ATTITUDES)


def emotion_request(
    profile_text: str,
    demographics: Demographics | dict[str, Any] | None,
    current_level: str | int,
    memory_text: str,
    received_posts: Sequence[str],
    decay: float,
    lang: str = "en",
    seed: int = 0,
    kind: str = "s3.emotion",
    temperature: float = 1.0,
    max_posts: int = 10,
) -> ChoiceRequest:
    """Ask for the next emotion level. The picked index is an index into :data:`EMOTION_LEVELS`.
    ``memory_text`` is a rendered memory block (``render_memory``); at most ``max_posts`` received
    posts are shown, in the order given."""
    check_lang(lang)
    _check_decay(decay)
    level = EMOTION_LEVELS[emotion_index(current_level)]
    parts = [
        _persona(profile_text, demographics, lang),
        _memory(memory_text, lang),
        text(lang, "emotion_current", level=text(lang, f"emotion.{level}")),
        text(lang, "received", posts=_posts_block(received_posts, lang, "received_empty", max_posts)),
        text(lang, "emotion_decay", decay=decay),
        text(lang, "emotion_question"),
    ]
    return _request(kind, lang, seed, temperature, parts, emotion_options(lang))


def attitude_request(
    profile_text: str,
    demographics: Demographics | dict[str, Any] | None,
    current_attitude: str | int,
    target: str,
    memory_text: str,
    received_posts: Sequence[str],
    lang: str = "en",
    seed: int = 0,
    kind: str = "s3.attitude",
    temperature: float = 1.0,
    max_posts: int = 10,
) -> ChoiceRequest:
    """Ask for the next attitude toward ``target``; the picked index is into :data:`ATTITUDES`.
    A binary stance has no resting state to decay to, so no decay is mentioned."""
    check_lang(lang)
    attitude = ATTITUDES[attitude_index(current_attitude)]
    parts = [
        _persona(profile_text, demographics, lang),
        _memory(memory_text, lang),
        text(lang, "attitude_current", target=target, attitude=text(lang, f"attitude.{attitude}")),
        text(lang, "received", posts=_posts_block(received_posts, lang, "received_empty", max_posts)),
        text(lang, "attitude_question", target=target),
    ]
    return _request(kind, lang, seed, temperature, parts, attitude_options(lang))


def initial_attitude_request(
    profile_text: str,
    history: str | Sequence[str],
    target: str,
    demographics: Demographics | dict[str, Any] | None = None,
    lang: str = "en",
    seed: int = 0,
    kind: str = "s3.attitude.initial",
    temperature: float = 1.0,
    max_posts: int = 10,
) -> ChoiceRequest:
    """Ask for the user's attitude toward ``target`` before the event, from the profile and the
    user's earlier posts (``history``: a rendered block or a list of posts)."""
    check_lang(lang)
    if isinstance(history, str):
        history_text = history if history.strip() else text(lang, "history_empty")
    else:
        history_text = _posts_block(history, lang, "history_empty", max_posts)
    parts = [
        _persona(profile_text, demographics, lang),
        text(lang, "history", history=history_text),
        text(lang, "attitude_initial_question", target=target),
    ]
    return _request(kind, lang, seed, temperature, parts, attitude_options(lang))


# ---------------------------------------------------------------------------------------------------
# Decay without stimulus


def _check_decay(decay: float) -> None:
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"emotion decay coefficient: got {decay!r}, allowed: a probability in [0, 1]")


def decay_emotion(level_index: int, decay: float, rng: np.random.Generator) -> int:
    """One step without stimulus: with probability ``decay`` the level drops one step toward calm
    (calm stays calm; ``decay=0`` never drops, ``decay=1`` always does). Exactly one uniform number
    is drawn whatever the level, so a stream's use does not depend on the state."""
    _check_decay(decay)
    level = emotion_index(level_index)
    drops = rng.random() < decay
    return max(level - 1, 0) if drops else level


def decay_emotions(levels: np.ndarray, decay: float, rng: np.random.Generator) -> np.ndarray:
    """:func:`decay_emotion` for a whole population at once (one uniform number per user)."""
    _check_decay(decay)
    levels = _levels_array(levels)
    drops = rng.random(levels.shape) < decay
    return np.where(drops, np.maximum(levels - 1, 0), levels)


# ---------------------------------------------------------------------------------------------------
# The policy seam


@dataclass(frozen=True)
class EmotionInput:
    """What one user brings to an emotion update this step. ``seed`` is the user's seed for this step
    (the request seed and the decay draw derive from it)."""

    agent_id: str
    level: int
    profile_text: str
    received_posts: tuple[str, ...]
    seed: int
    memory_text: str = ""
    demographics: Demographics | None = None


@dataclass(frozen=True)
class EmotionUpdate:
    """The outcome for one user: ``cause`` is ``"llm"``, ``"model"`` (a learned or rule policy) or
    ``"decay"``. A failed LLM call keeps the level and says why in ``error``."""

    agent_id: str
    before: int
    after: int
    cause: str
    probs: tuple[float, ...] | None = None
    error: str | None = None


class EmotionPolicy(Protocol):
    """Turns inputs into updates. ``requests`` lists the LLM choices the policy needs (empty for a
    policy without an LLM); the caller answers them in one batch and passes the results to ``apply``
    in the same order."""

    name: str

    def requests(self, inputs: Sequence[EmotionInput]) -> list[ChoiceRequest]: ...

    def apply(self, inputs: Sequence[EmotionInput],
              results: Sequence[ChoiceResult]) -> list[EmotionUpdate]: ...


def _decayed(inp: EmotionInput, decay: float) -> EmotionUpdate:
    rng = np.random.default_rng(derive_seed(inp.seed, "decay"))
    return EmotionUpdate(inp.agent_id, inp.level, decay_emotion(inp.level, decay, rng), "decay")


class LLMEmotionPolicy:
    """S3's policy: users who received posts are asked (:func:`emotion_request`); the others decay."""

    name = "llm"

    def __init__(self, decay: float, lang: str = "en", temperature: float = 1.0,
                 kind: str = "s3.emotion") -> None:
        _check_decay(decay)
        self.decay, self.lang, self.temperature, self.kind = decay, check_lang(lang), temperature, kind

    def requests(self, inputs: Sequence[EmotionInput]) -> list[ChoiceRequest]:
        return [emotion_request(i.profile_text, i.demographics, i.level, i.memory_text, i.received_posts,
                                self.decay, self.lang, derive_seed(i.seed, "emotion"), self.kind, self.temperature)
                for i in inputs if i.received_posts]

    def apply(self, inputs: Sequence[EmotionInput], results: Sequence[ChoiceResult]) -> list[EmotionUpdate]:
        asked = sum(1 for i in inputs if i.received_posts)
        if len(results) != asked:
            raise ValueError(f"LLMEmotionPolicy.apply: {asked} requests were made, got {len(results)} results")
        answers = iter(results)
        return [self._answered(i, next(answers)) if i.received_posts else _decayed(i, self.decay) for i in inputs]

    @staticmethod
    def _answered(inp: EmotionInput, result: ChoiceResult) -> EmotionUpdate:
        if not result.ok:
            error = result.error or "no option was picked"
            return EmotionUpdate(inp.agent_id, inp.level, inp.level, "llm", None, error)
        return EmotionUpdate(inp.agent_id, inp.level, int(result.index), "llm", result.probs)


class FunctionEmotionPolicy:
    """A policy without an LLM: ``predict`` maps the stimulated inputs to next levels (a classifier
    trained on real labels, S3's fine-tuning idea, or a rule); the others decay."""

    def __init__(self, predict: Callable[[Sequence[EmotionInput]], Sequence[int]], decay: float,
                 name: str = "model") -> None:
        _check_decay(decay)
        self.predict, self.decay, self.name = predict, decay, name

    def requests(self, inputs: Sequence[EmotionInput]) -> list[ChoiceRequest]:
        return []

    def apply(self, inputs: Sequence[EmotionInput], results: Sequence[ChoiceResult] = ()) -> list[EmotionUpdate]:
        stimulated = [i for i in inputs if i.received_posts]
        predicted = iter([emotion_index(int(p)) for p in self.predict(stimulated)] if stimulated else [])
        return [EmotionUpdate(i.agent_id, i.level, next(predicted), "model") if i.received_posts
                else _decayed(i, self.decay) for i in inputs]


# ---------------------------------------------------------------------------------------------------
# Population metrics


def _levels_array(levels: Any) -> np.ndarray:
    array = np.asarray(levels)
    if array.dtype.kind in "US":
        array = np.array([emotion_index(str(v)) for v in array.ravel()]).reshape(array.shape)
    array = array.astype(np.int64)
    if array.size and (array.min() < 0 or array.max() > 2):
        raise ValueError(f"emotion levels must be 0 (calm), 1 (moderate) or 2 (intense); "
                         f"got values from {array.min()} to {array.max()}")
    return array


def emotion_density(levels: Any) -> tuple[float, float, float, float]:
    """(share calm, share moderate, share intense, mean intensity) of a population; intensity counts
    calm 0, moderate 0.5, intense 1. An empty population gives NaNs."""
    array = _levels_array(levels).ravel()
    if array.size == 0:
        return (float("nan"),) * 4
    shares = np.bincount(array, minlength=3) / array.size
    mean = float(shares @ np.asarray(EMOTION_INTENSITY))
    return float(shares[0]), float(shares[1]), float(shares[2]), mean


def positive_share(attitudes: Any) -> float:
    """The share of positive attitudes (0 negative, 1 positive, or the names); NaN when empty."""
    array = np.asarray(attitudes)
    if array.dtype.kind in "US":
        array = np.array([attitude_index(str(v)) for v in array.ravel()])
    array = array.astype(np.int64).ravel()
    if array.size == 0:
        return float("nan")
    if array.min() < 0 or array.max() > 1:
        raise ValueError(f"attitudes must be 0 (negative) or 1 (positive); "
                         f"got values from {array.min()} to {array.max()}")
    return float(array.mean())
