"""Run the same form app on asgiweb and on FastAPI (the oracle) and compare answers.

A test writes ``build(fw)``, which defines its app with ``fw.App``, ``fw.Form``,
``fw.File``, ``fw.UploadFile``... and returns it; ``same_answers`` sends the same
requests to both builds and asserts equal status codes and JSON bodies.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from asgiweb.testclient import ClientResponse, TestClient

Call = tuple[str, str, dict[str, Any]]  # (method, url, TestClient keywords)


def asgiweb_framework() -> types.SimpleNamespace:
    import asgiweb

    return types.SimpleNamespace(
        name="asgiweb",
        App=asgiweb.App,
        Form=asgiweb.Form,
        File=asgiweb.File,
        UploadFile=asgiweb.UploadFile,
        Request=asgiweb.Request,
        HTTPException=asgiweb.HTTPException,
    )


def fastapi_framework() -> types.SimpleNamespace:
    fastapi = pytest.importorskip("fastapi")
    pytest.importorskip("python_multipart")
    return types.SimpleNamespace(
        name="fastapi",
        App=fastapi.FastAPI,
        Form=fastapi.Form,
        File=fastapi.File,
        UploadFile=fastapi.UploadFile,
        Request=fastapi.Request,
        HTTPException=fastapi.HTTPException,
    )


def _answer(response: ClientResponse) -> tuple[int, Any]:
    content_type = response.headers.get("content-type", "")
    body = response.json() if content_type.startswith("application/json") else response.text
    return response.status_code, body


def same_answers(
    build: Callable[[types.SimpleNamespace], Any], calls: Sequence[Call]
) -> list[tuple[int, Any]]:
    """Send ``calls`` to both builds; assert they agree; return asgiweb's answers."""
    ours = TestClient(build(asgiweb_framework()))
    theirs = TestClient(build(fastapi_framework()))
    answers = []
    for method, url, options in calls:
        mine = _answer(ours.request(method, url, **options))
        reference = _answer(theirs.request(method, url, **options))
        assert mine == reference, (method, url, options)
        answers.append(mine)
    return answers
