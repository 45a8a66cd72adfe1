"""The report in a real browser (headless Chromium): charts drawn, threads listed, hostile texts inert,
load time measured by the page itself. Set HUBBUB_UPDATE_SCREENSHOT=1 to refresh docs/img/report.png."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hubbub.report.html import report_run, write_report

CHROMIUM = Path("/usr/bin/chromium")
DOCS_SHOT = Path(__file__).resolve().parents[2] / "docs" / "img" / "report.png"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium "
                                                     "(Debian: apt-get install -y chromium)"),
]


def chromium(profile: Path, *args: str) -> str:
    """Run headless Chromium with no network services and return its stdout."""
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
           "--disable-extensions", f"--user-data-dir={profile}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def page(dom: str) -> str:
    """The rendered document without the data and script blocks (whose text would match too)."""
    return dom.split('<script type="application/json"')[0]


def body_attrs(dom: str) -> dict[str, str]:
    body = re.search(r"<body([^>]*)>", dom).group(1)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', body))


def test_report_renders_in_chromium(run_dir, tmp_path):
    out = report_run(run_dir, tmp_path / "report.html")
    dom = page(chromium(tmp_path / "profile", "--dump-dom", out.as_uri()))
    body = body_attrs(dom)
    assert body["data-report"] == "ready" and body["data-errors"] == "0"
    charts = int(body["data-charts-rendered"])
    assert charts >= 6 and dom.count('<div class="uplot') == charts  # every chart drawn by uPlot...
    assert len(re.findall(r"<canvas\b", dom)) == charts  # ...on its canvas
    drawn = re.findall(r'<div class="chart" data-chart="(line|bar)"[^>]*data-drawn="([^"]*)"', dom)
    assert len(drawn) == charts and all(re.fullmatch(r"#[0-9a-f]{6}( #[0-9a-f]{6})*", c) for _, c in drawn)
    assert dom.count('<div class="marker" data-kind="intervention" data-count="1"') >= 2 * 5  # on every time chart
    assert body["data-threads-rendered"] == "10" and dom.count('<article class="thread">') == 10
    assert re.search(r'class="block thread-browser" data-threads-rendered="10" data-threads-matching="\d+"', dom)
    assert float(body["data-load-ms"]) < 3000
    print(f"report load time in headless Chromium: {body['data-load-ms']} ms")


def test_thread_search_from_the_address(run_dir, tmp_path):
    out = report_run(run_dir, tmp_path / "report.html")
    dom = page(chromium(tmp_path / "profile", "--dump-dom", out.as_uri() + "#search=no-such-words-anywhere"))
    assert 'data-threads-rendered="0" data-threads-matching="0"' in dom and "no comment matches" in dom


def test_hostile_texts_stay_text_in_chromium(run_dir, hostile_dir, s3_dir, tmp_path):
    """A TrendSim run, a hostile one and an S3 one side by side: every section draws, nothing executes."""
    out = write_report([run_dir, hostile_dir, s3_dir], tmp_path / "all.html")
    dom = page(chromium(tmp_path / "profile", "--dump-dom", out.as_uri()))
    body = body_attrs(dom)
    assert "data-pwned" not in body and body["data-errors"] == "0" and body["data-report"] == "ready"
    assert not re.search(r"<img\b|<svg onload|<script>document", dom)
    assert "&lt;/script&gt;&lt;script&gt;document.body.setAttribute" in dom  # shown, as text
    assert len(re.findall(r'<button type="button" class="tab( on)?"', dom)) == 5  # Compare, 3 runs, Side by side
    assert '<section class="block s3">' in dom and "How users first heard of the event" in dom


def test_screenshot(run_dir, tmp_path):
    out = report_run(run_dir, tmp_path / "report.html")
    shot = tmp_path / "report.png"
    chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2000", out.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    if os.environ.get("HUBBUB_UPDATE_SCREENSHOT") == "1":
        from cdp import small_png  # tests/report/cdp.py

        DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(small_png(shot), DOCS_SHOT)
        assert DOCS_SHOT.stat().st_size < 200_000


HARNESS = """(async function () {
  var r = {}, line = document.querySelector('.chart[data-chart="line"]'), over = line.querySelector(".u-over");
  var box = over.getBoundingClientRect(), tick = function () { return new Promise(function (ok) { setTimeout(ok, 50); }); };
  function mouse(type, fx) {
    over.dispatchEvent(new MouseEvent(type, { bubbles: true, button: 0, movementX: 3, movementY: 0,
      clientX: box.left + box.width * fx, clientY: box.top + box.height / 2 }));
  }
  mouse("mousemove", 0.5);
  await tick();
  var tip = line.querySelector(".tip");
  r.tip = [tip.style.display, tip.textContent];
  mouse("mousedown", 0.3); mouse("mousemove", 0.6); mouse("mouseup", 0.6);
  await tick();
  r.zoomed = !!line.querySelector("button.reset");
  over.dispatchEvent(new MouseEvent("dblclick", { bubbles: true }));
  await tick();
  r.unzoomed = !line.querySelector("button.reset");
  var groups = document.querySelectorAll('.chart[data-chart="line"]')[2], before = groups.getAttribute("data-series");
  groups.querySelector(".lg").click();
  await tick();
  r.toggle = [before, groups.getAttribute("data-series"), groups.querySelector(".lg").className,
    groups.uplot.series.filter(function (s) { return s.show; }).length];
  var agents = document.querySelector(".agents"), th = agents.querySelectorAll("th")[5];
  th.click(); th.click();
  r.sorted = Array.prototype.map.call(agents.querySelectorAll("tbody tr"), function (tr) { return tr.children[5].textContent; });
  var tb = document.querySelector(".thread-browser");
  tb.querySelectorAll(".controls button")[1].click();
  r.page2 = [tb.getAttribute("data-threads-rendered"), tb.querySelector(".info").textContent];
  var search = tb.querySelector("input");
  search.value = "attacker"; search.dispatchEvent(new Event("input"));
  r.search = tb.getAttribute("data-threads-matching");
  return r;
})()"""


def test_charts_tables_and_threads_respond_to_the_user(run_dir, tmp_path):
    """Hover tooltip, drag-to-zoom and reset, legend toggle (uPlot hides the series and its band), column
    sort, thread paging and search; driven over the DevTools protocol, so console errors count too."""
    from cdp import Page  # tests/report/cdp.py

    out = report_run(run_dir, tmp_path / "report.html")
    with Page(tmp_path / "profile", 1280, 2000) as browser:
        browser.open(out.as_uri())
        browser.wait_for("document.body.getAttribute('data-report') === 'ready'")
        r = browser.evaluate(HARNESS)
        assert browser.errors == []
    assert r["tip"][0] == "block" and "simulated hours:" in r["tip"][1] and "all users (n=30):" in r["tip"][1]
    assert "· n=30" in r["tip"][1]  # the tooltip names the n of the mean
    assert r["zoomed"] and r["unzoomed"]
    assert int(r["toggle"][1]) == int(r["toggle"][0]) - 1 and "off" in r["toggle"][2]
    assert r["toggle"][3] == 1 + 3 * (int(r["toggle"][0]) - 1)  # x, then each shown group's line, upper, lower
    values = [float(v) for v in r["sorted"] if v != "–"]
    assert values == sorted(values, reverse=True) and len(r["sorted"]) == 25
    assert r["page2"][0] == "10" and "page 2 of" in r["page2"][1]
    assert 0 < int(r["search"]) < int(re.search(r"(\d+) threads", r["page2"][1]).group(1))
