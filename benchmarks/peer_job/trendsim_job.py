"""Run the job of TrendSim's released code, unmodified, against an OpenAI-compatible server, and time it.

This script belongs to ``hubbub bench peer-job --peer-command``; it contains no TrendSim code. It runs
TrendSim's own modules from a checkout the user gives (``--code PATH/code`` of
https://github.com/nuster1128/TrendSim), in a Python environment that has what that code imports
(``openai==0.28.1``, ``zhipuai``, ``numpy``, ``scipy``, ``python-dateutil``, ``requests``; not hubbub).
Nothing in the checkout is edited: the settings below are made at run time, in this process.

* LLM: TrendSim's ``GPT_LLM`` class (``model_name = "gpt-3.5-turbo"``, openai 0.28's ``ChatCompletion``,
  a 2 s sleep before each call, no ``max_tokens``), with ``openai.api_base`` pointed at ``--base-url``.
  That is the smallest change the brief allows: the endpoint. The model name sent stays
  ``gpt-3.5-turbo`` unless ``--model`` is given (llama.cpp's server answers with its one model either way).
* ``--max-tokens N`` adds ``max_tokens`` to each request, the one change to what the code sends
  (``hubbub bench peer-job`` passes its own ``--max-tokens``, so both systems get the same generation
  budget). TrendSim sends none; a small local model then often writes until its slot's context is full
  (2,048 tokens with hubbub's llama.cpp server, minutes per call on a 2-core machine). ``0`` sends none.
* Job: the first ``--users`` rows of its ``data/user_1000.csv`` as normal users, no attackers (a
  ``(N, 0, 0, 0)`` entry added to ``utils.DATA_AND_BASELINE_CODE``), topic row ``--topic-index`` of its
  ``data/tweets.csv`` (0, the first, by default; the code's own default is 1), every other setting as
  released (``max_step`` 3, comment pages of 4, LLM comment screening from the start, 16-hour window).
* ``--no-sleep`` replaces the 2 s sleep with nothing; otherwise the sleeps run and are counted, so the
  report gives the wall time both with them and less them.
* ``--limit-s S`` stops the job before its first request after S seconds (for a machine too slow to
  finish it in the time at hand): the report then says ``finished: false`` and counts what was done,
  so its wall time is a lower bound of the job's. SIGTERM does the same at once (after the request in
  flight is answered).
* Python's ``random`` and numpy are seeded with ``--seed`` (TrendSim seeds nothing; its visit times
  come from ``random.random()``); the server still samples its replies at TrendSim's temperature 1.0.

It writes one JSON object to ``--report`` (the environment variable ``HUBBUB_PEER_REPORT`` by default):
wall time, sleep time, whether the job finished, user steps (pages observed and acted on: entries of
the ``trajectory`` lists of the sessions TrendSim recorded), sessions, requests, prompt / prefix-cached / completion tokens (``usage`` and
llama.cpp's ``timings.cache_n`` of each reply). TrendSim's own record goes to ``--record``
(``trendsim-record.json`` next to the report by default).

    python benchmarks/peer_job/trendsim_job.py --code /tmp/trendsim/code --base-url http://127.0.0.1:8080
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
import types
from pathlib import Path
from typing import Any

SLEEP_S = 2.0
"""The sleep TrendSim's ``GPT_LLM.run`` takes before each call (``time.sleep(2)``)."""


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the job, write the report; 2 on a bad option."""
    args = _parser().parse_args(argv)
    code = Path(args.code)
    problem = _check(args, code)
    if problem:
        print(f"trendsim_job: {problem}", file=sys.stderr)
        return 2
    report = run_job(args, code)
    Path(args.report).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"trendsim_job: {report['user_steps']} user steps, {report['requests']} requests, "
          f"{report['wall_s']:.1f} s (sleeps {report['sleep_s']:.0f} s), "
          f"{'finished' if report['finished'] else 'stopped by --limit-s'}; report in {args.report}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Time the job of TrendSim's released code on one server.")
    parser.add_argument("--code", required=True, help="the code/ folder of a TrendSim checkout")
    parser.add_argument("--base-url", default=os.environ.get("HUBBUB_PEER_BASE_URL", ""),
                        help="OpenAI-compatible server (default: $HUBBUB_PEER_BASE_URL)")
    parser.add_argument("--model", default=os.environ.get("HUBBUB_PEER_MODEL") or "gpt-3.5-turbo",
                        help="model name sent (default: $HUBBUB_PEER_MODEL, else TrendSim's gpt-3.5-turbo)")
    parser.add_argument("--max-tokens", type=int, default=int(os.environ.get("HUBBUB_PEER_MAX_TOKENS") or 0),
                        help="max_tokens added to each request (default: $HUBBUB_PEER_MAX_TOKENS; 0: none)")
    parser.add_argument("--users", type=int, default=10, help="first N users of data/user_1000.csv (10)")
    parser.add_argument("--topic-index", type=int, default=0, help="row of data/tweets.csv (0, the first)")
    parser.add_argument("--seed", type=int, default=1, help="seed of Python's random and numpy (1)")
    parser.add_argument("--no-sleep", action="store_true", help="drop the 2 s sleep before each call")
    parser.add_argument("--limit-s", type=float, default=0.0,
                        help="stop before the first request after this many seconds; the report then says "
                             "finished: false and counts the sessions completed (0: no limit)")
    parser.add_argument("--report", default=os.environ.get("HUBBUB_PEER_REPORT", "trendsim-job.json"),
                        help="where the JSON report goes (default: $HUBBUB_PEER_REPORT)")
    parser.add_argument("--record", default="", help="TrendSim's own record (default: trendsim-record.json "
                        "next to the report)")
    return parser


def _check(args: argparse.Namespace, code: Path) -> str:
    """One line naming the first bad option, or ''."""
    for name in ("run.py", "LLM.py", "utils.py", "data/user_1000.csv", "data/tweets.csv"):
        if not (code / name).is_file():
            return f"--code {str(code)!r} has no {name}; give the code/ folder of a TrendSim checkout"
    if not args.base_url.startswith(("http://", "https://")):
        return f"--base-url {args.base_url!r} is not an http(s) URL (or set HUBBUB_PEER_BASE_URL)"
    for flag, value, least in (("--users", args.users, 1), ("--topic-index", args.topic_index, 0),
                               ("--max-tokens", args.max_tokens, 0), ("--limit-s", args.limit_s, 0)):
        if value < least:
            return f"{flag} {value:g} is not allowed; expected a number >= {least}"
    return ""


def run_job(args: argparse.Namespace, code: Path) -> dict[str, Any]:
    """Configure TrendSim's modules in this process, run its ``run.run()``, and measure it."""
    sys.path.insert(0, str(code))
    import numpy as np  # TrendSim's dependency, present in its environment

    import LLM  # type: ignore[import-not-found]  # TrendSim's modules, from --code
    import openai  # type: ignore[import-not-found]  # openai==0.28.1, as TrendSim requires
    import run as trendsim_run  # type: ignore[import-not-found]
    import utils  # type: ignore[import-not-found]

    import Recorder  # type: ignore[import-not-found]

    tally = _Tally()
    openai.api_base = _api_base(args.base_url)
    openai.ChatCompletion.create = tally.wrap(openai.ChatCompletion.create, args.model, args.max_tokens)
    LLM.time = types.SimpleNamespace(sleep=tally.sleeper(not args.no_sleep))
    Recorder.Recorder.add_record = tally.counting(Recorder.Recorder.add_record)
    record = Path(args.record or Path(args.report).with_name("trendsim-record.json"))
    _configure(trendsim_run.CONFIG, utils, code, args, record)
    random.seed(args.seed)
    np.random.seed(args.seed)
    tally.start(args.limit_s)
    signal.signal(signal.SIGTERM, lambda *_: tally.stop_soon())
    try:
        trendsim_run.run(load_checkpoint=False)
        finished = True
    except _Stopped:
        finished = False
    wall = time.perf_counter() - tally.t0
    return {**_summary(args, code, record if finished else None), **tally.figures(), "finished": finished,
            "wall_s": wall, "wall_less_sleep_s": wall - tally.sleep_s}


def _api_base(base_url: str) -> str:
    """openai 0.28 wants the ``/v1`` root."""
    root = base_url.rstrip("/")
    return root if root.endswith("/v1") else root + "/v1"


def _configure(config: dict[str, Any], utils: Any, code: Path, args: argparse.Namespace, record: Path) -> None:
    """TrendSim's settings for this job, made on its ``CONFIG`` dict (see the module docstring)."""
    utils.DATA_AND_BASELINE_CODE["peer-job"] = {"clean": (args.users, 0, 0, 0)}
    config["LLM_config"] = {"model_name": "gpt-3.5-turbo", "API_KEYs": ["none"]}
    config["simulation_config"].update(degree="peer-job", baseline="clean")
    config["media_config"]["tweet_index"] = args.topic_index
    config["data_path"].update(normal_user=str(code / "data" / "user_1000.csv"),
                               tweets=str(code / "data" / "tweets.csv"), record=str(record))


def _summary(args: argparse.Namespace, code: Path, record: Path | None) -> dict[str, Any]:
    """The job's settings, and where TrendSim's record is (None: the job was stopped before writing it)."""
    return {"system": "TrendSim released code", "code": str(code.resolve()), "users": args.users,
            "topic_index": args.topic_index, "seed": args.seed, "max_tokens": args.max_tokens or None,
            "sleep": not args.no_sleep, "limit_s": args.limit_s or None,
            "record": str(record) if record is not None else None}


class _Stopped(Exception):
    """``--limit-s`` passed: the job stops before its next request."""


class _Tally:
    """Counts what the job sent: requests, tokens from each reply's ``usage``, time spent sleeping."""

    def __init__(self) -> None:
        self.requests = self.sessions = self.user_steps = 0
        self.tokens: dict[str, int | None] = dict.fromkeys(("prompt_tokens", "cached_tokens", "completion_tokens"))
        self.sleep_s = 0.0
        self.t0, self.deadline = time.perf_counter(), 0.0

    def start(self, limit_s: float) -> None:
        """The job starts now; with ``limit_s`` > 0 no request is sent after that many seconds."""
        self.t0 = time.perf_counter()
        self.deadline = self.t0 + limit_s if limit_s > 0 else 0.0

    def stop_soon(self) -> None:
        """Stop before the next request (SIGTERM: the request in flight is answered first)."""
        self.deadline = self.t0 + 1e-9

    def counting(self, add_record: Any) -> Any:
        """TrendSim's ``Recorder.add_record``, also counting sessions and their pages (user steps)."""
        def counted(recorder: Any, kind: str, record: Any) -> Any:
            if kind == "TRAJ":
                self.sessions += 1
                self.user_steps += len(record.get("trajectory", []))
            return add_record(recorder, kind, record)
        return counted

    def wrap(self, create: Any, model: str, max_tokens: int) -> Any:
        """``ChatCompletion.create`` that sends ``model`` (and ``max_tokens`` unless 0) and counts the reply."""
        def counted(*args: Any, **kwargs: Any) -> Any:
            if self.deadline and time.perf_counter() > self.deadline:
                raise _Stopped
            kwargs["model"] = model
            if max_tokens:
                kwargs["max_tokens"] = max_tokens
            response = create(*args, **kwargs)
            self.count(response)
            return response
        return counted

    def count(self, response: Any) -> None:
        """Add one reply's token counts (llama.cpp reports prefix-cached tokens as ``timings.cache_n``)."""
        self.requests += 1
        usage = response.get("usage") or {}
        details = usage.get("prompt_tokens_details") or {}
        cached = details.get("cached_tokens")
        if cached is None:
            cached = (response.get("timings") or {}).get("cache_n")
        for key, value in (("prompt_tokens", usage.get("prompt_tokens")), ("cached_tokens", cached),
                           ("completion_tokens", usage.get("completion_tokens"))):
            if isinstance(value, (int, float)):
                self.tokens[key] = (self.tokens[key] or 0) + int(value)

    def sleeper(self, really: bool) -> Any:
        """A ``sleep`` that sleeps (or not) and counts the seconds asked for."""
        def sleep(seconds: float) -> None:
            self.sleep_s += seconds if really else 0.0
            if really:
                time.sleep(seconds)
        return sleep

    def figures(self) -> dict[str, Any]:
        """The counts, for the report."""
        return {"sessions": self.sessions, "user_steps": self.user_steps, "requests": self.requests,
                **self.tokens, "sleep_s": self.sleep_s}


if __name__ == "__main__":
    sys.exit(main())
