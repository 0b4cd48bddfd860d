"""Markers refuse what they do not know, and enforce the Decimal/float constraints as
pydantic does, checked against FastAPI on the same app."""

# No ``from __future__ import annotations``: the handlers below are built inside a
# function, and both frameworks must see their annotations as objects.

import dataclasses
import inspect
import os
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path as FilePath
from types import ModuleType
from typing import Annotated, Any, NewType

import pytest

import asgiweb
from asgiweb import params
from asgiweb.params import PARAM_KEYWORDS
from asgiweb.testclient import TestClient

MARKERS = ("Query", "Path", "Header", "Cookie", "Body")
PARAM_CLASSES = (
    params.Param,
    params.QueryParam,
    params.PathParam,
    params.HeaderParam,
    params.CookieParam,
    params.BodyParam,
)
Amount = NewType("Amount", Decimal)
OWN_KEYWORDS = {"Header": {"convert_underscores"}, "Body": {"embed", "media_type"}}


# -- unknown keywords ------------------------------------------------------------------


@pytest.mark.parametrize("name", MARKERS)
@pytest.mark.parametrize("typo", ["max_lenght", "regexp", "convert_underscore", "default_value"])
def test_marker_function_refuses_unknown_keyword(name: str, typo: str) -> None:
    marker = getattr(asgiweb, name)
    with pytest.raises(TypeError, match=f"'{typo}'") as info:
        marker("x", **{typo: 3})
    assert f"{name}()" in str(info.value)


@pytest.mark.parametrize("cls", PARAM_CLASSES)
def test_param_class_refuses_unknown_keyword(cls: type[params.Param]) -> None:
    with pytest.raises(TypeError, match="'max_lenght'"):
        cls("x", max_lenght=3)  # type: ignore[call-arg]


def test_marker_specific_keywords_stay_with_their_marker() -> None:
    with pytest.raises(TypeError, match="'convert_underscores'"):
        asgiweb.Query(convert_underscores=False)
    with pytest.raises(TypeError, match="'embed'"):
        asgiweb.Header(embed=True)
    assert asgiweb.Header(convert_underscores=False).convert_underscores is False
    assert asgiweb.Body(embed=True, media_type="application/x").embed is True


@pytest.mark.parametrize("name", MARKERS)
def test_every_fastapi_keyword_is_accepted_and_no_other(name: str) -> None:
    param_functions = pytest.importorskip("fastapi.param_functions")
    theirs = set(inspect.signature(getattr(param_functions, name)).parameters) - {"default"}
    ours = PARAM_KEYWORDS | OWN_KEYWORDS.get(name, set())
    assert ours == theirs
    marker = getattr(asgiweb, name)
    for keyword in sorted(theirs):
        value: Any = {"include_in_schema": False, "convert_underscores": False}.get(keyword)
        marker(**{keyword: value})


def test_documentation_keywords_are_kept() -> None:
    marker = asgiweb.Query(
        1,
        title="T",
        description="D",
        examples=[1],
        openapi_examples={"one": {"value": 1}},
        deprecated=True,
        include_in_schema=False,
        json_schema_extra={"x": 1},
        example=1,
        validation_alias="v",
    )
    assert (marker.title, marker.description, marker.examples) == ("T", "D", [1])
    assert marker.deprecated is True and marker.include_in_schema is False
    assert marker.extra == {
        "openapi_examples": {"one": {"value": 1}},
        "json_schema_extra": {"x": 1},
        "example": 1,
        "validation_alias": "v",
    }


# -- max_digits / decimal_places / allow_inf_nan, side by side with FastAPI --------------


def build(framework: ModuleType, Field: Any, AllowInfNan: Any) -> Any:
    """The same routes on FastAPI or asgiweb: ``framework`` provides App and the markers."""
    app = framework.FastAPI() if framework.__name__ == "fastapi" else framework.App()
    Query, Header, Body = framework.Query, framework.Header, framework.Body

    @app.get("/money")
    def money(q: Decimal = Query(max_digits=5, decimal_places=2)) -> Any:
        return str(q)

    @app.get("/optional-money")
    def optional_money(q: Decimal | None = Query(None, max_digits=4)) -> Any:
        return None if q is None else str(q)

    @app.get("/places")
    def places(q: Annotated[Decimal, Query(decimal_places=1, gt=0)]) -> Any:
        return str(q)

    @app.get("/finite")
    def finite(q: float = Query(allow_inf_nan=False, le=10)) -> Any:
        return q

    @app.get("/any-float")
    def any_float(q: float = Query()) -> Any:
        return str(q)

    @app.get("/decimal-nan")
    def decimal_nan(q: Decimal = Query(allow_inf_nan=True)) -> Any:
        return str(q)

    @app.get("/field")
    def field(
        q: Annotated[Decimal, Field(max_digits=3, decimal_places=1)],
        f: Annotated[float, AllowInfNan(False)] = 0.0,
    ) -> Any:
        return [str(q), f]

    @app.get("/header")
    def header(x_amount: Decimal = Header(max_digits=3)) -> Any:
        return str(x_amount)

    # Markers and constraints read through NewType, Optional and Annotated alike.
    @app.get("/wrapped")
    def wrapped(
        amount: Annotated[Amount | None, Query(max_digits=3)] = None,
        code: Annotated[str, Field(max_length=2)] | None = Query(None),
    ) -> Any:
        return [None if amount is None else str(amount), code]

    @dataclasses.dataclass
    class Order:
        price: Annotated[Decimal, Field(max_digits=4, decimal_places=2)]
        weight: Annotated[float, Field(allow_inf_nan=False)] = 1.0

    @app.post("/order")
    def order(item: Order = Body()) -> Any:
        return [str(item.price), item.weight]

    return app


CASES: list[tuple[str, str, dict[str, str] | None, Any]] = (
    [
        ("GET", f"/money?q={q}", None, None)
        for q in [
            "1.23",
            "123.45",
            "-12.3",
            "1234.5",
            "1.234",
            "123456",
            "0.001",
            "1e3",
            "1E5",
            "100.00",
            "0.00",
            "NaN",
            "inf",
            "abc",
            "1000",
        ]
    ]
    + [
        ("GET", "/optional-money", None, None),
        ("GET", "/optional-money?q=12.34", None, None),
        ("GET", "/optional-money?q=123.45", None, None),
        ("GET", "/places?q=1.5", None, None),
        ("GET", "/places?q=1.25", None, None),
        ("GET", "/places?q=-1.25", None, None),
        ("GET", "/places?q=0", None, None),
    ]
    + [
        ("GET", f"/finite?q={q}", None, None)
        for q in ["1.5", "inf", "-inf", "nan", "Infinity", "11", "x"]
    ]
    + [("GET", f"/any-float?q={q}", None, None) for q in ["inf", "nan"]]
    + [("GET", f"/decimal-nan?q={q}", None, None) for q in ["NaN", "-inf", "Infinity", "2.5", "?"]]
    + [
        ("GET", "/field?q=12.3", None, None),
        ("GET", "/field?q=1.23", None, None),
        ("GET", "/field?q=123", None, None),
        ("GET", "/field?q=1&f=inf", None, None),
        ("GET", "/field?q=1&f=2.5", None, None),
        ("GET", "/header", {"x-amount": "12.5"}, None),
        ("GET", "/header", {"x-amount": "1234"}, None),
        ("POST", "/order", None, {"price": "12.34"}),
        ("POST", "/order", None, {"price": 12.345}),
        ("POST", "/order", None, {"price": "123.4"}),
        ("POST", "/order", None, {"price": "12345"}),
        ("POST", "/order", None, {"price": "1", "weight": "inf"}),
        ("GET", "/wrapped", None, None),
        ("GET", "/wrapped?amount=12.5&code=ab", None, None),
        ("GET", "/wrapped?amount=1234", None, None),
        ("GET", "/wrapped?code=abc", None, None),
    ]
)


@pytest.fixture(scope="module")
def clients() -> tuple[TestClient, TestClient]:
    fastapi = pytest.importorskip("fastapi")
    pydantic = pytest.importorskip("pydantic")
    reference = build(fastapi, pydantic.Field, pydantic.AllowInfNan)
    ours = build(asgiweb, pydantic.Field, pydantic.AllowInfNan)
    return TestClient(reference), TestClient(ours)


@pytest.mark.parametrize(("method", "url", "headers", "body"), CASES)
def test_same_answer_as_fastapi(
    clients: tuple[TestClient, TestClient],
    method: str,
    url: str,
    headers: dict[str, str] | None,
    body: Any,
) -> None:
    reference, ours = clients
    expected = reference.request(method, url, headers=headers, json=body)
    got = ours.request(method, url, headers=headers, json=body)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def test_decimal_errors_have_pydantic_types() -> None:
    ours = build(asgiweb, _Stub, _Stub)
    with TestClient(ours) as client:
        kinds = {
            q: client.get(f"/money?q={q}").json()["detail"][0]["type"]
            for q in ("123456", "1.234", "1234.5", "NaN")
        }
        finite = client.get("/finite?q=inf").json()["detail"][0]
    assert kinds == {
        "123456": "decimal_max_digits",
        "1.234": "decimal_max_places",
        "1234.5": "decimal_whole_digits",
        "NaN": "finite_number",
    }
    assert finite["msg"] == "Input should be a finite number"


class _Stub:
    """Stands in for pydantic's Field/AllowInfNan where pydantic is not wanted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)
        if args:
            self.allow_inf_nan = args[0]


@pytest.mark.parametrize(
    ("annotation", "marker"),
    [
        (str, asgiweb.Query(max_digits=3)),
        (int, asgiweb.Query(decimal_places=1)),
        (float, asgiweb.Query(max_digits=3)),
        (list[Decimal], asgiweb.Query(max_digits=3)),
        (str, asgiweb.Query(allow_inf_nan=False)),
    ],
)
def test_constraint_on_the_wrong_type_fails_at_registration(annotation: Any, marker: Any) -> None:
    app = asgiweb.App()

    def handler(q: Any = marker) -> Any:
        return q

    handler.__annotations__["q"] = annotation
    with pytest.raises(TypeError, match="parameter 'q'"):
        app.get("/")(handler)


# -- what a type checker sees ----------------------------------------------------------

SNIPPET = """
from asgiweb import Query
from asgiweb.datastructures import Headers, QueryParams

def use(h: Headers, q: QueryParams) -> None:
    a: str | None = h.get("a")
    b: str | int = h.get("a", 1)
    c: str = h.get("a", "fallback")
    d: str | None = q.get("a")
    e: str | bytes = q.get("a", b"")
    f: str = q.get("a", "fallback")
    Query(1, max_length=3, openapi_examples={})

def wrong(h: Headers, q: QueryParams) -> None:
    g: str = h.get("a")
    i: str = q.get("a")
    Query(1, max_lenght=3)
"""


def test_type_checker_sees_get_types_and_marker_keywords(tmp_path: FilePath) -> None:
    pytest.importorskip("mypy")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(SNIPPET))
    root = FilePath(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(snippet)],
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=300,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    lines = sorted({int(line.split(":")[1]) for line in errors})
    source = textwrap.dedent(SNIPPET).splitlines()
    flagged = [source[n - 1].strip() for n in lines]
    assert flagged == [
        'g: str = h.get("a")',
        'i: str = q.get("a")',
        "Query(1, max_lenght=3)",
    ], result.stdout
