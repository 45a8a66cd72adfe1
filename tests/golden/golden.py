"""Golden event logs of every built-in scenario, on the scripted backend at small size.

Issue 13 restructures the engine (one user, one platform); with the scripted backend and the same seed
every built-in TrendSim and S3 scenario must behave the same before and after: the same events in the
same order with the same actions, texts, times and state values. ``capture(name)`` runs a built-in at
the size below and returns its log in a canonical form; ``python tests/golden/golden.py [NAME ...]``
(re-)records the files in ``logs/``. A deliberate change of behaviour re-records only the scenarios it
touches and says so in the changelog (docs/CHANGELOG.md).

The data files some built-ins name (real SWSR / TweetEval text) are switched off so the logs do not
depend on a data folder being present.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

LOGS = Path(__file__).parent / "logs"
DIGITS = 9  # float values compared to 9 decimals (JSON round trips are exact, platforms may differ at 1e-15)

_NO_DATA = {"s3.population.marginals_file": None, "s3.seed_posts.file": None, "s3.rule.texts_file": None,
            "s3.attitude.history_file": None}
_SMALL_TOPIC = {"trendsim.population.size": 16, "trendsim.lifecycle_h": 1.5, "trendsim.state_every_h": 0.5,
                "trendsim.access.max_visits": 2, "trendsim.session.max_actions": 3}

SIZES: dict[str, dict[str, Any]] = {
    "demo": {},
    "trendsim-topic": _SMALL_TOPIC,
    "exp1-attack-impact": {**_SMALL_TOPIC, "trendsim.topic": "en-concert-ticket-bots", "trendsim.attack.share": 0.3},
    "exp2-psychology-over-time": {**_SMALL_TOPIC, "trendsim.topic": "en-loan-app-fees"},
    "exp3-susceptibility": {**_SMALL_TOPIC, "trendsim.topic": "en-reverse-travel"},
    "exp4-censorship": {**_SMALL_TOPIC, "trendsim.topic": "en-deposit-rate-cut"},
    "workbench-demo": {"trendsim.population.size": 24},
    "s3-gender-discrimination": {**_NO_DATA, "s3.network.users": 120, "s3.population.llm_users": 8, "s3.steps": 4},
    "s3-nuclear-energy": {**_NO_DATA, "s3.network.users": 120, "s3.population.llm_users": 8, "s3.steps": 4},
    "s3-workbench-demo": _NO_DATA,
    "s3-gender-discrimination-research": {**_NO_DATA, "s3.network.users": 40, "s3.steps": 3},
    "s3-nuclear-energy-research": {**_NO_DATA, "s3.network.users": 40, "s3.steps": 3},
    "combined-ai-labels": {"s3.network.users": 80, "s3.population.llm_users": 6, "trendsim.lifecycle_h": 2.0,
                           "s3.steps": 2},
    "platform-demo": {"platform.population.size": 24, "platform.population.llm_users": 5, "platform.hours": 2.0,
                      "platform.churn.reserve": 2},
}
"""The size each built-in is recorded at: small enough for the default test suite, large enough that
every mechanism of the scenario (attacks, censorship, interventions, interviews, rule users) acts."""


def scenario_data(name: str) -> dict[str, Any]:
    """The built-in's TOML as data, shrunk to its golden size, on the scripted backend, one grid cell."""
    from hubbub.scenarios.loading import read_scenario_data, set_dotted

    data, _ = read_scenario_data(name)
    data.pop("experiment", None)
    for key, value in {**SIZES[name], "llm.backend": "scripted", "run.concurrency": 4}.items():
        if value is None:
            _unset(data, key)
        else:
            set_dotted(data, key, value)
    return data


def _unset(data: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        data = data.get(part) or {}
    data.pop(last, None)


def capture(name: str, run: Callable[[dict[str, Any], Path], Path] | None = None) -> list[dict[str, Any]]:
    """Run a built-in at its golden size and return the canonical log: events, then state rows."""
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = (run or _run_with_runtime)(scenario_data(name), Path(tmp) / name)
        return canonical(run_dir)


def _run_with_runtime(data: dict[str, Any], out: Path) -> Path:
    from hubbub.runtime.simulation import Simulation
    from hubbub.scenarios.config import scenario_from_dict

    Simulation(scenario_from_dict(data, "golden"), out).run()
    return out


SKIPPED = {"meta", "schema_migrations", "llm_calls"}
"""Tables outside the comparison: run metadata and the telemetry of calls (latencies, token counts)."""


def canonical(run_dir: Path) -> list[dict[str, Any]]:
    """Every table of the record but SKIPPED, as plain rounded rows: events in seq order, then the
    projection rows (see _row_key), JSON columns parsed."""
    import sqlite3

    conn = sqlite3.connect(run_dir / "run.sqlite")
    try:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                  if t not in SKIPPED]
        rows = []
        for table in ["events"] + [t for t in tables if t != "events"]:
            cursor = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
            names = [c[0] for c in cursor.description]
            rows += [{"table": table, **{n: _parsed(v) for n, v in zip(names, values)}} for values in cursor]
    finally:
        conn.close()
    events = [r for r in rows if r["table"] == "events"]
    rest = sorted((r for r in rows if r["table"] != "events"), key=_row_key)
    return [_rounded(row) for row in events + rest]


def _row_key(row: dict[str, Any]) -> tuple[str, int, str]:
    """Projection rows by table, the event they belong to, then content: the order in which buffered
    rows of one commit reach SQLite is a storage detail, not behaviour (events keep their seq order)."""
    seq = row.get("seq")
    return row["table"], seq if isinstance(seq, int) else -1, json.dumps(row, sort_keys=True, default=str)


def _parsed(value: Any) -> Any:
    """JSON columns as data, so a key order or spacing change is not a behaviour change."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def path_of(name: str) -> Path:
    return LOGS / f"{name}.jsonl.gz"


def read(name: str) -> list[dict[str, Any]]:
    with gzip.open(path_of(name), "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def write(name: str, rows: list[dict[str, Any]]) -> None:
    LOGS.mkdir(exist_ok=True)
    with gzip.GzipFile(path_of(name), "wb", mtime=0) as raw:
        raw.write("".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in rows).encode("utf-8"))


if __name__ == "__main__":
    for scenario in sys.argv[1:] or list(SIZES):
        rows = capture(scenario)
        write(scenario, rows)
        print(f"{scenario}: {len(rows)} rows -> {path_of(scenario)}")
