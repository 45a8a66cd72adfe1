"""The TrendSim LLM-as-judge (its Tables 1-3): judges score a run's actions, attack comments and
discussions, and vanilla-LLM baselines are scored the same way."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from hubbub.errors import DataError
from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import ChoiceRequest

JUDGE_ITEMS = 30
"""Items per kind (actions, attack comments, discussions) the judges score, at most."""
_ACTION_TEXT = {
    "like": "Liked the trending topic", "repost": "Reposted the trending topic",
    "more_comments": "Viewed more comments", "view_details": "Viewed more details of the trending topic",
    "open_comment": "Opened a comment to read its replies", "like_comment": "Liked a comment",
    "back": "Went back to the trending topic", "exit": "Left the trending topic",
}
JUDGE_METRICS = ("behavior_consistency", "psychology_consistency", "attack_consistency", "attack_concealment",
                 "rationality", "diversity")


def action_text(action: str, text: str | None) -> str:
    if action == "comment":
        return f"Commented on the trending topic: {text or ''}".strip()
    if action == "reply":
        return f"Replied to a comment: {text or ''}".strip()
    return _ACTION_TEXT.get(action, action.replace("_", " ").capitalize())


def judge_score(result: Any, inverted: bool) -> float:
    """The judge's expected score in [0, 1] over its option distribution (bin midpoints 0.05 .. 0.95);
    concealment is 1 - malice (TrendSim G.2)."""
    if not result.ok:
        return math.nan
    mid = (np.arange(10) + 0.5) / 10
    value = float(np.dot(np.asarray(result.probs), mid))
    return 1.0 - value if inverted else value


@dataclass
class JudgeItems:
    """What is judged: user actions (with the state before and after), attack comments, discussions."""

    topic: str
    lang: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    attacks: list[str] = field(default_factory=list)
    discussions: list[list[str]] = field(default_factory=list)


def judge_items(run: Any, limit: int | None, chunk: int = 8) -> JudgeItems:
    """Items of a TrendSim run: every user action with its observation and the user's state before and
    after it, every attack comment, and the comment stream cut into discussions of ``chunk`` comments."""
    topics = run.topics
    if len(topics) == 0:
        raise DataError(f"{run.path}: the run has no topic; is it a TrendSim run?")
    topic = f"{topics['title'].iloc[0]}\n{topics['content'].iloc[0]}"
    items = JudgeItems(topic, str(topics["lang"].iloc[0] or "en"))
    agents = {r.agent_id: r for r in run.agents.itertuples()}
    state: dict[str, tuple[float, float]] = {a: (float(r.profile.get("emotion", 0.5)), float(r.profile.get("confidence", 0.5)))
                                             for a, r in agents.items() if isinstance(r.profile, dict)}
    pending = None
    for ev in run.events.itertuples():
        data = ev.data if isinstance(ev.data, dict) else {}
        if ev.kind == "action" and data.get("role") == "user" and ev.agent_id in agents:
            before = state.get(ev.agent_id, (0.5, 0.5))
            pending = {"agent": ev.agent_id, "description": agents[ev.agent_id].profile.get("description", ""),
                       "observation": data.get("observation", ""), "action": action_text(data.get("action", ""), data.get("text")),
                       "before": before, "after": None}
            items.actions.append(pending)
        elif ev.kind == "state" and ev.agent_id in agents:
            after = (float(data.get("emotion", math.nan)), float(data.get("confidence", math.nan)))
            if pending is not None and pending["agent"] == ev.agent_id and pending["after"] is None:
                pending["after"] = after
            state[ev.agent_id] = after
    comments = run.comments.sort_values("created_at")
    items.attacks = [t for t, a in zip(comments["text"], comments["is_attack"]) if bool(a) and t]
    normal = [t for t in comments["text"] if t]
    items.discussions = [normal[i:i + chunk] for i in range(0, len(normal), chunk) if len(normal[i:i + chunk]) >= 2]
    if limit is not None:
        items.actions, items.attacks, items.discussions = items.actions[:limit], items.attacks[:limit], items.discussions[:limit]
    return items


def _judge_requests(items: JudgeItems, which: str, actions: Sequence[dict[str, Any]], attacks: Sequence[str],
                    seed: int) -> list[ChoiceRequest]:
    from hubbub.agents.prompts import SCORE_OPTIONS, fmt_score, numbered, render

    lang, out = items.lang, []
    for i, a in enumerate(actions):
        emo, conf = (fmt_score(min(max(v, 0.0), 1.0)) for v in a["before"])
        role = {"description": a["description"], "emotion": emo, "confidence": conf,
                "observation": a["observation"]}
        if which == "behavior_consistency":
            msgs = render("judge_behavior", lang, **role, action=a["action"])
        elif which == "psychology_consistency":
            if a["after"] is None or any(math.isnan(v) for v in a["after"]):
                continue
            new = [fmt_score(min(max(v, 0.0), 1.0)) for v in a["after"]]
            msgs = render("judge_psychology", lang, **role, new_emotion=new[0], new_confidence=new[1])
        else:
            continue
        out.append(ChoiceRequest(f"judge.{which}", msgs, SCORE_OPTIONS, derive_seed(seed, which, i), lang=lang))
    template = {"attack_consistency": "judge_attack_consistency", "attack_concealment": "judge_attack_concealment"}
    for i, c in enumerate(attacks if which in template else []):
        msgs = render(template[which], lang, topic=items.topic, comment=c)
        out.append(ChoiceRequest(f"judge.{which}", msgs, SCORE_OPTIONS, derive_seed(seed, which, i), lang=lang))
    if which in ("rationality", "diversity"):
        for i, d in enumerate(items.discussions):
            msgs = render(f"judge_{which}", lang, topic=items.topic, comments=numbered(d))
            out.append(ChoiceRequest(f"judge.{which}", msgs, SCORE_OPTIONS, derive_seed(seed, which, i), lang=lang))
    return out


def vanilla_baseline(ctx: Any, items: JudgeItems) -> tuple[list[dict[str, Any]], list[str]]:
    """TrendSim Appendix F: a vanilla LLM plays the same users (action text and new psychological
    levels from the baseline_* templates, each level the expected value over its 11 bins, as the
    simulated users' scores) and the attacker (one poisoning comment per attack)."""
    from hubbub.agents.hub.mind import expected_bin
    from hubbub.agents.prompts import LEVEL_OPTIONS, PSYCH_DIMENSIONS, fmt_score, render
    from hubbub.llm.base import GenerateRequest

    backend, lang, seed = ctx.backend(), items.lang, ctx.seed
    role = lambda a: {"description": a["description"], "emotion": fmt_score(min(max(a["before"][0], 0), 1)),  # noqa: E731
                      "confidence": fmt_score(min(max(a["before"][1], 0), 1)), "observation": a["observation"]}
    gen = [GenerateRequest("baseline.user_action", render("baseline_user_action", lang, **role(a)),
                           derive_seed(seed, "baseline", i), 80) for i, a in enumerate(items.actions)]
    gen += [GenerateRequest("baseline.attacker", render("baseline_attacker", lang, topic=items.topic),
                            derive_seed(seed, "attacker", i), 80) for i in range(len(items.attacks))]
    texts = [r.text if r.ok else None for r in ctx.generate(backend, gen)]
    psych = [ChoiceRequest("baseline.user_psych", render("baseline_user_psych", lang, **role(a),
                                                         dimension=PSYCH_DIMENSIONS[lang][dim]),
                           LEVEL_OPTIONS, derive_seed(seed, "psych", dim, i), lang=lang)
             for i, a in enumerate(items.actions) for dim in ("emotion", "confidence")]
    levels = [expected_bin(r.probs) if r.ok else math.nan for r in ctx.choose(backend, psych)]  # no sampling noise
    actions = [{**a, "action": t or "", "after": (levels[2 * i], levels[2 * i + 1])}
               for i, (a, t) in enumerate(zip(items.actions, texts)) if t]
    return actions, [t for t in texts[len(items.actions):] if t]


def run_trendsim_judge(ctx: Any) -> list[dict[str, Any]]:
    """Judge a TrendSim run (and the vanilla-LLM baselines) with every judge backend."""
    from hubbub.evaluate.metrics import krippendorff_alpha, mean_std, spearman
    from hubbub.agents.prompts import INVERTED_SCORES

    run = ctx.trendsim_run()
    items = judge_items(run, min(ctx.limit or JUDGE_ITEMS, JUDGE_ITEMS))
    sides = {"trendsim-agents": (items.actions, items.attacks)}
    if "llm" in ctx.policies:
        sides["vanilla-llm"] = vanilla_baseline(ctx, items)
    rows, dataset = [], f"run:{run.name}"
    for policy, (actions, attacks) in sides.items():
        for metric in JUDGE_METRICS:
            if policy == "vanilla-llm" and metric in ("rationality", "diversity"):
                continue
            requests = _judge_requests(items, metric, actions, attacks, ctx.seed)
            if not requests:
                continue
            inverted = f"judge_{metric}" in INVERTED_SCORES
            per_judge = {}
            for judge in ctx.judges():
                scores = [judge_score(r, inverted) for r in ctx.choose(judge.backend, requests)]
                per_judge[judge.label] = scores
                mean, std = mean_std(scores)
                n = int(np.isfinite(scores).sum())
                for stat, value in (("mean", mean), ("std", std)):
                    rows.append(ctx.row("trendsim_judge", dataset, "run", n, policy, f"{metric}_{stat}", value,
                                        backend=judge.backend_name, model=f"judge {judge.label}"))
            rows += _agreement_rows(ctx, dataset, policy, metric, per_judge, krippendorff_alpha, spearman)
    return rows


def _agreement_rows(ctx: Any, dataset: str, policy: str, metric: str, per_judge: Mapping[str, list[float]],
                    alpha: Callable, rho: Callable) -> list[dict[str, Any]]:
    if len(per_judge) < 2:
        return []
    names = list(per_judge)
    matrix = np.array([per_judge[n] for n in names])
    n = matrix.shape[1]
    rows = [ctx.row("trendsim_judge", dataset, "run", n, policy, f"{metric}_krippendorff_alpha", alpha(matrix),
                    backend="judges", model=" + ".join(names))]
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            rows.append(ctx.row("trendsim_judge", dataset, "run", n, policy, f"{metric}_spearman",
                                rho(matrix[i], matrix[j]), backend="judges", model=f"{names[i]} ~ {names[j]}"))
    return rows
