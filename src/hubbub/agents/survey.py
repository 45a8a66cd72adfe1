"""Survey items as choice requests, asked of a user in character (see :mod:`hubbub.scenarios.surveys`).

A likert item is a statement rated on an agreement scale; its options are the scale's labels in the
scenario's language, and the canonical answer is the point (1 = strongly disagree ... 5 or 7 =
strongly agree) with its English label. A choice item's options are its own. The statement or
question is third-party text, so it enters the prompt quoted; the backend appends the options as
lettered lines (shuffled with the request's seed) and returns the pick and the distribution.
"""

from __future__ import annotations

from typing import Any

from hubbub.agents.demographics import describe
from hubbub.agents.feed.texts import check_lang, text
from hubbub.agents.prompts import Block, fill, joined
from hubbub.llm.base import Messages

LIKERT: dict[int, dict[str, tuple[str, ...]]] = {
    5: {"en": ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
        "zh": ("非常不同意", "不同意", "既不同意也不反对", "同意", "非常同意")},
    7: {"en": ("Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree", "Somewhat agree",
               "Agree", "Strongly agree"),
        "zh": ("非常不同意", "不同意", "有点不同意", "既不同意也不反对", "有点同意", "同意", "非常同意")},
}
"""The documented agreement scales: point k (1-based) is label k-1; the English label is the canonical one."""

_WORDING = {
    "en": {"likert": "Statement: {question}\nHow much do you agree with this statement?",
           "choice": "Question: {question}\nWhich answer fits you best?",
           "s3": "A researcher asks you to answer a survey item about the event.\n{item}\nAnswer as this user "
                 "would, in character."},
    "zh": {"likert": "陈述：{question}\n你在多大程度上同意这个陈述？",
           "choice": "问题：{question}\n哪个答案最符合你？",
           "s3": "一位研究者请你回答一道关于这个事件的问卷题。\n{item}\n请以这位用户的身份作答。"},
}


def shown_options(item: Any, lang: str) -> tuple[str, ...]:
    """The options as the model sees them: the scale's labels in ``lang``, or the item's own options."""
    if item.kind == "likert":
        return LIKERT[item.points or 5][check_lang(lang)]
    return tuple(item.options)


def canonical_options(item: Any) -> tuple[str, ...]:
    """The options as the record stores them: English scale labels, or the item's own options."""
    return LIKERT[item.points or 5]["en"] if item.kind == "likert" else tuple(item.options)


def question_block(item: Any, lang: str) -> Block:
    """The item's wording for a prompt: the statement or question quoted, then what is asked."""
    return fill(_WORDING[check_lang(lang)][item.kind], {"question": item.question})


def s3_messages(profile_text: str, demographics: Any, level: str, attitude: str, target: str, memory_text: str,
                item: Any, lang: str = "en") -> Messages:
    """A survey item for a follow-graph user: persona, memory and state now (as in an interview), then the
    item last."""
    check_lang(lang)
    persona = [profile_text.strip() or text(lang, "no_profile")]
    if demographics is not None:
        persona.append(describe(demographics, lang))
    parts = [
        text(lang, "persona", profile=joined(persona)),
        text(lang, "memory", memory=memory_text if memory_text.strip() else text(lang, "memory_empty")),
        text(lang, "interview_state", level=text(lang, f"emotion.{level}"), target=target,
             attitude=text(lang, f"attitude.{attitude}")),
        fill(_WORDING[lang]["s3"], {"item": question_block(item, lang)}),
    ]
    return (("system", text(lang, "system")), ("user", "\n\n".join(parts)))


def answer_fields(item: Any, index: int, probs: tuple[float, ...]) -> dict[str, Any]:
    """What a survey_answer event records about the answer: the pick (canonical option, its position, the
    likert point) and the whole distribution in the item's option order."""
    options = canonical_options(item)
    fields: dict[str, Any] = {"answer": options[index], "answer_index": index,
                              "probs": [round(float(p), 6) for p in probs]}
    if item.kind == "likert":
        fields["score"] = index + 1
        fields["expected_score"] = round(sum((k + 1) * float(p) for k, p in enumerate(probs)) / max(sum(probs), 1e-12), 6)
    return fields
