"""bench scale: which target a size is held to (1M users: DESIGN decision 8; 10M users: issue 16)."""

from __future__ import annotations

from hubbub.bench.scale import _target


def _params(nodes: int, steps: int = 100) -> dict[str, int | None]:
    return {"nodes": nodes, "edges_per_node": 8, "llm_users": nodes // 1000, "steps": steps, "keep": None}


def test_ten_million_users_are_held_to_issue_16s_target() -> None:
    assert _target(_params(10_000_000)) == ("10M users + 10,000 LLM users", 16 * 1024, 600)


def test_a_million_users_keep_the_design_target() -> None:
    assert _target(_params(1_000_000)) == ("1M users + 1,000 LLM users", 8 * 1024, 300)


def test_quick_sizes_and_short_runs_have_no_target() -> None:
    assert _target(_params(20_000)) is None
    assert _target(_params(10_000_000, steps=10)) is None
