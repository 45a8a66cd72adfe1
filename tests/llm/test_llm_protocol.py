"""Reading OpenAI-shaped replies: the parsing both HTTP and embedded backends share."""

from __future__ import annotations

import math

import pytest

from hubbub.llm.protocol import (
    letter_logprobs,
    reply_text,
    schema_body,
    transcript,
    usage_counts,
    wire_seed,
)


def chat(top, **choice_extra):
    return {"choices": [{"message": {"content": "x"}, "logprobs": {"content": [{"token": "A", "logprob": -1.0,
                                                                                "top_logprobs": top}]},
                         **choice_extra}]}


def test_tokens_that_strip_to_the_same_letter_add_up():
    scores = letter_logprobs(chat([{"token": "A", "logprob": math.log(0.3)}, {"token": " A", "logprob": math.log(0.2)},
                                   {"token": "\u0120B", "logprob": math.log(0.1)}, {"token": "\u2581C", "logprob": -2.0}]))
    assert scores["A"] == pytest.approx(math.log(0.5))
    assert scores["B"] == pytest.approx(math.log(0.1)) and scores["C"] == -2.0


def test_lowercase_words_are_not_letters():
    assert "A" not in letter_logprobs(chat([{"token": "a", "logprob": -0.1}, {"token": "An", "logprob": -0.2}]))


@pytest.mark.parametrize("reply", [
    {"choices": [{"message": {"content": "A"}}]},
    {"choices": [{"message": {"content": "A"}, "logprobs": None}]},
    {"choices": [{"message": {"content": "A"}, "logprobs": {"content": []}}]},
    {"choices": [{"text": "A", "logprobs": {"top_logprobs": []}}]},
    {"choices": []},
    {"error": "nope"},
])
def test_missing_logprobs_read_as_none(reply):
    assert letter_logprobs(reply) is None


def test_only_the_sampled_token_still_counts():
    reply = {"choices": [{"message": {"content": "B"}, "logprobs": {"content": [{"token": "B", "logprob": -0.5}]}}]}
    assert letter_logprobs(reply) == {"B": -0.5}


def test_legacy_shape():
    reply = {"choices": [{"text": " B", "logprobs": {"top_logprobs": [{" B": -0.1, " A": -3.0}, {"x": 0.0}]}}]}
    assert letter_logprobs(reply) == {"B": -0.1, "A": -3.0}


def test_reply_text_of_both_endpoints():
    assert reply_text({"choices": [{"message": {"content": " hi \n"}}]}) == "hi"
    assert reply_text({"choices": [{"text": " there"}]}) == "there"
    assert reply_text({"choices": [{"message": {"content": None}}]}) == ""


def test_usage_counts_prefer_openai_details_then_llama_cpp_timings():
    assert usage_counts({"usage": {"prompt_tokens": 9, "completion_tokens": 2,
                                   "prompt_tokens_details": {"cached_tokens": 4}}, "timings": {"cache_n": 7}}) == {
        "prompt_tokens": 9, "completion_tokens": 2, "cached_tokens": 4}
    assert usage_counts({"usage": {"prompt_tokens": 9}, "timings": {"cache_n": 7}})["cached_tokens"] == 7
    assert usage_counts({}) == {"prompt_tokens": None, "completion_tokens": None, "cached_tokens": None}


def test_wire_seed_is_a_nonnegative_31_bit_value():
    assert wire_seed(5) == 5 and 0 <= wire_seed(2**63 - 1) < 2**31 and wire_seed(-1) == 2**31 - 1


def test_schema_body_for_the_completions_endpoint_uses_a_prompt():
    body = schema_body((("system", "S"), ("user", "Q")), "completions", 3, ("A", "B"))
    assert body["prompt"] == transcript((("system", "S"), ("user", "Q"))) == "System: S\n\nUser: Q\n\nAssistant:"
    assert body["json_schema"]["enum"] == ["A", "B"] and "messages" not in body
