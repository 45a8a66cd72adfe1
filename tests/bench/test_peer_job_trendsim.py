"""benchmarks/peer_job/trendsim_job.py, the driver that runs TrendSim's released code for
``hubbub bench peer-job --peer-command``. TrendSim's code is not part of hubbub, so these tests give the
driver a stand-in ``code/`` folder with the same module names and the interfaces the driver touches
(``Config.CONFIG``, ``utils.DATA_AND_BASELINE_CODE``, ``LLM.time.sleep``, openai 0.28's
``ChatCompletion.create``, ``run.run``, the record's ``main_info[].trajectory``), written here. No
model, no timing asserted."""

from __future__ import annotations

import importlib.util
import json
import signal
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "benchmarks" / "peer_job" / "trendsim_job.py"

FILES = {
    "Config.py": """CONFIG = {"LLM_config": {"model_name": "glm-3-turbo", "API_KEY": "XXX"},
          "simulation_config": {"max_step": 3, "degree": "medium", "baseline": "full"},
          "media_config": {"tweet_index": 1},
          "data_path": {"normal_user": "data/user_1000.csv", "tweets": "data/tweets.csv",
                        "record": "output/record.json"}}
""",
    "utils.py": "DATA_AND_BASELINE_CODE = {'medium': {'full': (700, 100, 100, 100)}}\n",
    "openai.py": """api_base = "https://api.openai.com/v1"
SENT = []
class ChatCompletion:
    @staticmethod
    def create(**kwargs):
        SENT.append({**kwargs, "api_base": api_base})
        return {"choices": [{"message": {"content": "0"}}], "timings": {"cache_n": 4},
                "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}}
""",
    "LLM.py": """import time
import openai
def ask(text):
    time.sleep(0.01)
    return openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[{"role": "user", "content": text}])
""",
    "Recorder.py": """import json
class Recorder:
    def __init__(self, config):
        self.config, self.meta_info, self.main_info = config, {}, []
    def add_record(self, type, record):
        if type == "TRAJ":
            self.main_info.append(record)
        else:
            self.meta_info.update(record)
    def write_prompt_level(self):
        json.dump({"meta_info": self.meta_info, "main_info": self.main_info},
                  open(self.config["data_path"]["record"], "w"))
""",
    "run.py": """import csv
import LLM, openai, utils
from Config import CONFIG
from Recorder import Recorder
def run(load_checkpoint=False):
    recorder = Recorder(CONFIG)
    users = utils.DATA_AND_BASELINE_CODE[CONFIG["simulation_config"]["degree"]][CONFIG["simulation_config"]["baseline"]]
    rows = list(csv.reader(open(CONFIG["data_path"]["normal_user"], encoding="utf-8")))[:users[0]]
    topic = list(csv.reader(open(CONFIG["data_path"]["tweets"], encoding="utf-8")))[CONFIG["media_config"]["tweet_index"]]
    for row in rows:
        steps = [{"State": s, "action": LLM.ask(row[2] + topic[1])} for s in ("EntryState", "MainState")]
        recorder.add_record("TRAJ", {"user_info": {"name": row[2]}, "trajectory": steps})
    recorder.add_record("META", {"sent": openai.SENT})
    recorder.write_prompt_level()
""",
    "data/user_1000.csv": "".join(f"{i},{i},user_{i},1,2,desc\n" for i in range(12)),
    "data/tweets.csv": "0,first topic,a,b,c,d\n1,second topic,a,b,c,d\n",
}


@pytest.fixture
def code(tmp_path: Path) -> Path:
    folder = tmp_path / "code"
    for name, text in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _driver():
    spec = importlib.util.spec_from_file_location("trendsim_job_under_test", DRIVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def clean_modules():
    names = ("Config", "utils", "openai", "LLM", "run", "Recorder")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    path, handler = list(sys.path), signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGTERM, handler)  # the driver stops gracefully on SIGTERM
    for name in names:
        sys.modules.pop(name, None)
    sys.modules.update(saved)
    sys.path[:] = path


def test_the_driver_runs_the_job_with_its_settings_and_reports_it(code, tmp_path, clean_modules, monkeypatch):
    report = tmp_path / "report.json"
    monkeypatch.setenv("HUBBUB_PEER_MAX_TOKENS", "80")
    status = _driver().main(["--code", str(code), "--base-url", "http://127.0.0.1:9", "--users", "3",
                             "--report", str(report)])
    assert status == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    record = json.loads((tmp_path / "trendsim-record.json").read_text(encoding="utf-8"))
    sent = record["meta_info"]["sent"]
    assert data["finished"] is True and data["limit_s"] is None
    assert data["sessions"] == 3 and data["user_steps"] == 6 and data["requests"] == len(sent) == 6
    assert data["prompt_tokens"] == 60 and data["cached_tokens"] == 24 and data["completion_tokens"] == 12
    assert all(s["api_base"] == "http://127.0.0.1:9/v1" and s["max_tokens"] == 80 for s in sent)
    assert all(s["model"] == "gpt-3.5-turbo" and "first topic" in s["messages"][0]["content"] for s in sent)
    assert [u["user_info"]["name"] for u in record["main_info"]] == ["user_0", "user_1", "user_2"]
    assert data["sleep_s"] == pytest.approx(0.06) and data["wall_less_sleep_s"] == pytest.approx(
        data["wall_s"] - 0.06)
    assert not (code / "output").exists()  # nothing written into the checkout


def test_no_sleep_and_no_max_tokens_send_what_the_code_sends(code, tmp_path, clean_modules):
    report = tmp_path / "r.json"
    status = _driver().main(["--code", str(code), "--base-url", "http://h:1/v1", "--users", "1", "--no-sleep",
                             "--max-tokens", "0", "--model", "local", "--report", str(report)])
    assert status == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    sent = json.loads(Path(data["record"]).read_text(encoding="utf-8"))["meta_info"]["sent"]
    assert data["sleep_s"] == 0 and data["max_tokens"] is None and data["sleep"] is False
    assert all("max_tokens" not in s and s["model"] == "local" and s["api_base"] == "http://h:1/v1" for s in sent)


def test_limit_s_stops_the_job_and_reports_what_was_done(code, tmp_path, clean_modules):
    """A clock that advances one second per reading: with --limit-s 3.5 three requests are sent (one
    user's session of two pages completed, the next one's first page started), then the job stops."""
    driver = _driver()
    clock = iter(range(1000))
    driver.time = types.SimpleNamespace(perf_counter=lambda: float(next(clock)), sleep=lambda s: None)
    report = tmp_path / "r.json"
    assert driver.main(["--code", str(code), "--base-url", "http://h:1", "--users", "3", "--limit-s", "3.5",
                        "--report", str(report)]) == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["finished"] is False and data["record"] is None and data["limit_s"] == 3.5
    assert data["requests"] == 3 and data["sessions"] == 1 and data["user_steps"] == 2
    assert data["prompt_tokens"] == 30


@pytest.mark.parametrize("args, message", [
    (["--base-url", "http://h"], "has no run.py; give the code/ folder of a TrendSim checkout"),
    (["--base-url", "h:1"], "--base-url 'h:1' is not an http(s) URL"),
    (["--base-url", "http://h", "--users", "0"], "--users 0 is not allowed; expected a number >= 1"),
    (["--base-url", "http://h", "--max-tokens", "-1"], "--max-tokens -1 is not allowed"),
])
def test_bad_options_are_one_clear_line(code, tmp_path, capsys, args, message):
    where = str(tmp_path) if "run.py" in message else str(code)
    assert _driver().main(["--code", where, *args, "--report", str(tmp_path / "r.json")]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "r.json").exists()
