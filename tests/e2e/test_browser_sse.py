"""Server-Sent Events in a real browser: headless Chromium's own ``EventSource``.

The page (``/page`` in tests/e2e/apps/realtime_app.py) opens ``/sse/resume``, whose
stream sends three ``tick`` events (ids, ``retry: 100``) and ends; the browser
reconnects by itself with ``Last-Event-ID``, and the handler goes on from the
next id.  After six events the page closes the source and writes what it got
into the DOM, which ``--dump-dom`` prints once the virtual-time budget is spent.

Chromium comes from Debian (``apt-get install chromium``): installed here when
it is missing and we are root with apt; otherwise the test is skipped, saying why.
Everything is bounded: the install, the browser run (< 60 s), the server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.serverutil import Server, run_server

BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_or_install_chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("chromium is not installed and installing it needs root")
    if shutil.which("apt-get") is None:
        pytest.skip("chromium is not installed and there is no apt-get to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=300, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "chromium"],
            check=True,
            capture_output=True,
            timeout=600,
            env=env,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"chromium could not be installed with apt-get: {exc}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but it is not on PATH")
    return found


@pytest.fixture(scope="module")
def chromium() -> str:
    return find_or_install_chromium()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with run_server("apps.realtime_app:app") as running:
        yield running


def test_event_source_receives_events_and_resumes_with_last_event_id(
    chromium: str, server: Server, tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            chromium,
            *BROWSER_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"http://127.0.0.1:{server.port}/page",
        ],
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    dom = result.stdout.decode("utf-8", "replace")
    found = re.search(r'<pre id="out">RESULT (.*?)</pre>', dom, re.DOTALL)
    assert found is not None, (
        f"the page did not report (exit {result.returncode}): {dom[-2000:]!r} "
        f"{result.stderr.decode('utf-8', 'replace')[-2000:]!r}"
    )
    got = json.loads(found.group(1))
    # Three events on the first connection, then three after the reconnect,
    # whose request carried the last id seen.
    assert got == [
        {"id": str(i), "data": {"n": i, "last": None if i < 3 else "2"}} for i in range(6)
    ]
