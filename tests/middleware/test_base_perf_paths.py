"""Function middleware, third round of its fast path (``asgiweb.middleware.base``),
and the remembered header pairs of ``MutableHeaders.__setitem__``.

The fast path is now taken on one flag (the inner app waits at its start, paused
in the middleware's task) and rebuilds the start inline; ``__setitem__`` keeps the
pairs it checked, so a repeated set skips the checks.  These tests pin what that
must keep: a remembered pair never lets a bad value through, a set still replaces
every line of that name whatever its case (as Starlette's ``MutableHeaders``),
the store stays bounded, a start without headers survives a status change, and
the paths the flag sends elsewhere (body read, a background task, a replaced
response, an error after the start) behave as before.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import MutableHeaders as StarletteHeaders

from asgiweb import App, Request
from asgiweb import datastructures as ds
from asgiweb.background import BackgroundTask
from asgiweb.datastructures import MutableHeaders
from asgiweb.exceptions import response_started
from asgiweb.middleware.base import BaseHTTPMiddleware, CallNext
from asgiweb.responses import PlainTextResponse, Response
from asgiweb.types import Message, Receive, Scope, Send
from tests.harness import Peer, http_scope, run_asgi

# -- MutableHeaders.__setitem__ and its remembered pairs ----------------------------


def test_a_remembered_name_still_refuses_a_bad_value() -> None:
    headers = MutableHeaders()
    headers["x-process"] = "1"
    headers["x-process"] = "1"  # now remembered
    for bad in ("1\r\nx-evil: 1", "a\nb", "a\x00b", "a\rb"):
        with pytest.raises(ValueError):
            headers["x-process"] = bad
    with pytest.raises(ValueError):
        headers["x-process"] = 1  # type: ignore[assignment]
    with pytest.raises(ValueError):
        headers["x-process"] = b"1"  # type: ignore[assignment]
    with pytest.raises(ValueError):
        headers["x-process"] = ["1"]  # type: ignore[assignment]  # unhashable
    with pytest.raises(ValueError):
        headers[b"x-process"] = "1"  # type: ignore[index]
    assert headers.raw == [(b"x-process", b"1")]


def test_a_remembered_pair_is_the_checked_one() -> None:
    first = MutableHeaders()
    first["X-Mixed-Case"] = "v 1"
    second = MutableHeaders()
    second["X-Mixed-Case"] = "v 1"  # from the store
    assert first.raw == second.raw == [(b"x-mixed-case", b"v 1")]
    assert second.raw[0] is first.raw[0]  # one shared, immutable pair


def test_the_plain_function_view_is_the_classmethod_one() -> None:
    raw = [(b"content-type", b"text/plain")]
    view = ds.mutable_headers_view(raw)
    assert type(view) is MutableHeaders and view.raw is raw
    assert dict(view) == dict(MutableHeaders.view(raw)) == {"content-type": "text/plain"}
    view["x-a"] = "1"
    assert raw == [(b"content-type", b"text/plain"), (b"x-a", b"1")]


def test_a_set_replaces_every_line_of_that_name_whatever_its_case() -> None:
    raw = [(b"x-a", b"1"), (b"content-type", b"text/plain"), (b"x-a", b"2"), (b"x-b", b"3")]
    ours = MutableHeaders(raw=list(raw))
    theirs = StarletteHeaders(raw=list(raw))
    for key, value in [("X-A", "9"), ("x-b", "8"), ("x-new", "7"), ("X-A", "6")]:
        ours[key] = value
        theirs[key] = value
        assert ours.raw == theirs.raw


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["x-a", "X-A", "x-b", "content-type", "x-c"]),
            st.sampled_from(["1", "2", "text/html", "a b"]),
        ),
        max_size=12,
    )
)
def test_sets_agree_with_starlette(sets: list[tuple[str, str]]) -> None:
    raw = [(b"x-a", b"0"), (b"x-b", b"0"), (b"x-a", b"1")]
    ours = MutableHeaders(raw=list(raw))
    theirs = StarletteHeaders(raw=list(raw))
    for key, value in sets:
        ours[key] = value
        theirs[key] = value
    assert ours.raw == theirs.raw
    assert dict(ours) == dict(theirs)


def test_the_store_of_checked_pairs_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ds, "_CHECKED_PAIRS", {})
    monkeypatch.setattr(ds, "_checked_count", 0)
    headers = MutableHeaders()
    for n in range(ds._CHECKED_PAIRS_LIMIT + 50):
        headers["x-n"] = str(n)
    headers["x-long"] = "v" * (ds._CHECKED_VALUE_MAX + 1)
    stored = sum(len(values) for values in ds._CHECKED_PAIRS.values())
    assert stored == ds._CHECKED_PAIRS_LIMIT
    assert "x-long" not in ds._CHECKED_PAIRS
    assert headers["x-n"] == str(ds._CHECKED_PAIRS_LIMIT + 49)
    assert headers["x-long"] == "v" * (ds._CHECKED_VALUE_MAX + 1)


# -- the function middleware's paths ------------------------------------------------


class _Inner:
    """A raw ASGI app: its start has the given headers (or none), then one body."""

    def __init__(self, headers: Any = None) -> None:
        self.headers = headers
        self.finished = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message = {"type": "http.response.start", "status": 200}
        if self.headers is not None:
            start["headers"] = self.headers
        try:
            await send(start)
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.finished = True


def _behind(dispatch: Any, inner: Any) -> App:
    app = App()
    app.middleware("http")(dispatch)
    app.mount("/raw", inner)
    return app


def test_a_status_change_on_a_start_without_headers() -> None:
    async def created(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.status_code = 201
        return response

    peer = run_asgi(_behind(created, _Inner()), http_scope("GET", "/raw/x"))
    assert peer.status == 201 and peer.body == b"ok"
    assert list(peer.start.get("headers", [])) == []


def test_headers_set_on_a_start_without_headers() -> None:
    async def tag(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-process"] = "1"
        return response

    peer = run_asgi(_behind(tag, _Inner()), http_scope("GET", "/raw/x"))
    assert peer.status == 200 and peer.header_list("x-process") == ["1"]


def test_a_body_read_by_the_dispatch_function_then_the_same_response() -> None:
    async def peek(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        iterator = response.body_iterator
        first = await iterator.__anext__()
        response.headers["x-first"] = first.decode()
        return response

    inner = _Inner([(b"content-type", b"text/plain")])
    peer = run_asgi(_behind(peek, inner), http_scope("GET", "/raw/x"))
    assert peer.header_list("x-first") == ["ok"]
    assert peer.body == b""  # the chunk read is consumed, as with Starlette's
    assert inner.finished


def test_a_background_task_on_the_response_runs_after_the_body() -> None:
    order: list[str] = []

    async def later(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.background = BackgroundTask(order.append, "background")
        return response

    app = App()
    app.middleware("http")(later)

    @app.get("/")
    async def home() -> str:
        order.append("handler")
        return "hi"

    peer = run_asgi(app, http_scope("GET", "/"))
    assert peer.body == b'"hi"' and order == ["handler", "background"]


def test_an_error_after_the_start_is_marked_and_no_500_follows() -> None:
    async def tag(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-process"] = "1"
        return response

    async def fails_after_start(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("boom after the start")

    caught: list[BaseException] = []

    async def watch(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await BaseHTTPMiddleware(fails_after_start, tag)(scope, receive, send)
        except RuntimeError as exc:
            caught.append(exc)
            raise

    with pytest.raises(RuntimeError, match="boom after the start"):
        run_asgi(watch, http_scope("GET", "/"))
    assert len(caught) == 1 and response_started(caught[0])

    app = _behind(tag, fails_after_start)
    with pytest.raises(RuntimeError, match="boom after the start"):
        run_asgi(app, http_scope("GET", "/raw/x"))


def test_a_replaced_response_cancels_the_paused_inner_app() -> None:
    async def replace(request: Request, call_next: CallNext) -> Response:
        await call_next(request)
        return PlainTextResponse("mine", status_code=202)

    inner = _Inner([(b"content-type", b"text/plain")])
    peer = run_asgi(_behind(replace, inner), http_scope("GET", "/raw/x"))
    assert (peer.status, peer.body) == (202, b"mine")
    assert inner.finished


def test_an_error_in_the_dispatch_function_after_call_next_cancels_the_inner_app() -> None:
    async def fails(request: Request, call_next: CallNext) -> Response:
        await call_next(request)
        raise LookupError("dispatch failed")

    inner = _Inner([(b"content-type", b"text/plain")])
    peer = Peer()
    with pytest.raises(LookupError, match="dispatch failed"):
        run_asgi(_behind(fails, inner), http_scope("GET", "/raw/x"), peer)
    assert peer.status == 500
    assert inner.finished


def test_the_wrapped_app_is_called_as_it_is_now() -> None:
    async def tag(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-process"] = "1"
        return response

    class Named:
        def __init__(self, name: bytes) -> None:
            self.name = name

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": self.name})

    async def plain_function(scope: Scope, receive: Receive, send: Send) -> None:
        await Named(b"function")(scope, receive, send)

    middleware = BaseHTTPMiddleware(Named(b"first"), tag)
    assert run_asgi(middleware, http_scope("GET", "/")).body == b"first"
    middleware.app = Named(b"second")  # replaced after it was built
    peer = run_asgi(middleware, http_scope("GET", "/"))
    assert (peer.body, peer.header_list("x-process")) == (b"second", ["1"])
    middleware.app = plain_function
    assert middleware.app is plain_function
    assert run_asgi(middleware, http_scope("GET", "/")).body == b"function"


def test_a_response_the_dispatch_function_sent_itself_is_not_followed_by_a_500() -> None:
    """Sending the ``call_next`` response, then returning it, is a mistake told as one
    (the error is raised and logged), but the complete answer stands: no 500 after it."""

    async def sends_it(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        await response(request.scope, request.receive, request._send)
        return response

    inner = _Inner([(b"content-type", b"text/plain")])
    peer = Peer()
    with pytest.raises(RuntimeError, match="sent only once") as caught:
        run_asgi(_behind(sends_it, inner), http_scope("GET", "/raw/x"), peer)
    assert response_started(caught.value)
    assert (peer.status, peer.body) == (200, b"ok") and inner.finished
    assert [m["type"] for m in peer.sent] == ["http.response.start", "http.response.body"]
