"""Scenarios are data: TOML files validated into frozen, documented config objects."""

from hubbub.scenarios.config import Scenario, load_scenario, scenario_from_dict

__all__ = ["Scenario", "load_scenario", "scenario_from_dict"]
