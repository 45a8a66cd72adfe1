"""`hubbub interview RUN_DIR`: ask agents of a finished run a question, in character, from their memory
and state at a chosen simulated time. Answers are appended to the run record as ``interview`` events
(with ``post_run: true``); the agents themselves are not changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, List, Optional

import typer

from hubbub.errors import ConfigError


def _state_at(run: Any, agent: str, t: float) -> dict[str, Any]:
    states = run.agent_states
    rows = states[(states["agent_id"] == agent) & (states["time"] <= t)].sort_values(["time", "seq"])
    if len(rows) == 0:
        raise ConfigError(f"agent {agent!r} has no recorded state at or before {t / 3600:.2f} h")
    last = rows.iloc[-1]
    return {"emotion": float(last["emotion"]), "confidence": float(last["confidence"]),
            "summary": last["summary"] or "", "opinion": last["opinion"] or ""}


def _has_hub_state(run: Any, agent: str) -> bool:
    states = run.agent_states
    return len(states) > 0 and bool((states["agent_id"] == agent).any())


def _s3_messages(run: Any, scenario: Any, agent: str, profile: dict[str, Any], t: float, question: str) -> Any:
    """A follow-graph user's interview: persona, the posts they remembered at their last decision at or
    before ``t``, and their emotion and attitude then (the same prompt as a scheduled interview)."""
    from hubbub.agents.affect import interview_messages
    from hubbub.agents.prompts import fill, joined

    if profile.get("policy") != "llm":
        raise ConfigError(f"agent {agent!r} is a rule-based user: it has no voice to interview; ask an LLM user")
    states = run.table("s3_user_states")
    rows = states[(states["agent_id"] == agent) & (states["time"] <= t)].sort_values(["step", "seq"])
    if len(rows) == 0:
        raise ConfigError(f"agent {agent!r} has no recorded state at or before {t / 3600:.2f} h")
    last = rows.iloc[-1]
    events = run.events
    decisions = events[(events["kind"] == "s3_decision") & (events["agent_id"] == agent) & (events["time"] <= t)]
    data = decisions.iloc[-1]["data"] if len(decisions) else {}
    memory_ids = (json.loads(data) if isinstance(data, str) else data).get("memory", [])
    posts = run.table("s3_posts").set_index("post_id")["text"]
    texts = [str(posts.get(int(m[1:]), "")) for m in memory_ids if str(m).startswith("p") and str(m)[1:].isdigit()]
    memory = joined(fill("- {text}", {"text": x}) for x in texts if x.strip())  # each post quoted
    return interview_messages(profile.get("description", ""), profile.get("demographics"), str(last["emotion"]),
                              str(last["attitude"]), scenario.s3.attitude.target, memory, question, scenario.lang)


def _targets(run: Any, agents: list[str], group: str | None) -> list[dict[str, Any]]:
    table = run.agents
    users = table[table["role"] == "user"]
    if agents:
        missing = sorted(set(agents) - set(table["agent_id"]))
        if missing:
            raise ConfigError(f"no agent(s) {', '.join(missing)} in this run")
        chosen = table[table["agent_id"].isin(agents)]
    elif group:
        chosen = users[users["grp"] == group]
        if len(chosen) == 0:
            raise ConfigError(f"--group {group!r}: no users in that group (groups: {', '.join(sorted(users['grp'].unique()))})")
    else:
        raise ConfigError("name --agent ID (repeatable) or --group GROUP")
    return chosen.to_dict("records")


def interview_time(at_h: float, scenario: Any) -> float:
    """``--at-h`` in simulated seconds; outside the run (or inf / nan) no recorded state describes it."""
    import math

    from hubbub.scenarios.checks import HOUR, run_range

    end_s, origin = run_range(scenario.kind, scenario.trendsim.lifecycle_h, scenario.s3.steps, scenario.s3.step_h,
                              scenario.platform.hours)
    if not (math.isfinite(at_h) and 0 <= at_h * HOUR <= end_s):
        hours = f"{end_s / HOUR:g}"
        raise ConfigError(f"hubbub interview --at-h {at_h!r} is not allowed: outside the run's time range, 0 to "
                          f"{hours} simulated hours ({origin}); expected an hour from 0 to {hours}")
    return at_h * HOUR


def interview_run(run_dir: Path, question: str, agents: list[str], group: str | None, at_h: float | None,
                  overrides: dict[str, Any]) -> list[tuple[str, str]]:
    """Ask and record; return (agent, answer) pairs."""
    from types import SimpleNamespace

    from hubbub.llm.base import GenerateRequest
    from hubbub.runtime.backends import make_inner
    from hubbub.agents.hub.prompts import PromptKit
    from hubbub.agents.prompts import prompts_from
    from hubbub.scenarios.config import scenario_from_dict
    from hubbub.scenarios.loading import set_dotted
    from hubbub.store import RunStore, load_run
    from hubbub.textfiles import QUESTION_CHARS, check_length

    check_length(question, QUESTION_CHARS, "hubbub interview QUESTION", "the question", ConfigError)
    run = load_run(run_dir)
    config = json.loads(json.dumps(run.manifest["config"]))
    for key, value in overrides.items():
        set_dotted(config, key, value)
    scenario = scenario_from_dict(config, f"{run_dir}/manifest.json")
    t = interview_time(at_h, scenario) if at_h is not None else float(run.events["time"].max())
    people = _targets(run, agents, group)
    kit = PromptKit(scenario.lang)
    requests = []
    for k, person in enumerate(people):
        profile = person["profile"] if isinstance(person["profile"], dict) else json.loads(person["profile"])
        if scenario.kind != "trendsim" and not _has_hub_state(run, person["agent_id"]):
            messages = _s3_messages(run, scenario, person["agent_id"], profile, t, question)
        else:
            state = SimpleNamespace(**_state_at(run, person["agent_id"], t))
            with prompts_from(scenario.agents.prompts_dir):  # the run's own templates, if it had them
                messages = kit.user("interview", profile["description"], state, question=question)
        requests.append(GenerateRequest("interview.post_run", messages, seed=k, max_tokens=scenario.llm.max_tokens,
                                        temperature=scenario.llm.text_temperature))
    backend = make_inner(scenario.llm)
    if backend is None:
        raise ConfigError("interviews need a live backend; pass --backend embedded|openai|scripted")
    results = backend.generate(requests)
    answers = []
    with RunStore.open(run_dir) as store:
        seq = store.last_seq()
        for person, request, result in zip(people, requests, results):
            seq += 1
            data = {"question": question, "at_h": t / 3600, "post_run": True, "backend": backend.name,
                    "model": backend.model, **({"answer": " ".join(result.text.split())} if result.ok
                                               else {"error": result.error})}
            store.append_event(seq, t, "interview" if result.ok else "llm_failure", person["agent_id"], data)
            answers.append((person["agent_id"], data.get("answer") or f"(failed: {result.error})"))
        store.commit()
    return answers


def register(app: typer.Typer) -> None:
    from hubbub.cli import guard
    from hubbub.commands.metavars import LIVE_BACKENDS

    @app.command(epilog='Example: hubbub interview runs/demo "What do you think of this topic now?" --agent u000001 --at-h 1.5')
    def interview(
        run_dir: Path = typer.Argument(..., metavar="RUN_DIR", help="Run folder."),
        question: str = typer.Argument(..., metavar="QUESTION", help="The question to ask (quote it)."),
        agent: Optional[List[str]] = typer.Option(None, "--agent", metavar="ID", help="Agent id (repeat for several)."),
        group: Optional[str] = typer.Option(None, "--group", metavar="GROUP", help="Ask every user of this group."),
        at_h: Optional[float] = typer.Option(None, "--at-h", metavar="H", help="Simulated hour whose state to use (default: the end)."),
        backend: Optional[str] = typer.Option(None, "--backend", metavar=LIVE_BACKENDS, help="Override the run's backend."),
        base_url: Optional[List[str]] = typer.Option(None, "--base-url", metavar="URL", help="OpenAI-compatible server URL (repeat to load-balance over several servers)."),
        model: Optional[str] = typer.Option(None, "--model", metavar="NAME", help="Model name (openai) or GGUF path (embedded)."),
    ) -> None:
        """Interview agents of a run in character; answers are stored in the run record."""
        overrides: dict[str, Any] = {}
        if backend:
            overrides["llm.backend"] = backend
        if base_url:
            overrides["llm.base_urls"] = list(base_url)
        if model is not None:
            overrides["llm.model"] = model

        def go() -> None:
            from hubbub.commands.run import visible

            for who, answer in interview_run(run_dir, question, list(agent or []), group, at_h, overrides):
                typer.echo(visible(f"{who}: {answer}"))  # a model's escape sequences never reach the terminal

        guard(go)
