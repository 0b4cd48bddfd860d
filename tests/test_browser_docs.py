"""Swagger UI in a real browser: headless Chromium opens /docs and tries an operation.

Set-up, done here when needed: Debian's ``chromium`` (installed with apt-get
when missing and running as root), the ``swagger-ui-dist`` npm package under
``build/docs-assets`` (served locally by tests/e2e/apps/docs_browser_app.py), and
the ``websockets`` package to speak the DevTools protocol.  Whatever cannot be
had is a skip that says why.  The page is driven over the DevTools protocol:
wait for the operations to be listed, open the GET one, "Try it out", fill in
the path parameter, "Execute", and read the live response.  Every wait is
bounded and the whole test stays under 90 s; the screenshot is kept in
``build/docs.png``.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serverutil import REPO, run_server, stop

BUILD = REPO / "build"
ASSETS = BUILD / "docs-assets" / "node_modules" / "swagger-ui-dist"
TOTAL_BUDGET = 85.0  # seconds, set-up of the browser and server included
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1600",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and cannot be (apt-get needs root)")
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        done = subprocess.run(command, capture_output=True, timeout=600, check=False)
        if done.returncode != 0:
            pytest.skip(f"installing chromium failed: {done.stderr.decode()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed no chromium executable")
    return found


def _swagger_assets() -> Path:
    if (ASSETS / "swagger-ui-bundle.js").is_file():
        return ASSETS
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot fetch swagger-ui-dist")
    done = subprocess.run(
        [npm, "install", "--prefix", str(ASSETS.parent.parent), "swagger-ui-dist"],
        capture_output=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0 or not (ASSETS / "swagger-ui-bundle.js").is_file():
        pytest.skip(f"npm install swagger-ui-dist failed: {done.stderr.decode()[-300:]}")
    return ASSETS


class DevTools:
    """A minimal DevTools-protocol client on one page (flat session)."""

    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.session: str | None = None

    def call(self, method: str, timeout: float = 10.0, **params: Any) -> dict[str, Any]:
        message_id = next(self.ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params}
        if self.session is not None:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method} in {timeout} s")
            reply = json.loads(self.socket.recv(timeout=left))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result

    def open(self, url: str) -> None:
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Page.navigate", url=url)

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, deadline: float, what: str) -> Any:
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"timed out waiting for {what}")

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png", timeout=20)["data"]
        path.write_bytes(base64.b64decode(data))


@contextlib.contextmanager
def _browser(executable: str, deadline: float) -> Iterator[DevTools]:
    profile = tempfile.mkdtemp(prefix="asgiweb-chromium-")
    process = subprocess.Popen(
        [
            executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stderr is not None
        for raw in process.stderr:
            lines.put(raw.decode(errors="replace"))

    threading.Thread(target=pump, daemon=True).start()
    try:
        url = None
        seen: list[str] = []
        while url is None:
            left = min(deadline, time.monotonic() + 30) - time.monotonic()
            if left <= 0 or process.poll() is not None:
                raise RuntimeError("chromium gave no DevTools address:\n" + "".join(seen[-20:]))
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                continue
            seen.append(line)
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                url = found.group(1)
        from websockets.sync.client import connect

        with connect(url, max_size=64 * 1024 * 1024, open_timeout=10) as socket:
            yield DevTools(socket)
    finally:
        stop(process)  # type: ignore[arg-type]  # the process group, bounded
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.timeout(90)
def test_swagger_ui_lists_the_operations_and_try_it_out_answers() -> None:
    started = time.monotonic()
    executable = _chromium()
    assets = _swagger_assets()
    pytest.importorskip("websockets.sync.client", reason="the DevTools client needs websockets")
    deadline = started + TOTAL_BUDGET
    BUILD.mkdir(exist_ok=True)
    with (
        run_server("apps.docs_browser_app:app", env={"ASGIWEB_DOCS_ASSETS": str(assets)}) as server,
        _browser(executable, deadline) as page,
    ):
        base = f"http://127.0.0.1:{server.port}"
        page.open(f"{base}/docs")
        summaries = page.wait_for(
            "(() => { const found = [...document.querySelectorAll('.opblock')];"
            " return found.length >= 3 ? found.map(b =>"
            " b.querySelector('.opblock-summary-method').textContent + ' ' +"
            " b.querySelector('.opblock-summary-path').textContent.replace(/\\u200b/g, ''))"
            " : null; })()",
            deadline,
            "the operations to be listed",
        )
        assert sorted(summaries) == [
            "DELETE /items/{item_id}",
            "GET /items/{item_id}",
            "POST /items",
        ]
        title = page.evaluate("document.querySelector('.info .title').textContent")
        assert title.startswith("Browser sample")

        # Open GET /items/{item_id}, "Try it out", fill item_id, "Execute".
        get_block = "document.querySelector('.opblock-get:has([data-path=\"/items/{item_id}\"])')"
        page.evaluate(f"{get_block}.querySelector('.opblock-summary-control').click()")
        page.wait_for(
            f"!!{get_block}.querySelector('.try-out__btn')", deadline, "the Try it out button"
        )
        page.evaluate(f"{get_block}.querySelector('.try-out__btn').click()")
        page.wait_for(
            f"!!{get_block}.querySelector('input[placeholder=\"item_id\"]:not([disabled])')",
            deadline,
            "the item_id input to be enabled",
        )
        page.evaluate(
            "(() => { const input = "
            f"{get_block}.querySelector('input[placeholder=\"item_id\"]');"
            " const setter = Object.getOwnPropertyDescriptor("
            "HTMLInputElement.prototype, 'value').set;"
            " setter.call(input, '42');"
            " input.dispatchEvent(new Event('input', {bubbles: true}));"
            " input.dispatchEvent(new Event('change', {bubbles: true})); })()"
        )
        # React applies the typed value on its next render: an "Execute" before that
        # only flags the field as missing, so click again until the call is made.
        status_cell = (
            f"(() => {{ const cell = {get_block}.querySelector("
            "'.live-responses-table tbody .response-col_status');"
            " return cell ? cell.textContent.trim() : null; })()"
        )
        status = None
        while status is None:
            page.evaluate(f"{get_block}.querySelector('.execute').click()")
            with contextlib.suppress(TimeoutError):
                status = page.wait_for(
                    status_cell, min(deadline, time.monotonic() + 5), "the live response"
                )
            if time.monotonic() > deadline:
                raise TimeoutError("no live response from Try it out")
        body = page.evaluate(
            f"{get_block}.querySelector('.live-responses-table tbody .highlight-code pre')"
            ".textContent"
        )
        page.screenshot(BUILD / "docs.png")
    assert status == "200"
    assert json.loads(body) == {"item_id": 42, "name": "item 42", "tags": []}
    assert (BUILD / "docs.png").stat().st_size > 10_000
    assert time.monotonic() - started < 90
