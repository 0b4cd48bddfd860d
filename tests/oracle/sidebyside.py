"""Build one app twice, on asgiweb and on FastAPI (the oracle), and compare the answers.

A test writes its app once, as a function taking a :class:`Framework`:
``def build(fw): app = fw.App(); ...``.  ``fw`` holds the names the app needs under
asgiweb's spelling, taken from asgiweb or from FastAPI: ``fw.App`` and ``fw.Router``
(FastAPI's ``FastAPI`` and ``APIRouter``), ``fw.mod`` the top package, every other
public name of it (``fw.Depends``, ``fw.Form``, ``fw.UploadFile``...), the
subpackages ``fw.security``, ``fw.params``, ``fw.exceptions``, ``fw.responses`` (any
other through ``fw.sub("middleware.gzip")``), and ``fw.BaseHTTPException``.
Handlers carry no return annotation unless the test means a response model (FastAPI
reads one as such).

Both comparisons send the same :class:`Call` s (a bare string is a GET of that URL) to
both apps through ``asgiweb.testclient.TestClient``, which drives any ASGI app:

- :func:`compare` asserts equal status, the named headers, and the body bytes, and
  returns asgiweb's responses;
- :func:`same_answers` asserts equal status, the named headers, and the decoded body
  (JSON as values, anything else as text), and returns asgiweb's answers as dicts
  ``{"status", "body", "headers"}`` (see :func:`answer_of`).

The headers compared are ``headers=`` of the comparison, unless a call names its own
(``Call(..., compare_headers=(...))``).  ``client_options`` go to both TestClients;
the client is entered (the lifespan runs) unless ``lifespan=False``.
"""

import importlib
import json
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, Self

import pytest

from asgiweb.testclient import ClientResponse, TestClient

__all__ = [
    "FRAMEWORKS",
    "Call",
    "Framework",
    "answer_of",
    "ask",
    "both",
    "compare",
    "documents",
    "frameworks",
    "same_answers",
    "same_document",
]

FRAMEWORKS = ("asgiweb", "fastapi")

# Compared unless a comparison or a call names others.
DEFAULT_HEADERS = ("content-type", "www-authenticate")


class Framework:
    """asgiweb's public names, or FastAPI's equivalents under asgiweb's names."""

    def __init__(self, name: str) -> None:
        if name not in FRAMEWORKS:
            raise ValueError(f"unknown framework {name!r}")
        self.name = name
        if name == "fastapi":
            self.mod: ModuleType = pytest.importorskip("fastapi")
            import starlette.exceptions

            self.App: Any = self.mod.FastAPI
            self.Router: Any = self.mod.APIRouter
            # The HTTPException class a handler must be registered for to see every
            # HTTP error (FastAPI's docs register Starlette's base class).
            self.BaseHTTPException: Any = starlette.exceptions.HTTPException
        else:
            self.mod = importlib.import_module(name)
            self.App = self.mod.App
            self.Router = self.mod.Router
            self.BaseHTTPException = self.mod.HTTPException
        self.exceptions = self.sub("exceptions")
        self.params = self.sub("params")
        self.responses = self.sub("responses")
        self.security = self.sub("security")

    def sub(self, name: str) -> ModuleType:
        """The subpackage or module ``name``, under the same dotted name in both."""
        return importlib.import_module(f"{self.name}.{name}")

    def __getattr__(self, name: str) -> Any:
        # Any other public name of the top package: fw.Depends, fw.Form, fw.Request...
        mod = self.__dict__.get("mod")
        if name.startswith("_") or mod is None:
            raise AttributeError(name)
        return getattr(mod, name)

    def __repr__(self) -> str:
        return f"Framework({self.name!r})"


def frameworks() -> tuple[Framework, Framework]:
    """(asgiweb, FastAPI); skips the test when FastAPI is not installed."""
    return Framework("asgiweb"), Framework("fastapi")


def both(factory: Callable[[Framework], Any]) -> tuple[Any, Any]:
    """(asgiweb app, FastAPI app) built by ``factory``."""
    ours, theirs = frameworks()
    return factory(ours), factory(theirs)


class Call:
    """One request: ``TestClient.request``'s method, URL and keywords.

    ``compare_headers``, when given, replaces the comparison's header names for this
    call.
    """

    def __init__(
        self,
        method: str,
        url: str,
        *,
        compare_headers: Sequence[str] | None = None,
        **options: Any,
    ) -> None:
        self.method = method
        self.url = url
        self.compare_headers = compare_headers
        self.options = options

    @classmethod
    def get(cls, url: str, **options: Any) -> Self:
        return cls("GET", url, **options)

    @classmethod
    def post(cls, url: str, **options: Any) -> Self:
        return cls("POST", url, **options)

    @classmethod
    def put(cls, url: str, **options: Any) -> Self:
        return cls("PUT", url, **options)

    def header_names(self, default: Sequence[str]) -> Sequence[str]:
        return default if self.compare_headers is None else self.compare_headers

    def __repr__(self) -> str:
        return f"{self.method} {self.url} {self.options}"


def _calls(calls: Sequence[Call | str]) -> list[Call]:
    return [Call("GET", c) if isinstance(c, str) else c for c in calls]


def _exchange(
    app: Any, calls: Sequence[Call], client_options: dict[str, Any] | None, lifespan: bool
) -> list[ClientResponse]:
    client = TestClient(app, **(client_options or {}))
    if lifespan:
        with client:
            return [client.request(c.method, c.url, **c.options) for c in calls]
    return [client.request(c.method, c.url, **c.options) for c in calls]


def _body(response: ClientResponse) -> Any:
    if not response.content:  # a HEAD answer, a 204: nothing to decode
        return ""
    media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return response.json()
    return response.text


def answer_of(response: ClientResponse, header_names: Sequence[str]) -> dict[str, Any]:
    """Status, decoded body (JSON for a JSON media type, else text) and the named headers."""
    return {
        "status": response.status_code,
        "body": _body(response),
        "headers": {name: response.headers.get(name) for name in header_names},
    }


def ask(
    app: Any,
    calls: Sequence[Call | str],
    *,
    headers: Sequence[str] = DEFAULT_HEADERS,
    client_options: dict[str, Any] | None = None,
    lifespan: bool = True,
) -> list[dict[str, Any]]:
    """Send ``calls`` to one app; return its answers (see :func:`answer_of`)."""
    requests = _calls(calls)
    responses = _exchange(app, requests, client_options, lifespan)
    return [answer_of(r, c.header_names(headers)) for c, r in zip(requests, responses, strict=True)]


def same_answers(
    build: Callable[[Framework], Any],
    calls: Sequence[Call | str],
    *,
    headers: Sequence[str] = DEFAULT_HEADERS,
    client_options: dict[str, Any] | None = None,
    lifespan: bool = True,
) -> list[dict[str, Any]]:
    """Assert both apps give every call the same status, headers and decoded body.

    Returns asgiweb's answers, for assertions on the values themselves.
    """
    ours, theirs = frameworks()
    requests = _calls(calls)
    options = {"headers": headers, "client_options": client_options, "lifespan": lifespan}
    got = ask(build(ours), requests, **options)
    expected = ask(build(theirs), requests, **options)
    for call, mine, reference in zip(requests, got, expected, strict=True):
        assert mine == reference, call
    return got


def compare(
    factory: Callable[[Framework], Any],
    calls: Sequence[Call | str],
    *,
    headers: Sequence[str] = DEFAULT_HEADERS,
    client_options: dict[str, Any] | None = None,
    lifespan: bool = True,
) -> list[ClientResponse]:
    """Assert both apps give every call the same status, headers and body bytes.

    Returns asgiweb's responses, for assertions on the values themselves.
    """
    ours_app, theirs_app = both(factory)
    requests = _calls(calls)
    ours = _exchange(ours_app, requests, client_options, lifespan)
    theirs = _exchange(theirs_app, requests, client_options, lifespan)
    for call, a, b in zip(requests, ours, theirs, strict=True):
        assert a.status_code == b.status_code, (call, a.text, b.text)
        for name in call.header_names(headers):
            assert a.headers.get(name) == b.headers.get(name), (call, name)
        assert a.content == b.content, (call, a.content, b.content)
    return ours


def json_differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Every place two JSON values differ, as ``/key/index/...: what``.  A number
    equals the same number of the other kind (FastAPI's markers keep numeric limits
    as floats: ``gt=0`` is ``0.0``), but a bool is no number here."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        out: list[str] = []
        for key in sorted(set(ours) | set(theirs), key=str):
            where = f"{path}/{key}"
            if key not in theirs:
                out.append(f"{where}: only ours: {json.dumps(ours[key])[:300]}")
            elif key not in ours:
                out.append(f"{where}: only FastAPI's: {json.dumps(theirs[key])[:300]}")
            else:
                out.extend(json_differences(ours[key], theirs[key], where))
        return out
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [
            found
            for index, (one, two) in enumerate(zip(ours, theirs, strict=True))
            for found in json_differences(one, two, f"{path}/{index}")
        ]
    if ours == theirs and isinstance(ours, bool) == isinstance(theirs, bool):
        return []
    return [f"{path}: ours {json.dumps(ours)[:300]} != FastAPI's {json.dumps(theirs)[:300]}"]


def documents(build: Callable[[Framework], Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ours, FastAPI's) OpenAPI documents of the app ``build`` makes, JSON-normalised;
    FastAPI's default title is taken as ours (the default names the framework)."""
    out = []
    for fw in frameworks():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. FastAPI's word on `example=`
            out.append(json.loads(json.dumps(build(fw).openapi())))
    ours, theirs = out
    if ours["info"]["title"] == "asgiweb" and theirs["info"]["title"] == "FastAPI":
        theirs["info"]["title"] = "asgiweb"
    return ours, theirs


def same_document(build: Callable[[Framework], Any]) -> dict[str, Any]:
    """Assert both apps' OpenAPI documents are equal (see :func:`documents`); return ours."""
    ours, theirs = documents(build)
    found = json_differences(ours, theirs)
    assert not found, "\n".join(found)
    return ours
