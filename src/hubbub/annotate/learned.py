"""Annotators backed by the learned classifiers ``hubbub evaluate`` saves (``OUT/policies/TASK--DATA.json``
+ ``.npz``: sentence embeddings + logistic regression, read by :func:`hubbub.agents.learned.load_classifier`).

An annotation names the evaluation task whose classifier it uses and a value per label; a text's score
is the expected value of those values under the classifier's probabilities:

* ``toxicity``: P(offensive), TweetEval offensive (OffensEval 2019: insults, threats, profanity,
  targeted offence) — task ``offence_tweeteval``; in [0, 1].
* ``hate``: P(hate), TweetEval hate (HatEval 2019: hate against immigrants and women) — ``hate_tweeteval``.
* ``sentiment``: P(positive) - P(negative), TweetEval sentiment — ``sentiment_tweeteval``; in [-1, 1].
* ``stance``: P(favor) - P(against) toward a TweetEval target (``groups`` = target key, e.g.
  ``abortion``; other targets use the pooled model) — ``attitude_tweeteval`` (3-class); in [-1, 1].
* ``stance_zh``: the same from NLPCC-2016 Weibo stance (Chinese) — ``attitude_nlpcc`` (3-class).

The English sets' classifiers run on any text (the USE embedder is multilingual) but were trained and
scored on English tweets only; their figures on other languages are unmeasured.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from hubbub.agents.learned import Classifier, load_classifier
from hubbub.errors import ConfigError, DataError
from hubbub.llm.embeddings import Embedder


@dataclass(frozen=True)
class AnnotationSpec:
    """One annotation: the evaluation task that trains its classifier, the labels it expects (in the
    classifier's order) and the value each label stands for."""

    name: str
    task: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    meaning: str


ANNOTATIONS: dict[str, AnnotationSpec] = {s.name: s for s in (
    AnnotationSpec("toxicity", "offence_tweeteval", ("not-offensive", "offensive"), (0.0, 1.0),
                   "P(offensive): insults, threats, profanity or targeted offence (TweetEval offensive)"),
    AnnotationSpec("hate", "hate_tweeteval", ("not-hate", "hate"), (0.0, 1.0),
                   "P(hate): hate speech against immigrants or women (TweetEval hate)"),
    AnnotationSpec("sentiment", "sentiment_tweeteval", ("negative", "neutral", "positive"), (-1.0, 0.0, 1.0),
                   "P(positive) - P(negative) (TweetEval sentiment)"),
    AnnotationSpec("stance", "attitude_tweeteval", ("none", "against", "favor"), (0.0, -1.0, 1.0),
                   "P(favor) - P(against) toward the group's target (TweetEval stance, 3 classes)"),
    AnnotationSpec("stance_zh", "attitude_nlpcc", ("none", "against", "favor"), (0.0, -1.0, 1.0),
                   "P(favor) - P(against) toward the group's target (NLPCC-2016 Weibo stance, 3 classes)"),
)}


def spec_of(name: str) -> AnnotationSpec:
    """The annotation called ``name``; an unknown name is a ConfigError listing the known ones."""
    if name not in ANNOTATIONS:
        raise ConfigError(f"annotation {name!r} is unknown; allowed: {', '.join(ANNOTATIONS)}")
    return ANNOTATIONS[name]


class Annotator:
    """A saved classifier read as one annotation: ``annotator(texts) -> scores`` (float64, one per text)."""

    def __init__(self, spec: AnnotationSpec, classifier: Classifier) -> None:
        if tuple(classifier.labels) != spec.labels:
            raise DataError(f"{classifier.path}: labels {classifier.labels} do not fit annotation "
                            f"{spec.name!r}; it expects {spec.labels} (from task {spec.task})")
        self.spec, self.classifier = spec, classifier
        self.values = np.asarray(spec.values, dtype=np.float64)

    @property
    def name(self) -> str:
        return self.spec.name

    def probs(self, texts: Sequence[str], groups: Sequence[str] | None = None) -> np.ndarray:
        """Label probabilities per text, columns in the order of ``spec.labels``."""
        return self.classifier.probs(list(texts), groups)

    def __call__(self, texts: Sequence[str], groups: Sequence[str] | None = None) -> np.ndarray:
        """The score of each text: the expected label value (see :data:`ANNOTATIONS`)."""
        return self.probs(texts, groups) @ self.values

    def labels(self, texts: Sequence[str], groups: Sequence[str] | None = None) -> list[str]:
        """The most probable label of each text."""
        return [self.spec.labels[i] for i in self.probs(texts, groups).argmax(axis=1)]


def find_saved(folder: str | Path, name: str) -> Path:
    """The saved classifier of annotation ``name`` in an evaluation's output (``OUT`` or ``OUT/policies``):
    ``TASK--*.json`` whose labels fit. None found is a DataError saying how to make one."""
    spec, root = spec_of(name), Path(folder)
    root = root / "policies" if (root / "policies").is_dir() else root
    for path in sorted(root.glob(f"{spec.task}--*.json")):
        try:
            labels = tuple(json.loads(path.read_text(encoding="utf-8")).get("labels", ()))
        except (OSError, ValueError):
            continue
        if labels == spec.labels:
            return path
    raise DataError(f"{root}: no saved classifier for annotation {name!r} ({spec.task}--*.json with labels "
                    f"{', '.join(spec.labels)}); make one with `hubbub evaluate {spec.task} --policy learned "
                    f"--out DIR` or hubbub.evaluate.annotate.train_annotator({name!r}, DIR)")


def load_annotator(path: str | Path, name: str | None = None, embedder: Embedder | None = None) -> Annotator:
    """An annotator from a saved classifier: ``path`` is its ``.json`` (the annotation is then read off its
    task unless ``name`` is given) or an evaluation's output folder (``name`` required)."""
    target = Path(path)
    if target.is_dir():
        if name is None:
            raise ConfigError(f"load_annotator({str(path)!r}): a folder needs the annotation name; "
                              f"allowed: {', '.join(ANNOTATIONS)}")
        target = find_saved(target, name)
    classifier = load_classifier(target, embedder)
    if name is None:
        task = classifier.meta.get("task")
        found = [s for s in ANNOTATIONS.values() if s.task == task and s.labels == tuple(classifier.labels)]
        if not found:
            raise DataError(f"{target}: task {task!r} with labels {classifier.labels} is no annotation's; "
                            f"known: {', '.join(f'{s.name} ({s.task})' for s in ANNOTATIONS.values())}")
        name = found[0].name
    return Annotator(spec_of(name), classifier)
