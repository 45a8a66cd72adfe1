"""Everything a platform run reads or draws before it starts: users, the initial follow graph, the
board's topics, the news feed, the learned classifier and the annotator. All of it is checked before
the run folder is touched, so bad input never leaves a half-written run behind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hubbub.agents.user import Participant, UserState
from hubbub.errors import ConfigError
from hubbub.kernel.seeding import SeedTree
from hubbub.platform.social.board import BoardTopic
from hubbub.runtime.platform.annotators import RunAnnotator, make_annotator
from hubbub.runtime.platform.files import NewsItem, load_board_topics, load_news

ATTITUDE_SD = 0.1


@dataclass
class Member:
    """One user of the platform: their persona and short-term state (a TrendSim participant), their
    camp, attitude toward the target in [0, 1], and who decides for them."""

    p: Participant
    camp: int
    attitude: float
    kind: str
    """llm, learned or rule."""
    policy: str
    """llm, learned, or the registered rule policy's name."""
    reserve: bool = False
    """Not on the platform at the start: joins by churn."""

    @property
    def agent_id(self) -> str:
        return self.p.agent_id


@dataclass
class PlatformInputs:
    members: list[Member]
    edges: list[tuple[str, str]]
    topics: list[BoardTopic]
    news: list[NewsItem]
    annotator: RunAnnotator
    classifier: Any = None
    provenance: dict[str, str] = field(default_factory=dict)


def _personas(cfg: Any, lang: str, count: int) -> list[Any]:
    """The persona pool the users are drawn from."""
    from hubbub.agents.persona import builtin_population, load_personas

    source = cfg.population.source
    pool = builtin_population(lang, max(count, 1000)) if source == "builtin" else None
    if pool is None:
        if not Path(source).exists():
            raise ConfigError(f"platform.population.source = {source!r}: no such file (or use 'builtin')")
        pool = load_personas(source, lang)
    if count > len(pool):
        raise ConfigError(f"platform.population.size + platform.churn.reserve = {count} is larger than the "
                          f"population source ({len(pool)} users); use at most {len(pool)}")
    return pool


def _members(scenario: Any, seeds: SeedTree) -> tuple[list[Member], np.ndarray]:
    """The users: personas, camps, initial attitudes and who decides for each."""
    cfg = scenario.platform
    pop = cfg.population
    total = pop.size + cfg.churn.reserve
    pool = _personas(cfg, scenario.lang, total)
    rng = seeds.rng("population")
    chosen = sorted(rng.choice(len(pool), size=total, replace=False).tolist())
    sizes = _camp_sizes(pop.camps, pop.size)
    camps = np.concatenate([np.repeat(np.arange(len(sizes)), sizes),
                            rng.choice(len(pop.camps), size=cfg.churn.reserve, p=np.array(pop.camps) / sum(pop.camps))])
    order = seeds.rng("policies").permutation(pop.size)
    kind = np.full(total, "rule", dtype=object)
    kind[order[: pop.llm_users]] = "llm"
    kind[order[pop.llm_users: pop.llm_users + pop.learned_users]] = "learned"
    members = []
    for k, i in enumerate(chosen):
        persona, camp = pool[i], int(camps[k])
        noise = ATTITUDE_SD * seeds.rng("attitude", persona.agent_id).standard_normal()
        attitude = float(np.clip(pop.camp_attitude[camp] + noise, 0, 1))
        state = UserState(float(persona.emotion), float(persona.confidence))
        policy = pop.rule_policies[k % len(pop.rule_policies)] if kind[k] == "rule" else str(kind[k])
        members.append(Member(Participant(persona.agent_id, "user", persona.description, persona.group or "", state),
                              camp, round(attitude, 4), str(kind[k]), policy, reserve=k >= pop.size))
    return members, camps[: pop.size]


def _camp_sizes(camps: tuple[float, ...], n: int) -> list[int]:
    """Users per camp: the shares rounded so they add up to ``n`` (largest remainders)."""
    raw = np.array(camps) / sum(camps) * n
    sizes = np.floor(raw).astype(int)
    for k in np.argsort(-(raw - sizes), kind="stable")[: n - int(sizes.sum())]:
        sizes[k] += 1
    return sizes.tolist()


def _edges(cfg: Any, members: list[Member], camps: np.ndarray, seeds: SeedTree) -> list[tuple[str, str]]:
    """The initial follow edges: a stochastic block model over the camps."""
    from hubbub.platform.graph_build import stochastic_block

    sizes = np.bincount(camps, minlength=len(cfg.population.camps))
    sizes = sizes[sizes > 0]
    graph, _ = stochastic_block(sizes, cfg.graph.p_in, cfg.graph.p_out, seeds.rng("graph"))
    ids = [m.agent_id for m in members[: len(camps)]]
    followee = np.repeat(np.arange(graph.n_nodes), graph.in_degree())
    return sorted((ids[int(f)], ids[int(e)]) for e, f in zip(followee.tolist(), graph.delivery.indices.tolist()))


def _classifier(cfg: Any) -> Any:
    if not cfg.population.learned_users:
        return None
    from hubbub.runtime.platform.learned import load_stance

    return load_stance("platform.population.learned_policy", cfg.population.learned_policy)


def prepare_inputs(scenario: Any, seeds: SeedTree) -> PlatformInputs:
    """Read and draw everything (see the module docstring)."""
    from hubbub.runtime.platform.interventions import check

    cfg = scenario.platform
    members, camps = _members(scenario, seeds)
    topics = load_board_topics(cfg.board.topics, scenario.lang, cfg.hours)
    topics = [t for t in topics if t.start_h < cfg.hours]
    news = [n for n in load_news(cfg.news.file, scenario.lang, cfg.hours) if n.at_h <= cfg.hours]
    ids = [t.topic_id for t in topics] + [n.topic.topic_id for n in news if n.topic is not None]
    if len(set(ids)) != len(ids):
        raise ConfigError("platform: a news topic has the topic_id of a board topic; topic ids must be unique")
    inputs = PlatformInputs(members, _edges(cfg, members, camps, seeds), topics, news, make_annotator(cfg, scenario.lang),
                            _classifier(cfg))
    check(scenario, inputs)
    return inputs
