"""Loaders for real datasets (read in place from the shared data folder) and the paper-style evaluations.

``data/``: one reader module per dataset family (``data.twitter15``: Ma et al. 2017 rumour propagation
trees as cleaned, pseudonymised cascades with a deterministic train / validation / test split);
``tasks/``: the evaluation tasks by family; ``harness/``: the suite that runs them with each policy
and writes the results. Importing this package reads nothing.
"""
