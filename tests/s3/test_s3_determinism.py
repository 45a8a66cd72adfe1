"""Same seed -> same run; concurrency 1 and 16 write the same event log (S3 and combined)."""

from __future__ import annotations

from s3_support import event_log, run, tiny


def test_same_seed_same_log_different_seed_different_log(tmp_path):
    a = event_log(run(tiny(), tmp_path / "a"))
    b = event_log(run(tiny(), tmp_path / "b"))
    c = event_log(run(tiny({"run.seed": 6}), tmp_path / "c"))
    assert len(a) > 20
    assert a == b
    assert a != c


def test_concurrency_1_and_16_give_the_same_log(tmp_path):
    overrides = {"s3.recommend.share": 0.2, "s3.recommend.ranker": "relevance", "s3.attitude.initial": "llm",
                 "s3.population.demographics": "infer"}
    one = event_log(run(tiny({**overrides, "run.concurrency": 1}), tmp_path / "one"))
    many = event_log(run(tiny({**overrides, "run.concurrency": 16}), tmp_path / "many"))
    assert one == many


def test_combined_is_concurrency_independent(tmp_path):
    overrides = {"trendsim.topic": "en-ai-content-labels", "trendsim.lifecycle_h": 2.0,
                 "trendsim.access.T_m": 0.3, "trendsim.access.alpha": 2.0, "trendsim.session.max_actions": 2}
    one = event_log(run(tiny({**overrides, "run.concurrency": 1}, kind="combined"), tmp_path / "one"))
    many = event_log(run(tiny({**overrides, "run.concurrency": 16}, kind="combined"), tmp_path / "many"))
    assert one == many


def test_an_llm_failure_is_recorded_and_the_run_goes_on(tmp_path, monkeypatch):
    from hubbub.llm.base import ChoiceResult
    from hubbub.llm.scripted import ScriptedBackend
    from hubbub.runtime import backends

    class Flaky(ScriptedBackend):
        async def choose_one(self, request):
            if request.kind == "s3.behaviour":
                return ChoiceResult(None, (), self.stats(request.kind, outcome="error:BackendTimeout"),
                                    error="BackendTimeout: no answer")
            return await super().choose_one(request)

    monkeypatch.setattr(backends, "make_inner", lambda cfg: Flaky())
    from hubbub.store import load_run

    r = load_run(run(tiny(), tmp_path / "r"))
    failures = r.events[r.events["kind"] == "llm_failure"]
    assert len(failures) > 0
    assert {d["call"] for d in failures["data"]} == {"s3.behaviour"}
    decisions = r.events[r.events["kind"] == "s3_decision"]["data"]
    assert all(d["action"] == "failed" for d in decisions)
    assert r.manifest["status"] == "completed" and len(r.s3_steps) == 4


def test_a_cut_off_run_resumes_to_the_uninterrupted_log(tmp_path):
    import shutil
    import sqlite3

    from hubbub.runtime.simulation import Simulation
    from hubbub.store import read_manifest, write_manifest

    full = run(tiny({"s3.steps": 4}), tmp_path / "full")
    cut = tmp_path / "cut"
    shutil.copytree(full, cut)
    with sqlite3.connect(cut / "run.sqlite") as conn:  # keep everything up to the end of round 2's batch
        last = conn.execute("SELECT MAX(seq) FROM events WHERE kind = 's3_step' AND json_extract(data, '$.step') = 2").fetchone()[0]
        conn.execute("DELETE FROM events WHERE seq > ?", (last,))
        for table in ("s3_posts", "s3_awareness", "s3_steps", "s3_user_states"):
            conn.execute(f"DELETE FROM {table} WHERE seq > ?", (last,))
    manifest = read_manifest(cut)
    manifest["status"] = "interrupted"
    write_manifest(cut, manifest)
    Simulation.resume(cut).run()
    assert event_log(cut) == event_log(full)
    with sqlite3.connect(cut / "run.sqlite") as a, sqlite3.connect(full / "run.sqlite") as b:
        for table in ("s3_posts", "s3_awareness", "s3_steps"):
            assert a.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() == b.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
