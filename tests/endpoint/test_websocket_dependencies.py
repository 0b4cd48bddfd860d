"""Dependencies in WebSocket handlers (issue 13): filled, validated, cached and
overridden as for an HTTP handler; a ``yield`` dependency's exit code runs once
the handler has returned, after the socket is closed.

Every app is built on asgiweb and on FastAPI (the oracle) from one function and
driven through ``asgiweb.testclient.TestClient``; the tests assert the same
observations for both.
"""

import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest

import asgiweb
from asgiweb.testclient import TestClient
from asgiweb.websockets import WebSocketDisconnect

fastapi = pytest.importorskip("fastapi")

FRAMEWORKS = ["asgiweb", "fastapi"]


def module(name: str) -> Any:
    return fastapi if name == "fastapi" else asgiweb


def new_app(fw: Any) -> Any:
    return fw.FastAPI() if fw is fastapi else fw.App()


def close_code(client: TestClient, url: str, **options: Any) -> tuple[int, Any]:
    """The code and reason a connection to ``url`` is refused with."""
    with pytest.raises(WebSocketDisconnect) as info, client.websocket_connect(url, **options):
        pass  # pragma: no cover - refused before the block runs
    reason = info.value.reason
    if isinstance(reason, str) and reason.startswith("["):
        reason = json.loads(reason)  # ours: the error list as JSON text
    return info.value.code, reason


def locations(errors: Any) -> list[tuple[str, list[Any]]]:
    return [(error["type"], list(error["loc"])) for error in errors]


# -- a Depends filled from the connection's query and headers ---------------------


def depends_app(fw: Any) -> Any:
    app = new_app(fw)

    def token(x_token: Annotated[str, fw.Header()]) -> str:
        return x_token

    async def page(
        q: Annotated[int, fw.Query(ge=1)], t: Annotated[str, fw.Depends(token)]
    ) -> dict[str, Any]:
        return {"q": q, "token": t}

    @app.websocket("/ws/{room}")
    async def handler(
        websocket: fw.WebSocket,
        room: str,
        p: Annotated[dict[str, Any], fw.Depends(page)],
        again: Annotated[str, fw.Depends(token)],
    ) -> None:
        await websocket.accept()
        await websocket.send_json({"room": room, **p, "again": again})
        await websocket.close()

    return app


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_a_dependency_reads_query_and_headers_of_the_connection(name: str) -> None:
    client = TestClient(depends_app(module(name)))
    with client.websocket_connect("/ws/r1?q=3", headers={"x-token": "tok"}) as ws:
        assert ws.receive_json() == {"room": "r1", "q": 3, "token": "tok", "again": "tok"}


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_a_dependency_s_invalid_parameters_close_with_1008(name: str) -> None:
    client = TestClient(depends_app(module(name)))
    code, reason = close_code(client, "/ws/r1?q=0", headers={"x-token": "tok"})
    assert code == 1008 and locations(reason) == [("greater_than_equal", ["query", "q"])]
    # The dependency's own sub-dependency first; ``token`` reports where it appears
    # twice (its value would have been cached, its errors are not).
    code, reason = close_code(client, "/ws/r1?q=2")
    assert code == 1008
    assert locations(reason) == [("missing", ["header", "x-token"])] * 2


# -- a dependency with yield --------------------------------------------------------


def yield_app(fw: Any, events: list[str]) -> Any:
    app = new_app(fw)

    async def session(name: str) -> AsyncIterator[str]:
        events.append(f"open {name}")
        try:
            yield name.upper()
        except Exception as exc:
            events.append(f"error {type(exc).__name__}")
            raise
        finally:
            events.append(f"closed {name}")

    def sync_resource() -> Iterator[str]:
        events.append("sync open")
        yield "r"
        events.append("sync closed")

    @app.websocket("/chat")
    async def chat(
        websocket: fw.WebSocket,
        who: Annotated[str, fw.Depends(session)],
        resource: Annotated[str, fw.Depends(sync_resource)],
    ) -> None:
        await websocket.accept()
        await websocket.send_text(f"{who} {resource}")
        while True:
            text = await websocket.receive_text()  # raises WebSocketDisconnect at the end
            events.append(f"got {text}")
            if text == "bye":
                await websocket.close()
                events.append("handler done")
                return

    return app


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_exit_code_runs_after_the_handler_closed_the_socket(name: str) -> None:
    events: list[str] = []
    client = TestClient(yield_app(module(name), events))
    with client.websocket_connect("/chat?name=ann") as ws:
        assert ws.receive_text() == "ANN r"
        assert events == ["open ann", "sync open"]
        ws.send_text("hi")
        ws.send_text("bye")
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()
    assert events == [
        "open ann",
        "sync open",
        "got hi",
        "got bye",
        "handler done",
        "sync closed",
        "closed ann",
    ]


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_a_client_that_leaves_raises_into_the_yield_dependency(name: str) -> None:
    events: list[str] = []
    client = TestClient(yield_app(module(name), events))
    # FastAPI lets the handler's WebSocketDisconnect out of the app, and the test
    # client raises it when the session ends; asgiweb's router ends the session.
    left = (WebSocketDisconnect, module(name).WebSocketDisconnect)
    with contextlib.suppress(*left), client.websocket_connect("/chat?name=bo") as ws:
        assert ws.receive_text() == "BO r"
        ws.close()
    assert events[:2] == ["open bo", "sync open"]
    assert events[-2:] == ["error WebSocketDisconnect", "closed bo"]
    assert "handler done" not in events


# -- overrides and route dependencies -----------------------------------------------


def override_app(fw: Any) -> tuple[Any, Any]:
    app = new_app(fw)

    def current_user(token: str) -> str:
        return f"user:{token}"

    def check_origin(websocket: fw.WebSocket) -> None:
        if websocket.headers.get("origin") == "http://evil.example":
            raise fw.WebSocketException(code=1008, reason="bad origin")

    @app.websocket("/me", dependencies=[fw.Depends(check_origin)])
    async def me(websocket: fw.WebSocket, user: Annotated[str, fw.Depends(current_user)]) -> None:
        await websocket.accept()
        await websocket.send_text(user)
        await websocket.close()

    return app, current_user


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_dependency_overrides_apply_to_websocket_handlers(name: str) -> None:
    app, current_user = override_app(module(name))
    client = TestClient(app)
    with client.websocket_connect("/me?token=t1") as ws:
        assert ws.receive_text() == "user:t1"
    app.dependency_overrides[current_user] = lambda: "test-user"
    with client.websocket_connect("/me") as ws:  # the replacement needs no token
        assert ws.receive_text() == "test-user"
    app.dependency_overrides.clear()
    code, reason = close_code(client, "/me")
    assert code == 1008 and locations(reason) == [("missing", ["query", "token"])]


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_a_route_dependency_can_refuse_the_connection(name: str) -> None:
    app, _ = override_app(module(name))
    client = TestClient(app)
    code, reason = close_code(client, "/me?token=t", headers={"origin": "http://evil.example"})
    assert (code, reason) == (1008, "bad origin")


def test_a_websocket_dependency_cannot_read_a_body() -> None:
    app = asgiweb.App()

    def wants_body(item: Annotated[dict[str, Any], asgiweb.Body()]) -> dict[str, Any]:
        return item

    with pytest.raises(TypeError, match="cannot take a body parameter"):

        @app.websocket("/ws")
        async def handler(
            websocket: asgiweb.WebSocket, item: Annotated[Any, asgiweb.Depends(wants_body)]
        ) -> None:
            pass  # pragma: no cover
