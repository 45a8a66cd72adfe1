"""Per-message against per-round processing (``s3.processing``) on the built-in S3 scenarios.

    .venv/bin/python benchmarks/s3_processing.py                   # every S3 built-in, both modes
    .venv/bin/python benchmarks/s3_processing.py --users 200 --steps 4 s3-nuclear-energy

Each built-in runs twice with ``hubbub run NAME --backend scripted`` and the same seed, once per mode,
shrunk with ``--set`` (users, LLM users, steps; the hashing embedder; the workbench demo keeps its
size), and the script prints one
markdown row per run: posts and reposts (all users), LLM decisions and reposts by LLM users, final
awareness, the emotion shares among aware users, the positive share and the LLM calls made. The
scripted backend answers with canned, hash-seeded choices, so these are plumbing figures (how the two
modes change the number of decisions, calls and reposts), never research findings.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

BUILTINS = ("s3-gender-discrimination", "s3-nuclear-energy", "s3-workbench-demo",
            "s3-gender-discrimination-research", "s3-nuclear-energy-research")
MODES = ("per_message", "per_round")


def run_once(name: str, mode: str, sets: dict[str, Any], out: Path) -> Path:
    """One scripted run of a built-in in one processing mode; returns its run folder."""
    args = [str(Path(sys.executable).with_name("hubbub")), "run", name, "--backend", "scripted", "--out", str(out), "--quiet",
            "--yes", "--set", f"s3.processing={mode}"]
    for key, value in sets.items():
        args += ["--set", f"{key}={value}"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return out


def figures(run_dir: Path) -> dict[str, Any]:
    """The compared figures of one run (see the module docstring)."""
    from hubbub.store import load_run

    r = load_run(run_dir)
    steps, posts = r.s3_steps, r.s3_posts
    last = steps.sort_values("step").iloc[-1]
    llm_reposts = int(((posts["kind"] == "repost") & (posts["policy"] == "llm")).sum())
    return {"users": int(last["users"]), "llm_users": int((r.agents["profile"].map(_policy) == "llm").sum()),
            "posts": int(steps["posts"].sum() - len(posts[posts["kind"] == "seed"])),
            "reposts": int(steps["reposts"].sum()), "llm_reposts": llm_reposts,
            "decisions": int((r.events["kind"] == "s3_decision").sum()), "aware": int(last["aware"]),
            "calm": last["calm"], "moderate": last["moderate"], "intense": last["intense"],
            "positive": last["positive_share"], "llm_calls": len(r.llm_calls)}


def _policy(profile: Any) -> str:
    return (profile or {}).get("policy", "") if isinstance(profile, dict) else ""


def row(name: str, mode: str, f: dict[str, Any]) -> str:
    """One markdown table row."""
    return (f"| `{name}` | {mode} | {f['users']} ({f['llm_users']} LLM) | {f['decisions']} | {f['llm_calls']} | "
            f"{f['posts']} | {f['reposts']} ({f['llm_reposts']} by LLM users) | {f['aware']} | "
            f"{f['calm']:.2f} / {f['moderate']:.2f} / {f['intense']:.2f} | {f['positive']:.2f} |")


HEADER = ("| scenario | processing | users | LLM decisions | LLM calls | new posts | reposts | aware at the end | "
          "calm / moderate / intense (aware) | positive share |\n|---|---|---|---|---|---|---|---|---|---|")


def sizes(name: str, a: argparse.Namespace) -> dict[str, Any]:
    """The --set overrides of one built-in: the workbench demo keeps its own size (its interventions name
    agents of its generated graph); the all-LLM presets get research_users users."""
    sets: dict[str, Any] = {"s3.memory.embedder": "hashing"}
    if name == "s3-workbench-demo":
        return sets
    sets["s3.steps"] = a.steps
    sets.update({"s3.network.users": a.research_users} if name.endswith("-research") else
                {"s3.network.users": a.users, "s3.population.llm_users": a.llm_users})
    return sets


def main() -> None:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(BUILTINS))
    parser.add_argument("--users", type=int, default=500, help="s3.network.users of the hybrid built-ins")
    parser.add_argument("--llm-users", type=int, default=30, help="s3.population.llm_users of the hybrid built-ins")
    parser.add_argument("--research-users", type=int, default=40, help="s3.network.users of the all-LLM presets")
    parser.add_argument("--steps", type=int, default=8, help="s3.steps")
    a = parser.parse_args()
    print(HEADER)
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.names:
            for mode in MODES:
                out = run_once(name, mode, sizes(name, a), Path(tmp) / f"{name}-{mode}")
                print(row(name, mode, figures(out)), flush=True)


if __name__ == "__main__":
    main()
