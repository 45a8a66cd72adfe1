"""What a command says on stderr while it works (issue 17): long commands print plain ``progress:``
lines when their output is not a terminal (a CI log or ``make run | tee`` shows where a run got to, a
terminal keeps its progress bar), and a built-in S3 scenario whose real data is missing says so when
the run starts, not only in summary.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hubbub.errors import ConfigError

SCENARIO = """
[run]
name = "progress"
seed = 5
concurrency = 4

[llm]
backend = "scripted"
scripted_latency_s = 0.02

[trendsim]
topic = "en-marathon-pacer"
lifecycle_h = 1.0
state_every_h = 0.25

[trendsim.population]
size = 8
"""

LINE = re.compile(r"^progress: t=(\d+\.\d\d) h of 1\.00 h \((\d+)%\), (\d+) events, (\d+) LLM calls \((\d+) failed\), "
                  r"\d+ s elapsed$")


def hubbub(*args: str, interval: str | None = "0.2", **env: str) -> subprocess.CompletedProcess:
    """The CLI in a child process whose stderr is a pipe (not a terminal), as in a CI log."""
    environ = {k: v for k, v in os.environ.items() if k != "HUBBUB_PROGRESS_S"}
    environ.update(env, COLUMNS="200")
    if interval is not None:
        environ["HUBBUB_PROGRESS_S"] = interval
    code = "import sys; from hubbub.cli import main; sys.argv = ['hubbub', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], env=environ, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "progress.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def progress_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("progress:")]


def test_a_run_prints_periodic_progress_lines_to_a_log(tmp_path, scenario):
    done = hubbub("run", str(scenario), "--out", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = progress_lines(done.stderr)
    assert len(lines) >= 3, done.stderr  # a run of a few seconds, a line every 0.2 s
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    events = [int(m.group(3)) for m in parsed]
    calls = [int(m.group(4)) for m in parsed]
    assert events == sorted(events) and calls == sorted(calls) and events[-1] > events[0]
    assert parsed[-1].group(2) == "100" and parsed[-1].group(1) == "1.00"  # the last line: where it ended
    assert "\x1b[" not in done.stderr and "\r" not in done.stderr  # no bar redraws in a log


def test_quiet_prints_no_progress_lines(tmp_path, scenario):
    quiet = hubbub("run", str(scenario), "--out", str(tmp_path / "quiet"), "--quiet")
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert progress_lines(quiet.stderr) == []


def test_the_interval_is_ten_seconds_unless_the_environment_says_otherwise(monkeypatch):
    from hubbub.commands import progress

    monkeypatch.delenv("HUBBUB_PROGRESS_S", raising=False)
    assert progress.interval_s() == 10.0
    monkeypatch.setenv("HUBBUB_PROGRESS_S", "2.5")
    assert progress.interval_s() == 2.5
    for bad in ("0", "-1", "inf", "nan", "soon"):
        monkeypatch.setenv("HUBBUB_PROGRESS_S", bad)
        with pytest.raises(ConfigError, match="HUBBUB_PROGRESS_S"):
            progress.interval_s()


def test_heartbeat_lines_come_while_the_body_works_and_one_closes_it(monkeypatch, capsys):
    from hubbub.commands import progress

    monkeypatch.setenv("HUBBUB_PROGRESS_S", "0.05")
    monkeypatch.setattr(progress, "_is_terminal", lambda: False)
    with progress.heartbeat(lambda elapsed: "working", quiet=False):
        time.sleep(0.3)
    lines = capsys.readouterr().err.splitlines()
    assert 3 <= len(lines) <= 8 and set(lines) == {"progress: working"}
    with pytest.raises(RuntimeError), progress.heartbeat(lambda elapsed: "failing", quiet=False):
        raise RuntimeError("boom")
    assert "failing" not in capsys.readouterr().err  # no closing line claims an end the body never reached
    monkeypatch.setattr(progress, "_is_terminal", lambda: True)
    with progress.heartbeat(lambda elapsed: "on a terminal", quiet=False):
        time.sleep(0.15)
    assert capsys.readouterr().err == ""  # a terminal has the progress bar instead


def test_a_bad_interval_is_one_error_line_naming_the_variable(tmp_path, scenario):
    done = hubbub("run", str(scenario), "--out", str(tmp_path / "run"), interval="soon")
    assert done.returncode == 2
    assert "HUBBUB_PROGRESS_S" in done.stderr and "'soon'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "run").exists()  # refused before the run started


def test_evaluate_prints_a_line_per_task_and_a_closing_progress_line(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    done = hubbub("evaluate", "gender_swsr", "attitude_nlpcc", "--backend", "scripted", "--embedder", "hashing",
                  "--no-perplexity", "--out", str(tmp_path / "eval"), HUBBUB_DATA_DIR=str(empty))
    assert done.returncode == 1  # no data: both tasks fail, and say so
    lines = done.stderr.splitlines()
    assert "evaluate: gender_swsr ..." in lines and "evaluate: attitude_nlpcc ..." in lines
    assert progress_lines(done.stderr)[-1].startswith("progress: evaluate: 2 of 2 tasks finished (2 failed), ")


def test_sweep_prints_progress_lines_between_runs(tmp_path, scenario):
    done = hubbub("sweep", str(scenario), "--grid", "trendsim.attack.share=0,0.2", "--workers", "1",
                  "--out", str(tmp_path / "sweep"), interval="0.1")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = progress_lines(done.stderr)
    assert len(lines) >= 3, done.stderr
    assert all(re.fullmatch(r"progress: sweep progress: [012] of 2 runs done, \d+ s elapsed", line) for line in lines)
    assert lines[0].startswith("progress: sweep progress: 0 of 2")


def test_bench_prints_the_figures_measured_so_far(tmp_path):
    done = hubbub("bench", "tokens", "--quick", "--backend", "scripted", "--out", str(tmp_path / "t.json"),
                  interval="0.05")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = progress_lines(done.stderr)
    assert len(lines) >= 2, done.stderr
    assert all(line.startswith("progress: bench tokens: ") for line in lines)
    assert re.match(r"progress: bench tokens: [1-9]\d* figures measured \(last: \w+\)", lines[-1]), lines[-1]


def test_an_s3_run_without_its_data_folder_says_so_when_it_starts(tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    done = hubbub("run", "s3-gender-discrimination", "--backend", "scripted", "--set", "s3.network.users=60",
                  "--set", "s3.population.llm_users=4", "--set", "s3.steps=2", "--out", str(tmp_path / "run"),
                  "--quiet", HUBBUB_DATA_DIR=str(empty))
    assert done.returncode == 0, done.stderr[-2000:]
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: real data not found")]
    assert len(notes) == 1, done.stderr
    note = notes[0]
    assert "swsr_weibo_sexism/SexComment.csv" in note and "swsr_weibo_sexism/SexWeibo.csv" in note
    assert f"data folder {empty}" in note and "HUBBUB_DATA_DIR" in note
    assert "s3.population.marginals_file -> SWSR's published gender and location counts" in note
    assert "s3.seed_posts.file -> the scenario's s3.seed_posts.texts" in note
    assert "s3.rule.texts_file -> the seed posts" in note
    assert "not found" in (tmp_path / "run" / "summary.md").read_text(encoding="utf-8")  # the record agrees


def test_the_note_names_only_what_is_missing(tmp_path, monkeypatch):
    from hubbub.commands.run import missing_data_note
    from hubbub.scenarios.config import load_scenario

    monkeypatch.setenv("HUBBUB_DATA_DIR", str(tmp_path))
    nuclear = load_scenario("s3-nuclear-energy", {})
    note = missing_data_note(nuclear)
    assert "tweeteval/stance/climate" in note and "s3.attitude.history_file -> no earlier posts" in note
    (tmp_path / "tweeteval" / "stance" / "climate").mkdir(parents=True)
    assert missing_data_note(nuclear) == ""  # present: nothing to say (a malformed file is a DataError later)
    assert missing_data_note(load_scenario("s3-nuclear-energy", {"s3.attitude.initial": "share"})) == ""
    assert missing_data_note(load_scenario("demo", {})) == ""  # TrendSim reads no optional data files
