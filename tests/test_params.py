"""The parameter markers of ``asgiweb.params``: what they record and what they enforce."""

from __future__ import annotations

from typing import Annotated, Any

import anyio
import pytest

from asgiweb import App, Body, Cookie, Header, Query
from asgiweb._endpoint.plan import compile_endpoint
from asgiweb.exceptions import RequestValidationError
from asgiweb.params import (
    REQUIRED,
    BodyParam,
    CookieParam,
    HeaderParam,
    Path,
    PathParam,
    QueryParam,
)
from asgiweb.requests import Request
from asgiweb.responses import JSONResponse
from asgiweb.testclient import TestClient
from tests.harness import answer_body, get_request


@pytest.mark.parametrize(
    ("marker", "cls", "source"),
    [
        (Query, QueryParam, "query"),
        (Header, HeaderParam, "header"),
        (Cookie, CookieParam, "cookie"),
        (Body, BodyParam, "body"),
        (Path, PathParam, "path"),
    ],
)
def test_markers_record_source_default_and_alias(marker: Any, cls: type, source: str) -> None:
    required = marker()
    assert isinstance(required, cls) and required.source == source
    assert required.default is REQUIRED and required.required
    assert marker(...).required  # FastAPI's spelling of "required"
    optional = marker(7, alias="seven", title="T", description="D", examples=[7])
    assert not optional.required and optional.default == 7 and optional.alias == "seven"
    assert (optional.title, optional.description, optional.examples) == ("T", "D", [7])


def test_markers_keep_unknown_keywords_and_the_old_regex_spelling() -> None:
    marker = Query(None, regex="^a", openapi_examples={"x": {}}, json_schema_extra={"k": 1})
    assert marker.pattern == "^a"
    assert marker.extra == {"openapi_examples": {"x": {}}, "json_schema_extra": {"k": 1}}


def test_marker_specific_options() -> None:
    assert Header().convert_underscores is True
    assert Header(convert_underscores=False).convert_underscores is False
    assert Body(embed=True).embed is True and Body().embed is None
    assert Body().media_type == "application/json"


def test_default_and_default_factory_conflict() -> None:
    with pytest.raises(TypeError):
        Query(1, default_factory=list)
    assert not Query(default_factory=list).required


def _errors(
    handler: Any, request: Request, path_params: dict[str, type] | None = None
) -> list[Any]:
    handle = compile_endpoint(
        handler, path_params=path_params or {}, response_class=JSONResponse, status_code=None
    )
    with pytest.raises(RequestValidationError) as info:
        anyio.run(handle, request)
    return [(e["type"], e["loc"], e.get("ctx")) for e in info.value.errors()]


def _ok(handler: Any, request: Request, path_params: dict[str, type] | None = None) -> bytes:
    handle = compile_endpoint(
        handler, path_params=path_params or {}, response_class=JSONResponse, status_code=None
    )
    return answer_body(anyio.run(handle, request))


def test_numeric_constraints_on_query_and_header() -> None:
    async def handler(
        a: int = Query(gt=0),
        b: float = Query(0, ge=1.5),
        c: int = Query(0, lt=10, multiple_of=2),
        d: int = Header(0, le=3),
    ) -> dict[str, Any]:
        return {"a": a, "b": b, "c": c, "d": d}

    assert _errors(handler, get_request(b"a=0&b=1&c=11", [(b"d", b"4")])) == [
        ("greater_than", ("query", "a"), {"gt": 0}),
        ("greater_than_equal", ("query", "b"), {"ge": 1.5}),
        ("less_than", ("query", "c"), {"lt": 10}),
        ("less_than_equal", ("header", "d"), {"le": 3}),
    ]
    assert _errors(handler, get_request(b"a=1&c=3")) == [
        ("multiple_of", ("query", "c"), {"multiple_of": 2})
    ]
    assert (
        _ok(handler, get_request(b"a=1&b=2&c=4", [(b"d", b"3")])) == b'{"a":1,"b":2.0,"c":4,"d":3}'
    )


def test_length_and_pattern_constraints() -> None:
    async def handler(
        s: Annotated[str, Query(min_length=2, max_length=4, pattern="^[a-z]+$")],
        tags: Annotated[list[str], Query(min_length=1)] = [],  # noqa: B006 - copied per request
    ) -> dict[str, Any]:
        return {"s": s, "tags": tags}

    assert _errors(handler, get_request(b"s=a")) == [
        ("string_too_short", ("query", "s"), {"min_length": 2})
    ]
    assert _errors(handler, get_request(b"s=abcde")) == [
        ("string_too_long", ("query", "s"), {"max_length": 4})
    ]
    assert _errors(handler, get_request(b"s=AB")) == [
        ("string_pattern_mismatch", ("query", "s"), {"pattern": "^[a-z]+$"})
    ]
    assert _ok(handler, get_request(b"s=ab&tags=x")) == b'{"s":"ab","tags":["x"]}'


def test_both_marker_forms_are_equivalent() -> None:
    async def default_form(q: int = Query(10, alias="limit")) -> int:
        return q

    async def annotated_form(q: Annotated[int, Query(alias="limit")] = 10) -> int:
        return q

    for handler in (default_form, annotated_form):
        assert _ok(handler, get_request()) == b"10"
        assert _ok(handler, get_request(b"limit=3&q=9")) == b"3"
        assert _errors(handler, get_request(b"limit=x")) == [
            ("int_parsing", ("query", "limit"), None)
        ]


def test_path_marker_constraints() -> None:
    async def handler(item_id: Annotated[int, Path(ge=1)]) -> int:
        return item_id

    assert _ok(handler, get_request(path_params={"item_id": "4"}), {"item_id": str}) == b"4"
    assert _errors(handler, get_request(path_params={"item_id": 0}), {"item_id": int}) == [
        ("greater_than_equal", ("path", "item_id"), {"ge": 1})
    ]


def test_header_names_cookies_and_body_through_the_app() -> None:
    app = App()

    @app.post("/h")
    async def handler(
        user_agent: str = Header(),
        x_raw_name: str | None = Header(None, convert_underscores=False),
        token: str = Header(alias="X-Api-Token"),
        theme: str = Cookie("light"),
        count: int = Body(embed=True, ge=0),
    ) -> dict[str, Any]:
        return {"ua": user_agent, "raw": x_raw_name, "token": token, "theme": theme, "count": count}

    with TestClient(app) as client:
        r = client.post(
            "/h",
            json={"count": 2},
            headers={"user-agent": "ua/1", "x_raw_name": "r", "x-api-token": "t"},
            cookies={"theme": "dark"},
        )
        assert r.json() == {"ua": "ua/1", "raw": "r", "token": "t", "theme": "dark", "count": 2}
        r = client.post("/h", json={"count": -1}, headers={"user-agent": "u"})
        assert r.status_code == 422
        assert [(e["type"], e["loc"]) for e in r.json()["detail"]] == [
            ("missing", ["header", "X-Api-Token"]),
            ("greater_than_equal", ["body", "count"]),
        ]


def test_default_factory_is_called_per_request() -> None:
    async def handler(tags: list[str] = Query(default_factory=list)) -> list[str]:
        tags.append("x")
        return tags

    assert _ok(handler, get_request()) == b'["x"]'
    assert _ok(handler, get_request()) == b'["x"]'
