"""asgiweb answers as FastAPI does: same handler source, same status, same JSON body.

The handlers live in ``tests/oracle/cases.py`` as factories over the marker
namespace; each test serves one under ``fastapi.FastAPI`` and under ``asgiweb.App``
and drives both through the same hand-written ASGI calls (``tests/harness.py``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import fastapi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import asgiweb
from asgiweb import App
from tests.harness import Peer, http_scope, run_asgi
from tests.oracle.cases import (
    CASES,
    JSON_HEADERS,
    OracleRequest,
    body_property_handler,
    query_property_handler,
)


def answer(
    app: Any,
    method: str,
    path: str,
    query: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> tuple[int, Any]:
    """The status and the decoded JSON body (``None`` when empty) ``app`` answers with."""
    scope = http_scope(method, path, headers or [], query_string=query)
    peer = run_asgi(app, scope, Peer(body), timeout=10)
    return peer.status, json.loads(peer.body) if peer.body else None


def serve(framework: Any, route: str, method: str, handler: Any) -> Any:
    """An app of ``framework`` (the ``fastapi`` or ``asgiweb`` module) serving ``handler``."""
    if framework is fastapi:
        reference = fastapi.FastAPI()
        reference.add_api_route(route, handler, methods=[method])
        return reference
    app = App()
    app.route(route, methods=[method])(handler)
    return app


def both(factory: Any, route: str, method: str) -> tuple[Any, App]:
    return (
        serve(fastapi, route, method, factory(fastapi)),
        serve(asgiweb, route, method, factory(asgiweb)),
    )


@pytest.mark.parametrize(
    ("index", "request_"),
    [
        pytest.param(i, req, id=f"{case.name}-{j}")
        for i, case in enumerate(CASES)
        for j, req in enumerate(case.requests)
    ],
)
def test_same_answer_as_fastapi(index: int, request_: OracleRequest) -> None:
    case = CASES[index]
    reference, ours = both(case.factory, case.route, case.method)
    path, query, headers, body = request_
    expected = answer(reference, case.method, path, query, headers, body)
    assert answer(ours, case.method, path, query, headers, body) == expected


@pytest.fixture(scope="module")
def query_apps() -> tuple[Any, App]:
    return both(query_property_handler, "/q", "GET")


@pytest.fixture(scope="module")
def body_apps() -> tuple[Any, App]:
    return both(body_property_handler, "/b", "POST")


_values = st.one_of(
    st.sampled_from(
        [
            "0",
            "1",
            "-3",
            "1.5",
            "1e3",
            "true",
            "off",
            "yes",
            "",
            " 7 ",
            "nan",
            "fast",
            "SLOW",
            "2024-02-29",
            "2023-02-29",
            "2024-01-02T03:04:05Z",
            "2024-01-02 03:04",
            "1700000000",
            "12345678-1234-5678-1234-567812345678",
            "zz",
            "abcdef",
            "0x1",
        ]
    ),
    st.text(alphabet="0123456789-:.TZ+ abe", max_size=12),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.tuples(st.sampled_from("nfbdtumis") | st.just("ids"), _values), max_size=5))
def test_random_query_strings_get_fastapis_answer(
    query_apps: tuple[Any, App], pairs: list[tuple[str, str]]
) -> None:

    reference, ours = query_apps
    query = urlencode(pairs).encode()
    assert answer(ours, "GET", "/q", query) == answer(reference, "GET", "/q", query)


_json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from(["", "x", "1", "2.5", "true", "2024-01-02T03:04:05", "2024-13-01"]),
)
_json_value = st.recursive(
    _json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=2),
        st.dictionaries(st.sampled_from(["when", "tags", "a", "b"]), inner, max_size=3),
    ),
    max_leaves=5,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["name", "count", "ratio", "flag", "inner", "scores", "extra"]),
        _json_value,
        max_size=6,
    )
)
def test_random_json_bodies_get_fastapis_answer(
    body_apps: tuple[Any, App], body: dict[str, Any]
) -> None:
    reference, ours = body_apps
    raw = json.dumps(body).encode()
    expected = answer(reference, "POST", "/b", b"", JSON_HEADERS, raw)
    assert answer(ours, "POST", "/b", b"", JSON_HEADERS, raw) == expected
