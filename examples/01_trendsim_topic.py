"""Running and analysing a TrendSim topic from Python.

Loads the ``demo`` built-in (27 users and some attackers commenting on one trending topic for 2 simulated
hours) with a few fields changed, runs it to 1 h, looks at the users and the hub, adds a community note
and a platform post, runs it to the end, and analyses the record with pandas: the users' emotion over
time, the actions they took, the attackers' share of the comments. Writes a small plot.

    .venv/bin/python examples/01_trendsim_topic.py --out runs/ex1
    .venv/bin/python examples/01_trendsim_topic.py --out runs/ex1-real --backend openai \\
        --base-url http://localhost:8000/v1 --model Qwen/Qwen2.5-7B-Instruct
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

import hubbub
from hubbub.store import Run

OUTPUTS = ("run/manifest.json", "run/run.sqlite", "emotion.png")
"""What this example writes under --out (the example test checks that each exists)."""

NOTE = "Community note: the pacer volunteered; the organisers did not pay him."
POST = "Official: the organisers confirm the runner was checked by medical staff and is well."


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options: where to write, and which model answers (canned replies by default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/ex1"), help="folder for the run and the plot")
    parser.add_argument("--backend", default="scripted", choices=["scripted", "openai", "embedded"],
                        help="scripted = canned replies (plumbing only); openai = any OpenAI-compatible server")
    parser.add_argument("--base-url", default=None, help="the server's URL, e.g. http://localhost:8000/v1")
    parser.add_argument("--model", default=None, help="the model name the server knows")
    parser.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> hubbub.Simulation:
    """The demo topic with a larger attack and a fixed seed, recorded in ``--out/run``."""
    scenario = hubbub.load_scenario("demo", run__name="example-trendsim", run__seed=11,
                                    trendsim__attack__share=0.2)
    return hubbub.Simulation(scenario, args.out / "run", backend=args.backend, model=args.model,
                             base_url=args.base_url, overwrite=args.overwrite)


def look(sim: hubbub.Simulation) -> None:
    """What the users feel and what the hub shows, part of the way through."""
    print(f"\n--- at {sim.now:.2f} h")
    print(sim.users.groupby("role")[["emotion", "confidence", "visits"]].mean().round(2))
    print("topic:", dict(sim.platform.topic or {}))
    top = sim.platform.comments.head(3)  # ranked as the Main page shows them
    short = top[["comment_id", "likes", "label", "text"]].assign(label=top["label"].str.slice(0, 30),
                                                                 text=top["text"].str.slice(0, 40))
    print(short.to_string(index=False))


def intervene(sim: hubbub.Simulation) -> None:
    """A community note on the top comment now, and a platform post a quarter of an hour later."""
    sim.intervene("label", text=NOTE)
    sim.intervene("inject_post", at_h=sim.now + 0.25, text=POST)


def emotion_over_time(results: Run) -> pd.DataFrame:
    """Mean and spread of the users' emotion at each periodic snapshot (the same users every time)."""
    states = results.agent_states
    snapshots = states[states["extra"].map(lambda e: bool(e) and bool(e.get("snapshot")))]
    table = snapshots.groupby("time")["emotion"].describe()[["mean", "25%", "75%"]]
    table.index = table.index / 3600.0
    table.index.name = "hours"
    return table


def actions_by_kind(results: Run) -> pd.DataFrame:
    """How often each role took each action (view details, comment, like, exit, ...)."""
    actions = results.events_of("action")  # the action events, one column per field
    return pd.crosstab(actions["action"], actions["role"])


def attack_share(results: Run) -> float:
    """The share of all comments that attackers wrote."""
    return float(results.comments["is_attack"].mean())


def plot(emotion: pd.DataFrame, note_at_h: float, path: Path) -> None:
    """The users' emotion over time, with the intervention marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(emotion.index, emotion["mean"], marker="o", label="mean")
    ax.fill_between(emotion.index, emotion["25%"], emotion["75%"], alpha=0.3, label="25-75%")
    ax.axvline(note_at_h, color="grey", linestyle="--", label="community note")
    ax.set(xlabel="simulated hours", ylabel="emotion (0 negative, 1 positive)", ylim=(0, 1))
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    """Run the topic, steer it once, analyse the record."""
    args = parse_args(argv)
    if args.backend == "scripted":
        print("NOTE: the scripted backend writes canned texts and choices. This shows the plumbing; "
              "nothing below is a finding.")
    sim = build(args)
    sim.run_until(1.0)
    look(sim)
    note_at_h = sim.now
    intervene(sim)
    sim.run()
    look(sim)
    results = sim.results
    emotion = emotion_over_time(results)
    print("\n--- emotion over time\n", emotion.round(3))
    print("\n--- actions by kind\n", actions_by_kind(results))
    print(f"\nattackers wrote {attack_share(results):.0%} of {len(results.comments)} comments")
    plot(emotion, note_at_h, args.out / "emotion.png")
    print(f"wrote {args.out / 'run'} and {args.out / 'emotion.png'}")


if __name__ == "__main__":
    try:
        main()
    except hubbub.HubbubError as exc:  # a bad option, a folder that holds a run, a server that is down
        raise SystemExit(f"error: {exc}") from None
