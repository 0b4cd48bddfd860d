"""Handler plans (``asgiweb._endpoint.plan``) through the App and directly.

What FastAPI cannot be asked: registration errors, the plan's shortcuts, sync
handlers in threads, temporary responses and background tasks.  The answers
compared with FastAPI's live in ``tests/oracle/``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import sys
import threading
import types
import uuid
from decimal import Decimal
from typing import Annotated, Any

import anyio
import pytest

from asgiweb import App, BackgroundTasks, Body, Cookie, Header, Query, Request, Response
from asgiweb._endpoint.plan import compile_endpoint
from asgiweb.exceptions import RequestValidationError
from asgiweb.params import Path
from asgiweb.responses import JSONResponse, PlainTextResponse, RedirectResponse
from asgiweb.testclient import TestClient
from tests.harness import Peer, answer_body, get_request, http_scope

JSON = {"content-type": "application/json"}
JSON_HEADERS = [("content-type", "application/json")]


# -- what FastAPI cannot be asked ----------------------------------------------------


def test_request_injection_and_path_conversion() -> None:
    app = App()

    @app.get("/users/{user_id}/{ident:uuid}")
    async def read(user_id: int, ident: uuid.UUID, request: Request) -> dict[str, Any]:
        return {"user_id": user_id, "ident": ident, "path": request.url.path}

    with TestClient(app) as client:
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
    with TestClient(app) as client:
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

    with TestClient(app) as client:
        assert client.get("/sync", params={"n": "3"}).json() == {"n": 3, "in_worker": True}


def test_returned_response_passes_through_untouched() -> None:
    app = App()

    @app.get("/raw", status_code=201)
    async def raw(response: Response) -> Response:
        response.headers["x-ignored"] = "1"
        return PlainTextResponse("hi", status_code=203)

    with TestClient(app) as client:
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

    with TestClient(app) as client:
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

    with TestClient(app) as client:
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

    with TestClient(app) as client:
        r = client.get("/go", follow_redirects=False)
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

    with TestClient(app) as client:
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

    with TestClient(app) as client:
        assert client.get("/acc").json() == ["x"]
        assert client.get("/acc").json() == ["x"]


def test_string_annotations_and_unannotated_parameters() -> None:
    namespace: dict[str, Any] = {}
    exec(
        "from __future__ import annotations\n"
        "from asgiweb import Query\n"
        "async def handler(a: int, b, c: 'list[int] | None' = Query(None)):\n"
        "    return {'a': a, 'b': b, 'c': c}\n",
        namespace,
    )
    app = App()
    app.get("/s")(namespace["handler"])
    with TestClient(app) as client:
        assert client.get("/s?a=1&b=two&c=3&c=4").json() == {"a": 1, "b": "two", "c": [3, 4]}


class Opaque:
    pass


def test_unresolvable_parameter_is_a_registration_error() -> None:
    async def handler(thing: Opaque) -> None:
        return None

    with pytest.raises(TypeError, match=r"handler.*'thing'"):
        compile_endpoint(handler, path_params={}, response_class=JSONResponse, status_code=None)


def test_path_marker_without_template_parameter_is_always_missing() -> None:
    # FastAPI's rule: a 422 on every request (an include_router prefix may name it
    # later, and the route is compiled again then; tests/oracle/test_path_prefix_params.py).
    app = App()

    @app.get("/nothing")
    async def handler(x: int = Path()) -> None:
        return None

    response = TestClient(app).get("/nothing")
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"type": "missing", "loc": ["path", "x"], "msg": "Field required", "input": None}
    ]


def test_unresolvable_string_annotation_is_a_registration_error() -> None:
    async def handler(x: NotDefinedAnywhere) -> None:  # type: ignore[name-defined]  # noqa: F821
        return None

    with pytest.raises(TypeError, match="handler"):
        compile_endpoint(handler, path_params={}, response_class=JSONResponse, status_code=None)


def test_plan_without_parameters_never_touches_the_request() -> None:
    class Untouchable(Request):
        def __getattribute__(self, name: str) -> Any:
            raise AssertionError(f"request.{name} read")

    async def handler() -> dict[str, int]:
        return {"n": 1}

    handle = compile_endpoint(
        handler, path_params={}, response_class=JSONResponse, status_code=None
    )
    response = anyio.run(handle, Untouchable(http_scope()))
    assert response.body == b'{"n":1}'


def test_path_param_already_converted_by_router_is_passed_through() -> None:
    async def handler(n: int) -> dict[str, int]:
        return {"n": n}

    handle = compile_endpoint(
        handler, path_params={"n": int}, response_class=JSONResponse, status_code=None
    )
    answer = anyio.run(handle, get_request(path_params={"n": 41}))
    assert answer_body(answer) == b'{"n":41}'


def test_validation_error_lists_every_problem_directly() -> None:
    async def handler(a: int, b: bool, c: Annotated[str, Query(min_length=2)]) -> None:
        return None

    handle = compile_endpoint(
        handler, path_params={}, response_class=JSONResponse, status_code=None
    )
    with pytest.raises(RequestValidationError) as info:
        anyio.run(handle, get_request(b"a=x&b=maybe&c=z"))
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("int_parsing", ("query", "a")),
        ("bool_parsing", ("query", "b")),
        ("string_too_short", ("query", "c")),
    ]


# -- the seed: FastAPI's "Return a Response Directly" -------------------------------


def _load_example() -> types.ModuleType:
    import importlib.util
    from pathlib import Path as FilePath

    location = FilePath(__file__).resolve().parents[2] / "examples" / "response_directly.py"
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

    peer = Peer(b'{"a": "x"}')
    scope = http_scope("POST", "/", [("content-type", "application/json")])
    with pytest.raises(RequestValidationError) as info:
        anyio.run(handle, Request(scope, peer.receive))
    assert info.value.body == {"a": "x"}
    assert [e["loc"] for e in info.value.errors()] == [("query", "q"), ("body", "a")]


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
