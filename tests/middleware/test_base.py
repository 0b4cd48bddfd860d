"""``@app.middleware("http")`` / ``BaseHTTPMiddleware``: streamed, not buffered; the
disconnect reaches the handler; background tasks run after the response; answers as
FastAPI's for the same app."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any

import anyio
import pytest

from asgiweb import App, BackgroundTasks, HTTPException, Request
from asgiweb.middleware.base import BaseHTTPMiddleware, CallNext
from asgiweb.responses import PlainTextResponse, Response, StreamingResponse
from asgiweb.testclient import TestClient
from tests.harness import Peer, drive, http_scope

pytestmark = pytest.mark.anyio


def _timing_app(framework: ModuleType, responses: ModuleType) -> Any:
    """FastAPI's "Middleware" tutorial app, the same source for both frameworks."""
    app = framework.FastAPI() if hasattr(framework, "FastAPI") else framework.App()

    @app.middleware("http")
    async def add_process_time_header(request: Any, call_next: Callable[..., Any]) -> Any:
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Process-Time"] = str(time.perf_counter() - start)
        return response

    @app.middleware("http")
    async def refuse_teapots(request: Any, call_next: Callable[..., Any]) -> Any:
        if request.headers.get("x-teapot"):
            return responses.PlainTextResponse("no teapots", status_code=418)
        return await call_next(request)

    @app.get("/items/{item_id}")
    async def read(item_id: int, q: str | None = None) -> dict[str, Any]:
        return {"item_id": item_id, "q": q}

    @app.post("/echo")
    async def echo(request: Any) -> dict[str, Any]:
        return {"body": (await request.body()).decode()}

    @app.get("/missing")
    async def missing() -> None:
        raise framework.HTTPException(404, "gone")

    return app


def _answers(app: Any) -> list[tuple[int, Any, bool]]:
    out = []
    with TestClient(app) as client:
        for method, path, kwargs in [
            ("GET", "/items/3?q=x", {}),
            ("GET", "/items/x", {}),
            ("POST", "/echo", {"content": b"hello"}),
            ("GET", "/missing", {}),
            ("GET", "/nowhere", {}),
            ("GET", "/items/1", {"headers": {"x-teapot": "1"}}),
        ]:
            reply = client.request(method, path, **kwargs)
            body = reply.json() if "json" in reply.headers.get("content-type", "") else reply.text
            out.append((reply.status_code, body, "x-process-time" in reply.headers))
    return out


def test_tutorial_app_answers_as_fastapi() -> None:
    fastapi = pytest.importorskip("fastapi")
    fastapi_responses = pytest.importorskip("fastapi.responses")

    import asgiweb
    import asgiweb.responses

    class AsgiwebFramework(ModuleType):
        App = asgiweb.App
        HTTPException = asgiweb.HTTPException

    ours = _answers(_timing_app(AsgiwebFramework("asgiweb"), asgiweb.responses))
    theirs = _answers(_timing_app(fastapi, fastapi_responses))
    assert ours == theirs
    assert ours[0] == (200, {"item_id": 3, "q": "x"}, True)
    assert ours[-1] == (418, "no teapots", False)


def test_streamed_response_passes_chunk_by_chunk() -> None:
    app = App()
    produced: list[int] = []

    @app.middleware("http")
    async def tag(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-tagged"] = "yes"
        return response

    @app.get("/endless")
    async def endless() -> StreamingResponse:
        async def numbers() -> AsyncIterator[bytes]:
            i = 0
            while True:
                produced.append(i)
                yield b"%d\n" % i
                i += 1
                await anyio.sleep(0)

        return StreamingResponse(numbers(), media_type="text/plain")

    with TestClient(app) as client, client.stream("GET", "/endless") as reply:
        assert reply.headers["x-tagged"] == "yes"
        chunks = []
        for chunk in reply.iter_bytes():
            chunks.append(chunk)
            if len(chunks) == 3:
                break
    # Nothing was read ahead beyond the single message in the hand-over slot.
    assert len(produced) <= len(chunks) + 2


async def test_disconnect_reaches_the_streaming_handler_through_the_middleware() -> None:
    app = App()
    closed = anyio.Event()

    @app.middleware("http")
    async def passthrough(request: Request, call_next: CallNext) -> Response:
        return await call_next(request)

    @app.get("/feed")
    async def feed() -> StreamingResponse:
        async def ticks() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"tick"
                    await anyio.sleep(0.01)
            finally:
                closed.set()

        return StreamingResponse(ticks())

    peer = Peer()
    async with anyio.create_task_group() as tg:
        tg.start_soon(drive, app, http_scope("GET", "/feed"), peer)
        with anyio.fail_after(2):
            while len(peer.chunks) < 2:
                await anyio.sleep(0.01)
        peer.disconnect()
        with anyio.fail_after(2):
            await closed.wait()


def test_background_tasks_run_after_the_response() -> None:
    app = App()
    events: list[str] = []

    @app.middleware("http")
    async def record(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        events.append("middleware got response")
        return response

    @app.get("/job")
    async def job(tasks: BackgroundTasks) -> str:
        tasks.add_task(events.append, "background")
        return "queued"

    with TestClient(app) as client:
        assert client.get("/job").json() == "queued"
    assert events == ["middleware got response", "background"]


def test_body_read_in_the_middleware_still_reaches_the_handler() -> None:
    app = App()

    @app.middleware("http")
    async def peek(request: Request, call_next: CallNext) -> Response:
        body = await request.body()
        response = await call_next(request)
        response.headers["x-seen"] = str(len(body))
        return response

    @app.post("/echo")
    async def echo(request: Request) -> str:
        return (await request.body()).decode()

    with TestClient(app) as client:
        reply = client.post("/echo", content=b"payload")
        assert (reply.json(), reply.headers["x-seen"]) == ("payload", "7")


def test_errors_before_the_response_reach_the_dispatch_function_then_the_app() -> None:
    app = App()

    @app.middleware("http")
    async def translate(request: Request, call_next: CallNext) -> Response:
        try:
            return await call_next(request)
        except LookupError:
            return PlainTextResponse("translated", status_code=409)

    @app.get("/lookup")
    async def lookup() -> None:
        raise KeyError("x")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    @app.get("/http")
    async def http() -> None:
        raise HTTPException(403, "no")

    with TestClient(app, raise_server_exceptions=False) as client:
        assert (client.get("/lookup").status_code, client.get("/lookup").text) == (
            409,
            "translated",
        )
        assert client.get("/boom").status_code == 500
        assert client.get("/http").json() == {"detail": "no"}


def test_subclass_with_dispatch_and_websocket_scopes_pass_through() -> None:
    class Header(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: CallNext) -> Response:
            response = await call_next(request)
            response.headers["x-sub"] = "1"
            return response

    app = App()
    app.add_middleware(Header)

    @app.get("/")
    async def root() -> str:
        return "ok"

    with TestClient(app) as client:
        assert client.get("/").headers["x-sub"] == "1"
    with pytest.raises(ValueError, match="'http'"):
        app.middleware("websocket")
