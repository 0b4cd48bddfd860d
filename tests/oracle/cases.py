"""Handlers written once and served by FastAPI and by asgiweb: the parity oracle's cases.

Each case is a factory taking the framework's module (``fastapi`` or ``asgiweb``)
as its marker namespace and returning a fresh handler built with that module's
``Body``/``Cookie``/``Header``/``Path``/``Query``, so both frameworks run the
same source.  Classes are defined inside the factory so that each framework
gets its own.  Handlers have no return annotation on purpose: FastAPI would
take one as a response model.  ``Optional[X]`` and ``X | None`` are both
spelled, on purpose, to cover both forms.
"""

import dataclasses
import datetime
import decimal
import enum
import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal, NotRequired, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator
from typing_extensions import TypedDict

# path, query string, headers, body
OracleRequest = tuple[str, bytes, list[tuple[str, str]], bytes]
Factory = Callable[[Any], Any]

JSON_HEADERS = [("content-type", "application/json")]


@dataclasses.dataclass(frozen=True)
class OracleCase:
    name: str
    route: str
    method: str
    requests: list[OracleRequest]
    factory: Factory


CASES: list[OracleCase] = []


def case(route: str, method: str, requests: list[OracleRequest]) -> Callable[[Factory], Factory]:
    def register(factory: Factory) -> Factory:
        CASES.append(OracleCase(factory.__name__, route, method, requests, factory))
        return factory

    return register


@case(
    "/items/{item_id}",
    "GET",
    [
        ("/items/x", b"n=y&b=2", [], b""),
        ("/items/3", b"q=a&n=4&b=on", [], b""),
        ("/items/3", b"q=a&b=maybe&b=no", [], b""),
    ],
)
def path_and_query_scalars(m: Any) -> Any:
    def handler(item_id: int, q: str, n: int = 1, b: bool | None = None):
        return {"item_id": item_id, "q": q, "n": n, "b": b}

    return handler


@case(
    "/",
    "GET",
    [("/", b"flags=1&flags=z&flags=w", [], b""), ("/", b"flags=1&flags=2&tags=a&tags=b", [], b"")],
)
def query_lists(m: Any) -> Any:
    def handler(flags: list[int] = m.Query([]), tags: list[str] = m.Query()):
        return {"flags": flags, "tags": tags}

    return handler


@case(
    "/",
    "GET",
    [
        ("/", b"limit=1&s=bb&f=1", [], b""),
        ("/", b"limit=11&s=abcdef&f=-0.5", [], b""),
        ("/", b"limit=x&f=abc", [], b""),
        ("/", b"limit=3&s=abc", [], b""),
    ],
)
def query_constraints_and_alias(m: Any) -> Any:
    def handler(
        q: Annotated[int, m.Query(alias="limit", gt=2, le=10)] = 5,
        s: str = m.Query(None, min_length=3, max_length=5, pattern="^a"),
        f: float = m.Query(0.5, ge=0, lt=1),
    ):
        return {"q": q, "s": s, "f": f}

    return handler


@case(
    "/",
    "GET",
    [
        ("/", b"", [("X-Other", "z"), ("cookie", "session-id=abc")], b""),
        (
            "/",
            b"",
            [
                ("user-agent", "t"),
                ("x-token", "1"),
                ("x-token", "2"),
                ("x-other", "5"),
                ("cookie", "session=s; session-id=7"),
            ],
            b"",
        ),
    ],
)
def headers_and_cookies(m: Any) -> Any:
    def handler(
        user_agent: str = m.Header(),
        x_token: list[str] = m.Header(),
        x_other: int = m.Header(alias="X-Other"),
        session: str = m.Cookie(),
        sid: int = m.Cookie(alias="session-id"),
    ):
        return {"ua": user_agent, "tokens": x_token, "other": x_other, "session": session}

    return handler


@case(
    "/",
    "POST",
    [
        ("/", b"", [], b""),
        ("/", b"", JSON_HEADERS, b"{bad"),
        ("/", b"", JSON_HEADERS, b""),
        ("/", b"", JSON_HEADERS, b"[1]"),
        ("/", b"", [("content-type", "text/plain")], b'{"title": "x"}'),
        ("/", b"", [], b'{"title": "x"}'),
        (
            "/",
            b"",
            JSON_HEADERS,
            (
                b'{"title": 3, "owner": {"age": "x"}, "tags": [1], "when": "2020-13-01",'
                b' "u": "zz", "color": "green", "kind": "c", "price": "x",'
                b' "day": "2020-01-01T10:00:00", "scores": {"a": "x"}, "pair": [1]}'
            ),
        ),
        ("/", b"", JSON_HEADERS, b'{"title": "t", "owner": {"name": "n", "age": "4"}}'),
    ],
)
def dataclass_body_of_every_field_type(m: Any) -> Any:
    class Color(enum.Enum):
        red = "red"
        blue = "blue"

    @dataclasses.dataclass
    class Owner:
        name: str
        age: int = 0

    @dataclasses.dataclass
    class Item:
        title: str
        owner: Owner
        tags: list[str] = dataclasses.field(default_factory=list)
        when: Optional[datetime.datetime] = None
        u: Optional[uuid.UUID] = None
        color: Color = Color.red
        kind: Literal["a", "b"] = "a"
        price: decimal.Decimal = decimal.Decimal("0")
        day: Optional[datetime.date] = None
        scores: dict[str, int] = dataclasses.field(default_factory=dict)
        pair: tuple[int, str] = (1, "a")

    def handler(item: Item):
        return {"title": item.title, "owner": item.owner.name, "tags": item.tags}

    return handler


@case(
    "/",
    "POST",
    [
        ("/", b"", JSON_HEADERS, b""),
        ("/", b"", JSON_HEADERS, b'{"item": {"title": 1}, "importance": "x"}'),
        ("/", b"", JSON_HEADERS, b"[1]"),
        ("/", b"", JSON_HEADERS, b'{"item": {"title": "bad"}, "user": "x", "importance": 1}'),
        (
            "/",
            b"",
            JSON_HEADERS,
            b'{"item": {"title": "a"}, "user": {"title": "b"}, "importance": 2}',
        ),
    ],
)
def pydantic_bodies_with_a_validator(m: Any) -> Any:
    class Item(BaseModel):
        title: str
        price: float = 0

        @field_validator("title")
        @classmethod
        def no_bad(cls, value):
            if value == "bad":
                raise ValueError("no bad titles")
            return value

    def handler(item: Item, user: Item, importance: int = m.Body()):
        return {"item": item.title, "user": user.title, "importance": importance}

    return handler


@case(
    "/",
    "POST",
    [
        ("/", b"", JSON_HEADERS, b'{"title": "x"}'),
        ("/", b"", JSON_HEADERS, b'{"item": {}}'),
        ("/", b"", JSON_HEADERS, b'{"item": {"title": "ok"}}'),
        ("/", b"", JSON_HEADERS, b"null"),
    ],
)
def embedded_pydantic_body(m: Any) -> Any:
    class Item(BaseModel):
        title: str

    def handler(item: Item = m.Body(embed=True)):
        return {"title": item.title}

    return handler


@case(
    "/",
    "POST",
    [
        ("/", b"", JSON_HEADERS, b'{"movies": [{"title": 1}, 3], "x": 1, "y": "q"}'),
        ("/", b"", JSON_HEADERS, b"[1]"),
        ("/", b"", JSON_HEADERS, b'{"movies": [{"title": "a", "year": "1999"}], "x": "s"}'),
    ],
)
def typeddict_list_and_body_fields(m: Any) -> Any:
    class Movie(TypedDict):
        title: str
        year: int
        rating: NotRequired[float]

    def handler(movies: list[Movie], x: str = m.Body(), y: Optional[int] = m.Body(None)):
        return {"movies": movies, "x": x, "y": y}

    return handler


@case(
    "/i/{item_id}",
    "GET",
    [
        ("/i/0", b"x=abc&d=2020-01-01T25:00&dt=q&u=1234&day=2020-02-30", [], b""),
        ("/i/5", b"x=nan&d=2020-01-01T10:00:00Z&dt=1.5", [], b""),
    ],
)
def path_constraint_and_query_datetimes(m: Any) -> Any:
    def handler(
        item_id: Annotated[int, m.Path(ge=1)],
        x: float = 0.5,
        d: datetime.datetime = m.Query(),
        dt: decimal.Decimal = m.Query(),
        u: Optional[uuid.UUID] = None,
        day: Optional[datetime.date] = None,
    ):
        return {"item_id": item_id, "d": d.isoformat(), "dt": str(dt)}

    return handler


@case(
    "/",
    "POST",
    [
        ("/", b"", JSON_HEADERS, b'{"d": {"a": "b"}, "x": 0}'),
        ("/", b"", JSON_HEADERS, b'{"d": {"a": "2"}, "x": 3}'),
    ],
)
def dict_body_and_constrained_body_field(m: Any) -> Any:
    def handler(d: dict[str, int], x: int = m.Body(gt=1)):
        return {"d": d, "x": x}

    return handler


@case(
    "/", "GET", [("/", b"flag&q=&raw=x", [], b""), ("/", b"flag=&n=", [], b""), ("/", b"", [], b"")]
)
def empty_and_optional_query_values(m: Any) -> Any:
    def handler(flag: bool = False, q: Optional[str] = None, n: Optional[int] = None, raw=None):
        return {"flag": flag, "q": q, "n": n, "raw": raw}

    return handler


@case(
    "/",
    "POST",
    [
        ("/", b"", JSON_HEADERS, b"{}"),
        ("/", b"", JSON_HEADERS, b'{"a": {"name": "x"}}'),
        ("/", b"", [("content-type", "text/plain")], b'{"a": {"name": "x"}}'),
    ],
)
def optional_dataclass_body_and_body_default(m: Any) -> Any:
    @dataclasses.dataclass
    class Item:
        name: str

    def handler(a: Item, b: Optional[Item] = None, c: int = m.Body(3)):
        return {"a": a, "b": b, "c": c}

    return handler


@case(
    "/",
    "POST",
    [
        ("/", b"", [("content-type", "application/vnd.api+json")], b'{"a": 1}'),
        ("/", b"", [("content-type", "application/json; charset=utf-8")], b'{"a": [1]}'),
        ("/", b"", JSON_HEADERS, b"\xff\xfe"),
    ],
)
def json_media_types_and_bad_utf8(m: Any) -> Any:
    def handler(data: dict[str, Any]):
        return data

    return handler


@case(
    "/",
    "GET",
    [
        ("/", b"limit=0&offset=x&order_by=z&tags=a&tags=b", [], b""),
        ("/", b"limit=5&tags=a&tags=b&page=2", [], b""),
        ("/", b"", [], b""),
    ],
)
def query_parameter_models(m: Any) -> Any:
    class FilterParams(BaseModel):
        limit: int = Field(100, gt=0, le=100)
        offset: int = Field(0, ge=0)
        order_by: Literal["created_at", "updated_at"] = "created_at"
        tags: list[str] = []

    class Strict(BaseModel):
        model_config = ConfigDict(extra="forbid")
        page: int = 1

    def handler(filters: Annotated[FilterParams, m.Query()], strict: Strict = m.Query()):
        return {"filters": filters, "strict": strict}

    return handler


@case(
    "/",
    "GET",
    [
        ("/", b"", [("host", "h"), ("save-data", "x"), ("x-tag", "1"), ("x-tag", "2")], b""),
        ("/", b"", [("cookie", "tracker=t")], b""),
        ("/", b"", [("host", "h"), ("save-data", "on"), ("cookie", "session_id=s")], b""),
    ],
)
def header_and_cookie_parameter_models(m: Any) -> Any:
    class CommonHeaders(BaseModel):
        host: str
        save_data: bool
        x_tag: list[str] = []

    class Cookies(BaseModel):
        session_id: str
        tracker: Optional[str] = None

    def handler(headers: Annotated[CommonHeaders, m.Header()], cookies: Cookies = m.Cookie()):
        return {"headers": headers, "cookies": cookies}

    return handler


def query_property_handler(m: Any) -> Any:
    class Mode(enum.Enum):
        fast = "fast"
        slow = "slow"

    def handler(
        n: int = 0,
        f: Optional[float] = None,
        b: bool = False,
        d: Optional[datetime.date] = None,
        t: Optional[datetime.datetime] = None,
        u: Optional[uuid.UUID] = None,
        m: Mode = Mode.fast,
        ids: list[int] = m.Query([]),
        s: str = m.Query("", max_length=5),
    ):
        return {"n": n, "f": str(f), "b": b, "d": d, "t": t, "u": u, "m": m, "ids": ids, "s": s}

    return handler


def body_property_handler(m: Any) -> Any:
    @dataclasses.dataclass
    class Inner:
        when: datetime.datetime
        tags: list[str] = dataclasses.field(default_factory=list)

    @dataclasses.dataclass
    class Outer:
        name: str
        count: int
        ratio: Optional[float] = None
        flag: bool = False
        inner: Optional[Inner] = None
        scores: dict[str, int] = dataclasses.field(default_factory=dict)

    def handler(item: Outer):
        return {"name": item.name, "count": item.count, "flag": item.flag}

    return handler
