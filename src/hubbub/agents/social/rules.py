"""Rule users of the living platform: classical tie-formation rules as registered user policies.

Every rule user acts on what the page shows, from its attitude toward the scenario's target (in [0, 1])
and the stance of each post (its author's attitude when writing). Each possible action gets a weight
(``platform.rules``, defaults in :data:`DEFAULTS`) when it makes sense for the user — like a post
within ``epsilon`` of its attitude, dislike or mute one farther away, unfollow a followee who turned
out to disagree — and one action is drawn in proportion to the weights. On the board it opens a topic
with probability proportional to the topic's access intensity P(t), or none with ``skip_board``.

The three policies differ in how they form ties (the weight of ``follow`` and whom):

* ``triadic_closure``: follow the shown author most of one's followees follow (common neighbours ``c``),
  with weight ``follow * (1 - (1 - closure_q) ** c)``;
* ``homophily``: follow the shown author whose posts are closest to one's attitude, with weight
  ``follow * max(0, 1 - |a - s| / epsilon)``;
* ``preferential_attachment``: follow a shown author drawn with probability proportional to their
  followers + 1, with weight ``follow``.

Rule users' attitudes move by bounded confidence (Deffuant): after a session, for each post read whose
stance is within ``epsilon``, ``a += mu * (s - a)``.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from hubbub.agents.social.context import Author, SocialChoice, SocialContext

DEFAULTS: Mapping[str, float] = {
    "follow": 0.25, "unfollow": 0.06, "mute": 0.05, "block": 0.01, "like": 0.35, "dislike": 0.15,
    "repost": 0.06, "quote": 0.08, "reply": 0.05, "post": 0.08, "search": 0.06, "open_board": 0.04,
    "home": 0.05, "exit": 0.2, "skip_board": 0.2, "epsilon": 0.3, "closure_q": 0.5, "mu": 0.2,
}
"""Action weights and rule parameters; ``platform.rules`` in a scenario overrides any of them."""

STOCK = {
    "en": {"quote": ("Worth reading.", "Not so sure about this.", "This matters.", "People should see this."),
           "reply": ("I see it differently.", "Good point.", "Do you have a source?", "Agreed.")},
    "zh": {"quote": ("值得一看。", "对此我有保留。", "这件事很重要。", "大家都应该看看。"),
           "reply": ("我的看法不同。", "说得好。", "有来源吗？", "同意。")},
}
"""What rule users write when they quote or reply (they do not compose text)."""

Tie = Callable[[SocialContext, Mapping[str, float]], tuple[str | None, float]]


def _params(ctx: SocialContext) -> dict[str, float]:
    return {**DEFAULTS, **ctx.params}


def _diff(ctx: SocialContext, stance: float) -> float:
    return abs(ctx.attitude - stance)


def _candidates(ctx: SocialContext, action: str) -> list[Author]:
    allowed = set(ctx.options.get(action, ()))
    return [a for a in ctx.authors if a.agent_id in allowed]


def closure_tie(ctx: SocialContext, p: Mapping[str, float]) -> tuple[str | None, float]:
    best = sorted(_candidates(ctx, "follow"), key=lambda a: (-a.common, -a.followers, a.agent_id))
    if not best or best[0].common == 0:
        return None, 0.0
    return best[0].agent_id, 1.0 - (1.0 - p["closure_q"]) ** best[0].common


def homophily_tie(ctx: SocialContext, p: Mapping[str, float]) -> tuple[str | None, float]:
    best = sorted(_candidates(ctx, "follow"), key=lambda a: (_diff(ctx, a.stance), -a.followers, a.agent_id))
    if not best:
        return None, 0.0
    return best[0].agent_id, max(0.0, 1.0 - _diff(ctx, best[0].stance) / p["epsilon"])


def attachment_tie(ctx: SocialContext, p: Mapping[str, float]) -> tuple[str | None, float]:
    pool = sorted(_candidates(ctx, "follow"), key=lambda a: a.agent_id)
    if not pool:
        return None, 0.0
    weights = np.array([a.followers + 1.0 for a in pool])
    return pool[int(ctx.rng.choice(len(pool), p=weights / weights.sum()))].agent_id, 1.0


def board_choice(ctx: SocialContext, p: Mapping[str, float]) -> SocialChoice:
    """Open a topic in proportion to its access intensity, or none with probability ``skip_board``."""
    if not ctx.topics or ctx.rng.random() < p["skip_board"]:
        return SocialChoice("skip_board")
    weights = np.array([max(t.intensity, 0.0) for t in ctx.topics]) + 1e-9
    return SocialChoice("open_topic", ctx.topics[int(ctx.rng.choice(len(ctx.topics), p=weights / weights.sum()))].topic_id)


def _posts(ctx: SocialContext, action: str, near: bool) -> list[int]:
    """Posts the action may target, nearest (or farthest) stance first, within (or beyond) epsilon."""
    eps = _params(ctx)["epsilon"]
    ids = [pid for pid in ctx.options.get(action, ()) if (_diff(ctx, ctx.post(pid).stance) < eps) == near]
    return sorted(ids, key=lambda pid: (_diff(ctx, ctx.post(pid).stance) * (1 if near else -1), pid))


def _weighted(ctx: SocialContext, tie: Tie) -> list[tuple[float, SocialChoice]]:
    """Each offered action that makes sense for this user, with its weight and target."""
    p, lang = _params(ctx), ctx.lang if ctx.lang in STOCK else "en"
    stock = STOCK[lang]
    out: list[tuple[float, SocialChoice]] = []
    pick = lambda seq: seq[int(ctx.rng.integers(len(seq)))]  # noqa: E731
    for action in ctx.options:
        if action == "follow":
            who, strength = tie(ctx, p)
            if who is not None:
                out.append((p["follow"] * strength, SocialChoice("follow", who)))
        elif action in ("like", "repost", "quote") and (near := _posts(ctx, action, True)):
            text = pick(stock["quote"]) if action == "quote" else None
            out.append((p[action], SocialChoice(action, near[0], text)))
        elif action in ("dislike", "reply") and (far := _posts(ctx, action, False)):
            out.append((p[action], SocialChoice(action, far[0], pick(stock["reply"]) if action == "reply" else None)))
        elif action in ("mute", "block") and (foes := _foes(ctx, action, 2.0 if action == "mute" else 2.5)):
            out.append((p[action], SocialChoice(action, foes[0])))
        elif action == "unfollow" and (gone := _foes(ctx, "unfollow", 1.0)):
            out.append((p[action], SocialChoice(action, gone[0])))
        elif action == "post" and ctx.texts:
            out.append((p[action], SocialChoice(action, None, pick(ctx.texts))))
        elif action == "search" and (query := _query(ctx)):
            out.append((p[action], SocialChoice(action, None, query)))
        elif action in ("open_board", "home", "exit"):
            out.append((p[action], SocialChoice(action)))
    return out


def _foes(ctx: SocialContext, action: str, factor: float) -> list[str]:
    """Authors the action may target whose posts on the page lie beyond ``factor * epsilon``."""
    eps = _params(ctx)["epsilon"]
    allowed = set(ctx.options.get(action, ()))
    foes = [a for a in ctx.authors if a.agent_id in allowed and _diff(ctx, a.stance) >= factor * eps]
    return [a.agent_id for a in sorted(foes, key=lambda a: (-_diff(ctx, a.stance), a.agent_id))]


def _query(ctx: SocialContext) -> str | None:
    tags = sorted({tag for post in ctx.posts for tag in post.hashtags})
    if tags:
        return tags[int(ctx.rng.integers(len(tags)))]
    words = sorted({w for post in ctx.posts for w in post.text.split() if len(w) > 4})
    return words[int(ctx.rng.integers(len(words)))] if words else None


def act(ctx: SocialContext, tie: Tie) -> SocialChoice:
    """One rule step with the given tie-formation rule (see the module docstring)."""
    p = _params(ctx)
    if ctx.surface == "board":
        return board_choice(ctx, p)
    weighted = [(w, c) for w, c in _weighted(ctx, tie) if w > 0]
    if not weighted:
        return SocialChoice("exit")
    weights = np.array([w for w, _ in weighted])
    return weighted[int(ctx.rng.choice(len(weighted), p=weights / weights.sum()))][1]


def triadic_closure(ctx: SocialContext) -> SocialChoice:
    """A rule user who forms ties by triadic closure (see the module docstring)."""
    return act(ctx, closure_tie)


def homophily(ctx: SocialContext) -> SocialChoice:
    """A rule user who forms ties by homophily of attitude (see the module docstring)."""
    return act(ctx, homophily_tie)


def preferential_attachment(ctx: SocialContext) -> SocialChoice:
    """A rule user who forms ties by preferential attachment (see the module docstring)."""
    return act(ctx, attachment_tie)


def bounded_confidence(attitude: float, stances: Sequence[float], epsilon: float, mu: float) -> float:
    """Deffuant's update over the stances read, in order: only those within ``epsilon`` move the user."""
    a = float(attitude)
    for s in stances:
        if abs(s - a) < epsilon:
            a += mu * (s - a)
    return round(min(1.0, max(0.0, a)), 6)
