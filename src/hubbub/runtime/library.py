"""What a :class:`~hubbub.runtime.simulation.Simulation` offers a researcher working from Python, beside
advancing it: read-only views of its users and platform, interventions, interviews and surveys scheduled
while it runs, and its record as DataFrames.

An intervention, interview or survey added from Python becomes part of the run's scenario (and its manifest),
exactly as if the scenario file had named it, so the run stays resumable and replayable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import pandas as pd

from hubbub.errors import SchedulingError

HOUR = 3600.0


@dataclass(frozen=True)
class PlatformView:
    """A snapshot of the platform at the simulation's current time (copies: changing them changes nothing)."""

    time_h: float
    topic: Mapping[str, Any] | None
    """The trending topic on the hub (title, likes, reposts, views), when the run has a hub."""
    comments: pd.DataFrame
    """The hub's comments visible now, ranked as the Main page shows them (empty without a hub)."""
    follow_graph: Any
    """The follow graph (a read-only :class:`~hubbub.platform.graph.FollowGraph`), when the run has one."""
    posts: pd.DataFrame
    """The follow-feed posts published so far (empty without a follow graph); an S3 run without a hub
    holds only its recommendation window in memory, so older posts are in `results`' `s3_posts`."""


class LibraryViews:
    """Views, interventions, interviews, surveys and results (mixed into Simulation, which provides the state)."""

    scenario: Any
    world: Any
    run_dir: Path

    # ------------------------------------------------------------------ views

    @property
    def users(self) -> pd.DataFrame:
        """One row per user (index ``agent_id``) with their state now: TrendSim emotion, confidence,
        opinion and summary; S3 emotion level, attitude, awareness and policy; both in a combined run."""
        own = getattr(self.world, "users_frame", None)  # a world that describes its users itself (kind platform)
        if own is not None:
            return own(self.now * HOUR)  # type: ignore[attr-defined]
        frames = [f for f in (_hub_users(_hub(self.world)), _graph_users(_graph(self.world))) if f is not None]
        if not frames:
            return pd.DataFrame()
        merged = frames[0] if len(frames) == 1 else frames[1].join(frames[0], how="outer", rsuffix="_hub")
        merged.index.name = "agent_id"
        return merged

    @property
    def platform(self) -> PlatformView:
        """What the platform holds at the current time (see :class:`PlatformView`)."""
        t = self.now * HOUR  # type: ignore[attr-defined]
        own = getattr(self.world, "platform_parts", None)  # kind platform: its follow graph and posts now
        if own is not None:
            graph, posts = own(t)
            return PlatformView(self.now, None, _comments(None, t), graph, posts)  # type: ignore[attr-defined]
        hub, graph = _hub(self.world), _graph(self.world)
        return PlatformView(self.now, _topic(hub, t), _comments(hub, t),  # type: ignore[attr-defined]
                            graph.graph if graph is not None else None, _posts(graph))

    @property
    def results(self) -> Any:
        """The run record as DataFrames (``events``, ``agents``, ``comments``, ``agent_states``, ...), as
        :func:`hubbub.store.load_run` gives them; everything committed so far."""
        from hubbub.store import load_run

        if not self.done:  # type: ignore[attr-defined]
            self.recorder.commit()  # type: ignore[attr-defined]
        return load_run(self.run_dir)

    # ------------------------------------------------------------------ steering

    def intervene(self, type: str, at_h: float | None = None, **fields: Any) -> None:
        """Schedule an intervention (any ``[[interventions]]`` type and fields) at ``at_h`` hours, by
        default now; it is applied when the run reaches that time and recorded like a scenario one."""
        data = {"type": type, "at_h": self._when(at_h), **fields}
        self._add("interventions", data, ("intervention", "graph_intervention"))

    def interview(self, question: str, at_h: float | None = None, **fields: Any) -> None:
        """Schedule an interview (``agents``, ``group`` or ``sample`` as in ``[[interviews]]``) at ``at_h``
        hours, by default now. After the run, use ``hubbub interview RUN`` (or its function) instead."""
        self._add("interviews", {"question": question, "at_h": self._when(at_h), **fields}, ("interview",))

    def fork(self, at_h: float, out: str | Path | None = None, **options: Any) -> Any:
        """A counterfactual fork of this run at ``at_h`` hours (see :meth:`fork_from`)."""
        if not self.done:  # type: ignore[attr-defined]
            self.recorder.commit()  # type: ignore[attr-defined]
        return type(self).fork_from(self.run_dir, at_h, out, **options)

    @classmethod
    def fork_from(cls, run_dir: str | Path, at_h: float, out: str | Path | None = None, **options: Any) -> Any:
        """A counterfactual fork of the run in ``run_dir`` at ``at_h`` hours (:mod:`hubbub.runtime.fork`):
        a new Simulation that replayed that run's record up to H, with the change in ``options`` (dotted
        settings, ``changes={...}``, ``interventions=[...]``, ``backend``/``model``/``base_url``); ``run()`` it."""
        from hubbub.runtime.fork import make_fork

        return make_fork(cls, run_dir, at_h, out, **options)

    def survey(self, items: Any, at_h: float | None = None, **fields: Any) -> None:
        """Schedule a survey (``items``: a list of item tables, or the path of a TOML items file;
        ``agents``, ``group``, ``sample`` or ``after_run=True`` as in ``[[surveys]]``) at ``at_h`` hours, by
        default now. After the run, use ``hubbub survey RUN --file ITEMS`` (or ``survey_run``) instead."""
        if self.done:  # type: ignore[attr-defined]
            raise SchedulingError(f"{self.run_dir}: the run has ended; survey it with `hubbub survey RUN_DIR --file "
                                  f"ITEMS.toml` (hubbub.commands.survey.survey_run from Python)")
        given = {"file": str(items)} if isinstance(items, (str, Path)) else {"items": [dict(i) for i in items]}
        when = {"at_h": at_h} if fields.get("after_run") else {"at_h": self._when(at_h)}  # both: refused
        self._add("surveys", {**given, **when, **fields}, ("survey",))

    def _when(self, at_h: float | None) -> float:
        if self.done:  # type: ignore[attr-defined]
            raise SchedulingError(f"{self.run_dir}: the run has ended; interview it with `hubbub interview`")
        now = self.now  # type: ignore[attr-defined]
        if at_h is not None and at_h < now:
            raise SchedulingError(f"at_h = {at_h:g} lies before the simulation's current time ({now:g} h)")
        return _after_committed(float(now if at_h is None else at_h), self._scheduler_now())  # type: ignore[attr-defined]

    def _add(self, section: str, item: dict[str, Any], kinds: tuple[str, ...]) -> None:
        """Validate the scenario with the new item, hand it to the world, record it in the manifest and
        push its barrier event."""
        from hubbub.scenarios.config import scenario_from_dict
        from hubbub.store import read_manifest, write_manifest
        from hubbub.store.manifest import rehash_config

        data = self.scenario.model_dump(mode="json")
        data[section] = [*data.get(section, []), item]
        scenario = scenario_from_dict(data, f"Simulation.{section[:-1]}")
        index = len(data[section]) - 1
        self.scenario = scenario
        _set_scenario(self.world, scenario)
        manifest = read_manifest(self.run_dir)
        rehash_config(manifest, scenario.model_dump(mode="json"))
        write_manifest(self.run_dir, manifest)
        scheduler = self._scheduler_now()  # type: ignore[attr-defined]
        for event in self.world.initial_events():
            if event.kind in kinds and event.data.get("index") == index:
                scheduler.queue.push(event)


def _after_committed(at_h: float, scheduler: Any) -> float:
    """``at_h``, moved just past the events already committed at that instant: a fresh run of the same
    scenario then applies the item at the same place in the log (resume and replay stay exact)."""
    if scheduler.stats.committed == 0:
        return at_h
    while at_h * HOUR <= scheduler.now:
        at_h = math.nextafter(at_h, math.inf)
    return at_h


def _set_scenario(world: Any, scenario: Any) -> None:
    """The world and its parts read interventions from their scenario: give them the new one."""
    for part in (world, getattr(world, "trend", None), getattr(world, "s3", None)):
        if part is not None and hasattr(part, "sc"):
            part.sc = scenario


def _hub(world: Any) -> Any:
    return getattr(world, "trend", world) if hasattr(getattr(world, "trend", world), "hub") else None


def _graph(world: Any) -> Any:
    part = getattr(world, "s3", world)
    return part if hasattr(part, "graph") and hasattr(part, "attitude") else None


def _hub_users(hub: Any) -> pd.DataFrame | None:
    if hub is None:
        return None
    rows = {p.agent_id: {"role": p.role, "group": p.group, "emotion": p.state.emotion,
                         "confidence": p.state.confidence, "opinion": p.state.opinion, "summary": p.state.summary,
                         "visits": p.visits} for p in hub.participants.values()}
    return pd.DataFrame.from_dict(rows, orient="index")


def _graph_users(graph: Any) -> pd.DataFrame | None:
    from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS

    if graph is None:
        return None
    return pd.DataFrame({"emotion_level": [EMOTION_LEVELS[int(e)] for e in graph.emotion],
                         "attitude": [ATTITUDES[int(a)] for a in graph.attitude], "aware": graph.aware.copy(),
                         "policy": ["llm" if x else "rule" for x in graph.is_llm]}, index=list(graph.ids))


def _topic(hub: Any, t: float) -> Mapping[str, Any] | None:
    if hub is None:
        return None
    likes, reposts, views = hub.hub.counts(t)
    return MappingProxyType({"title": hub.hub.title, "likes": likes, "reposts": reposts, "views": views})


def _comments(hub: Any, t: float) -> pd.DataFrame:
    if hub is None:
        return pd.DataFrame(columns=["comment_id", "text", "likes", "replies", "label"])
    return pd.DataFrame([vars(c) for c in hub.hub.ranked_comments(t)],
                        columns=["comment_id", "text", "likes", "replies", "label"])


def _posts(graph: Any) -> pd.DataFrame:
    if graph is None:
        return pd.DataFrame()
    posts = graph.posts  # an S3 run holds its recommendation window only: the posts from posts.first on
    return pd.DataFrame({"post_id": range(posts.first, posts.n), "author": posts.held("author"),
                         "kind": posts.held("kind"), "step": posts.held("step"), "text": list(posts.texts)})
