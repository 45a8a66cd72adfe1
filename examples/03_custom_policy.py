"""A custom user policy mixed with LLM users: reposts what a mutual follower (a followee it trusts)
passed on, and otherwise does nothing. Registered by name, then used from a scenario TOML file.

    .venv/bin/python examples/03_custom_policy.py --out runs/ex3 [--backend openai --base-url URL --model M]

With the default scripted backend the LLM users' texts are canned: a plumbing demo, not a finding.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import hubbub
from hubbub import Choice, Context

HERE = Path(__file__).resolve().parent
OUTPUTS = ("run/manifest.json", "decisions.csv")
"""What this example writes under --out (the example test checks that each exists)."""


@hubbub.register_policy("trusting-reposter")
def trusting_reposter(ctx: Context) -> Choice:
    """Repost the best post that arrived through a mutual follow; become more intense when doing so."""
    trusted = [post for post in ctx.received if post.source == "mutual"]
    if not trusted:
        return Choice("none")
    return Choice("repost", post_id=trusted[0].post_id, emotion="moderate" if ctx.emotion == "calm" else ctx.emotion)


def main() -> None:
    args = _arguments()
    if args.backend == "scripted":
        print("NOTE: the scripted backend writes canned texts and choices: a plumbing demo, not a finding.")
    overrides = {k: v for k, v in {"llm.backend": args.backend, "llm.model": args.model,
                                   "llm.base_urls": [args.base_url] if args.base_url else None}.items() if v}
    scenario = hubbub.load_scenario(str(HERE / "03_custom_policy.toml"), overrides)
    sim = hubbub.Simulation(scenario, Path(args.out) / "run", overwrite=True)
    sim.run()
    decisions = sim.results.events.query("kind == 's3_decision'")
    by = decisions["data"].map(lambda d: d.get("policies", {}).get("behaviour", "llm"))
    actions = decisions["data"].map(lambda d: d["action"])
    table = actions.groupby(by.rename("decided by")).value_counts().unstack(fill_value=0)
    print(f"backend {sim.results.manifest['backend']['backend']}: decisions by who decided\n{table}")
    table.to_csv(Path(args.out) / "decisions.csv")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/example-03")
    parser.add_argument("--backend", default="scripted")
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    return parser.parse_args()


if __name__ == "__main__":
    main()
