"""Every built-in scenario, on the scripted backend with its seed, gives its recorded golden log.

A restructure of the engine must not change what a scenario computes; see golden.py for how the logs
were recorded and how a deliberate change re-records one of them.
"""

from __future__ import annotations

import pytest

import golden

RENAMED: dict[str, str] = {}
"""Fields renamed since the logs were recorded: old name -> new name (mapped before comparing)."""


def _mapped(row: dict) -> dict:
    data = row.get("data")
    if isinstance(data, dict):
        row = {**row, "data": {RENAMED.get(k, k): v for k, v in data.items()}}
    return {RENAMED.get(k, k): v for k, v in row.items()}


def _first_difference(expected: list[dict], got: list[dict]) -> str:
    for i, (a, b) in enumerate(zip(expected, got)):
        if a != b:
            return f"row {i}: expected {a}\n got {b}"
    return f"lengths differ: expected {len(expected)} rows, got {len(got)}"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(golden.SIZES))
def test_builtin_matches_golden_log(name):
    assert golden.path_of(name).exists(), f"no golden log for {name}: record it with tests/golden/golden.py"
    expected = [_mapped(r) for r in golden.read(name)]
    got = [_mapped(r) for r in golden.capture(name)]
    assert got == expected, _first_difference(expected, got)


def test_every_builtin_has_a_golden_size():
    from hubbub.scenarios.loading import builtin_names

    assert set(golden.SIZES) == set(builtin_names())


def test_golden_logs_hold_the_mechanisms():
    """The small sizes still exercise what each scenario is for (a log of nothing guards nothing)."""
    kinds = {name: {r.get("kind") for r in golden.read(name)} for name in golden.SIZES if golden.path_of(name).exists()}
    assert {"action", "state", "snapshot"} <= kinds["demo"]
    assert "intervention" in kinds["workbench-demo"] and "interview" in kinds["workbench-demo"]
    assert "intervention" in kinds["s3-workbench-demo"]
    assert {"action", "exposure", "graph_change", "graph_snapshot", "board_ranks", "news"} <= kinds["platform-demo"]
