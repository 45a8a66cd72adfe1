"""Rule-based users: a classical model from :mod:`hubbub.dynamics` decides, for all of them at once.

Each step, the deliveries of the step form an *exposure graph* (sender → receiver). The diffusion
model named by ``s3.rule.model`` runs one round on it and the rule users it activates act: they repost
the post that reached them from the model's chosen parent, or (with ``post_share``) post new content.

* ``independent_cascade`` / ``linear_threshold``: senders are the model's freshly active nodes, users
  who already acted are spent (each rule user acts at most once).
* ``sir``: rule users are susceptible, infectious or recovered (kept between steps). A delivery from a
  sender is a contact (infection with ``beta``); an infectious user acts again in every step in which
  posts reach it, until it recovers (``gamma`` per step) and never acts again.

Emotion moves one level toward the most intense received post with probability ``emotion_contagion``
and decays without stimulus (the same decay coefficient as LLM users). With per-message processing
(``per_message`` = the cap ``s3.messages_per_round``) each of the first received posts in arrival
order (post id) is a separate chance to move one level toward that post's emotion, from the level the
previous post left, so two intense posts can take a calm user to intense in one round. Attitudes follow
``s3.rule.attitude_model`` on the exposure graph: ``voter`` (copy a random sender's attitude), bounded
confidence (``deffuant``: each exposed rule user meets one sender and moves toward it, the one-sided
Deffuant rule; ``hegselmann_krause``: it moves to the mean of itself and the senders within
``epsilon``), or ``none``. Under bounded confidence each rule user keeps an opinion in [0, 1] and its
attitude is positive when the opinion is above 0.5; an LLM sender counts as 0.25 or 0.75. Models are
looked up by name in ``SPREAD`` and ``ATTITUDE`` (DESIGN decision 7). No Python loop runs over users
or edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np
from scipy import sparse

from hubbub.dynamics import make_model
from hubbub.dynamics.base import SparseGraph, State
from hubbub.dynamics.diffusion import FRESH, INACTIVE, INFECTIOUS, RECOVERED, SPENT, SUSCEPTIBLE
from hubbub.platform.feed.exposure import Exposures
from hubbub.platform.feed.posts import PostLog


@dataclass(frozen=True)
class Spread:
    """How one diffusion model of the dynamics registry drives rule users."""

    params: Callable[[Any], dict[str, Any]]
    recovers: bool = False  # SIR: compartments persist, infectious users act until they recover


SPREAD: dict[str, Spread] = {
    "independent_cascade": Spread(lambda cfg: {"p": cfg.p}),
    "linear_threshold": Spread(lambda cfg: {"per_edge": True}),
    "sir": Spread(lambda cfg: {"beta": cfg.beta, "gamma": cfg.gamma}, recovers=True),
}
"""Information-spread models rule users can follow (``s3.rule.model``)."""


def make_rule_model(cfg: Any) -> Any:
    """The configured diffusion model from the dynamics registry."""
    return make_model(cfg.model, **SPREAD[cfg.model].params(cfg))


def initial_rule_state(model: Any, n: int, rng: np.random.Generator) -> State:
    """The model's own state (LT thresholds, SIR compartments) with extras in ``aux``."""
    state = model.init_state(n, None, rng)
    if SPREAD[model.name].recovers:
        state.aux["compartment"] = state.values.copy()
    return state


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
    sender = posts.at("author", ex.post)
    keep = sender >= 0
    kept = Exposures(ex.post[keep], ex.receiver[keep], ex.source[keep])
    sender = sender[keep]
    weight = 1.0 / np.maximum(followees[kept.receiver], 1)
    adj = sparse.coo_array((weight, (sender, kept.receiver)), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    return adj, kept, sender


def _pick_posts(ex: Exposures, sender: np.ndarray, actors: np.ndarray, parents: np.ndarray, n: int) -> np.ndarray:
    """For each actor, the lowest-id post it received from its model parent this step (only the
    actors' own exposures are sorted: a quiet step has few actors among many exposures)."""
    mine = np.zeros(n, dtype=bool)
    mine[actors] = True
    kept = mine[ex.receiver]
    receiver, post = ex.receiver[kept], ex.post[kept]
    keys = receiver * np.int64(n) + sender[kept]
    order = np.lexsort((post, keys))
    keys, post = keys[order], post[order]
    return post[np.searchsorted(keys, actors * np.int64(n) + parents)]


def rule_step(cfg: Any, model: Any, rule_aux: dict[str, np.ndarray], ex: Exposures, posts: PostLog,
              emotion: np.ndarray, attitude: np.ndarray, acted: np.ndarray, is_rule: np.ndarray,
              followees: np.ndarray, decay: float, pool: list[str], step: int,
              rng: np.random.Generator, per_message: int = 0) -> RuleOutcome:
    """One step of every rule user at once (see the module docstring); ``per_message`` > 0 takes that
    many received posts one at a time for emotion, 0 the round at once."""
    n = emotion.size
    adj, by_users, sender = exposure_graph(ex, posts, n, followees)
    spread = SPREAD[model.name]
    values = _sir_values(rule_aux, sender) if spread.recovers else _activation_values(acted, sender)
    state = State(values, step - 1, unset(n, "int64"), unset(n, "int32"),
                  {k: read_only(v) for k, v in rule_aux.items()})
    nxt = model.step(state, adj, rng)
    if spread.recovers:
        actors, parents = _sir_actors(rule_aux["compartment"], values, nxt, is_rule, by_users, sender)
    else:
        actors = np.flatnonzero((nxt.values == FRESH) & (values == INACTIVE) & is_rule)
        parents = nxt.parent[actors]
    parent_post = _pick_posts(by_users, sender, actors, parents, n)
    is_post = rng.random(actors.size) < cfg.post_share
    picks = rng.integers(0, max(len(pool), 1), size=int(is_post.sum()))
    texts = [pool[int(i)] for i in picks] if pool else [posts.texts[int(p)] for p in parent_post[is_post]]
    new_emotion = _emotion_each(cfg, ex, posts, emotion, is_rule, decay, per_message, rng) if per_message else \
        _emotion(cfg, ex, posts, emotion, is_rule, decay, rng)
    new_attitude = ATTITUDE[cfg.attitude_model](cfg, adj, attitude, is_rule, nxt.aux, rng)
    return RuleOutcome(actors, parent_post, is_post, texts, new_emotion, new_attitude, nxt.aux)


@lru_cache(maxsize=4)
def unset(n: int, dtype: str) -> np.ndarray:
    """A read-only array of ``n`` -1s (no parent, never activated), kept between steps (and runs: the
    last 4 sizes): a model's ``step`` copies its input state, so the input needs no fresh array each step."""
    return read_only(np.full(n, -1, dtype=dtype))


def read_only(values: np.ndarray) -> np.ndarray:
    """A read-only view of ``values``: a model that wrote into its input would fail loudly."""
    view = values.view()
    view.flags.writeable = False
    return view


def _activation_values(acted: np.ndarray, sender: np.ndarray) -> np.ndarray:
    """IC / LT: users who acted are spent, this step's senders transmit, everyone else is inactive."""
    values = np.where(acted, np.int8(SPENT), np.int8(INACTIVE))
    values[sender] = FRESH  # a repeated sender is set twice to the same value: no np.unique sort needed
    return values


def _sir_values(rule_aux: dict[str, np.ndarray], sender: np.ndarray) -> np.ndarray:
    """SIR: the kept compartments, with this step's senders infectious (their delivered posts are the
    contacts; a seed or LLM author counts as infectious for its posts)."""
    values = rule_aux["compartment"].copy()
    values[sender] = INFECTIOUS
    return values


def _sir_actors(before: np.ndarray, values: np.ndarray, nxt: State, is_rule: np.ndarray, ex: Exposures,
                sender: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Newly infected rule users (parent: the model's) and still-infectious ones that received posts
    (parent: the lowest-id sender that reached them). Stores the new compartments in ``nxt.aux``."""
    n = values.size
    after = np.where(before == RECOVERED, RECOVERED, nxt.values).astype(np.int8)
    after[~is_rule] = SUSCEPTIBLE
    nxt.aux["compartment"] = after
    first = np.full(n, n, np.int64)
    np.minimum.at(first, ex.receiver, sender)
    new = (values == SUSCEPTIBLE) & (after == INFECTIOUS)
    still = (before == INFECTIOUS) & (after == INFECTIOUS) & (first < n)
    actors = np.flatnonzero((new | still) & is_rule)
    return actors, np.where(new[actors], nxt.parent[actors], first[actors])


def _emotion(cfg: Any, ex: Exposures, posts: PostLog, level: np.ndarray, is_rule: np.ndarray, decay: float,
             rng: np.random.Generator) -> np.ndarray:
    """Contagion toward the most intense received post; decay where nothing was received."""
    n = level.size
    strongest = np.full(n, -1, dtype=np.int8)
    np.maximum.at(strongest, ex.receiver, posts.at("emotion", ex.post))
    exposed = strongest >= 0
    draw = rng.random(n)
    rise = exposed & (strongest > level) & (draw < cfg.emotion_contagion)
    fall = ~exposed & (draw < decay)
    out = level.copy()
    out[rise & is_rule] += 1
    out[fall & is_rule] = np.maximum(out[fall & is_rule] - 1, 0)
    return out


def _emotion_each(cfg: Any, ex: Exposures, posts: PostLog, level: np.ndarray, is_rule: np.ndarray, decay: float,
                  cap: int, rng: np.random.Generator) -> np.ndarray:
    """Per-message contagion: the j-th received post (arrival order, j < cap) moves a rule user one
    level toward its emotion with ``emotion_contagion``, from the level post j - 1 left; decay where
    nothing was received. One vector step per message rank, none per user."""
    n = level.size
    mine = is_rule[ex.receiver]
    receiver, post = by_receiver(ex.receiver[mine], ex.post[mine], n)
    rank = ranks(receiver)
    out = level.copy()
    for j in range(cap):  # row j of the draws: one per user, read where a user has a j-th message
        at = rank == j
        users, toward = receiver[at], posts.at("emotion", post[at])
        rise = (toward > out[users]) & (draws_at(rng, n, users) < cfg.emotion_contagion)
        out[users[rise]] += 1
    fall = below(rng, n, decay)
    fall &= is_rule
    fall[receiver] = False
    np.subtract(out, 1, out=out, where=fall & (out > 0))
    return out


def by_receiver(receiver: np.ndarray, post: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs ``(receiver, post)`` sorted by receiver, then post (what ``np.lexsort((post, receiver))``
    orders them to), by one sort of the key ``receiver * width + post``: an int64 sort, not two-key."""
    width = int(post.max()) + 1 if post.size else 1
    if post.size and (int(post.min()) < 0 or n * width >= 2**62):
        order = np.lexsort((post, receiver))
        return receiver[order], post[order]
    key = np.sort(receiver.astype(np.int64) * np.int64(width) + post)
    return key // width, key % width


def ranks(receiver: np.ndarray) -> np.ndarray:
    """Each element's place among the equal ones before it in sorted ``receiver`` (0 for the first)."""
    if receiver.size == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], receiver[1:] != receiver[:-1])))
    return np.arange(receiver.size) - np.repeat(starts, np.diff(np.append(starts, receiver.size)))


DRAW_CHUNK = 1 << 16
""":func:`below` draws this many uniforms at a time."""


def below(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """``rng.random(n) < p``, drawn ``DRAW_CHUNK`` at a time into one reused buffer: the same numbers
    (each double is the generator's next 64-bit output, in order) without an array of ``n`` doubles,
    whose fresh pages a 10M-user step would fault in."""
    out = np.empty(n, dtype=bool)
    buffer = np.empty(min(n, DRAW_CHUNK))
    for start in range(0, n, DRAW_CHUNK):
        part = buffer[: min(DRAW_CHUNK, n - start)]
        rng.random(out=part)
        np.less(part, p, out=out[start: start + part.size])
    return out


SPARSE_DRAWS = 1024
""":func:`draws_at` jumps to each position when fewer than one in this many of the draws is read."""


def draws_at(rng: np.random.Generator, n: int, at: np.ndarray) -> np.ndarray:
    """``rng.random(n)[at]`` for increasing positions ``at``, leaving ``rng`` where ``rng.random(n)``
    leaves it. Few positions are read by jumping a PCG64 bit generator ahead (``advance``: one
    64-bit output per double) instead of drawing all ``n``: the same numbers, in O(len(at) log n)."""
    bits = rng.bit_generator
    if not isinstance(bits, (np.random.PCG64, np.random.PCG64DXSM)) or at.size * SPARSE_DRAWS > n:
        return rng.random(n)[at]
    kept = bits.state  # advance() forgets a buffered 32-bit half that rng.random(n) leaves alone
    out, done = np.empty(at.size), 0
    for k, position in enumerate(at.tolist()):
        bits.advance(position - done)
        out[k], done = rng.random(), position + 1
    bits.advance(n - done)
    state = bits.state
    state["has_uint32"], state["uinteger"] = kept["has_uint32"], kept["uinteger"]
    bits.state = state
    return out


def _keep(cfg: Any, adj: sparse.csr_array, attitude: np.ndarray, is_rule: np.ndarray,
          aux: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """``none``: rule users' attitudes stay fixed."""
    return attitude.copy()


def _adopters(cfg: Any, adj: sparse.csr_array, is_rule: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rule users who received posts this step and apply the attitude update (``attitude_adopt``).
    A receiver is a column with a stored entry: counted from the CSR indices, without a transpose."""
    exposed = np.zeros(is_rule.size, dtype=bool)
    exposed[adj.indices] = True
    return exposed & is_rule & below(rng, is_rule.size, cfg.attitude_adopt)


def inbound(adj: sparse.csr_array) -> sparse.csr_matrix:
    """The transpose of ``adj`` as CSR (row j: who reached j), what the voter model's ``prepare(adj)``
    builds, from one CSC conversion (its arrays are the transpose's CSR arrays)."""
    csc = adj.tocsc()
    return sparse.csr_matrix((csc.data, csc.indices, csc.indptr), shape=adj.shape[::-1])


def _voter(cfg: Any, adj: sparse.csr_array, attitude: np.ndarray, is_rule: np.ndarray,
           aux: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Voter model on the exposure graph, applied by each exposed rule user with ``attitude_adopt``."""
    graph = SparseGraph(adj, inbound(adj))
    voted = make_model("voter").step(State(attitude.copy()), graph, rng).values
    return np.where(_adopters(cfg, adj, is_rule, rng), voted, attitude).astype(np.int8)


def _bounded(cfg: Any, adj: sparse.csr_array, attitude: np.ndarray, is_rule: np.ndarray,
             aux: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Bounded confidence (Deffuant or Hegselmann-Krause) on the exposure graph: exposed rule users
    who adopt take the model's new opinion; the attitude is the opinion's side of 0.5."""
    opinion = _opinions(aux, attitude, is_rule, rng)
    model = make_model(cfg.attitude_model, **_BOUNDED_PARAMS[cfg.attitude_model](cfg, adj))
    moved = model.step(State(opinion.copy()), adj, rng).values
    adopt = _adopters(cfg, adj, is_rule, rng)
    opinion = np.where(adopt, moved, opinion)
    aux["opinion"] = np.where(is_rule, opinion, np.nan)
    return np.where(adopt, opinion > 0.5, attitude).astype(np.int8)


def _opinions(aux: dict[str, np.ndarray], attitude: np.ndarray, is_rule: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """Every user's opinion in [0, 1]: rule users keep theirs (redrawn on their attitude's side of 0.5
    where it is missing or an intervention flipped the attitude); LLM users show 0.25 or 0.75."""
    kept = aux.get("opinion", np.full(attitude.size, np.nan))
    draw = 0.5 * rng.random(attitude.size)
    fresh = np.where(attitude > 0, 1.0 - draw, draw)
    stale = np.isnan(kept) | ((kept > 0.5) != (attitude > 0))
    return np.where(is_rule, np.where(stale, fresh, kept), 0.25 + 0.5 * (attitude > 0))


_BOUNDED_PARAMS: dict[str, Callable[[Any, sparse.csr_array], dict[str, Any]]] = {
    "deffuant": lambda cfg, adj: {"epsilon": cfg.epsilon, "mu": cfg.mu, "directed": True},
    "hegselmann_krause": lambda cfg, adj: {"epsilon": cfg.epsilon},
}

ATTITUDE: dict[str, Callable[..., np.ndarray]] = {
    "none": _keep, "voter": _voter, "deffuant": _bounded, "hegselmann_krause": _bounded,
}
"""Attitude models rule users can follow (``s3.rule.attitude_model``)."""
