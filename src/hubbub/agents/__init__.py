"""Agents: personas, prompts, memory, affect (emotion and attitude) and demographics.

``agents`` and ``platform`` never import each other; they meet in events and observations.
"""
