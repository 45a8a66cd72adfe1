"""Before the first event: does the configured model server answer at all?

A run against a dead port, an HTML page, a server that answers HTTP 500 forever or never answers, or a
model name the server does not know would otherwise record nothing but failed calls. The preflight sends
one tiny choice and one tiny generation in the run's own request shapes (endpoint, choice mode, sampling
settings) through a short-fused copy of the backend (``llm.preflight_timeout_s``, default 15 s, for
both together; up to three quick retries) and, if either fails, stops with one line naming the URLs, the model and what the server said,
before any run folder exists. Backends with no server (scripted, embedded) are not checked; a replay
whose recording does not match the scenario is caught by the failure budget within its first calls.
"""

from __future__ import annotations

import asyncio

from hubbub.errors import BackendUnavailable
from hubbub.llm.base import Backend, ChoiceRequest, ChoiceResult, GenerateRequest, GenerateResult
from hubbub.llm.openai import public_url
from hubbub.runtime.backends import make_probe
from hubbub.scenarios.config import LLMConfig

_SYSTEM = "You are a user of a social platform. Answer briefly."


def preflight_requests(cfg: LLMConfig, seed: int) -> tuple[ChoiceRequest, GenerateRequest]:
    """One choice and one generation shaped like the run's own (a system turn, then the question)."""
    choice = ChoiceRequest("preflight.choice", (("system", _SYSTEM), ("user", "Which of these is a colour?")),
                           ("blue", "a table"), seed=seed, temperature=cfg.choice_temperature)
    text = GenerateRequest("preflight.generate", (("system", _SYSTEM), ("user", "Say hello in three words.")),
                           seed=seed, max_tokens=8, temperature=cfg.text_temperature)
    return choice, text


def preflight(cfg: LLMConfig, seed: int) -> None:
    """Raise BackendUnavailable (one line) unless the server answers a choice and a generation."""
    probe = make_probe(cfg)
    if probe is None:
        return
    problem = asyncio.run(_ask(probe, cfg, seed))
    if problem is not None:
        raise BackendUnavailable(preflight_message(cfg, problem))


async def _ask(probe: Backend, cfg: LLMConfig, seed: int) -> str | None:
    """What went wrong with the two test requests, or None when both were answered."""
    choice, text = preflight_requests(cfg, seed)
    try:
        results = await asyncio.wait_for(asyncio.gather(probe.choose_one(choice), probe.generate_one(text)),
                                         cfg.preflight_timeout_s)
    except asyncio.TimeoutError:
        return f"no answer within {cfg.preflight_timeout_s:g} s (the server accepts connections but does not answer)"
    finally:
        await probe.aclose()
    return _first_problem(results)


def _first_problem(results: list[ChoiceResult | GenerateResult]) -> str | None:
    for what, result in zip(("a test choice", "a test generation"), results):
        if not result.ok:
            return f"{what} failed: {result.error}"
    return None


def preflight_message(cfg: LLMConfig, problem: str) -> str:
    urls = ", ".join(public_url(u) for u in cfg.base_urls)
    return (f"preflight: the {cfg.backend} server {urls} with model {cfg.model!r} did not work: {problem}. "
            "Nothing was written. Check --base-url and --model (llm.base_urls, llm.model), or give a slow "
            "server more time with --set llm.preflight_timeout_s=60")
