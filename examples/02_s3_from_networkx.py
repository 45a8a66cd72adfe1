"""Building an S3 network from a networkx graph and running it round by round.

Generates a directed scale-free follow graph with networkx, writes it as an edge list (a row ``a b``
means a follows b), runs the ``s3-workbench-demo`` setting on it (a few users driven by the LLM, the rest
by rules), prints after each hourly round how many users know of the event and how attitudes are split,
labels a seed post on the way, and summarises the repost cascades from the record.

    .venv/bin/python examples/02_s3_from_networkx.py --out runs/ex2
    .venv/bin/python examples/02_s3_from_networkx.py --out runs/ex2-real --backend openai \\
        --base-url http://localhost:8000/v1 --model Qwen/Qwen2.5-7B-Instruct

Needs networkx (``pip install 'networkx>=3'``; it is in hubbub's ``test`` extra).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import pandas as pd

import hubbub
from hubbub.store import Run

OUTPUTS = ("follows.tsv", "run/manifest.json", "run/run.sqlite", "cascades.csv")
"""What this example writes under --out (the example test checks that each exists)."""

LABEL = "Context: independent monitoring data of the released water are published every week."


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command-line options: where to write, the graph's size, and which model answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/ex2"), help="folder for the graph, run and tables")
    parser.add_argument("--users", type=int, default=300, help="nodes of the generated follow graph")
    parser.add_argument("--backend", default="scripted", choices=["scripted", "openai", "embedded"],
                        help="scripted = canned replies (plumbing only); openai = any OpenAI-compatible server")
    parser.add_argument("--base-url", default=None, help="the server's URL, e.g. http://localhost:8000/v1")
    parser.add_argument("--model", default=None, help="the model name the server knows")
    parser.add_argument("--overwrite", action="store_true", help="replace a run already in --out")
    return parser.parse_args(argv)


def follow_graph(users: int, seed: int) -> nx.DiGraph:
    """A directed scale-free graph: an edge u -> v means u follows v, so a few accounts gather most
    followers (preferential attachment on in-degree)."""
    graph = nx.DiGraph(nx.scale_free_graph(users, seed=seed))  # collapses repeated edges
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    return graph


def write_edges(graph: nx.DiGraph, path: Path) -> Path:
    """The graph as a tab-separated follower/followee edge list, the format ``source = "edges"`` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    nx.write_edgelist(graph, path, delimiter="\t", data=False)
    return path


def build(args: argparse.Namespace, edges: Path) -> hubbub.Simulation:
    """The workbench setting on our graph: one camp (no per-camp attitudes), none of its own
    interventions (they name users of its generated graph)."""
    scenario = hubbub.load_scenario("s3-workbench-demo", {
        "run.name": "example-s3-networkx",
        "s3.network.source": "edges",
        "s3.network.edge_file": str(edges.resolve()),
        "s3.attitude.camp_positive": [],
        "s3.attitude.positive_share": 0.4,
        "interventions": [],
        "interviews": [],
    })
    return hubbub.Simulation(scenario, args.out / "run", backend=args.backend, model=args.model,
                             base_url=args.base_url, overwrite=args.overwrite)


def shares(users: pd.DataFrame) -> dict[str, float]:
    """Awareness and attitude shares of the population, and how many aware users are intensely emotional."""
    aware = users[users["aware"]]
    return {"aware": users["aware"].mean(), "positive": (users["attitude"] == "positive").mean(),
            "positive|aware": (aware["attitude"] == "positive").mean() if len(aware) else float("nan"),
            "intense|aware": (aware["emotion_level"] == "intense").mean() if len(aware) else float("nan")}


def post_depths(posts: pd.DataFrame) -> pd.Series:
    """How many reposts separate each post from its original (posts come in publication order, so a
    parent's depth is known before its reposts')."""
    depth: dict[int, int] = {}
    for post, parent in zip(posts["post_id"], posts["parent_id"]):
        depth[int(post)] = 0 if pd.isna(parent) else depth[int(parent)] + 1
    return pd.Series(depth, name="depth")


def cascades(results: Run) -> pd.DataFrame:
    """One row per original post: its author's followers, how many reposts it got, by how many users,
    how deep the repost tree went and over how many rounds."""
    posts = results.s3_posts.join(post_depths(results.s3_posts), on="post_id")
    followers = results.agents.set_index("agent_id")["followers"]
    table = posts.groupby("root_id").agg(kind=("kind", "first"), author=("agent_id", "first"),
                                         size=("post_id", "size"), reposters=("agent_id", "nunique"),
                                         depth=("depth", "max"), first_step=("step", "min"),
                                         last_step=("step", "max"))
    table["reposts"] = table.pop("size") - 1
    table["author_followers"] = table["author"].map(followers)
    return table.sort_values("reposts", ascending=False)


def main(argv: list[str] | None = None) -> None:
    """Build the graph, run it round by round, summarise the cascades."""
    args = parse_args(argv)
    if args.backend == "scripted":
        print("NOTE: the scripted backend writes canned texts and choices. This shows the plumbing; "
              "nothing below is a finding.")
    graph = follow_graph(args.users, seed=5)
    print(f"graph: {graph.number_of_nodes()} users, {graph.number_of_edges()} follow edges, "
          f"most followers {max(d for _, d in graph.in_degree())}")
    sim = build(args, write_edges(graph, args.out / "follows.tsv"))
    s3 = sim.scenario.s3
    for round_no in range(s3.steps + 1):
        sim.run_until(round_no * s3.step_h)
        line = "  ".join(f"{name} {value:.2f}" for name, value in shares(sim.users).items())
        print(f"round {round_no} ({sim.now:.0f} h): {line}")
        if round_no == 1:
            sim.intervene("label", post_id=0, text=LABEL)  # on seed post 0 and all its reposts
    if not sim.done:
        sim.run()
    results = sim.results
    table = cascades(results)
    print("\n--- cascades (largest first)\n", table.head(8).to_string())
    print("\n--- how users first heard of the event\n", results.s3_awareness["channel"].value_counts().to_string())
    table.to_csv(args.out / "cascades.csv")
    print(f"\nrun {sim.status}; wrote {args.out / 'run'} and {args.out / 'cascades.csv'}")


if __name__ == "__main__":
    try:
        main()
    except hubbub.HubbubError as exc:  # a bad option, a folder that holds a run, a server that is down
        raise SystemExit(f"error: {exc}") from None
