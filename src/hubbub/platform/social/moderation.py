"""Annotations on posts and the moderation rules that use them.

An :class:`Annotator` gives every new post a toxicity in [0, 1], a sentiment in [-1, 1] and a stance
toward the scenario's target in [-1, 1] (None where it gives none); the run stores the result with the
post and in the run record. The learned classifiers and the LLM judge a run may use instead are in
:mod:`hubbub.runtime.platform.annotators`; :class:`LexiconAnnotator` is the
deterministic stand-in that needs nothing: it counts words of a small fixed insult / sentiment lexicon
(English and Chinese). Its scores are a plumbing aid for tests and demos, never a research measure.

A :class:`ModerationRule` acts on feeds: above ``threshold`` a post is moved to the end of every ranked
list (``downrank``), removed from feeds (``hide``) or shown with a warning label (``label``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol, Sequence

MODES = ("downrank", "hide", "label")


@dataclass(frozen=True)
class Annotation:
    """A post's toxicity in [0, 1], sentiment in [-1, 1] and stance in [-1, 1] (against .. in favour of the
    scenario's target); None where the annotator gives none (or, for an LLM judge, where its call failed)."""

    toxicity: float | None
    sentiment: float | None
    stance: float | None = None


class Annotator(Protocol):
    """Scores texts; one :class:`Annotation` per text, in order."""

    name: str

    def annotate(self, texts: Sequence[str]) -> list[Annotation]: ...


_TOXIC = ({"idiot", "idiots", "stupid", "moron", "morons", "liar", "liars", "scum", "disgusting", "pathetic",
           "trash", "clown", "clowns", "hate", "loser", "losers", "fools"},
          ("白痴", "蠢", "傻", "垃圾", "骗子", "滚", "恶心", "废物", "脑残"))
_POSITIVE = ({"good", "great", "hope", "glad", "love", "thanks", "support", "agree", "calm", "fair"},
             ("好", "支持", "希望", "感谢", "喜欢", "赞同"))
_NEGATIVE = ({"bad", "angry", "worse", "worst", "sad", "fear", "wrong", "unfair", "outrage"},
             ("坏", "愤怒", "难过", "害怕", "错", "不公"))
_WORD = re.compile(r"[a-z']+")


def _hits(text: str, words: tuple[set[str], tuple[str, ...]]) -> int:
    """English words counted as whole words, Chinese ones as substrings."""
    latin, chinese = words
    return sum(w in latin for w in _WORD.findall(text)) + sum(text.count(w) for w in chinese)


class LexiconAnnotator:
    """Toxicity = min(1, insults / 2) and sentiment = (positive - negative) / (positive + negative) from
    fixed word lists; see the module docstring for what it is (and is not) good for."""

    name = "lexicon"

    def annotate(self, texts: Sequence[str]) -> list[Annotation]:
        return [self._one(text) for text in texts]

    @staticmethod
    def _one(text: str) -> Annotation:
        lowered = text.lower()
        toxic, pos, neg = (_hits(lowered, words) for words in (_TOXIC, _POSITIVE, _NEGATIVE))
        sentiment = (pos - neg) / (pos + neg) if pos + neg else 0.0
        return Annotation(round(min(1.0, toxic / 2.0), 6), round(sentiment, 6))


@dataclass(frozen=True)
class ModerationRule:
    """Act on posts whose toxicity is above ``threshold`` (None: no moderation)."""

    threshold: float | None = None
    mode: str = "downrank"
    label: str = "This post may be offensive."

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"moderation mode {self.mode!r} is not allowed; allowed: {', '.join(MODES)}")

    def flags(self, toxicity: float) -> bool:
        return self.threshold is not None and toxicity > self.threshold

    def apply(self, ranked: Sequence[int], toxicity: Sequence[float]) -> list[int]:
        """A ranked list of post ids after the rule: flagged posts last (stable) or gone."""
        if self.threshold is None or self.mode == "label":
            return list(ranked)
        kept = [p for p, tox in zip(ranked, toxicity) if not self.flags(tox)]
        if self.mode == "hide":
            return kept
        return kept + [p for p, tox in zip(ranked, toxicity) if self.flags(tox)]
