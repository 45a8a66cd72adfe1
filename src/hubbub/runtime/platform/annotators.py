"""The annotator of a platform run: what ``platform.moderation.annotator`` names, asked for every text a
post, quote, reply, news post or injected post carries.

* ``lexicon``: :class:`~hubbub.platform.social.moderation.LexiconAnnotator` (toxicity and sentiment from
  fixed word lists; a deterministic stand-in for tests and demos, never a measure);
* a path: the learned classifiers ``hubbub evaluate`` saves (:mod:`hubbub.annotate`). A classifier file
  (``OUT/policies/offence_tweeteval--*.json``) gives toxicity; an evaluation's output folder gives toxicity
  and, where their classifiers are in it, sentiment (``sentiment_tweeteval``) and stance
  (``attitude_tweeteval``, toward ``platform.target``: its own model when the target is a TweetEval target
  key, the pooled one otherwise);
* ``llm``: the LLM judge (:mod:`hubbub.annotate.judge`) asked through the run's backend, one choice call
  per annotation and text, seeded by what the text belongs to (never by call order), so concurrency and
  resume give the same annotations. A failed call leaves that annotation None and is recorded as an
  ``llm_failure``; a post without a toxicity is never moderated.

``platform.moderation.annotations`` lists the annotations to compute (empty: every one the annotator
offers); one it cannot give is a ConfigError before the run starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from hubbub.errors import ConfigError
from hubbub.platform.social.moderation import Annotation, LexiconAnnotator

KNOWN = ("toxicity", "sentiment", "stance")
"""The annotations a platform post may carry, in the order of :class:`Annotation`'s fields."""
FIELD = "platform.moderation"


def note_fields(note: Annotation) -> dict[str, float | None]:
    """An annotation as the run record stores it with the post: toxicity, sentiment, stance."""
    return {"toxicity": note.toxicity, "sentiment": note.sentiment, "stance": note.stance}


class RunAnnotator:
    """Scores one text at a time for a run (see the module docstring). ``sources`` says where each
    annotation comes from (recorded in the ``platform_setup`` event)."""

    def __init__(self, name: str, sources: dict[str, str]) -> None:
        self.name, self.sources = name, sources

    async def annotate(self, world: Any, text: str, key: tuple) -> tuple[Annotation, list[dict[str, Any]]]:
        """The text's annotation and the ``llm_failure`` records of judge calls that failed."""
        raise NotImplementedError


class LexiconAnnotations(RunAnnotator):
    """The lexicon stand-in: toxicity and sentiment, no stance."""

    def __init__(self, wanted: Sequence[str]) -> None:
        super().__init__("lexicon", {a: "lexicon" for a in _wanted(wanted, ("toxicity", "sentiment"), "lexicon")})
        self.lexicon = LexiconAnnotator()

    async def annotate(self, world: Any, text: str, key: tuple) -> tuple[Annotation, list[dict[str, Any]]]:
        """The word-list scores (sentiment dropped when not asked for); never a failure."""
        note = self.lexicon.annotate([text])[0]
        return Annotation(note.toxicity, note.sentiment if "sentiment" in self.sources else None), []


class LearnedAnnotations(RunAnnotator):
    """Learned classifiers saved by ``hubbub evaluate``, one per annotation."""

    def __init__(self, name: str, annotators: dict[str, Any], target: str) -> None:
        super().__init__(name, {a: f"learned:{ann.classifier.path.name}" for a, ann in annotators.items()})
        self.annotators, self.target = annotators, target

    async def annotate(self, world: Any, text: str, key: tuple) -> tuple[Annotation, list[dict[str, Any]]]:
        """Each loaded classifier's score of the text; never a failure."""
        return Annotation(*(self.score(a, text) for a in KNOWN)), []

    def score(self, annotation: str, text: str) -> float | None:
        """One annotation of one text (None when this run does not compute it)."""
        ann = self.annotators.get(annotation)
        if ann is None:
            return None
        groups = [self.target] if annotation == "stance" else None
        return round(float(ann([text], groups)[0]), 6)


class JudgeAnnotations(RunAnnotator):
    """The LLM judge, asked through the run's backend."""

    def __init__(self, wanted: Sequence[str], lang: str, target: str) -> None:
        super().__init__("llm", {a: "llm" for a in _wanted(wanted, KNOWN, "llm")})
        self.lang, self.target = lang, target

    async def annotate(self, world: Any, text: str, key: tuple) -> tuple[Annotation, list[dict[str, Any]]]:
        """One judge call per annotation, in the order of :data:`KNOWN`."""
        scores: dict[str, float | None] = {}
        failures: list[dict[str, Any]] = []
        for annotation in self.sources:
            scores[annotation] = await self._ask(world, annotation, text, key, failures)
        return Annotation(*(scores.get(a) for a in KNOWN)), failures

    async def _ask(self, world: Any, annotation: str, text: str, key: tuple,
                   failures: list[dict[str, Any]]) -> float | None:
        """One judge call: the expected label value under the model's option probabilities."""
        from hubbub.annotate.judge import annotation_request
        from hubbub.annotate.learned import spec_of

        spec = spec_of(annotation)
        request = annotation_request(annotation, text, world.seeds.seed("llm", *key, "annotate", annotation),
                                     self.lang, self.target if annotation == "stance" else "",
                                     world.sc.llm.choice_temperature)
        result = await world.llm.choose_one(request)
        if not result.ok:
            failures.append({"call": request.kind, "error": result.error or "InvalidOutput: no option picked"})
            return None
        return round(float(np.asarray(result.probs, dtype=np.float64) @ np.asarray(spec.values)), 6)


def _wanted(wanted: Sequence[str], offered: Sequence[str], kind: str) -> list[str]:
    """The annotations asked for (all offered when none are named); one not offered is a ConfigError."""
    missing = [a for a in wanted if a not in offered]
    if missing:
        raise ConfigError(f"{FIELD}.annotations = {list(wanted)}: the {kind} annotator gives no "
                          f"{', '.join(missing)}; it gives {', '.join(offered)}")
    if wanted and "toxicity" not in wanted:
        raise ConfigError(f"{FIELD}.annotations = {list(wanted)}: must include toxicity (moderation uses it)")
    return [a for a in offered if a in wanted] if wanted else list(offered)


def make_annotator(cfg: Any, lang: str) -> RunAnnotator:
    """The annotator ``platform.moderation`` names (checked here, before the run folder is touched)."""
    mod = cfg.moderation
    if mod.annotator == "lexicon":
        return LexiconAnnotations(mod.annotations)
    if mod.annotator == "llm":
        return JudgeAnnotations(mod.annotations, lang, cfg.target)
    try:
        path = Path(mod.annotator)
        name = f"learned:{path.name if path.is_dir() else path.with_suffix('').name}"
        return LearnedAnnotations(name, _learned(path, mod.annotations), cfg.target)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - translated at the edge into one line naming the field
        raise ConfigError(f"{FIELD}.annotator = {mod.annotator!r}: {exc}; allowed: lexicon, llm, a toxicity "
                          "classifier saved by `hubbub evaluate`, or an evaluation's output folder") from None


def _learned(path: Path, wanted: Sequence[str]) -> dict[str, Any]:
    """The classifiers of a file (toxicity) or an evaluation folder (toxicity, and sentiment and stance
    where saved there, or as ``wanted`` names them)."""
    from hubbub.annotate import find_saved, load_annotator
    from hubbub.errors import DataError

    if not path.is_dir():
        _wanted(wanted, ("toxicity",), f"classifier-file ({path.name})")
        return {"toxicity": load_annotator(path, "toxicity")}
    out = {}
    for annotation in _wanted(wanted, KNOWN, "evaluation-folder"):
        try:
            saved = find_saved(path, annotation)
        except DataError:
            if wanted or annotation == "toxicity":
                raise
            continue  # not saved there and not asked for by name: the run records it as absent
        out[annotation] = load_annotator(saved, annotation)
    return out
