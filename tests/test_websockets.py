"""WebSocket routes, the WebSocket connection and the TestClient's WebSocket session.

Everything runs in process through ``TestClient.websocket_connect``; where
behaviour could be in doubt the same app is built on FastAPI and driven by
the same client (our TestClient serves any ASGI app).
"""

import json
import logging
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio
import fastapi
import pytest

from asgiweb import (
    App,
    Cookie,
    Header,
    Query,
    Router,
    WebSocket,
    WebSocketDisconnect,
)
from asgiweb.exceptions import WebSocketRequestValidationError
from asgiweb.middleware.cors import CORSMiddleware
from asgiweb.middleware.gzip import GZipMiddleware
from asgiweb.requests import HTTPConnection, Request
from asgiweb.routing import MAX_CLOSE_REASON, NoMatchFound, validation_reason
from asgiweb.testclient import TestClient
from asgiweb.websockets import WebSocketState


def echo_app() -> App:
    app = App()

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            else:
                await websocket.send_bytes(message["bytes"])

    return app


def test_echo_text_and_bytes() -> None:
    with TestClient(echo_app()) as client, client.websocket_connect("/echo") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "hello"
        ws.send_bytes(b"\x00\xff")
        assert ws.receive_bytes() == b"\x00\xff"
        assert ws.accepted_subprotocol is None


def test_without_with_block_on_the_client() -> None:
    client = TestClient(echo_app())
    with client.websocket_connect("/echo") as ws:
        ws.send_text("x")
        assert ws.receive_text() == "x"


def test_json_both_modes() -> None:
    app = App()

    @app.websocket("/json")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        data = await websocket.receive_json()
        await websocket.send_json({"got": data, "é": 1})
        data = await websocket.receive_json(mode="binary")
        await websocket.send_json(data, mode="binary")
        await websocket.close()

    with TestClient(app).websocket_connect("/json") as ws:
        ws.send_json([1, "two"])
        assert ws.receive_json() == {"got": [1, "two"], "é": 1}
        ws.send_json({"b": True}, mode="binary")
        assert ws.receive_json(mode="binary") == {"b": True}
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert info.value.code == 1000


def test_iterators_stop_at_disconnect() -> None:
    seen: list[Any] = []
    app = App()

    @app.websocket("/text")
    async def text(websocket: WebSocket) -> None:
        await websocket.accept()
        async for item in websocket.iter_text():
            seen.append(item)
        seen.append("end")

    @app.websocket("/bytes")
    async def data(websocket: WebSocket) -> None:
        await websocket.accept()
        async for item in websocket.iter_bytes():
            seen.append(item)
        seen.append("end")

    @app.websocket("/json")
    async def json_items(websocket: WebSocket) -> None:
        await websocket.accept()
        async for item in websocket.iter_json():
            seen.append(item)
        seen.append("end")

    with TestClient(app) as client:
        with client.websocket_connect("/text") as ws:
            ws.send_text("a")
            ws.send_text("b")
        with client.websocket_connect("/bytes") as ws:
            ws.send_bytes(b"c")
        with client.websocket_connect("/json") as ws:
            ws.send_json({"d": 1})
    assert seen == ["a", "b", "end", b"c", "end", {"d": 1}, "end"]


def test_subprotocol_and_accept_headers() -> None:
    app = App()

    @app.websocket("/chat")
    async def chat(websocket: WebSocket) -> None:
        offered = websocket.scope["subprotocols"]
        await websocket.accept(subprotocol=offered[-1], headers=[(b"x-extra", b"1")])
        await websocket.send_text(",".join(offered))
        await websocket.close()

    with TestClient(app).websocket_connect("/chat", subprotocols=["v1", "v2"]) as ws:
        assert ws.accepted_subprotocol == "v2"
        assert ws.extra_headers == [(b"x-extra", b"1")]
        assert ws.receive_text() == "v1,v2"


def test_client_close_reaches_the_handler_with_its_code() -> None:
    seen: list[Any] = []
    app = App()

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            await websocket.receive_text()
        except WebSocketDisconnect as exc:
            seen.append((exc.code, websocket.client_state))

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.close(4001, "bye")
    assert seen == [(4001, WebSocketState.DISCONNECTED)]


def test_server_close_is_raised_on_receive() -> None:
    app = App()

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("last")
        await websocket.close(4000, "done here")

    with TestClient(app).websocket_connect("/ws") as ws:
        assert ws.receive_text() == "last"
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert (info.value.code, info.value.reason) == (4000, "done here")


def test_states_and_misuse_errors() -> None:
    states: list[Any] = []
    errors: list[str] = []
    app = App()

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        states.append((websocket.client_state, websocket.application_state))
        try:
            await websocket.receive_text()
        except RuntimeError as exc:
            errors.append(str(exc))
        await websocket.accept()
        states.append((websocket.client_state, websocket.application_state))
        await websocket.close()
        states.append((websocket.client_state, websocket.application_state))
        try:
            await websocket.send_text("late")
        except RuntimeError as exc:
            errors.append(str(exc))

    with TestClient(app).websocket_connect("/ws") as ws, pytest.raises(WebSocketDisconnect):
        ws.receive_text()
    c, d = WebSocketState.CONNECTED, WebSocketState.DISCONNECTED
    assert states == [(WebSocketState.CONNECTING, WebSocketState.CONNECTING), (c, c), (c, d)]
    assert errors == [
        'WebSocket is not connected. Need to call "accept" first.',
        'Cannot call "send" once a close message has been sent.',
    ]


def test_connection_attributes_shared_with_request() -> None:
    seen: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: App) -> Any:
        yield {"db": "conn"}

    app = App(lifespan=lifespan)

    @app.websocket("/items/{item_id}")
    async def handler(websocket: WebSocket) -> None:
        seen.update(
            path_params=websocket.path_params,
            query=dict(websocket.query_params),
            header=websocket.headers["x-token"],
            cookies=websocket.cookies,
            url=str(websocket.url),
            client=websocket.client,
            db=websocket.state.db,
            app=websocket.app is app,
            scope=websocket.scope["type"],
        )
        await websocket.accept()
        await websocket.close()

    with (
        TestClient(app) as client,
        client.websocket_connect(
            "/items/7?a=1", headers={"x-token": "t"}, cookies={"session": "s"}
        ) as ws,
        pytest.raises(WebSocketDisconnect),
    ):
        ws.receive_text()
    assert seen == {
        "path_params": {"item_id": "7"},
        "query": {"a": "1"},
        "header": "t",
        "cookies": {"session": "s"},
        "url": "ws://testserver/items/7?a=1",
        "client": ("testclient", 50000),
        "db": "conn",
        "app": True,
        "scope": "websocket",
    }
    assert issubclass(WebSocket, HTTPConnection) and issubclass(Request, HTTPConnection)
    assert "__dict__" not in dir(WebSocket) and "__dict__" not in dir(Request)


def param_app(framework: Any) -> Any:
    """The same handler on FastAPI and on asgiweb (their markers, their WebSocket)."""
    app = framework.FastAPI() if framework is fastapi else App()

    @app.websocket("/items/{item_id}")
    async def handler(
        websocket: framework.WebSocket,
        item_id: int,
        q: Annotated[int, framework.Query(ge=1)],
        tags: Annotated[list[str] | None, framework.Query()] = None,
        x_token: Annotated[str | None, framework.Header()] = None,
        session: Annotated[str | None, framework.Cookie()] = None,
    ) -> None:
        await websocket.accept()
        await websocket.send_json([item_id, q, tags, x_token, session])
        await websocket.close()

    return app


@pytest.mark.parametrize("framework", ["asgiweb", "fastapi"])
def test_parameters_are_filled_and_validated(framework: str) -> None:
    import asgiweb

    app = param_app(fastapi if framework == "fastapi" else asgiweb)
    client = TestClient(app)
    with client.websocket_connect(
        "/items/5?q=2&tags=a&tags=b", headers={"x-token": "tok"}, cookies={"session": "c"}
    ) as ws:
        assert ws.receive_json() == [5, 2, ["a", "b"], "tok", "c"]
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/items/x?q=0"):
        pass  # pragma: no cover - refused before the block runs
    assert info.value.code == 1008
    reason = info.value.reason
    # FastAPI puts the error list itself in the message; we send it as JSON text.
    errors = reason if isinstance(reason, list) else json.loads(reason)
    assert [(e["type"], list(e["loc"])) for e in errors] == [
        ("int_parsing", ["path", "item_id"]),
        ("greater_than_equal", ["query", "q"]),
    ]


def test_validation_reason_fits_a_close_frame() -> None:
    small = [{"type": "missing", "loc": ("query", "q")}]
    assert json.loads(validation_reason(small)) == [{"type": "missing", "loc": ["query", "q"]}]
    many = [{"type": "missing", "loc": ("query", f"q{i}"), "msg": "x" * 50} for i in range(20)]
    reason = validation_reason(many)
    assert len(reason.encode()) <= MAX_CLOSE_REASON
    assert reason.startswith('[{"type":"missing","loc":["query","q0"]}')


def test_websocket_parameter_plan_is_compiled_at_registration() -> None:
    app = App()
    with pytest.raises(TypeError, match="body parameter"):

        @app.websocket("/ws")
        async def handler(websocket: WebSocket, item: dict[str, int]) -> None:
            raise AssertionError("never called")


def test_raw_websocket_route_gets_the_connection_positionally() -> None:
    app = App()

    async def endpoint(ws):  # type: ignore[no-untyped-def]
        await ws.accept()
        await ws.send_text(ws.path_params["name"])
        await ws.close()

    app.add_websocket_route("/hello/{name}", endpoint)

    @app.websocket_route("/other")
    async def other(ws):  # type: ignore[no-untyped-def]
        await ws.accept()
        await ws.send_text("other")
        await ws.close()

    with TestClient(app) as client:
        with client.websocket_connect("/hello/bob") as ws:
            assert ws.receive_text() == "bob"
        with client.websocket_connect("/other") as ws:
            assert ws.receive_text() == "other"


def test_path_convertors_include_router_mount_and_url_path_for() -> None:
    router = Router(prefix="/rt")

    @router.websocket("/files/{path:path}", name="files")
    async def files(websocket: WebSocket, path: str) -> None:
        await websocket.accept()
        await websocket.send_text(path)
        await websocket.close()

    @router.websocket("/num/{n:int}")
    async def num(websocket: WebSocket, n: int) -> None:
        await websocket.accept()
        await websocket.send_json(n + 1)
        await websocket.close()

    sub = App()

    @sub.websocket("/inner")
    async def inner(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(websocket.scope["root_path"])
        await websocket.close()

    app = App()
    app.include_router(router, prefix="/v1")
    app.mount("/sub", sub)
    with TestClient(app) as client:
        with client.websocket_connect("/v1/rt/files/a/b.txt") as ws:
            assert ws.receive_text() == "a/b.txt"
        with client.websocket_connect("/v1/rt/num/41") as ws:
            assert ws.receive_json() == 42
        with client.websocket_connect("/sub/inner") as ws:
            assert ws.receive_text() == "/sub"
        with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/v1/rt/num/x"):
            pass  # pragma: no cover
        assert info.value.code == 1000
    assert app.url_path_for("files", path="x/y") == "/v1/rt/files/x/y"
    with pytest.raises(NoMatchFound):
        app.url_path_for("files")
    assert [route.path for route in app.router.websocket_routes] == [
        "/v1/rt/files/{path:path}",
        "/v1/rt/num/{n:int}",
    ]


@pytest.mark.parametrize("framework", ["asgiweb", "fastapi"])
def test_unknown_path_is_refused_before_accept(framework: str) -> None:
    app = fastapi.FastAPI() if framework == "fastapi" else App()

    @app.get("/http")
    async def http() -> str:
        return "x"

    with pytest.raises(WebSocketDisconnect) as info, TestClient(app).websocket_connect("/nope"):
        pass  # pragma: no cover
    assert info.value.code == 1000


@pytest.mark.parametrize("framework", ["asgiweb", "fastapi"])
def test_websocket_exception_closes_with_its_code(framework: str) -> None:
    module: Any = fastapi if framework == "fastapi" else __import__("asgiweb")
    app = module.FastAPI() if framework == "fastapi" else App()

    @app.websocket("/before")
    async def before(websocket: module.WebSocket) -> None:
        raise module.WebSocketException(code=1008, reason="no token")

    @app.websocket("/after")
    async def after(websocket: module.WebSocket) -> None:
        await websocket.accept()
        raise module.WebSocketException(code=4003, reason="forbidden")

    with TestClient(app) as client:
        with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/before"):
            pass  # pragma: no cover
        assert (info.value.code, info.value.reason) == (1008, "no token")
        with client.websocket_connect("/after") as ws, pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert (info.value.code, info.value.reason) == (4003, "forbidden")


def test_unhandled_error_closes_1011_after_accept_and_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()

    @app.websocket("/after")
    async def after(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise ValueError("boom after")

    @app.websocket("/before")
    async def before(websocket: WebSocket) -> None:
        raise ValueError("boom before")

    caplog.set_level(logging.ERROR, logger="asgiweb")
    quiet = TestClient(app, raise_server_exceptions=False)
    with quiet.websocket_connect("/after") as ws:
        ws.send_text("go")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert info.value.code == 1011
    with pytest.raises(WebSocketDisconnect) as info, quiet.websocket_connect("/before"):
        pass  # pragma: no cover
    # Nothing sent before the error (as under FastAPI): a real server answers the
    # handshake with a 500; the TestClient reports the app's error as 1011.
    assert info.value.code == 1011
    records = [r for r in caplog.records if r.name == "asgiweb"]
    assert [str(r.exc_info[1]) for r in records if r.exc_info] == ["boom after", "boom before"]
    assert len(records) == 2

    # With raise_server_exceptions the app's own error reaches the test.
    with (
        pytest.raises(ValueError, match="boom after"),
        TestClient(app).websocket_connect("/after") as ws,
    ):
        ws.send_text("go")
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()


def test_uncaught_disconnect_ends_the_handler_quietly(caplog: pytest.LogCaptureFixture) -> None:
    app = App()

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        while True:
            await websocket.receive_text()

    caplog.set_level(logging.ERROR, logger="asgiweb")
    # Not logged, and nothing reaches the server; the TestClient (asking through the
    # scope extension) re-raises it when the session ends, as Starlette's does.
    client = TestClient(app)
    with pytest.raises(WebSocketDisconnect) as caught, client.websocket_connect("/ws") as ws:
        ws.send_text("a")
    assert caught.value.code == 1000
    assert not [r for r in caplog.records if r.name == "asgiweb"]
    with TestClient(app, raise_server_exceptions=False).websocket_connect("/ws") as ws:
        ws.send_text("a")

    seen: list[Any] = []

    async def server(scope: Any, receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except BaseException as exc:  # what a server without the extension would see
            seen.append(exc)
            raise

    messages = iter([{"type": "websocket.connect"}, {"type": "websocket.receive", "text": "a"}])

    async def receive() -> Any:
        return next(messages, {"type": "websocket.disconnect", "code": 1001})

    async def send(message: Any) -> None:
        pass

    scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
    anyio.run(server, scope, receive, send)
    assert seen == []


def test_send_after_client_left_raises_disconnect_1006() -> None:
    seen: list[int] = []
    app = App()

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hi")
        message = await websocket.receive()
        assert message["type"] == "websocket.disconnect"
        try:
            await websocket.send_text("anyone?")
        except WebSocketDisconnect as exc:
            seen.append(exc.code)

    with TestClient(app).websocket_connect("/ws") as ws:
        assert ws.receive_text() == "hi"
    assert seen == [1006]


def test_wrong_frame_kind_closes_1003() -> None:
    app = App()

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()

    with TestClient(app).websocket_connect("/ws") as ws:
        ws.send_bytes(b"binary")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert info.value.code == 1003


def test_websockets_pass_through_cors_and_gzip_middleware() -> None:
    app = App()
    app.add_middleware(GZipMiddleware, minimum_size=1)
    app.add_middleware(CORSMiddleware, allow_origins=["https://a.example"])

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("x" * 2000)
        await websocket.close()

    headers = {"origin": "https://b.example", "accept-encoding": "gzip"}
    with TestClient(app).websocket_connect("/ws", headers=headers) as ws:
        assert ws.extra_headers == []
        assert ws.receive_text() == "x" * 2000


def test_error_behind_middleware_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    app = App()
    app.add_middleware(GZipMiddleware)

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        raise KeyError("inside")

    caplog.set_level(logging.ERROR, logger="asgiweb")
    quiet = TestClient(app, raise_server_exceptions=False)
    with quiet.websocket_connect("/ws") as ws, pytest.raises(WebSocketDisconnect) as info:
        ws.receive_text()
    assert info.value.code == 1011
    assert len([r for r in caplog.records if r.name == "asgiweb"]) == 1


def test_markers_work_in_websocket_handlers() -> None:
    app = App()

    @app.websocket("/ws")
    async def handler(
        websocket: WebSocket,
        limit: int = Query(10, le=100),
        user_agent: str = Header(),
        theme: str = Cookie("light"),
    ) -> None:
        await websocket.accept()
        await websocket.send_json([limit, user_agent, theme])
        await websocket.close()

    with TestClient(app).websocket_connect("/ws?limit=5") as ws:
        assert ws.receive_json() == [5, "testclient", "light"]


class Forbidden(Exception):
    pass


@pytest.mark.parametrize("framework", ["asgiweb", "fastapi"])
def test_exception_handlers_get_the_websocket(framework: str) -> None:
    module: Any = fastapi if framework == "fastapi" else __import__("asgiweb")
    app = module.FastAPI() if framework == "fastapi" else App()
    seen: list[str] = []

    @app.exception_handler(Forbidden)
    async def forbidden(websocket: Any, exc: Forbidden) -> None:
        seen.append(type(websocket).__name__)
        await websocket.close(code=4403, reason=str(exc))

    @app.websocket("/before")
    async def before(websocket: module.WebSocket) -> None:
        raise Forbidden("no entry")

    @app.websocket("/after")
    async def after(websocket: module.WebSocket) -> None:
        await websocket.accept()
        raise Forbidden("out you go")

    with TestClient(app) as client:
        with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect("/before"):
            pass  # pragma: no cover
        assert (info.value.code, info.value.reason) == (4403, "no entry")
        with client.websocket_connect("/after") as ws, pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert (info.value.code, info.value.reason) == (4403, "out you go")
    assert seen == ["WebSocket", "WebSocket"]


def test_validation_error_handler_can_be_replaced() -> None:
    app = App()

    @app.exception_handler(WebSocketRequestValidationError)
    async def invalid(websocket: WebSocket, exc: WebSocketRequestValidationError) -> None:
        await websocket.close(code=4422, reason=f"{len(exc.errors())} bad parameter(s)")

    @app.websocket("/ws/{n:int}")
    async def handler(websocket: WebSocket, n: int, q: int) -> None:
        await websocket.accept()

    with pytest.raises(WebSocketDisconnect) as info, TestClient(app).websocket_connect("/ws/1?q=x"):
        pass  # pragma: no cover
    assert (info.value.code, info.value.reason) == (4422, "1 bad parameter(s)")


def test_a_failing_exception_handler_is_an_unhandled_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()

    @app.exception_handler(Forbidden)
    def broken_handler(websocket: WebSocket, exc: Forbidden) -> None:
        raise RuntimeError("handler bug")

    @app.websocket("/ws")
    async def handler(websocket: WebSocket) -> None:
        await websocket.accept()
        raise Forbidden()

    caplog.set_level(logging.ERROR, logger="asgiweb")
    quiet = TestClient(app, raise_server_exceptions=False)
    with quiet.websocket_connect("/ws") as ws, pytest.raises(WebSocketDisconnect) as info:
        ws.receive_text()
    assert info.value.code == 1011
    assert [r.exc_info[1].args for r in caplog.records if r.exc_info] == [("handler bug",)]


@pytest.mark.parametrize("framework", ["asgiweb", "fastapi"])
def test_http_and_websocket_routes_on_one_path(framework: str) -> None:
    module: Any = fastapi if framework == "fastapi" else __import__("asgiweb")
    app = module.FastAPI() if framework == "fastapi" else App()

    @app.get("/both")
    async def page() -> str:
        return "http"

    @app.websocket("/both")
    async def socket(websocket: module.WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("ws")
        await websocket.close()

    @app.websocket("/ws-only")
    async def only(websocket: module.WebSocket) -> None:
        await websocket.accept()  # pragma: no cover

    client = TestClient(app)
    assert client.get("/both").json() == "http"
    with client.websocket_connect("/both") as ws:
        assert ws.receive_text() == "ws"
    assert client.get("/ws-only").status_code == 404
