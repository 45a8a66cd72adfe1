"""The run manifest: provenance fields, hashes, secret redaction and read/write errors."""

from __future__ import annotations

import hashlib
import json

import pytest

from hubbub import __version__
from hubbub.errors import DataError
from hubbub.store import WALL_CLOCK_FIELDS, build_manifest, read_manifest, write_manifest
from hubbub.store.manifest import config_hash, redact, stamp_ended, without_wall_clock

CONFIG = {
    "scenario": "s3",
    "llm": {"backend": "openai", "api_key": "sk-live-123", "max_tokens": 96,
            "endpoints": [{"url": "http://a", "Auth_Token": "tok-1"}, {"url": "http://b", "headers": {"X-Secret": "s"}}]},
    "db_password": "hunter2",
    "keys": ["k1", "k2"],
}


def test_secrets_are_redacted_at_any_depth():
    clean = redact(CONFIG)
    text = json.dumps(clean)
    for secret in ("sk-live-123", "tok-1", '"s"', "hunter2", "k1"):
        assert secret not in text
    assert clean["llm"]["api_key"] == "***"
    assert clean["llm"]["endpoints"][0] == {"url": "http://a", "Auth_Token": "***"}
    assert clean["llm"]["endpoints"][1]["headers"] == {"X-Secret": "***"}
    assert clean["keys"] == "***"
    assert clean["llm"]["max_tokens"] == 96  # a count, not a credential
    assert redact({"max_tokens": "sk-oops"}) == {"max_tokens": "***"}
    assert CONFIG["llm"]["api_key"] == "sk-live-123"  # the input is not modified


def test_build_and_write_never_store_secrets(tmp_path):
    manifest = build_manifest(CONFIG, 7, {"backend": "openai", "api_key": "sk-live-123"}, [])
    manifest["extra"] = {"token": "late-secret"}  # added after build: write_manifest redacts again
    path = write_manifest(tmp_path, manifest)
    text = path.read_text()
    assert "sk-live-123" not in text and "late-secret" not in text and "hunter2" not in text
    assert read_manifest(tmp_path)["backend"] == {"backend": "openai", "api_key": "***"}


def test_manifest_fields_and_hashes(tmp_path):
    data = tmp_path / "users.jsonl"
    data.write_bytes(b'{"id": 1}\n' * 1000)
    manifest = build_manifest({"b": 2, "a": [1, 2]}, 42, {"backend": "scripted", "model": "m"}, [str(data)])
    assert manifest["hubbub_version"] == __version__
    assert manifest["seed"] == 42
    assert {"numpy", "pandas", "pydantic", "httpx"} <= set(manifest["packages"])
    assert manifest["python"].count(".") == 2 and manifest["platform"]
    assert manifest["git_revision"] is None or len(manifest["git_revision"].split("+")[0]) == 40
    assert manifest["config_hash"] == hashlib.sha256(b'{"a":[1,2],"b":2}').hexdigest()
    assert manifest["config_hash"] == config_hash({"a": [1, 2], "b": 2})
    assert manifest["data_files"] == [
        {"path": str(data), "bytes": 10_000, "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}
    ]
    assert manifest["started_at"] and manifest["ended_at"] is None
    assert set(WALL_CLOCK_FIELDS) == {"started_at", "ended_at"}


def test_identical_runs_have_equal_manifests_without_wall_clock():
    first = build_manifest({"a": 1}, 1, {"backend": "scripted"}, [])
    second = stamp_ended(build_manifest({"a": 1}, 1, {"backend": "scripted"}, []))
    assert second["ended_at"] is not None
    assert without_wall_clock(first) == without_wall_clock(second)
    assert without_wall_clock(first) != without_wall_clock(build_manifest({"a": 2}, 1, {"backend": "scripted"}, []))


def test_missing_data_file_names_it(tmp_path):
    with pytest.raises(DataError, match="nothere.csv"):
        build_manifest({}, 1, {}, [str(tmp_path / "nothere.csv")])


def test_round_trip_and_read_errors(tmp_path):
    manifest = build_manifest({"text": "微博"}, 3, {"backend": "scripted"}, [])
    write_manifest(tmp_path, manifest)
    assert read_manifest(tmp_path) == manifest
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(DataError, match="manifest.json is missing"):
        read_manifest(tmp_path / "elsewhere")
    (tmp_path / "manifest.json").write_text('{"seed": 1,\n oops}')
    with pytest.raises(DataError, match=r"manifest\.json, line 2"):
        read_manifest(tmp_path)
    (tmp_path / "manifest.json").write_text("[1, 2]")
    with pytest.raises(DataError, match="JSON object"):
        read_manifest(tmp_path)
