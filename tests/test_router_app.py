"""A Router is an ASGI app on its own; the App holds one and adds lifespan, errors and
middleware; route options merge as FastAPI merges them; one error path."""

from __future__ import annotations

import logging
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from asgiweb import App, HTTPException, Router
from asgiweb.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from asgiweb.exceptions import RequestValidationError
from asgiweb.middleware.gzip import GZipMiddleware
from asgiweb.requests import Request
from asgiweb.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from asgiweb.testclient import TestClient
from asgiweb.types import ASGIApp, Receive, Scope, Send
from tests.harness import Peer, drive, http_scope

pytestmark = pytest.mark.anyio


def _items_router() -> Router:
    router = Router()

    @router.get("/items")
    async def items() -> list[int]:
        return [1, 2]

    @router.post("/items/{item_id:int}")
    async def update(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    return router


# -- a bare Router serves -----------------------------------------------------------------


async def test_bare_router_answers_routes_404_405_and_redirects() -> None:
    router = _items_router()
    peer = await drive(router, http_scope("GET", "/items"))
    assert (peer.status, peer.body) == (200, b"[1,2]")
    peer = await drive(router, http_scope("GET", "/nowhere"))
    assert (peer.status, peer.body) == (404, b'{"detail":"Not Found"}')
    peer = await drive(router, http_scope("PUT", "/items"))
    assert peer.status == 405
    assert peer.header("allow") == "GET, HEAD"
    peer = await drive(router, http_scope("GET", "/items/"))
    assert (peer.status, peer.header("location")) == (307, "/items")


async def test_bare_router_serves_its_mounts_and_answers_lifespan() -> None:
    outer = Router()
    outer.mount("/v1", _items_router())
    peer = await drive(outer, http_scope("GET", "/v1/items"))
    assert (peer.status, peer.body) == (200, b"[1,2]")

    sent: list[dict[str, Any]] = []
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await outer({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send)
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


def test_bare_router_through_the_test_client() -> None:
    with TestClient(_items_router()) as client:
        assert client.post("/items/3").json() == {"item_id": 3}
        assert client.post("/items/x").status_code == 404  # no convertor accepts it


def test_mounted_router_uses_the_apps_exception_handlers() -> None:
    app = App()

    @app.exception_handler(404)
    async def not_found(request: Request, exc: HTTPException) -> Response:
        return PlainTextResponse("nothing here", status_code=404)

    app.mount("/sub", _items_router())
    with TestClient(app) as client:
        assert client.get("/sub/missing").text == "nothing here"
        assert client.get("/missing").text == "nothing here"


# -- numbers past the int digit limit never reach a 500 ------------------------------------


def test_int_segment_longer_than_the_digit_limit_is_404() -> None:
    app = App()

    @app.get("/items/{item_id:int}")
    async def read(item_id: int) -> int:
        return item_id

    with TestClient(app) as client:
        assert client.get("/items/12").json() == 12
        reply = client.get("/items/" + "9" * 5000)
        assert reply.status_code == 404
        assert reply.json() == {"detail": "Not Found"}


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


# -- options merge as FastAPI merges them ------------------------------------------------


def test_router_options_merge_through_include_router() -> None:
    inner = Router(
        prefix="/inner",
        tags=["inner"],
        responses={404: {"description": "inner"}},
        default_response_class=HTMLResponse,
    )

    @inner.get("/page", tags=["route"], responses={500: {"description": "route"}})
    async def page() -> str:
        return "<p>hi</p>"

    @inner.get("/plain", response_class=PlainTextResponse, deprecated=True)
    async def plain() -> str:
        return "plain"

    @inner.get("", include_in_schema=False)
    async def root() -> str:
        return "<p>root</p>"

    app = App()
    app.include_router(
        inner,
        prefix="/v1",
        tags=["v1"],
        responses={404: {"description": "include"}, 418: {"description": "include"}},
        default_response_class=JSONResponse,
    )
    routes = {route.path: route for route in app.routes}
    assert set(routes) == {"/v1/inner/page", "/v1/inner/plain", "/v1/inner"}
    page_route = routes["/v1/inner/page"]
    assert page_route.tags == ["v1", "inner", "route"]
    assert page_route.responses == {
        404: {"description": "inner"},
        418: {"description": "include"},
        500: {"description": "route"},
    }
    assert page_route.deprecated is None
    assert routes["/v1/inner/plain"].deprecated is True
    assert routes["/v1/inner"].include_in_schema is False
    assert page_route.include_in_schema is True
    with TestClient(app) as client:
        # The router's default_response_class survives being included.
        reply = client.get("/v1/inner/page")
        assert reply.headers["content-type"] == "text/html; charset=utf-8"
        assert reply.text == "<p>hi</p>"
        assert client.get("/v1/inner/plain").text == "plain"
        # @router.get("") under a prefix serves the prefix itself.
        assert client.get("/v1/inner").text == "<p>root</p>"


def test_include_router_default_response_class_applies_when_the_router_sets_none() -> None:
    inner = Router()

    @inner.get("/x")
    async def x() -> str:
        return "<b>x</b>"

    app = App()
    app.include_router(inner, default_response_class=HTMLResponse)
    with TestClient(app) as client:
        assert client.get("/x").headers["content-type"] == "text/html; charset=utf-8"


def test_api_route_spellings_and_empty_path_rules() -> None:
    app = App()

    @app.api_route("/both", methods=["GET", "POST"])
    async def both(request: Request) -> str:
        return request.method

    async def added() -> str:
        return "added"

    app.add_api_route("/added", added, methods=["PUT"])
    with TestClient(app) as client:
        assert client.get("/both").json() == "GET"
        assert client.post("/both").json() == "POST"
        assert client.put("/added").json() == "added"
    with pytest.raises(ValueError, match="both empty"):
        Router().get("")(added)


def test_unknown_options_are_type_errors() -> None:
    with pytest.raises(TypeError, match="bogus"):
        App(bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        Router(bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        App().include_router(Router(), bogus=1)


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


# -- url_path_for through mounts --------------------------------------------------------------


def test_url_path_for_reaches_into_mounts() -> None:
    app = App()
    sub = Router()

    @sub.get("/users/{user_id}", name="user")
    async def user(user_id: int) -> int:
        return user_id

    app.mount("/api", sub, name="api")
    app.mount("/static", _items_router(), name="static")
    assert app.url_path_for("api:user", user_id=3) == "/api/users/3"
    assert app.url_path_for("static", path="/css/site.css") == "/static/css/site.css"
    middle = Router()
    middle.mount("/inner", sub)
    assert middle.url_path_for("user", user_id=4) == "/inner/users/4"


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
