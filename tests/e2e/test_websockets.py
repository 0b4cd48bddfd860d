"""WebSockets end to end: uvicorn with each of its WebSocket implementations
(``websockets`` and ``wsproto``) serving tests/e2e/apps/realtime_app.py (behind the
CORS and GZip middleware), and the ``websockets`` package's clients.

Every wait is bounded: clients have open/close timeouts, receives a timeout.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import wsproto  # noqa: F401 - uvicorn's other WebSocket implementation (the [websockets] extra)
from websockets.asyncio.client import connect as aconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from tests.e2e.serverutil import Server, run_server

TIMEOUT = 5.0


@pytest.fixture(scope="module", params=["websockets", "wsproto"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    with run_server("apps.realtime_app:app", extra=["--ws", request.param]) as running:
        yield running


def url(server: Server, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def wait_for_marker(marker: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text():
            return marker.read_text()
        time.sleep(0.02)
    raise AssertionError(f"the handler did not end within {timeout}s")


def test_echo_text_and_binary(server: Server) -> None:
    with connect(url(server, "/echo"), open_timeout=TIMEOUT, close_timeout=TIMEOUT) as ws:
        for i in range(20):
            ws.send(f"message {i}")
            assert ws.recv(timeout=TIMEOUT) == f"message {i}"
        blob = bytes(range(256)) * 100
        ws.send(blob)
        assert ws.recv(timeout=TIMEOUT) == blob


def test_json_with_path_and_query_parameters(server: Server) -> None:
    with connect(url(server, "/json/3?offset=1"), open_timeout=TIMEOUT) as ws:
        for value in (1, 2, 10):
            ws.send(json.dumps({"value": value}))
            assert json.loads(ws.recv(timeout=TIMEOUT)) == {"value": value * 3 + 1}


def test_invalid_parameter_refuses_the_handshake(server: Server) -> None:
    with pytest.raises(InvalidStatus) as info:
        connect(url(server, "/json/notanint"), open_timeout=TIMEOUT)
    assert info.value.response.status_code == 403


def test_unknown_path_is_refused_with_403(server: Server) -> None:
    with pytest.raises(InvalidStatus) as info:
        connect(url(server, "/no/such/socket"), open_timeout=TIMEOUT)
    assert info.value.response.status_code == 403


def test_header_parameter(server: Server) -> None:
    with connect(
        url(server, "/token"), additional_headers={"X-Token": "secret"}, open_timeout=TIMEOUT
    ) as ws:
        assert ws.recv(timeout=TIMEOUT) == "secret"


def test_subprotocol_negotiation(server: Server) -> None:
    with connect(
        url(server, "/chat"), subprotocols=["chat.v1", "chat.v2"], open_timeout=TIMEOUT
    ) as ws:
        assert ws.subprotocol == "chat.v2"
        assert ws.recv(timeout=TIMEOUT) == "chat.v1,chat.v2"
    with connect(url(server, "/chat"), open_timeout=TIMEOUT) as ws:
        assert ws.subprotocol is None
        assert ws.recv(timeout=TIMEOUT) == ""


def test_server_close_reaches_the_client_with_code_and_reason(server: Server) -> None:
    with connect(url(server, "/server-close"), open_timeout=TIMEOUT) as ws:
        assert ws.recv(timeout=TIMEOUT) == "bye soon"
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (4001, "server says bye")


def test_client_close_reaches_the_handler(server: Server, tmp_path: Path) -> None:
    marker = tmp_path / "closed"
    with connect(url(server, f"/client-close?marker={marker}"), open_timeout=TIMEOUT) as ws:
        ws.send("hello")
        ws.close(code=4002, reason="client says bye")
    assert wait_for_marker(marker, 2.0).startswith("disconnect 4002")


def test_unhandled_error_closes_with_1011(server: Server) -> None:
    with connect(url(server, "/fail"), open_timeout=TIMEOUT) as ws:
        ws.send("go")
        with pytest.raises(ConnectionClosed) as info:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1011


def test_vanished_client_ends_the_handler_within_2s(server: Server, tmp_path: Path) -> None:
    """A client that drops the TCP connection without a close frame."""
    marker = tmp_path / "firehose"
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    sock.sendall(
        f"GET /firehose?marker={marker} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    received = b""
    deadline = time.monotonic() + TIMEOUT
    while received.count(b"x" * 100) < 3 and time.monotonic() < deadline:
        received += sock.recv(65536)
    assert received.startswith(b"HTTP/1.1 101")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    vanished = time.monotonic()
    sock.close()  # RST, no close frame
    ended = wait_for_marker(marker, 2.0)
    assert ended.startswith("ended")
    assert float(ended.split()[-1]) - vanished < 2.0


def test_100_concurrent_connections(server: Server) -> None:
    async def one(index: int) -> list[str]:
        async with aconnect(url(server, "/echo"), open_timeout=10, close_timeout=5) as ws:
            answers = []
            for round_ in range(5):
                await ws.send(f"{index}:{round_}")
                answers.append(await asyncio.wait_for(ws.recv(), 10))
            return answers  # type: ignore[return-value]

    async def everyone() -> list[list[str]]:
        return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(100))), 60)

    results = asyncio.run(everyone())
    assert results == [[f"{i}:{r}" for r in range(5)] for i in range(100)]
