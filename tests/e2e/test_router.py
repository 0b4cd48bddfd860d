"""A bare Router under a real uvicorn: routes, 404, 405, slash redirect, lifespan."""

from __future__ import annotations

import json

import pytest

from tests.e2e.serverutil import Client, run_server

pytestmark = pytest.mark.timeout(60)


def test_bare_router_serves_under_uvicorn() -> None:
    with run_server("apps.router_app:router", extra=["--lifespan", "on"]) as server:
        with Client(server.port) as client:
            reply = client.request("GET", "/items/7?q=x")
            assert reply.status == 200
            assert json.loads(reply.body) == {"item_id": 7, "q": "x"}
            assert client.request("GET", "/nowhere").status == 404
            reply = client.request("DELETE", "/items/7")
            assert (reply.status, reply.header("allow")) == (405, "GET, HEAD")
            reply = client.request("GET", "/items/7/")
            assert (reply.status, reply.header("location")) == (307, "/items/7")
            assert json.loads(client.request("POST", "/items").body) == "created"
        assert server.process.poll() is None  # lifespan answered: still serving
