from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    # asgiweb targets asyncio (what uvicorn runs).
    return "asyncio"
