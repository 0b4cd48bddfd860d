"""The App's error path without a send wrapper: exceptions raised once a response
started are marked (``asgiweb.exceptions.mark_response_started``) by the router, by
the middleware that promise it (``marks_response_start``), and for mounted apps."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from asgiweb import App
from asgiweb.middleware import Middleware, marks_response_start
from asgiweb.middleware.base import BaseHTTPMiddleware
from asgiweb.middleware.cors import CORSMiddleware
from asgiweb.middleware.gzip import GZipMiddleware
from asgiweb.middleware.httpsredirect import HTTPSRedirectMiddleware
from asgiweb.middleware.sessions import SessionMiddleware
from asgiweb.middleware.trustedhost import TrustedHostMiddleware
from asgiweb.responses import PlainTextResponse, StreamingResponse
from asgiweb.types import Receive, Scope, Send
from tests.harness import http_scope


class FailingPeer:
    """A server whose send fails on the first body message (the client is gone)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        if message["type"] == "http.response.body":
            raise OSError("connection reset")


def _serve(app: Any, scope: dict[str, Any]) -> list[str]:
    peer = FailingPeer()

    async def main() -> None:
        with pytest.raises((OSError, RuntimeError)):  # the send's, or the app's own
            await app(scope, peer.receive, peer.send)

    anyio.run(main)
    return [m["type"] for m in peer.sent]


def _failing_request(app: Any, path: str) -> list[dict[str, Any]]:
    """GET ``path`` from an app expected to fail with RuntimeError: what it sent."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def main() -> None:
        with pytest.raises(RuntimeError):
            await app(http_scope(path=path), receive, send)

    anyio.run(main)
    return sent


async def _starts_then_fails(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise RuntimeError("after the start")


class OwnAnswer:
    """A user middleware that answers by itself and then fails."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/own":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise RuntimeError("after its own start")
        await self.app(scope, receive, send)


class QuietCORS(CORSMiddleware):
    """A subclass does not inherit the promise."""


def _app(*middleware: Middleware) -> App:
    app = App(middleware=list(middleware))

    @app.get("/text", response_class=PlainTextResponse)
    async def text() -> str:
        return "hi"

    app.mount("/mounted", _starts_then_fails)
    return app


CORS = Middleware(CORSMiddleware, allow_origins=["*"])


def test_only_classes_that_say_so_in_their_own_body_mark() -> None:
    assert marks_response_start([CORS])
    assert not marks_response_start([CORS, Middleware(OwnAnswer)])
    assert not marks_response_start([Middleware(QuietCORS)])
    assert marks_response_start([Middleware(GZipMiddleware), SESSIONS])
    assert marks_response_start([FUNC, CORS, REPLACING])
    assert not marks_response_start([Middleware(OwnDispatch)])
    assert not marks_response_start([(lambda app: app, {})])  # a factory, not a class


async def _passes(request: Any, call_next: Any) -> Any:
    response = await call_next(request)
    response.headers["x-passed"] = "1"
    return response


async def _replaces(request: Any, call_next: Any) -> Any:
    await call_next(request)
    return PlainTextResponse("replaced")


class OwnDispatch(BaseHTTPMiddleware):
    """A subclass's dispatch is its own: no promise inherited."""

    async def dispatch(self, request: Any, call_next: Any) -> Any:
        return await call_next(request)


FUNC = Middleware(BaseHTTPMiddleware, dispatch=_passes)
SESSIONS = Middleware(SessionMiddleware, secret_key="marks")
REPLACING = Middleware(BaseHTTPMiddleware, dispatch=_replaces)
_STACKS = [
    (),
    (CORS,),
    (CORS, Middleware(OwnAnswer)),
    (Middleware(QuietCORS),),
    (FUNC,),
    (REPLACING,),
    (CORS, FUNC, REPLACING),
    (Middleware(OwnDispatch), CORS),
    (SESSIONS,),
    (SESSIONS, CORS, FUNC),
]
_ORIGIN = ("origin", "https://a.example")
_PREFLIGHT = [_ORIGIN, ("access-control-request-method", "GET")]
_CASES = [
    (stack, method, path, headers)
    for stack in _STACKS
    for method, path, headers in [
        ("GET", "/text", [_ORIGIN]),
        ("GET", "/mounted/x", [_ORIGIN]),
        ("GET", "/text", []),
        # A preflight is the CORS middleware's own answer.
        *([("OPTIONS", "/text", _PREFLIGHT)] if CORS in stack else []),
    ]
]


@pytest.mark.parametrize(("middleware", "method", "path", "headers"), _CASES)
def test_a_failure_after_the_start_is_not_answered_again(
    middleware: tuple[Middleware, ...],
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="asgiweb")
    app = _app(*middleware)
    sent = _serve(app, http_scope(method=method, path=path, headers=headers))
    # One start, then nothing more: no 500 after a response started.
    assert sent.count("http.response.start") == 1
    records = [r for r in caplog.records if r.name == "asgiweb"]
    assert len(records) == 1
    assert records[0].getMessage().endswith("after the response started")


TRUSTED = Middleware(TrustedHostMiddleware, allowed_hosts=["testserver", "www.good.example"])
HTTPS = Middleware(HTTPSRedirectMiddleware)
_HOSTS = [("host", "testserver"), ("host", "bad.example"), ("host", "good.example")]


@pytest.mark.parametrize("stack", [(TRUSTED,), (HTTPS,), (TRUSTED, CORS), (CORS, HTTPS, TRUSTED)])
@pytest.mark.parametrize("host", _HOSTS)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_host_and_https_middleware_mark_their_own_answers(
    stack: tuple[Middleware, ...],
    host: tuple[str, str],
    scheme: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Passed through (to a route or a mount failing after its start), refused with a
    # 400, or redirected: one start, one log record, never a 500 after the start.
    assert marks_response_start(stack)
    caplog.set_level(logging.ERROR, logger="asgiweb")
    for path in ("/text", "/mounted/x"):
        caplog.clear()
        app = _app(*stack)
        scope = http_scope(path=path, headers=[host, _ORIGIN], scheme=scheme)
        sent = _serve(app, scope)
        assert sent.count("http.response.start") == 1
        records = [r for r in caplog.records if r.name == "asgiweb"]
        assert len(records) == 1
        assert records[0].getMessage().endswith("after the response started")


def test_a_user_middleware_answering_by_itself_is_watched() -> None:
    app = _app(CORS, Middleware(OwnAnswer))
    sent = _serve(app, http_scope(path="/own"))
    assert sent == ["http.response.start"]


def test_a_failure_before_the_start_still_gets_the_500() -> None:
    app = App(middleware=[CORS])

    @app.get("/boom")
    async def boom() -> str:
        raise RuntimeError("before the start")

    sent = _failing_request(app, "/boom")
    assert sent[0]["status"] == 500
    assert sent[1]["body"] == b"Internal Server Error"


@pytest.mark.parametrize("stack", [(FUNC,), (REPLACING,), (CORS, FUNC)])
def test_a_dispatch_failing_before_the_start_still_gets_the_500(
    stack: tuple[Middleware, ...],
) -> None:
    async def fails(request: Any, call_next: Any) -> Any:
        await call_next(request)
        raise RuntimeError("in dispatch, before sending")

    app = _app(*stack, Middleware(BaseHTTPMiddleware, dispatch=fails))
    sent = _failing_request(app, "/text")
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 500


@pytest.mark.parametrize("outer", [(), (CORS,), (FUNC,), (SESSIONS,)])
def test_gzip_marks_by_whether_its_own_start_went_out(
    outer: tuple[Middleware, ...], caplog: pytest.LogCaptureFixture
) -> None:
    """GZip holds the inner app's start back until its first body: a failure in
    between went out as nothing, so the App still answers 500; a failure once GZip
    passed its start on is after the start, answered by nothing more."""
    caplog.set_level(logging.ERROR, logger="asgiweb")
    app = _app(*outer, Middleware(GZipMiddleware, minimum_size=10))
    assert marks_response_start(app.user_middleware)

    @app.get("/halfway")
    async def halfway() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"x" * 100
            raise RuntimeError("halfway through the body")

        return StreamingResponse(chunks(), media_type="text/plain")

    held = _failing_request(app, "/mounted/x")  # its start held, then it fails
    assert [(m["type"], m.get("status")) for m in held] == [
        ("http.response.start", 500),
        ("http.response.body", None),
    ]
    records = [r for r in caplog.records if r.name == "asgiweb"]
    assert len(records) == 1 and "after the response started" not in records[0].getMessage()
    caplog.clear()

    scope = http_scope(path="/halfway", headers=[("accept-encoding", "gzip")])
    streamed: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await anyio.sleep(5)  # the client stays until the response is over
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        streamed.append(message)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="halfway"):
            await app(scope, receive, send)

    anyio.run(main)
    starts = [m for m in streamed if m["type"] == "http.response.start"]
    assert len(starts) == 1 and starts[0]["status"] == 200
    assert (b"content-encoding", b"gzip") in starts[0]["headers"]
    records = [r for r in caplog.records if r.name == "asgiweb"]
    assert len(records) == 1
    assert records[0].getMessage().endswith("after the response started")
