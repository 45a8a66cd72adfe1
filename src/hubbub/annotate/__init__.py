"""Annotations of post texts: toxicity, hate, sentiment and stance scores from the learned classifiers
``hubbub evaluate`` trains, or from an LLM judge asked the same question.

    from hubbub.annotate import load_annotator
    toxicity = load_annotator("runs/eval/policies", "toxicity")   # a saved evaluation, or:
    # from hubbub.evaluate.annotate import train_annotator; toxicity = train_annotator("toxicity", "runs/ann")
    toxicity(["you are an idiot", "lovely morning"])             # -> array of P(offensive)

Every annotator is a callable ``texts -> scores`` (one float per text, the expected value of the
annotation's label values, :data:`ANNOTATIONS`) with ``probs`` and ``labels`` beside it.
:mod:`.learned` reads saved classifiers; :mod:`.judge` builds the LLM questions (the same ones the
evaluation tasks score). Importing this package loads nothing.
"""

from hubbub.annotate.judge import LLMAnnotator, annotation_request
from hubbub.annotate.learned import ANNOTATIONS, AnnotationSpec, Annotator, find_saved, load_annotator, spec_of

__all__ = ["ANNOTATIONS", "AnnotationSpec", "Annotator", "LLMAnnotator", "annotation_request", "find_saved",
           "load_annotator", "spec_of"]
