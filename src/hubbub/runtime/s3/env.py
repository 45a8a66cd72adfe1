"""Building an S3 environment from a scenario: the follow graph, who is driven by the LLM, their
personas and demographics, initial attitudes and the seed posts.

Everything here runs before the run folder is written (``prepare_inputs``), so bad input never leaves
a half-written run. Real data is read in place when present; ``provenance`` records for each input
whether it is real or generated, and the run record and summary repeat it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from hubbub.agents.anonymise import anonymous_id
from hubbub.agents.user import LLMUser
from hubbub.agents.demographics import AGE_MIDPOINTS, Demographics, InferReport, age_bin_of, read_users
from hubbub.errors import ConfigError
from hubbub.kernel.seeding import SeedTree
from hubbub.platform import graph_build
from hubbub.platform.graph import FollowGraph
from hubbub.runtime.s3 import data as s3_data
from hubbub.runtime.s3.policies import load_policies
from hubbub.scenarios.config import Scenario

PERSONA_POOL_MAX = 100_000


@dataclass
class S3Inputs:
    """A checked environment, ready to build a world from."""

    graph: FollowGraph
    graph_report: dict[str, Any]
    agent_ids: list[str]
    classes: np.ndarray
    camps: np.ndarray
    is_llm: np.ndarray
    llm_users: list[LLMUser]
    attitude0: np.ndarray
    seed_authors: np.ndarray
    seed_texts: list[str]
    rule_texts: list[str]
    embedder: Any
    provenance: dict[str, str]
    policies: Any = None  # s3_policies.S3Policies: learned / fitted policies the scenario names


# ------------------------------------------------------------------------------------------- graph


def build_graph(sc: Scenario, seeds: SeedTree) -> tuple[FollowGraph, np.ndarray, dict[str, Any], str]:
    """(graph, camp per node, build report, provenance line) for the scenario's network section."""
    net = sc.s3.network
    rng = seeds.rng("graph")
    camps = None
    if net.source == "barabasi_albert":
        _need(net.m < net.users, f"s3.network.m = {net.m} must be smaller than s3.network.users = {net.users}")
        graph, report, what = graph_build.barabasi_albert(net.users, net.m, rng, net.reciprocity), {}, "generated (Barabási-Albert)"
    elif net.source == "watts_strogatz":
        _need(net.k < net.users, f"s3.network.k = {net.k} must be smaller than s3.network.users = {net.users}")
        graph, report, what = graph_build.watts_strogatz(net.users, net.k, net.p_rewire, rng), {}, "generated (Watts-Strogatz)"
    elif net.source == "sbm":
        sizes = _camp_sizes(net.users, net.camps)
        graph, camps = graph_build.stochastic_block(sizes, net.p_in, net.p_out, rng)
        report, what = {"camp_sizes": sizes}, f"generated (stochastic block model, {len(sizes)} camps)"
    elif net.source == "configuration":
        path = s3_data.resolve(net.degree_file)
        if path is None:
            raise ConfigError(f"s3.network.degree_file = {net.degree_file!r}: no such file (needed by source = configuration)")
        graph, report = graph_build.copy_degree_sequence(path, net.users, rng, mean_degree=net.mean_degree)
        what = f"generated (configuration model copying the degree sequence of {path})"
    else:
        path = s3_data.resolve(net.edge_file)
        if path is None:
            raise ConfigError(f"s3.network.edge_file = {net.edge_file!r}: no such file")
        graph, report = graph_build.load_edge_list(path, directed=net.directed, direction=net.direction)
        what = f"real edge list {path}"
    camps = np.zeros(graph.n_nodes, dtype=np.int32) if camps is None else camps.astype(np.int32)
    return graph, camps, dict(report), what


def _camp_sizes(users: int, shares: tuple[float, ...]) -> list[int]:
    sizes = [int(round(users * s)) for s in shares]
    sizes[-1] = users - sum(sizes[:-1])
    if min(sizes) < 1:
        raise ConfigError(f"s3.network.camps = {list(shares)} leaves a camp without users for {users} users")
    return sizes


def _need(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def agent_ids_for(graph: FollowGraph, loaded: bool) -> list[str]:
    """Agent ids: ``u000042`` for generated graphs; pseudonyms of the real ids for loaded ones."""
    if not loaded:
        width = max(6, len(str(graph.n_nodes - 1)))
        return [f"u{i:0{width}d}" for i in range(graph.n_nodes)]
    ids = [anonymous_id(v) for v in graph.node_ids.tolist()]
    if len(set(ids)) != len(ids):
        raise ConfigError("two real user ids map to the same pseudonym; use another anonymisation salt")
    return ids


# ------------------------------------------------------------------------------------------- users


def choose_llm_users(sc: Scenario, graph: FollowGraph, eligible: np.ndarray, seeds: SeedTree) -> np.ndarray:
    """Sorted node indices of the LLM users (random sample or most followers among ``eligible``)."""
    pop = sc.s3.population
    n = graph.n_nodes
    want = int(round(pop.llm_share * n)) if pop.llm_share is not None else min(pop.llm_users, n)
    candidates = np.flatnonzero(eligible)
    want = min(want, candidates.size)
    if want == 0:
        return np.zeros(0, dtype=np.int64)
    if pop.llm_selection == "top_followers":
        order = np.argsort(-graph.in_degree()[candidates], kind="stable")
        return np.sort(candidates[order[:want]])
    return np.sort(seeds.rng("llm-users").choice(candidates, size=want, replace=False))


def _draw(rng: np.random.Generator, shares: dict[str, float]) -> str | None:
    if not shares:
        return None
    keys = list(shares)
    probs = np.asarray([shares[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=probs / probs.sum()))]


def _persona_demographics(persona: Any, gender: str | None, infer: bool) -> tuple[Demographics, tuple[str, ...]]:
    """Demographics from a generated persona; with ``infer`` only data-given values are kept."""
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    if gender:
        values["gender"], sources["gender"] = gender, "data (real marginal)"
    if not infer:
        if persona.age is not None:
            values["age_bin"], values["age"] = age_bin_of(persona.age), float(persona.age)
            sources["age_bin"] = sources["age"] = "generated persona"
        if persona.occupation:
            values["occupation"], sources["occupation"] = persona.occupation, "generated persona"
        if "gender" not in values and persona.gender in ("female", "male"):
            values["gender"], sources["gender"] = persona.gender, "generated persona"
    missing = tuple(f for f in ("age_bin", "gender", "occupation") if f not in values) if infer else ()
    return Demographics("", values.get("age_bin"), values.get("age"), values.get("gender"),
                        values.get("occupation"), sources), missing


def builtin_llm_users(sc: Scenario, llm: np.ndarray, ids: list[str], seeds: SeedTree,
                      marginals: s3_data.Marginals | None) -> list[LLMUser]:
    """LLM users with generated personas; gender (and location) drawn from real marginals if given."""
    from hubbub.agents.persona import builtin_population

    pool = builtin_population(sc.lang, min(PERSONA_POOL_MAX, max(1000, 3 * llm.size)))
    rng = seeds.rng("personas")
    order = [int(i) for i in rng.permutation(len(pool))]
    used: set[int] = set()
    infer = sc.s3.population.demographics == "infer"
    users = []
    for node in llm.tolist():
        gender = _draw(rng, marginals.genders) if marginals else None
        pick = next((i for i in order if i not in used and (gender is None or pool[i].gender == gender)),
                    next(i for i in order if i not in used))
        used.add(pick)
        persona = pool[pick]
        location = _draw(rng, marginals.locations) if marginals else None
        profile = persona.description + (_location_line(sc.lang, location) if location else "")
        demo, missing = _persona_demographics(persona, gender, infer)
        users.append(LLMUser(node, ids[node], profile, _with_id(demo, ids[node]), missing, (), persona.group,
                             float(persona.emotion), float(persona.confidence)))
    return users


def _location_line(lang: str, location: str) -> str:
    if lang == "zh":
        return f" 所在地：{location}。"
    return f" Location: {s3_data.LOCATION_EN.get(location, location)}."


def _with_id(demo: Demographics, agent_id: str) -> Demographics:
    return Demographics(agent_id, demo.age_bin, demo.age, demo.gender, demo.occupation, demo.sources)


def file_users(sc: Scenario) -> tuple[dict[str, Any], list[str]]:
    """Profiles from a users file keyed by (pseudonymised) agent id, and the skipped-row notes."""
    path = s3_data.resolve(sc.s3.population.personas)
    if path is None:
        raise ConfigError(f"s3.population.personas = {sc.s3.population.personas!r}: no such file (or use 'builtin')")
    report = InferReport(str(path), "")
    users = {anonymous_id(u.user_id): u for u in read_users(path, report)}
    notes = [f"{path}:{issue.line}: skipped: {issue.reason}" for issue in report.skipped]
    return users, notes


def users_from_file(sc: Scenario, llm: np.ndarray, ids: list[str], profiles: list[Any]) -> list[LLMUser]:
    """LLM users whose profile and known demographics come from a users file (one per LLM user)."""
    from hubbub.agents.anonymise import scrub

    infer = sc.s3.population.demographics == "infer"
    out = []
    for node, user in zip(llm.tolist(), profiles):
        known = dict(user.known)
        age = known.get("age") or (AGE_MIDPOINTS[known["age_bin"]] if known.get("age_bin") else None)
        demo = Demographics(ids[node], known.get("age_bin"), age, known.get("gender"), known.get("occupation"),
                            {k: "data" for k in known})
        missing = tuple(f for f in ("age_bin", "gender", "occupation") if not known.get(f)) if infer else ()
        out.append(LLMUser(node, ids[node], scrub(user.description) or "(no profile description)", demo, missing,
                           tuple(scrub(p) for p in user.posts[:5])))
    return out


# ------------------------------------------------------------------------------------------- attitudes


def initial_attitudes(sc: Scenario, camps: np.ndarray, seeds: SeedTree) -> np.ndarray:
    """Everyone's initial attitude (1 positive) drawn per camp (when ``camp_positive`` is given) or with
    one share. LLM users with ``attitude.initial = "llm"`` are asked at step 0; the draw leans their
    earlier posts and stands in if the call fails."""
    att = sc.s3.attitude
    probs = np.asarray(att.camp_positive, dtype=float)[camps] if att.camp_positive else \
        np.full(camps.size, att.positive_share)
    return (seeds.rng("attitude0").random(camps.size) < probs).astype(np.int8)


def attach_histories(sc: Scenario, users: list[LLMUser], attitude0: np.ndarray, seeds: SeedTree) -> str:
    """Give LLM users earlier posts from real stance-labelled data, leaning like their drawn attitude."""
    att = sc.s3.attitude
    found = s3_data.read_stance(att.history_file, att.history_target) if att.history_posts else None
    if found is None:
        return "none (no history_file, or it is missing)"
    pairs, source = found
    pools = {s: [t for t, lab in pairs if lab == s] for s in (0, 1)}
    rng = seeds.rng("history")
    for u in users:
        lean = int(attitude0[u.index])
        pool = pools[lean] or pools[1 - lean]
        picks = rng.choice(len(pool), size=min(att.history_posts, len(pool)), replace=False)
        u.history = u.history + tuple(pool[int(i)] for i in picks)
    return source


# ------------------------------------------------------------------------------------------- posts


def seed_posts(sc: Scenario, graph: FollowGraph, seeds: SeedTree) -> tuple[np.ndarray, list[str], str]:
    """(authors, texts, provenance) of the seed posts published at step 0."""
    cfg = sc.s3.seed_posts
    found = s3_data.read_texts(cfg.file, cfg.text_column, cfg.keywords, cfg.max_chars) if cfg.file else None
    rng = seeds.rng("seed-posts")
    if found is not None:
        pool, source = found
        picks = rng.choice(len(pool), size=min(cfg.count, len(pool)), replace=False)
        texts = [pool[int(i)] for i in sorted(picks)]
    else:
        if not cfg.texts:
            raise ConfigError(f"s3.seed_posts.file = {cfg.file!r} is missing and s3.seed_posts.texts is empty")
        texts = [t[: cfg.max_chars] for t in cfg.texts[: cfg.count]]
        source = "generated (scenario texts)" + (f"; {cfg.file} not found" if cfg.file else "")
    n = graph.n_nodes
    if cfg.authors == "top_followers":
        ranked = np.argsort(-graph.in_degree(), kind="stable")
    else:
        ranked = seeds.rng("seed-authors").permutation(n)
    authors = ranked[np.arange(len(texts)) % n].astype(np.int64)
    return authors, texts, source


def rule_texts(sc: Scenario, fallback: list[str]) -> tuple[list[str], str]:
    """Texts rule users' new posts are drawn from: real texts if present, else the seed posts."""
    rule = sc.s3.rule
    found = s3_data.read_texts(rule.texts_file, rule.texts_column, (), sc.s3.seed_posts.max_chars) \
        if rule.texts_file else None
    if found is None:
        return list(fallback), "the seed posts" + (f" ({rule.texts_file} not found)" if rule.texts_file else "")
    return found


# ------------------------------------------------------------------------------------------- all together


def prepare(sc: Scenario, seeds: SeedTree) -> S3Inputs:
    """The whole environment of an S3 scenario, checked (see the module docstring)."""
    from hubbub.llm.embeddings import make_embedder
    from hubbub.platform.actions import feed_actions

    feed_actions(sc.s3.extra_actions, sc.lang)  # s3.extra_actions usable in the scenario's language
    net = sc.s3.network
    graph, camps, report, graph_source = build_graph(sc, seeds)
    ids = agent_ids_for(graph, loaded=net.source == "edges")
    classes = graph.classify_users(net.influence_ratio, net.influential_quantile, net.low_impact_quantile)
    provenance = {"graph": graph_source}
    llm, users = _llm_population(sc, graph, ids, seeds, provenance)
    is_llm = np.zeros(graph.n_nodes, dtype=bool)
    is_llm[llm] = True
    attitude0 = initial_attitudes(sc, camps, seeds)
    if sc.s3.attitude.initial == "llm":
        provenance["attitude_history"] = attach_histories(sc, users, attitude0, seeds)
    authors, texts, provenance["seed_posts"] = seed_posts(sc, graph, seeds)
    pool, provenance["rule_texts"] = rule_texts(sc, texts)
    embedder = make_embedder(sc.s3.memory.embedder)
    provenance["embedder"] = embedder.name
    _embed_profiles(users, embedder, sc.s3.behaviour.prompt_budget)
    policies = load_policies(sc)
    provenance.update(policies.describe())
    return S3Inputs(graph, report, ids, classes, camps, is_llm, users, attitude0, authors, texts, pool, embedder,
                    provenance, policies)


def _llm_population(sc: Scenario, graph: FollowGraph, ids: list[str], seeds: SeedTree,
                    provenance: dict[str, str]) -> tuple[np.ndarray, list[LLMUser]]:
    pop = sc.s3.population
    if pop.personas == "builtin":
        llm = choose_llm_users(sc, graph, np.ones(graph.n_nodes, dtype=bool), seeds)
        marginals = s3_data.read_marginals(pop.marginals_file, pop.gender_column, pop.location_column,
                                           pop.marginals_fallback)
        provenance["personas"] = "generated (built-in personas)"
        provenance["marginals"] = marginals.source if marginals else "none (personas as generated)"
        return llm, builtin_llm_users(sc, llm, ids, seeds, marginals)
    profiles, notes = file_users(sc)
    if notes:
        provenance["skipped_profiles"] = "; ".join(notes[:20]) + (f"; ... ({len(notes)} in all)" if len(notes) > 20 else "")
    provenance["personas"] = f"real data: {pop.personas} ({len(profiles)} profiles)"
    if sc.s3.network.source == "edges":
        eligible = np.array([a in profiles for a in ids], dtype=bool)
        llm = choose_llm_users(sc, graph, eligible, seeds)
        wanted = choose_llm_users(sc, graph, np.ones(graph.n_nodes, dtype=bool), seeds).size
        if wanted and not eligible.any():
            raise ConfigError(f"s3.population.personas = {pop.personas!r}: no id of its {len(profiles)} users is a "
                              f"node of the follow graph s3.network.edge_file = {sc.s3.network.edge_file!r}; allowed: "
                              f"a users file whose id column holds the graph's node ids (e.g. users.csv written "
                              f"with follows.tsv by `hubbub build-env`)")
        if llm.size < wanted:
            provenance["llm_users"] = f"{llm.size} of the {wanted} LLM users asked for: only {llm.size} graph nodes " \
                                      f"have a profile in {pop.personas}"
        return llm, users_from_file(sc, llm, ids, [profiles[ids[i]] for i in llm.tolist()])
    llm = choose_llm_users(sc, graph, np.ones(graph.n_nodes, dtype=bool), seeds)
    ordered = [profiles[k] for k in sorted(profiles)]
    if len(ordered) < llm.size:
        raise ConfigError(f"s3.population.personas = {pop.personas!r} has {len(ordered)} usable profiles for "
                          f"{llm.size} LLM users; lower s3.population.llm_users")
    return llm, users_from_file(sc, llm, ids, ordered[: llm.size])


def _embed_profiles(users: list[LLMUser], embedder: Any, budget: int) -> None:
    """Profile vectors for content relevance; profiles are cut to a quarter of the prompt budget."""
    from hubbub.agents.feed.prompts import cut_tokens

    for u in users:
        u.profile = cut_tokens(u.profile, budget // 4)
    if users:
        for u, vector in zip(users, embedder.encode([u.profile for u in users])):
            u.profile_vec = vector


# ------------------------------------------------------------------------------------------- missing data


@dataclass(frozen=True)
class MissingInput:
    """A real-data file or folder the scenario names that is absent, and what the run uses instead."""

    setting: str
    path: str
    fallback: str


def missing_inputs(sc: Scenario) -> list[MissingInput]:
    """The optional real-data inputs this scenario would read but cannot find (each has a documented
    fallback, so the run goes on): the command line says so when the run starts, since a run on the
    fallback is not a run on real data."""
    s3 = sc.s3
    if s3 is None:
        return []
    pop, att = s3.population, s3.attitude
    named = [
        ("s3.population.marginals_file", pop.marginals_file if pop.personas == "builtin" else "",
         "SWSR's published gender and location counts" if pop.marginals_fallback == "swsr"
         else "personas as generated"),
        ("s3.seed_posts.file", s3.seed_posts.file, "the scenario's s3.seed_posts.texts"),
        ("s3.rule.texts_file", s3.rule.texts_file, "the seed posts"),
        ("s3.attitude.history_file", att.history_file if att.initial == "llm" and att.history_posts else "",
         "no earlier posts for the LLM users"),
    ]
    return [MissingInput(setting, path, fallback) for setting, path, fallback in named
            if path and s3_data.resolve(path) is None]
