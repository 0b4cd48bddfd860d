"""Run one tutorial app, written once, on asgiweb and on FastAPI, and compare answers.

A tutorial module writes each app as a factory taking a :class:`Framework`: the
names the app imports (``fw.App`` is ``asgiweb.App`` or ``fastapi.FastAPI``,
``fw.mod`` the top package, ``fw.sub("responses")`` a subpackage under the same
name in both).  Handlers carry no return annotation (FastAPI would read it as a
response model).  :func:`compare` sends the same requests to both apps through
asgiweb's TestClient and checks status, the headers named, and the body bytes.
"""

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Self

from asgiweb.testclient import ClientResponse, TestClient

__all__ = ["FRAMEWORKS", "Call", "Framework", "both", "compare", "frameworks"]

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


def frameworks() -> list[Framework]:
    import fastapi
    import starlette.exceptions

    import asgiweb

    return [
        Framework("asgiweb", asgiweb, asgiweb.App, asgiweb.Router, asgiweb.HTTPException),
        Framework(
            "fastapi",
            fastapi,
            fastapi.FastAPI,
            fastapi.APIRouter,
            starlette.exceptions.HTTPException,
        ),
    ]


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
