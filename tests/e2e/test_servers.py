"""The example service under every server our users run.

uvicorn (with its h11 and its httptools parser), Hypercorn and Granian are
installed from PyPI as test dependencies (the ``dev`` extra); each serves
examples/service in a subprocess on a free port with a SQLite file of its own,
and the same feature checks (tests/e2e/service_checks.py) run against it.
docs/deployment.md lists the servers and the skips.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.serverutil import REPO, Server, free_port, http_implementations, run_command
from tests.e2e.service_checks import CHECKS

EXAMPLES = REPO / "examples"
APP = "service.app:app"


def command(server: str, port: int) -> list[str]:
    if server.startswith("uvicorn-"):
        http = server.removeprefix("uvicorn-")
        return [
            sys.executable, "-m", "uvicorn", APP, "--app-dir", str(EXAMPLES),
            "--host", "127.0.0.1", "--port", str(port), "--http", http,
            "--loop", "asyncio", "--log-level", "warning",
        ]  # fmt: skip
    if server == "hypercorn":
        return [
            sys.executable, "-m", "hypercorn", APP, "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning",
        ]  # fmt: skip
    if server == "granian":
        return [
            sys.executable, "-m", "granian", APP, "--interface", "asgi",
            "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
            "--no-ws", "--log-level", "warning",
        ]  # fmt: skip
    raise ValueError(server)


SERVERS = [f"uvicorn-{http}" for http in http_implementations()] + ["hypercorn", "granian"]

# Features a server cannot run, each with the reason, found by running the check.
SKIPS: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, Server]]:
    name: str = request.param
    module = "uvicorn" if name.startswith("uvicorn") else name
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e '.[dev]')")
    data: Path = tmp_path_factory.mktemp(name)
    env = {
        "INVENTORY_DB": str(data / "inventory.sqlite3"),
        "INVENTORY_DATA_DIR": str(data),
        "PYTHONPATH": f"{EXAMPLES}:{REPO}",
    }
    port = free_port()
    with run_command(command(name, port), port, env=env, startup_timeout=30) as running:
        yield name, running


@pytest.mark.parametrize("feature", list(CHECKS))
def test_feature(server: tuple[str, Server], feature: str) -> None:
    name, running = server
    reason = SKIPS.get((name, feature))
    if reason:
        pytest.skip(reason)
    CHECKS[feature](running.port)
