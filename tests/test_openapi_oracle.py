"""Our OpenAPI document against FastAPI's, app by app, key by key.

Every app of ``tests/oracle_apps/openapi_corpus.py`` is built on both
frameworks from the same source; the two documents must be equal except for
the differences listed in ``KEPT``, each with its reason.  A difference that
is not listed fails the test and is printed as a path into the document.
"""

from __future__ import annotations

import importlib
import json
import warnings
from types import ModuleType
from typing import Any

import pytest

import asgiweb
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import json_differences

fastapi = pytest.importorskip("fastapi")

# The apps of tests/oracle_apps/openapi_corpus.py (imported once fastapi and pydantic
# are known to be there); test_the_corpus_is_all_here keeps this list whole.
APPS = (
    "bodies",
    "dependencies",
    "edges",
    "forms",
    "metadata",
    "parameters",
    "response_models",
    "responses",
    "shared_schemas",
    "streams",
)


def _corpus() -> ModuleType:
    return importlib.import_module("tests.oracle_apps.openapi_corpus")


def _build(name: str, framework: ModuleType) -> Any:
    return _corpus().CORPUS[name](framework)


# (document path, reason).  A path is "/"-joined keys; "*" matches any one key.
KEPT: list[tuple[str, str]] = [
    (
        "/info/title",
        "the default title names the framework: 'asgiweb' where FastAPI says 'FastAPI'",
    ),
]


def _kept_by(difference: str) -> str | None:
    """The KEPT pattern that explains ``difference``, if any."""
    path = difference.split(":", 1)[0].split("/")
    for pattern, _ in KEPT:
        parts = pattern.split("/")
        if len(parts) == len(path) and all(p in ("*", q) for p, q in zip(parts, path, strict=True)):
            return pattern
    return None


def _fastapi_document(name: str) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "email-validator not installed"
        document: dict[str, Any] = _build(name, fastapi).openapi()
    return document


def test_the_corpus_is_all_here() -> None:
    assert sorted(_corpus().CORPUS) == sorted(APPS)


@pytest.mark.parametrize("name", APPS)
def test_same_document_as_fastapi(name: str) -> None:
    ours = _build(name, asgiweb).openapi()
    theirs = _fastapi_document(name)
    left = [d for d in json_differences(ours, theirs) if _kept_by(d) is None]
    assert not left, "\n".join(left)


@pytest.mark.parametrize("name", APPS)
def test_served_document_is_the_same(name: str) -> None:
    """What ``/openapi.json`` answers is ``app.openapi()`` (JSON round trip included)."""
    app = _build(name, asgiweb)
    with TestClient(app) as client:
        reply = client.get("/openapi.json")
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/json"
    assert reply.json() == json.loads(json.dumps(app.openapi()))


def test_every_kept_difference_still_happens() -> None:
    """A listed difference that no longer shows up is stale: remove it from KEPT."""
    seen: set[str | None] = set()
    for name in APPS:
        ours, theirs = _build(name, asgiweb).openapi(), _fastapi_document(name)
        for difference in json_differences(ours, theirs):
            seen.add(_kept_by(difference))
    assert seen == {pattern for pattern, _ in KEPT}


def test_the_corpus_covers_what_the_document_describes() -> None:
    """The corpus really exercises each part of the document (not empty apps)."""
    documents = [_build(name, asgiweb).openapi() for name in APPS]
    text = json.dumps(documents)
    for needle in (
        '"in": "path"',
        '"in": "query"',
        '"in": "header"',
        '"in": "cookie"',
        '"requestBody"',
        "Body_",
        "-Input",
        "-Output",
        "HTTPValidationError",
        '"text/html"',
        '"deprecated": true',
        '"tags"',
        '"servers"',
        '"minimum"',
        '"exclusiveMaximum"',
        '"pattern"',
        '"default"',
        '"examples"',
        '"application/vnd.item+json"',
        '"5XX"',
        '"4XX"',
        '"readOnly"',
        '"prefixItems"',
        '"uniqueItems"',
        '"contentMediaType"',
        '"securitySchemes"',
        '"oauth2"',
        '"apiKey"',
        '"bearerFormat"',
        '"security"',
        '"multipart/form-data"',
        '"application/x-www-form-urlencoded"',
        '"application/jsonl"',
        '"text/event-stream"',
        '"itemSchema"',
    ):
        assert needle in text, needle
