"""How an S3 world writes its run record: events first, then the projection rows of each event.

Everything goes through the :class:`~hubbub.runtime.recorder.RunRecorder` (``event`` then ``row``), so a
resumed run re-derives and verifies the same log. Bulk happenings of rule users (thousands of reposts
or newly aware users in one round) are one event holding arrays, plus one projection row per item.
"""

from __future__ import annotations

import math
from itertools import repeat
from typing import Any, Iterator, Mapping

import numpy as np

from hubbub.agents.affect import ATTITUDES, EMOTION_INTENSITY, EMOTION_LEVELS
from hubbub.platform.feed.exposure import SOURCES
from hubbub.platform.feed.posts import KINDS, REPOST
from hubbub.runtime.s3 import graph_sample

CHANNELS = SOURCES + ("seed",)


AGENT_COLUMNS = ("agent_id", "role", "grp", "profile")
POST_COLUMNS = ("post_id", "author", "kind", "parent_id", "root_id", "text", "step", "time", "emotion", "attitude",
                "policy", "seq")
AWARE_COLUMNS = ("agent", "step", "time", "channel", "post_id", "via", "seq")
STATE_COLUMNS = ("agent", "step", "time", "policy", "emotion", "attitude", "aware", "action", "seq")
ROW_CHUNK = 65_536
"""Rule users whose rows are made from the columns at once (bounds the Python objects alive)."""


def agent_rows(world: Any) -> list[tuple[str, dict[str, Any]]]:
    """The ``agents`` rows, one per user: policy, S3 user class, camp, degrees and (LLM users) the persona.

    Rule users' rows go to the run record at once (``insert_many`` fed from the graph's columns, their
    profile JSON written by a template, the same text canonical JSON gives); the LLM users' rows are
    returned, for the run to insert with its other setup rows."""
    rule = np.flatnonzero(~world.inp.is_llm)
    world.rec.store.insert_many("agents", AGENT_COLUMNS, rule_agent_rows(world, rule))
    return [("agents", _llm_agent_row(world, world.users[i])) for i in np.flatnonzero(world.inp.is_llm).tolist()]


def rule_agent_rows(world: Any, users: np.ndarray) -> Iterator[tuple[str, str, str, str]]:
    """The ``agents`` rows of rule users ``users``, as cells in :data:`AGENT_COLUMNS` order."""
    inp, g = world.inp, world.graph
    followers, followees = g.in_degree(), g.out_degree()
    for start in range(0, users.size, ROW_CHUNK):
        part = users[start: start + ROW_CHUNK]
        for i, grp, camp, fr, fe in zip(part.tolist(), inp.classes[part].tolist(), inp.camps[part].tolist(),
                                        followers[part].tolist(), followees[part].tolist()):
            profile = f'{{"camp":{camp},"followees":{fe},"followers":{fr},"index":{i},"policy":"rule"}}'
            yield world.ids[i], "user", grp, profile


def _llm_agent_row(world: Any, user: Any) -> dict[str, Any]:
    i = user.index
    profile: dict[str, Any] = {"index": i, "policy": "llm", "camp": int(world.inp.camps[i]),
                               "followers": int(world.graph.in_degree()[i]),
                               "followees": int(world.graph.out_degree()[i]), "description": user.profile,
                               "group": user.group, "demographics": _demo(user.demographics)}
    return {"agent_id": world.ids[i], "role": "user", "grp": str(world.inp.classes[i]), "profile": profile}


def _demo(demo: Any) -> dict[str, Any]:
    return {"age_bin": demo.age_bin, "age": demo.age, "gender": demo.gender, "occupation": demo.occupation,
            "sources": dict(demo.sources)}


def setup_event(world: Any, t: float) -> None:
    inp = world.inp
    summary = inp.graph.summary()
    data = {"users": world.n, "llm_users": len(world.users), "edges": inp.graph.n_edges,
            "mutual_share": round(float(summary["mutual_share"]), 6), "classes": summary["classes"],
            "camps": np.bincount(inp.camps).tolist(), "graph_report": _plain(inp.graph_report),
            "rule_model": world._rule_cfg.model, "embedder": getattr(inp.embedder, "name", "?"),
            "provenance": dict(inp.provenance), "graph_sample": graph_sample.setup_data(world)}
    world.rec.event(t, "s3_setup", None, data)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def profile_event(world: Any, user: Any, attitude: int, failures: list[tuple[str, str]], t: float) -> None:
    """The demographics and initial attitude of one LLM user (inferred or from data) at step 0."""
    world.rec.event(t, "s3_profile", user.agent_id, {"demographics": _demo(user.demographics),
                                                      "initial_attitude": ATTITUDES[attitude],
                                                      "attitude_source": world.cfg.attitude.initial})
    profile = {"index": user.index, "policy": "llm", "camp": int(world.inp.camps[user.index]),
               "followers": int(world.graph.in_degree()[user.index]),
               "followees": int(world.graph.out_degree()[user.index]), "description": user.profile,
               "group": user.group, "demographics": _demo(user.demographics), "initial_attitude": ATTITUDES[attitude]}
    world.rec.update("agents", "agent_id", user.agent_id, {"profile": profile})
    failure_events(world, user.agent_id, failures, 0, t)


def failure_events(world: Any, agent: str, failures: list[tuple[str, str]], step: int, t: float) -> None:
    """Every failed LLM call becomes an explicit event; the run goes on."""
    for call, error in failures:
        world.rec.event(t, "llm_failure", agent, {"call": call, "error": error, "step": step})


def decision_event(world: Any, decision: Any, step: int, t: float, post_id: int | None,
                   applied: Mapping[str, Any] | None = None) -> None:
    """The ``s3_decision`` event of one decision, with what an extra action's ``apply`` returned."""
    data = {**decision.record(step), **(applied or {})}
    data["post_id"] = post_id
    world.rec.event(t, "s3_decision", decision.agent_id, data)
    failure_events(world, decision.agent_id, decision.failures, step, t)


def posts_event(world: Any, ids: np.ndarray, t: float) -> None:
    """The posts published at one step: one event with arrays, one ``s3_posts`` row per post."""
    if ids.size == 0:
        return
    posts = world.posts
    author, parent, kind = posts.at("author", ids), posts.at("parent", ids), posts.at("kind", ids)
    policy = np.where(author < 0, "platform", np.where(kind == 0, "seed",
                      np.where(world.is_llm[np.maximum(author, 0)], "llm", "rule")))
    seq = world.rec.event(t, "s3_posts", None, {"post_ids": ids.tolist(), "authors": author.tolist(),
                                                 "parents": parent.tolist(), "kinds": [KINDS[k] for k in kind.tolist()]})
    root, step = posts.at("root", ids), posts.at("step", ids)
    emo, att = posts.at("emotion", ids), posts.at("attitude", ids)
    rows = zip(ids.tolist(), _names(world, author), map(KINDS.__getitem__, kind.tolist()), _or_none(parent, parent),
               root.tolist(), map(posts.texts.__getitem__, ids.tolist()), step.tolist(), repeat(t),
               map(EMOTION_LEVELS.__getitem__, emo.tolist()), map(ATTITUDES.__getitem__, att.tolist()),
               policy.tolist(), repeat(seq))
    _rows(world, "s3_posts", POST_COLUMNS, rows)


def _names(world: Any, authors: np.ndarray) -> list[str]:
    """Agent ids of author indices, "platform" for a negative one (the platform's own posts),
    without a Python frame per row."""
    names = list(map(world.ids.__getitem__, np.maximum(authors, 0).tolist()))
    for i in np.flatnonzero(authors < 0).tolist():
        names[i] = "platform"
    return names


def _or_none(values: np.ndarray, key: np.ndarray, cells: list[Any] | None = None) -> list[Any]:
    """``cells`` (default: ``values`` as Python ints) with None wherever ``key`` is negative."""
    out = values.tolist() if cells is None else cells
    for i in np.flatnonzero(key < 0).tolist():
        out[i] = None
    return out


def _rows(world: Any, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]) -> None:
    """Projection rows of the event just recorded, written at once (skipped while a resume verifies)."""
    if not world.rec.verifying:
        world.rec.store.insert_many(table, columns, rows)


def aware_event(world: Any, users: np.ndarray, posts: np.ndarray, sources: np.ndarray, step: int, t: float) -> None:
    """Users who first heard of the event now, with their channel (-1 = wrote a seed post)."""
    channels = [CHANNELS[s] if s >= 0 else "seed" for s in sources.tolist()]
    seq = world.rec.event(t, "s3_aware", None, {"step": step, "users": users.tolist(), "posts": posts.tolist(),
                                                 "channels": channels})
    posts = np.asarray(posts, dtype=np.int64)
    via = np.full(posts.size, -1, dtype=np.int64)
    via[posts >= 0] = world.posts.at("author", posts[posts >= 0])
    rows = zip(map(world.ids.__getitem__, users.tolist()), repeat(step), repeat(t), channels, _or_none(posts, posts),
               _or_none(posts, posts, _names(world, via)), repeat(seq))
    _rows(world, "s3_awareness", AWARE_COLUMNS, rows)


def curve(world: Any) -> dict[str, Any]:
    """Population curve values now: awareness, emotion density (aware users), positive share."""
    aware = world.aware
    levels = world.emotion[aware]
    counts = np.bincount(levels, minlength=3) if levels.size else np.zeros(3)
    shares = counts / max(levels.size, 1)
    intensity = np.asarray(EMOTION_INTENSITY)
    return {
        "users": world.n, "aware": int(aware.sum()),
        "calm": float(shares[0]) if levels.size else float("nan"),
        "moderate": float(shares[1]) if levels.size else float("nan"),
        "intense": float(shares[2]) if levels.size else float("nan"),
        "mean_intensity": float(shares @ intensity) if levels.size else float("nan"),
        "mean_intensity_all": mean_intensity(world.emotion),
        "positive_share": float(world.attitude.mean()),
        "positive_share_aware": float(world.attitude[aware].mean()) if levels.size else float("nan"),
    }


def mean_intensity(emotion: np.ndarray) -> float:
    """``EMOTION_INTENSITY[emotion].mean()`` from the count of each level, without an array of floats
    per user: the intensities are multiples of 1/2, so both sums are exact and the means are equal."""
    counts = np.bincount(emotion, minlength=len(EMOTION_INTENSITY))
    return float(counts @ np.asarray(EMOTION_INTENSITY) / emotion.size)


def step_event(world: Any, t: float, step: int, counts: dict[str, int]) -> None:
    """The population curve point of a round (event + ``s3_steps`` row)."""
    values = curve(world)
    kinds = world.posts.at("kind", world.posts.published_at(step))
    values.update(posts=int(np.count_nonzero(kinds != REPOST)), reposts=int(np.count_nonzero(kinds == REPOST)),
                  deliveries=int(counts.get("deliveries", 0)), recommended=int(counts.get("recommended", 0)),
                  new_aware=int(counts.get("new_aware", 0)), llm_asked=int(counts.get("llm_asked", 0)),
                  llm_failures=int(counts.get("llm_failures", 0)))
    data = {k: (None if isinstance(v, float) and math.isnan(v) else (round(v, 9) if isinstance(v, float) else v))
            for k, v in values.items()}
    data["hub"] = int(counts.get("hub", 0))
    camps = world.inp.camps
    if camps.max(initial=0) > 0:
        totals = np.bincount(camps)
        data["by_camp"] = [round(float(v), 9) for v in np.bincount(camps, weights=world.attitude) / np.maximum(totals, 1)]
    data["sample"] = graph_sample.step_data(world)
    seq = world.rec.event(t, "s3_step", None, {"step": step, **data})
    row = {k: v for k, v in data.items() if k not in ("hub", "by_camp", "sample")}
    world.rec.row("s3_steps", {"step": step, "time": t, **row, "seq": seq})
    world.last_curve = data


def user_state_rows(world: Any, step: int, t: float, actions: dict[int, str]) -> None:
    """Per-user states after a round, as the scenario's ``record.user_states`` asks."""
    mode = world.cfg.record.user_states
    if mode == "none":
        return
    who = np.array(sorted(world.users), dtype=np.int64) if mode == "llm" else np.arange(world.n, dtype=np.int64)
    users = who.tolist()
    rows = zip(map(world.ids.__getitem__, users), repeat(step), repeat(t),
               np.where(world.is_llm[who], "llm", "rule").tolist(),
               map(EMOTION_LEVELS.__getitem__, world.emotion[who].tolist()),
               map(ATTITUDES.__getitem__, world.attitude[who].tolist()), world.aware[who].astype(np.int64).tolist(),
               [actions.get(i, "none") for i in users], repeat(world.rec.seq))
    _rows(world, "s3_user_states", STATE_COLUMNS, rows)
