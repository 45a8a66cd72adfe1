"""The classification tasks' requests and scored variants.

Emotion, attitude, gender, propagation, hate, offence and sentiment are data + one ChoiceRequest
builder; the harness runs them with every policy. Every ChoiceRequest here comes from the builders the simulation itself uses
(:mod:`hubbub.agents.affect`, :mod:`hubbub.agents.demographics`) or the annotation judge
(:mod:`hubbub.annotate.judge`), so a figure measures the decision a simulated agent (or the platform's
judge) actually makes.
"""

from __future__ import annotations

from typing import Callable

from hubbub.evaluate import data as ds
from hubbub.evaluate.data import Example, LabelledSet
from hubbub.evaluate.tasks.model import Variant
from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import ChoiceRequest

EMOTION_DECAY = 0.3
"""The decay coefficient stated in emotion prompts (the S3 scenarios' default)."""
CLAIM_TARGET = "what the post you received claims"


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


def propagation_choice(e: Example, seed: int, data: LabelledSet) -> ChoiceRequest:
    """The simulation's attitude update: a user with the replier's real profile receives the rumour's
    source tweet. The user's prior attitude is unknown, so it is drawn 50/50 per item (seeded)."""
    from hubbub.agents.affect import attitude_request

    prior = derive_seed(seed, "prior") % 2
    return attitude_request(e.context, None, prior, CLAIM_TARGET, "", [e.text], lang=data.lang, seed=seed,
                            kind="evaluate.propagation")


def annotation_choice(name: str) -> Callable[[Example, int, LabelledSet], ChoiceRequest]:
    """The LLM judge's question of annotation ``name`` (:mod:`hubbub.annotate.judge`) about the text."""
    from hubbub.annotate import annotation_request

    def build(e: Example, seed: int, data: LabelledSet) -> ChoiceRequest:
        return annotation_request(name, e.text, seed, lang=data.lang)
    return build


# ---------------------------------------------------------------------------------------------------
# Variants


def one_variant(data: LabelledSet) -> list[Variant]:
    return [Variant(data.name, data, positive=1 if len(data.labels) == 2 else None)]


def stance_variants(data: LabelledSet) -> list[Variant]:
    """Binary (S3's attitude; all policies) and 3-class with 'none' (majority and learned only)."""
    return [Variant(ds.binary_attitude(data).name, ds.binary_attitude(data), positive=1),
            Variant(data.name + "-3class", data, llm=False)]
