"""A persona: who a simulated user is (the long-term memory of a TrendSim agent, a preference group,
S3-style demographics and the initial emotion and social confidence), and the vocabularies its fields
allow."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from hubbub.kernel.seeding import derive_seed

GROUPS = ("entertainment", "sports", "lifestyle", "society", "culture", "technology")
"""Preference groups of TrendSim Fig. 4a."""

GROUP_LABELS = {
    "en": ("Entertainment: TV, film, music, celebrities, games",
           "Sports: matches, athletes, fitness",
           "Lifestyle: food, travel, pets, fashion, home",
           "Society: news, public affairs, consumer rights, law",
           "Culture: books, history, art, museums",
           "Technology: gadgets, internet, science, cars"),
    "zh": ("娱乐：影视、音乐、明星、游戏", "体育：赛事、运动员、健身", "生活：美食、旅行、宠物、时尚、家居",
           "社会：新闻、公共事务、消费维权、法治", "文化：读书、历史、艺术、博物馆", "科技：数码、互联网、科学、汽车"),
}
"""Choice options for the group classifier, in GROUPS order."""

OCCUPATIONS = (
    "Education Practitioner", "Administrative Manager / Officer", "Unemployed / Student", "Engineer",
    "Labor Technician / Worker", "Logistics Practitioner", "Medical Personnel", "Financial Practitioner",
    "Media Personnel", "Entertainment and Arts Practitioner",
)
"""The ten occupation classes of S3."""

GENDERS = ("female", "male", "other")
LANGS = ("en", "zh")


@dataclass(frozen=True)
class Persona:
    """One simulated user. ``description`` is the long-term memory shown in every prompt."""

    agent_id: str
    description: str
    group: str | None
    age: int | None
    gender: str | None
    occupation: str | None
    emotion: float
    confidence: float
    lang: str
    extra: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.agent_id.strip() or not self.description.strip():
            raise ValueError("a persona needs a non-empty agent_id and description")
        _check_in("group", self.group, GROUPS)
        _check_in("gender", self.gender, GENDERS)
        _check_in("occupation", self.occupation, OCCUPATIONS)
        _check_in("lang", self.lang, LANGS)
        if self.age is not None and not 0 < self.age < 120:
            raise ValueError(f"age must be between 1 and 119, got {self.age}")
        for name in ("emotion", "confidence"):
            value = getattr(self, name)
            if math.isnan(value) or not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")


def _check_in(name: str, value: str | None, allowed: Sequence[str]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{name} {value!r} is not allowed; allowed: {', '.join(allowed)}")


def sample_population(personas: Sequence[Persona], size: int, rng: np.random.Generator) -> list[Persona]:
    """``size`` distinct personas drawn without replacement, kept in their original order."""
    if not 0 <= size <= len(personas):
        raise ValueError(f"cannot sample {size} personas from a population of {len(personas)}")
    picked = rng.choice(len(personas), size=size, replace=False)
    return [personas[int(i)] for i in sorted(picked)]


def clip_level(value: float) -> float:
    """A level in [0.02, 0.98], two decimals: no drawn user starts at an extreme."""
    return round(min(0.98, max(0.02, float(value))), 2)


def draw_affect(seed: int, agent_id: str) -> tuple[float, float]:
    """(emotion, confidence) for a user whose data gives none, fixed by the seed and the user's id."""
    rng = np.random.default_rng(derive_seed(seed, "persona.affect", agent_id))
    return clip_level(rng.beta(4.2, 2.8)), clip_level(rng.beta(4.2, 2.8))
