"""`hubbub survey RUN_DIR --file items.toml`: put a questionnaire to the users of a finished run, in
character, from their recorded state at a chosen simulated time (default: the end).

Each item is one choice request per respondent; the pick and the whole distribution are appended to the
run record as ``survey_answer`` events with ``post_run: true`` (the users themselves are not changed),
and ``tables/surveys.csv`` is rewritten when the run has a tables folder. Hub users (TrendSim, and the
hub's users in a combined run) answer from their persona, memory, opinion, emotion and confidence;
follow-graph LLM users from their profile, the posts they remembered at their last decision and their
emotion level and attitude; rule-based users have no voice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any, List, Optional

import pandas as pd
import typer

from hubbub.errors import ConfigError

HOUR = 3600.0


def _latest(frame: pd.DataFrame, t: float, order: list[str]) -> pd.DataFrame:
    """Each agent's last row at or before ``t`` (index: agent_id)."""
    rows = frame[frame["time"] <= t].sort_values(order, kind="stable")
    return rows.groupby("agent_id").tail(1).set_index("agent_id")


def _profiles(run: Any) -> dict[str, dict[str, Any]]:
    return {a: (p if isinstance(p, dict) else json.loads(p or "{}")) for a, p in zip(run.agents["agent_id"],
                                                                                      run.agents["profile"])}


def _people(run: Any, t: float) -> list[SimpleNamespace]:
    """Every user with a voice and a recorded state at ``t``, in the record's agent order: hub users
    (state from agent_states), else follow-graph LLM users (state from s3_user_states)."""
    hub = _latest(run.agent_states, t, ["time", "seq"]) if len(run.agent_states) else pd.DataFrame()
    graph = run.table("s3_user_states") if "s3_user_states" in _tables(run) else pd.DataFrame()
    graph = _latest(graph, t, ["step", "seq"]) if len(graph) else pd.DataFrame()
    profiles, people = _profiles(run), []
    for agent, role, group in zip(run.agents["agent_id"], run.agents["role"], run.agents["grp"]):
        profile = profiles[agent]
        if agent in hub.index and role == "user":
            group = (profile.get("group") or "society") if "group" in profile else group  # as the hub had it
            people.append(SimpleNamespace(agent_id=agent, group=group, profile=profile, hub=hub.loc[agent]))
        elif agent in graph.index and profile.get("policy") == "llm":
            people.append(SimpleNamespace(agent_id=agent, group=profile.get("group"), profile=profile,
                                          graph=graph.loc[agent]))
    return people


def _tables(run: Any) -> set[str]:
    from hubbub.report.html_frames import table_rows

    return {name for name, n in table_rows(run).items() if n}


def respondents(run: Any, t: float, agents: list[str], group: str | None, sample: int | None,
                seeds: Any) -> list[SimpleNamespace]:
    """Named users, a group, a sample (the run's ``survey-sample`` stream) or every user with a voice."""
    from hubbub.runtime.surveys import pick
    from hubbub.scenarios.surveys import Survey

    people = _people(run, t)
    if agents:
        known = set(run.agents["agent_id"])
        unknown = sorted(set(agents) - known)
        if unknown:
            raise ConfigError(f"--agent: no agent(s) {', '.join(unknown)} in this run")
    if group and not any(p.group == group for p in people):
        groups = sorted({str(p.group) for p in people})
        raise ConfigError(f"--group {group!r}: no users with a voice in that group (groups: {', '.join(groups)})")
    stand_in = Survey.model_construct(agents=tuple(agents), group=group, sample=sample)
    chosen = pick(people, stand_in, seeds, "users with a voice (LLM users) and a recorded state at that time")
    if not chosen:
        raise ConfigError(f"no user has a recorded state at or before {t / HOUR:g} h; choose a later --at-h")
    return chosen


def _memory(run: Any, agent: str, t: float) -> Any:
    """The posts a follow-graph user remembered at their last decision at or before ``t``, each quoted."""
    from hubbub.agents.prompts import fill, joined

    events = run.events
    decisions = events[(events["kind"] == "s3_decision") & (events["agent_id"] == agent) & (events["time"] <= t)]
    data = decisions.iloc[-1]["data"] if len(decisions) else {}
    ids = (json.loads(data) if isinstance(data, str) else data).get("memory", [])
    posts = run.table("s3_posts").set_index("post_id")["text"]
    texts = [str(posts.get(int(m[1:]), "")) for m in ids if str(m).startswith("p") and str(m)[1:].isdigit()]
    return joined(fill("- {text}", {"text": x}) for x in texts if x.strip())


def _messages(run: Any, scenario: Any, person: SimpleNamespace, item: Any, t: float) -> Any:
    """The same prompt a scheduled survey puts to this user, from the recorded state."""
    from hubbub.agents.hub.prompts import PromptKit
    from hubbub.agents.prompts import prompts_from
    from hubbub.agents.survey import question_block, s3_messages

    if hasattr(person, "hub"):
        s = person.hub
        state = SimpleNamespace(emotion=float(s["emotion"]), confidence=float(s["confidence"]),
                                summary=s["summary"] or "", opinion=s["opinion"] or "")
        with prompts_from(scenario.agents.prompts_dir):  # the run's own templates, if it had them
            return PromptKit(scenario.lang).user("survey", person.profile.get("description", ""), state,
                                                 question=question_block(item, scenario.lang))
    g = person.graph
    return s3_messages(person.profile.get("description", ""), person.profile.get("demographics"), str(g["emotion"]),
                       str(g["attitude"]), scenario.s3.attitude.target, _memory(run, person.agent_id, t), item,
                       scenario.lang)


def _state(person: SimpleNamespace) -> dict[str, Any]:
    if hasattr(person, "hub"):
        return {"group": person.group, "emotion": float(person.hub["emotion"]),
                "confidence": float(person.hub["confidence"])}
    return {"group": person.group, "emotion_level": str(person.graph["emotion"]),
            "attitude": str(person.graph["attitude"])}


def survey_time(at_h: float | None, scenario: Any, run: Any) -> float:
    """``--at-h`` in simulated seconds (default: the last event); outside the run nothing describes it."""
    from hubbub.scenarios.checks import run_range

    if at_h is None:
        return float(run.events["time"].max())
    end_s, origin = run_range(scenario.kind, scenario.trendsim.lifecycle_h, scenario.s3.steps, scenario.s3.step_h)
    if not (math.isfinite(at_h) and 0 <= at_h * HOUR <= end_s):
        hours = f"{end_s / HOUR:g}"
        raise ConfigError(f"hubbub survey --at-h {at_h!r} is not allowed: outside the run's time range, 0 to {hours} "
                          f"simulated hours ({origin}); expected an hour from 0 to {hours}")
    return at_h * HOUR


def _next_index(run: Any, scenario: Any) -> int:
    """Post-run surveys are numbered after the scenario's and every earlier post-run one."""
    from hubbub.report.html_frames import query

    found = query(run, "SELECT data FROM events WHERE kind IN ('survey_answer', 'llm_failure')")
    used = [json.loads(d).get("survey") for d in found["data"]]
    return max([len(scenario.surveys) - 1, *(int(u) for u in used if isinstance(u, int))]) + 1


def survey_run(run_dir: Path | str, items: Any, agents: list[str] | None = None, group: str | None = None,
               sample: int | None = None, at_h: float | None = None,
               overrides: dict[str, Any] | None = None) -> pd.DataFrame:
    """Survey the users of a finished run (``items``: a TOML items file or a list of item tables) and
    record the answers; return them as the survey table (see :attr:`hubbub.store.api.Run.surveys`)."""
    from hubbub.kernel.seeding import SeedTree
    from hubbub.runtime.backends import make_inner
    from hubbub.runtime.surveys import answer, request
    from hubbub.scenarios.config import scenario_from_dict
    from hubbub.scenarios.loading import set_dotted
    from hubbub.scenarios.surveys import SurveyFile, read_items
    from hubbub.store import load_run

    parsed = read_items(str(items)) if isinstance(items, (str, Path)) else _items(items, SurveyFile)
    run = load_run(run_dir)
    config = json.loads(json.dumps(run.manifest["config"]))
    for key, value in (overrides or {}).items():
        set_dotted(config, key, value)
    scenario = scenario_from_dict(config, f"{run_dir}/manifest.json")
    t, seeds = survey_time(at_h, scenario, run), SeedTree(scenario.run.seed)
    people = respondents(run, t, list(agents or []), group, sample, seeds)
    index = _next_index(run, scenario)
    asks = [(p, item, request("survey.post_run", _messages(run, scenario, p, item, t), item,
                              seeds.seed("survey", index, p.agent_id, item.id), scenario))
            for p in people for item in parsed]
    backend = make_inner(scenario.llm)
    if backend is None:
        raise ConfigError("surveys need a live backend; pass --backend embedded|openai|scripted")
    results = backend.choose([r for _, _, r in asks])
    extra = {"post_run": True, "backend": backend.name, "model": backend.model}
    records = [answer(index, t / HOUR, item, p.agent_id, _state(p), result, "survey.post_run", **extra)
               for (p, item, _), result in zip(asks, results)]
    _append(Path(run_dir), t, records)
    return load_run(run_dir).surveys.query(f"survey == {index}").reset_index(drop=True)


def _items(items: Any, model: Any) -> tuple[Any, ...]:
    """Item tables given from Python, validated like an items file (one line per bad field)."""
    from pydantic import ValidationError

    from hubbub.scenarios.errors import format_validation_error

    try:
        return model.model_validate({"items": list(items)}).items
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, "survey items", model)) from None


def _append(run_dir: Path, t: float, records: list[tuple[str, dict[str, Any]]]) -> None:
    """Append the answers to the record; rewrite the survey tables where the run has a tables folder."""
    from hubbub.metrics.surveys import write_survey_tables
    from hubbub.store import RunStore

    with RunStore.open(run_dir) as store:
        seq = store.last_seq()
        for kind, data in records:
            data = dict(data)
            seq += 1
            store.append_event(seq, t, kind, data.pop("agent"), data)
        store.commit()
    if (run_dir / "tables").is_dir():
        write_survey_tables(run_dir)


def summary_lines(table: pd.DataFrame) -> list[str]:
    """One line per item: the mean probability of each option across the respondents."""
    lines = []
    for item, rows in table.groupby("item", sort=False):
        probs = [c for c in rows.columns if c.startswith("p_") and rows[c].notna().any()]
        means = " · ".join(f"{c[2:]}: {rows[c].mean():.2f}" for c in probs)
        lines.append(f"{item} ({rows['kind'].iloc[0]}, {len(rows)} answers) mean probability of option {means}")
    return lines


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard
    from hubbub.commands.metavars import LIVE_BACKENDS

    @app.command(epilog="Example: hubbub survey runs/demo --file items.toml --sample 20 --at-h 1.5")
    def survey(
        run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Run folder."),
        file: Path = typer.Option(..., "--file", metavar="ITEMS.toml", help="TOML file of items tables (id, question, kind = likert or choice, points or options); see docs/cookbook.md, Surveys."),
        agent: Optional[List[str]] = typer.Option(None, "--agent", "--agents", metavar="ID", help="Agent id (repeat for several)."),
        group: Optional[str] = typer.Option(None, "--group", metavar="GROUP", help="Survey every user of this group."),
        sample: Optional[int] = typer.Option(None, "--sample", metavar="N", min=1, help="Survey N users drawn at random."),
        at_h: Optional[float] = typer.Option(None, "--at-h", metavar="H", help="Simulated hour whose state to use (default: the end)."),
        backend: Optional[str] = typer.Option(None, "--backend", metavar=LIVE_BACKENDS, help="Override the run's backend."),
        base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="OpenAI-compatible server URL (repeat to load-balance over several servers)."),
        model: Optional[str] = typer.Option(None, "--model", metavar="NAME", help="Model name (openai) or GGUF path (embedded)."),
    ) -> None:
        """Survey users of a run in character (every user with a voice by default); answers and their
        distributions are stored in the run record."""
        overrides: dict[str, Any] = {}
        for key, value in (("llm.backend", backend), ("llm.base_urls", list(base_url or []) or None),
                           ("llm.model", model)):
            if value is not None:
                overrides[key] = value

        def go() -> None:
            from hubbub.commands.run import visible

            table = survey_run(run_dir, str(file), list(agent or []), group, sample, at_h, overrides)
            for line in summary_lines(table):
                typer.echo(visible(line))

        guard(go)
