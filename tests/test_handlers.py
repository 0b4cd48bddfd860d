"""Handler plans (``asgiweb._endpoint.plan``) through the App, and 422 bodies against FastAPI.

The oracle tests write each handler once, as source text, and run it under
FastAPI (when installed) and under asgiweb; the status and the JSON body must be
identical.  The rest check what FastAPI cannot be asked: registration errors, the
plan's shortcuts, sync handlers in threads, temporary responses and background
tasks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import sys
import textwrap
import threading
import types
import uuid
from decimal import Decimal
from typing import Annotated, Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgiweb import App, BackgroundTasks, Body, Cookie, Header, Query, Request, Response
from asgiweb._endpoint.plan import compile_endpoint
from asgiweb.exceptions import RequestValidationError
from asgiweb.params import Path
from asgiweb.responses import JSONResponse, PlainTextResponse, RedirectResponse
from asgiweb.testclient import TestClient

JSON = {"content-type": "application/json"}
JSON_HEADERS = [("content-type", "application/json")]


# -- driving any ASGI app with hand-written receive/send ---------------------------


def call_asgi(
    app: Any,
    method: str,
    path: str,
    query: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> tuple[int, Any]:
    result: dict[str, Any] = {}

    async def run() -> None:
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await anyio.sleep(5)
            return {"type": "http.disconnect"}

        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                result["status"] = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query,
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers or []],
            "client": ("127.0.0.1", 5000),
            "server": ("testserver", 80),
        }
        with anyio.fail_after(10):
            await app(scope, receive, send)
        result["body"] = b"".join(chunks)

    anyio.run(run)
    return result["status"], json.loads(result["body"]) if result["body"] else None


_PRELUDE = """
from __future__ import annotations
import dataclasses, datetime, decimal, enum, uuid
from typing import Annotated, Any, Literal, Optional
from typing_extensions import NotRequired, TypedDict
from pydantic import BaseModel, field_validator
"""
_modules = [0]


def build(source: str, framework: str) -> Any:
    """Exec ``source`` in a fresh module with ``framework``'s names; return its handler."""
    _modules[0] += 1
    module = types.ModuleType(f"_handler_case_{framework}_{_modules[0]}")
    sys.modules[module.__name__] = module
    if framework == "fastapi":
        imports = "from fastapi import Body, Cookie, Header, Path, Query, Request, Response\n"
    else:
        imports = "from asgiweb import Body, Cookie, Header, Query, Request, Response\n"
        imports += "from asgiweb.params import Path\n"
    exec(_PRELUDE + imports + textwrap.dedent(source), module.__dict__)
    return module.__dict__["handler"]


ORACLE_CASES: list[tuple[str, str, str, list[tuple[str, bytes, list[tuple[str, str]], bytes]]]] = [
    (
        """
        def handler(item_id: int, q: str, n: int = 1, b: bool | None = None):
            return {"item_id": item_id, "q": q, "n": n, "b": b}
        """,
        "/items/{item_id}",
        "GET",
        [
            ("/items/x", b"n=y&b=2", [], b""),
            ("/items/3", b"q=a&n=4&b=on", [], b""),
            ("/items/3", b"q=a&b=maybe&b=no", [], b""),
        ],
    ),
    (
        """
        def handler(flags: list[int] = Query([]), tags: list[str] = Query()):
            return {"flags": flags, "tags": tags}
        """,
        "/",
        "GET",
        [
            ("/", b"flags=1&flags=z&flags=w", [], b""),
            ("/", b"flags=1&flags=2&tags=a&tags=b", [], b""),
        ],
    ),
    (
        """
        def handler(
            q: Annotated[int, Query(alias="limit", gt=2, le=10)] = 5,
            s: str = Query(None, min_length=3, max_length=5, pattern="^a"),
            f: float = Query(0.5, ge=0, lt=1),
        ):
            return {"q": q, "s": s, "f": f}
        """,
        "/",
        "GET",
        [
            ("/", b"limit=1&s=bb&f=1", [], b""),
            ("/", b"limit=11&s=abcdef&f=-0.5", [], b""),
            ("/", b"limit=x&f=abc", [], b""),
            ("/", b"limit=3&s=abc", [], b""),
        ],
    ),
    (
        """
        def handler(
            user_agent: str = Header(),
            x_token: list[str] = Header(),
            x_other: int = Header(alias="X-Other"),
            session: str = Cookie(),
            sid: int = Cookie(alias="session-id"),
        ):
            return {"ua": user_agent, "tokens": x_token, "other": x_other, "session": session}
        """,
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
    ),
    (
        """
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
        """,
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
                b'{"title": 3, "owner": {"age": "x"}, "tags": [1], "when": "2020-13-01",'
                b' "u": "zz", "color": "green", "kind": "c", "price": "x",'
                b' "day": "2020-01-01T10:00:00", "scores": {"a": "x"}, "pair": [1]}',
            ),
            ("/", b"", JSON_HEADERS, b'{"title": "t", "owner": {"name": "n", "age": "4"}}'),
        ],
    ),
    (
        """
        class Item(BaseModel):
            title: str
            price: float = 0

            @field_validator("title")
            @classmethod
            def no_bad(cls, value):
                if value == "bad":
                    raise ValueError("no bad titles")
                return value

        def handler(item: Item, user: Item, importance: int = Body()):
            return {"item": item.title, "user": user.title, "importance": importance}
        """,
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
    ),
    (
        """
        class Item(BaseModel):
            title: str

        def handler(item: Item = Body(embed=True)):
            return {"title": item.title}
        """,
        "/",
        "POST",
        [
            ("/", b"", JSON_HEADERS, b'{"title": "x"}'),
            ("/", b"", JSON_HEADERS, b'{"item": {}}'),
            ("/", b"", JSON_HEADERS, b'{"item": {"title": "ok"}}'),
            ("/", b"", JSON_HEADERS, b"null"),
        ],
    ),
    (
        """
        class Movie(TypedDict):
            title: str
            year: int
            rating: NotRequired[float]

        def handler(movies: list[Movie], x: str = Body(), y: Optional[int] = Body(None)):
            return {"movies": movies, "x": x, "y": y}
        """,
        "/",
        "POST",
        [
            ("/", b"", JSON_HEADERS, b'{"movies": [{"title": 1}, 3], "x": 1, "y": "q"}'),
            ("/", b"", JSON_HEADERS, b"[1]"),
            ("/", b"", JSON_HEADERS, b'{"movies": [{"title": "a", "year": "1999"}], "x": "s"}'),
        ],
    ),
    (
        """
        def handler(
            item_id: Annotated[int, Path(ge=1)],
            x: float = 0.5,
            d: datetime.datetime = Query(),
            dt: decimal.Decimal = Query(),
            u: Optional[uuid.UUID] = None,
            day: Optional[datetime.date] = None,
        ):
            return {"item_id": item_id, "d": d.isoformat(), "dt": str(dt)}
        """,
        "/i/{item_id}",
        "GET",
        [
            ("/i/0", b"x=abc&d=2020-01-01T25:00&dt=q&u=1234&day=2020-02-30", [], b""),
            ("/i/5", b"x=nan&d=2020-01-01T10:00:00Z&dt=1.5", [], b""),
        ],
    ),
    (
        """
        def handler(d: dict[str, int], x: int = Body(gt=1)):
            return {"d": d, "x": x}
        """,
        "/",
        "POST",
        [
            ("/", b"", JSON_HEADERS, b'{"d": {"a": "b"}, "x": 0}'),
            ("/", b"", JSON_HEADERS, b'{"d": {"a": "2"}, "x": 3}'),
        ],
    ),
]


ORACLE_CASES += [
    (
        """
        def handler(flag: bool = False, q: Optional[str] = None, n: Optional[int] = None, raw=None):
            return {"flag": flag, "q": q, "n": n, "raw": raw}
        """,
        "/",
        "GET",
        [("/", b"flag&q=&raw=x", [], b""), ("/", b"flag=&n=", [], b""), ("/", b"", [], b"")],
    ),
    (
        """
        @dataclasses.dataclass
        class Item:
            name: str

        def handler(a: Item, b: Optional[Item] = None, c: int = Body(3)):
            return {"a": a, "b": b, "c": c}
        """,
        "/",
        "POST",
        [
            ("/", b"", JSON_HEADERS, b"{}"),
            ("/", b"", JSON_HEADERS, b'{"a": {"name": "x"}}'),
            ("/", b"", [("content-type", "text/plain")], b'{"a": {"name": "x"}}'),
        ],
    ),
    (
        """
        def handler(data: dict[str, Any]):
            return data
        """,
        "/",
        "POST",
        [
            ("/", b"", [("content-type", "application/vnd.api+json")], b'{"a": 1}'),
            ("/", b"", [("content-type", "application/json; charset=utf-8")], b'{"a": [1]}'),
            ("/", b"", JSON_HEADERS, b"\xff\xfe"),
        ],
    ),
]


# Parameter models (FastAPI 0.115+): a model gathered from the query, headers or cookies.
ORACLE_CASES += [
    (
        """
        from pydantic import ConfigDict, Field

        class FilterParams(BaseModel):
            limit: int = Field(100, gt=0, le=100)
            offset: int = Field(0, ge=0)
            order_by: Literal["created_at", "updated_at"] = "created_at"
            tags: list[str] = []

        class Strict(BaseModel):
            model_config = ConfigDict(extra="forbid")
            page: int = 1

        def handler(filters: Annotated[FilterParams, Query()], strict: Strict = Query()):
            return {"filters": filters, "strict": strict}
        """,
        "/",
        "GET",
        [
            ("/", b"limit=0&offset=x&order_by=z&tags=a&tags=b", [], b""),
            ("/", b"limit=5&tags=a&tags=b&page=2", [], b""),
            ("/", b"", [], b""),
        ],
    ),
    (
        """
        class CommonHeaders(BaseModel):
            host: str
            save_data: bool
            x_tag: list[str] = []

        class Cookies(BaseModel):
            session_id: str
            tracker: Optional[str] = None

        def handler(headers: Annotated[CommonHeaders, Header()], cookies: Cookies = Cookie()):
            return {"headers": headers, "cookies": cookies}
        """,
        "/",
        "GET",
        [
            ("/", b"", [("host", "h"), ("save-data", "x"), ("x-tag", "1"), ("x-tag", "2")], b""),
            ("/", b"", [("cookie", "tracker=t")], b""),
            ("/", b"", [("host", "h"), ("save-data", "on"), ("cookie", "session_id=s")], b""),
        ],
    ),
]


def asgiweb_app(source: str, route: str, method: str) -> App:
    app = App()
    app.route(route, methods=[method])(build(source, "asgiweb"))
    return app


@pytest.mark.parametrize(
    ("source", "route", "method", "request_"),
    [
        pytest.param(src, route, method, req, id=f"{route}-{i}-{j}")
        for i, (src, route, method, reqs) in enumerate(ORACLE_CASES)
        for j, req in enumerate(reqs)
    ],
)
def test_same_answer_as_fastapi(
    source: str, route: str, method: str, request_: tuple[str, bytes, list[Any], bytes]
) -> None:
    fastapi = pytest.importorskip("fastapi")
    path, query, headers, body = request_
    reference = fastapi.FastAPI()
    reference.add_api_route(route, build(source, "fastapi"), methods=[method])
    expected = call_asgi(reference, method, path, query, headers, body)
    got = call_asgi(asgiweb_app(source, route, method), method, path, query, headers, body)
    assert got == expected


# -- what FastAPI cannot be asked ----------------------------------------------------


def client_for(app: App) -> TestClient:
    return TestClient(app)


def test_request_injection_and_path_conversion() -> None:
    app = App()

    @app.get("/users/{user_id}/{ident:uuid}")
    async def read(user_id: int, ident: uuid.UUID, request: Request) -> dict[str, Any]:
        return {"user_id": user_id, "ident": ident, "path": request.url.path}

    with client_for(app) as client:
        ident = uuid.uuid4()
        r = client.get(f"/users/7/{ident}")
        assert r.status_code == 200
        assert r.json() == {"user_id": 7, "ident": str(ident), "path": f"/users/7/{ident}"}
        r = client.get(f"/users/x/{ident}")
        assert r.status_code == 422
        assert r.json()["detail"][0]["loc"] == ["path", "user_id"]


class Shade(enum.Enum):
    LIGHT = "light"
    DARK = "dark"


@pytest.mark.parametrize(
    ("annotation", "raw", "expected"),
    [
        (bool, "true", True),
        (float, "2.5", 2.5),
        (Decimal, "1.10", "1.10"),
        (dt.date, "2024-02-29", "2024-02-29"),
        (dt.datetime, "2024-02-29T10:00:00", "2024-02-29T10:00:00"),
        (Shade, "dark", "dark"),
    ],
)
def test_path_parameters_convert_by_annotation(annotation: Any, raw: str, expected: Any) -> None:
    async def endpoint(value: Any) -> Any:
        return {"value": value if not isinstance(value, Decimal) else str(value)}

    endpoint.__annotations__ = {"value": annotation, "return": Any}
    app = App()
    app.get("/v/{value}")(endpoint)
    with client_for(app) as client:
        assert client.get(f"/v/{raw}").json() == {"value": expected}
        bad = client.get("/v/%20nope")
        assert bad.status_code == 422
        assert bad.json()["detail"][0]["loc"] == ["path", "value"]


def test_sync_handlers_run_in_a_worker_thread() -> None:
    app = App()
    main = threading.get_ident()

    @app.get("/sync")
    def sync_handler(n: int = 1) -> dict[str, Any]:
        return {"n": n, "in_worker": threading.get_ident() != main}

    with client_for(app) as client:
        assert client.get("/sync", params={"n": "3"}).json() == {"n": 3, "in_worker": True}


def test_returned_response_passes_through_untouched() -> None:
    app = App()

    @app.get("/raw", status_code=201)
    async def raw(response: Response) -> Response:
        response.headers["x-ignored"] = "1"
        return PlainTextResponse("hi", status_code=203)

    with client_for(app) as client:
        r = client.get("/raw")
        assert (r.status_code, r.text) == (203, "hi")
        assert "x-ignored" not in r.headers


def test_temporary_response_headers_cookies_and_status_are_applied() -> None:
    app = App()

    @app.post("/items", status_code=201)
    async def create(response: Response, name: str = Body(embed=True)) -> dict[str, str]:
        response.headers["x-created"] = name
        response.set_cookie("last", name)
        response.set_cookie("other", "2")
        if name == "dup":
            response.status_code = 200
        return {"name": name}

    with client_for(app) as client:
        r = client.post("/items", json={"name": "pen"})
        assert r.status_code == 201
        assert r.json() == {"name": "pen"}
        assert r.headers["x-created"] == "pen"
        assert len(r.headers.get_list("set-cookie")) == 2
        assert r.headers["content-length"] == str(len(r.content))
        assert client.post("/items", json={"name": "dup"}).status_code == 200


def test_background_tasks_run_after_the_response_and_merge() -> None:
    app = App()
    done: list[str] = []

    @app.get("/plain")
    async def plain(tasks: BackgroundTasks) -> dict[str, bool]:
        tasks.add_task(done.append, "plain")
        return {"ok": True}

    @app.get("/own")
    async def own(tasks: BackgroundTasks) -> Response:
        tasks.add_task(done.append, "param")
        response = PlainTextResponse("x")
        response.background = BackgroundTasks()
        response.background.add_task(done.append, "response")
        return response

    with client_for(app) as client:
        assert client.get("/plain").status_code == 200
        assert done == ["plain"]
        done.clear()
        assert client.get("/own").text == "x"
        assert done == ["response", "param"]


def test_status_code_and_response_class() -> None:
    app = App()

    @app.get("/go", response_class=RedirectResponse)
    async def go() -> str:
        return "/target?a=1"

    @app.get("/made", status_code=201)
    def made() -> None:
        return None

    with client_for(app) as client:
        r = client.get("/go")
        assert r.status_code == 307
        assert r.headers["location"] == "/target?a=1"
        r = client.get("/made")
        assert (r.status_code, r.json()) == (201, None)


def test_errors_are_all_listed_path_first_then_query_header_cookie_body() -> None:
    app = App()

    @app.post("/o/{n}")
    async def everything(
        item: dict[str, int],
        c: int = Cookie(),
        h: int = Header(),
        q: int = Query(),
        n: int = Path(),
    ) -> None:
        return None

    with client_for(app) as client:
        r = client.post("/o/x", content=b"{", headers=JSON)
        assert r.status_code == 422
        assert [e["loc"][0] for e in r.json()["detail"]] == ["body"]  # a JSON error stands alone
        r = client.post("/o/x", json={"a": "b"})
        assert [e["loc"] for e in r.json()["detail"]] == [
            ["path", "n"],
            ["query", "q"],
            ["header", "h"],
            ["cookie", "c"],
            ["body", "a"],
        ]


def test_mutable_defaults_are_not_shared_between_requests() -> None:
    app = App()

    @app.get("/acc")
    async def acc(tags: list[str] = Query([])) -> list[str]:
        tags.append("x")
        return tags

    with client_for(app) as client:
        assert client.get("/acc").json() == ["x"]
        assert client.get("/acc").json() == ["x"]


def test_string_annotations_and_unannotated_parameters() -> None:
    namespace: dict[str, Any] = {}
    exec(
        "from __future__ import annotations\n"
        "async def handler(a: int, b, c: 'list[int] | None' = None):\n"
        "    return {'a': a, 'b': b, 'c': c}\n",
        namespace,
    )
    app = App()
    app.get("/s")(namespace["handler"])
    with client_for(app) as client:
        assert client.get("/s?a=1&b=two&c=3&c=4").json() == {"a": 1, "b": "two", "c": [3, 4]}


class Opaque:
    pass


def test_unresolvable_parameter_is_a_registration_error() -> None:
    async def handler(thing: Opaque) -> None:
        return None

    with pytest.raises(TypeError, match=r"handler.*'thing'"):
        compile_endpoint(handler, path_params={}, response_class=JSONResponse, status_code=None)


def test_path_marker_without_template_parameter_is_a_registration_error() -> None:
    async def handler(x: int = Path()) -> None:
        return None

    with pytest.raises(TypeError, match="Path"):
        compile_endpoint(handler, path_params={}, response_class=JSONResponse, status_code=None)


def test_unresolvable_string_annotation_is_a_registration_error() -> None:
    async def handler(x: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
        return None

    with pytest.raises(TypeError, match="handler"):
        compile_endpoint(handler, path_params={}, response_class=JSONResponse, status_code=None)


def _request(query: bytes = b"", path_params: dict[str, Any] | None = None) -> Request:
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": query, "headers": []}
    return Request(scope, path_params=path_params or {})


def test_plan_without_parameters_never_touches_the_request() -> None:
    class Untouchable(Request):
        def __getattribute__(self, name: str) -> Any:
            raise AssertionError(f"request.{name} read")

    async def handler() -> dict[str, int]:
        return {"n": 1}

    handle = compile_endpoint(
        handler, path_params={}, response_class=JSONResponse, status_code=None
    )
    scope = {"type": "http", "method": "GET", "path": "/", "query_string": b"", "headers": []}
    response = anyio.run(handle, Untouchable(scope))
    assert response.body == b'{"n":1}'


def test_path_param_already_converted_by_router_is_passed_through() -> None:
    async def handler(n: int) -> dict[str, int]:
        return {"n": n}

    handle = compile_endpoint(
        handler, path_params={"n": int}, response_class=JSONResponse, status_code=None
    )
    response = anyio.run(handle, _request(path_params={"n": 41}))
    assert response.body == b'{"n":41}'


def test_validation_error_lists_every_problem_directly() -> None:
    async def handler(a: int, b: bool, c: Annotated[str, Query(min_length=2)]) -> None:
        return None

    handle = compile_endpoint(
        handler, path_params={}, response_class=JSONResponse, status_code=None
    )
    with pytest.raises(RequestValidationError) as info:
        anyio.run(handle, _request(b"a=x&b=maybe&c=z"))
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("int_parsing", ("query", "a")),
        ("bool_parsing", ("query", "b")),
        ("string_too_short", ("query", "c")),
    ]


# -- the seed: FastAPI's "Return a Response Directly" -------------------------------


def _load_example() -> types.ModuleType:
    import importlib.util
    from pathlib import Path as FilePath

    location = FilePath(__file__).resolve().parent.parent / "examples" / "response_directly.py"
    spec = importlib.util.spec_from_file_location("_example_response_directly", location)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _seed_app(item_model: type) -> App:
    """The seed's handler, verbatim, around ``item_model``."""
    from asgiweb.encoders import jsonable_encoder

    app = App()
    namespace = {
        "Item": item_model,
        "jsonable_encoder": jsonable_encoder,
        "JSONResponse": JSONResponse,
    }
    exec(
        "def update_item(id: str, item: Item):\n"
        "    json_compatible_item_data = jsonable_encoder(item)\n"
        "    return JSONResponse(content=json_compatible_item_data)\n",
        namespace,
    )
    app.put("/items/{id}")(namespace["update_item"])
    return app


def _check_seed(app: App) -> None:
    with TestClient(app) as client:
        r = client.put(
            "/items/foo",
            json={"title": "Foo", "timestamp": "2024-01-02T03:04:05", "description": "d"},
        )
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert r.json() == {"title": "Foo", "timestamp": "2024-01-02T03:04:05", "description": "d"}
        r = client.put("/items/foo", json={"title": "Foo", "timestamp": "2024-01-02"})
        assert r.json() == {"title": "Foo", "timestamp": "2024-01-02T00:00:00", "description": None}
        r = client.put("/items/foo", json={"timestamp": "yesterday"})
        assert r.status_code == 422
        assert r.json() == {
            "detail": [
                {
                    "type": "missing",
                    "loc": ["body", "title"],
                    "msg": "Field required",
                    "input": {"timestamp": "yesterday"},
                },
                {
                    "type": "datetime_from_date_parsing",
                    "loc": ["body", "timestamp"],
                    "msg": "Input should be a valid datetime or date, input is too short",
                    "input": "yesterday",
                    "ctx": {"error": "input is too short"},
                },
            ]
        }
        r = client.put("/items/foo")
        assert r.status_code == 422
        assert r.json() == {
            "detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
        }


def test_seed_example_with_a_dataclass_item() -> None:
    example = _load_example()
    _check_seed(example.app)
    with TestClient(example.app) as client:
        r = client.get("/legacy/")
        assert r.headers["content-type"] == "application/xml"
        assert "<shampoo>" in r.text


def test_seed_example_with_a_pydantic_item() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Item(pydantic.BaseModel):  # type: ignore[misc, name-defined]
        title: str
        timestamp: dt.datetime
        description: str | None = None

    _check_seed(_seed_app(Item))


def test_seed_example_with_a_dataclass_item_written_inline() -> None:
    example = _load_example()
    _check_seed(_seed_app(example.Item))


def test_partials_bound_methods_and_callable_objects() -> None:
    import functools

    async def scaled(factor: int, n: int) -> int:
        return factor * n

    class Service:
        def __init__(self) -> None:
            self.offset = 100

        def add(self, n: int) -> int:
            return self.offset + n

        async def __call__(self, n: int) -> int:
            return -n

    service = Service()
    app = App()
    app.get("/partial")(functools.partial(scaled, 3))
    app.get("/method")(service.add)
    app.get("/object")(service)
    with TestClient(app) as client:
        assert client.get("/partial?n=2").json() == 6
        assert client.get("/method?n=2").json() == 102
        assert client.get("/object?n=2").json() == -2
        assert client.get("/partial?n=x").status_code == 422


def test_validation_error_carries_the_decoded_body() -> None:
    async def handler(a: int = Body(embed=True), q: int = Query()) -> None:
        return None

    handle = compile_endpoint(
        handler, path_params={}, response_class=JSONResponse, status_code=None
    )

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b'{"a": "x"}', "more_body": False}

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    with pytest.raises(RequestValidationError) as info:
        anyio.run(handle, Request(scope, receive))
    assert info.value.body == {"a": "x"}
    assert [e["loc"] for e in info.value.errors()] == [("query", "q"), ("body", "a")]


_PROPERTY_SOURCE = """
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
    ids: list[int] = Query([]),
    s: str = Query("", max_length=5),
):
    return {"n": n, "f": str(f), "b": b, "d": d, "t": t, "u": u, "m": m, "ids": ids, "s": s}
"""


@pytest.fixture(scope="module")
def query_apps() -> tuple[Any, App]:
    fastapi = pytest.importorskip("fastapi")
    reference = fastapi.FastAPI()
    reference.add_api_route("/q", build(_PROPERTY_SOURCE, "fastapi"), methods=["GET"])
    return reference, asgiweb_app(_PROPERTY_SOURCE, "/q", "GET")


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
    from urllib.parse import urlencode

    reference, ours = query_apps
    query = urlencode(pairs).encode()
    assert call_asgi(ours, "GET", "/q", query) == call_asgi(reference, "GET", "/q", query)


_BODY_SOURCE = """
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
"""


@pytest.fixture(scope="module")
def body_apps() -> tuple[Any, App]:
    fastapi = pytest.importorskip("fastapi")
    reference = fastapi.FastAPI()
    reference.add_api_route("/b", build(_BODY_SOURCE, "fastapi"), methods=["POST"])
    return reference, asgiweb_app(_BODY_SOURCE, "/b", "POST")


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
    expected = call_asgi(reference, "POST", "/b", b"", JSON_HEADERS, raw)
    assert call_asgi(ours, "POST", "/b", b"", JSON_HEADERS, raw) == expected


@dataclasses.dataclass
class Page:
    size: int = 10
    sort: list[str] = dataclasses.field(default_factory=list)


def test_dataclass_query_model() -> None:
    app = App()

    @app.get("/page")
    async def page(p: Annotated[Page, Query()], q: Page | None = Query(None)) -> Any:
        return {"p": p, "q": q}

    with TestClient(app) as client:
        assert client.get("/page?size=3&sort=a&sort=b").json() == {
            "p": {"size": 3, "sort": ["a", "b"]},
            "q": {"size": 3, "sort": ["a", "b"]},
        }
        assert client.get("/page").json() == {"p": {"size": 10, "sort": []}, "q": None}
        r = client.get("/page?size=x")
        assert r.status_code == 422
        assert [e["loc"] for e in r.json()["detail"]] == [["query", "size"], ["query", "size"]]
