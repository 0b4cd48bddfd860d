from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from asgiweb import App, HTTPException, Request, Router
from asgiweb.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from asgiweb.exceptions import RequestValidationError
from asgiweb.middleware.gzip import GZipMiddleware
from asgiweb.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from asgiweb.testclient import TestClient
from asgiweb.types import ASGIApp, Receive, Scope, Send
from tests.harness import Peer, drive, http_scope, lifespan_scope, websocket_scope


def make_app(**options: Any) -> App:
    app = App(**options)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "q": q}

    @app.get("/items")
    async def list_items() -> list[int]:
        return [1, 2]

    @app.post("/items")
    async def create_item() -> dict[str, str]:
        return {"created": "yes"}

    @app.get("/sync")
    def sync_handler() -> dict[str, str]:
        return {"thread": threading.current_thread().name}

    @app.get("/text", response_class=PlainTextResponse)
    async def text() -> str:
        return "hello"

    @app.post("/created", status_code=201)
    async def created() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/raw")
    async def raw() -> Response:
        return Response(b"<x/>", media_type="application/xml", headers={"x-kept": "1"})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret details")

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, detail={"why": "short"}, headers={"x-tea": "1"})

    @app.get("/none")
    async def none() -> None:
        return None

    @app.get("/request")
    async def uses_request(request: Request) -> dict[str, Any]:
        return {
            "method": request.method,
            "path": request.url.path,
            "q": request.query_params.getlist("q"),
            "ua": request.headers["user-agent"],
            "client": list(request.client) if request.client else None,
        }

    @app.post("/echo")
    async def echo(request: Request) -> Response:
        return Response(await request.body(), media_type="application/octet-stream")

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app())


def test_path_and_query_parameters(client: TestClient) -> None:
    r = client.get("/items/5", params={"q": "x"})
    assert r.status_code == 200
    assert r.json() == {"item_id": 5, "q": "x"}
    assert r.headers["content-type"] == "application/json"
    assert r.content == b'{"item_id":5,"q":"x"}'
    assert r.headers["content-length"] == str(len(r.content))


def test_bad_path_parameter_is_422_in_fastapi_shape(client: TestClient) -> None:
    r = client.get("/items/abc")
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["type"] == "int_parsing"
    assert error["loc"] == ["path", "item_id"]
    assert error["input"] == "abc"


def test_not_found_and_method_not_allowed(client: TestClient) -> None:
    r = client.get("/nope")
    assert r.status_code == 404
    assert r.json() == {"detail": "Not Found"}
    r = client.delete("/items")
    assert r.status_code == 405
    assert r.json() == {"detail": "Method Not Allowed"}
    assert r.headers["allow"] == "GET, HEAD, POST"


def test_head_on_get_route_has_headers_and_no_body(client: TestClient) -> None:
    get = client.get("/items/5")
    head = client.head("/items/5")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["content-type"] == get.headers["content-type"]


def test_redirect_slashes_both_ways_keeps_query() -> None:
    client = TestClient(make_app())
    r = client.get("/items/?a=1", follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == "/items?a=1"
    app = App()

    @app.get("/slash/")
    async def slash() -> str:
        return "s"

    r = TestClient(app).get("/slash", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/slash/"
    r = TestClient(app, root_path="/api").get("/slash", follow_redirects=False)
    assert r.headers["location"] == "/api/slash/"
    assert TestClient(app).get("/slash", follow_redirects=True).json() == "s"
    assert TestClient(App(redirect_slashes=False)).get("/x/").status_code == 404


def test_sync_handler_runs_in_worker_thread(client: TestClient) -> None:
    r = client.get("/sync")
    assert r.status_code == 200
    assert r.json()["thread"] != threading.main_thread().name


def test_response_class_status_code_and_passthrough(client: TestClient) -> None:
    r = client.get("/text")
    assert r.text == "hello" and r.headers["content-type"] == "text/plain; charset=utf-8"
    assert client.post("/created").status_code == 201
    r = client.get("/raw")
    assert r.content == b"<x/>"
    assert r.headers["content-type"] == "application/xml"
    assert r.headers["x-kept"] == "1"
    assert client.get("/none").content == b"null"


def test_request_object(client: TestClient) -> None:
    r = client.get("/request?q=1&q=2", headers={"User-Agent": "me"})
    assert r.json() == {
        "method": "GET",
        "path": "/request",
        "q": ["1", "2"],
        "ua": "me",
        "client": ["testclient", 50000],
    }
    assert client.post("/echo", content=b"abc").content == b"abc"


def test_http_exception_detail_and_headers(client: TestClient) -> None:
    r = client.get("/teapot")
    assert r.status_code == 418
    assert r.json() == {"detail": {"why": "short"}}
    assert r.headers["x-tea"] == "1"


def test_unhandled_error_is_500_text_without_traceback(caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="asgiweb"):
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.text == "Internal Server Error"
    assert r.headers["content-type"].startswith("text/plain")
    assert "secret details" not in r.text
    assert any("secret details" in str(rec.exc_info[1]) for rec in caplog.records if rec.exc_info)


def test_unhandled_error_reraised_by_default_client() -> None:
    with pytest.raises(RuntimeError, match="secret details"):
        TestClient(make_app()).get("/boom")


def test_debug_shows_traceback() -> None:
    r = TestClient(make_app(debug=True), raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    assert "Traceback" in r.text and "secret details" in r.text


def test_exception_handlers_by_class_and_status() -> None:
    class Oops(Exception):
        pass

    app = make_app(exception_handlers={404: lambda req, exc: PlainTextResponse("gone", 404)})

    @app.exception_handler(Oops)
    async def on_oops(request: Request, exc: Exception) -> Response:
        return JSONResponse({"oops": str(exc)}, status_code=400)

    @app.exception_handler(418)
    def on_teapot(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return HTMLResponse("<b>tea</b>", status_code=exc.status_code)

    @app.get("/oops")
    async def oops() -> None:
        raise Oops("bad")

    client = TestClient(app)
    assert client.get("/oops").json() == {"oops": "bad"}
    assert client.get("/teapot").text == "<b>tea</b>"
    r = client.get("/missing")
    assert (r.status_code, r.text) == (404, "gone")


def test_catch_all_exception_handler_answers_500() -> None:
    app = make_app()

    @app.exception_handler(Exception)
    async def on_any(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("custom 500", status_code=500)

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/boom").text == "custom 500"
    # HTTPException keeps its own answer
    assert client.get("/teapot").status_code == 418


def test_body_size_limit_up_front_and_while_reading() -> None:
    app = make_app(max_body_size=10)

    @app.post("/big", max_body_size=100)
    async def big(request: Request) -> int:
        return len(await request.body())

    client = TestClient(app)
    assert client.post("/echo", content=b"x" * 10).status_code == 200
    r = client.post("/echo", content=b"x" * 11)
    assert r.status_code == 413
    assert client.post("/big", content=b"x" * 50).json() == 50

    def chunks() -> Any:
        yield b"x" * 6
        yield b"x" * 6

    r = client.post("/echo", content=chunks())  # no content-length: checked while reading
    assert r.status_code == 413


@pytest.mark.anyio
async def test_413_from_content_length_without_reading_body() -> None:
    app = make_app(max_body_size=10)
    peer = Peer(b"x" * 1000)
    scope = http_scope("POST", "/echo", [("content-length", "1000")])
    await drive(app, scope, peer)
    assert peer.status == 413
    assert peer.receive_calls == 0


@pytest.mark.anyio
async def test_websocket_is_closed_cleanly() -> None:
    app = make_app()
    peer = Peer(
        messages=[{"type": "websocket.connect"}],
        disconnect_when_done=True,
        disconnect_type="websocket.disconnect",
    )
    await drive(app, websocket_scope("/ws"), peer)
    assert peer.sent == [{"type": "websocket.close", "code": 1000, "reason": ""}]


def test_lifespan_runs_and_state_reaches_requests() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        yield {"db": "connected"}
        events.append("shutdown")

    app = App(lifespan=lifespan)

    @app.get("/state")
    async def state(request: Request) -> str:
        return str(request.state.db)

    with TestClient(app) as client:
        assert events == ["startup"]
        assert client.get("/state").json() == "connected"
    assert events == ["startup", "shutdown"]


@pytest.mark.anyio
async def test_failing_lifespan_reports_startup_failed_with_message() -> None:
    @asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[None]:
        raise RuntimeError("database unreachable")
        yield

    peer = Peer(messages=[{"type": "lifespan.startup"}])
    with pytest.raises(RuntimeError):
        await drive(App(lifespan=lifespan), lifespan_scope(), peer)
    sent = peer.sent
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "database unreachable" in sent[0]["message"]


def test_include_router_and_url_path_for() -> None:
    router = Router()

    @router.get("/users/{user_id}", name="user")
    async def user(user_id: int) -> int:
        return user_id

    app = App()
    app.include_router(router, prefix="/v1")
    client = TestClient(app)
    assert client.get("/v1/users/3").json() == 3
    assert app.url_path_for("user", user_id=3) == "/v1/users/3"


def test_mount_sets_root_path_and_keeps_full_path() -> None:
    seen: list[tuple[str, str]] = []

    async def sub(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append((scope["root_path"], scope["path"]))
        await PlainTextResponse("sub")(scope, receive, send)

    app = make_app()
    app.mount("/static", sub)
    client = TestClient(app)
    assert client.get("/static/css/a.css").text == "sub"
    assert seen == [("/static", "/static/css/a.css")]
    assert client.get("/items/1").status_code == 200


def test_mounted_asgiweb_app_routes_below_its_prefix() -> None:
    inner = App()

    @inner.get("/hello")
    async def hello(request: Request) -> dict[str, str]:
        return {"root": request.scope["root_path"], "path": request.url.path}

    outer = App()
    outer.mount("/inner", inner)
    r = TestClient(outer).get("/inner/hello")
    assert r.json() == {"root": "/inner", "path": "/inner/hello"}


def test_app_state_is_an_attribute_bag() -> None:
    app = App()
    app.state.counter = 1
    assert app.state.counter == 1


def test_cookie_that_needs_quoting_round_trips() -> None:
    app = App()

    @app.get("/set")
    async def set_cookie() -> Response:
        response = PlainTextResponse("ok")
        response.set_cookie("mode", 'dark "mode"')
        return response

    @app.get("/get")
    async def get_cookie(request: Request) -> str:
        return request.cookies["mode"]

    client = TestClient(app)
    r = client.get("/set")
    assert r.cookies["mode"] == 'dark "mode"'
    assert client.get("/get").json() == 'dark "mode"'


@dataclass
class NamedItem:
    name: str


def test_validation_error_handler_can_read_the_body() -> None:
    app = App()

    @app.post("/items")
    async def create(item: NamedItem) -> str:
        return item.name

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: Exception) -> Response:
        return JSONResponse({"body": (await request.body()).decode()}, status_code=400)

    r = TestClient(app).post("/items", json={"name": 3})
    assert r.status_code == 400
    assert r.json() == {"body": '{"name":3}'}


def test_handler_without_parameters_errors_still_reach_handlers() -> None:
    app = App()

    @app.get("/fail")
    async def fail() -> None:
        raise HTTPException(409, "conflict")

    @app.exception_handler(409)
    async def on_conflict(request: Request, exc: Exception) -> Response:
        return PlainTextResponse(f"{request.url.path} conflicted", status_code=409)

    assert TestClient(app).get("/fail").text == "/fail conflicted"


@pytest.mark.anyio
async def test_root_path_is_stripped_only_on_a_segment_boundary() -> None:
    app = App()

    @app.get("/apix/data")
    async def data() -> str:
        return "data"

    @app.get("/data")
    async def mounted() -> str:
        return "mounted"

    peer = await drive(app, http_scope("GET", "/apix/data", root_path="/api"))
    assert peer.body == b'"data"'
    peer = await drive(app, http_scope("GET", "/api/data", root_path="/api"))
    assert peer.body == b'"mounted"'


# -- one error path -------------------------------------------------------------------------


class Passthrough:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _boom_app(middleware: bool, debug: bool = False) -> App:
    app = App(debug=debug)
    if middleware:
        app.add_middleware(Passthrough)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    @app.get("/boom-late")
    async def boom_late() -> Response:
        class Late(Response):
            async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
                await send({"type": "http.response.start", "status": 200, "headers": []})
                raise RuntimeError("late")

        return Late()

    return app


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/boom", "/boom-late"])
async def test_unhandled_error_same_answer_and_one_log_record_with_and_without_middleware(
    caplog: pytest.LogCaptureFixture, path: str
) -> None:
    seen = []
    for middleware in (False, True):
        caplog.clear()
        peer = Peer()
        with caplog.at_level(logging.ERROR, logger="asgiweb"), pytest.raises(RuntimeError):
            await drive(_boom_app(middleware), http_scope("GET", path), peer=peer)
        records = [r for r in caplog.records if r.name == "asgiweb"]
        assert len(records) == 1, records
        seen.append((records[0].getMessage(), [m.get("status") for m in peer.sent], peer.body))
    assert seen[0] == seen[1]
    if path == "/boom":
        assert seen[0] == ("Exception in GET /boom", [500, None], b"Internal Server Error")
    else:
        assert seen[0][0] == "Exception in GET /boom-late after the response started"
        assert seen[0][1] == [200]


@pytest.mark.anyio
async def test_debug_and_server_error_handler_on_both_paths() -> None:
    for middleware in (False, True):
        peer = Peer()
        with pytest.raises(RuntimeError):
            await drive(_boom_app(middleware, debug=True), http_scope("GET", "/boom"), peer=peer)
        assert peer.status == 500
        assert b"Traceback" in peer.body and b"RuntimeError: boom" in peer.body

        app = _boom_app(middleware)

        @app.exception_handler(Exception)
        async def any_error(request: Request, exc: Exception) -> Response:
            return JSONResponse({"oops": str(exc)}, status_code=500)

        peer = Peer()
        with pytest.raises(RuntimeError):
            await drive(app, http_scope("GET", "/boom"), peer=peer)
        assert (peer.status, peer.body) == (500, b'{"oops":"boom"}')


def test_public_default_handlers_can_be_wrapped() -> None:
    app = App()
    calls: list[str] = []

    @app.exception_handler(HTTPException)
    async def logged_http(request: Request, exc: HTTPException) -> Response:
        calls.append(f"http {exc.status_code}")
        return await http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def logged_422(request: Request, exc: RequestValidationError) -> Response:
        calls.append("422")
        return await request_validation_exception_handler(request, exc)

    @app.get("/n/{n}")
    async def read(n: int) -> int:
        if n == 0:
            raise HTTPException(418, "teapot", headers={"x-kind": "pot"})
        return n

    with TestClient(app) as client:
        reply = client.get("/n/0")
        assert (reply.status_code, reply.json(), reply.headers["x-kind"]) == (
            418,
            {"detail": "teapot"},
            "pot",
        )
        assert client.get("/n/x").status_code == 422
        assert client.get("/nowhere").status_code == 404
    assert calls == ["http 418", "422", "http 404"]


# -- App options ----------------------------------------------------------------------------


def test_fastapi_constructor_keywords_are_kept() -> None:
    app = App(
        title="Inventory",
        version="2.0",
        description="Stock",
        openapi_tags=[{"name": "items"}],
        docs_url=None,
        root_path="/api",
    )
    assert (app.title, app.version, app.description) == ("Inventory", "2.0", "Stock")
    assert app.openapi_tags == [{"name": "items"}]
    assert app.docs_url is None
    assert app.root_path == "/api"
    assert app.dependency_overrides == {}


def test_root_path_option_is_the_scope_root_path() -> None:
    app = App(root_path="/api")

    @app.get("/where")
    async def where(request: Request) -> dict[str, str]:
        return {"root_path": request.scope["root_path"], "path": request.url.path}

    with TestClient(app) as client:
        assert client.get("/where").json()["root_path"] == "/api"
        assert client.get("/api/where").status_code == 200


# -- events ---------------------------------------------------------------------------------


def test_on_event_warns_and_combines_with_lifespan() -> None:
    order: list[str] = []

    @asynccontextmanager
    async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
        order.append("lifespan enter")
        yield {"ready": True}
        order.append("lifespan exit")

    app = App(lifespan=lifespan, on_startup=[lambda: order.append("on_startup")])
    with pytest.warns(DeprecationWarning, match="on_event is deprecated"):

        @app.on_event("startup")
        async def started() -> None:
            order.append("startup event")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)

        @app.on_event("shutdown")
        def stopped() -> None:
            order.append("shutdown event")

    @app.get("/ready")
    async def ready(request: Request) -> bool:
        return bool(request.state.ready)

    with TestClient(app) as client:
        assert client.get("/ready").json() is True
    assert order == [
        "on_startup",
        "startup event",
        "lifespan enter",
        "lifespan exit",
        "shutdown event",
    ]


# -- middleware keeps the router behind it ---------------------------------------------------


def test_gzip_middleware_keeps_the_router_behind_it() -> None:
    app = App()
    app.add_middleware(GZipMiddleware, minimum_size=10)

    @app.get("/big")
    async def big() -> str:
        return "x" * 1000

    with TestClient(app) as client:
        reply = client.get("/big", headers={"accept-encoding": "gzip"})
        assert reply.headers["content-encoding"] == "gzip"
        assert reply.json() == "x" * 1000
        assert client.get("/nowhere").status_code == 404
