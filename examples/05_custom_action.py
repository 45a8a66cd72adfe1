"""A custom hub action: users can report a comment, and a comment reported twice is hidden. Registered
by name from Python, then offered on the Comment page from a scenario TOML file.

    .venv/bin/python examples/05_custom_action.py --out runs/ex5 [--backend openai --base-url URL --model M]

With the default scripted backend the users' choices and texts are canned: a plumbing demo, not a finding.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import hubbub
from hubbub.platform.actions import Acted, Page, Where

HERE = Path(__file__).resolve().parent
OUTPUTS = ("run/manifest.json", "reports.csv")
"""What this example writes under --out (the example test checks that each exists)."""

HIDE_AFTER = 2
"""Reports after which a comment is hidden."""


def report(hub, acted: Acted) -> dict:
    """A user's first report of a comment counts; the HIDE_AFTER-th user to report it hides it from then
    on. The returned fields are added to the recorded action event."""
    first = hub.mark(f"reported by {acted.agent}", acted.target, acted.visible_at) == 1
    if first:
        reports = hub.mark("report", acted.target, acted.visible_at)
    else:
        reports = hub.marks("report", acted.target, math.inf)
    if first and reports == HIDE_AFTER:
        hub.hide_comment(acted.target, acted.visible_at)
    return {"reports": reports, "hidden": reports >= HIDE_AFTER}


def back_to_main(page: Page, target: int | None) -> Where:
    """After reporting, the user is back on the Main page the comment was opened from."""
    return Where("main", page.page_no, page.comment_id)


hubbub.register_action("report_comment", hubbub.Action(
    "report_comment", surfaces=("comment",), text={"en": "Report this comment", "zh": "举报这条评论"},
    possible=lambda page: bool(page.shown), target="page", apply=report, navigate=back_to_main))


def main() -> None:
    args = _arguments()
    if args.backend == "scripted":
        print("NOTE: the scripted backend writes canned texts and choices: a plumbing demo, not a finding.")
    overrides = {k: v for k, v in {"llm.backend": args.backend, "llm.model": args.model,
                                   "llm.base_urls": [args.base_url] if args.base_url else None}.items() if v}
    scenario = hubbub.load_scenario(str(HERE / "05_custom_action.toml"), overrides)
    sim = hubbub.Simulation(scenario, Path(args.out) / "run", overwrite=True)
    sim.run()
    data = sim.results.events_of("action")  # one column per field of the action events
    print(f"backend {sim.results.manifest['backend']['backend']}: actions taken\n{data['action'].value_counts()}")
    reports = data[data["action"] == "report_comment"][["t_h", "agent_id", "target", "reports", "hidden"]]
    reports = reports.astype({"target": int, "reports": int, "hidden": bool})
    print(f"reports ({len(reports)}; comments hidden by reports: {int(reports['hidden'].sum())}):\n{reports}")
    reports.to_csv(Path(args.out) / "reports.csv", index=False)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/example-05")
    parser.add_argument("--backend", default="scripted")
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    return parser.parse_args()


if __name__ == "__main__":
    main()
