"""Surveys: a questionnaire administered to users in character, at a simulated time or after the run.

A survey is a list of items. A ``likert`` item is a statement rated on a documented 5- or 7-point
agreement scale (labels in English and Chinese: :data:`hubbub.agents.survey.LIKERT`); a ``choice``
item is a question with its own options. Every item is asked of every respondent as one choice
request, so the answer is a pick plus the whole distribution over the options; both are recorded as
``survey_answer`` events and change nothing.

Items are given inline (``items``) or in a TOML file (``file = "items.toml"`` holding ``[[items]]``
tables). A file is read when the scenario is validated; its items are then part of the scenario
(and of the run's manifest, with ``items_from`` naming the file), so a resumed run never reads it again.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from hubbub.errors import DataError
from hubbub.scenarios.sections import Section
from hubbub.textfiles import QUESTION_CHARS, data_path, read_utf8

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LIKERT_POINTS = (5, 7)
OPTION_CHARS = 300
"""One option of a choice item (options are shown on one line each)."""
ITEMS_FILE_BYTES = 1 << 20
"""An items file: 1 MiB is thousands of items."""


class SurveyItem(Section):
    """One question of a survey."""

    id: str = Field(..., pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$", description="Short name of the item, unique in its survey (letters, digits, _ . -; at most 64); the column `item` of the survey table.")
    question: str = Field(..., min_length=1, max_length=QUESTION_CHARS, description="The statement (likert) or question (choice) put to the user.")
    kind: Literal["likert", "choice"] = Field("likert", description="likert: agreement with the statement on the documented scale of `points` (Strongly disagree ... Strongly agree; zh 非常不同意 ... 非常同意); choice: one of `options`.")
    points: Literal[5, 7] | None = Field(None, description="Points of a likert scale: 5 or 7 (default 5); not for choice items.")
    options: tuple[str, ...] = Field((), description="The options of a choice item (2 to 26, distinct, one line each); not for likert items.")

    @model_validator(mode="after")
    def _fits_kind(self) -> "SurveyItem":
        if self.kind == "likert" and self.options:
            raise ValueError(f"item {self.id!r}: options are for kind 'choice'; a likert item uses the "
                             f"documented scale (points = 5 or 7)")
        if self.kind == "choice":
            _check_options(self.id, self.options, self.points)
        return self

    @property
    def scale(self) -> int:
        """The number of options: the likert points, or the choice item's options."""
        return (self.points or 5) if self.kind == "likert" else len(self.options)


def _check_options(item: str, options: tuple[str, ...], points: int | None) -> None:
    """A choice item needs 2-26 distinct one-line options of at most OPTION_CHARS characters."""
    if points is not None:
        raise ValueError(f"item {item!r}: points is for kind 'likert'; a choice item lists its options")
    if not 2 <= len(options) <= 26:
        raise ValueError(f"item {item!r}: a choice item needs 2 to 26 options, got {len(options)}")
    for option in options:
        if not option.strip() or len(option) > OPTION_CHARS or "\n" in option or "\r" in option:
            raise ValueError(f"item {item!r}: option {option[:40]!r} is not allowed; expected one line of "
                             f"1 to {OPTION_CHARS} characters")
    twice = sorted({o for o in options if options.count(o) > 1})
    if twice:
        raise ValueError(f"item {item!r}: option {twice[0]!r} is listed twice")


class SurveyFile(Section):
    """An items file: ``[[items]]`` tables, nothing else."""

    items: tuple[SurveyItem, ...] = Field(..., min_length=1, description="The survey's items.")


class Survey(Section):
    """A questionnaire put to users in character, at a simulated time or at the end of the run."""

    at_h: float | None = Field(None, ge=0, description="Simulated hour of the survey (or set after_run).")
    after_run: bool = Field(False, description="Administer the survey at the end of the run, after every other event (instead of at_h).")
    items: tuple[SurveyItem, ...] = Field((), description="The questions (or give file).")
    file: str = Field("", description="A TOML file of [[items]] tables (id, question, kind, points / options), read when the scenario is loaded; relative paths from the working folder.")
    items_from: str = Field("", description="Set by hubbub: the file the items were read from (kept in the run's manifest with the items).")
    agents: tuple[str, ...] = Field((), description="Agent ids to ask (empty: use group / sample, else every user with a voice).")
    group: str | None = Field(None, description="Ask the users of this preference group.")
    sample: int | None = Field(None, ge=1, le=1_000_000, description="Ask this many users drawn at random (the same draw for every survey of the run: a panel).")

    @model_validator(mode="before")
    @classmethod
    def _read_file(cls, data: Any) -> Any:
        """Items named by ``file`` become the survey's items (the file is read once, here)."""
        if not isinstance(data, dict) or not data.get("file"):
            return data
        if data.get("items"):
            raise ValueError("give items or file, not both")
        items = read_items(str(data["file"]))
        return {**data, "items": [i.model_dump(exclude_none=True) for i in items], "file": "",
                "items_from": str(data["file"])}

    @model_validator(mode="after")
    def _complete(self) -> "Survey":
        if (self.at_h is None) == (not self.after_run):
            raise ValueError("give at_h (a simulated hour) or after_run = true, not both" if self.after_run
                             else "needs at_h (a simulated hour) or after_run = true")
        if not self.items:
            raise ValueError("needs items (a list of [[surveys.items]] tables) or file (a TOML file of [[items]])")
        ids = [i.id for i in self.items]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"item id {twice[0]!r} is used twice; ids must be unique in a survey")
        return self


def read_items(path: str) -> tuple[SurveyItem, ...]:
    """The items of a TOML items file; DataError naming the file (and each bad field) otherwise."""
    from hubbub.scenarios.errors import format_validation_error

    file = data_path(path)
    if not file.is_file():
        raise DataError(f"{path}: no such survey items file (a TOML file of [[items]] tables)")
    text = read_utf8(Path(file), "survey items file", ITEMS_FILE_BYTES)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{path}: TOML syntax error: {exc}") from None
    try:
        return SurveyFile.model_validate(data).items
    except ValidationError as exc:
        raise DataError(format_validation_error(exc, path, SurveyFile)) from None


SURVEY_KINDS = ("trendsim", "s3", "combined")
"""Scenario kinds whose users can be surveyed."""


def timed(kind: str, surveys: tuple[Survey, ...]) -> list[Any]:
    """The surveys as the schedule check sees them (after_run ones at hour 0: always inside the run);
    surveys in a kind without surveyable users are refused."""
    if surveys and kind not in SURVEY_KINDS:
        raise ValueError(f"surveys: not available for kind {kind!r}; allowed for kinds {', '.join(SURVEY_KINDS)}")
    return [SimpleNamespace(at_h=s.at_h if s.at_h is not None else 0.0) for s in surveys]


def survey_hours(surveys: tuple[Survey, ...], end_s: float) -> list[float]:
    """When each survey is administered, in simulated hours (after_run: the end of the run)."""
    return [s.at_h if s.at_h is not None else end_s / 3600.0 for s in surveys]
