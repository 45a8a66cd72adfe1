"""The TrendSim preset: hub sessions in continuous time, composed from agents and platform."""
