"""Build one app twice, on asgiweb and on FastAPI, and compare their answers.

``Framework`` gives a test the names it needs from either framework, so the
app-building function is written once: ``def build(fw): app = fw.App(); ...``.
``same_answers(build, requests)`` runs every request against both apps through
``asgiweb.testclient.TestClient`` (which drives any ASGI app) and returns the
asgiweb answers after asserting they equal FastAPI's: status, JSON (or text)
body, and the headers a test names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pytest

from asgiweb.testclient import ClientResponse, TestClient

__all__ = ["Call", "Framework", "answer_of", "frameworks", "same_answers"]


class Framework:
    """The public names of asgiweb, or FastAPI's equivalents under asgiweb's names."""

    def __init__(self, name: str) -> None:
        self.name = name
        root: ModuleType = importlib.import_module(name)
        self.security: ModuleType = importlib.import_module(f"{name}.security")
        self.params: ModuleType = importlib.import_module(f"{name}.params")
        self.exceptions: ModuleType = importlib.import_module(f"{name}.exceptions")
        self.responses: ModuleType = importlib.import_module(f"{name}.responses")
        self.App: Any = root.FastAPI if name == "fastapi" else root.App
        self.Router: Any = root.APIRouter if name == "fastapi" else root.Router
        for attr in (
            "BackgroundTasks",
            "Body",
            "Cookie",
            "Depends",
            "File",
            "Form",
            "Header",
            "HTTPException",
            "Path",
            "Query",
            "Request",
            "Response",
            "Security",
            "UploadFile",
        ):
            setattr(self, attr, getattr(root, attr))

    def __getattr__(self, name: str) -> Any:  # for mypy: the names set above
        raise AttributeError(name)


def frameworks() -> tuple[Framework, Framework]:
    pytest.importorskip("fastapi")
    return Framework("asgiweb"), Framework("fastapi")


@dataclass
class Call:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    data: Any = None  # form fields, sent urlencoded
    cookies: dict[str, str] | None = None
    compare_headers: Sequence[str] = ("www-authenticate", "content-type")


def answer_of(response: ClientResponse, header_names: Sequence[str]) -> dict[str, Any]:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return {
        "status": response.status_code,
        "body": body,
        "headers": {name: response.headers.get(name) for name in header_names},
    }


def _run(app: Any, calls: Sequence[Call]) -> list[dict[str, Any]]:
    answers = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for call in calls:
            options: dict[str, Any] = {"headers": call.headers}
            if call.json is not None:
                options["json"] = call.json
            if call.data is not None:
                options["data"] = call.data
            if call.cookies:
                options["cookies"] = call.cookies
            response = client.request(call.method, call.url, **options)
            answers.append(answer_of(response, call.compare_headers))
    return answers


def same_answers(
    build: Callable[[Framework], Any], calls: Sequence[Call | str]
) -> list[dict[str, Any]]:
    """Assert both frameworks answer every call alike; return the answers."""
    ours, theirs = frameworks()
    requests = [Call("GET", c) if isinstance(c, str) else c for c in calls]
    got = _run(build(ours), requests)
    expected = _run(build(theirs), requests)
    for request, mine, reference in zip(requests, got, expected, strict=True):
        assert mine == reference, f"{request.method} {request.url}"
    return got
