from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Shared, noisy machines: a property test must fail on its property, never on
# a wall-clock deadline or a slow-data health check.
settings.register_profile(
    "asgiweb",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# CI (``.ci/run`` sets ``CI``) draws the same examples on every run, so a red run
# is a change's fault, reproducible, never a rare draw; runs elsewhere draw fresh
# examples each time and keep exploring.
settings.register_profile("asgiweb-ci", parent=settings.get_profile("asgiweb"), derandomize=True)
settings.load_profile("asgiweb-ci" if os.environ.get("CI") else "asgiweb")


@pytest.fixture
def anyio_backend() -> str:
    # asgiweb targets asyncio (what uvicorn runs).
    return "asyncio"
