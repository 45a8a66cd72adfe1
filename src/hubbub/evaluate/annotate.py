"""Annotators trained on the fly: the learned classifier of an annotation (:data:`hubbub.annotate.ANNOTATIONS`)
fitted exactly as ``hubbub evaluate TASK --policy learned`` fits it (train split, C chosen on validation
by macro-F1), scored on the test split, saved where the evaluation saves it (``OUT/policies/``) and
returned as an :class:`~hubbub.annotate.Annotator`.

    from hubbub.evaluate.annotate import annotator
    toxicity = annotator("toxicity", "runs/annotators")   # loads runs/annotators/policies/... or trains it
    toxicity(["you absolute clown", "what a lovely morning"])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hubbub.annotate import Annotator, AnnotationSpec, find_saved, load_annotator, spec_of
from hubbub.errors import DataError


def _variant(spec: AnnotationSpec, data: Any) -> Any:
    """The task's scored variant whose labels are the annotation's (stance: the 3-class one)."""
    from hubbub.evaluate.tasks import get_task

    for variant in get_task(spec.task).variants(data):
        if tuple(variant.data.labels) == spec.labels:
            return variant
    raise DataError(f"{spec.task}: no variant with the labels {spec.labels} of annotation {spec.name!r}")


def train_annotator(name: str, out: str | Path, data: str | Path | None = None, embedder: str = "auto",
                    train_limit: int | None = None, seed: int = 0) -> Annotator:
    """Fit, score and save the classifier of annotation ``name``; ``data`` replaces the task's default data
    (its release format, as ``--data``). Returns the saved classifier as an annotator."""
    from hubbub.evaluate.data import hash_unit
    from hubbub.evaluate.metrics import classification_scores
    from hubbub.evaluate.policies import LearnedPolicy, save_policy
    from hubbub.evaluate.tasks import get_task
    from hubbub.llm.embeddings import make_embedder

    spec = spec_of(name)
    variant = _variant(spec, get_task(spec.task).load(data, seed))
    d = variant.data
    train = sorted(d.split("train"), key=lambda e: hash_unit(f"train:{e.key}", seed))[:train_limit]
    policy = LearnedPolicy(len(d.labels), make_embedder(embedder)).fit(train, d.split("validation"))
    test = d.split("test")
    metrics: dict[str, float] = {}
    if test:
        pred = policy.predict(test)
        metrics = classification_scores([e.label for e in test], pred.index, pred.probs, len(d.labels),
                                        variant.positive)
    folder = Path(out) / "policies"
    folder.mkdir(parents=True, exist_ok=True)
    _, meta_path = save_policy(folder / f"{spec.task}--{variant.name}", policy,
                               {"task": spec.task, "dataset": variant.name, "labels": list(d.labels), "lang": d.lang,
                                "n_train": len(train), "test_metrics": metrics, "source": d.source,
                                "annotation": spec.name})
    return load_annotator(meta_path, name, policy.embedder)


def annotator(name: str, out: str | Path, **train_options: Any) -> Annotator:
    """The annotator saved under ``out`` (an evaluation's output folder), trained there first when absent."""
    try:
        path = find_saved(out, name)
    except DataError:
        return train_annotator(name, out, **train_options)
    return load_annotator(path, name)  # a saved file that does not load is reported, never overwritten
