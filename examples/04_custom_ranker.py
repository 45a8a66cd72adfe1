"""A custom feed ranker: recommend calm posts first (a "de-escalating" feed), registered by name and
named from a scenario TOML file; the same scenario with the built-in popularity ranker for comparison.

    .venv/bin/python examples/04_custom_ranker.py --out runs/ex4 [--backend openai --base-url URL --model M]

With the default scripted backend the LLM users' texts are canned: a plumbing demo, not a finding.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import hubbub

HERE = Path(__file__).resolve().parent
OUTPUTS = ("calm-first/manifest.json", "popularity/manifest.json", "emotion_by_ranker.csv")
"""What this example writes under --out (the example test checks that each exists)."""


@hubbub.register_ranker("calm-first")
def calm_first(posts, candidates: np.ndarray) -> np.ndarray:
    """Posts whose author was calm when posting first, then moderate, then intense; newest first within
    a level (``posts.col`` gives the post log's columns as numpy arrays)."""
    emotion = posts.col("emotion")[candidates].astype(np.int64)
    newest = -posts.col("step")[candidates].astype(np.int64)
    return candidates[np.lexsort((candidates, newest, emotion))]


def run(ranker: str, args: argparse.Namespace) -> pd.Series:
    """Run the scenario with ``ranker``; return the share of users in each emotion level at the end."""
    overrides = {"s3.recommend.ranker": ranker, "llm.backend": args.backend}
    if args.base_url:
        overrides.update({"llm.base_urls": [args.base_url], "llm.model": args.model or ""})
    scenario = hubbub.load_scenario(str(HERE / "04_custom_ranker.toml"), overrides)
    sim = hubbub.Simulation(scenario, Path(args.out) / ranker, overwrite=True)
    sim.run()
    return sim.users["emotion_level"].value_counts(normalize=True).rename(ranker)


def main() -> None:
    args = _arguments()
    if args.backend == "scripted":
        print("NOTE: the scripted backend writes canned texts and choices: a plumbing demo, not a finding.")
    table = pd.concat([run("calm-first", args), run("popularity", args)], axis=1).fillna(0.0)
    print(f"share of users by emotion level at the end (backend {args.backend}):\n{table.round(3)}")
    table.to_csv(Path(args.out) / "emotion_by_ranker.csv")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/example-04")
    parser.add_argument("--backend", default="scripted")
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    return parser.parse_args()


if __name__ == "__main__":
    main()
