"""The HTML report: sections from the run record, offline by construction, hostile texts inert, size bounded."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest
from hubbub.errors import DataError
from hubbub.report.html import build_payload, render_html, report_run, run_names, script_json, write_report
from hubbub.report.html_parts import Limits, clean_text, downsample
from hubbub.store import load_run

DATA_BLOCK = re.compile(r'<script type="application/json" id="hubbub-data">(.*?)</script>', re.S)


def payload_of(html: str) -> dict:
    """The report's data, read back the way the page's JSON.parse reads it."""
    blocks = DATA_BLOCK.findall(html)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def without_plain_text(html: str) -> str:
    """The page minus places that hold only text: the JSON block, <pre>, <noscript>, <title>."""
    html = DATA_BLOCK.sub("", html)
    for tag in ("pre", "noscript", "title"):
        html = re.sub(rf"<{tag}\b[^>]*>.*?</{tag}>", "", html, flags=re.S)
    return html


def test_report_run_writes_one_self_contained_file(run_dir, tmp_path):
    out = report_run(run_dir, tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    code = without_plain_text(html)
    assert "http://" not in code and "https://" not in code
    for needle in ("<link", "<img", "<iframe", " src=", " href=", "@import", "fetch(", "XMLHttpRequest",
                   "WebSocket", "sendBeacon", "import("):
        assert needle not in code, needle
    assert not re.search(r"url\((?!#)", code)  # only in-page references such as clip-path: url(#clip1)
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "'sha256-" in csp
    assert html.count("<script") == 2 and html.count("</script>") == 2


def test_script_is_pinned_by_its_hash(run_dir, tmp_path):
    """The CSP runs exactly the viewer's script, so an injected inline script or handler could not run."""
    import base64
    import hashlib

    html = report_run(run_dir, tmp_path / "r.html").read_text(encoding="utf-8")
    script = re.findall(r"<script>(.*?)</script>", html, re.S)[0]
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in html


def test_payload_has_every_section_of_a_trendsim_run(run_dir):
    run = build_payload([run_dir])["runs"][0]
    loaded = load_run(run_dir)
    assert [c["id"].split("-", 1)[1] for c in run["conditions"]] == ["emotion", "confidence", "emotion-groups",
                                                                     "confidence-groups"]
    mean = run["conditions"][0]["series"][0]
    assert len(mean["x"]) == 9 and all(lo <= y <= hi for y, lo, hi in zip(mean["y"], mean["lo"], mean["hi"]))
    assert run["groups"]["type"] == "bar" and run["final"]["users"] == 30
    assert {s["name"] for s in run["activity"]["chart"]["series"]} >= {"sessions", "comments", "attack comments"}
    assert run["threads"]["total"] == len(loaded.comments) == run["threads"]["shown"]
    assert len(run["agents"]["rows"]) == len(loaded.agents) == run["agents"]["total"]
    kinds = [row[0] for row in run["telemetry"]["rows"]]
    assert kinds[-1] == "all" and set(kinds[:-1]) == set(loaded.llm_calls["kind"])
    assert [row[1] for row in run["interventions"]["rows"]] == ["inject_post", "censorship"]
    assert run["interviews"]["total"] == 4
    assert [(m["kind"], m["x"]) for m in run["markers"]] == [("intervention", 0.5), ("intervention", 1.0),
                                                             ("interview", 1.5)]
    assert run["provenance"]["backend"] == "scripted" and "NOT research results" in run["provenance"]["warning"]


def test_activity_counts_match_the_event_log(run_dir):
    run = build_payload([run_dir])["runs"][0]
    table = run["activity"]["table"]
    col = {c: [row[i] for row in table["rows"]] for i, c in enumerate(table["columns"])}
    events = load_run(run_dir).events
    actions = events[events["kind"] == "action"]["data"]
    assert sum(col["sessions"]) == int((events["kind"] == "session_start").sum())
    assert sum(col["comments"]) == sum(1 for d in actions if d["action"] == "comment")
    assert all(v <= s for v, s in zip(col["visitors"], col["sessions"]))
    assert len(col["start_h"]) == 12 and col["bin_min"][0] == 10  # 2 h in 10-minute bins


def test_threads_are_ranked_by_likes_and_carry_their_replies(run_dir):
    threads = build_payload([run_dir])["runs"][0]["threads"]
    likes = [c["likes"] for c in threads["comments"]]
    assert likes == sorted(likes, reverse=True)
    comments = load_run(run_dir).comments.set_index("comment_id")
    replies = load_run(run_dir).replies
    for c in threads["comments"]:
        assert c["attack"] == bool(comments.loc[c["id"], "is_attack"])
        assert c["hidden"] == bool(comments.loc[c["id"], "hidden"])
        assert c["replies_total"] == int((replies["comment_id"] == c["id"]).sum()) == len(c["replies"])
    assert any(c["attack"] for c in threads["comments"]) and any(c["hidden"] for c in threads["comments"])


def test_sections_without_data_are_left_out(run_copy):
    conn = sqlite3.connect(run_copy / "run.sqlite")
    conn.execute("DELETE FROM agent_states")
    conn.execute("DELETE FROM llm_calls")
    conn.execute("DELETE FROM events WHERE kind IN ('intervention', 'interview')")
    conn.commit()
    conn.close()
    payload = build_payload([run_copy])
    run = payload["runs"][0]
    for key in ("conditions", "final", "groups", "telemetry", "interventions", "interviews", "curves"):
        assert key not in run, key
    assert run["markers"] == [] and "threads" in run and "agents" in run
    assert "hubbub-data" in render_html(payload)


def test_hostile_texts_come_out_inert(hostile_dir, hostile_texts):
    html = report_run(hostile_dir).read_text(encoding="utf-8")
    assert html.count("</script") == 2 and "<!--" not in html
    assert "<img" not in html and "<svg onload" not in html and "\u2028" not in html and "\u2029" not in html
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", html)
    assert "\\u0000" not in html and "\\u001b" not in html
    data = payload_of(html)
    run = data["runs"][0]
    texts = {c["text"] for c in run["threads"]["comments"]}
    for text in hostile_texts:  # every text reaches the page unchanged except for its control characters
        assert clean_text(text) in texts
    assert "ctrl[31mredend" in texts and "A) yes  B) no\nAnswer: (A)  Ａ）ｙｅｓ  Ｂ）ｎｏ  [B]" in texts
    kind = run["interventions"]["columns"].index("type")
    assert {row[kind] for row in run["interventions"]["rows"]} == {clean_text(t) for t in hostile_texts} | {
        "inject_post", "censorship"}
    assert hostile_texts[0] in {a["a"] for a in run["interviews"]["answers"]}
    assert run["threads"]["topics"][0]["title"] == hostile_texts[0]
    assert f"{hostile_texts[3]} (n=1)" in run["groups"]["categories"]  # a group's label carries its n
    # server-rendered parts: the folder name in the title and banner is escaped
    assert "<title>hubbub report: r&lt;b&gt;&#x27;&quot;&amp;x</title>" in html
    assert "<b>r&lt;b&gt;&#x27;&quot;&amp;x</b>: backend <b>scripted</b>" in html
    assert hostile_dir.name not in html


def test_script_json_survives_every_hostile_text(hostile_texts):
    value = {"t": list(hostile_texts), "k</script>": "<!--", "n": [1, 2.5, None]}
    text = script_json(value)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == value


def test_non_finite_manifest_values_stay_valid_json(run_dir):
    """The manifest holds lookahead_s = Infinity; JSON.parse must still read the block."""
    html = render_html(build_payload([run_dir]))
    block = DATA_BLOCK.findall(html)[0]
    json.loads(block, parse_constant=lambda name: pytest.fail(f"non-JSON constant {name}"))


def test_two_runs_are_compared_side_by_side(run_dir, new_run, tmp_path):
    other = new_run(tmp_path / "b" / "demo", size=12, hours=1.0, share=0.0, seed=5)
    out = write_report([run_dir, other], tmp_path / "both.html")
    data = payload_of(out.read_text(encoding="utf-8"))
    names = [r["name"] for r in data["runs"]]
    assert len(set(names)) == 2 and all(n.endswith("demo") for n in names)  # same folder name: parents added
    cmp = data["comparison"]
    assert [r[0] for r in cmp["summary"]["rows"]] == names
    emotion = next(c for c in cmp["charts"] if c["id"] == "cmp-emotion")
    assert [s["name"] for s in emotion["series"]] == [f"{names[0]} (n=30)", f"{names[1]} (n=12)"]  # users per run
    assert [s["color"] for s in emotion["series"]] == [cmp["colors"][n] for n in names]
    assert [m["label"] for m in cmp["markers"]] == [  # the 1-hour run ends before the interview at 1.5 h
        f"inject_post ({names[0]}, {names[1]})", f"censorship ({names[0]}, {names[1]})",
        f"interview: How do you feel about this topic now? ({names[0]})"]


def test_the_same_folder_twice_is_refused(run_dir):
    with pytest.raises(DataError, match="twice"):
        run_names([run_dir, run_dir])


def test_limits_bound_a_big_run(run_dir):
    limits = Limits(comments=6, replies_per_comment=1, text_chars=20, agents=5, interviews=2, curve_points=4)
    run = build_payload([run_dir], limits=limits)["runs"][0]
    threads = run["threads"]
    assert threads["shown"] == len(threads["comments"]) == 6 < threads["total"]
    assert all(len(c["text"]) <= 20 and len(c["replies"]) <= 1 for c in threads["comments"])
    assert len(run["agents"]["rows"]) == 5 and run["agents"]["total"] == len(load_run(run_dir).agents)
    assert run["agents"]["rows"][0][1] == "attacker"  # non-users are kept first
    assert run["interviews"]["shown"] == 2 and run["interviews"]["total"] == 4
    assert all(len(s["x"]) <= 4 for c in run["conditions"] for s in c["series"])


def test_downsample_keeps_the_shape():
    import numpy as np

    x = np.linspace(0, 10, 5000)
    xs, (ys,) = downsample(x, [np.sin(x)], 200)
    assert len(xs) == len(ys) == 200
    assert np.max(np.abs(ys - np.sin(xs))) < 0.01


def test_generic_over_time_tables_become_charts(run_copy):
    """S3 (and any future kind) writes tables/*_over_time.csv; each becomes an interactive chart."""
    (run_copy / "tables").mkdir(exist_ok=True)
    (run_copy / "tables" / "awareness_over_time.csv").write_text(
        "step,aware_mean,aware_std,reposts\n0,0.1,0.01,0\n1,0.3,0.05,4\n2,0.5,0.1,9\n", encoding="utf-8")
    (run_copy / "tables" / "emotion_over_time.csv").write_text(
        "hours,group,value\n0,a,0.1\n1,a,0.2\n0,b,0.5\n1,b,0.4\n", encoding="utf-8")
    run = build_payload([run_copy])["runs"][0]
    charts = {c["id"].split("-", 1)[1]: c for c in run["curves"]}
    aware = charts["awareness_over_time"]
    assert [s["name"] for s in aware["series"]] == ["aware_mean", "reposts"] and "lo" in aware["series"][0]
    assert aware["xlabel"] == "step" and aware["timeline"] is False
    assert [s["name"] for s in charts["emotion_over_time"]["series"]] == ["a value", "b value"]


def test_extra_record_tables_are_sampled(run_copy, hostile_texts):
    conn = sqlite3.connect(run_copy / "run.sqlite")
    conn.execute("CREATE TABLE posts (post_id INTEGER, author TEXT, text TEXT)")
    conn.executemany("INSERT INTO posts VALUES (?, ?, ?)", [(i, f"u{i}", hostile_texts[i % 9]) for i in range(500)])
    conn.commit()
    conn.close()
    run = build_payload([run_copy], limits=Limits(curve_points=100))["runs"][0]
    (posts,) = run["other_tables"]
    assert posts["title"] == "posts" and posts["total"] == 500 and len(posts["rows"]) == posts["shown"] == 50
    assert run["glance"]["table posts"] == 500


def test_experiment_folder_report(tmp_path):
    from hubbub.runtime.sweep import plan, run_grid
    from hubbub.scenarios.config import scenario_from_dict

    data = {"llm": {"backend": "scripted"},
            "trendsim": {"topic": "en-marathon-pacer", "lifecycle_h": 0.4, "population": {"size": 6},
                         "attack": {"first_visit_within_h": 0.2, "revisit_every_h": 0.2}},
            "experiment": {"grid": {"trendsim.attack.share": [0.0, 0.2]}, "analysis": "attack_impact"}}
    sc = scenario_from_dict(data)
    run_grid(sc, plan(sc), tmp_path / "exp")
    run = build_payload([tmp_path / "exp"])["runs"][0]
    exp = run["experiment"]
    assert {t["title"] for t in exp["tables"]} >= {"attack impact", "per run"}
    ids = {c["id"].split("-", 1)[1] for c in exp["charts"]}
    assert {"degree-average", "degree-divergence", "rel-emotion", "rel-confidence"} <= ids
    degree = next(c for c in exp["charts"] if c["id"].endswith("degree-average"))
    assert degree["categories"] == ["SE (n=1)", "PA-20 (n=1)"]  # n runs per degree
    assert run["provenance"]["backend"] == "scripted"


@pytest.mark.slow
def test_a_1000_user_report_stays_under_10_mb(new_run, tmp_path):
    path = new_run(tmp_path / "big", size=1000, hours=2.0)
    out = report_run(path)
    assert out.stat().st_size < 10_000_000


def test_missing_run_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="run.sqlite is missing"):
        build_payload([tmp_path])
    with pytest.raises(DataError, match="no run folder"):
        build_payload([])


def test_report_is_deterministic(run_dir, tmp_path):
    """No wall-clock time or random ids in the page: the same run gives the same bytes."""
    a = report_run(run_dir, tmp_path / "a.html").read_bytes()
    b = report_run(run_dir, tmp_path / "b.html").read_bytes()
    assert a == b


def test_s3_section_from_the_record(s3_dir, hostile_texts):
    run = build_payload([s3_dir])["runs"][0]
    s3 = run["s3"]
    ids = [c["id"].split("-s3-")[1] for c in s3["charts"]]
    assert ids == ["awareness", "aware-share", "emotion-shares", "intensity", "attitude", "posting", "llm", "channels"]
    aware = s3["charts"][0]
    assert aware["xlabel"] == "simulated hours" and aware["series"][0]["y"] == [2, 6, 10, 14, 18, 20]
    channels = s3["charts"][-1]  # users 0-2 are LLM users, the rest rule users
    assert channels["categories"] == ["followee", "seed", "recommended"]
    assert {s["name"]: s["y"] for s in channels["series"]} == {"llm users": [2, 1, 0], "rule users": [5, 3, 3]}
    cascades = s3["cascades"]
    col = {c: cascades["columns"].index(c) for c in ("root_id", "size", "text")}
    assert [(row[col["root_id"]], row[col["size"]]) for row in cascades["rows"]] == [(1, 3), (0, 2)]
    assert cascades["rows"][1][col["text"]] == hostile_texts[0]
    summary = dict(zip(s3["cascade_summary"]["columns"], s3["cascade_summary"]["rows"][0]))
    assert summary["cascades"] == 2 and summary["posts"] == 5 and summary["largest_size"] == 3
    assert run["glance"]["aware users"] == 14 and run["glance"]["aware at end (share)"] == 1.0
    for key in ("conditions", "activity", "threads", "telemetry", "other_tables"):
        assert key not in run, key
    assert run["provenance"]["warning"] == "" and run["provenance"]["kind"] == "s3"


@pytest.mark.parametrize("backend, model, status, warns", [
    ("scripted", "scripted-v1", "completed", "NOT research results"),
    ("embedded", "SmolLM2-135M-Instruct", "completed", "NOT research results"),
    ("openai", "smollm2", "completed", "NOT research results"),  # `hubbub serve` behind the openai backend
    ("openai", "Qwen/Qwen2.5-7B-Instruct", "interrupted", "did not finish"),
    ("openai", "Qwen/Qwen2.5-7B-Instruct", "completed", ""),
])
def test_provenance_warns_about_demo_models_and_unfinished_runs(backend, model, status, warns):
    from hubbub.report.html_data import provenance

    p = provenance({"backend": {"backend": backend, "model": model}, "status": status, "seed": 3})
    assert (p["backend"], p["model"], p["seed"]) == (backend, model, 3)
    assert (warns in p["warning"]) if warns else p["warning"] == ""
