"""User demographics (S3 4.2.2): age, gender and occupation, inferred by choices, never parsed.

Social media data rarely states a user's age, gender or job, yet S3 conditions every emotion, attitude
and behaviour decision on them. Each missing attribute is asked of the LLM as a choice over a closed
set: S3's ten occupation classes (Table 5), seven age bins (S3 predicts a number; a bin with a
representative midpoint is what a choice can express) and two genders (as in S3's labelled data).
Values that the data already holds are kept and never re-asked. A failed inference leaves the field
empty and says why in ``error``; nothing is filled in silently.

:func:`infer_file` is the file command: it reads users from JSONL or CSV, infers what is missing and
writes one row per user, listing every skipped row with its line number in the returned report.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from hubbub.agents.anonymise import scrub
from hubbub.agents.prompts import numbered
from hubbub.agents.feed.texts import check_lang, text, value_label
from hubbub.errors import ConfigError, DataError
from hubbub.kernel.seeding import derive_seed
from hubbub.llm.base import Backend, ChoiceRequest
from hubbub.textfiles import BIO_CHARS, POST_CHARS, check_columns

OCCUPATIONS = (
    "Education Practitioner",
    "Administrative Manager / Officer",
    "Unemployed / Student",
    "Engineer",
    "Labor Technician / Worker",
    "Logistics Practitioner",
    "Medical Personnel",
    "Financial Practitioner",
    "Media Personnel",
    "Entertainment and Arts Practitioner",
)
AGE_BINS = ("under 18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
AGE_MIDPOINTS = {"under 18": 15.0, "18-24": 21.0, "25-34": 30.0, "35-44": 40.0, "45-54": 50.0,
                 "55-64": 60.0, "65+": 70.0}
_AGE_LOWER = (0.0, 18.0, 25.0, 35.0, 45.0, 55.0, 65.0)
GENDERS = ("female", "male")
"""What the LLM chooses from (as S3's labelled data). A file may also state ``other``, which is kept."""
DATA_GENDERS = ("female", "male", "other")
FIELDS = ("age_bin", "gender", "occupation")
FIELD_OPTIONS: dict[str, tuple[str, ...]] = {"age_bin": AGE_BINS, "gender": GENDERS, "occupation": OCCUPATIONS}

_GENDER_ALIASES = {"f": "female", "female": "female", "woman": "female", "w": "female", "女": "female",
                   "女性": "female", "m": "male", "male": "male", "man": "male", "男": "male", "男性": "male",
                   "other": "other", "其他": "other"}


def age_bin_of(age: float) -> str:
    """The age bin holding ``age`` (years)."""
    index = sum(1 for lower in _AGE_LOWER if age >= lower) - 1
    return AGE_BINS[max(index, 0)]


@dataclass(frozen=True)
class UserText:
    """What is known about one user: the profile description, some posts, and any demographic values
    the data already holds (``known``: canonical ``age_bin``/``gender``/``occupation`` and numeric
    ``age``), which are kept instead of inferred."""

    user_id: str
    description: str = ""
    posts: tuple[str, ...] = ()
    known: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Demographics:
    """One user's demographics. ``sources`` maps each filled field to ``"data"`` or ``"llm"`` (``age``
    to ``"data"`` or ``"bin-midpoint"``); ``error`` lists the fields whose inference failed."""

    user_id: str
    age_bin: str | None = None
    age: float | None = None
    gender: str | None = None
    occupation: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def describe(demographics: Demographics | Mapping[str, Any] | None, lang: str = "en") -> str:
    """One line for prompts (``Age group: 25-34. Gender: female. Occupation: Engineer.``); unknown
    fields say so; a value outside the canonical sets is quoted; ``None`` gives an empty string."""
    if demographics is None:
        return ""
    get = demographics.get if isinstance(demographics, Mapping) else lambda key: getattr(demographics, key, None)
    shown = {key: value_label(str(get(key)), lang) if get(key) else text(lang, "unknown") for key in FIELDS}
    return text(lang, "demographics", **shown)


# ---------------------------------------------------------------------------------------------------
# Choice requests and batch inference


def demographic_requests(
    user_id: str,
    description: str,
    posts: Sequence[str],
    lang: str = "en",
    seed: int = 0,
    fields: Sequence[str] = FIELDS,
    max_posts: int = 5,
    max_chars: int = 280,
) -> dict[str, ChoiceRequest]:
    """One choice request per field in ``fields``. Texts are scrubbed of handles, links and phone
    numbers; at most ``max_posts`` posts of at most ``max_chars`` characters are shown. Each request's
    seed derives from ``seed``, the user and the field, so the answers do not depend on batch order."""
    check_lang(lang)
    unknown = [f for f in fields if f not in FIELD_OPTIONS]
    if unknown:
        raise ConfigError(f"demographic fields: got {unknown}, allowed: {', '.join(FIELDS)}")
    shown = [scrub(p)[:max_chars] for p in posts if p.strip()][:max_posts]
    body = text(lang, "demo_user",  # description and posts are quoted (numbered() and text() quote)
                description=scrub(description)[:max_chars] or text(lang, "demo_no_description"),
                posts=numbered(shown) if shown else text(lang, "demo_no_posts"))
    return {f: ChoiceRequest(
        kind=f"s3.demographics.{f}",
        messages=(("system", text(lang, "demo_system")), ("user", f"{body}\n\n{text(lang, f'demo.{f}')}")),
        options=tuple(value_label(v, lang) for v in FIELD_OPTIONS[f]),
        seed=derive_seed(seed, "demographics", str(user_id), f),
        lang=lang,
    ) for f in fields}


def infer_demographics(
    users: Sequence[UserText], backend: Backend, lang: str = "en", seed: int = 0, batch_size: int = 256
) -> list[Demographics]:
    """Demographics of ``users`` in order: known values kept, the missing ones asked with
    ``backend.choose`` in batches of ``batch_size`` requests."""
    plan: list[tuple[int, str, ChoiceRequest]] = []
    for i, user in enumerate(users):
        missing = [f for f in FIELDS if not user.known.get(f)]
        requests = demographic_requests(user.user_id, user.description, user.posts, lang, seed, missing)
        plan.extend((i, f, r) for f, r in requests.items())
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    errors: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(plan), batch_size):
        chunk = plan[start:start + batch_size]
        for (i, f, _), result in zip(chunk, backend.choose([r for _, _, r in chunk])):
            if result.ok:
                answers[i][f] = FIELD_OPTIONS[f][result.index]
            else:
                errors[i].append(f"{f}: {result.error or 'no option was picked'}")
    return [_combine(user, answers[i], errors[i]) for i, user in enumerate(users)]


def _combine(user: UserText, inferred: Mapping[str, str], errors: Sequence[str]) -> Demographics:
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for f in FIELDS:
        if user.known.get(f):
            values[f], sources[f] = user.known[f], "data"
        elif f in inferred:
            values[f], sources[f] = inferred[f], "llm"
    age = user.known.get("age")
    if age is not None:
        sources["age"] = "data"
    elif values.get("age_bin"):
        age, sources["age"] = AGE_MIDPOINTS[values["age_bin"]], "bin-midpoint"
    return Demographics(user.user_id, values.get("age_bin"), age, values.get("gender"), values.get("occupation"),
                        sources, "; ".join(errors) or None)


# ---------------------------------------------------------------------------------------------------
# The file command


@dataclass(frozen=True)
class RowIssue:
    """A skipped input row: its line number (1-based; in CSV the line where the record starts, the
    header being line 1) and why."""

    line: int
    reason: str


@dataclass
class InferReport:
    """What :func:`infer_file` did. ``skipped`` rows were not written; ``failed`` users were written
    with empty fields and their error."""

    in_path: str
    out_path: str
    rows: int = 0
    written: int = 0
    asked: dict[str, int] = field(default_factory=dict)
    skipped: list[RowIssue] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """A human summary, one finding per line, for the caller to print."""
        out = [f"{self.in_path}: {self.rows} rows read, {self.written} written to {self.out_path}",
               "asked the LLM: " + (", ".join(f"{f} x{n}" for f, n in self.asked.items()) or "nothing")]
        out += [f"{self.in_path}:{issue.line}: skipped: {issue.reason}" for issue in self.skipped]
        out += [f"user {user_id}: inference failed: {error}" for user_id, error in self.failed]
        return out


OUTPUT_COLUMNS = ("id", "age_bin", "age", "gender", "occupation", "age_bin_source", "age_source",
                  "gender_source", "occupation_source", "error")


def infer_file(in_path: str | Path, out_path: str | Path, backend: Backend, lang: str = "en",
               seed: int = 0) -> InferReport:
    """Read users from ``in_path`` (``.jsonl`` or ``.csv``; columns ``id``, ``description``, ``posts``
    as a JSON list or ``||``-separated, optional ``age``/``age_bin``/``gender``/``occupation``), infer
    the missing demographics and write ``out_path`` (``.csv`` or ``.jsonl``). Malformed rows are
    skipped and listed with their line numbers in the report."""
    in_path, out_path = Path(in_path), Path(out_path)
    writer = _writer_for(out_path)
    check_lang(lang)
    report = InferReport(str(in_path), str(out_path))
    users = read_users(in_path, report)
    for user in users:
        for f in FIELDS:
            if not user.known.get(f):
                report.asked[f] = report.asked.get(f, 0) + 1
    results = infer_demographics(users, backend, lang, seed)
    report.failed = [(d.user_id, d.error) for d in results if d.error]
    writer(out_path, [_output_row(d) for d in results])
    report.written = len(results)
    return report


def read_users(path: Path, report: InferReport) -> list[UserText]:
    """The well-formed users of a JSONL or CSV file; problems go to ``report.skipped``."""
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise DataError(f"{path}: unsupported file type {suffix!r}, allowed: .jsonl, .csv")
    records = _jsonl_records(path) if suffix == ".jsonl" else _csv_records(path)
    users: list[UserText] = []
    first_line: dict[str, int] = {}
    for line, record in records:
        report.rows += 1
        check_columns(record, f"{path}:{line}", BIO_CHARS, {"posts": POST_CHARS})  # refused, not skipped
        try:
            user = _parse_record(record)
            if user.user_id in first_line:
                raise ValueError(f"duplicate id {user.user_id!r} (first on line {first_line[user.user_id]})")
        except ValueError as exc:
            report.skipped.append(RowIssue(line, str(exc)))
            continue
        first_line[user.user_id] = line
        users.append(user)
    return users


def _jsonl_records(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                yield line, json.loads(raw)
            except json.JSONDecodeError as exc:
                yield line, ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})")


def _csv_records(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise DataError(f"{path}:1: the header must have an 'id' column, got {reader.fieldnames}")
        columns = len(reader.fieldnames)
        start = reader.line_num + 1
        for row in reader:
            if None in row:
                yield start, ValueError(f"{columns + len(row[None])} values for {columns} columns")
            elif any(value is None for value in row.values()):
                given = sum(value is not None for value in row.values())
                yield start, ValueError(f"only {given} values for {columns} columns")
            else:
                yield start, row
            start = reader.line_num + 1


def _parse_record(record: Any) -> UserText:
    """A UserText from one JSON object or CSV row; ValueError says what is wrong."""
    if isinstance(record, ValueError):
        raise record
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    user_id = record.get("id")
    if isinstance(user_id, bool) or not isinstance(user_id, (str, int)) or not str(user_id).strip():
        raise ValueError(f"'id' must be a non-empty string or integer, got {user_id!r}")
    description = record.get("description") or ""
    if not isinstance(description, str):
        raise ValueError(f"'description' must be a string, got {type(description).__name__}")
    posts = _parse_posts(record.get("posts"))
    known = _known_values(record)
    missing = [f for f in FIELDS if f not in known]
    if missing and not description.strip() and not any(p.strip() for p in posts):
        raise ValueError(f"no description or posts to infer {', '.join(missing)} from")
    return UserText(str(user_id).strip(), description, posts, known)


def _parse_posts(raw: Any) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        if raw.lstrip().startswith("["):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"'posts' looks like a JSON list but is not valid JSON ({exc.msg})") from exc
        else:
            return tuple(p.strip() for p in raw.split("||") if p.strip())
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise ValueError("'posts' must be a list of strings or a '||'-separated string")
    return tuple(raw)


def _known_values(record: Mapping[str, Any]) -> dict[str, Any]:
    """The demographic values present in a row, normalised to the canonical ones."""
    known: dict[str, Any] = {}
    for f in FIELDS:
        raw = record.get(f)
        if raw is not None and str(raw).strip():
            known[f] = normalise_value(f, raw)
    raw_age = record.get("age")
    if raw_age is not None and str(raw_age).strip():
        age = _parse_age(raw_age)
        if known.get("age_bin", age_bin_of(age)) != age_bin_of(age):
            raise ValueError(f"'age' {age:g} is not in 'age_bin' {known['age_bin']!r}")
        known["age"], known["age_bin"] = age, age_bin_of(age)
    return known


def _parse_age(raw: Any) -> float:
    try:
        age = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"'age' must be a number of years, got {raw!r}") from None
    if not math.isfinite(age) or not 0 <= age <= 120:
        raise ValueError(f"'age' must be between 0 and 120, got {raw!r}")
    return age


def normalise_value(field_name: str, raw: Any) -> str:
    """The canonical value of a demographic field given in the data (case and spacing ignored; the
    Chinese labels and common gender spellings accepted); ValueError lists what is allowed."""
    cleaned = " ".join(str(raw).split()).lower()
    if field_name == "gender" and cleaned in _GENDER_ALIASES:
        return _GENDER_ALIASES[cleaned]
    for value in FIELD_OPTIONS[field_name]:
        if cleaned in (value.lower(), value_label(value, "zh").lower()):
            return value
    allowed = "; ".join(DATA_GENDERS if field_name == "gender" else FIELD_OPTIONS[field_name])
    raise ValueError(f"'{field_name}' value {raw!r} is not allowed; allowed: {allowed}")


def _output_row(d: Demographics) -> dict[str, Any]:
    row: dict[str, Any] = {"id": d.user_id, "age_bin": d.age_bin, "age": d.age, "gender": d.gender,
                           "occupation": d.occupation, "error": d.error}
    for name in ("age_bin", "age", "gender", "occupation"):
        row[f"{name}_source"] = d.sources.get(name)
    return {column: row[column] for column in OUTPUT_COLUMNS}


def _writer_for(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _write_csv
    if suffix == ".jsonl":
        return _write_jsonl
    raise ConfigError(f"output file {path}: unsupported type {suffix!r}, allowed: .csv, .jsonl")


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=OUTPUT_COLUMNS)
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
