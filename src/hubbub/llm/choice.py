"""How a choice is put to a model and how the answer becomes a pick.

The options are shown as lettered lines in an order shuffled with the request's seed (position bias
becomes noise rather than a systematic "everyone picks A"). The model's next-token log-probabilities
over the letters are renormalised, tempered and *sampled* with the seed; the pick and the
distribution are mapped back to the request's own option order.

The prompt ends with the start of the answer (``Answer:`` / ``答案：``) as an assistant turn, so the
next token is the letter. Without it a model asked in Chinese starts its answer in Chinese: the
option letters fall out of the top log-probabilities, and llama.cpp's server drops the log-probabilities
of a reply altogether when its one token is part of a multi-byte character (docs/PERFORMANCE.md,
"One request per choice").
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import unicodedata
from dataclasses import dataclass

import numpy as np

from hubbub.kernel.seeding import NumpyStream, derive_seed
from hubbub.llm.base import ChoiceRequest, Messages

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_INSTRUCTION = {
    "en": "Options:\n{lines}\nAnswer with the letter of one option only.",
    "zh": "选项：\n{lines}\n只回答一个选项的字母。",
}
ANSWER_PREFIX = {"en": "Answer:", "zh": "答案："}
"""The assistant's first words before the letter. No trailing space: SmolLM2 then puts 87-91 % of the
next token's probability on the letters (with ``"Answer: "`` it wants a digit)."""
_AFTER_LETTER = ").）.．:：、 "


@dataclass(frozen=True)
class RenderedChoice:
    """A choice request as the model sees it."""

    messages: Messages
    letters: tuple[str, ...]
    order: tuple[int, ...]  # order[k] = index in request.options shown under letters[k]
    answer_prefix: str = ""  # the assistant turn the letter follows (empty: none)


def option_order(request: ChoiceRequest) -> tuple[int, ...]:
    """The shown order of the options: ``np.random.default_rng(seed).permutation(n)`` for the request's
    derived "shuffle" seed, computed without building the Generator (:class:`NumpyStream`)."""
    n = len(request.options)
    if not request.shuffle:
        return tuple(range(n))
    return tuple(NumpyStream(derive_seed(request.seed, "shuffle")).permutation(n))


def render_choice(request: ChoiceRequest) -> RenderedChoice:
    """Append the lettered options to the last user message."""
    order = option_order(request)
    letters = tuple(LETTERS[: len(order)])
    lines = "\n".join(f"{letter}) {_one_line(request.options[i])}" for letter, i in zip(letters, order))
    instruction = _INSTRUCTION.get(request.lang, _INSTRUCTION["en"]).format(lines=lines)
    messages = list(request.messages)
    role, content = check_question(request)
    messages[-1] = (role, f"{content}\n\n{instruction}")
    prefix = ANSWER_PREFIX.get(request.lang, ANSWER_PREFIX["en"])
    return RenderedChoice(tuple(messages), letters, order, prefix)


def check_question(request: ChoiceRequest) -> tuple[str, str]:
    """The last message of a choice, which must be the user's (the question the options follow)."""
    role, content = request.messages[-1]
    if role != "user":
        raise ValueError(f"the last message of a choice must be the user's, got {role!r}")
    return role, content


def letter_key(token: str, markers: str) -> str:
    """The option letter a token stands for: ``" B"``, ``"B)"`` and full-width ``"Ｂ"`` all mean B;
    other tokens are returned stripped (they match no letter unless they are one)."""
    text = unicodedata.normalize("NFKC", token).strip(markers)
    if len(text) > 1 and text[0] in LETTERS and all(ch in _AFTER_LETTER for ch in text[1:]):
        return text[0]
    return text


CONTROL_TOKENS = (("<|", "‹|"), ("|>", "|›"), ("</s>", "‹/s›"), ("<s>", "‹s›"), ("[INST]", "［INST］"),
                  ("[/INST]", "［/INST］"), ("<start_of_turn>", "‹start_of_turn›"), ("<end_of_turn>", "‹end_of_turn›"))
"""Chat-template control tokens that a server may parse inside message text (``<|im_start|>``, ``</s>``,
``[INST]``, ...) and inert look-alikes that show the same text but are no token."""


def inert_tokens(text: str) -> str:
    """``text`` with chat-template control tokens made inert, so content cannot open a new role."""
    if "<" not in text and ">" not in text and "[" not in text:  # every control token holds one of them
        return text
    for token, inert in CONTROL_TOKENS:
        text = text.replace(token, inert)
    return text


def _one_line(text: str) -> str:
    """Options are one line each, so option text cannot forge another lettered line or role."""
    return " ".join(inert_tokens(text).split())


def letter_distribution(rendered: RenderedChoice, letter_logprobs: dict[str, float]) -> list[float] | None:
    """Probabilities over the shown letters, renormalised; None if no letter was scored."""
    scored = [letter_logprobs.get(letter) for letter in rendered.letters]
    if all(lp is None for lp in scored):
        return None
    finite = [lp for lp in scored if lp is not None and math.isfinite(lp)]
    if not finite:
        return None
    top = max(finite)
    weights = [math.exp(lp - top) if lp is not None and math.isfinite(lp) else 0.0 for lp in scored]
    total = sum(weights)
    return [w / total for w in weights]


def sample_pick(request: ChoiceRequest, rendered: RenderedChoice, shown_probs: list[float]) -> tuple[int, tuple[float, ...]]:
    """Temper and sample the shown distribution; return (option index, probs in request order)."""
    return pick_shown(request, rendered.order, shown_probs)


def pick_shown(request: ChoiceRequest, order: tuple[int, ...], shown_probs: list[float]) -> tuple[int, tuple[float, ...]]:
    """:func:`sample_pick` from the shown order alone (``order[k]``: the option shown k-th), for a
    backend that needs no rendered prompt (the scripted one)."""
    probs = [float(p) for p in shown_probs]
    shown = seeded_draw(derive_seed(request.seed, "sample"), tempered(probs, request.temperature))
    in_request_order = [0.0] * len(request.options)
    for option_index, p in zip(order, probs):
        in_request_order[option_index] = p
    return order[shown], tuple(in_request_order)


def tempered(probs: list[float], temperature: float) -> list[float]:
    """``probs`` raised to ``1 / temperature`` and renormalised (one-hot on the first maximum when
    ``temperature <= 0``). The same numpy operations as always, so the same values: the reductions
    are the ufuncs' own (``max()`` and ``sum()`` call them through a Python wrapper), and a division
    by a temperature of exactly 1 is left out (it returns every float unchanged). numpy's error state
    is only switched (a costly context) when a zero probability would warn."""
    array = np.array(probs, dtype=float)
    if temperature <= 0:
        hot = [0.0] * len(probs)
        hot[int(np.argmax(array))] = 1.0
        return hot
    with np.errstate(divide="ignore") if 0.0 in probs else contextlib.nullcontext():
        logits = np.log(array)
    if temperature != 1.0:
        logits /= temperature
    logits -= np.maximum.reduce(logits)
    weights = np.exp(logits)
    weights /= np.add.reduce(weights)
    return weights.tolist()


def seeded_draw(seed: int, p: list[float]) -> int:
    """``draw(np.random.default_rng(seed), np.array(p))`` with the generator's one ``random()`` draw
    computed by :class:`NumpyStream` (a distribution that ``draw`` would hand to numpy still goes there)."""
    cdf = _checked_cdf(p)
    if cdf is None:
        return draw(np.random.default_rng(seed), np.array(p))
    return bisect.bisect_right(cdf, NumpyStream(seed).random())


def draw(rng: np.random.Generator, p: np.ndarray) -> int:
    """``int(rng.choice(len(p), p=p))`` without the cost of its argument checks (most of a choice's
    time on the scripted backend): numpy's own algorithm, the cumulative sums in order normalised by
    the last, searched with one ``rng.random()`` draw, so the pick and the generator's state are the
    same. A ``p`` that those checks might refuse goes to ``rng.choice`` and is refused as before."""
    cdf = _checked_cdf(p.tolist())
    if cdf is None:
        return int(rng.choice(len(p), p=p))
    return bisect.bisect_right(cdf, rng.random())


def _checked_cdf(values: list[float]) -> list[float] | None:
    """The cumulative sums normalised by the last, or None where ``rng.choice`` might refuse ``values``."""
    cdf = list(itertools.accumulate(values))
    if not (cdf and all(x >= 0.0 for x in values) and abs(cdf[-1] - 1.0) <= 1e-9):
        return None
    return [c / cdf[-1] for c in cdf]


def parse_letter(text: str, rendered: RenderedChoice) -> str | None:
    """The letter in a constrained (JSON-schema / grammar) answer such as ``"B"`` or ``{"choice":"B"}``."""
    cleaned = text.strip().strip('{}"\' ').split(":")[-1].strip().strip('"\' ')
    return cleaned if cleaned in rendered.letters else None
