"""Response models and serialisation side by side with FastAPI (the oracle).

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI; the same requests go to both and the answers
(status, ``content-type``, the decoded JSON body) must be equal, and so must the
OpenAPI documents the two apps describe themselves with (response schemas and
components), compared with ``json_differences``.  Where FastAPI's bytes are defined
(the JSON response classes) the bodies are compared byte for byte.

Deliberate differences are asserted as asgiweb's behaviour, each next to the page
that documents it (docs/dependencies.md "Differences from FastAPI", docs/encoder.md).
"""

import dataclasses
import datetime
import enum
import ipaddress
import json
import logging
import pathlib
import uuid
import warnings
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Generic, Literal, Optional, TypeVar, Union

import pydantic
import pydantic.dataclasses
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_serializer
from typing_extensions import TypedDict

from asgiweb.encoders import jsonable_encoder, render_json, render_orjson
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import (
    Call,
    Framework,
    ask,
    compare,
    frameworks,
    same_answers,
    same_document,
)

# -- comparing ---------------------------------------------------------------------------


def same(
    build: Callable[[Framework], Any], calls: list[Call | str], **options: Any
) -> list[dict[str, Any]]:
    """Equal answers to ``calls`` and equal OpenAPI documents; asgiweb's answers."""
    answers = same_answers(build, calls, **options)
    same_document(build)
    return answers


UNRAISED = {"raise_server_exceptions": False}


# -- models ------------------------------------------------------------------------------


class Color(enum.Enum):
    red = "red"
    green = "green"


class Size(enum.IntEnum):
    small = 1
    large = 3


class ItemPublic(BaseModel):
    name: str
    price: float


class ItemStored(ItemPublic):
    secret: str = "hidden"
    cost: float = 0.0


class Tagged(BaseModel):
    name: str
    tags: list[str] = []
    note: str | None = None
    rank: int = 1


@dataclasses.dataclass
class PointDC:
    x: int
    y: int = 0


@dataclasses.dataclass
class Point3(PointDC):
    z: int = 0


@pydantic.dataclasses.dataclass
class PydPoint:
    x: int
    label: str = "p"


class PointTD(TypedDict):
    x: int
    y: int


# -- which model a route has -------------------------------------------------------------


def selection_app(fw: Framework) -> Any:
    app = fw.App()
    r = fw.responses
    stored = {"name": "pen", "price": 1.5, "secret": "s3", "cost": 0.2}

    @app.get("/param", response_model=ItemPublic)
    def param() -> Any:
        return stored

    @app.get("/annotation")
    def annotation() -> ItemPublic:
        return ItemStored(**stored)

    @app.get("/both", response_model=ItemPublic)
    def both() -> ItemStored:
        return ItemStored(**stored)

    @app.get("/off", response_model=None)
    def off() -> ItemPublic:
        return stored  # type: ignore[return-value]

    @app.get("/response-class")
    def response_class() -> r.JSONResponse:
        return r.JSONResponse({"raw": True}, status_code=201)

    @app.get("/response-base")
    def response_base() -> fw.Response:
        return r.PlainTextResponse("text")

    @app.get("/union-response", response_model=None)
    def union_response(redirect: bool = False) -> ItemPublic | r.RedirectResponse:
        if redirect:
            return r.RedirectResponse("/param")
        return stored  # type: ignore[return-value]

    @app.get("/any")
    def any_() -> Any:
        return stored

    @app.get("/none")
    def none() -> None:
        return stored  # type: ignore[return-value]

    @app.get("/none-returns-none")
    def none_returns_none() -> None:
        return None

    @app.get("/model-returns-response")
    def model_returns_response() -> ItemPublic:
        return r.JSONResponse(stored)  # type: ignore[return-value]

    @app.get("/dict-annotation")
    def dict_annotation() -> dict[str, int]:
        return {"a": 1, "b": True}  # type: ignore[dict-item]

    @app.post("/created", status_code=201)
    def created() -> ItemPublic:
        return stored  # type: ignore[return-value]

    @app.get("/temporary")
    def temporary(response: fw.Response) -> ItemPublic:
        response.status_code = 202
        response.headers["x-extra"] = "1"
        return stored  # type: ignore[return-value]

    return app


def test_which_model_a_route_has() -> None:
    answers = same(
        selection_app,
        [
            "/param",
            "/annotation",
            "/both",
            "/off",
            "/response-class",
            "/response-base",
            "/union-response",
            Call.get("/union-response?redirect=1", follow_redirects=False),
            "/any",
            "/none",
            "/none-returns-none",
            "/model-returns-response",
            "/dict-annotation",
            Call.post("/created"),
            Call.get("/temporary", compare_headers=("content-type", "x-extra")),
        ],
    )
    assert answers[0]["body"] == {"name": "pen", "price": 1.5}
    assert answers[3]["body"]["secret"] == "s3"  # response_model=None: sent as returned


def test_a_union_with_a_response_class_is_no_model() -> None:
    """FastAPI refuses ``-> Model | SomeResponse`` at registration unless
    ``response_model=None``; asgiweb takes it as no response model (docs/dependencies.md,
    "Differences from FastAPI"): the value is sent as returned."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/x")
        def x(redirect: bool = False) -> ItemPublic | fw.responses.RedirectResponse:
            if redirect:
                return fw.responses.RedirectResponse("/elsewhere")
            return {"name": "n", "price": 1, "secret": "s"}  # type: ignore[return-value]

        return app

    ours, theirs = frameworks()
    with pytest.raises(theirs.exceptions.FastAPIError, match="response_model=None"):
        build(theirs)
    client = TestClient(build(ours))
    assert client.get("/x").json() == {"name": "n", "price": 1, "secret": "s"}
    redirected = client.get("/x?redirect=1", follow_redirects=False)
    assert (redirected.status_code, redirected.headers["location"]) == (307, "/elsewhere")


# -- no body: 204, 304 -------------------------------------------------------------------


def no_body_app(fw: Framework) -> Any:
    app = fw.App()

    @app.delete("/gone", status_code=204)
    def gone() -> None:
        return None

    @app.get("/not-modified", status_code=304)
    def not_modified() -> None:
        return None

    @app.delete("/gone-dict", status_code=204, response_model=None)
    def gone_dict() -> Any:
        return {"ignored": True}

    @app.get("/temporary-204")
    def temporary_204(response: fw.Response) -> ItemPublic:
        response.status_code = 204
        return {"name": "x", "price": 1}  # type: ignore[return-value]

    return app


def test_no_body_status_codes() -> None:
    same(
        no_body_app,
        [
            Call("DELETE", "/gone", compare_headers=("content-type", "content-length")),
            Call.get("/not-modified", compare_headers=("content-type", "content-length")),
            Call("DELETE", "/gone-dict", compare_headers=("content-type", "content-length")),
            Call.get("/temporary-204", compare_headers=("content-type", "content-length")),
        ],
    )


@pytest.mark.parametrize("code", [101, 204, 205, 304])
@pytest.mark.parametrize(
    "declared",
    [
        {"response_model": ItemPublic},
        {"response_model": Any},
        {"annotation": ItemPublic},
        {"annotation": Any},
        {"annotation": dict},
    ],
    ids=repr,
)
def test_a_model_with_a_no_body_status_code_is_refused(code: int, declared: dict[str, Any]) -> None:
    for fw in frameworks():
        app = fw.App()

        def handler() -> Any:
            return None

        handler.__annotations__["return"] = declared.get("annotation")
        options = {k: v for k, v in declared.items() if k == "response_model"}
        with pytest.raises((AssertionError, ValueError), match=f"{code} must not have"):
            app.get("/x", status_code=code, **options)(handler)


@pytest.mark.parametrize("code", [204, 304])
def test_no_model_with_a_no_body_status_code_is_fine(code: int) -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/none", status_code=code)
        def none() -> None:
            return None

        @app.get("/off", status_code=code, response_model=None)
        def off() -> ItemPublic:
            return {"name": "n"}  # type: ignore[return-value]

        @app.get("/response", status_code=code)
        def response() -> fw.Response:
            return fw.Response(status_code=code)

        @app.get("/bare", status_code=code)
        def bare():
            return {"ignored": True}

        return app

    headers = ("content-type", "content-length")
    same(build, ["/none", "/off", "/response", "/bare"], headers=headers)


# -- pydantic models -----------------------------------------------------------------------


class Address(BaseModel):
    street: str
    city: str = "Paris"


class Person(BaseModel):
    name: str
    address: Address
    previous: list[Address] = []


class PersonStored(Person):
    password: str = "x"


class AddressStored(Address):
    code: str = "secret"


class Aliased(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    full_name: str = Field(alias="fullName")
    age: int = Field(0, serialization_alias="years")
    nick: str | None = Field(None, validation_alias="nickname")


class Computed(BaseModel):
    width: int
    height: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def area(self) -> int:
        return self.width * self.height


class Serialised(BaseModel):
    when: datetime.datetime
    amount: Decimal

    @field_serializer("when")
    def stamp(self, value: datetime.datetime) -> int:
        return int(value.timestamp())


class Timings(BaseModel):
    model_config = ConfigDict(ser_json_timedelta="float", use_enum_values=True)

    took: datetime.timedelta
    color: Color
    size: Size = Size.small


class DefaultTimings(BaseModel):
    took: datetime.timedelta
    color: Color


def pydantic_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/nested")
    def nested() -> Person:
        return PersonStored(
            name="ann",
            address=AddressStored(street="1 rue", code="c"),
            previous=[AddressStored(street="2 rue", city="Lyon")],
            password="p",
        )

    @app.get("/nested-dict", response_model=Person)
    def nested_dict() -> Any:
        return {
            "name": "bob",
            "address": {"street": "s", "code": "c"},
            "previous": [{"street": "t", "extra": 1}],
            "password": "p",
        }

    @app.get("/aliased", response_model=Aliased)
    def aliased() -> Any:
        return {"fullName": "Ann Lee", "age": 3, "nickname": "al"}

    @app.get("/aliased-by-name", response_model=Aliased)
    def aliased_by_name() -> Any:
        return Aliased(full_name="Bo", age=4, nick="b")

    @app.get("/aliased-no-alias", response_model=Aliased, response_model_by_alias=False)
    def aliased_no_alias() -> Any:
        return Aliased(full_name="Bo", age=4, nick="b")

    @app.get("/computed")
    def computed() -> Computed:
        return Computed(width=2, height=3)

    @app.get("/computed-dict", response_model=Computed)
    def computed_dict() -> Any:
        return {"width": 4, "height": 5, "area": 0}

    @app.get("/serialised")
    def serialised() -> Serialised:
        return Serialised(
            when=datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC), amount=Decimal("1.50")
        )

    @app.get("/timings")
    def timings() -> Timings:
        return Timings(took=datetime.timedelta(seconds=90), color=Color.red, size=Size.large)

    @app.get("/default-timings")
    def default_timings() -> DefaultTimings:
        return DefaultTimings(took=datetime.timedelta(minutes=1, seconds=30), color=Color.green)

    @app.get("/list", response_model=list[ItemPublic])
    def list_() -> Any:
        return [ItemStored(name="a", price=1), {"name": "b", "price": "2.5", "secret": "s"}]

    @app.get("/dict", response_model=dict[str, ItemPublic])
    def dict_() -> Any:
        return {"a": ItemStored(name="a", price=1), "b": {"name": "b", "price": 2}}

    @app.get("/optional")
    def optional(empty: bool = False) -> Optional[ItemPublic]:  # noqa: UP045
        return None if empty else ItemStored(name="o", price=0)

    return app


PYDANTIC_CALLS: list[Call | str] = [
    "/nested",
    "/nested-dict",
    "/aliased",
    "/aliased-by-name",
    "/aliased-no-alias",
    "/computed",
    "/computed-dict",
    "/serialised",
    "/timings",
    "/default-timings",
    "/list",
    "/dict",
    "/optional",
    "/optional?empty=1",
]


def test_pydantic_models() -> None:
    answers = dict(zip(PYDANTIC_CALLS, same(pydantic_app, PYDANTIC_CALLS), strict=True))
    # A subclass instance: its own fields filtered out, at every level.
    assert answers["/nested"]["body"] == {
        "name": "ann",
        "address": {"street": "1 rue", "city": "Paris"},
        "previous": [{"street": "2 rue", "city": "Lyon"}],
    }
    assert answers["/aliased"]["body"] == {"fullName": "Ann Lee", "years": 3, "nick": "al"}
    assert answers["/aliased-no-alias"]["body"] == {"full_name": "Bo", "age": 4, "nick": "b"}
    assert answers["/computed-dict"]["body"] == {"width": 4, "height": 5, "area": 20}
    assert answers["/serialised"]["body"] == {"when": 1704164645, "amount": "1.50"}
    assert answers["/timings"]["body"] == {"took": 90.0, "color": "red", "size": 3}
    assert answers["/default-timings"]["body"] == {"took": "PT1M30S", "color": "green"}


# -- value types ------------------------------------------------------------------------------

UTC_NOON = datetime.datetime(2024, 5, 6, 12, 0, 0, 500, tzinfo=datetime.UTC)
PLUS_TWO = datetime.timezone(datetime.timedelta(hours=2))
UID = uuid.UUID("12345678-1234-5678-1234-567812345678")


class Everything(BaseModel):
    when: datetime.datetime
    aware: datetime.datetime
    day: datetime.date
    at: datetime.time
    took: datetime.timedelta
    amount: Decimal
    whole: Decimal
    uid: uuid.UUID
    raw: bytes
    tags: set[str]
    frozen: frozenset[int]
    pair: tuple[int, str]
    many: tuple[int, ...]
    where: pathlib.Path
    ip4: ipaddress.IPv4Address
    ip6: ipaddress.IPv6Address
    net: ipaddress.IPv4Network
    color: Color
    size: Size
    kind: Literal["a", "b"]
    ratio: float
    big: int


# The same fields as a standard dataclass (the model's own annotations, in order).
EverythingDC = dataclasses.make_dataclass(
    "EverythingDC", [(name, field.annotation) for name, field in Everything.model_fields.items()]
)

EVERYTHING: dict[str, Any] = {
    "when": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456),
    "aware": datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=PLUS_TWO),
    "day": datetime.date(2024, 5, 6),
    "at": datetime.time(7, 8, 9),
    "took": datetime.timedelta(seconds=3),
    "amount": Decimal("1.25"),
    "whole": Decimal("7"),
    "uid": UID,
    "raw": b"bytes",
    "tags": {"only"},
    "frozen": frozenset({3}),
    "pair": (1, "one"),
    "many": (1, 2, 3),
    "where": pathlib.Path("/tmp/x"),
    "ip4": ipaddress.IPv4Address("10.0.0.1"),
    "ip6": ipaddress.IPv6Address("::1"),
    "net": ipaddress.IPv4Network("10.0.0.0/8"),
    "color": Color.red,
    "size": Size.large,
    "kind": "b",
    "ratio": 0.5,
    "big": 2**70,
}
# What the two paths spell differently (docs/dependencies.md, "Differences from FastAPI").
DATACLASS_SPELLINGS = {"took", "amount", "whole"}


def types_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/model")
    def model() -> Everything:
        return Everything(**EVERYTHING)

    @app.get("/model-from-dict", response_model=Everything)
    def model_from_dict() -> Any:
        return {**EVERYTHING, "pair": [1, "one"], "tags": ["only"], "uid": str(UID)}

    @app.get("/dataclass")
    def dataclass() -> EverythingDC:
        return EverythingDC(**EVERYTHING)

    @app.get("/no-model")
    def no_model():
        return EVERYTHING

    @app.get("/scalars/{kind}")
    def scalars(kind: str):
        return EVERYTHING[kind]

    @app.get("/uuid")
    def uid() -> uuid.UUID:
        return UID

    @app.get("/uuid-from-str")
    def uid_from_str() -> uuid.UUID:
        return str(UID)  # type: ignore[return-value]

    @app.get("/date-from-str")
    def date_from_str() -> datetime.date:
        return "2024-01-02"  # type: ignore[return-value]

    @app.get("/enum-from-value")
    def enum_from_value() -> Color:
        return "green"  # type: ignore[return-value]

    @app.get("/intenum")
    def intenum() -> Size:
        return 3  # type: ignore[return-value]

    @app.get("/literal")
    def literal() -> Literal["x", 1]:
        return 1

    @app.get("/float-from-int")
    def float_from_int() -> float:
        return 3  # type: ignore[return-value]

    @app.get("/int-from-float")
    def int_from_float() -> int:
        return 3.0  # type: ignore[return-value]

    @app.get("/str-from-int")
    def str_from_int() -> str:
        return 3  # type: ignore[return-value]

    @app.get("/bool-from-str")
    def bool_from_str() -> bool:
        return "yes"  # type: ignore[return-value]

    @app.get("/set")
    def set_() -> set[int]:
        return [3, 1, 3]  # type: ignore[return-value]

    @app.get("/frozenset")
    def frozenset_() -> frozenset[str]:
        return {"a"}  # type: ignore[return-value]

    @app.get("/tuple")
    def tuple_() -> tuple[int, str, float]:
        return [1, "a", 2]  # type: ignore[return-value]

    @app.get("/bytes")
    def bytes_() -> bytes:
        return b"abc"

    @app.get("/path")
    def path_() -> pathlib.Path:
        return "/a/b"  # type: ignore[return-value]

    @app.get("/ip")
    def ip() -> ipaddress.IPv4Address:
        return "1.2.3.4"  # type: ignore[return-value]

    @app.get("/utc")
    def utc() -> datetime.datetime:
        return UTC_NOON

    @app.get("/time-aware")
    def time_aware() -> datetime.time:
        return datetime.time(1, 2, 3, tzinfo=datetime.UTC)

    @app.get("/timedelta")
    def timedelta() -> datetime.timedelta:
        return datetime.timedelta(days=1, microseconds=5)

    @app.get("/decimal")
    def decimal() -> Decimal:
        return Decimal("2.50")

    @app.get("/nested-generic")
    def nested_generic() -> dict[str, list[tuple[int, Optional[ItemPublic]]]]:  # noqa: UP045
        return {"k": [(1, {"name": "n", "price": 1, "x": 0}), (2, None)]}  # type: ignore[list-item]

    return app


TYPE_CALLS: list[Call | str] = [
    "/model",
    "/model-from-dict",
    "/no-model",
    *[f"/scalars/{k}" for k in EVERYTHING if k not in ("tags", "frozen")],
    "/uuid",
    "/uuid-from-str",
    "/date-from-str",
    "/enum-from-value",
    "/intenum",
    "/literal",
    "/float-from-int",
    "/int-from-float",
    "/str-from-int",
    "/bool-from-str",
    "/set",
    "/frozenset",
    "/tuple",
    "/bytes",
    "/path",
    "/ip",
    "/nested-generic",
]
# Written by pydantic-core in FastAPI, by the encoder here (docs/dependencies.md,
# "Differences from FastAPI"): the JSON of a response model that is not a pydantic model.
SPELLED_OURS: dict[str, Any] = {
    "/utc": "2024-05-06T12:00:00.000500+00:00",  # pydantic: ...Z
    "/time-aware": "01:02:03+00:00",  # pydantic: 01:02:03Z
    "/timedelta": 86400.000005,  # pydantic: "P1DT0.000005S"
    "/decimal": 2.5,  # pydantic: "2.50"
}


def test_value_types() -> None:
    answers = same(types_app, TYPE_CALLS, client_options=UNRAISED)
    by_url = dict(zip(TYPE_CALLS, answers, strict=True))
    assert by_url["/model"]["body"]["took"] == "PT3S"  # a pydantic model: pydantic's JSON
    assert by_url["/model"]["body"]["amount"] == "1.25"
    assert by_url["/set"]["body"] == [1, 3]
    assert by_url["/str-from-int"]["status"] == 500  # no coercion to str, as in pydantic


def test_value_types_spelled_by_the_encoder() -> None:
    ours, theirs = frameworks()
    urls = [*SPELLED_OURS, "/dataclass"]
    mine, reference = ask(types_app(ours), urls), ask(types_app(theirs), urls)
    for (url, expected), got, fastapis in zip(SPELLED_OURS.items(), mine, reference, strict=False):
        assert got["body"] == expected, url
        assert fastapis["body"] != expected, url
    dataclass, fastapis = mine[-1]["body"], reference[-1]["body"]
    assert {k: v for k, v in dataclass.items() if k not in DATACLASS_SPELLINGS} == {
        k: v for k, v in fastapis.items() if k not in DATACLASS_SPELLINGS
    }
    assert (dataclass["took"], dataclass["amount"], dataclass["whole"]) == (3.0, 1.25, 7)
    assert (fastapis["took"], fastapis["amount"], fastapis["whole"]) == ("PT3S", "1.25", "7")


# -- dataclasses, TypedDicts, ORM-like objects, unions ----------------------------------------


@dataclasses.dataclass
class Owner:
    name: str
    pets: list[PointDC]
    best: PointDC | None = None


class PetTD(TypedDict, total=False):
    name: str
    age: int


class OwnerTD(TypedDict):
    name: str
    pet: PetTD


class Row:
    """What an ORM hands back: attributes, no mapping, no dataclass."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


class FromRows(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    price: float


class Strict(BaseModel):
    name: str
    price: float


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    meows: int = 1


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    barks: int = 2


class Small(BaseModel):
    a: int


class Large(BaseModel):
    a: int
    b: int = 0


def shapes_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/subclass")
    def subclass() -> PointDC:
        return Point3(1, 2, 3)

    @app.get("/subclass-list")
    def subclass_list() -> list[PointDC]:
        return [Point3(1, 2, 3), PointDC(4)]

    @app.get("/owner")
    def owner() -> Owner:
        return Owner("o", [Point3(1, 2, 3)], Point3(5, 6, 7))

    @app.get("/owner-dict", response_model=Owner)
    def owner_dict() -> Any:
        return {"name": "o", "pets": [{"x": 1, "z": 9}], "best": None, "extra": 1}

    @app.get("/pydantic-dataclass")
    def pydantic_dataclass() -> PydPoint:
        return PydPoint(1)

    @app.get("/pydantic-dataclass-dict", response_model=PydPoint)
    def pydantic_dataclass_dict() -> Any:
        return {"x": "2", "other": 1}

    @app.get("/typeddict")
    def typeddict() -> OwnerTD:
        return {"name": "n", "pet": {"name": "p", "color": "x"}, "extra": 1}  # type: ignore[typeddict-unknown-key]

    @app.get("/typeddict-partial", response_model=list[PetTD])
    def typeddict_partial() -> Any:
        return [{}, {"age": "3"}, {"name": "x", "weight": 1}]

    @app.get("/row", response_model=FromRows)
    def row() -> Any:
        return Row(name="r", price=2, secret="s")

    @app.get("/row-strict", response_model=Strict)
    def row_strict() -> Any:
        return Row(name="r", price=2, secret="s")

    @app.get("/row-dataclass", response_model=PointDC)
    def row_dataclass() -> Any:
        return Row(x=1, y=2, z=3)

    @app.get("/rows", response_model=list[FromRows])
    def rows() -> Any:
        return [Row(name="a", price=1), Row(name="b", price=2.5, other=0)]

    @app.get("/union-models")
    def union_models(which: str = "cat") -> Cat | Dog:
        return {"kind": which}  # type: ignore[return-value]

    @app.get("/union-smart", response_model=Small | Large)
    def union_smart() -> Any:
        return {"a": 1, "b": 2}

    @app.get("/union-smart-instance", response_model=Small | Large)
    def union_smart_instance() -> Any:
        return Large(a=1, b=2)

    @app.get("/union-first", response_model=Union[Large, Small])  # noqa: UP007
    def union_first() -> Any:
        return {"a": 1}

    @app.get("/union-scalars", response_model=int | str)
    def union_scalars() -> Any:
        return "3"

    @app.get("/union-float-int", response_model=float | int)
    def union_float_int() -> Any:
        return 3

    @app.get("/union-dc", response_model=PointDC | Owner)
    def union_dc() -> Any:
        return {"name": "o", "pets": []}

    @app.get("/union-dc-most", response_model=PointDC | Point3)
    def union_dc_most() -> Any:
        return {"x": 1, "z": 3}

    @app.get("/union-dc-tie", response_model=Point3 | PointDC)
    def union_dc_tie() -> Any:
        return {"x": 1}

    @app.get("/union-typeddict", response_model=PetTD | OwnerTD)
    def union_typeddict() -> Any:
        return {"name": "n", "pet": {"age": 1}}

    @app.get("/union-mixed", response_model=Small | PointDC | Large)
    def union_mixed() -> Any:
        return {"a": 1, "b": 2, "x": 3}

    @app.get("/union-in-list", response_model=list[Small | Large])
    def union_in_list() -> Any:
        return [{"a": 1}, {"a": 1, "b": 2}, Small(a=3), Large(a=4)]

    @app.get("/union-in-list-reversed", response_model=list[Large | Small])
    def union_in_list_reversed() -> Any:
        return [{"a": 1}, {"a": 1, "b": 2}, Small(a=3), Large(a=4)]

    @app.get("/union-subclass", response_model=Address | Person)
    def union_subclass() -> Any:
        return AddressStored(street="s", code="c")

    @app.get("/row-subclass", response_model=PointDC)
    def row_subclass() -> Any:
        return Point3(1, 2, 3)

    return app


SHAPE_CALLS: list[Call | str] = [
    "/subclass",
    "/subclass-list",
    "/owner",
    "/owner-dict",
    "/pydantic-dataclass",
    "/pydantic-dataclass-dict",
    "/typeddict",
    "/typeddict-partial",
    "/row",
    "/row-strict",
    "/row-dataclass",
    "/rows",
    "/union-models",
    "/union-models?which=dog",
    "/union-models?which=cow",
    "/union-smart",
    "/union-smart-instance",
    "/union-first",
    "/union-scalars",
    "/union-float-int",
    "/union-dc",
    "/union-dc-most",
    "/union-dc-tie",
    "/union-typeddict",
    "/union-mixed",
    "/union-in-list",
    "/union-in-list-reversed",
    "/union-subclass",
    "/row-subclass",
]


def test_dataclasses_typeddicts_rows_and_unions() -> None:
    answers = same(shapes_app, SHAPE_CALLS, client_options=UNRAISED)
    answers = dict(zip(SHAPE_CALLS, answers, strict=True))
    assert answers["/subclass"]["body"] == {"x": 1, "y": 2}
    # An ORM-like object fits a pydantic model (FastAPI validates with
    # from_attributes), never a dataclass.
    assert answers["/row"]["body"] == {"name": "r", "price": 2.0}
    assert answers["/row-dataclass"]["status"] == 500
    # Smart unions: the member the value sets the most fields of; the first on a tie.
    assert answers["/union-smart"]["body"] == {"a": 1, "b": 2}
    assert answers["/union-first"]["body"] == {"a": 1, "b": 0}
    assert answers["/union-dc-most"]["body"] == {"x": 1, "y": 0, "z": 3}


T = TypeVar("T")


@dataclasses.dataclass
class Page(Generic[T]):
    items: list[T]
    total: int = 0


class PydanticPage(BaseModel, Generic[T]):
    items: list[T]
    total: int = 0


def generics_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/page")
    def page() -> Page[ItemPublic]:
        return Page([ItemStored(name="a", price=1)], 1)

    @app.get("/page-dict", response_model=Page[PointDC])
    def page_dict() -> Any:
        return {"items": [{"x": 1, "z": 2}], "extra": 1}

    @app.get("/pydantic-page")
    def pydantic_page() -> PydanticPage[ItemPublic]:
        return PydanticPage[ItemPublic](items=[ItemStored(name="a", price=1)], total=1)

    @app.get("/pydantic-page-dict", response_model=PydanticPage[PointDC])
    def pydantic_page_dict() -> Any:
        return {"items": [{"x": 1, "z": 2}], "extra": 1}

    @app.get("/nested", response_model=dict[str, list[Page[Small | Large]]])
    def nested() -> Any:
        return {"k": [{"items": [{"a": 1, "b": 2}, {"a": 3}]}]}

    @app.get("/tuple-of-models", response_model=tuple[ItemPublic, Optional[PointDC]])  # noqa: UP045
    def tuple_of_models() -> Any:
        return [ItemStored(name="t", price=2), Point3(1, 2, 3)]

    return app


GENERIC_URLS = [
    "/page",
    "/page-dict",
    "/pydantic-page",
    "/pydantic-page-dict",
    "/nested",
    "/tuple-of-models",
]


def test_generic_models() -> None:
    answers = same(generics_app, GENERIC_URLS)
    assert answers[0]["body"] == {"items": [{"name": "a", "price": 1.0}], "total": 1}
    # Small | Large: {"a": 3} sets as many fields of each, so the first wins.
    assert answers[4]["body"] == {"k": [{"items": [{"a": 1, "b": 2}, {"a": 3}], "total": 0}]}
    assert answers[5]["body"] == [{"name": "t", "price": 2.0}, {"x": 1, "y": 2}]


U = TypeVar("U")


@dataclasses.dataclass
class Pair(Generic[T, U]):
    first: T
    second: U


GENERIC_MODELS: list[Any] = [
    Page[Optional[int]],  # noqa: UP045
    Page[dict[str, int]],
    Page[int | str],
    Pair[int, Page[str]],
    Page[Any],
    Page[Literal["a", 1]],
    Page,
    Page[ItemPublic | None],
    list[Page[list[PointDC]]],
]


def test_generic_dataclasses_in_the_document() -> None:
    """Each parametrised generic dataclass is its own definition, named as pydantic
    names it (``Page_Union_int__NoneType__``)."""

    def build(fw: Framework) -> Any:
        app = fw.App()
        for index, model in enumerate(GENERIC_MODELS):
            app.get(f"/{index}", response_model=model)(lambda: None)
        return app

    document = same_document(build)
    assert "Pair_int_Page_str__" in document["components"]["schemas"]


# -- response_model_include / exclude / exclude_* ---------------------------------------------


class Part(BaseModel):
    name: str
    note: str | None = None
    weight: float = 1.0


class Machine(BaseModel):
    name: str
    description: str | None = None
    price: float = 10.0
    parts: list[Part] = []
    main: Part | None = None
    tags: dict[str, int] = {}


@dataclasses.dataclass
class PartDC:
    name: str
    note: str | None = None
    weight: float = 1.0


@dataclasses.dataclass
class MachineDC:
    name: str
    description: str | None = None
    price: float = 10.0
    parts: list[PartDC] = dataclasses.field(default_factory=list)
    main: PartDC | None = None


MACHINE: dict[str, Any] = {
    "name": "m",
    "price": 10.0,
    "parts": [{"name": "a", "weight": 2.0}, {"name": "b", "note": None}],
    "main": {"name": "c", "note": "n"},
    "tags": {"x": 1},
}

OPTION_SETS: dict[str, dict[str, Any]] = {
    "include-set": {"response_model_include": {"name", "price"}},
    "exclude-set": {"response_model_exclude": {"parts", "tags"}},
    "include-list": {"response_model_include": ["name", "main"]},
    "include-nested": {"response_model_include": {"name": ..., "main": {"name"}}},
    "exclude-nested": {"response_model_exclude": {"main": {"note"}, "parts": {0: True}}},
    "exclude-items": {"response_model_exclude": {"parts": {"__all__": {"weight"}}}},
    "exclude-all-and-one": {
        "response_model_exclude": {"parts": {"__all__": {"weight"}, 0: {"note"}}}
    },
    "include-items": {"response_model_include": {"name": True, "parts": {"__all__": {"name"}}}},
    "include-and-exclude": {
        "response_model_include": {"name", "parts", "price"},
        "response_model_exclude": {"price"},
    },
    "unset": {"response_model_exclude_unset": True},
    "defaults": {"response_model_exclude_defaults": True},
    "none": {"response_model_exclude_none": True},
    "unset-none": {"response_model_exclude_unset": True, "response_model_exclude_none": True},
    "defaults-none": {
        "response_model_exclude_defaults": True,
        "response_model_exclude_none": True,
    },
    "all-three": {
        "response_model_exclude_unset": True,
        "response_model_exclude_defaults": True,
        "response_model_exclude_none": True,
        "response_model_exclude": {"tags"},
    },
}


def options_app(fw: Framework) -> Any:
    app = fw.App()
    for name, options in OPTION_SETS.items():

        @app.get(f"/dict/{name}", response_model=Machine, **options)
        def from_dict() -> Any:
            return MACHINE

        @app.get(f"/model/{name}", response_model=Machine, **options)
        def from_model() -> Any:
            return Machine.model_validate(MACHINE)

        @app.get(f"/list/{name}", response_model=list[Machine], **options)
        def from_list() -> Any:
            return [MACHINE, Machine(name="bare")]

        if "unset" not in name:  # dataclasses record no "set" fields

            @app.get(f"/dataclass/{name}", response_model=MachineDC, **options)
            def from_dataclass_dict() -> Any:
                return {k: v for k, v in MACHINE.items() if k != "tags"}

            @app.get(f"/dataclass-instance/{name}", response_model=MachineDC, **options)
            def from_dataclass() -> Any:
                return MachineDC("m", None, 10.0, [PartDC("a", None, 2.0)], PartDC("c", "n"))

        @app.get(f"/dataclass-none/{name}", response_model=MachineDC, **options)
        def from_dataclass_none() -> Any:
            # exclude_unset with a dataclass: pydantic records no set fields for it,
            # so nothing is left out for it.
            return MachineDC("m", parts=[PartDC("a")])

        @app.get(f"/row/{name}", response_model=Machine, **options)
        def from_row() -> Any:
            return Row(name="r", price=3, parts=[Row(name="p", note=None)], main=None)

    return app


OPTION_CALLS: list[Call | str] = [
    f"/{kind}/{name}"
    for name in OPTION_SETS
    for kind in (
        "dict",
        "model",
        "list",
        "dataclass",
        "dataclass-instance",
        "dataclass-none",
        "row",
    )
    if not (kind in ("dataclass", "dataclass-instance") and "unset" in name)
]


def test_response_model_options() -> None:
    answers = same(options_app, OPTION_CALLS)
    by_url = dict(zip(OPTION_CALLS, answers, strict=True))
    # pydantic's "__all__" reaches every item of a list of dataclasses too.
    assert by_url["/dataclass-instance/exclude-items"]["body"]["parts"] == [
        {"name": "a", "note": None}
    ]
    assert by_url["/dict/all-three"]["body"] == {
        "name": "m",
        "parts": [{"name": "a", "weight": 2.0}, {"name": "b"}],
        "main": {"name": "c", "note": "n"},
    }


# -- a value that does not fit -------------------------------------------------------------


def misfit_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/missing")
    def missing() -> ItemPublic:
        return {"name": "x"}  # type: ignore[return-value]

    @app.get("/wrong-type", response_model=list[PointDC])
    def wrong_type() -> Any:
        return [{"x": 1}, {"x": "one"}, "p"]

    @app.get("/not-a-list", response_model=list[int])
    def not_a_list() -> Any:
        return {"a": 1}

    @app.get("/none-for-model")
    def none_for_model() -> Tagged:
        return None  # type: ignore[return-value]

    @app.get("/typeddict", response_model=PointTD)
    def typeddict() -> Any:
        return {"x": "a"}

    @app.get("/async-missing")
    async def async_missing() -> Person:
        return {"name": "n", "address": {}}  # type: ignore[return-value]

    @app.get("/ip", response_model=list[ipaddress.IPv4Address])
    def ip() -> Any:
        return ["1.2.3.4", "::/64", 2**40, ipaddress.IPv4Address("1.1.1.1")]

    @app.get("/network", response_model=tuple[ipaddress.IPv6Network, ipaddress.IPv4Interface])
    def network() -> Any:
        return ("::1/64", "1.2.3.4/40")

    @app.get("/union-models")
    def union_models() -> Cat | Dog:
        return {"kind": "cow"}  # type: ignore[return-value]

    @app.get("/union-nested", response_model=list[Small | PointDC | None])
    def union_nested() -> Any:
        return [{"a": "x"}, None, {"x": 1}]

    @app.get("/union-scalars", response_model=dict[str, int | Color | datetime.date])
    def union_scalars() -> Any:
        return {"k": "nope"}

    @app.get("/path", response_model=dict[str, pathlib.Path])
    def path() -> Any:
        return {"a": "/x", "b": 3, "c": pathlib.PurePosixPath("/y")}

    @app.get("/row", response_model=PointDC)
    def row() -> Any:
        return A_ROW  # the same object for both, so the errors' input is equal

    return app


A_ROW = Row(x=1)


MISFIT_URLS = [
    "/missing",
    "/wrong-type",
    "/not-a-list",
    "/none-for-model",
    "/typeddict",
    "/async-missing",
    "/ip",
    "/network",
    "/union-models",
    "/union-nested",
    "/union-scalars",
    "/path",
    "/row",
]


def _raised(app: Any, url: str) -> Exception:
    with TestClient(app) as client:
        try:
            client.get(url)
        except Exception as exc:
            return exc
    raise AssertionError(f"{url} raised nothing")


def test_a_value_that_does_not_fit(caplog: pytest.LogCaptureFixture) -> None:
    # What the client sees: a plain 500.
    with caplog.at_level(logging.ERROR, logger="asgiweb"):
        answers = same_answers(
            misfit_app, MISFIT_URLS, client_options=UNRAISED, headers=("content-type",)
        )
    assert {a["status"] for a in answers} == {500}
    assert {a["body"] for a in answers} == {"Internal Server Error"}
    # Logged once per request, with the exception.
    ours_records = [r for r in caplog.records if r.name == "asgiweb"]
    assert len(ours_records) == len(MISFIT_URLS)
    for record, url in zip(ours_records, MISFIT_URLS, strict=True):
        assert record.exc_info is not None and url in record.getMessage()
        assert type(record.exc_info[1]).__name__ == "ResponseValidationError"
    # What the server raises: the same errors.
    ours, theirs = frameworks()
    ours_app, theirs_app = misfit_app(ours), misfit_app(theirs)
    for url in MISFIT_URLS:
        mine, reference = _raised(ours_app, url), _raised(theirs_app, url)
        assert type(mine).__name__ == type(reference).__name__ == "ResponseValidationError"
        assert isinstance(mine, ours.exceptions.ResponseValidationError)
        expected = [dict(e) for e in reference.errors()]  # type: ignore[attr-defined]
        assert [dict(e) for e in mine.errors()] == expected, url  # type: ignore[attr-defined]


def test_a_handler_for_response_validation_errors() -> None:
    def build(fw: Framework) -> Any:
        app = misfit_app(fw)

        @app.exception_handler(fw.exceptions.ResponseValidationError)
        async def handler(request: Any, exc: Any) -> Any:
            return fw.responses.JSONResponse(
                {"where": request.url.path, "errors": len(exc.errors())}, status_code=502
            )

        return app

    answers = same_answers(build, MISFIT_URLS)
    assert {a["status"] for a in answers} == {502}


# -- the JSON response classes -------------------------------------------------------------


class Floats(BaseModel):
    big: float = 1e20
    third: float = 1 / 3
    whole: float = 5.0
    negative_zero: float = -0.0
    text: str = "a/b é \u2028 \x7f \x1f </script>"
    number: int = 2**40
    nested: dict[str, Any] = {"x": [1, None, True, "y"]}


def response_classes_app(fw: Framework) -> Any:
    app = fw.App()
    r = fw.responses
    classes = {
        "json": r.JSONResponse,
        "orjson": r.ORJSONResponse,
        "ujson": r.UJSONResponse,
    }
    for name, cls in classes.items():

        @app.get(f"/{name}/model", response_model=Floats, response_class=cls)
        def model() -> Any:
            return Floats()

        @app.get(f"/{name}/annotation", response_class=cls)
        def annotation() -> Floats:
            return Floats(text="x/y")

        @app.get(f"/{name}/list", response_class=cls)
        def records() -> list[Everything]:
            return [Everything(**{**EVERYTHING, "big": 7})] * 2

        @app.get(f"/{name}/dataclass", response_class=cls)
        def dataclass() -> list[Owner]:
            return [Owner("o/p", [PointDC(1, 2)], None)]

        @app.get(
            f"/{name}/options",
            response_class=cls,
            response_model=Machine,
            response_model_exclude_defaults=True,
        )
        def options() -> Any:
            return MACHINE

        @app.get(f"/{name}/plain", response_class=cls)
        def plain():
            return {"when": datetime.date(2024, 1, 2), "path": "/x", "n": [1.5, 2]}

    return app


RESPONSE_CLASS_URLS = [
    f"/{name}/{kind}"
    for name in ("json", "orjson", "ujson")
    for kind in ("model", "annotation", "list", "dataclass", "options", "plain")
]


def test_json_response_classes_send_fastapis_bytes() -> None:
    """An explicit JSON response class with a model: FastAPI dumps the model to plain
    data, then the class writes it; the same bytes here (orjson and ujson included:
    ujson's ``\\/`` too)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FastAPI's word on ORJSONResponse
        responses = compare(response_classes_app, RESPONSE_CLASS_URLS, headers=("content-type",))
    assert responses[RESPONSE_CLASS_URLS.index("/ujson/plain")].content == (
        b'{"when":"2024-01-02","path":"\\/x","n":[1.5,2]}'
    )
    same_document(response_classes_app)


# -- NaN and infinities --------------------------------------------------------------------


class Measured(BaseModel):
    value: float
    values: list[float] = []


def nan_app(fw: Framework) -> Any:
    app = fw.App()
    nan, inf = float("nan"), float("inf")

    @app.get("/model")
    def model() -> Measured:
        return Measured(value=nan, values=[1.5, -inf])

    @app.get("/dataclass", response_model=list[Owner])
    def dataclass() -> Any:
        return [{"name": "o", "pets": []}]

    @app.get("/float")
    def float_() -> float:
        return inf

    @app.get("/dict")
    def dict_() -> dict[str, float | None]:
        return {"a": nan, "b": None, "c": 2.0}

    @app.get("/with-response")
    def with_response(response: fw.Response) -> Measured:
        response.headers["x-seen"] = "1"
        return Measured(value=-inf)

    @app.get("/no-model")
    def no_model():
        return {"a": nan}

    @app.get("/no-model-instance")
    def no_model_instance():
        return Measured(value=nan)

    return app


NAN_URLS = [
    "/model",
    "/dataclass",
    "/float",
    "/dict",
    Call.get("/with-response", compare_headers=("content-type", "x-seen")),
    "/no-model",
    "/no-model-instance",
]


def test_nan_and_infinities() -> None:
    """With a response model FastAPI writes through pydantic, which writes NaN and
    infinities as null; without one, ``json.dumps`` refuses them (a 500)."""
    answers = same_answers(nan_app, NAN_URLS, client_options=UNRAISED)
    assert answers[0]["body"] == {"value": None, "values": [1.5, None]}
    assert [a["status"] for a in answers] == [200, 200, 200, 200, 200, 500, 500]


def test_nan_with_an_explicit_json_response_class() -> None:
    """FastAPI writes an explicit ``response_class=JSONResponse`` with ``json.dumps``
    (a 500 for NaN); asgiweb writes null there too (docs/dependencies.md)."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/x", response_class=fw.responses.JSONResponse)
        def x() -> Measured:
            return Measured(value=float("nan"))

        return app

    ours, theirs = frameworks()
    assert ask(build(theirs), ["/x"], client_options=UNRAISED)[0]["status"] == 500
    assert TestClient(build(ours)).get("/x").json() == {"value": None, "values": []}


# -- jsonable_encoder's options, against FastAPI's (hypothesis) -----------------------------
#
# tests/encoders/test_jsonable.py compares the plain call; here every option is drawn
# too, over the same generated values plus ``_sa`` keys and ORM-like objects.


class OrmRow:
    """An ORM row as SQLAlchemy makes one: attributes plus ``_sa_instance_state``."""

    def __init__(self, name: Any, state: Any) -> None:
        self.name = name
        self._sa_instance_state = state

    def __repr__(self) -> str:
        return f"OrmRow({self.name!r}, {self._sa_instance_state!r})"


_KEYS = st.sampled_from(["a", "b", "_sa_instance_state", "_sample", "value", "name", 0, 1])
_FILTERS = st.one_of(
    st.none(),
    st.sets(_KEYS, max_size=3),
    st.lists(_KEYS, max_size=3).map(tuple),
    st.dictionaries(_KEYS, st.sampled_from([..., True]), max_size=3),
)
_CUSTOM = st.sampled_from(
    [
        None,
        {uuid.UUID: lambda u: u.hex},
        {datetime.date: lambda d: d.toordinal(), Decimal: str},
        # Not str or int: an Enum's value is encoded in turn here, returned as it is
        # by FastAPI (docs/encoder.md), and these enums hold strs and ints.
        {float: lambda f: -f, bytes: len},
        {OrmRow: lambda r: f"row {r.name}"},
    ]
)


def _values() -> st.SearchStrategy[Any]:
    from tests.encoders.test_jsonable import _scalars, payloads_without_sets

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.dictionaries(_KEYS, children, max_size=4),
            st.builds(OrmRow, children, children),
            st.lists(children, max_size=3),
        )

    return st.one_of(payloads_without_sets, st.recursive(_scalars, extend, max_leaves=12))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=_values(),
    include=_FILTERS,
    exclude=_FILTERS,
    by_alias=st.booleans(),
    exclude_unset=st.booleans(),
    exclude_defaults=st.booleans(),
    exclude_none=st.booleans(),
    custom_encoder=_CUSTOM,
    sqlalchemy_safe=st.booleans(),
)
def test_jsonable_encoder_options_are_fastapis(value: Any, **options: Any) -> None:
    fastapi_encoders = pytest.importorskip("fastapi.encoders")
    try:
        expected = fastapi_encoders.jsonable_encoder(value, **options)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            jsonable_encoder(value, **options)
        return
    assert jsonable_encoder(value, **options) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_values())
def test_responses_drop_an_orm_rows_state(value: Any) -> None:
    """An object sent through its attributes loses its ``_sa`` ones, as FastAPI's
    response does (``jsonable_encoder``'s default); the JSON classes agree.  A dict's
    own ``_sa`` keys are written as they are (docs/encoder.md): none here."""
    fastapi_encoders = pytest.importorskip("fastapi.encoders")
    assume("'_sa" not in repr(value))
    row = OrmRow(value, object())  # the state itself could never be written
    try:
        expected = json.loads(json.dumps(fastapi_encoders.jsonable_encoder([row])))
    except Exception:  # what FastAPI cannot write (a NaN key...): not this test's subject
        return
    assert json.loads(render_json([row])) == expected
    assert json.loads(render_orjson([row])) == expected


# -- byte for byte -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "calls"),
    [
        (pydantic_app, PYDANTIC_CALLS),
        (shapes_app, SHAPE_CALLS),
        (options_app, OPTION_CALLS),
        (types_app, TYPE_CALLS),
        (nan_app, NAN_URLS),
    ],
    ids=["pydantic", "shapes", "options", "types", "nan"],
)
def test_the_same_bytes_as_fastapi(build: Callable[[Framework], Any], calls: list[Any]) -> None:
    """FastAPI's default class writes a response model with pydantic-core's
    ``dump_json``; asgiweb's encoder writes the very same bytes for these."""
    compare(build, calls, client_options=UNRAISED, headers=("content-type", "content-length"))


def test_a_tiny_float_is_spelled_by_the_standard_encoder() -> None:
    """Below 1e-4 the standard library writes exponents (``2.5e-05``, ``1e-07``) where
    pydantic-core writes ``0.000025`` and ``1e-7``: the same numbers
    (docs/dependencies.md, "Differences from FastAPI")."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/x")
        def x() -> Measured:
            return Measured(value=1e-7, values=[2.5e-5, 1e22])

        return app

    ours, theirs = frameworks()
    mine, reference = TestClient(build(ours)).get("/x"), TestClient(build(theirs)).get("/x")
    assert mine.content == b'{"value":1e-07,"values":[2.5e-05,1e+22]}'
    assert reference.content == b'{"value":1e-7,"values":[0.000025,1e+22]}'
    assert mine.json() == reference.json()


# -- the filtering options, generated (hypothesis) ------------------------------------------

_PART_SPEC = st.one_of(
    st.just(True), st.sets(st.sampled_from(["name", "note", "weight"]), min_size=1)
)
# Indexes within the two parts only: pydantic mis-filters an index past the end.
_PARTS_SPEC = st.dictionaries(st.sampled_from(["__all__", 0, 1]), _PART_SPEC, min_size=1)


@st.composite
def _machine_filters(draw: st.DrawFn) -> Any:
    names = draw(st.sets(st.sampled_from(["name", "description", "price", "parts", "main"])))
    if draw(st.booleans()):
        return names
    nested: dict[str, Any] = {}
    for name in names:
        if name == "parts":
            nested[name] = draw(st.one_of(st.just(True), _PARTS_SPEC))
        elif name == "main":
            nested[name] = draw(_PART_SPEC)
        else:
            nested[name] = True
    return nested


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    include=st.none() | _machine_filters(),
    exclude=st.none() | _machine_filters(),
    exclude_defaults=st.booleans(),
    exclude_none=st.booleans(),
    as_dict=st.booleans(),
)
def test_generated_filters_on_a_dataclass_model(
    include: Any, exclude: Any, exclude_defaults: bool, exclude_none: bool, as_dict: bool
) -> None:
    machine = MachineDC(
        "m", None, 10.0, [PartDC("a", None, 2.0), PartDC("b", "n")], PartDC("c", "n")
    )
    returned = dataclasses.asdict(machine) if as_dict else machine

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get(
            "/m",
            response_model=MachineDC,
            response_model_include=include,
            response_model_exclude=exclude,
            response_model_exclude_defaults=exclude_defaults,
            response_model_exclude_none=exclude_none,
        )
        def m() -> Any:
            return returned

        return app

    same_answers(build, ["/m"])


# -- what a returned value is converted to --------------------------------------------------

# (model, returned value): pydantic's lax conversions (and refusals), the same here.
CONVERSIONS: list[tuple[Any, Any]] = [
    (datetime.date, datetime.datetime(2024, 1, 2, 0, 0)),
    (datetime.date, datetime.datetime(2024, 1, 2, 3, 4)),
    (datetime.datetime, datetime.date(2024, 1, 2)),
    (datetime.time, "03:04"),
    (int, "3"),
    (int, 3.5),
    (int, True),
    (float, "1.5"),
    (float, True),
    (bool, 1),
    (bool, "true"),
    (str, b"abc"),
    (uuid.UUID, uuid.UUID(int=5).bytes),
    (uuid.UUID, "12345678123456781234567812345678"),
    (Color, Color.red),
    (Size, "3"),
    (Size, 3.0),
    (Literal["a"], "b"),
    (Optional[int], None),  # noqa: UP045
    (list[int], (1, 2)),
    (list[int], {1, 2}),
    (set[int], (1, 1)),
    (dict[str, int], [("a", 1)]),
    (dict[int, str], {"1": "x"}),
    (tuple[int, ...], [1, "2"]),
    (bytes, "abc"),
    (bytes, bytearray(b"x")),
    (str, Color.red),
    (int, Size.large),
    (float, Decimal("1.5")),
    (list[PointDC], [PointDC(1), {"x": "2"}]),
    (PointTD, {"x": 1, "y": "2"}),
]
# Converted alike, spelled by the encoder here and by pydantic-core there
# (docs/dependencies.md, "Differences from FastAPI"): (model, value, ours, FastAPI's).
SPELLED_CONVERSIONS: list[tuple[Any, Any, Any, Any]] = [
    (datetime.datetime, 1700000000, "2023-11-14T22:13:20+00:00", "2023-11-14T22:13:20Z"),
    (
        datetime.datetime,
        "2024-01-02T03:04:05Z",
        "2024-01-02T03:04:05+00:00",
        "2024-01-02T03:04:05Z",
    ),
    (datetime.timedelta, 90, 90.0, "PT1M30S"),
    (datetime.timedelta, "PT1M", 60.0, "PT1M"),
    (Decimal, 1.1, 1.1, "1.1"),
    (Decimal, "1.10", 1.1, "1.10"),
    (Decimal, 3, 3, "3"),
]


def _returning(value: Any) -> Callable[[], Any]:
    def handler() -> Any:
        return value

    return handler


def _converting_app(cases: list[tuple[Any, Any]]) -> Callable[[Framework], Any]:
    def build(fw: Framework) -> Any:
        app = fw.App()
        for index, (model, value) in enumerate(cases):
            app.get(f"/{index}", response_model=model)(_returning(value))
        return app

    return build


def test_conversions_of_returned_values() -> None:
    urls: list[Call | str] = [f"/{index}" for index in range(len(CONVERSIONS))]
    answers = same(_converting_app(CONVERSIONS), urls, client_options=UNRAISED)
    assert [a["body"] for a in answers[:3]] == [
        "2024-01-02",
        "Internal Server Error",
        "2024-01-02T00:00:00",
    ]


def test_conversions_spelled_by_the_encoder() -> None:
    cases = [(model, value) for model, value, _, _ in SPELLED_CONVERSIONS]
    urls: list[Call | str] = [f"/{index}" for index in range(len(cases))]
    ours, theirs = frameworks()
    mine = ask(_converting_app(cases)(ours), urls)
    reference = ask(_converting_app(cases)(theirs), urls)
    for (model, value, expected, fastapis), got, their in zip(
        SPELLED_CONVERSIONS, mine, reference, strict=True
    ):
        assert (got["body"], their["body"]) == (expected, fastapis), (model, value)


# Generated values against every model of a pool: the same answer, fitted or refused.
_POOL: list[Any] = [
    int,
    float,
    str,
    bool,
    bytes,
    datetime.date,
    datetime.datetime,
    uuid.UUID,
    Color,
    Size,
    Literal["a", 1],
    Optional[int],  # noqa: UP045
    list[int],
    dict[str, float],
    tuple[int, str],
    set[str],
    list[Optional[PointDC]],  # noqa: UP045
    PointTD,
    PetTD,
    Small | Large,
    Any,
]
_CURRENT: dict[str, Any] = {}
_GENERATED_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**40), max_value=2**40),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9),
        st.sampled_from(["a", "1", "true", "2024-01-02", str(UID), "red", "3", "", "x"]),
        st.dates(),
        st.datetimes(),
        st.uuids(),
        # Not Color: pydantic's int validator hands a plain Enum of str values back
        # as it is (a quirk: FastAPI then writes "red" for an int model).
        st.sampled_from([*Size]),
        st.binary(max_size=4),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.lists(children, max_size=3).map(tuple),
        st.dictionaries(st.sampled_from(["a", "b", "x", "y", "name", "age"]), children, max_size=3),
    ),
    max_leaves=6,
)


def _pool_app(fw: Framework) -> Any:
    app = fw.App()
    for index, model in enumerate(_POOL):

        @app.get(f"/{index}", response_model=model)
        def handler() -> Any:
            return _CURRENT["value"]

    return app


_POOL_APPS: list[Any] = []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_GENERATED_VALUES)
def test_generated_values_against_a_pool_of_models(value: Any) -> None:
    if not _POOL_APPS:
        ours, theirs = frameworks()
        _POOL_APPS.extend([_pool_app(ours), _pool_app(theirs)])
    _CURRENT["value"] = value
    urls: list[Call | str] = [f"/{index}" for index in range(len(_POOL))]
    mine, reference = (ask(app, urls, client_options=UNRAISED) for app in _POOL_APPS)
    for model, got, expected in zip(_POOL, mine, reference, strict=True):
        if model is datetime.datetime and isinstance(got["body"], str):
            # A number is a UTC time: "+00:00" here, "Z" there (docs/dependencies.md).
            got = {**got, "body": got["body"].replace("+00:00", "Z")}
        assert got == expected, (model, value)


def test_a_default_response_class_with_models() -> None:
    """An app's or router's ``default_response_class`` is a chosen class for FastAPI:
    the model is dumped to plain data, then that class writes it (bytes compared)."""

    def build(fw: Framework) -> Any:
        r = fw.responses
        app = fw.App(default_response_class=r.ORJSONResponse)
        router = fw.Router(default_response_class=r.UJSONResponse)

        @app.get("/orjson")
        def orjson_route() -> Floats:
            return Floats(text="a/b")

        @router.get("/ujson")
        def ujson_route() -> list[Owner]:
            return [Owner("o/p", [Point3(1, 2, 3)])]

        @router.get("/nan")
        def nan_route() -> Measured:
            return Measured(value=1.0, values=[0.5])

        app.include_router(router, prefix="/r")
        return app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FastAPI's word on ORJSONResponse
        compare(build, ["/orjson", "/r/ujson", "/r/nan"])
        same_document(build)


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str


class Tags(pydantic.RootModel[list[str]]):
    pass


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, str_to_upper=True)

    code: str


def more_pydantic_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/extra-allowed")
    def extra_allowed() -> Loose:
        return Loose(name="n", other=1)  # type: ignore[call-arg]

    @app.get("/extra-allowed-dict", response_model=Loose)
    def extra_allowed_dict() -> Any:
        return {"name": "n", "other": [1, 2]}

    @app.get("/root")
    def root() -> Tags:
        return Tags(["a", "b"])

    @app.get("/root-from-list", response_model=Tags)
    def root_from_list() -> Any:
        return ["c"]

    @app.get("/list-of-roots", response_model=list[Tags])
    def list_of_roots() -> Any:
        return [["x"], Tags(["y"])]

    @app.get("/frozen", response_model=Frozen)
    def frozen() -> Any:
        return {"code": "abc"}

    @app.get("/subclass-unset", response_model=ItemPublic, response_model_exclude_unset=True)
    def subclass_unset() -> Any:
        return ItemStored(name="s", price=1, secret="x")

    @app.get("/other-model", response_model=ItemPublic)
    def other_model() -> Any:
        return Strict(name="other", price=3)

    @app.get("/model-for-dict", response_model=dict[str, Any])
    def model_for_dict() -> Any:
        return ItemPublic(name="m", price=1)

    @app.get("/generator", response_model=list[int])
    def generator() -> Any:
        return (n for n in range(3))

    @app.get("/model-in-any-list", response_model=list[Any])
    def model_in_any_list() -> Any:
        return [ItemStored(name="a", price=1), {"k": datetime.date(2024, 1, 2)}]

    return app


MORE_PYDANTIC_URLS = [
    "/extra-allowed",
    "/extra-allowed-dict",
    "/root",
    "/root-from-list",
    "/list-of-roots",
    "/frozen",
    "/subclass-unset",
    "/other-model",
    "/model-for-dict",
    "/generator",
    "/model-in-any-list",
]


def test_more_pydantic_models() -> None:
    answers = same(more_pydantic_app, MORE_PYDANTIC_URLS, client_options=UNRAISED)
    by_url = dict(zip(MORE_PYDANTIC_URLS, answers, strict=True))
    assert by_url["/extra-allowed"]["body"] == {"name": "n", "other": 1}
    assert by_url["/subclass-unset"]["body"] == {"name": "s", "price": 1.0}
