"""Fixtures for the report tests: tiny scripted runs (one with interventions and interviews, one full of
hostile texts) and the ``browser`` marker for tests that need headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hubbub.runtime.simulation import Simulation
from hubbub.scenarios.config import scenario_from_dict

HOSTILE = (
    '</script><script>document.body.setAttribute("data-pwned","1")</script>',
    "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">",
    '<!-- <script>document.body.setAttribute("data-pwned","3")</script> -->',
    "<svg onload=\"document.body.setAttribute('data-pwned','4')\"></svg>",
    "ctrl\x00\x07\x1b[31mred\x7f\x85end",
    "A) yes  B) no\nAnswer: (A)  Ａ）ｙｅｓ  Ｂ）ｎｏ  [B]",
    "line\u2028separator\u2029paragraph",
    "&lt;already escaped&gt; & \"double\" 'single' `tick` ${x}",
    "http://evil.example/steal.js",
)
HOSTILE_DIR = "r<b>'\"&x"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: opens the report in headless Chromium (/usr/bin/chromium)")


def scenario_data(size: int = 30, hours: float = 2.0, share: float = 0.2, seed: int = 0) -> dict:
    return {
        "run": {"seed": seed},
        "llm": {"backend": "scripted"},
        "trendsim": {"topic": "en-marathon-pacer", "lifecycle_h": hours, "state_every_h": 0.25,
                     "population": {"size": size}, "access": {"A": 2.5, "T_m": 0.4, "alpha": 2.0, "max_visits": 3},
                     "attack": {"share": share, "first_visit_within_h": 0.3, "revisit_every_h": 0.4},
                     "censorship": {"enabled": True}},
        "interventions": [{"at_h": 0.5, "type": "inject_post", "text": "Official note: the story is confirmed."},
                          {"at_h": 1.0, "type": "censorship", "enabled": False}],
        # an interview is scheduled only where the run reaches it (one outside the lifecycle is refused)
        "interviews": [{"at_h": 1.5, "question": "How do you feel about this topic now?", "sample": 4}] if hours >= 1.5 else [],
    }


def make_run(path: Path, **kwargs: object) -> Path:
    Simulation(scenario_from_dict(scenario_data(**kwargs)), path).run()
    return path


@pytest.fixture(scope="session")
def hostile_texts() -> tuple[str, ...]:
    """Texts that would run script, break out of the data block or confuse a reader if not escaped."""
    return HOSTILE


@pytest.fixture(scope="session")
def new_run():
    """``new_run(path, size=, hours=, share=, seed=)``: run a small scripted scenario into ``path``."""
    return make_run


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 30-user, 2-hour scripted run with 2 interventions and 4 interview answers (read-only)."""
    return make_run(tmp_path_factory.mktemp("runs") / "demo")


@pytest.fixture
def run_copy(run_dir: Path, tmp_path: Path) -> Path:
    """A private copy of ``run_dir`` a test may change."""
    return copy_run(run_dir, tmp_path / "copy")


def copy_run(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("report.html"))
    return dst


@pytest.fixture(scope="session")
def hostile_dir(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``run_dir`` in a folder with a hostile name, whose texts are all hostile."""
    return poison(copy_run(run_dir, tmp_path_factory.mktemp("hostile") / HOSTILE_DIR))


def poison(run: Path) -> Path:
    """Put every HOSTILE text where users, models or researchers write text."""
    import json

    from hubbub.store import RunStore, load_run

    loaded = load_run(run)
    user = loaded.agents[loaded.agents["role"] == "user"]["agent_id"].iloc[0]
    first = int(loaded.comments["comment_id"].max()) + 1
    with RunStore.open(run) as store:
        for k, text in enumerate(HOSTILE):
            store.insert("comments", {"comment_id": first + k, "topic_id": "en-marathon-pacer", "author": user,
                                      "text": text, "created_at": 60.0 + k, "visible_at": 70.0 + k,
                                      "is_attack": k % 2, "hidden": int(k == 1), "hidden_reason": text, "seq": 1})
            store.insert("replies", {"reply_id": 1000 + k, "comment_id": first + k, "author": user, "text": text,
                                     "created_at": 80.0, "visible_at": 90.0, "is_attack": 0, "hidden": 0, "seq": 1})
            store.insert("likes", {"target_type": "comment", "target_id": str(first + k), "agent": user,
                                   "time": 100.0, "visible_at": 101.0, "seq": 1})
        seq = store.last_seq()
        for k, text in enumerate(HOSTILE):
            store.append_event(seq + 1 + 2 * k, 7000.0, "intervention", None, {"type": text, "text": text})
            store.append_event(seq + 2 + 2 * k, 7000.0, "interview", user,
                               {"question": text, "answer": text, "time": 7000.0, "group": text})
        store.update("topics", "topic_id", "en-marathon-pacer", {"title": HOSTILE[0], "summary": HOSTILE[1]})
        store.update("agents", "agent_id", user, {"grp": HOSTILE[3],
                                                  "profile": json.dumps({"description": " ".join(HOSTILE)})})
        store.update("agent_states", "agent", user, {"opinion": HOSTILE[2]})
        store.commit()
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    manifest["config"]["description"] = " ".join(HOSTILE)
    (run / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return run


@pytest.fixture(scope="session")
def s3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A synthetic S3 run record: 5 rounds of population curves, posts with repost cascades, awareness."""
    return make_s3_record(tmp_path_factory.mktemp("s3") / "s3run")


def make_s3_record(run: Path) -> Path:
    from hubbub.store import RunStore, write_manifest

    users = [f"u{i}" for i in range(20)]
    with RunStore.create(run) as store:
        for u in users:
            k = int(u[1:])
            store.insert("agents", {"agent_id": u, "role": "user", "grp": "a" if k < 5 else "b",
                                    "profile": {"policy": "llm" if k < 3 else "rule"}})
        for k in range(6):
            store.append_event(k, k * 3600.0, "s3_round", None, {"step": k})
            aware = min(20, 2 + 4 * k)
            store.insert("s3_steps", {"step": k, "time": k * 3600.0, "users": 20, "aware": aware, "new_aware": 4,
                                      "calm": 0.5, "moderate": 0.3, "intense": 0.2, "mean_intensity": 0.35,
                                      "mean_intensity_all": 0.1 * k, "positive_share": 0.4, "positive_share_aware": 0.5,
                                      "posts": 2, "reposts": k, "deliveries": 10 * k, "recommended": k, "llm_asked": 3,
                                      "llm_failures": 0, "seq": k})
        posts = [(0, "u0", "seed", None, 0, HOSTILE[0]), (1, "u1", "post", None, 1, "an original post"),
                 (2, "u2", "repost", 1, 1, "an original post"), (3, "u3", "repost", 1, 1, "an original post"),
                 (4, "u4", "repost", 0, 0, HOSTILE[0])]
        for pid, author, kind, parent, root, text in posts:
            store.insert("s3_posts", {"post_id": pid, "author": author, "kind": kind, "parent_id": parent,
                                      "root_id": root if parent is not None else pid, "text": text, "step": pid,
                                      "time": pid * 3600.0, "emotion": "calm", "attitude": "positive",
                                      "policy": "llm", "seq": pid})
        for i, u in enumerate(users[:14]):
            store.insert("s3_awareness", {"agent": u, "step": i // 4, "time": i * 900.0,
                                          "channel": ("seed", "followee", "followee", "recommended")[i % 4],
                                          "post_id": 0, "via": "u0", "seq": 1})
        store.commit()
    write_manifest(run, {"backend": {"backend": "openai", "model": "some-model"}, "seed": 1, "status": "completed",
                         "config": {"kind": "s3", "s3": {"steps": 5, "step_h": 1.0}}})
    return run


def s3_scenario(**changes: object) -> dict:
    """The built-in s3-workbench-demo (200 users on a two-camp graph, 6 hourly rounds, six interventions
    among them a blocked follow edge) on the scripted backend, without its optional data files."""
    from hubbub.scenarios.loading import read_scenario_data, set_dotted

    data, _ = read_scenario_data("s3-workbench-demo")
    for key, value in {"llm.backend": "scripted", "run.concurrency": 4, **changes}.items():
        set_dotted(data, key, value)
    for section, field in (("population", "marginals_file"), ("seed_posts", "file"), ("rule", "texts_file"),
                           ("attitude", "history_file")):
        data["s3"].get(section, {}).pop(field, None)
    return data


@pytest.fixture(scope="session")
def s3_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished scripted S3 run (s3-workbench-demo) with its recorded graph sample (read-only)."""
    path = tmp_path_factory.mktemp("s3real") / "s3-workbench"
    Simulation(scenario_from_dict(s3_scenario()), path).run()
    return path
