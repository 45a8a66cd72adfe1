"""What an evaluation task is: what it measures, on which data, with which request, and the paper's
published figure it stands next to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


from hubbub.evaluate.data import Example, LabelledSet
from hubbub.llm.base import ChoiceRequest

@dataclass(frozen=True)
class PaperFigure:
    metric: str
    value: float
    source: str


@dataclass(frozen=True)
class Variant:
    """One way of scoring a dataset: its name (shown as the dataset column), the data, and whether
    the LLM policy can answer it (S3's attitude is binary, so a 3-class stance set is not)."""

    name: str
    data: LabelledSet
    llm: bool = True
    positive: int | None = None


@dataclass(frozen=True)
class Task:
    """One evaluation task. ``load(path, seed)`` gives the data (``path`` None = default);
    ``variants`` turns it into scored variants; ``request(example, seed, data)`` is the LLM's
    ChoiceRequest; ``run(ctx)`` replaces the classification loop for special tasks."""

    name: str
    measures: str
    kind: str = "classify"
    load: Callable[..., Any] | None = None
    variants: Callable[[LabelledSet], list[Variant]] | None = None
    request: Callable[[Example, int, LabelledSet], ChoiceRequest] | None = None
    rules: tuple[str, ...] = ()
    run: Callable[[Any], list[dict[str, Any]]] | None = None
    paper: tuple[PaperFigure, ...] = ()
    notes: tuple[str, ...] = ()
