"""The self-contained HTML report of one or more runs.

One file holds everything: the data as JSON in a ``<script type="application/json">`` block, the CSS and
a plain-JavaScript viewer (``assets/report.js``: a thread browser, sortable tables; ``assets/charts.js``:
line, band and bar charts with tooltips, toggles and zoom, drawn by the embedded uPlot 1.6.32, MIT,
``assets/vendor/``). It opens offline from disk; a Content-Security-Policy allows
no network access at all and runs only the viewer's own script (pinned by its hash), so even a text that
slipped through escaping could not load or execute anything.

    report_run(run_dir)                       -> run_dir/report.html (cheap; called after every run)
    write_report([dir1, dir2], out=path)      -> one report comparing the runs side by side
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from hubbub.errors import DataError
from hubbub.report.html_data import run_payload
from hubbub.report.html_parts import Limits, Options, clean, clean_text

REPORT_NAME = "report.html"


def report_run(run_dir: Path | str, out: Path | str | None = None, **options: Any) -> Path:
    """Write the report of one run to ``run_dir/report.html`` (or ``out``) and return its path."""
    run_dir = Path(run_dir)
    return write_report([run_dir], out or run_dir / REPORT_NAME, **options)


def report_target(paths: Iterable[Path | str]) -> Path:
    """Where ``hubbub report`` writes by default: inside the folder for one run, ./report.html for several."""
    dirs = [Path(p) for p in paths]
    return dirs[0] / REPORT_NAME if len(dirs) == 1 else Path(REPORT_NAME)


def write_report(paths: Iterable[Path | str], out: Path | str, *, prices: Mapping[str, tuple[float, float]] | None = None,
                 limits: Limits | None = None, title: str | None = None) -> Path:
    """Write one report for the run (or experiment) folders ``paths``; several are compared side by side."""
    payload = build_payload(paths, prices=prices, limits=limits, title=title)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(render_html(payload), encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{out}: cannot write the report ({exc.strerror or exc})") from exc
    return out


def build_payload(paths: Iterable[Path | str], *, prices: Mapping[str, tuple[float, float]] | None = None,
                  limits: Limits | None = None, title: str | None = None) -> dict[str, Any]:
    """The report's data: {title, version, runs: [...], comparison?} (JSON-ready)."""
    from hubbub.report.html_compare import comparison_payload, experiment_payload, is_experiment_dir
    from hubbub.store import load_run

    dirs = [Path(p) for p in paths]
    if not dirs:
        raise DataError("no run folder given: name at least one folder holding run.sqlite (or an experiment's runs.csv)")
    opts = Options(prices=dict(prices or {}), limits=limits or Limits())
    runs = []
    for name, path in zip(run_names(dirs), dirs):
        if is_experiment_dir(path):
            runs.append(experiment_payload(path, name, opts))
        else:
            runs.append(run_payload(load_run(path), name, opts))
    payload: dict[str, Any] = {"title": clean_text(title or _default_title(runs)), "version": _version(), "runs": runs}
    if len(runs) > 1:
        payload["comparison"] = comparison_payload(runs)
    return clean(payload)  # JSON-safe all the way down, whatever a section returned


def run_names(dirs: list[Path]) -> list[str]:
    """Folder names, lengthened with parent names until they differ."""
    parts = [d.resolve().parts for d in dirs]
    for depth in range(1, max(len(p) for p in parts) + 1):
        names = ["/".join(p[-depth:]) for p in parts]
        if len(set(names)) == len(names):
            return names
    raise DataError(f"the same run folder was given twice: {sorted(str(d) for d in dirs)}")


def _default_title(runs: list[dict[str, Any]]) -> str:
    return f"hubbub report: {runs[0]['name']}" if len(runs) == 1 else f"hubbub report: {len(runs)} runs compared"


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("hubbub")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "unknown"


# ---------------------------------------------------------------- rendering


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` (so no ``</script>`` and no
    ``<!--``), and no U+2028/U+2029 line separators; ``JSON.parse`` reads it back unchanged."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                         ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def asset(name: str) -> str:
    """A file of ``hubbub/report/assets`` as text (``name`` may name a subfolder: ``vendor/uPlot.min.css``)."""
    try:
        return resources.files("hubbub.report").joinpath("assets", *name.split("/")).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError) as exc:
        raise DataError(f"hubbub/report/assets/{name} is missing from this installation ({exc}); reinstall "
                        "hubbub (the report's script and style ship as package data)") from exc


UPLOT_NOTICE = "/*! uPlot 1.6.32 (github.com/leeoniya/uPlot), MIT License, Copyright (c) 2022 Leon Sorokin */"


def viewer_script() -> str:
    """The page's one script: uPlot (its banner replaced by the licence notice, which names no address
    the page could load), then the network view, the charts and the viewer."""
    uplot = asset("vendor/uPlot.iife.min.js")
    first, _, rest = uplot.partition("\n")
    if not (first.startswith("/*!") and "uPlot (v1.6.32)" in first):
        raise DataError("hubbub/report/assets/vendor/uPlot.iife.min.js is not uPlot 1.6.32 (its first line is "
                        f"{first[:80]!r}); reinstall hubbub")
    return "\n".join([UPLOT_NOTICE, rest, asset("network.js"), asset("charts.js"), asset("report.js")])


def render_html(payload: dict[str, Any], live: Mapping[str, Any] | None = None) -> str:
    """The report page for :func:`build_payload`'s data. ``live`` ({seq, poll_ms}: what ``hubbub watch``
    serves) adds a second, also hash-pinned script that polls ``state.json`` on the same origin and
    reloads the page when the run has committed more; only then may the page connect, and only there."""
    script, style = viewer_script(), asset("vendor/uPlot.min.css") + "\n" + asset("report.css")
    scripts = [script] + ([asset("live.js")] if live is not None else [])
    hashes = " ".join(f"'sha256-{_digest(s)}'" for s in scripts)
    connect = "'self'" if live is not None else "'none'"
    csp = (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
           f"connect-src {connect}; form-action 'none'; base-uri 'none'")
    title = _h(payload["title"])
    runs = payload["runs"]
    live_attrs = (f' data-live-seq="{int(live["seq"])}" data-live-status="{_h(live.get("status") or "")}" '
                  f'data-live-poll-ms="{int(live.get("poll_ms", 2000))}"') if live is not None else ""
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="hubbub {_h(payload["version"])}">',
        f"<title>{title}</title>", f"<style>\n{style}\n</style>", "</head>",
        f'<body data-runs="{len(runs)}" data-report="loading"{live_attrs}>',
        f'<header class="top"><h1>{title}</h1><p class="sub">hubbub {_h(payload["version"])} · '
        f"{_count(runs)} · {_delivery(live)}</p></header>",
        *(_failure_banner(i, r) for i, r in enumerate(runs)),
        '<section id="provenance" aria-label="provenance">', *(_banner(i, r) for i, r in enumerate(runs)), "</section>",
        '<nav id="tabs" class="tabs"></nav>',
        '<main id="app"><noscript><p class="banner warn">This report draws its charts, threads and tables with '
        "JavaScript; enable it to see them. The provenance above and the manifests below need none.</p>",
        *(_noscript_manifest(r) for r in runs), "</noscript></main>",
        '<footer class="foot">Generated by hubbub from the run record; every text written by users or models is '
        "shown as plain text.</footer>",
        f'<script type="application/json" id="hubbub-data">{script_json(payload)}</script>',
        *(f"<script>{s}</script>" for s in scripts), "</body>", "</html>", ""])


def render_waiting(text: str, poll_ms: int) -> str:
    """The page ``hubbub watch`` serves before a run has a record: ``text`` and the polling script."""
    script = asset("live.js")
    csp = (f"default-src 'none'; script-src 'sha256-{_digest(script)}'; style-src 'unsafe-inline'; "
           "connect-src 'self'; form-action 'none'; base-uri 'none'")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">', "<title>hubbub watch</title>",
        f"<style>\n{asset('report.css')}\n</style>", "</head>",
        f'<body data-report="waiting" data-live-seq="-1" data-live-status="" data-live-poll-ms="{int(poll_ms)}">',
        f'<header class="top"><h1>hubbub watch</h1><p class="sub">{_delivery({})}</p></header>',
        f'<main><p class="banner warn">{_h(text)}</p></main>', f"<script>{script}</script>", "</body>", "</html>", ""])


def _delivery(live: Mapping[str, Any] | None) -> str:
    if live is None:
        return "self-contained: opens offline, fetches nothing"
    return ('served live by <code>hubbub watch</code>: reloads when the run commits more '
            '<span id="live-state" class="live"></span>')


def _digest(script: str) -> str:
    """The base64 SHA-256 of a script, as a Content-Security-Policy source pins it."""
    return base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def _count(runs: list[dict[str, Any]]) -> str:
    exps = sum(1 for r in runs if "experiment" in r)
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((len(runs) - exps, "run"), (exps, "experiment")) if n]
    return " and ".join(parts)


def _h(text: Any) -> str:
    """Text for HTML: escaped, control characters removed, line separators as character references."""
    escaped = html.escape(clean_text(str(text)), quote=True)
    return escaped.replace("\u2028", "&#x2028;").replace("\u2029", "&#x2029;")


def _banner(index: int, run: dict[str, Any]) -> str:
    """The provenance line of a run: backend and model, and a warning for demo backends."""
    p = run.get("provenance") or {}
    facts = (f"backend <b>{_h(p.get('backend', '?'))}</b>, model <b>{_h(p.get('model', '?'))}</b>, "
             f"seed {_h(p.get('seed'))}, status {_h(p.get('status') or '?')}, kind {_h(p.get('kind') or '?')}")
    warning = p.get("warning")
    cls = "banner warn" if warning else "banner ok"
    note = f'<br><span class="warntext">⚠ {_h(warning)}</span>' if warning else ""
    return (f'<div class="{cls}" data-run="{index}" data-backend="{_h(p.get("backend", "?"))}">'
            f"<b>{_h(run['name'])}</b>: {facts}{note}</div>")


def _failure_banner(index: int, run: dict[str, Any]) -> str:
    """A red banner at the top when LLM calls of the run failed, with count and share ('' if none did):
    curves drawn from fewer answers than the run asked for must not look like a clean result."""
    counts = (run.get("manifest") or {}).get("counts") or {}
    calls, failed = int(counts.get("llm_calls") or 0), int(counts.get("llm_failures") or 0)
    if not failed:
        return ""
    share = failed / calls if calls else 1.0
    return (f'<div class="banner fail" role="alert" data-run="{index}">⚠ {_h(run.get("name", ""))}: '
            f"{failed} of {calls} LLM calls failed ({share:.1%}). The agents whose call failed skipped that step, "
            "so the figures below rest on fewer answers than the run asked for.</div>")


def _noscript_manifest(run: dict[str, Any]) -> str:
    text = json.dumps(run.get("manifest") or {}, indent=2, ensure_ascii=False, sort_keys=True)
    return f"<h3>Manifest of {_h(run['name'])}</h3><pre>{_h(text)}</pre>"
