"""SSE and JSON Lines end to end under uvicorn (tests/e2e/apps/realtime_app.py):
events arrive as yielded, and a client that goes away stops the handler's
generator (its ``finally`` runs) within 2 s, also for a generator that never
awaits anything.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import h11
import pytest

from tests.e2e.serverutil import Client, Server, http_implementations, run_server


@pytest.fixture(scope="module", params=http_implementations())
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    with run_server("apps.realtime_app:app", http=request.param) as running:
        yield running


def test_sse_events_arrive_one_by_one(server: Server) -> None:
    with Client(server.port) as client:
        client.send_request("GET", "/sse/count?n=3&delay=0.2")
        deadline = time.monotonic() + 10
        start = client.next_event(deadline)
        assert isinstance(start, h11.Response) and start.status_code == 200
        headers = {k.decode(): v.decode() for k, v in start.headers}
        assert headers["content-type"] == "text/event-stream; charset=utf-8"
        assert headers["cache-control"] == "no-cache"
        assert headers["x-accel-buffering"] == "no"
        arrivals: list[tuple[float, bytes]] = []
        for _ in range(100):
            event = client.next_event(deadline)
            if isinstance(event, h11.EndOfMessage):
                break
            assert isinstance(event, h11.Data)
            arrivals.append((time.monotonic(), bytes(event.data)))
    body = b"".join(data for _, data in arrivals).decode()
    assert body == "".join(
        f'event: tick\ndata: {{"i":{i}}}\nid: {i}\n\n' for i in range(3)
    )
    # Each event came on its own, about 0.2 s apart: nothing held them back.
    assert len(arrivals) == 3
    assert arrivals[-1][0] - arrivals[0][0] > 0.3


def test_jsonl_lines_arrive_as_yielded(server: Server) -> None:
    with Client(server.port) as client:
        client.send_request("GET", "/jsonl/forever?marker=")
        deadline = time.monotonic() + 10
        start = client.next_event(deadline)
        assert isinstance(start, h11.Response)
        assert dict(start.headers)[b"content-type"] == b"application/jsonl"
        received = b""
        while received.count(b"\n") < 5:
            event = client.next_event(deadline)
            assert isinstance(event, h11.Data)
            received += bytes(event.data)
    lines = [json.loads(line) for line in received.splitlines()[:5]]
    assert lines == [{"i": i} for i in range(5)]


def vanish_and_wait(server: Server, target: str, marker: Path) -> float:
    """Read a little of the stream, drop the connection, return how long the
    generator's ``finally`` took to run."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    received = b""
    deadline = time.monotonic() + 5
    while len(received) < 200 and time.monotonic() < deadline:
        received += sock.recv(65536)
    assert received.startswith(b"HTTP/1.1 200")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    gone = time.monotonic()
    sock.close()
    limit = gone + 2.0
    while time.monotonic() < limit:
        if marker.exists() and marker.read_text():
            return float(marker.read_text().split()[-1]) - gone
        time.sleep(0.02)
    raise AssertionError(f"{target}: the generator was not closed within 2 s of the client leaving")


@pytest.mark.parametrize(
    "path", ["/sse/forever", "/jsonl/forever", "/jsonl/sync", "/sse/busy", "/jsonl/busy"]
)
def test_client_leaving_stops_the_generator(server: Server, tmp_path: Path, path: str) -> None:
    marker = tmp_path / "closed"
    took = vanish_and_wait(server, f"{path}?marker={marker}", marker)
    assert took < 2.0
