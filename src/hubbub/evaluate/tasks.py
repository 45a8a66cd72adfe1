"""The evaluation tasks: what each one measures, on which real data, with which request, and the
paper's published figure it stands next to.

Classification tasks (emotion, attitude, gender, propagation) are data + one ChoiceRequest builder;
the harness runs them with every policy. The other tasks have their own ``run`` function and return
result rows: the occupation distribution (no labels), text realism (S3 Table 3), the TrendSim judge
(its Tables 1-3) and the two population-level comparisons in :mod:`hubbub.evaluate.population`.

Every ChoiceRequest here comes from the builders the simulation itself uses
(:mod:`hubbub.agents.affect`, :mod:`hubbub.agents.demographics`, the TrendSim judge and baseline
templates), so a figure measures the decision a simulated agent actually makes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from hubbub.errors import ConfigError, DataError, HubbubError
from hubbub.evaluate import datasets as ds
from hubbub.evaluate.datasets import Example, LabelledSet
from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import ChoiceRequest

EMOTION_DECAY = 0.3
"""The decay coefficient stated in emotion prompts (the S3 scenarios' default)."""


@dataclass(frozen=True)
class PaperFigure:
    metric: str
    value: float
    source: str


@dataclass(frozen=True)
class Variant:
    """One way of scoring a dataset: its name (shown as the dataset column), the data, and whether
    the LLM policy can answer it (S3's attitude is binary, so a 3-class stance set is not)."""

    name: str
    data: LabelledSet
    llm: bool = True
    positive: int | None = None


@dataclass(frozen=True)
class Task:
    """One evaluation task. ``load(path, seed)`` gives the data (``path`` None = default);
    ``variants`` turns it into scored variants; ``request(example, seed, data)`` is the LLM's
    ChoiceRequest; ``run(ctx)`` replaces the classification loop for special tasks."""

    name: str
    measures: str
    kind: str = "classify"
    load: Callable[..., Any] | None = None
    variants: Callable[[LabelledSet], list[Variant]] | None = None
    request: Callable[[Example, int, LabelledSet], ChoiceRequest] | None = None
    rules: tuple[str, ...] = ()
    run: Callable[[Any], list[dict[str, Any]]] | None = None
    paper: tuple[PaperFigure, ...] = ()
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------------------
# Requests (the simulation's own builders)


def emotion_choice(e: Example, seed: int, data: LabelledSet) -> ChoiceRequest:
    """A user with no profile, currently calm, receives the text as a post; which level now?"""
    from hubbub.agents.affect import emotion_request

    return emotion_request("", None, "calm", "", [e.text], EMOTION_DECAY, lang=data.lang, seed=seed,
                           kind="evaluate.emotion")


def target_phrase(group: str) -> str:
    return ds.TWEETEVAL_TARGETS.get(group, group)


def attitude_choice(e: Example, seed: int, data: LabelledSet) -> ChoiceRequest:
    """S3's initial attitude: from the user's earlier post (the text), toward the data's target."""
    from hubbub.agents.affect import initial_attitude_request

    return initial_attitude_request("", [e.text], target_phrase(e.group), lang=data.lang, seed=seed,
                                    kind="evaluate.attitude")


def gender_choice(e: Example, seed: int, data: LabelledSet) -> ChoiceRequest:
    """S3's demographic inference of gender from what the user wrote (here: one comment)."""
    from hubbub.agents.demographics import demographic_requests

    return demographic_requests(e.key, "", [e.text], lang=data.lang, seed=seed, fields=("gender",))["gender"]


CLAIM_TARGET = "what the post you received claims"
TEXT_POSTS = 30
"""Real posts (one generated comment each) in text_realism, at most (generation is the slow part)."""
PPL_TEXTS = 15
"""Texts per policy whose perplexity is scored (one scoring request per token: the slow part)."""
JUDGE_ITEMS = 30
"""Items per kind (actions, attack comments, discussions) the judges score, at most."""


def propagation_choice(e: Example, seed: int, data: LabelledSet) -> ChoiceRequest:
    """The simulation's attitude update: a user with the replier's real profile receives the rumour's
    source tweet. The user's prior attitude is unknown, so it is drawn 50/50 per item (seeded)."""
    from hubbub.agents.affect import attitude_request

    prior = derive_seed(seed, "prior") % 2
    return attitude_request(e.context, None, prior, CLAIM_TARGET, "", [e.text], lang=data.lang, seed=seed,
                            kind="evaluate.propagation")


# ---------------------------------------------------------------------------------------------------
# Variants


def one_variant(data: LabelledSet) -> list[Variant]:
    return [Variant(data.name, data, positive=1 if len(data.labels) == 2 else None)]


def stance_variants(data: LabelledSet) -> list[Variant]:
    """Binary (S3's attitude; all policies) and 3-class with 'none' (majority and learned only)."""
    return [Variant(ds.binary_attitude(data).name, ds.binary_attitude(data), positive=1),
            Variant(data.name + "-3class", data, llm=False)]


# ---------------------------------------------------------------------------------------------------
# Occupation distribution (no labels)


def run_occupation(ctx: Any) -> list[dict[str, Any]]:
    """S3's ten occupation classes as inferred by the LLM from real RumourEval profiles and tweets.
    There are no occupation labels in the shared data, so this is a distribution, not a score."""
    from hubbub.agents.demographics import OCCUPATIONS, demographic_requests

    users = ctx.sample(ds.rumoureval_users(ctx.data_path("occupation_distribution")), "test")
    if "llm" not in ctx.policies:
        return []
    backend = ctx.backend()
    requests = [demographic_requests(u.key, u.context, [u.text], "en", ctx.seed, ("occupation",))["occupation"]
                for u in users]
    results = ctx.choose(backend, requests)
    picks = [r.index for r in results if r.ok]
    counts = np.bincount(np.array(picks, dtype=np.int64), minlength=len(OCCUPATIONS)) if picks else np.zeros(len(OCCUPATIONS))
    share = counts / max(len(picks), 1)
    rows = [ctx.row("occupation_distribution", "rumoureval2017-users", "all", len(picks), "llm", f"share:{o}", float(s))
            for o, s in zip(OCCUPATIONS, share)]
    probs = np.array([r.probs for r in results if r.ok]).reshape(-1, len(OCCUPATIONS))
    if len(probs):
        rows.append(ctx.row("occupation_distribution", "rumoureval2017-users", "all", len(picks), "llm",
                            "mean_top_option_probability", float(probs.max(axis=1).mean())))
    entropy = -float(np.sum(share[share > 0] * np.log2(share[share > 0])))
    rows.append(ctx.row("occupation_distribution", "rumoureval2017-users", "all", len(picks), "llm",
                        "entropy_bits (uniform = 3.32)", entropy))
    rows.append(ctx.row("occupation_distribution", "rumoureval2017-users", "all", len(users), "llm", "failures",
                        float(len(users) - len(picks))))
    return rows


# ---------------------------------------------------------------------------------------------------
# Text realism (S3 Table 3): perplexity under a reference model, cosine to real comments


class ReferenceScorer:
    """Teacher-forced log-likelihood of texts under a reference GGUF model (default: the bundled
    SmolLM2-135M-Instruct) on in-process llama.cpp. The text is tokenized by the server's own
    ``/tokenize``; then, one token at a time (the prefix comes from the prompt cache), the next token is
    forced with a +100 logit bias while ``n_probs`` reports its log-probability under the *unbiased*
    model (llama.cpp reports pre-bias probabilities). Byte tokens that start an incomplete UTF-8
    character come back without log-probabilities; for those the token is looked up among the top
    ``top_k`` alternatives of an unforced step, and when it is not there the k-th value is used (a
    bound, counted in ``bounded``)."""

    def __init__(self, model_path: str | None = None, threads: int | None = None, top_k: int = 256) -> None:
        from hubbub.llm.embedded import MODEL_NAME, start_server

        self.server, self.url = start_server(0, model_path=model_path, parallel=1, threads=threads, ctx_per_slot=1024)
        self.model = MODEL_NAME if model_path is None else model_path
        self.top_k, self.bounded, self.tokens = top_k, 0, 0
        self._anchor = self._tokenize("A")[0]

    def _tokenize(self, text: str) -> list[int]:
        import httpx

        reply = httpx.post(f"{self.url}/tokenize", json={"content": text, "add_special": False}, timeout=60)
        reply.raise_for_status()
        return [int(t) for t in reply.json()["tokens"]]

    def _step(self, prompt: list[int], bias: int, n_probs: int) -> dict[str, Any] | None:
        reply = self.server.handle_completions({"prompt": prompt, "max_tokens": 1, "n_probs": n_probs, "temperature": 0.0,
                                                "logit_bias": [[bias, 100.0]], "cache_prompt": True})
        if "error" in reply:
            raise DataError(f"reference model refused a scoring request: {reply['error'].get('message', reply['error'])}")
        content = ((reply.get("choices") or [{}])[0].get("logprobs") or {}).get("content") or []
        return content[0] if content else None

    def _logprob(self, prompt: list[int], token: int) -> float:
        step = self._step(prompt, token, 1)
        if step is not None and int(step["id"]) == token:
            return float(step["logprob"])
        alt = self._step(prompt, self._anchor, self.top_k)
        tops = {int(t["id"]): float(t["logprob"]) for t in (alt or {}).get("top_logprobs", [])}
        if token in tops:
            return tops[token]
        self.bounded += 1
        return min(tops.values()) if tops else math.log(1e-9)

    def nll(self, text: str, prefix: str, max_tokens: int = 32) -> tuple[float, int]:
        """(sum of -log p over the text's tokens after ``prefix``, number of tokens)."""
        head = self._tokenize(prefix)
        full = self._tokenize(prefix + text)
        tokens = (full[len(head):] if full[:len(head)] == head else self._tokenize(text))[:max_tokens]
        self.tokens += len(tokens)
        return -sum(self._logprob(head + tokens[:i], t) for i, t in enumerate(tokens)), len(tokens)

    def close(self) -> None:
        server, self.server = self.server, None
        del server


def _perplexity(scorer: ReferenceScorer, texts: Sequence[str], prefix: str) -> tuple[float, float]:
    """(corpus perplexity exp(total nll / total tokens), median per-text perplexity)."""
    pairs = [scorer.nll(t, prefix) for t in [t for t in texts if t.strip()][:PPL_TEXTS]]
    pairs = [p for p in pairs if p[1] > 0]
    if not pairs:
        return math.nan, math.nan
    total, tokens = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    return math.exp(total / tokens), float(np.median([math.exp(a / b) for a, b in pairs]))


def _persona_zh(e: Example) -> str:
    gender = "女性" if e.label == 0 else "男性"
    place = e.meta.get("location") or "未知地区"
    return f"一位来自{place}的{gender}微博用户。"


def _content_requests(threads: Sequence[Any], seed: int, max_tokens: int) -> list[Any]:
    """S3's content-generation request, one per real post: the persona of one real commenter (gender
    and province), the post as the received post, a seeded emotion and attitude."""
    from hubbub.agents.affect import ATTITUDES, EMOTION_LEVELS
    from hubbub.runtime.s3_behaviour import content_request, persona_block, state_line

    out = []
    for th in threads:
        s = derive_seed(seed, "text_realism", th.post_id)
        state = state_line("zh", EMOTION_LEVELS[s % 3], ATTITUDES[(s // 3) % 2], "性别平等")
        persona = persona_block("zh", _persona_zh(th.comments[0]), None)
        out.append(content_request("zh", persona, th.post[:200], state, "", [th.post[:200]], s, 0.8, max_tokens, 100))
    return out


def _cosines(embedder: Any, texts: Sequence[str], threads: Sequence[Any]) -> tuple[float, float]:
    """(mean cosine of each text to the real comments under its own post, mean cosine to all the
    real comments of the topic in the sample)."""
    gen = embedder.encode(list(texts))
    per_post = [embedder.encode([c.text for c in th.comments]).mean(axis=0) for th in threads]
    topic = embedder.encode([c.text for th in threads for c in th.comments]).mean(axis=0)
    same = float(np.mean([g @ p for g, p in zip(gen, per_post)]))
    return same, float(np.mean(gen @ topic))


def run_text_realism(ctx: Any) -> list[dict[str, Any]]:
    """Generated comments vs real SWSR comments on the gender-discrimination topic (S3 Table 3)."""
    threads_all = ds.load_swsr_threads(ctx.data_path("text_realism"), ctx.seed)
    threads = ctx.cap(threads_all["test"], min(ctx.limit or TEXT_POSTS, TEXT_POSTS))
    if not threads:
        raise DataError("text_realism: no SWSR test post with comments")
    texts: dict[str, list[str]] = {}
    models: dict[str, tuple[str, str]] = {}
    if "llm" in ctx.policies:
        backend = ctx.backend()
        results = ctx.generate(backend, _content_requests(threads, ctx.seed, 48))
        texts["llm"] = [r.text for r in results if r.ok and r.text and r.text.strip()]
        models["llm"] = (ctx.backend_name, ctx.model_name)
    rng = np.random.default_rng(derive_seed(ctx.seed, "text_realism", "draw"))
    pool = [c for th in threads_all["train"] for c in th.comments]
    if "majority" in ctx.policies and pool:  # the rule policy: a real comment drawn at random
        texts["real_random_draw"] = [pool[int(rng.integers(len(pool)))].text for _ in threads]
        models["real_random_draw"] = ("none", "random SWSR train comment")
    if "learned" in ctx.policies and pool:
        texts["real_nearest_post"] = _nearest_post_comments(ctx.embedder(), threads_all["train"], threads)
        models["real_nearest_post"] = ("none", f"train comment under the nearest post ({ctx.embedder().name})")
    texts["real_held_out"] = [th.comments[-1].text for th in threads]
    models["real_held_out"] = ("none", "a real comment under the same post (reference, not a policy)")
    return _realism_rows(ctx, threads, texts, models)


def _nearest_post_comments(embedder: Any, train: Sequence[Any], threads: Sequence[Any]) -> list[str]:
    """The learned retrieval baseline: the first comment under the train post closest to each post."""
    train_vecs = embedder.encode([th.post[:300] for th in train])
    test_vecs = embedder.encode([th.post[:300] for th in threads])
    nearest = (test_vecs @ train_vecs.T).argmax(axis=1)
    return [train[int(j)].comments[0].text for j in nearest]


def _realism_rows(ctx: Any, threads: Sequence[Any], texts: Mapping[str, list[str]],
                  models: Mapping[str, tuple[str, str]]) -> list[dict[str, Any]]:
    rows = []
    scorer, reason = ctx.reference_scorer()
    for policy, generated in texts.items():
        if not generated:
            rows.append(ctx.row("text_realism", "swsr", "test", 0, policy, "failures", float(len(threads))))
            continue
        backend, model = models[policy]
        same, topic = _cosines(ctx.embedder(), generated, threads[:len(generated)])
        add = lambda metric, value: rows.append(ctx.row("text_realism", "swsr-gender-topic", "test", len(generated),  # noqa: E731
                                                        policy, metric, value, backend=backend, model=model))
        add(f"cosine_same_post ({ctx.embedder().name})", same)
        add(f"cosine_topic ({ctx.embedder().name})", topic)
        if scorer is not None:
            corpus, median = _perplexity(scorer, generated, "微博评论：\n")
            add(f"perplexity ({scorer.model}, corpus)", corpus)
            add(f"perplexity ({scorer.model}, median per text)", median)
    if scorer is None:
        ctx.note("text_realism", f"perplexity NOT computed: {reason}")
    else:
        ctx.note("text_realism", f"perplexity: {scorer.tokens} tokens scored under {scorer.model}, texts cut to "
                                 f"32 tokens (at most {PPL_TEXTS} texts per policy), after the prefix '微博评论：'; {scorer.bounded} byte tokens were not in the "
                                 f"top {scorer.top_k} and got the k-th value (a lower bound on perplexity).")
    return rows


# ---------------------------------------------------------------------------------------------------
# TrendSim LLM-as-judge (Tables 1-3)

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
        if ev.kind == "action" and data.get("role") == "user" and ev.agent in agents:
            before = state.get(ev.agent, (0.5, 0.5))
            pending = {"agent": ev.agent, "description": agents[ev.agent].profile.get("description", ""),
                       "observation": data.get("observation", ""), "action": action_text(data.get("action", ""), data.get("text")),
                       "before": before, "after": None}
            items.actions.append(pending)
        elif ev.kind == "state" and ev.agent in agents:
            after = (float(data.get("emotion", math.nan)), float(data.get("confidence", math.nan)))
            if pending is not None and pending["agent"] == ev.agent and pending["after"] is None:
                pending["after"] = after
            state[ev.agent] = after
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
    levels from the baseline_* templates) and the attacker (one poisoning comment per attack)."""
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
    levels = [float(LEVEL_OPTIONS[r.index]) if r.ok else math.nan for r in ctx.choose(backend, psych)]
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


# ---------------------------------------------------------------------------------------------------
# Registry

_S3 = "S3 Table 2"
_PAPER_ATTITUDE = (PaperFigure("accuracy", 0.743, _S3 + ", Nuclear Energy, initial attitude"),
                   PaperFigure("auc", 0.727, _S3 + ", Nuclear Energy, initial attitude"),
                   PaperFigure("f1", 0.834, _S3 + " (its text says 0.667), initial attitude"))


def _population(name: str) -> Callable[[Any], list[dict[str, Any]]]:
    def run(ctx: Any) -> list[dict[str, Any]]:
        from hubbub.evaluate import population

        return getattr(population, name)(ctx)
    return run


TASKS: dict[str, Task] = {t.name: t for t in (
    Task("emotion_level", "calm / moderate / intense from a tweet (SemEval-2018 EI-oc mapped to 3 levels)",
         load=ds.load_ei_oc, variants=one_variant, request=emotion_choice,
         paper=(PaperFigure("accuracy", 0.718, _S3 + ", Gender Discrimination, emotion level"),),
         notes=("LLM request: S3's emotion update for a user with no profile, currently calm, who receives the "
                "tweet as a post; label = the annotated intensity of the tweet's emotion.",)),
    Task("emotion_arousal", "calm / moderate / intense from a sentence (EmoBank arousal, train-tertile thresholds)",
         load=ds.load_emobank, variants=one_variant, request=emotion_choice,
         paper=(PaperFigure("accuracy", 0.718, _S3 + ", emotion level (different data)"),)),
    Task("attitude_tweeteval", "attitude toward a target from a tweet (TweetEval stance, 5 targets)",
         load=ds.load_tweeteval_stance, variants=stance_variants, request=attitude_choice, paper=_PAPER_ATTITUDE,
         notes=("LLM request: S3's initial attitude from the user's earlier post (the tweet). S3's attitude is "
                "binary, so the LLM is scored on favor vs against only; 'none' is scored by majority/learned "
                "in the -3class rows. Majority and learned are per target.",)),
    Task("attitude_nlpcc", "attitude toward a target from a Weibo post (NLPCC-2016 Task A, Chinese)",
         load=ds.load_nlpcc, variants=stance_variants, request=attitude_choice, paper=_PAPER_ATTITUDE),
    Task("gender_swsr", "commenter gender from one Weibo comment (SWSR)",
         load=ds.load_swsr_gender, variants=one_variant, request=gender_choice,
         paper=(PaperFigure("accuracy", 0.710, "S3 Table 4, gender"), PaperFigure("f1", 0.667, "S3 Table 4, gender"),
                PaperFigure("auc", 0.708, "S3 Table 4, gender")),
         notes=("Positive class for F1: female (S3 does not say which class its F1 is for). S3 predicts gender "
                "from profile descriptions with a fine-tuned model; here from one comment, zero-shot.",
                "Age (S3 Table 4: MSE 128, MAE 7.53) CANNOT be checked: no age-labelled data is in the shared "
                "data (the Blog Authorship Corpus could not be obtained).")),
    Task("occupation_distribution", "distribution over S3's ten occupation classes (no labels: not a score)",
         kind="distribution", run=run_occupation,
         notes=("There are no occupation labels in the shared data, so this task CANNOT be scored: it reports "
                "what the LLM assigns to 2,611 real RumourEval users (profile + one tweet). With the embedded "
                "model the shares mostly reflect option-position bias under shuffled option order.",
                "Age (S3 Table 4: MSE 128, MAE 7.53, 21.5% error) CANNOT be checked either: no age-labelled data is "
                "in the shared data.")),
    Task("propagation_rumoureval", "support vs deny/query of a rumour by a replier (RumourEval 2017)",
         load=ds.load_rumoureval, variants=one_variant, request=propagation_choice, rules=("voter",),
         paper=(PaperFigure("accuracy", 0.662, _S3 + ", Gender Discrimination, event propagation (different task)"),
                PaperFigure("auc", 0.662, _S3 + ", event propagation (different task)"),
                PaperFigure("f1", 0.667, _S3 + ", event propagation (different task)")),
         notes=("Measures: given a rumour's source tweet and a replier's real profile description, does the "
                "reply support the claim (spread it) or deny/query it? Only users who replied are in the data, "
                "so 'will this user react at all' cannot be measured (no negatives); S3's repost decision is "
                "therefore NOT reproduced, only the direction of the reaction. Rule policy 'voter' copies the "
                "stance of the tweet replied to.",)),
    Task("text_realism", "generated comments vs real SWSR comments (S3 Table 3)", kind="text", run=run_text_realism,
         paper=(PaperFigure("perplexity", 19.289, "S3 Table 3, Gender Discrimination (reference model not stated)"),
                PaperFigure("cosine", 0.723, "S3 Table 3, Gender Discrimination (embedding model not stated)")),
         notes=("Generation uses the simulation's S3 content request (zh) with one real commenter's gender and "
                "province as the persona and the real post as the received post. Baselines: a random real "
                "train comment (what rule users post in S3 runs) and the comment under the nearest train post "
                "(learned retrieval); real_held_out is a real comment under the same post (a reference).",)),
    Task("trendsim_judge", "TrendSim LLM-as-judge of a run and of vanilla-LLM baselines (Tables 1-3)",
         kind="judge", run=run_trendsim_judge,
         paper=(PaperFigure("behavior_consistency_mean", 0.915, "TrendSim Table 1, TrendSim, average of 3 judges"),
                PaperFigure("psychology_consistency_mean", 0.826, "TrendSim Table 1, TrendSim, average"),
                PaperFigure("attack_consistency_mean", 0.837, "TrendSim Table 2, TrendSim, average"),
                PaperFigure("attack_concealment_mean", 0.518, "TrendSim Table 2, TrendSim, average"),
                PaperFigure("rationality_mean", 0.806, "TrendSim Table 3, all topics, average"),
                PaperFigure("diversity_mean", 0.766, "TrendSim Table 3, all topics, average")),
         notes=("Vanilla-LLM baselines in the paper (average of 3 judges): behaviour GPT-4 0.902, GLM-4 0.916, "
                "Llama-3 0.900; psychology 0.757 / 0.824 / 0.704; attack consistency 0.596 / 0.611 / 0.510; "
                "concealment 0.349 / 0.377 / 0.379.",
                "A judge's score is its expected value over the ten score bins (0-10 .. 90-100, midpoints), "
                "concealment = 1 - malice. Discussions are the run's comments in chunks of 8.")),
    Task("propagation_twitter15", "simulated vs real Twitter15 cascades, with IC/LT/SIR/Hawkes fitted on train",
         kind="population", run=_population("run_twitter15")),
    Task("lifecycle_weibo", "simulated TrendSim visits over time vs real Weibo hot-search read curves",
         kind="population", run=_population("run_lifecycle")),
)}


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ConfigError(f"evaluate: unknown task {name!r}; known: {', '.join(TASKS)}")
    return TASKS[name]


def paper_figure(task: str, metric: str) -> PaperFigure | None:
    """The paper's figure for ``metric`` of ``task`` (metric names may carry a parenthesised detail)."""
    base = metric.split(" (")[0]
    for fig in TASKS[task].paper if task in TASKS else ():
        if fig.metric == base or (fig.metric in ("perplexity", "cosine") and base.startswith(fig.metric)):
            return fig
    return None


__all__ = ["TASKS", "Task", "Variant", "PaperFigure", "get_task", "paper_figure", "HubbubError"]
