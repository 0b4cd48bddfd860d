from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# Shared, noisy machines: a property test must fail on its property, never on
# a wall-clock deadline or a slow-data health check.
settings.register_profile(
    "asgiweb",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("asgiweb")


@pytest.fixture
def anyio_backend() -> str:
    # asgiweb targets asyncio (what uvicorn runs).
    return "asyncio"
