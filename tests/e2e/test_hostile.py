"""A client leaves mid-stream under a real uvicorn: the stream stops, the worker stays responsive.

The generator never awaits (tests/e2e/apps/hostile_app.py), so only the streaming
loop's own checkpoints give the event loop a turn; uvicorn's ``send()`` to a
gone client returns without waiting (spec 2.3).
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.serverutil import Client, Server, fetch, http_implementations, run_server

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def markers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers")


@pytest.fixture(scope="module", params=http_implementations())
def server(request: pytest.FixtureRequest, markers: Path) -> Iterator[Server]:
    with run_server(
        "apps.hostile_app:app", http=request.param, env={"HOSTILE_MARKERS": str(markers)}
    ) as running:
        yield running


def wait_for(path: Path, timeout: float) -> float | None:
    """Seconds until ``path`` exists, or None after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if path.exists():
            return time.monotonic() - start
        time.sleep(0.005)
    return None


def start_and_leave(server: Server, target: str) -> None:
    client = Client(server.port)
    client.send_request("GET", target)
    deadline = time.monotonic() + 5
    received = 0
    while received < 1_000_000 and time.monotonic() < deadline:
        received += len(client.sock.recv(65536))
    assert received >= 1_000_000, "the stream did not start"
    # An abortive close (RST), as a client that crashes or times out.
    client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()


@pytest.mark.parametrize(("route", "prefix"), [("/export", "export"), ("/export-list", "list")])
def test_stream_stops_soon_after_the_client_leaves(
    server: Server, markers: Path, route: str, prefix: str
) -> None:
    marker = uuid.uuid4().hex
    start_and_leave(server, f"{route}?marker={marker}")
    left = time.monotonic()
    # Other clients are answered meanwhile.
    latencies = []
    for _ in range(5):
        sent = time.monotonic()
        reply = fetch(server.port, "GET", "/ping", timeout=5.0)
        latencies.append(time.monotonic() - sent)
        assert reply.status == 200 and reply.body == b"pong"
    assert max(latencies) < 0.5, latencies
    took = wait_for(markers / f"{prefix}-{marker}", 2.0 - (time.monotonic() - left))
    assert took is not None, f"the {route} stream still ran 2 s after the client left"
