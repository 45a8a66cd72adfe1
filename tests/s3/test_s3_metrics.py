"""Cascade statistics of the whole repost forest agree with the per-tree reference implementation."""

from __future__ import annotations

import numpy as np

from hubbub.metrics.cascade import summarize
from hubbub.metrics.s3 import cascade_summary, forest_stats


def test_forest_stats_match_per_tree_summaries():
    # two trees: 0 <- 1 <- 2, 0 <- 3 (a chain plus a branch) and the lone post 4, and 5 <- 6, 5 <- 7, 5 <- 8 (a star)
    post = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8])
    parent = np.array([-1, 0, 1, 0, -1, -1, 5, 5, 5])
    root = np.array([0, 0, 0, 0, 4, 5, 5, 5, 5])
    step = np.array([0, 1, 2, 1, 1, 0, 1, 1, 2])
    stats = forest_stats(post, parent, root, step).set_index("root_id")
    trees = {0: [-1, 0, 1, 0], 4: [-1], 5: [-1, 0, 0, 0]}
    for r, tree in trees.items():
        ref = summarize(np.array(tree))
        row = stats.loc[r]
        assert (row["size"], row["depth"], row["max_breadth"]) == (ref.size, ref.depth, ref.max_breadth)
        assert np.isclose(row["structural_virality"], ref.structural_virality)
    assert stats.loc[0, "last_step"] == 2 and stats.loc[5, "first_step"] == 0
    table = stats.reset_index().sort_values("size", ascending=False).assign(author="a", kind="seed", policy="seed")
    summary = cascade_summary(table.reset_index(drop=True)).iloc[0]
    assert summary["cascades"] == 3 and summary["with_reposts"] == 2 and summary["largest_size"] == 4
