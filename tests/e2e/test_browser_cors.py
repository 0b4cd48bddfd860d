"""CORS as a real browser enforces it: headless Chromium, two origins, the example service.

A page served from one 127.0.0.1 port (tests/e2e/apps/cors_page_app.py) calls
the service on another port. Chromium loads it with ``--dump-dom`` after the
page's script has written what each call let it read. The service allows the
first page's origin (``INVENTORY_CORS_ORIGINS``); the same page served from a
third port is refused by the browser.

Debian's ``chromium`` is installed with apt when it is missing and the tests
run as root; the tests skip, naming the reason, only where it cannot be.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serverutil import REPO, Server, fetch, run_server

pytestmark = pytest.mark.timeout(120)  # a first apt install can take a while; the checks < 60 s


def find_or_install_chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("chromium is not installed and the tests are not running as root to apt-get it")
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and there is no apt-get to install it")
    try:
        subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=300)
        subprocess.run(
            ["apt-get", "install", "-y", "chromium"],
            check=True, capture_output=True, timeout=600,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )  # fmt: skip
    except (subprocess.SubprocessError, OSError) as error:
        pytest.skip(f"chromium could not be installed with apt-get: {error}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but no chromium binary is on PATH")
    return found


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_or_install_chromium()


def dump_dom(chromium: str, url: str, profile: Path) -> str:
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
        "--dump-dom", url,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=45)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def results_of(dom: str) -> dict[str, Any]:
    match = re.search(r'<pre id="results">(.*?)</pre>', dom, re.S)
    assert match is not None, dom[-2000:]
    text = html.unescape(match.group(1))
    assert text != "pending", "the page's script did not finish in the time budget"
    data: dict[str, Any] = json.loads(text)
    return data


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, Server]]:
    """(allowed page server, refused page server, service) on three ports."""
    data = tmp_path_factory.mktemp("cors-service")
    with (
        run_server("apps.cors_page_app:app") as allowed,
        run_server("apps.cors_page_app:app") as refused,
    ):
        env = {
            "INVENTORY_DB": str(data / "inventory.sqlite3"),
            "INVENTORY_DATA_DIR": str(data),
            "INVENTORY_CORS_ORIGINS": f"http://127.0.0.1:{allowed.port}",
        }
        with run_server("service.app:app", app_dir=REPO / "examples", env=env) as service:
            body = json.dumps({"name": "seeded", "quantity": 1}).encode()
            reply = fetch(service.port, "POST", "/items", body=body,
                          headers=[("content-type", "application/json")])
            assert reply.status == 201
            yield allowed, refused, service


def page_results(chromium: str, page: Server, service: Server, profile: Path) -> dict[str, Any]:
    url = f"http://127.0.0.1:{page.port}/?service=http://127.0.0.1:{service.port}"
    return results_of(dump_dom(chromium, url, profile))


def test_allowed_origin(
    chromium: str, origins: tuple[Server, Server, Server], tmp_path: Path
) -> None:
    allowed, _, service = origins
    started = time.monotonic()
    results = page_results(chromium, allowed, service, tmp_path / "profile")
    assert results["simple"] == {"status": 200, "name": "seeded"}
    # credentials: the cookie set by the PUT went back with the next call
    assert results["credentialed"] == {"set": 200, "limit": 3}
    assert results["without_credentials"] == {"limit": 20}
    # preflighted (PUT with a custom header): the browser asked first, then sent it
    assert results["preflighted"] == {"status": 200, "name": "renamed in the browser"}
    assert results["header_not_allowed"] == "blocked: TypeError"
    assert results["exposed_header"] == {"disposition": 'attachment; filename="items.csv"'}
    assert time.monotonic() - started < 60
    item = json.loads(fetch(service.port, "GET", "/items/1").body)
    assert (item["name"], item["quantity"]) == ("renamed in the browser", 7)


def test_refused_origin_is_blocked_by_the_browser(
    chromium: str, origins: tuple[Server, Server, Server], tmp_path: Path
) -> None:
    _, refused, service = origins
    before = replacements(service)
    results = page_results(chromium, refused, service, tmp_path / "profile")
    assert set(results.values()) == {"blocked: TypeError"}, results
    # the refused preflight kept the PUT from being sent at all
    assert replacements(service) == before


def replacements(service: Server) -> int:
    time.sleep(0.2)  # let a background audit task of an earlier request land
    entries = json.loads(fetch(service.port, "GET", "/admin/audit?limit=500").body)
    return sum(entry["action"] == "replace" for entry in entries)
