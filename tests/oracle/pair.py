"""Run one app, written once, on asgiweb and on FastAPI (the oracle), and compare answers.

A test writes each app as a factory taking a :class:`Framework`: the names the app
imports (``fw.App`` is ``asgiweb.App`` or ``fastapi.FastAPI``, ``fw.mod`` the top
package, any other public name of the top package as ``fw.Form``, ``fw.UploadFile``...,
``fw.sub("responses")`` a subpackage under the same name in both).  Handlers carry
no return annotation (FastAPI would read it as a response model).

Both comparisons send the same requests to both apps through asgiweb's TestClient:
:func:`compare` checks status, the headers named, and the body bytes;
:func:`same_answers` checks status and the decoded body (JSON as values, else text).
"""

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Self

import pytest

from asgiweb.testclient import ClientResponse, TestClient

__all__ = [
    "FRAMEWORKS",
    "Call",
    "Framework",
    "asgiweb_framework",
    "both",
    "compare",
    "fastapi_framework",
    "frameworks",
    "same_answers",
]

FRAMEWORKS = ("asgiweb", "fastapi")


@dataclass(frozen=True)
class Framework:
    name: str
    mod: ModuleType
    App: Any
    APIRouter: Any
    # The HTTPException class a handler must be registered for to see every
    # HTTP error (FastAPI's docs register Starlette's base class).
    BaseHTTPException: Any

    def sub(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.name}.{name}")

    def __getattr__(self, name: str) -> Any:
        # Any other public name of the top package: fw.Form, fw.UploadFile, fw.Request...
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.mod, name)


def asgiweb_framework() -> Framework:
    import asgiweb

    return Framework("asgiweb", asgiweb, asgiweb.App, asgiweb.Router, asgiweb.HTTPException)


def fastapi_framework() -> Framework:
    fastapi = pytest.importorskip("fastapi")
    import starlette.exceptions

    return Framework(
        "fastapi",
        fastapi,
        fastapi.FastAPI,
        fastapi.APIRouter,
        starlette.exceptions.HTTPException,
    )


def frameworks() -> list[Framework]:
    return [asgiweb_framework(), fastapi_framework()]


@dataclass
class Call:
    method: str
    url: str
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def get(cls, url: str, **options: Any) -> Self:
        return cls("GET", url, options)

    @classmethod
    def post(cls, url: str, **options: Any) -> Self:
        return cls("POST", url, options)

    @classmethod
    def put(cls, url: str, **options: Any) -> Self:
        return cls("PUT", url, options)


def both(factory: Callable[[Framework], Any]) -> tuple[Any, Any]:
    """(asgiweb app, FastAPI app) built by ``factory``."""
    ours, theirs = (factory(fw) for fw in frameworks())
    return ours, theirs


def compare(
    factory: Callable[[Framework], Any],
    calls: Iterable[Call],
    *,
    headers: Sequence[str] = ("content-type",),
    client_options: dict[str, Any] | None = None,
    lifespan: bool = False,
) -> list[ClientResponse]:
    """Send each call to both apps; assert equal status, ``headers`` and body bytes.

    Returns asgiweb's answers, for assertions on the values themselves.
    """
    ours_app, theirs_app = both(factory)
    options = client_options or {}
    ours, theirs = TestClient(ours_app, **options), TestClient(theirs_app, **options)
    answers: list[ClientResponse] = []
    if lifespan:
        ours.__enter__()
        theirs.__enter__()
    try:
        for call in calls:
            a = ours.request(call.method, call.url, **call.options)
            b = theirs.request(call.method, call.url, **call.options)
            where = f"{call.method} {call.url} {call.options}"
            assert a.status_code == b.status_code, (where, a.text, b.text)
            for name in headers:
                assert a.headers.get(name) == b.headers.get(name), (where, name)
            assert a.content == b.content, (where, a.content, b.content)
            answers.append(a)
    finally:
        if lifespan:
            ours.__exit__(None, None, None)
            theirs.__exit__(None, None, None)
    return answers


FormCall = tuple[str, str, dict[str, Any]]  # (method, url, TestClient keywords)


def _decoded(response: ClientResponse) -> tuple[int, Any]:
    content_type = response.headers.get("content-type", "")
    body = response.json() if content_type.startswith("application/json") else response.text
    return response.status_code, body


def same_answers(
    factory: Callable[[Framework], Any], calls: Sequence[FormCall]
) -> list[tuple[int, Any]]:
    """Send ``calls`` to both apps; assert equal status and decoded body; return asgiweb's.

    Form apps: FastAPI parses forms with python-multipart, so without it this skips."""
    ours, theirs = asgiweb_framework(), fastapi_framework()
    pytest.importorskip("python_multipart")
    ours_client, theirs_client = TestClient(factory(ours)), TestClient(factory(theirs))
    answers = []
    for method, url, options in calls:
        mine = _decoded(ours_client.request(method, url, **options))
        reference = _decoded(theirs_client.request(method, url, **options))
        assert mine == reference, (method, url, options)
        answers.append(mine)
    return answers
