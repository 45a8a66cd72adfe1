"""Shared fixtures: small scenarios on the scripted backend (see hubbub.testing)."""

from __future__ import annotations

import pytest

from hubbub.scenarios.config import Scenario
from hubbub.testing import small_scenario


@pytest.fixture
def scenario() -> Scenario:
    return small_scenario()
