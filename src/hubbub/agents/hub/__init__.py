"""A user on the trending hub (TrendSim): prompts and the steps of a session."""
