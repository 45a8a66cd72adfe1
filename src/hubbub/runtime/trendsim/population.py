"""Who takes part and what they talk about: participants and the topic of a TrendSim scenario."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubbub.errors import ConfigError
from hubbub.kernel.seeding import SeedTree
from hubbub.agents.user import Participant, UserState
from hubbub.scenarios.config import Scenario

PROTOTYPE_DESCRIPTIONS = {
    "antisocial": "An antisocial attacker who wants to undermine other users' social confidence by provoking "
                  "conflict between users and society.",
    "trolling": "A troll who wants to provoke, upset or harass other users with offensive content and to stir "
                "conflict between groups (gender, values).",
    "rumor": "A rumour-monger who spreads rumours about the topic to obscure the truth and foster "
             "misunderstanding of the event and the people involved.",
}


def resolve_topic(scenario: Scenario) -> Any:
    """The scenario's topic: a built-in id, or FILE#ID."""
    from hubbub.agents.anonymise import scrub
    from hubbub.platform.topic import get_topic, load_topics

    ref = scenario.trendsim.topic
    if "#" in ref:
        path, topic_id = ref.rsplit("#", 1)
        topics = {t.topic_id: t for t in load_topics(path, clean=scrub)}
        if topic_id not in topics:
            raise ConfigError(f"trendsim.topic = {ref!r}: no topic {topic_id!r} in {path} "
                              f"(it has: {', '.join(sorted(topics)[:20])})")
        return topics[topic_id]
    try:
        return get_topic(ref)
    except ConfigError as exc:
        raise ConfigError(f"trendsim.topic = {ref!r}: {exc}; or use FILE#ID for a topic in a file") from None


def access_params(scenario: Scenario, topic: Any) -> dict[str, tuple[float, str]]:
    """The A, T_m and alpha of the topic's access density P(t), each with where it came from: the
    scenario when it sets it (``trendsim.access``), else the topic's own, else TrendSim's default."""
    from hubbub.platform.access import AccessDensity

    own = topic.access.given() if getattr(topic, "access", None) is not None else {}
    out: dict[str, tuple[float, str]] = {}
    for name in ("A", "T_m", "alpha"):
        value = getattr(scenario.trendsim.access, name)
        if value is not None:
            out[name] = (value, "scenario")
        elif name in own:
            out[name] = (own[name], "topic")
        else:
            out[name] = (getattr(AccessDensity(), name), "default")
    return out


def _personas(scenario: Scenario) -> list[Any]:
    from hubbub.agents.persona import builtin_population, load_personas

    source = scenario.trendsim.population.source
    if source == "builtin":
        return builtin_population(scenario.lang)
    if not Path(source).exists():
        raise ConfigError(f"trendsim.population.source = {source!r}: no such file (or use 'builtin')")
    return load_personas(source, scenario.lang)


def build_participants(scenario: Scenario, seeds: SeedTree) -> list[Participant]:
    """Sample the users and add attackers so that they make up ``attack.share`` of all participants."""
    pool = _personas(scenario)
    size = scenario.trendsim.population.size
    if size > len(pool):
        raise ConfigError(f"trendsim.population.size = {size} is larger than the population source "
                          f"({len(pool)} users); use at most {len(pool)}")
    rng = seeds.rng("population")
    chosen = sorted(rng.choice(len(pool), size=size, replace=False).tolist())
    users = [Participant(pool[i].agent_id, "user", pool[i].description, pool[i].group,
                         UserState(float(pool[i].emotion), float(pool[i].confidence))) for i in chosen]
    return users + _attackers(scenario, len(users))


def _attackers(scenario: Scenario, n_users: int) -> list[Participant]:
    attack = scenario.trendsim.attack
    n = round(n_users * attack.share / (1.0 - attack.share))
    protos = attack.prototypes
    return [Participant(f"attacker-{k:04d}", "attacker", PROTOTYPE_DESCRIPTIONS[protos[k % len(protos)]],
                        "attacker", UserState(0.5, 0.5), prototype=protos[k % len(protos)]) for k in range(n)]
