"""What a half-migrated FastAPI app still holds, side by side with FastAPI.

An app moved over by swapping ``fastapi`` for ``asgiweb`` in its imports keeps
every other import: Starlette's classes (``starlette.exceptions.HTTPException``
for an exception handler, ``starlette.requests.Request`` as an annotation), and
its route table as it was, repeated paths included.  Each app here is written
once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and both frameworks must
give the same answers.
"""

import functools
from typing import Any

import pytest
from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.responses import Response as StarletteResponse

from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, ask, frameworks, same_answers

HEADERS = ("content-type", "x-seen", "allow")

# -- repeated routes ------------------------------------------------------------------


def repeated_routes_app(fw: Framework) -> Any:
    app = fw.App()
    router = fw.Router(prefix="/r")

    @app.get("/users")
    def first_users() -> Any:
        return ["Rick", "Morty"]

    @app.get("/users")
    def second_users() -> Any:
        return ["Bean", "Elfo"]

    @app.get("/items/{item_id}")
    def item(item_id: int) -> Any:
        return {"item": item_id}

    @app.api_route("/items/{name}", methods=["GET", "DELETE"])
    def by_name(name: str) -> Any:
        return {"name": name}

    @router.get("/x")
    def router_x() -> Any:
        return "router"

    app.include_router(router)
    app.include_router(router, prefix="/again")

    @app.get("/r/x")
    def app_x() -> Any:
        return "app"

    return app


def test_a_repeated_route_is_answered_by_the_first_as_in_fastapi() -> None:
    calls = [
        "/users",
        "/items/3",
        "/items/three",
        Call("DELETE", "/items/3"),
        # The 405's Allow differs: asgiweb lists every method of every route with
        # that template shape, FastAPI those of the first route (docs/api.md).
        Call("POST", "/items/3", compare_headers=("content-type",)),
        "/r/x",
        "/again/r/x",
    ]
    answers = same_answers(repeated_routes_app, calls, headers=HEADERS)
    assert [a["body"] for a in answers[:2]] == [["Rick", "Morty"], {"item": 3}]
    assert answers[3]["body"] == {"name": "3"}
    assert answers[4]["status"] == 405
    assert answers[5]["body"] == "router"


@pytest.mark.filterwarnings("ignore:Duplicate Operation ID")
def test_the_document_shows_the_later_operation_as_fastapi_does() -> None:
    ours, theirs = frameworks()
    mine = repeated_routes_app(ours).openapi()["paths"]
    reference = repeated_routes_app(theirs).openapi()["paths"]
    assert mine["/users"]["get"]["operationId"] == reference["/users"]["get"]["operationId"]
    assert mine["/users"]["get"]["operationId"] == "second_users_users_get"
    assert sorted(mine) == sorted(reference)


# -- Starlette's classes still imported -------------------------------------------------


def starlette_names_app(fw: Framework) -> Any:
    app = fw.App()

    @app.exception_handler(StarletteHTTPException)
    async def plain_http_errors(request: Any, exc: Any) -> Any:
        return fw.responses.PlainTextResponse(
            f"{exc.status_code}: {exc.detail}", status_code=exc.status_code
        )

    @app.get("/teapot/{n}")
    def teapot(n: int) -> Any:
        if n == 3:
            raise fw.HTTPException(418, "no 3")
        return {"n": n}

    @app.get("/starlette/{n}")
    def starlette_error(n: int) -> Any:
        raise StarletteHTTPException(n, "from starlette", headers={"x-seen": "raised"})

    @app.get("/request")
    def request_seen(request: StarletteRequest, response: StarletteResponse) -> Any:
        response.headers["x-seen"] = request.url.path
        return {"method": request.method, "query": dict(request.query_params)}

    done: list[str] = []

    @app.post("/later")
    def later(tasks: StarletteBackgroundTasks) -> Any:
        tasks.add_task(done.append, "ran")
        return "queued"

    @app.get("/done")
    def done_list() -> Any:
        return done

    return app


def test_starlette_classes_from_a_fastapi_app_work_as_in_fastapi() -> None:
    calls = [
        "/teapot/3",
        "/teapot/4",
        "/teapot/x",
        "/nowhere",
        Call.post("/teapot/3"),
        "/request?a=1",
        Call.post("/later"),
        "/done",
        "/starlette/404",
    ]
    answers = same_answers(starlette_names_app, calls, headers=HEADERS)
    assert answers[8] == {
        "status": 404,
        "body": "404: from starlette",
        "headers": {"content-type": "text/plain; charset=utf-8", "x-seen": None, "allow": None},
    }
    assert [a["body"] for a in answers[:2]] == ["418: no 3", {"n": 4}]
    assert answers[3]["body"] == "404: Not Found"
    assert answers[4]["body"] == "405: Method Not Allowed"
    assert answers[5]["headers"]["x-seen"] == "/request"
    assert answers[7]["body"] == ["ran"]


def bare_starlette_errors_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/{n}")
    def starlette_error(n: int) -> Any:
        raise StarletteHTTPException(n, "plain", headers={"x-seen": "yes"})

    return app


def test_starlettes_http_exception_is_answered_as_fastapi_answers_it() -> None:
    answers = same_answers(
        bare_starlette_errors_app, ["/418", "/404", "/304", "/401"], headers=HEADERS
    )
    assert answers[0]["body"] == {"detail": "plain"} and answers[0]["headers"]["x-seen"] == "yes"


def body_limit_app(fw: Framework) -> Any:
    app = fw.App(max_body_size=10)

    @app.post("/echo")
    def echo(payload: dict[str, Any]) -> Any:
        return payload

    return app


def test_a_body_found_too_large_as_it_arrives_is_answered_as_fastapi() -> None:
    chunked = {"content-type": "application/json", "transfer-encoding": "chunked"}
    calls = [
        Call.post("/echo", content=[b'{"a": "', b"x" * 20, b'"}'], headers=chunked),
        Call.post("/echo", json={"a": 1}),
    ]
    answers = same_answers(body_limit_app, calls, headers=("content-type",))
    assert answers[0] == {
        "status": 413,
        "body": {"detail": "Content Too Large"},
        "headers": {"content-type": "application/json"},
    }


# -- Starlette's responses returned by a handler ----------------------------------------


def starlette_responses_app(fw: Framework) -> Any:
    """Handlers returning Starlette's own responses, as a half-migrated app (or a
    library built on Starlette, such as an SSE package) does."""
    from starlette.background import BackgroundTask as StarletteBackgroundTask
    from starlette.responses import JSONResponse as StarletteJSON
    from starlette.responses import PlainTextResponse as StarlettePlain
    from starlette.responses import StreamingResponse as StarletteStreaming

    app = fw.App()
    done: list[str] = []

    @app.get("/plain")
    async def plain() -> Any:
        return StarlettePlain("x" * 40, status_code=201, headers={"x-seen": "plain"})

    @app.get("/json", response_model=dict[str, int])
    def json_with_model() -> Any:
        # A response model does not apply to a returned response.
        return StarletteJSON({"not": "an int"})

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> Any:
            for part in ("a", "b", "c"):
                yield part

        return StarletteStreaming(chunks(), media_type="text/plain")

    @app.get("/merged")
    def merged(response: fw.Response, tasks: fw.BackgroundTasks) -> Any:
        response.headers["x-seen"] = "injected"
        tasks.add_task(done.append, "injected task")
        return StarlettePlain("merged", background=StarletteBackgroundTask(done.append, "own"))

    @app.get("/done")
    def done_list() -> Any:
        return done

    @app.exception_handler(ValueError)
    async def on_value_error(request: Any, exc: ValueError) -> Any:
        return StarlettePlain(f"handled: {exc}", status_code=409)

    @app.get("/fails")
    def fails() -> Any:
        raise ValueError("nope")

    return app


def test_starlettes_responses_returned_by_a_handler_are_sent_as_fastapi_sends_them() -> None:
    calls = ["/plain", "/json", "/stream", "/merged", "/fails"]
    answers = same_answers(starlette_responses_app, calls, headers=HEADERS)
    assert answers[0] == {
        "status": 201,
        "body": "x" * 40,
        "headers": {"content-type": "text/plain; charset=utf-8", "x-seen": "plain", "allow": None},
    }
    assert answers[1]["body"] == {"not": "an int"}
    assert answers[2]["body"] == "abc"
    # A returned response takes nothing from the injected one, as in FastAPI.
    assert answers[3]["headers"]["x-seen"] is None
    assert answers[4] == {
        "status": 409,
        "body": "handled: nope",
        "headers": {"content-type": "text/plain; charset=utf-8", "x-seen": None, "allow": None},
    }


def test_a_starlette_responses_own_task_runs_before_the_added_ones() -> None:
    # FastAPI drops the tasks added to the BackgroundTasks parameter when the returned
    # response has its own; asgiweb runs both, the response's first (docs/responses.md).
    ours = Framework("asgiweb")
    answers = ask(starlette_responses_app(ours), ["/merged", "/done"], headers=HEADERS)
    assert answers[1]["body"] == ["own", "injected task"]


# -- Starlette's middleware -------------------------------------------------------------


def starlette_middleware_app(fw: Framework) -> Any:
    """Starlette's own middleware classes, declared the Starlette way
    (``starlette.middleware.Middleware`` in ``middleware=[...]``) and by
    ``add_middleware``, as a half-migrated app keeps them."""
    from starlette.middleware import Middleware as StarletteMiddleware
    from starlette.middleware.base import BaseHTTPMiddleware as StarletteBase
    from starlette.middleware.cors import CORSMiddleware as StarletteCORS
    from starlette.middleware.gzip import GZipMiddleware as StarletteGZip
    from starlette.middleware.trustedhost import TrustedHostMiddleware as StarletteHosts

    class Tag(StarletteBase):
        async def dispatch(self, request: Any, call_next: Any) -> Any:
            response = await call_next(request)
            response.headers["x-seen"] = request.url.path
            return response

    app = fw.App(
        middleware=[
            StarletteMiddleware(StarletteHosts, allowed_hosts=["testserver"]),
            StarletteMiddleware(Tag),
        ]
    )
    app.add_middleware(StarletteGZip, minimum_size=10)
    app.add_middleware(StarletteCORS, allow_origins=["*"])

    @app.get("/long")
    def long() -> Any:
        return {"text": "b" * 100}

    return app


def test_starlettes_middleware_declared_the_starlette_way_runs_as_in_fastapi() -> None:
    headers = (*HEADERS, "content-encoding", "access-control-allow-origin", "vary")
    calls = [
        Call.get("/long", headers={"origin": "http://a.example", "accept-encoding": "gzip"}),
        Call.get("/long", headers={"host": "elsewhere.example"}),
        "/nowhere",
    ]
    answers = same_answers(starlette_middleware_app, calls, headers=headers)
    assert answers[0]["headers"]["content-encoding"] == "gzip"
    assert answers[0]["headers"]["x-seen"] == "/long"
    assert answers[0]["headers"]["access-control-allow-origin"] == "*"
    assert answers[1]["status"] == 400
    assert answers[2]["status"] == 404 and answers[2]["headers"]["x-seen"] == "/nowhere"


# -- Starlette's WebSocketDisconnect ----------------------------------------------------


def starlette_disconnect_app(fw: Framework) -> Any:
    """A WebSocket handler that still catches Starlette's ``WebSocketDisconnect``."""
    from starlette.websockets import WebSocketDisconnect as StarletteDisconnect

    app = fw.App()
    seen: list[Any] = []

    @app.websocket("/ws")
    async def echo(websocket: fw.WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        except StarletteDisconnect as exc:
            seen.append(exc.code)

    @app.websocket("/closes")
    async def closes(websocket: fw.WebSocket) -> None:
        await websocket.accept()
        await websocket.close(4001, "bye")

    @app.get("/seen")
    def seen_codes() -> Any:
        return seen

    return app


def test_starlettes_websocket_disconnect_catches_ours_as_in_fastapi() -> None:
    from starlette.websockets import WebSocketDisconnect as StarletteDisconnect

    for fw in frameworks():
        with TestClient(starlette_disconnect_app(fw)) as client:
            with client.websocket_connect("/ws") as ws:
                ws.send_text("hi")
                assert ws.receive_text() == "hi"
                ws.close(1001)
            assert client.get("/seen").json() == [1001], fw
            with (
                client.websocket_connect("/closes") as ws,
                pytest.raises(StarletteDisconnect) as raised,
            ):
                ws.receive_text()
            assert (raised.value.code, raised.value.reason) == (4001, "bye"), fw


# -- Starlette's routes in routes=[...] -------------------------------------------------


def starlette_routes_app(fw: Framework, static_dir: str) -> Any:
    """Starlette's ``Route``, ``Mount`` and ``WebSocketRoute`` in ``routes=[...]``, as a
    migrated app's list holds them (served as Starlette serves them; never documented)."""
    from starlette.responses import JSONResponse as StarletteJSON
    from starlette.routing import Mount as StarletteMount
    from starlette.routing import Route as StarletteRoute
    from starlette.routing import WebSocketRoute as StarletteWebSocketRoute
    from starlette.staticfiles import StaticFiles as StarletteStatic

    async def health(request: Any) -> Any:
        return StarletteJSON({"path": request.url.path, "params": request.path_params})

    async def echo_once(websocket: Any) -> None:
        await websocket.accept()
        await websocket.send_text(
            f"{websocket.path_params['room']}: " + await websocket.receive_text()
        )
        await websocket.close()

    app = fw.App(
        routes=[
            StarletteRoute("/health/{check:int}", health, methods=["GET", "POST"], name="health"),
            StarletteMount("/static", StarletteStatic(directory=static_dir), name="static"),
            StarletteMount("/inner", routes=[StarletteRoute("/deep/{x}", health)]),
            StarletteWebSocketRoute("/ws/{room}", echo_once),
        ]
    )

    @app.get("/api")
    def api() -> Any:
        return {"api": True}

    return app


def test_starlettes_routes_in_the_routes_list_are_served_as_in_fastapi(tmp_path: Any) -> None:
    (tmp_path / "a.txt").write_text("static text")
    calls = [
        "/health/7",
        Call.post("/health/8"),
        Call.put("/health/9"),
        "/health/x",
        "/static/a.txt",
        "/static/missing.txt",
        "/inner/deep/here",
        "/api",
    ]
    answers = same_answers(lambda fw: starlette_routes_app(fw, str(tmp_path)), calls)
    assert answers[0]["body"] == {"path": "/health/7", "params": {"check": 7}}
    assert [a["status"] for a in answers] == [200, 200, 405, 404, 200, 404, 200, 200]
    assert answers[4]["body"] == "static text"
    for fw in frameworks():
        with TestClient(starlette_routes_app(fw, str(tmp_path))) as client:
            assert "/health/{check}" not in client.get("/openapi.json").json()["paths"]
            with client.websocket_connect("/ws/lobby") as ws:
                ws.send_text("hi")
                assert ws.receive_text() == "lobby: hi"


# -- decorators written for Starlette's Request -----------------------------------------


def decorated_handlers_app(fw: Framework) -> Any:
    """Handlers behind decorators that insist on Starlette's ``Request``:
    Starlette's ``requires`` and slowapi's rate limit, as FastAPI apps use them."""
    from slowapi import Limiter, _rate_limit_exceeded_handler
    from slowapi.errors import RateLimitExceeded
    from slowapi.util import get_remote_address
    from starlette.authentication import (
        AuthCredentials,
        AuthenticationBackend,
        SimpleUser,
        requires,
    )
    from starlette.middleware.authentication import AuthenticationMiddleware

    class HeaderBackend(AuthenticationBackend):
        async def authenticate(self, conn: Any) -> Any:
            name = conn.headers.get("x-user")
            return None if name is None else (AuthCredentials(["authenticated"]), SimpleUser(name))

    limiter = Limiter(key_func=get_remote_address)
    app = fw.App()
    app.state.limiter = limiter
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)
    app.add_middleware(AuthenticationMiddleware, backend=HeaderBackend())

    @app.get("/me")
    @requires("authenticated")
    async def me(request: fw.Request) -> Any:
        return {"user": request.user.display_name, "scopes": request.auth.scopes}

    @app.get("/limited/{n}")
    @limiter.limit("2/minute")
    async def limited(request: fw.Request, n: int) -> Any:
        return {"n": n, "path": request.url.path}

    return app


def test_decorators_that_insist_on_starlettes_request_work_as_in_fastapi() -> None:
    calls = [
        "/me",
        Call.get("/me", headers={"x-user": "ada"}),
        "/limited/2",
        "/limited/2",
        "/limited/2",
    ]
    answers = same_answers(decorated_handlers_app, calls)
    assert answers[0]["status"] == 403
    assert answers[1]["body"] == {"user": "ada", "scopes": ["authenticated"]}
    assert [a["status"] for a in answers[2:]] == [200, 200, 429]
    assert answers[3]["body"] == {"n": 2, "path": "/limited/2"}


def test_only_a_decorated_handlers_route_makes_starlette_compatible_requests() -> None:
    import starlette.requests

    from asgiweb import App, Request

    app = App()
    seen: list[Any] = []

    def keep(func: Any) -> Any:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            seen.append(kwargs["request"])
            return await func(*args, **kwargs)

        return wrapper

    @app.get("/plain")
    async def plain(request: Request) -> Any:
        seen.append(request)
        return "plain"

    @app.get("/decorated")
    @keep
    async def decorated(request: Request) -> Any:
        return "decorated"

    client = TestClient(app)
    assert client.get("/plain").text == client.get("/decorated").text.replace("decorated", "plain")
    plain_request, decorated_request = seen
    assert type(plain_request) is Request
    assert not isinstance(plain_request, starlette.requests.Request)
    assert isinstance(decorated_request, starlette.requests.Request)
    assert isinstance(decorated_request, Request)


def decorated_websocket_app(fw: Framework) -> Any:
    """A WebSocket handler behind Starlette's ``requires``, which insists on
    Starlette's ``WebSocket``."""
    from starlette.authentication import (
        AuthCredentials,
        AuthenticationBackend,
        SimpleUser,
        requires,
    )
    from starlette.middleware.authentication import AuthenticationMiddleware

    class QueryBackend(AuthenticationBackend):
        async def authenticate(self, conn: Any) -> Any:
            name = conn.query_params.get("user")
            return None if name is None else (AuthCredentials(["chat"]), SimpleUser(name))

    app = fw.App()
    app.add_middleware(AuthenticationMiddleware, backend=QueryBackend())

    @app.websocket("/chat")
    @requires("chat")
    async def chat(websocket: fw.WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(f"hello {websocket.user.display_name}")
        await websocket.close()

    return app


def test_a_decorated_websocket_handler_gets_a_starlette_compatible_websocket() -> None:
    from asgiweb.exceptions import WebSocketDisconnect

    for fw in frameworks():
        client = TestClient(decorated_websocket_app(fw))
        with client.websocket_connect("/chat?user=ada") as ws:
            assert ws.receive_text() == "hello ada", fw
        with (
            pytest.raises(WebSocketDisconnect),
            client.websocket_connect("/chat") as ws,
        ):
            ws.receive_text()
