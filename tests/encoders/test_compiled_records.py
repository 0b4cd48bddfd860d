"""The compiled response-model writer (``compile_writer``): the same bytes and the same
errors as the general path (fit the value to the model, then ``render_json``)."""

from __future__ import annotations

import dataclasses
import enum
import json
import math
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, NotRequired, TypedDict
from uuid import UUID

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from asgiweb import App
from asgiweb._endpoint.response import compile_shape, compile_writer
from asgiweb.encoders import jsonable_encoder, render_json
from asgiweb.encoders.jsonable import RenderedJSON
from asgiweb.exceptions import ResponseValidationError
from asgiweb.responses import JSONResponse, ORJSONResponse
from asgiweb.testclient import TestClient
from benchmarks.records import RECORDS, Record, reference_json


class Color(enum.Enum):
    RED = "red"
    BLUE = 2


class Level(str, enum.Enum):  # noqa: UP042 - the str mixin FastAPI's docs use
    LOW = "low"
    HIGH = 'hi"gh'


class Size(enum.IntEnum):
    S = 1
    L = 3


@dataclasses.dataclass
class Inner:
    day: date
    note: str | None = None


@dataclasses.dataclass
class Row:
    id: UUID
    name: str
    count: int
    ratio: float
    flag: bool
    when: datetime
    price: Decimal
    tags: list[str]
    inner: Inner
    maybe: Inner | None
    scores: dict[str, int]
    color: Color
    level: Level
    size: Size
    extra: Any
    children: list[Inner]
    at: time
    span: timedelta
    blob: bytes
    nothing: None = None
    weights: list[float] = dataclasses.field(default_factory=list)
    limits: dict[str, float | None] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Node:
    label: str
    children: list[Node]
    parent: Node | None = None


class Point(TypedDict):
    x: int
    at: datetime
    label: NotRequired[str]
    price: NotRequired[Decimal | None]


@dataclasses.dataclass
class Holder:
    points: list[Point]
    by_name: dict[str, Inner]


class Plus1(tzinfo):
    """A tzinfo that is not ``datetime.timezone``: written through the encoder."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=1, seconds=7)

    def tzname(self, dt: datetime | None) -> str:
        return "P1"

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)


class LaterDate(date):
    pass


class Text(str):
    pass


@dataclasses.dataclass
class RowPlus(Row):
    secret: str = "never sent"


# -- the two paths ----------------------------------------------------------------------


def _outcome(shape: Any, value: Any) -> tuple[Any, ...]:
    try:
        return ("body", render_json(shape(value)))
    except ResponseValidationError as exc:
        return ("invalid", exc.errors())
    except Exception as exc:  # whatever the general path raises, the same
        return ("error", type(exc), str(exc))


_SHAPES: dict[Any, tuple[Any, Any]] = {}


def _shapes(model: Any) -> tuple[Any, Any]:
    found = _SHAPES.get(model)
    if found is None:
        found = _SHAPES[model] = (
            compile_shape(model, response_class=JSONResponse),
            compile_shape(model),
        )
    return found


def same_as_general(model: Any, value: Any) -> tuple[Any, ...]:
    """Assert the compiled path answers as the general one; return the outcome."""
    writer_shape, general_shape = _shapes(model)
    got = _outcome(writer_shape, value)
    want = _outcome(general_shape, value)
    assert got == want
    return got


def written(model: Any, value: Any) -> bool:
    """True when the compiled writer (not the fallback) produced the body."""
    return type(_shapes(model)[0](value)) is RenderedJSON


# -- strategies ---------------------------------------------------------------------------

any_text = st.text(st.characters(exclude_categories=()), max_size=12)
texts = st.one_of(any_text, st.sampled_from(['"', "\\", "\x00\x1f\x7f", "é€😀", "\ud800x\udfff"]))
offsets = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))
zones = st.one_of(st.none(), st.builds(timezone, offsets), st.just(UTC), st.just(Plus1()))
datetimes_ = st.datetimes(timezones=zones)
decimals = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(places=2, min_value=-(10**6), max_value=10**6),
    st.sampled_from(
        [
            "0",
            "-0",
            "10",
            "1.50",
            "20.70",
            "100.00",
            "0.00010",
            "-0.50",
            "0.0010",
            "0.0001",
            "0.00001",
            "1E+3",
            "1e-7",
            "12345678901234.5",
            "123456789012345.5",
            "-0.5",
            "9" * 20,
            "1E+5000",
            "sNaN",
            "-Infinity",
        ]
    ).map(Decimal),
)
ints = st.one_of(st.integers(), st.just(10**5000), st.integers(min_value=2**63, max_value=2**70))
floats = st.floats()
finite = st.floats(allow_nan=False, allow_infinity=False)
junk = st.one_of(
    st.none(), st.booleans(), st.integers(), floats, any_text, decimals, st.dates(),
    st.builds(Text, any_text), st.builds(LaterDate, st.integers(1, 9999), st.just(1), st.just(2)),
    st.lists(st.integers(), max_size=2), st.dictionaries(any_text, st.integers(), max_size=2),
)  # fmt: skip


def maybe_junk(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(valid, valid, valid, valid, junk)


bad_inners = st.builds(Inner, day=maybe_junk(st.dates()), note=maybe_junk(st.none() | texts))
good_inners = st.builds(Inner, day=st.dates(), note=st.none() | texts)


def rows(bad: bool) -> st.SearchStrategy[Row]:
    f = maybe_junk if bad else (lambda s: s)
    inners = bad_inners if bad else good_inners
    return st.builds(
        Row,
        id=f(st.uuids()),
        name=f(texts),
        count=f(ints),
        ratio=f(floats if bad else finite),
        flag=f(st.booleans()),
        when=f(datetimes_),
        price=f(decimals if bad else st.decimals(allow_nan=False, allow_infinity=False)),
        tags=f(st.lists(f(texts), max_size=3)),
        inner=f(inners),
        maybe=f(st.none() | inners),
        scores=f(st.dictionaries(texts, f(st.integers()), max_size=3)),
        color=f(st.sampled_from(Color)),
        level=f(st.sampled_from(Level)),
        size=f(st.sampled_from(Size)),
        extra=st.one_of(junk, bad_inners, st.uuids(), datetimes_),
        children=f(st.lists(inners, max_size=2)),
        at=f(st.times()),
        span=f(st.timedeltas()),
        blob=f(st.binary(max_size=4)),
        nothing=f(st.none()),
        weights=f(st.lists(f(floats if bad else finite), max_size=3)),
        limits=f(st.dictionaries(texts, f(st.none() | (floats if bad else finite)), max_size=2)),
    )


def make_points(bad: bool) -> st.SearchStrategy[dict[str, Any]]:
    f = maybe_junk if bad else (lambda s: s)
    return st.fixed_dictionaries(
        {"x": f(ints), "at": f(datetimes_)},
        optional={
            "label": f(texts),
            "price": f(st.none() | st.decimals(allow_nan=False, allow_infinity=False) | decimals),
            "unknown": st.integers(),
        },
    )


points = make_points(bad=True)

relaxed = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- properties ---------------------------------------------------------------------------


@relaxed
@given(st.lists(rows(bad=False), max_size=3))
def test_valid_rows_are_written_by_the_compiled_writer_byte_for_byte(value: list[Row]) -> None:
    outcome = same_as_general(list[Row], value)
    if outcome[0] == "body":
        assert written(list[Row], value)


@relaxed
@given(st.lists(rows(bad=True), max_size=3))
def test_rows_with_wrong_types_answer_as_the_general_path(value: list[Row]) -> None:
    same_as_general(list[Row], value)


@relaxed
@given(rows(bad=True))
def test_a_single_row_answers_as_the_general_path(value: Row) -> None:
    same_as_general(Row, value)


@relaxed
@given(st.lists(make_points(bad=False), max_size=4))
@example([{"x": 1, "at": datetime(2024, 1, 1), "unknown": "never sent"}])
def test_typeddicts_are_filtered_and_written_as_the_general_path(value: list[Any]) -> None:
    outcome = same_as_general(list[Point], value)
    if outcome[0] == "body":
        assert b"unknown" not in outcome[1]
        assert written(list[Point], value)


@relaxed
@given(st.lists(points, max_size=4))
def test_typeddicts_with_wrong_types_answer_as_the_general_path(value: list[Any]) -> None:
    same_as_general(list[Point], value)


@relaxed
@given(
    st.builds(
        Holder,
        points=st.lists(points, max_size=2),
        by_name=st.dictionaries(texts, bad_inners, max_size=2) | junk,
    )
)
def test_containers_of_typeddicts_and_dataclasses(value: Holder) -> None:
    same_as_general(Holder, value)


@relaxed
@given(st.datetimes(timezones=zones))
def test_datetimes_are_spelled_as_isoformat(value: datetime) -> None:
    assert same_as_general(datetime | None, value) == same_as_general(Inner | datetime, value)
    body = same_as_general(list[Point], [{"x": 0, "at": value}])
    assert body[0] == "body"
    assert json.loads(body[1])[0]["at"] == value.isoformat()


@relaxed
@given(decimals)
def test_decimals_are_written_as_jsonable_encoder_converts_them(value: Decimal) -> None:
    outcome = same_as_general(list[Point], [{"x": 0, "at": datetime(2020, 1, 1), "price": value}])
    if value.is_finite() and outcome[0] == "body":
        price = json.loads(outcome[1])[0]["price"]
        expected = jsonable_encoder(value)
        assert price == expected or (isinstance(expected, float) and math.isclose(price, expected))


@relaxed
@given(st.uuids())
def test_uuids_are_written_as_str(value: UUID) -> None:
    got = compile_shape(Inner | UUID, response_class=JSONResponse)(value)
    assert render_json(got) == f'"{value}"'.encode()


@relaxed
@given(st.lists(texts, min_size=14, max_size=40), st.sampled_from([None, 0, Text("x"), b"x"]))
def test_long_lists_of_strings(tags: list[str], odd: Any) -> None:
    record = dataclasses.replace(RECORDS[3], tags=tags)
    assert same_as_general(list[Record], [record])[0] == "body"
    assert written(list[Record], [record])
    spoiled = dataclasses.replace(RECORDS[3], tags=[*tags, odd])
    if same_as_general(list[Record], [record, spoiled])[0] == "body":
        assert not written(list[Record], [record, spoiled])


def test_recursive_dataclasses() -> None:
    leaf = Node("leaf", [])
    tree = Node("root", [leaf, Node("mid", [Node("deep", [Node("deeper", [])])])])
    leaf.parent = Node("up", [])
    assert same_as_general(Node, tree)[0] == "body"
    assert written(Node, tree)
    assert same_as_general(list[Node], [tree, Node("x", [Node("y", "not a list")])])[0] == "invalid"  # type: ignore[arg-type]


def test_cycles_fail_as_the_general_path() -> None:
    node = Node("a", [])
    node.children.append(node)
    assert same_as_general(Node, node)[0] == "error"


def test_subclass_instances_are_filtered_by_the_general_path() -> None:
    value = [dataclasses.replace(RECORDS[0])]
    day = date(2020, 1, 1)
    plus = RowPlus(
        UUID(int=1), "n", 1, 1.0, True, datetime(2020, 1, 1), Decimal(1), [], Inner(day),
        None, {}, Color.RED, Level.LOW, Size.S, None, [], time(1), timedelta(1), b"", None,
        secret="pw",
    )  # fmt: skip
    outcome = same_as_general(list[Row], [plus])
    assert outcome[0] == "body" and b'"pw"' not in outcome[1] and b"secret" not in outcome[1]
    assert not written(list[Row], [plus])
    assert written(list[Record], value)


def test_a_model_nested_past_the_compilers_limit_keeps_the_general_path() -> None:
    model: Any = Inner
    value: Any = Inner(date(2020, 1, 1))
    for _ in range(30):
        model, value = list[model], [value]
    assert compile_writer(model) is None
    assert same_as_general(model, value)[0] == "body"


def test_a_model_of_json_native_types_keeps_the_encoder() -> None:
    assert compile_writer(dict[str, str]) is None
    assert compile_writer(list[int | None]) is None
    assert compile_writer(list[Record]) is not None


# -- through the app ------------------------------------------------------------------------


def test_the_benchmark_records_match_fastapis_dict_path() -> None:
    from fastapi.encoders import jsonable_encoder as fastapi_jsonable_encoder

    app = App()

    @app.get("/model", response_model=list[Record])
    async def model() -> Any:
        return RECORDS

    @app.get("/encoded")
    async def encoded() -> list[Record]:
        return RECORDS

    @app.get("/status", response_model=list[Record], status_code=201)
    def status() -> Any:
        return RECORDS

    expected = reference_json(fastapi_jsonable_encoder(RECORDS))
    with TestClient(app) as client:
        for path, code in [("/model", 200), ("/encoded", 200), ("/status", 201)]:
            response = client.get(path)
            assert response.status_code == code
            assert response.content == expected
            assert response.headers["content-type"] == "application/json"
            assert response.headers["content-length"] == str(len(expected))


def test_wrong_types_are_still_a_500() -> None:
    app = App()
    bad = dataclasses.replace(RECORDS[0], price=[12.5])  # type: ignore[arg-type]

    @app.get("/bad", response_model=list[Record])
    async def bad_records() -> Any:
        return [RECORDS[1], bad]

    with pytest.raises(ResponseValidationError), TestClient(app) as client:
        client.get("/bad")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/bad").status_code == 500


def test_options_and_other_response_classes_take_the_general_path() -> None:
    class Wrapped(JSONResponse):
        def render(self, content: Any) -> bytes:
            assert type(content) is not RenderedJSON
            return render_json({"data": content})

    app = App()

    @app.get("/wrapped", response_model=list[Record], response_class=Wrapped)
    async def wrapped() -> Any:
        return RECORDS[:2]

    @app.get("/exclude", response_model=list[Inner], response_model_exclude_none=True)
    async def exclude() -> Any:
        return [Inner(date(2020, 1, 2)), Inner(date(2020, 1, 3), "n")]

    with TestClient(app) as client:
        assert client.get("/wrapped").json() == {"data": jsonable_encoder(RECORDS[:2])}
        assert client.get("/exclude").json() == [
            {"day": "2020-01-02"},
            {"day": "2020-01-03", "note": "n"},
        ]


def test_orjson_responses_keep_their_renderer() -> None:
    pytest.importorskip("orjson")
    app = App()

    @app.get("/o", response_model=list[Record], response_class=ORJSONResponse)
    async def orjson_records() -> Any:
        return RECORDS

    with TestClient(app) as client:
        assert client.get("/o").json() == json.loads(render_json(RECORDS))
