"""Learned users of the living platform: a stance classifier saved by ``hubbub evaluate`` reads the posts.

A learned user acts like a ``homophily`` rule user (:mod:`hubbub.agents.social.rules`), except that it
does not know a post's stance: the classifier estimates it from the text, ``s = (1 + P(favor) -
P(against)) / 2`` in [0, 1] (a ``none`` / ``neutral`` label pulls it to 0.5). Its attitude moves by
bounded confidence toward the estimated stances of the posts it read.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from hubbub.agents.social import rules
from hubbub.agents.social.context import SocialChoice, SocialContext
from hubbub.errors import ConfigError, DataError
from hubbub.runtime.s3.policies import ATTITUDE_LABELS


def load_stance(field: str, value: str) -> Any:
    """The stance classifier at ``value``; a ConfigError naming ``field`` if it is missing or not one."""
    from hubbub.agents.learned import load_classifier

    try:
        clf = load_classifier(Path(value))
    except (DataError, ConfigError) as exc:
        raise ConfigError(f"{field} = {value!r}: {exc}; allowed: a stance classifier saved by `hubbub evaluate`") from None
    unknown = [label for label in clf.labels if label not in ATTITUDE_LABELS]
    if unknown:
        raise ConfigError(f"{field} = {value!r}: labels {unknown} are no stance; allowed: a classifier whose labels "
                          f"are among {', '.join(ATTITUDE_LABELS)}")
    return clf


def stances(classifier: Any, texts: Sequence[str]) -> list[float]:
    """Estimated stance in [0, 1] of each text (see the module docstring)."""
    if not texts:
        return []
    probs = classifier.probs(list(texts))
    favor = np.array([ATTITUDE_LABELS[label] == 1 for label in classifier.labels], dtype=np.float64)
    against = np.array([ATTITUDE_LABELS[label] == 0 for label in classifier.labels], dtype=np.float64)
    return [round(float((1 + p @ favor - p @ against) / 2), 6) for p in probs]


def decide(classifier: Any, ctx: SocialContext) -> SocialChoice:
    """One step of a learned user: homophily on classified stances."""
    if not ctx.posts:
        return rules.homophily(ctx)
    estimated = dict(zip([p.post_id for p in ctx.posts], stances(classifier, [p.text for p in ctx.posts])))
    posts = tuple(replace(p, stance=estimated[p.post_id]) for p in ctx.posts)
    authors = tuple(replace(a, stance=_mean([estimated[p.post_id] for p in posts if p.author == a.agent_id], a.stance))
                    for a in ctx.authors)
    return rules.homophily(replace(ctx, posts=posts, authors=authors))


def _mean(values: list[float], default: float) -> float:
    return round(sum(values) / len(values), 6) if values else default
