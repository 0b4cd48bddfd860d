"""The example service under every server our users run.

uvicorn (with its h11 and its httptools parser), Hypercorn and Granian are
installed from PyPI as test dependencies (the ``dev`` extra); each serves
examples/service in a subprocess on a free port with a SQLite file of its own,
and the same feature checks (tests/e2e/service_checks.py) run against it.
docs/deployment.md lists the servers and the skips.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import h11
import pytest

from tests.e2e.serverutil import (
    APP_DIR,
    REPO,
    Client,
    Server,
    fetch,
    free_port,
    http_implementations,
    run_command,
)
from tests.e2e.service_checks import CHECKS

EXAMPLES = REPO / "examples"
APP = "service.app:app"
DEPLOY_APP = "apps.deployment_app:app"  # tests/e2e/apps/deployment_app.py
PYTHONPATH = f"{EXAMPLES}:{APP_DIR}:{REPO}"


def command(server: str, port: int, app: str = APP, extra: Sequence[str] = ()) -> list[str]:
    if server.startswith("uvicorn-"):
        http = server.removeprefix("uvicorn-")
        return [
            sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
            "--http", http, "--loop", "asyncio", "--log-level", "warning", *extra,
        ]  # fmt: skip
    if server == "hypercorn":
        return [
            sys.executable, "-m", "hypercorn", app, "--bind", f"127.0.0.1:{port}",
            "--log-level", "warning", *extra,
        ]  # fmt: skip
    if server == "granian":
        return [
            sys.executable, "-m", "granian", app, "--interface", "asgi",
            "--host", "127.0.0.1", "--port", str(port), "--no-ws", "--log-level", "warning",
            *extra,
        ]  # fmt: skip
    raise ValueError(server)


def require(server: str) -> None:
    module = "uvicorn" if server.startswith("uvicorn") else server
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (pip install -e '.[dev]')")


SERVERS = [f"uvicorn-{http}" for http in http_implementations()] + ["hypercorn", "granian"]

@pytest.fixture(scope="module", params=SERVERS)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, Server]]:
    name: str = request.param
    require(name)
    data: Path = tmp_path_factory.mktemp(name)
    env = {
        "INVENTORY_DB": str(data / "inventory.sqlite3"),
        "INVENTORY_DATA_DIR": str(data),
        "PYTHONPATH": PYTHONPATH,
    }
    port = free_port()
    with run_command(command(name, port), port, env=env, startup_timeout=30) as running:
        yield name, running


@pytest.mark.parametrize("feature", list(CHECKS))
def test_feature(server: tuple[str, Server], feature: str) -> None:
    CHECKS[feature](server[1].port)


# Deployment options on the other servers (uvicorn's are tests/e2e/test_deployment.py),
# with the deployment app. Each server spells them its own way.
OTHERS = ["hypercorn", "granian"]
WORKERS = {"hypercorn": ["--workers", "2"], "granian": ["--workers", "2"]}
# Hypercorn and Granian expect the proxy to pass the full path (/api/whoami) and
# only announce the prefix; uvicorn's --root-path expects the proxy to strip it.
ROOT_PATH = {"hypercorn": ["--root-path", "/api"], "granian": ["--url-path-prefix", "/api"]}
# Hypercorn waits 3 s for requests in flight by default; Granian waits for them.
GRACEFUL = {"hypercorn": ["--graceful-timeout", "10"], "granian": []}


def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def markers(folder: Path, prefix: str) -> set[str]:
    return {path.name.split("-", 1)[1] for path in folder.glob(f"{prefix}-*")}


def deploy(
    server: str, folder: Path, extra: Sequence[str], app: str = DEPLOY_APP
) -> contextlib.AbstractContextManager[Server]:
    require(server)
    port = free_port()
    env = {"DEPLOY_DIR": str(folder), "PYTHONPATH": PYTHONPATH}
    return run_command(command(server, port, app, extra), port, env=env, startup_timeout=30)


def get_json(port: int, target: str, headers: Sequence[tuple[str, str]] = ()) -> Any:
    reply = fetch(port, "GET", target, headers=headers)
    assert reply.status == 200, (reply.status, reply.body)
    return json.loads(reply.body)


@pytest.mark.parametrize("name", OTHERS)
def test_workers_each_run_the_lifespan_and_all_answer(name: str, tmp_path: Path) -> None:
    with deploy(name, tmp_path, WORKERS[name]) as server:
        wait_for(lambda: len(markers(tmp_path, "started")) == 2, 30, "two workers to start")
        started = {int(pid) for pid in markers(tmp_path, "started")}
        answered: set[int] = set()
        for _ in range(400):
            answered.add(get_json(server.port, "/pid")["pid"])
            if len(answered) == 2:
                break
        assert answered == started


@pytest.mark.parametrize("name", OTHERS)
def test_root_path(name: str, tmp_path: Path) -> None:
    with deploy(name, tmp_path, ROOT_PATH[name]) as server:
        seen = get_json(server.port, "/api/whoami")
        assert (seen["root_path"], seen["path"]) == ("/api", "/api/whoami")
        assert seen["url"] == "http://127.0.0.1/api/whoami"
        reply = fetch(server.port, "GET", "/api/whoami/")
        assert (reply.status, reply.header("location")) == (307, "/api/whoami")


@pytest.mark.parametrize("name", OTHERS)
def test_proxy_headers_through_the_servers_own_middleware(name: str, tmp_path: Path) -> None:
    forwarded = [("x-forwarded-for", "203.0.113.7"), ("x-forwarded-proto", "https")]
    with deploy(name, tmp_path, []) as server:
        plain = get_json(server.port, "/whoami", forwarded)
    # neither server has a command-line option for these headers: they are ignored...
    assert plain["client"][0] == "127.0.0.1" and plain["scheme"] == "http"
    # ...until the app is wrapped in the middleware the server ships
    wrapped = {
        "hypercorn": ("apps.deployment_app:hypercorn_proxied()", []),  # Hypercorn evals the name
        "granian": ("apps.deployment_app:granian_proxied", ["--factory"]),
    }
    app, extra = wrapped[name]
    with deploy(name, tmp_path, extra, app=app) as server:
        seen = get_json(server.port, "/whoami", forwarded)
    assert seen["client"][0] == "203.0.113.7" and seen["scheme"] == "https"
    assert seen["url"] == "https://127.0.0.1/whoami"


@pytest.mark.parametrize("name", OTHERS)
def test_sigterm_lets_the_in_flight_request_finish(name: str, tmp_path: Path) -> None:
    with deploy(name, tmp_path, GRACEFUL[name]) as server:
        wait_for(lambda: len(markers(tmp_path, "started")) == 1, 30, "the worker to start")
        (worker,) = markers(tmp_path, "started")
        with Client(server.port, timeout=15) as client:
            client.send_request("GET", "/slow?seconds=2")
            wait_for((tmp_path / "slow-started").exists, 10, "the slow request to start")
            # the main process only, as `docker stop` and `kill PID` do (see
            # docs/deployment.md for Hypercorn and a signal to the whole group)
            os.kill(server.process.pid, signal.SIGTERM)
            reply = client.read_response(timeout=15)
            assert (reply.status, json.loads(reply.body)) == (200, {"slept": 2.0})
        try:
            code = server.process.wait(15)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{name} did not exit after the request finished") from None
        assert code in (0, -signal.SIGTERM), code
        assert (tmp_path / f"stopped-{worker}").exists()


def test_hypercorn_stops_at_once_when_its_worker_gets_the_signal(tmp_path: Path) -> None:
    """What docs/deployment.md warns about: SIGTERM to Hypercorn's whole process group."""
    with deploy("hypercorn", tmp_path, GRACEFUL["hypercorn"]) as server:
        wait_for(lambda: len(markers(tmp_path, "started")) == 1, 30, "the worker to start")
        (worker,) = markers(tmp_path, "started")
        with Client(server.port, timeout=15) as client:
            client.send_request("GET", "/slow?seconds=2")
            wait_for((tmp_path / "slow-started").exists, 10, "the slow request to start")
            os.killpg(server.process.pid, signal.SIGTERM)
            with pytest.raises((h11.RemoteProtocolError, OSError)):  # cut off mid-request
                client.read_response(timeout=15)
        server.process.wait(15)
    assert not (tmp_path / f"stopped-{worker}").exists()
