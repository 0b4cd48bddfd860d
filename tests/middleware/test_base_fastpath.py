"""Function middleware run in the request's own task (``asgiweb.middleware.base``).

The inner app is driven by a trampoline in the caller's task and paused at its
response start.  These tests pin down what that must keep: the response streams,
a replaced response stops the inner app (its cleanup runs), errors reach
``call_next`` and the App's error path once, a start sent from another task is
still handed over, cancellation reaches the inner app, contextvars flow down,
nested function middleware compose, and answers match FastAPI's.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import anyio
import pytest

from asgiweb import App, BackgroundTasks, Depends, Request
from asgiweb.middleware.base import CallNext
from asgiweb.responses import PlainTextResponse, Response, StreamingResponse
from asgiweb.sse import EventSourceResponse
from asgiweb.testclient import TestClient
from asgiweb.types import Message, Receive, Scope, Send
from tests.harness import Peer, drive, http_scope

pytestmark = pytest.mark.anyio


def _tagged(app: App, name: str = "x-tag", value: str = "1") -> None:
    @app.middleware("http")
    async def tag(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers[name] = value
        return response


async def test_first_chunk_arrives_before_the_generator_finishes() -> None:
    app = App()
    _tagged(app)
    release = anyio.Event()
    finished = anyio.Event()

    @app.get("/slow")
    async def slow() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first"
            await release.wait()
            yield b"second"
            finished.set()

        return StreamingResponse(chunks(), media_type="text/plain")

    peer = Peer()
    async with anyio.create_task_group() as tg:
        tg.start_soon(drive, app, http_scope("GET", "/slow"), peer)
        with anyio.fail_after(2):
            while not peer.chunks or peer.chunks[0] != b"first":
                await anyio.sleep(0.005)
        assert not finished.is_set()
        assert peer.header("x-tag") == "1"
        release.set()
        with anyio.fail_after(2):
            await finished.wait()
    assert peer.body == b"firstsecond"
    assert peer.finished


async def test_endless_sse_delivers_events_and_stops_when_the_client_leaves() -> None:
    app = App()
    _tagged(app)
    stopped = anyio.Event()

    @app.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterator[dict[str, int]]:
        try:
            i = 0
            while True:
                yield {"n": i}
                i += 1
                await anyio.sleep(0.005)
        finally:
            stopped.set()

    peer = Peer()
    async with anyio.create_task_group() as tg:
        tg.start_soon(drive, app, http_scope("GET", "/events"), peer)
        with anyio.fail_after(2):
            while len(peer.chunks) < 3:
                await anyio.sleep(0.005)
        assert peer.header("x-tag") == "1"
        assert b'data: {"n":0}' in peer.chunks[0]
        peer.disconnect()
        with anyio.fail_after(2):
            await stopped.wait()


async def test_a_replaced_response_stops_the_inner_app_and_runs_its_cleanup() -> None:
    cleanup: list[str] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            cleanup.append("resumed")  # must not happen: the response was not sent
        except BaseException as exc:
            cleanup.append(type(exc).__name__)
            raise
        finally:
            await anyio.sleep(0)  # cleanup may await
            cleanup.append("finally")

    app = App()

    @app.middleware("http")
    async def replace(request: Request, call_next: CallNext) -> Response:
        await call_next(request)
        return PlainTextResponse("replaced", status_code=203)

    app.mount("/inner", inner)
    peer = await drive(app, http_scope("GET", "/inner/x"), Peer(disconnect_when_done=True))
    assert (peer.status, peer.body) == (203, b"replaced")
    assert cleanup == ["CancelledError", "finally"]


_EVENTS: list[str] = []


async def _resource() -> AsyncIterator[str]:
    _EVENTS.append("open")
    try:
        yield "r"
    finally:
        _EVENTS.append("closed")


def test_a_streaming_handler_is_closed_when_its_response_is_replaced() -> None:
    app = App()
    _EVENTS.clear()

    @app.middleware("http")
    async def replace(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        return PlainTextResponse(f"was {response.status_code}")

    @app.get("/stream")
    async def stream(r: Annotated[str, Depends(_resource)]) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            while True:
                _EVENTS.append("chunk")
                yield b"x"
                await anyio.sleep(0)

        return StreamingResponse(chunks())

    with TestClient(app) as client:
        assert client.get("/stream").text == "was 200"
    # The body was never pulled, and the handler's dependency was closed.
    assert _EVENTS == ["open", "closed"]


def test_errors_before_the_start_reach_call_next_and_are_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()
    seen: list[str] = []

    @app.middleware("http")
    async def observe(request: Request, call_next: CallNext) -> Response:
        try:
            return await call_next(request)
        except RuntimeError as exc:
            seen.append(str(exc))
            raise

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR), TestClient(app, raise_server_exceptions=False) as client:
        reply = client.get("/boom")
    assert (reply.status_code, reply.text) == (500, "Internal Server Error")
    assert seen == ["boom"]
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(records) == 1


def test_an_error_while_streaming_is_logged_once_after_the_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App()
    _tagged(app)

    @app.get("/halfway")
    async def halfway() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"part"
            raise ValueError("halfway")

        return StreamingResponse(chunks())

    with caplog.at_level(logging.ERROR), TestClient(app, raise_server_exceptions=False) as client:
        reply = client.get("/halfway")
    assert reply.status_code == 200
    assert reply.headers["x-tag"] == "1"
    records = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(records) == 1
    assert "after the response started" in records[0].getMessage()


async def test_a_start_sent_from_another_task_is_handed_over() -> None:
    """An inner app that answers from a child task (as Starlette's streaming
    responses do): the driving task cannot pause it, yet call_next returns at the
    start and the body then streams."""

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        async def respond() -> None:
            await send({"type": "http.response.start", "status": 201, "headers": []})
            for part in (b"a", b"b"):
                await send({"type": "http.response.body", "body": part, "more_body": True})
                await anyio.sleep(0)
            await send({"type": "http.response.body", "body": b"c"})

        async with anyio.create_task_group() as tg:
            tg.start_soon(respond)

    app = App()
    got: list[int] = []

    @app.middleware("http")
    async def tag(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        got.append(response.status_code)
        response.headers["x-tag"] = "1"
        return response

    app.mount("/inner", inner)
    peer = await drive(app, http_scope("GET", "/inner/x"), Peer(disconnect_when_done=True))
    assert got == [201]
    assert (peer.status, peer.header("x-tag"), peer.body) == (201, "1", b"abc")


async def test_a_start_from_another_task_of_a_response_that_is_replaced() -> None:
    stopped = anyio.Event()

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        async def respond() -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"never"})

        try:
            async with anyio.create_task_group() as tg:
                tg.start_soon(respond)
        finally:
            stopped.set()

    app = App()

    @app.middleware("http")
    async def replace(request: Request, call_next: CallNext) -> Response:
        await call_next(request)
        return PlainTextResponse("mine")

    app.mount("/inner", inner)
    peer = await drive(app, http_scope("GET", "/inner/x"), Peer(disconnect_when_done=True))
    assert peer.body == b"mine"
    assert stopped.is_set()


async def test_cancelling_the_request_reaches_the_inner_app() -> None:
    app = App()
    _tagged(app)
    waiting = anyio.Event()
    cancelled = anyio.Event()

    @app.get("/wait")
    async def wait() -> str:
        waiting.set()
        try:
            await anyio.sleep_forever()
        except anyio.get_cancelled_exc_class():
            cancelled.set()
            raise
        return "never"

    async with anyio.create_task_group() as tg:
        tg.start_soon(drive, app, http_scope("GET", "/wait"), Peer())
        with anyio.fail_after(2):
            await waiting.wait()
        tg.cancel_scope.cancel()
    assert cancelled.is_set()


async def test_a_timeout_in_the_middleware_cancels_the_inner_app() -> None:
    app = App()
    cancelled = anyio.Event()

    @app.middleware("http")
    async def deadline(request: Request, call_next: CallNext) -> Response:
        with anyio.move_on_after(0.05):
            return await call_next(request)
        return PlainTextResponse("timed out", status_code=504)

    @app.get("/slow")
    async def slow() -> str:
        try:
            await anyio.sleep(5)
        finally:
            cancelled.set()
        return "late"

    peer = await drive(app, http_scope("GET", "/slow"), Peer(disconnect_when_done=True))
    assert (peer.status, peer.body) == (504, b"timed out")
    assert cancelled.is_set()


def test_contextvars_set_in_the_middleware_are_seen_downstream() -> None:
    user: contextvars.ContextVar[str] = contextvars.ContextVar("user", default="nobody")
    app = App()

    @app.middleware("http")
    async def who(request: Request, call_next: CallNext) -> Response:
        user.set(request.headers.get("x-user", "anonymous"))
        return await call_next(request)

    @app.get("/async")
    async def read_async() -> str:
        return user.get()

    @app.get("/sync")
    def read_sync() -> str:
        return user.get()

    with TestClient(app) as client:
        assert client.get("/async", headers={"x-user": "ada"}).json() == "ada"
        assert client.get("/sync", headers={"x-user": "bob"}).json() == "bob"
        assert client.get("/async").json() == "anonymous"


def test_contextvars_set_by_an_async_handler_are_seen_after_call_next() -> None:
    """The stack runs in the request's task (docs/api.md): unlike Starlette, where
    the handler runs in a child task and its context changes stay there."""
    trace: contextvars.ContextVar[str] = contextvars.ContextVar("trace", default="unset")
    app = App()

    @app.middleware("http")
    async def report(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-trace"] = trace.get()
        return response

    @app.get("/")
    async def handler() -> str:
        trace.set("from handler")
        return "ok"

    with TestClient(app) as client:
        assert client.get("/").headers["x-trace"] == "from handler"


def test_nested_function_middleware_and_background_order() -> None:
    app = App()
    events: list[str] = []

    @app.middleware("http")
    async def inner_mw(request: Request, call_next: CallNext) -> Response:
        events.append("inner before")
        response = await call_next(request)
        events.append("inner after")
        response.headers["x-order"] = response.headers.get("x-order", "") + "inner"
        return response

    @app.middleware("http")
    async def outer_mw(request: Request, call_next: CallNext) -> Response:
        events.append("outer before")
        response = await call_next(request)
        events.append("outer after")
        response.headers["x-order"] = response.headers.get("x-order", "") + ",outer"
        return response

    @app.post("/job")
    async def job(request: Request, tasks: BackgroundTasks) -> str:
        tasks.add_task(events.append, "background")
        return (await request.body()).decode()

    with TestClient(app) as client:
        reply = client.post("/job", content=b"payload")
    assert (reply.json(), reply.headers["x-order"]) == ("payload", "inner,outer")
    assert events == [
        "outer before", "inner before", "inner after", "outer after", "background",
    ]  # fmt: skip


def test_call_next_twice_is_an_error_and_no_start_is_an_error() -> None:
    async def silent(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    app = App()

    @app.middleware("http")
    async def twice(request: Request, call_next: CallNext) -> Response:
        if request.url.path == "/twice":
            await call_next(request)
            await call_next(request)
        try:
            return await call_next(request)
        except RuntimeError as exc:
            return PlainTextResponse(str(exc), status_code=502)

    @app.get("/twice")
    async def once() -> str:
        return "ok"

    app.mount("/silent", silent)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/twice").status_code == 500
        reply = client.get("/silent/x")
    assert reply.status_code == 502
    assert "without starting a response" in reply.text


def _fastapi_parity_app(framework: Any, responses: Any, make: Callable[[], Any]) -> Any:
    app = make()

    @app.middleware("http")
    async def tag(request: Any, call_next: Callable[..., Any]) -> Any:
        if request.url.path == "/replaced":
            inner = await call_next(request)
            return responses.PlainTextResponse(f"replaced {inner.status_code}")
        response = await call_next(request)
        response.headers["x-tag"] = "1"
        response.status_code = 299 if request.url.path == "/restatus" else response.status_code
        return response

    @app.get("/plain")
    async def plain() -> str:
        return "hello"

    @app.get("/restatus")
    def restatus() -> dict[str, int]:
        return {"a": 1}

    @app.get("/replaced")
    async def replaced() -> str:
        return "inner"

    @app.get("/stream")
    async def stream() -> Any:
        async def parts() -> AsyncIterator[bytes]:
            for part in (b"a", b"b", b"c"):
                yield part

        return responses.StreamingResponse(parts(), media_type="text/plain")

    @app.get("/missing")
    async def missing() -> None:
        raise framework.HTTPException(404, "gone")

    return app


def test_answers_match_fastapi() -> None:
    fastapi = pytest.importorskip("fastapi")
    fastapi_responses = pytest.importorskip("fastapi.responses")
    import asgiweb
    import asgiweb.responses

    def answers(app: Any) -> list[tuple[int, str, str | None]]:
        with TestClient(app) as client:
            out = []
            for path in ("/plain", "/restatus", "/replaced", "/stream", "/missing", "/nope"):
                reply = client.get(path)
                out.append((reply.status_code, reply.text, reply.headers.get("x-tag")))
            return out

    ours = answers(_fastapi_parity_app(asgiweb, asgiweb.responses, asgiweb.App))
    theirs = answers(_fastapi_parity_app(fastapi, fastapi_responses, fastapi.FastAPI))
    assert ours == theirs
    assert ours[1] == (299, '{"a":1}', "1")


async def test_a_mounted_starlette_streaming_response_passes_through() -> None:
    """Starlette's StreamingResponse sends from a child task of its own task group
    (spec 2.3); through our function middleware it still streams, tagged."""
    starlette_responses = pytest.importorskip("starlette.responses")

    async def parts() -> AsyncIterator[bytes]:
        for part in (b"x", b"y", b"z"):
            yield part
            await anyio.sleep(0)

    async def sub(scope: Scope, receive: Receive, send: Send) -> None:
        response = starlette_responses.StreamingResponse(parts(), media_type="text/plain")
        await response(scope, receive, send)

    app = App()
    _tagged(app)
    app.mount("/sub", sub)
    peer = await drive(app, http_scope("GET", "/sub/x"), Peer(disconnect_when_done=False))
    assert (peer.status, peer.header("x-tag"), peer.body) == (200, "1", b"xyz")


async def test_the_inner_app_reads_the_body_and_sees_the_disconnect() -> None:
    received: list[Message] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            received.append(message)
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"", "more_body": True})
        received.append(await receive())  # the client leaves while we stream
        await send({"type": "http.response.body", "body": b""})

    app = App()
    _tagged(app)
    app.mount("/inner", inner)
    peer = Peer([b"ab", b"cd"], disconnect_when_done=True)
    await drive(app, http_scope("POST", "/inner/x"), peer)
    assert [m.get("body") for m in received[:2]] == [b"ab", b"cd"]
    assert received[-1] == {"type": "http.disconnect"}


def _body_reading_app(
    framework: Any, responses: Any, make: Callable[[], Any], background_task: Any
) -> Any:
    """Middleware that read ``response.body_iterator`` (a common FastAPI pattern)."""
    app = make()
    events: list[str] = []
    app.state.events = events

    @app.middleware("http")
    async def rewrite(request: Any, call_next: Callable[..., Any]) -> Any:
        response = await call_next(request)
        if request.url.path == "/upper":

            async def upper() -> AsyncIterator[bytes]:
                async for chunk in response.body_iterator:
                    yield chunk.upper()

            return responses.StreamingResponse(upper(), media_type="text/plain")
        body = b""
        async for chunk in response.body_iterator:
            body += chunk
        events.append(f"read {len(body)}")
        return responses.Response(
            content=body[::-1], status_code=response.status_code, media_type="text/plain"
        )

    @app.get("/job")
    async def job() -> Any:
        task = background_task(events.append, "background")
        return responses.PlainTextResponse("abc", background=task)

    @app.get("/upper")
    async def upper_stream() -> Any:
        async def parts() -> AsyncIterator[bytes]:
            for part in (b"one ", b"two ", b"three"):
                yield part

        return responses.StreamingResponse(parts(), media_type="text/plain")

    @app.get("/missing")
    async def missing() -> None:
        raise framework.HTTPException(404, "gone")

    return app


def test_body_iterator_read_by_the_middleware_as_in_fastapi() -> None:
    fastapi = pytest.importorskip("fastapi")
    fastapi_responses = pytest.importorskip("fastapi.responses")
    import asgiweb
    import asgiweb.responses

    def answers(app: Any) -> tuple[list[tuple[int, str]], list[str]]:
        with TestClient(app) as client:
            out = [
                (reply.status_code, reply.text)
                for reply in (client.get(p) for p in ("/job", "/upper", "/missing"))
            ]
        return out, app.state.events

    starlette_background = pytest.importorskip("starlette.background")
    import asgiweb.background

    ours = answers(
        _body_reading_app(
            asgiweb, asgiweb.responses, asgiweb.App, asgiweb.background.BackgroundTask
        )
    )
    theirs = answers(
        _body_reading_app(
            fastapi, fastapi_responses, fastapi.FastAPI, starlette_background.BackgroundTask
        )
    )
    assert ours == theirs
    assert ours[0][:2] == [(200, "cba"), (200, "ONE TWO THREE")]
    assert ours[1][:2] == ["read 3", "background"]  # after the body was read


async def test_body_iterator_of_a_start_sent_from_another_task() -> None:
    starlette_responses = pytest.importorskip("starlette.responses")

    async def parts() -> AsyncIterator[bytes]:
        for part in (b"x", b"y", b"z"):
            yield part
            await anyio.sleep(0)

    async def sub(scope: Scope, receive: Receive, send: Send) -> None:
        response = starlette_responses.StreamingResponse(parts(), media_type="text/plain")
        await response(scope, receive, send)

    app = App()

    @app.middleware("http")
    async def collect(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        chunks = [chunk async for chunk in response.body_iterator]  # type: ignore[attr-defined]
        return PlainTextResponse(b"|".join(chunks).decode())

    app.mount("/sub", sub)
    peer = await drive(app, http_scope("GET", "/sub/x"), Peer(disconnect_when_done=False))
    assert (peer.status, peer.body) == (200, b"x|y|z")
