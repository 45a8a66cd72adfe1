"""Loaders for real datasets (read in place from the shared data folder) and the paper-style evaluations.

``twitter15``: Ma et al. 2017 rumour propagation trees as cleaned, pseudonymised cascades with a
deterministic train / validation / test split. Importing this package reads nothing.
"""
