"""Benchmark reports as terminal tables (rich): figures, targets met or not, tables, series, notes."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

MAX_SERIES_ROWS = 12


def fmt(value: Any) -> str:
    """A figure as text: integers with separators, floats with 3 significant digits or more."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.1f}"
        if abs(value) >= 1:
            return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
        return f"{value:.3g}"
    return str(value)


def print_report(report: Any, console: Console | None = None) -> None:
    console = console or Console(highlight=False)
    m = report.machine
    console.print(f"[bold]hubbub bench {escape(report.workload)}[/]{' (quick)' if report.quick else ''} - "
                  f"{m.get('cores')} cores ({escape(str(m.get('cpu_model')))}), load {m.get('load_avg_start')}")
    console.print(_figures(report))
    if report.targets:
        console.print(_targets(report))
    for name, rows in report.tables.items():
        console.print(_rows_table(name, rows))
    for name, columns in report.series.items():
        console.print(_series_table(name, columns))
    for text in report.notes:
        console.print(f"[dim]note:[/] {escape(text)}")


def _figures(report: Any) -> Table:
    table = Table(title="figures", title_justify="left")
    for col in ("figure", "value", "unit"):
        table.add_column(col, justify="right" if col == "value" else "left")
    for item in report.figures.values():
        table.add_row(escape(item["label"]), fmt(item["value"]), escape(item["unit"]))
    return table


def _targets(report: Any) -> Table:
    table = Table(title="targets", title_justify="left")
    for col in ("target", "goal", "measured", "met"):
        table.add_column(col)
    for t in report.targets:
        met = "n/a" if t.met is None else "[green]met[/]" if t.met else "[red]not met[/]"
        goal = f"{t.op} {fmt(t.bound)} {t.unit}".strip()
        table.add_row(escape(t.label), escape(goal), f"{fmt(t.value)} {escape(t.unit)}".strip(), met)
    return table


def _rows_table(name: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=name, title_justify="left")
    columns = list(dict.fromkeys(k for row in rows for k in row))
    for col in columns:
        table.add_column(escape(col))
    for row in rows:
        table.add_row(*(escape(fmt(row.get(col))) for col in columns))
    return table


def _series_table(name: str, columns: dict[str, list[Any]]) -> Table:
    """A series, thinned to at most MAX_SERIES_ROWS evenly spaced rows (the JSON keeps all)."""
    table = Table(title=f"{name} (series; all points in the JSON)", title_justify="left")
    names = list(columns)
    for col in names:
        table.add_column(escape(col), justify="right")
    n = len(columns[names[0]]) if names else 0
    step = max(1, -(-n // MAX_SERIES_ROWS))
    picks = list(range(0, n, step))
    if n and picks[-1] != n - 1:
        picks.append(n - 1)
    for i in picks:
        table.add_row(*(fmt(columns[col][i]) for col in names))
    return table
