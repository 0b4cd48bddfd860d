"""Deployment set-ups run for real: uvicorn workers, a proxy in front, a graceful stop.

docs/deployment.md describes each; the app is tests/e2e/apps/deployment_app.py.
Every wait is bounded and every server is stopped (serverutil).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.e2e.serverutil import REPO, Client, fetch, run_server

APP = "apps.deployment_app:app"


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def pids_in(folder: Path, prefix: str) -> set[int]:
    return {int(path.name.split("-", 1)[1]) for path in folder.glob(f"{prefix}-*")}


def test_two_workers_each_run_the_lifespan_and_both_answer(tmp_path: Path) -> None:
    env = {"DEPLOY_DIR": str(tmp_path)}
    with run_server(APP, extra=["--workers", "2"], env=env, startup_timeout=30) as server:
        wait_for(lambda: len(pids_in(tmp_path, "started")) == 2, 30, "two workers to start")
        started = pids_in(tmp_path, "started")
        assert server.process.pid not in started  # the supervisor serves nothing itself
        answered: set[int] = set()
        for _ in range(400):  # a new connection each time; the kernel spreads them
            answered.add(json.loads(fetch(server.port, "GET", "/pid").body)["pid"])
            if len(answered) == 2:
                break
        assert answered == started
        # each worker ran its startup once: still exactly two markers
        assert len(list(tmp_path.glob("started-*"))) == 2
    # SIGTERM to the group: each worker ran its own shutdown
    assert pids_in(tmp_path, "stopped") == started


def whoami(port: int, target: str, headers: list[tuple[str, str]]) -> dict[str, Any]:
    reply = fetch(port, "GET", target, headers=headers)
    assert reply.status == 200, reply.body
    data: dict[str, Any] = json.loads(reply.body)
    return data


FORWARDED = [("x-forwarded-for", "203.0.113.7, 10.0.0.2"), ("x-forwarded-proto", "https")]


def test_behind_a_proxy_with_root_path_and_proxy_headers(tmp_path: Path) -> None:
    extra = ["--root-path", "/api", "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1"]
    with run_server(APP, extra=extra, env={"DEPLOY_DIR": str(tmp_path)}) as server:
        # the proxy strips /api and forwards /whoami from its own address, 127.0.0.1
        seen = whoami(server.port, "/whoami", FORWARDED)
        # uvicorn trusts only the last hop before a trusted proxy: the rightmost
        # untrusted address in X-Forwarded-For is the client
        assert seen["client"][0] == "10.0.0.2"
        assert seen["scheme"] == "https"
        assert seen["root_path"] == "/api"
        assert seen["url"] == "https://127.0.0.1/api/whoami"
        assert seen["path"] == "/api/whoami"

        one_hop = whoami(server.port, "/whoami", [("x-forwarded-for", "203.0.113.7")])
        assert one_hop["client"][0] == "203.0.113.7" and one_hop["scheme"] == "http"

        # a slash redirect stays under the prefix (the location is relative)
        reply = fetch(server.port, "GET", "/whoami/", headers=FORWARDED)
        assert (reply.status, reply.header("location")) == (307, "/api/whoami")
        assert fetch(server.port, "GET", "/nope").status == 404
        # uvicorn adds the prefix itself: a proxy that forwards it too gets a 404
        assert fetch(server.port, "GET", "/api/whoami").status == 404


def test_proxy_headers_from_an_untrusted_peer_are_ignored(tmp_path: Path) -> None:
    extra = ["--proxy-headers", "--forwarded-allow-ips", "10.9.9.9"]
    with run_server(APP, extra=extra, env={"DEPLOY_DIR": str(tmp_path)}) as server:
        seen = whoami(server.port, "/whoami", FORWARDED)
        assert seen["client"][0] == "127.0.0.1" and seen["scheme"] == "http"
        assert seen["url"] == "http://127.0.0.1/whoami"


def refused(port: int) -> bool:
    try:
        fetch(port, "GET", "/pid")
    except OSError:
        return True
    return False


def test_sigterm_lets_the_in_flight_request_finish_then_runs_shutdown(tmp_path: Path) -> None:
    with run_server(APP, env={"DEPLOY_DIR": str(tmp_path)}) as server:
        pid = server.process.pid
        assert pids_in(tmp_path, "started") == {pid}
        with Client(server.port, timeout=15) as client:
            client.send_request("GET", "/slow?seconds=2")
            wait_for((tmp_path / "slow-started").exists, 10, "the slow request to start")
            os.kill(pid, signal.SIGTERM)
            # the server stops listening at once...
            wait_for(lambda: refused(server.port), 5, "the listening socket to close")
            assert not (tmp_path / f"stopped-{pid}").exists()  # still serving the request
            # ...while the request in flight completes
            reply = client.read_response(timeout=15)
            assert (reply.status, json.loads(reply.body)) == (200, {"slept": 2.0})
        try:
            code = server.process.wait(15)
        except subprocess.TimeoutExpired:
            raise AssertionError("uvicorn did not exit after the request finished") from None
        # uvicorn re-raises the signal once it has shut down cleanly (a clean exit all the same)
        assert code in (0, -signal.SIGTERM), code
        assert (tmp_path / f"stopped-{pid}").read_text() == "stopped"


def test_the_example_service_shares_its_sqlite_file_between_two_workers(tmp_path: Path) -> None:
    env = {"INVENTORY_DB": str(tmp_path / "inventory.sqlite3"), "INVENTORY_DATA_DIR": str(tmp_path)}
    extra = ["--workers", "2"]
    with run_server("service.app:app", app_dir=REPO / "examples", extra=extra, env=env,
                    startup_timeout=30) as server:
        created = set()
        for i in range(30):  # new connections: both workers write
            body = json.dumps({"name": f"w{i}"}).encode()
            headers = [("content-type", "application/json")]
            reply = fetch(server.port, "POST", "/items", body=body, headers=headers)
            assert reply.status == 201, reply.body
            created.add(json.loads(reply.body)["id"])
        assert len(created) == 30
        seen: dict[int, tuple[int, str | None]] = {}
        for _ in range(400):
            with Client(server.port) as client:  # one connection, so one worker
                pid = json.loads(client.request("GET", "/").body)["pid"]
                total = json.loads(client.request("GET", "/items?limit=1").body)["total"]
                etag = client.request("GET", "/exports/report.txt").header("etag")
            seen[pid] = (total, etag)
            if len(seen) == 2:
                break
        # both workers see every item, and serve the same report file
        assert len(seen) == 2 and len(set(seen.values())) == 1, seen
        assert next(iter(seen.values()))[0] == 30
