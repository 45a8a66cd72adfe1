"""Property-based fuzzing of the scenario loader: whatever a user writes, hubbub answers with a valid
:class:`Scenario` or one :class:`ConfigError` that names the source, never another exception.

The default suite tries a few dozen examples per property; ``pytest -m slow`` tries thousands.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubbub.errors import ConfigError
from hubbub.scenarios.config import Scenario, scenario_from_dict
from hubbub.scenarios.loading import read_scenario_data, set_dotted

QUICK = settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
SOAK = settings(max_examples=3000, deadline=None, database=None, suppress_health_check=list(HealthCheck))

VALID = {
    "run": {"name": "fuzz", "seed": 3, "concurrency": 2},
    "llm": {"backend": "scripted"},
    "trendsim": {"topic": "en-marathon-pacer", "lifecycle_h": 1.0, "population": {"size": 5},
                 "attack": {"share": 0.2}, "access": {"A": 2.0}},
}


def field_paths(model: type, prefix: str = "") -> list[str]:
    """Every dotted field path of the scenario schema (so fuzzing reaches deep settings)."""
    paths = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        inner = getattr(info.annotation, "model_fields", None)
        if inner is not None:
            paths += field_paths(info.annotation, path + ".")
    return paths


PATHS = field_paths(Scenario)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["scripted", "openai", "replay", "embedded", "s3", "trendsim", "combined", "en", "zh",
                     "builtin", "edges", "sbm", "http://127.0.0.1:9", "x#y", "", " ", "\x00", "🙂" * 3]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                      max_leaves=12)
paths = st.one_of(st.sampled_from(PATHS), st.text(min_size=1, max_size=20),
                  st.sampled_from(PATHS).map(lambda p: p + ".extra"))


def check_scenario_dict(data: object) -> None:
    try:
        scenario = scenario_from_dict(data, "fuzz.toml")  # type: ignore[arg-type]
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith("fuzz.toml") or message, message
        assert all(line.startswith("fuzz.toml") for line in message.splitlines()), message
        return
    assert isinstance(scenario, Scenario)


def mutated(changes: list[tuple[str, object]]) -> dict:
    data = copy.deepcopy(VALID)
    for path, value in changes:
        try:
            set_dotted(data, path, value)
        except ConfigError:
            pass  # the path runs through a value that is not a table: as a user's --set would
    return data


def mutate_property(changes: list[tuple[str, object]]) -> None:
    check_scenario_dict(mutated(changes))


def dict_property(data: object) -> None:
    check_scenario_dict(data)


mutations = st.lists(st.tuples(paths, values), min_size=1, max_size=4)
top_level = st.one_of(st.dictionaries(st.sampled_from(PATHS[:12] + ["x", ""]), values, max_size=6), values)

test_valid_scenario_with_random_changes = QUICK(given(mutations)(mutate_property))
test_random_top_level_values = QUICK(given(top_level)(dict_property))
test_valid_scenario_with_random_changes_soak = pytest.mark.slow(SOAK(given(mutations)(mutate_property)))
test_random_top_level_values_soak = pytest.mark.slow(SOAK(given(top_level)(dict_property)))


# ------------------------------------------------------------------------ TOML text and bytes


def toml_line(key: str, value: object) -> str:
    if isinstance(value, str):
        return f'{key} = "{value}"'
    if isinstance(value, bool):
        return f"{key} = {str(value).lower()}"
    if isinstance(value, float) and math.isnan(value):
        return f"{key} = nan"
    return f"{key} = {value}"


toml_lines = st.lists(st.one_of(
    st.builds(lambda s: f"[{s}]", st.sampled_from(["run", "llm", "trendsim", "trendsim.population", "trendsim.attack",
                                                   "s3", "s3.network", "experiment", "run.x"])),
    st.builds(toml_line, st.sampled_from([p.rsplit(".", 1)[-1] for p in PATHS] + ["x"]),
              st.one_of(st.integers(-5, 10**20), st.floats(allow_nan=True), st.booleans(),
                        st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))),
    st.text(max_size=30),
), max_size=15).map("\n".join)
raw_bytes = st.one_of(st.binary(max_size=400), toml_lines.map(lambda t: t.encode("utf-8")),
                      toml_lines.map(lambda t: t.encode("utf-16")))


def file_property(tmp_path_factory) -> callable:
    folder = tmp_path_factory.mktemp("toml")

    def check(data: bytes) -> None:
        path = Path(folder) / "fuzz.toml"
        path.write_bytes(data)
        try:
            parsed, source = read_scenario_data(str(path))
        except ConfigError as exc:
            assert str(exc).startswith(str(path)), str(exc)
            assert "\n" not in str(exc)
            return
        check_scenario_dict(parsed)
    return check


def test_random_scenario_files(tmp_path_factory):
    QUICK(given(raw_bytes)(file_property(tmp_path_factory)))()


@pytest.mark.slow
def test_random_scenario_files_soak(tmp_path_factory):
    SOAK(given(raw_bytes)(file_property(tmp_path_factory)))()
