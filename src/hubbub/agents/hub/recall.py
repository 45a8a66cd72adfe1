"""What a user of a combined run brings to the trending hub from the rest of the platform.

In a combined run (TrendSim hub + S3 follow graph) a user has one memory pool
(:class:`hubbub.agents.memory.MemoryPool`). On the hub's pages that pool replaces TrendSim's
short-term summary in the persona block: the "Personal Memory" the prompts show is the pool's best
items for the hub's topic (scored by recency, relevance to the topic's embedding and source, within
``s3.memory.token_budget`` estimated tokens), rendered as the follow feed renders memory. The
reflection's summary is not lost: it enters the same pool as one of the user's own memories.

The Main page also shows what people the user follows posted or reposted: the most relevant recent
followee posts (the same embedder and the same scorer as the pool, relevance to the topic), under a
"From people you follow" heading, at most ``s3.hub.followee_posts`` of them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol, Sequence

import numpy as np

from hubbub.agents.memory import MemoryItem, MemoryScorer, render_memory
from hubbub.agents.prompts import Block, joined
from hubbub.agents.user import UserState

FOLLOWED_HEADING = {"en": Block("From people you follow:"), "zh": Block("你关注的人发布的内容：")}
"""The heading of the Main page's block of followee posts."""


class HubRecall(Protocol):
    """What the hub asks about one user at one time; a combined run provides it, others have none."""

    def memory(self, agent: str, t: float) -> Block | None:
        """The user's memory as the hub's persona block shows it at ``t`` (None: not a pool user)."""

    def followed(self, agent: str, t: float) -> Block | None:
        """The Main page's block of followee posts visible at ``t`` (None: nothing to show)."""


def recalled_state(state: UserState, memory: Block | None) -> UserState:
    """The state the hub's prompts are built from: ``memory`` in place of the summary, if given."""
    return state if memory is None else replace(state, summary=memory)


def with_followed(observation: Block, followed: Block | None) -> Block:
    """The Main page's text with the followee block after it (unchanged without one)."""
    return observation if followed is None else Block(f"{observation}\n{followed}")


def followed_block(items: Sequence[MemoryItem], lang: str) -> Block | None:
    """The heading and one line per post (oldest first, as memory lines); None without posts."""
    if not items:
        return None
    return joined([FOLLOWED_HEADING[lang], render_memory(items, lang)])


def best_items(scorer: MemoryScorer, items: Sequence[MemoryItem], now: float, topic_vec: np.ndarray | None,
               count: int) -> list[MemoryItem]:
    """The ``count`` best ``items`` at ``now`` by ``scorer`` with relevance to ``topic_vec`` (ties keep
    the given order), one per text: a repost chain shows its text once, at its best score."""
    if not items or count <= 0:
        return []
    dim = next((np.asarray(it.vector).size for it in items if it.vector is not None), 1)
    vectors = np.zeros((len(items), dim), dtype=np.float32)
    has = np.array([it.vector is not None for it in items])
    for i, item in enumerate(items):
        if item.vector is not None:
            vectors[i] = np.asarray(item.vector, dtype=np.float32).ravel()
    times = np.array([it.time for it in items], dtype=float)
    temporal = np.asarray(scorer.forgetting(now - times), dtype=float)
    source = np.array([scorer.source_scores[it.source] for it in items], dtype=float)
    scores = scorer.combine(temporal, scorer.relevance(vectors, has, topic_vec), source)
    chosen: list[MemoryItem] = []
    for i in np.argsort(-scores, kind="stable").tolist():
        if all(items[i].text != c.text for c in chosen):
            chosen.append(items[i])
        if len(chosen) == count:
            break
    return chosen
