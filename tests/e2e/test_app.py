"""The foundation against a real uvicorn, spoken to through raw h11 sockets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.serverutil import APP_DIR, Client, http_implementations, run_server

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module", params=http_implementations())
def port(request: pytest.FixtureRequest) -> object:
    with run_server("apps.foundation_app:app", http=request.param) as server:
        yield server.port


def test_keep_alive_serves_several_requests_on_one_connection(port: int) -> None:
    with Client(port) as client:
        for i in range(5):
            reply = client.request("GET", f"/items/{i}?q=x")
            assert reply.status == 200
            assert json.loads(reply.body) == {"item_id": i, "q": "x"}
            assert reply.header("content-type") == "application/json"


def test_head_has_headers_and_no_body(port: int) -> None:
    with Client(port) as client:
        get = client.request("GET", "/items/1")
        head = client.request("HEAD", "/items/1")
    assert head.status == 200
    assert head.body == b""
    assert head.header("content-length") == get.header("content-length")


def test_errors_are_clean_and_server_keeps_serving(port: int) -> None:
    with Client(port) as client:
        assert client.request("GET", "/nope").status == 404
        reply = client.request("DELETE", "/items/1")
        assert reply.status == 405 and reply.header("allow") == "GET, HEAD"
        reply = client.request("GET", "/items/abc")
        assert reply.status == 422
        assert json.loads(reply.body)["detail"][0]["loc"] == ["path", "item_id"]
        reply = client.request("GET", "/boom")
        assert reply.status == 500
        assert reply.body == b"Internal Server Error"
    with Client(port) as client:
        assert client.request("GET", "/items/2").status == 200


def test_lifespan_state_reaches_requests(port: int) -> None:
    with Client(port) as client:
        assert json.loads(client.request("GET", "/state").body) == "hello"


def test_body_limit_and_body_reading(port: int) -> None:
    with Client(port) as client:
        reply = client.request("POST", "/echo", body=b"x" * 1000)
        assert json.loads(reply.body) == {"size": 1000}
    with Client(port) as client:
        reply = client.request("POST", "/echo", body=b"x" * 1_048_577)
        assert reply.status == 413


def test_failed_startup_makes_uvicorn_exit_with_the_message() -> None:
    command = [
        sys.executable, "-m", "uvicorn", "apps.foundation_app:failing_app",
        "--app-dir", str(APP_DIR), "--host", "127.0.0.1", "--port", "0",
        "--lifespan", "on",
    ]  # fmt: skip
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=30,
        env={"FAIL_MESSAGE": "database unreachable", "PATH": ""},
    )
    assert result.returncode != 0
    assert "database unreachable" in result.stderr + result.stdout


def test_root_path_routing_and_relative_redirect_behind_a_proxy() -> None:
    # A TLS-terminating proxy strips /api and uvicorn runs with --root-path /api.
    with run_server("apps.foundation_app:app", extra=["--root-path", "/api"]) as server:
        client = Client(server.port)
        try:
            reply = client.request("GET", "/items/3")
            assert reply.status == 200
            assert json.loads(reply.body) == {"item_id": 3, "q": None}
            reply = client.request("GET", "/items/3/?q=x")
            assert reply.status == 307
            assert reply.header("location") == "/api/items/3?q=x"
        finally:
            client.close()
