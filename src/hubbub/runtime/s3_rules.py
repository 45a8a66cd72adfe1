"""Rule-based users: a classical model from :mod:`hubbub.dynamics` decides, for all of them at once.

Each step, the deliveries of the step form an *exposure graph* (sender → receiver). The diffusion
model (independent cascade or linear threshold) runs one round on it: senders are the model's freshly
active nodes, users who already acted are spent, and the rule users it activates act: they repost the
post that reached them from the model's chosen parent, or (with ``post_share``) post new content.
Emotion moves one level toward the most intense received post with probability ``emotion_contagion``
and decays without stimulus (the same decay coefficient as LLM users); attitudes follow the voter model
on the exposure graph. No Python loop runs over users or edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from hubbub.dynamics import make_model
from hubbub.dynamics.base import State
from hubbub.dynamics.diffusion import FRESH, INACTIVE, SPENT
from hubbub.runtime.s3_exposure import Exposures
from hubbub.runtime.s3_posts import PostLog


def make_rule_model(cfg: Any) -> Any:
    """The configured diffusion model from the dynamics registry."""
    if cfg.model == "independent_cascade":
        return make_model("independent_cascade", p=cfg.p)
    return make_model("linear_threshold", per_edge=True)


def initial_rule_state(model: Any, n: int, rng: np.random.Generator) -> State:
    """The model's own state (LT thresholds and accumulated influence live in ``aux``)."""
    return model.init_state(n, None, rng)


@dataclass
class RuleOutcome:
    """What the rule users do this step (indices are user nodes)."""

    actors: np.ndarray
    parent_post: np.ndarray
    is_post: np.ndarray
    texts: list[str]
    emotion: np.ndarray
    attitude: np.ndarray
    aux: dict[str, np.ndarray]


def exposure_graph(ex: Exposures, posts: PostLog, n: int, followees: np.ndarray) -> tuple[sparse.csr_array, Exposures, np.ndarray]:
    """CSR ``sender x receiver`` of this step's deliveries by users (the platform's hub topic has no
    sender); data = 1 / receiver's followees (the linear-threshold weight). Returns it with those
    exposures and the sender of each."""
    sender = posts.col("author")[ex.post]
    keep = sender >= 0
    kept = Exposures(ex.post[keep], ex.receiver[keep], ex.source[keep])
    sender = sender[keep]
    weight = 1.0 / np.maximum(followees[kept.receiver], 1)
    adj = sparse.coo_array((weight, (sender, kept.receiver)), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    return adj, kept, sender


def _pick_posts(ex: Exposures, sender: np.ndarray, actors: np.ndarray, parents: np.ndarray, n: int) -> np.ndarray:
    """For each actor, the lowest-id post it received from its model parent this step."""
    receiver, post = ex.receiver, ex.post
    keys = receiver * np.int64(n) + sender
    order = np.lexsort((post, keys))
    keys, post = keys[order], post[order]
    return post[np.searchsorted(keys, actors * np.int64(n) + parents)]


def rule_step(cfg: Any, model: Any, rule_aux: dict[str, np.ndarray], ex: Exposures, posts: PostLog,
              emotion: np.ndarray, attitude: np.ndarray, acted: np.ndarray, is_rule: np.ndarray,
              followees: np.ndarray, decay: float, pool: list[str], step: int,
              rng: np.random.Generator) -> RuleOutcome:
    """One step of every rule user at once (see the module docstring)."""
    n = emotion.size
    adj, by_users, sender = exposure_graph(ex, posts, n, followees)
    values = np.where(acted, SPENT, INACTIVE).astype(np.int8)
    values[np.unique(sender)] = FRESH
    before = values.copy()
    state = State(values, step - 1, np.full(n, -1, np.int64), np.full(n, -1, np.int32),
                  {k: v.copy() for k, v in rule_aux.items()})
    nxt = model.step(state, adj, rng)
    actors = np.flatnonzero((nxt.values == FRESH) & (before == INACTIVE) & is_rule)
    parent_post = _pick_posts(by_users, sender, actors, nxt.parent[actors], n)
    is_post = rng.random(actors.size) < cfg.post_share
    picks = rng.integers(0, max(len(pool), 1), size=int(is_post.sum()))
    texts = [pool[int(i)] for i in picks] if pool else [posts.texts[int(p)] for p in parent_post[is_post]]
    new_emotion = _emotion(cfg, ex, posts, emotion, is_rule, decay, rng)
    new_attitude = _attitude(cfg, adj, attitude, is_rule, rng)
    return RuleOutcome(actors, parent_post, is_post, texts, new_emotion, new_attitude, nxt.aux)


def _emotion(cfg: Any, ex: Exposures, posts: PostLog, level: np.ndarray, is_rule: np.ndarray, decay: float,
             rng: np.random.Generator) -> np.ndarray:
    """Contagion toward the most intense received post; decay where nothing was received."""
    n = level.size
    strongest = np.full(n, -1, dtype=np.int8)
    np.maximum.at(strongest, ex.receiver, posts.col("emotion")[ex.post])
    exposed = strongest >= 0
    draw = rng.random(n)
    rise = exposed & (strongest > level) & (draw < cfg.emotion_contagion)
    fall = ~exposed & (draw < decay)
    out = level.copy()
    out[rise & is_rule] += 1
    out[fall & is_rule] = np.maximum(out[fall & is_rule] - 1, 0)
    return out


def _attitude(cfg: Any, adj: sparse.csr_array, attitude: np.ndarray, is_rule: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """Voter model on the exposure graph, applied by each exposed rule user with ``attitude_adopt``."""
    if cfg.attitude_model == "none":
        return attitude.copy()
    voted = make_model("voter").step(State(attitude.copy()), adj, rng).values
    exposed = np.diff(adj.tocsc().indptr) > 0
    adopt = exposed & is_rule & (rng.random(attitude.size) < cfg.attitude_adopt)
    return np.where(adopt, voted, attitude).astype(np.int8)
