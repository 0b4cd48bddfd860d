"""Dependencies with ``yield`` under a real uvicorn: the exit code runs after the
response, also when the client hangs up in the middle of a streamed body."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.serverutil import Client, fetch, run_server


@pytest.mark.timeout(60)
def test_exit_code_runs_under_uvicorn_also_when_the_client_hangs_up() -> None:
    with run_server("apps.dependencies_app:app") as server:
        reply = fetch(server.port, "GET", "/plain?name=a")
        assert json.loads(reply.body) == {"value": "a"}
        client = Client(server.port)
        try:
            client.send_request("GET", "/stream?name=s")
            first = client.sock.recv(4096)  # headers and a chunk or two, then hang up
            assert first.startswith(b"HTTP/1.1 200")
        finally:
            client.close()
        deadline = time.monotonic() + 10
        while True:
            events = json.loads(fetch(server.port, "GET", "/events").body)
            if "closed s" in events or time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert events[:2] == ["open a", "closed a"]
    assert events[2:] == ["open s", "closed s"]
