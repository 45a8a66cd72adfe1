"""The simulation kernel: one clock, one event queue, one seed tree, one scheduler."""
