"""Every script in ``examples/`` runs with the scripted backend and writes what it promises.

The examples are a contract with users (issue 13): each accepts ``--out DIR``, runs on the scripted
backend unless told otherwise, says that scripted texts are canned, and names the files it writes under
``--out`` in a module-level ``OUTPUTS`` tuple. Examples added later are found by the glob and held to
the same contract.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))
TIMEOUT_S = 120


def promised_outputs(script: Path) -> tuple[str, ...]:
    """The script's ``OUTPUTS`` tuple, read from its source without running it."""
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign):
            node = ast.Assign(targets=[node.target], value=node.value)
        if isinstance(node, ast.Assign) and node.value is not None and any(
                isinstance(t, ast.Name) and t.id == "OUTPUTS" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    return ()


def run_example(script: Path, workdir: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the script as a user would, from an empty working folder so stray writes land there."""
    out = workdir / "out"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(script), "--out", str(out)], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT_S)
    return proc, out


def test_the_examples_folder_holds_the_issue_examples() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"01_trendsim_topic.py", "02_s3_from_networkx.py"} <= names, names


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_on_the_scripted_backend_and_writes_its_outputs(script: Path, tmp_path: Path) -> None:
    outputs = promised_outputs(script)
    assert outputs, f"{script.name} names no OUTPUTS (the files it writes under --out)"
    proc, out = run_example(script, tmp_path)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    assert "canned" in proc.stdout, f"{script.name} does not say that scripted texts are canned"
    missing = [name for name in outputs if not (out / name).is_file() or (out / name).stat().st_size == 0]
    assert not missing, f"{script.name} promised {missing} under --out but did not write them"
    manifests = sorted(out.rglob("manifest.json"))
    assert manifests, f"{script.name} recorded no run under --out"
    for path in manifests:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        assert manifest["status"] == "completed", (path, manifest.get("stopped_because"))
        assert manifest["backend"]["backend"] == "scripted", path
    strays = sorted(p.name for p in tmp_path.iterdir() if p != out)
    assert not strays, f"{script.name} wrote outside --out: {strays}"


def test_the_custom_action_example_offers_its_action_and_users_take_it(tmp_path: Path) -> None:
    """05: the action registered from Python is an option of the Comment page and is in the run record."""
    from hubbub.store import load_run

    proc, out = run_example(EXAMPLES_DIR / "05_custom_action.py", tmp_path)
    assert proc.returncode == 0, proc.stderr[-4000:]
    run = load_run(out / "run")
    taken = [d for d in run.events[run.events["kind"] == "action"]["data"] if d["action"] == "report_comment"]
    assert taken and all(d["target"] is not None and d["reports"] >= 1 for d in taken)
    options = {}
    for kind, request in zip(run.llm_calls["kind"], run.llm_calls["request"]):
        options.setdefault(kind, []).append(tuple(request.get("options", ())))
    assert any("Report this comment" in o for o in options["trendsim.action_comment"])
    assert not any("Report this comment" in o for kind, asked in options.items() if kind != "trendsim.action_comment"
                   for o in asked)
