"""Distillation (TrendSim Appendix E): real users' posts described by an LLM, then classified into a
preference group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence


from hubbub.agents.anonymise import DEFAULT_SALT, anonymous_id, scrub
from hubbub.agents.persona.model import GROUPS, GROUP_LABELS, LANGS, Persona, draw_affect
from hubbub.agents.prompts import numbered, render
from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import Backend, ChoiceRequest, GenerateRequest

def distill_requests(posts_by_user: Mapping[str, Sequence[str]], lang: str, seed: int, *,
                     salt: str = DEFAULT_SALT, max_posts: int = 20,
                     max_chars: int = 280) -> list[tuple[str, GenerateRequest]]:
    """One ``persona.distill`` request per user, over their ``max_posts`` most recent posts.

    Ids are pseudonymised (already-pseudonymous ids are kept) and posts scrubbed again, so raw data
    handed in directly is safe too.
    """
    requests = []
    for user, posts in posts_by_user.items():
        if not posts:
            raise ValueError(f"user {user!r} has no posts to distil")
        pid = anonymous_id(user, salt)
        shown = [scrub(p)[:max_chars] for p in list(posts)[-max_posts:]]
        messages = render("distill_profile", lang, posts=numbered(shown))
        requests.append((pid, GenerateRequest(kind="persona.distill", messages=messages,
                                              seed=derive_seed(seed, "persona.distill", pid),
                                              max_tokens=160, temperature=0.3)))
    return requests


def group_requests(descriptions: Mapping[str, str], lang: str, seed: int) -> list[tuple[str, ChoiceRequest]]:
    """One ``persona.group`` choice per user over the preference groups (options in GROUPS order)."""
    if lang not in GROUP_LABELS:
        raise ValueError(f"unknown persona language {lang!r}; allowed: {', '.join(LANGS)}")
    return [(pid, ChoiceRequest(kind="persona.group", messages=render("classify_group", lang, description=text),
                                options=GROUP_LABELS[lang], seed=derive_seed(seed, "persona.group", pid),
                                temperature=0.0, lang=lang))
            for pid, text in descriptions.items()]


@dataclass(frozen=True)
class DistillReport:
    """What :func:`personas_from_posts` made, whom it dropped and what failed (pid -> error)."""

    personas: list[Persona]
    dropped_few_posts: int
    failures: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.failures


def personas_from_posts(posts_by_user: Mapping[str, Sequence[str]], backend: Backend, lang: str, seed: int,
                        min_posts: int = 5, *, salt: str = DEFAULT_SALT) -> DistillReport:
    """Distil users' posts into personas (Appendix E): describe each, then classify its group.

    Users with fewer than ``min_posts`` posts are dropped and counted. A user whose description or
    group could not be produced is listed in ``failures`` with the backend's error, never defaulted.
    Emotion and confidence are drawn as in :func:`load_personas` and listed in ``extra["drawn"]``.
    """
    kept = {u: p for u, p in posts_by_user.items() if len(p) >= min_posts}
    distil = distill_requests(kept, lang, seed, salt=salt)
    texts = backend.generate([r for _, r in distil])
    failures: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    for (pid, _), result in zip(distil, texts):
        text = scrub((result.text or "").strip().strip('"“”'))
        if not result.ok or not text:
            failures[pid] = f"describe: {result.error or 'InvalidOutput: empty description'}"
        else:
            descriptions[pid] = text
    classify = group_requests(descriptions, lang, seed)
    picks = backend.choose([r for _, r in classify])
    counts = {anonymous_id(u, salt): len(p) for u, p in kept.items()}
    personas = []
    for (pid, _), pick in zip(classify, picks):
        if not pick.ok:
            failures[pid] = f"group: {pick.error or 'InvalidOutput: no option picked'}"
            continue
        emotion, confidence = draw_affect(seed, pid)
        personas.append(Persona(pid, descriptions[pid], GROUPS[pick.index], None, None, None, emotion,
                                confidence, lang, {"source": "distilled", "posts": counts[pid],
                                                   "drawn": ["emotion", "confidence"]}))
    return DistillReport(personas, len(posts_by_user) - len(kept), failures)
