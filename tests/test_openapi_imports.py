"""The OpenAPI code costs nothing until it is used: not at import, not per request."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_import_asgiweb_does_not_load_the_openapi_code() -> None:
    code = (
        "import sys\n"
        "import asgiweb, asgiweb.routing, asgiweb.applications, asgiweb.testclient\n"
        "app = asgiweb.App()\n"
        "@app.get('/items/{item_id}')\n"
        "def read(item_id: int, q: str | None = None) -> dict:\n"
        "    return {}\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('asgiweb.openapi')\n"
        "                or m == 'asgiweb._validation.jsonschema')\n"
        "print(','.join(loaded))\n"
    )
    assert _run(code) == ""


def test_ordinary_requests_do_not_load_it_and_the_docs_request_does() -> None:
    code = (
        "import sys\n"
        "import asgiweb\n"
        "from asgiweb.testclient import TestClient\n"
        "app = asgiweb.App()\n"
        "@app.get('/items/{item_id}')\n"
        "def read(item_id: int) -> dict:\n"
        "    return {'id': item_id}\n"
        "def loaded():\n"
        "    return any(m.startswith('asgiweb.openapi') for m in sys.modules)\n"
        "with TestClient(app) as client:\n"
        "    assert client.get('/items/3').json() == {'id': 3}\n"
        "    assert client.get('/nothing').status_code == 404\n"
        "    before = loaded()\n"
        "    assert client.get('/openapi.json').status_code == 200\n"
        "    print(before, loaded())\n"
    )
    assert _run(code) == "False True"
