"""The only place that names concrete LLM backends: scenario settings → a Backend."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hubbub.errors import ConfigError
from hubbub.llm.base import Backend
from hubbub.llm.cache import CachedBackend, OnCall, ReplyStore
from hubbub.scenarios.config import LLMConfig


def read_api_key(cfg: LLMConfig) -> str | None:
    """The API key from a file or the environment; never logged or written."""
    if cfg.api_key_file:
        try:
            return Path(cfg.api_key_file).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ConfigError(f"llm.api_key_file = {cfg.api_key_file!r} cannot be read ({exc.strerror})") from None
    return os.environ.get(cfg.api_key_env) or None


def make_inner(cfg: LLMConfig) -> Backend | None:
    """The bare backend named by the config (None for replay-only)."""
    if cfg.backend == "scripted":
        from hubbub.llm.scripted import ScriptedBackend

        return ScriptedBackend(latency=cfg.scripted_latency_s)
    if cfg.backend == "embedded":
        from hubbub.llm.embedded import EmbeddedBackend

        return EmbeddedBackend(model_path=cfg.model or None, threads=cfg.threads, parallel=cfg.parallel,
                               answer_prefix=cfg.answer_prefix, misses_before_schema=cfg.logprob_misses_before_schema,
                               weights=cfg.embedded_weights)
    if cfg.backend == "openai":
        return _openai(cfg)
    return None


def _openai(cfg: LLMConfig, **overrides: Any) -> Backend:
    from hubbub.llm.openai import OpenAIBackend

    settings: dict[str, Any] = dict(timeout_s=cfg.timeout_s, max_retries=cfg.max_retries,
                                    max_concurrency=cfg.max_concurrency, choice_mode=cfg.choice_mode,
                                    answer_prefix=cfg.answer_prefix, misses_before_schema=cfg.logprob_misses_before_schema)
    settings.update(overrides)
    return OpenAIBackend(base_urls=list(cfg.base_urls), model=cfg.model, api_key=read_api_key(cfg), **settings)


def make_probe(cfg: LLMConfig) -> Backend | None:
    """A short-fused copy of a server backend for the preflight: its timeout is
    ``llm.preflight_timeout_s`` and up to three retries with short backoff ride out a passing fault, so
    a dead or silent server is named within seconds. None for backends with no server to check
    (scripted, embedded, replay)."""
    if cfg.backend != "openai":
        return None
    timeout = min(cfg.timeout_s, cfg.preflight_timeout_s)
    return _openai(cfg, timeout_s=timeout, max_retries=min(cfg.max_retries, 3), max_concurrency=2,
                   backoff_s=0.2, backoff_max_s=1.0, retry_after_cap_s=1.0)


class ChainedReplies:
    """Look replies up in several stores in turn (this run's record, then a recording)."""

    def __init__(self, stores: list[ReplyStore]) -> None:
        self.stores = stores

    def get_reply(self, key: str) -> dict[str, Any] | None:
        for store in self.stores:
            reply = store.get_reply(key)
            if reply is not None:
                return reply
        return None

    def get_failure(self, key: str) -> str | None:
        for store in self.stores:
            error = getattr(store, "get_failure", lambda _key: None)(key)
            if error is not None:
                return error
        return None


def make_backend(cfg: LLMConfig, run_store: ReplyStore, on_call: OnCall | None,
                 resuming: bool = False) -> CachedBackend:
    """The backend of a run: the configured model behind the reply cache of the run record.

    Recorded failures are replayed when resuming (the run's committed events were built on them) and
    by the replay backend (an exact re-run); a new run with a live model asks again instead. The
    failures that stopped a run through its failure budget are not in the record (the batches built
    on them were rolled back, see runtime.failures), so a resumed run asks those requests again."""
    stores: list[ReplyStore] = [run_store]
    if cfg.replay_from:
        from hubbub.store import RunStore

        source = Path(cfg.replay_from)
        stores.append(_recording(RunStore.open(source.parent if source.suffix == ".sqlite" else source), cfg))
    inner = make_inner(cfg)
    if resuming and inner is not None:
        restore_choice_switch(inner, run_store)
    model = inner.model if inner is not None else _recorded_model(stores[-1])
    replies = ChainedReplies(stores)
    failures = replies if inner is None else ChainedReplies([run_store]) if resuming else None
    return CachedBackend(inner, replies, on_call=on_call, model=model, failures=failures)


def restore_choice_switch(inner: Backend, run_store: Any) -> None:
    """A resumed run's auto-mode switch starts where the record left it (hubbub.llm.switch)."""
    switch, history = getattr(inner, "choice_switch", None), getattr(run_store, "choice_history", None)
    if switch is not None and history is not None:
        switch.restore(history(), getattr(inner, "endpoint", "chat"))


def _recorded_model(store: Any) -> str:
    getter = getattr(store, "get_meta", None)
    return (getter("model") if getter else None) or ""


def _recording(store: Any, cfg: LLMConfig) -> Any:
    """The run record to replay from; one that holds no successful reply cannot answer anything."""
    calls, failed = store.call_counts()
    if calls - failed <= 0:
        store.close()
        raise ConfigError(f"llm.replay_from = {cfg.replay_from!r} holds no recorded LLM replies ({calls} calls, "
                          f"{failed} failed); replay a run that completed some LLM calls")
    return store
