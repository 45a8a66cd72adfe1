"""Metrics computed from runs and from real data.

``cascade``: size, depth, breadth, structural virality and growth curves of cascade trees, and a
distance between simulated and real sets of cascades. Submodules are imported where needed; importing
this package does nothing.
"""
