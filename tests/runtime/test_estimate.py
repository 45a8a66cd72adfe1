"""`hubbub estimate` and the estimate before a run: the dry-run method's plumbing checked against the demo
run with the scripted backend (issue 15, must-show 5), scaling of a capped population, and the
confirmation an embedded run over an hour needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.errors import ConfigError
from hubbub.runtime import estimate as est
from hubbub.scenarios.config import load_scenario
from hubbub.store import load_run

runner = CliRunner()
WIDE = {"COLUMNS": "250", "TERMINAL_WIDTH": "250"}
LINE = re.compile(r"estimate: (\d+) LLM calls, (\d+) prompt \+ (\d+) completion tokens, ~(.+) at (.+)")


def _estimate_line(args: list[str]) -> tuple[int, int, int]:
    result = runner.invoke(app, ["estimate", *args], env=WIDE)
    assert result.exit_code == 0, result.output
    calls, prompt, completion = LINE.search(result.output).groups()[:3]
    return int(calls), int(prompt), int(completion)


def _actual(tmp: Path, seed: int) -> tuple[int, int, int]:
    """Calls and tokens of a real scripted demo run (prompt tokens counted from its requests, as the
    scripted backend has no tokenizer)."""
    out = tmp / f"seed-{seed}"
    result = runner.invoke(app, ["run", "demo", "--backend", "scripted", "--seed", str(seed), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    calls = load_run(out).llm_calls
    prompt = sum(est.request_prompt_tokens(request) for request in calls["request"])
    return len(calls), prompt, int(calls["completion_tokens"].fillna(0).sum())


@pytest.fixture(scope="module")
def actual(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[int, int, int]]:
    tmp = tmp_path_factory.mktemp("demo")
    return {seed: _actual(tmp, seed) for seed in (7, 8, 9, 10)}


def _within(estimate: int, actual: int, share: float = 0.25) -> bool:
    return abs(estimate - actual) <= share * actual


def test_estimate_demo_is_within_25_percent_of_the_scripted_run(actual: dict[int, tuple[int, int, int]]) -> None:
    calls, prompt, _ = _estimate_line(["demo"])  # priced for the demo's embedded backend
    _, _, completion = _estimate_line(["demo", "--backend", "scripted"])
    assert calls > 100 and prompt > 10 * calls
    mean = [round(sum(actual[s][i] for s in (7, 8, 9)) / est.DRY_SEEDS) for i in range(3)]
    assert est.DRY_SEEDS == 3 and [calls, prompt, completion] == mean  # the dry runs are the demo's seeds 7-9
    other = actual[10]  # a seed not dry-run takes other branches: the estimate still holds within 25 %
    assert len({actual[s] for s in (7, 8, 9, 10)}) == 4
    assert _within(calls, other[0]) and _within(prompt, other[1]) and _within(completion, other[2]), (calls, prompt, completion, other)


def test_real_models_are_priced_by_their_completion_caps() -> None:
    result = est.estimate(load_scenario("demo"), tokens_per_s=100.0)
    generate = [k for k in result.kinds if k.kind.endswith(("perception", "reflect_summary"))]
    assert generate and all(k.completion_tokens == pytest.approx(k.calls * 0.9 * 32) for k in generate)
    browse = next(k for k in result.kinds if k.kind == "trendsim.action_browse")
    assert browse.completion_tokens == browse.calls  # one token read per choice
    assert result.wall_s == pytest.approx((result.prompt_tokens + result.completion_tokens) / 100.0)
    assert result.line().endswith("at 100 tok/s")


def test_a_capped_population_is_scaled_and_says_so() -> None:
    sc = load_scenario("demo", {"trendsim.population.size": 40})
    full, capped = est.estimate(sc), est.estimate(sc, cap_users=20)
    assert full.scaled_note == "" and "trendsim.population.size = 20 of 40" in capped.scaled_note
    assert _within(capped.calls, full.calls) and _within(capped.prompt_tokens, full.prompt_tokens)


def test_an_embedded_run_over_an_hour_is_refused_without_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(est, "EMBEDDED_TOKENS_PER_S", 1.0)  # the demo's ~70k tokens now take ~20 h
    result = runner.invoke(app, ["run", "demo", "--out", str(tmp_path / "run")], env=WIDE)
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert "over an hour" in last and "--yes" in last and not (tmp_path / "run").exists()


def test_yes_or_an_answer_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(est, "EMBEDDED_TOKENS_PER_S", 1.0)
    sc, questions = load_scenario("demo"), []
    assert est.check_cost(sc, yes=True) is None  # --yes: no dry run, no question
    with pytest.raises(ConfigError, match="not started"):
        est.check_cost(sc, yes=False, ask=lambda q: questions.append(q) or False)
    assert "over an hour" in questions[0]
    known = est.check_cost(sc, yes=False, ask=lambda q: True)
    assert known is not None and known.wall_s > 3600


def test_the_line_is_printed_after_the_preflight_unless_quiet_or_free() -> None:
    lines: list[str] = []
    sc = load_scenario("demo", {"llm.backend": "openai", "llm.base_urls": ["http://127.0.0.1:9"]})
    assert est.check_cost(sc, yes=False) is None  # only the embedded model needs asking
    result = est.announce_cost(sc, None, quiet=False, say=lines.append)
    assert lines == [result.line()] and lines[0].startswith(f"estimate: {result.calls} LLM calls")
    assert est.announce_cost(sc, result, quiet=True, say=lines.append) is result and len(lines) == 1
    free = load_scenario("demo", {"llm.backend": "scripted"})
    assert est.announce_cost(free, None, quiet=False, say=lines.append) is None and len(lines) == 1


def test_a_bad_rate_is_one_line() -> None:
    result = runner.invoke(app, ["estimate", "demo", "--tokens-per-s", "0"])
    assert result.exit_code == 2 and "--tokens-per-s" in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1


def test_durations_read_at_the_scale_one_plans_by() -> None:
    assert [est.duration(s) for s in (12.2, 420, 3 * 3600, 5 * 86400)] == ["13 s", "7 min", "3.0 h", "5.0 days"]
