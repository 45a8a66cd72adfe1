"""Plots and reports rebuilt from run records (never from a live simulation)."""
