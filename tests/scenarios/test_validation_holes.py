"""Issue 12, section 4: the validation holes are closed as classes, not examples.

Every float field of every scenario model refuses inf and nan and has a bounded range; values at the
bounds cannot overflow the access-time density; server URLs, calendar dates and the times of
interventions are checked when the scenario loads; a byte-order mark is read past; URL credentials
never reach a manifest or a message; an edited manifest is caught by its config_hash.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any, get_args

import numpy as np
import pytest
from typer.testing import CliRunner

from hubbub.cli import app
from hubbub.errors import ConfigError, DataError, redact_credentials
from hubbub.platform.access import AccessDensity
from hubbub.scenarios.config import AccessConfig, LLMConfig, Scenario, TrendSimConfig, load_scenario, scenario_from_dict
from hubbub.scenarios.errors import _model_of
from hubbub.scenarios.interventions import Intervention, Interview
from hubbub.scenarios.surveys import Survey
from hubbub.store.manifest import build_manifest, check_config_hash, check_resumable, rehash_config

UNBOUNDED_ABOVE = {"run.lookahead_s", "at_h", "until_h"}
"""lookahead_s takes inf (no limit); intervention and interview times are checked against the run's end."""

BASE_TRENDSIM = Path(__file__).parents[1] / "bad_inputs" / "_base_trendsim.toml"


def float_fields(model: type, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted path, FieldInfo) of every float field (or list of floats) reachable from ``model``."""
    found = []
    for name, info in model.model_fields.items():
        sub = _model_of(info.annotation)
        if sub is not None and sub not in (Intervention, Interview, Survey):  # Survey: tests/runtime/test_surveys.py
            found += float_fields(sub, f"{prefix}{name}.")
        elif "float" in str(info.annotation):
            found.append((f"{prefix}{name}", info))
    return found


SCENARIO_FLOATS = float_fields(Scenario)
SCHEDULE_FLOATS = float_fields(Intervention) + float_fields(Interview)


def nested(dotted: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    node = data
    *parents, last = dotted.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return data


def is_list(info: Any) -> bool:
    return str(info.annotation).startswith("tuple")


def test_the_walk_finds_the_float_fields():
    paths = {p for p, _ in SCENARIO_FLOATS}
    assert {"trendsim.access.T_m", "run.lookahead_s", "s3.network.camps", "s3.memory.half_life_h"} <= paths
    assert len(paths) > 40


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
@pytest.mark.parametrize(("path", "info"), SCENARIO_FLOATS, ids=[p for p, _ in SCENARIO_FLOATS])
def test_every_float_field_refuses_non_finite_values_naming_its_path(path, info, value):
    if path == "run.lookahead_s" and value == math.inf:
        assert scenario_from_dict(nested(path, value)).run.lookahead_s == math.inf  # inf = no limit
        return
    data = nested(path, [value] if is_list(info) else value)
    with pytest.raises(ConfigError) as caught:
        scenario_from_dict(data, "s.toml")
    message = str(caught.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith(f"s.toml: {path}") and " is not allowed" in message, message
    assert "Section" not in message and "AccessDensity" not in message


@pytest.mark.parametrize("value", [math.inf, math.nan], ids=["inf", "nan"])
@pytest.mark.parametrize(("field", "info"), SCHEDULE_FLOATS, ids=[p for p, _ in SCHEDULE_FLOATS])
def test_intervention_and_interview_numbers_refuse_non_finite_values(field, info, value):
    section = "interviews" if field in Interview.model_fields and field not in Intervention.model_fields else "interventions"
    item = {"at_h": 0.1, "question": "Why?"} if section == "interviews" else \
        {"at_h": 0.1, "type": "set_state", "agent": "u1", "emotion": 0.5}
    item[field] = value
    with pytest.raises(ConfigError, match=rf"{section}\.0\.{field} = {value!r} is not allowed"):
        scenario_from_dict({section: [item]})


@pytest.mark.parametrize(("path", "info"), SCENARIO_FLOATS + SCHEDULE_FLOATS,
                         ids=[p for p, _ in SCENARIO_FLOATS + SCHEDULE_FLOATS])
def test_every_float_field_has_a_bounded_range(path, info):
    """A finite but huge value (1e300) must be refused where it could overflow derived figures."""
    bounds = _bounds(info)
    assert {"ge", "gt"} & set(bounds), f"{path}: no lower bound"
    if path.rsplit(".", 1)[-1] not in UNBOUNDED_ABOVE and path not in UNBOUNDED_ABOVE:
        assert {"le", "lt"} & set(bounds), f"{path}: no upper bound (say the range in the field)"


def _bounds(info: Any) -> dict[str, float]:
    metas = list(info.metadata)
    for arg in get_args(info.annotation):  # tuple[Annotated[float, Field(ge=0, le=1)], ...]
        for meta in get_args(arg)[1:]:
            metas += list(getattr(meta, "metadata", []))
    return {k: getattr(m, k) for m in metas for k in ("ge", "gt", "le", "lt") if getattr(m, k, None) is not None}


def _extremes(model: type, name: str) -> list[float]:
    bounds = _bounds(model.model_fields[name])
    low = bounds.get("ge", bounds.get("gt", 0.0) + 1e-3)
    high = bounds.get("le", bounds.get("lt", 1.0))
    return [low, (low + high) / 2, high]


def test_the_access_density_is_finite_at_every_extreme_the_config_allows():
    """T_m far beyond the lifecycle made the normaliser exp(-A (T_m - horizon)) underflow to 0 (a
    ZeroDivisionError): every corner of the allowed ranges must give a proper distribution."""
    rng = np.random.default_rng(0)
    grid = itertools.product(_extremes(AccessConfig, "A"), _extremes(AccessConfig, "T_m"),
                             _extremes(AccessConfig, "alpha"), [1 / 60, 0.5, 16.0, _extremes(TrendSimConfig, "lifecycle_h")[-1]])
    for a, t_m, alpha, horizon in grid:
        density = AccessDensity(A=a, T_m=t_m, alpha=alpha, horizon=horizon)
        draws = density.sample(rng, 4)
        assert 0 < density.normaliser < math.inf and math.isfinite(density.mean()), (a, t_m, alpha, horizon)
        assert np.all((draws >= 0) & (draws <= horizon)), (a, t_m, alpha, horizon, draws)


def test_a_rise_longer_than_the_lifecycle_is_the_same_law_as_one_ending_with_it():
    late, ending = AccessDensity(A=50, T_m=700, horizon=0.5), AccessDensity(A=50, T_m=0.5, horizon=0.5)
    t = np.linspace(0, 0.5, 11)
    assert np.allclose(late.pdf(t), ending.pdf(t)) and late.T_m == 700


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "https://api.example.org/v1", "http://[::1]:8000/v1",
                                 "http://localhost", "https://user:pw@host.example:65535"])
def test_good_base_urls_are_accepted(url):
    assert LLMConfig(backend="openai", base_urls=(url,)).base_urls == (url,)


@pytest.mark.parametrize(("url", "reason"), [
    ("http://127.0.0.1:65536", "has port '65536'"), ("http://h:0", "has port '0'"), ("http://h:80a", "has port '80a'"),
    ("http://h :80", "holds a space"), ("http://", "has no host"), ("127.0.0.1:8080", "has no http:// or https://"), ("ftp://h", "has scheme 'ftp'"),
    ("", "an empty URL"), ("localhost", "has no http:// or https://"),
])
def test_bad_base_urls_are_one_line_at_load_time(url, reason):
    with pytest.raises(ConfigError) as caught:
        scenario_from_dict({"llm": {"backend": "openai", "base_urls": [url]}}, "s.toml")
    assert str(caught.value).startswith("s.toml: llm.base_urls: ") and reason in str(caught.value)
    assert "port 1-65535" in str(caught.value) and len(str(caught.value).splitlines()) == 1


@pytest.mark.parametrize("text", ["2025-02-29T08:00", "2024-04-31T00:00:00", "2024-00-10T08:00", "2024-06-01T08:60"])
def test_impossible_calendar_dates_are_refused(text):
    with pytest.raises(ConfigError, match=rf"run.start_time: '{text}' is not allowed: not a real calendar date-time"):
        scenario_from_dict({"run": {"start_time": text}})
    assert scenario_from_dict({"run": {"start_time": "2024-02-29T23:59:59"}}).run.start_time  # a leap day is real


def test_interventions_at_the_very_end_are_kept_and_after_it_refused():
    s3 = {"kind": "s3", "s3": {"steps": 3, "step_h": 0.1}}
    assert scenario_from_dict({**s3, "interviews": [{"at_h": 0.3, "question": "Now?"}]}).interviews
    with pytest.raises(ConfigError, match=r"interviews.0.at_h = 0.31 is not allowed.*0 to 0.3 simulated hours"):
        scenario_from_dict({**s3, "interviews": [{"at_h": 0.31, "question": "Now?"}]})
    late = {"trendsim": {"lifecycle_h": 2}, "interventions": [{"at_h": 3, "type": "censorship", "enabled": True}]}
    with pytest.raises(ConfigError, match=r"interventions.0.at_h = 3 is not allowed"):
        scenario_from_dict(late)
    grid = {"experiment": {"grid": {"trendsim.lifecycle_h": [4, 8]}}}
    assert scenario_from_dict({**late, **grid}).experiment  # each cell is checked on its own


def test_a_scenario_with_a_byte_order_mark_loads_like_one_without(tmp_path):
    text = BASE_TRENDSIM.read_text(encoding="utf-8")
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "plain.toml").write_text(text, encoding="utf-8")
    assert load_scenario(str(tmp_path / "bom.toml")) == load_scenario(str(tmp_path / "plain.toml"))


@pytest.mark.parametrize(("text", "shown"), [
    ("http://user:KEY@host:8080/v1", "http://***@host:8080/v1"),
    ("error at https://a:p@ss@h.org/x?next=u@v, retrying", "error at https://***@h.org/x?next=u@v, retrying"),
    ("['http://u:k@a', 'http://b:1']", "['http://***@a', 'http://b:1']"),
    ("mail bob@example.org about http://h/p@x", "mail bob@example.org about http://h/p@x"),
])
def test_url_credentials_are_redacted_and_nothing_else(text, shown):
    assert redact_credentials(text) == shown


def test_the_manifest_never_holds_url_credentials_and_its_hash_catches_edits(tmp_path):
    config = Scenario(llm=LLMConfig(backend="openai", base_urls=("http://bob:TOPSECRET@10.0.0.1:8000",))).model_dump(mode="json")
    manifest = build_manifest(config, 0, {"backend": "openai", "base_urls": ["http://bob:TOPSECRET@10.0.0.1:8000"]}, [])
    assert "TOPSECRET" not in json.dumps(manifest) and "http://***@10.0.0.1:8000" in json.dumps(manifest)
    check_config_hash(manifest, tmp_path)  # as written: fine
    manifest["config"]["trendsim"]["attack"]["share"] = 0.5
    with pytest.raises(DataError, match=rf"{tmp_path / 'manifest.json'}: the config in this manifest was edited"):
        check_config_hash(manifest, tmp_path)
    rehash_config(manifest, manifest["config"])  # what `hubbub resume --set` does for execution settings
    check_config_hash(manifest, tmp_path)
    with pytest.raises(DataError, match="llm.base_urls held credentials"):
        check_resumable(manifest, tmp_path, {})
    check_resumable(manifest, tmp_path, {"llm.base_urls": ["http://bob:TOPSECRET@10.0.0.1:8000"]})


def test_a_run_with_url_credentials_writes_and_shows_them_nowhere(tmp_path):
    out = tmp_path / "run"
    secret = "hunter2-SECRET"
    url = f'llm.base_urls=["http://alice:{secret}@127.0.0.1:8080"]'
    done = CliRunner().invoke(app, ["run", str(BASE_TRENDSIM), "--out", str(out), "--quiet", "--set", url])
    assert done.exit_code == 0, done.output
    shown = CliRunner().invoke(app, ["show", str(out)])
    assert secret not in done.output + shown.output
    leaks = [p.name for p in out.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert leaks == [], f"credentials written to {leaks}"
    assert "http://***@127.0.0.1:8080" in (out / "manifest.json").read_text(encoding="utf-8")
