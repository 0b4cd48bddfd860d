"""Function middleware, second round of its fast path (``asgiweb.middleware.base``).

The response ``call_next`` returns is now the request's own state object, its
headers are copied from the inner app's start only when touched, and the start
goes on unchanged when neither status nor headers were touched.  These tests pin
what that must keep: the inner app's header list is never edited, whatever the
dispatch function changes is what is sent, a background task set on that
response runs after it (as in FastAPI), HEAD answers match FastAPI's, and
``MutableHeaders`` still refuses what could split a response.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb import App, Request
from asgiweb.background import BackgroundTask
from asgiweb.datastructures import MutableHeaders
from asgiweb.middleware.base import CallNext
from asgiweb.responses import Response
from asgiweb.testclient import TestClient
from asgiweb.types import Message, Receive, Scope, Send
from tests.harness import http_scope, run_asgi

SHARED_HEADERS = [(b"content-type", b"text/plain"), (b"content-length", b"2")]


class _SameList:
    """A raw ASGI app that sends the same header list with every response, and
    remembers each start message it sent."""

    def __init__(self) -> None:
        self.starts: list[Message] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": 200, "headers": SHARED_HEADERS}
        self.starts.append(start)
        await send(start)
        await send({"type": "http.response.body", "body": b"ok"})


def _behind(dispatch: Callable[[Request, CallNext], Any], inner: Any) -> App:
    app = App()
    app.middleware("http")(dispatch)
    app.mount("/raw", inner)
    return app


def test_setting_a_header_leaves_the_inner_apps_own_list_alone() -> None:
    async def tag(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-tag"] = "1"
        response.headers["content-type"] = "text/csv"
        return response

    inner = _SameList()
    app = _behind(tag, inner)
    for _ in range(3):
        peer = run_asgi(app, http_scope("GET", "/raw/x"))
        assert peer.header_list("x-tag") == ["1"]
        assert peer.header_list("content-type") == ["text/csv"]
        assert peer.body == b"ok"
    assert SHARED_HEADERS == [(b"content-type", b"text/plain"), (b"content-length", b"2")]
    assert all(start["headers"] is SHARED_HEADERS for start in inner.starts)


def test_an_untouched_response_goes_on_as_the_inner_app_sent_it() -> None:
    seen: list[Any] = []

    async def look(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        seen.append((response.status_code, response.headers.get("content-type")))
        return response

    inner = _SameList()
    peer = run_asgi(_behind(look, inner), http_scope("GET", "/raw/x"))
    assert seen == [(200, "text/plain")]
    assert peer.status == 200
    assert peer.start["headers"] == SHARED_HEADERS
    assert peer.body == b"ok"


@pytest.mark.parametrize(
    ("change", "status", "headers"),
    [
        ("status", 201, SHARED_HEADERS),
        ("raw", 200, [(b"x-only", b"1")]),
        ("append", 200, [*SHARED_HEADERS, (b"x-more", b"1")]),
        ("delete", 200, [(b"content-length", b"2")]),
        ("cookie", 200, [*SHARED_HEADERS, (b"set-cookie", b"a=b; Path=/; SameSite=lax")]),
    ],
)
def test_what_the_dispatch_function_changes_is_what_is_sent(
    change: str, status: int, headers: list[tuple[bytes, bytes]]
) -> None:
    async def edit(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        if change == "status":
            response.status_code = 201
        elif change == "raw":
            response.raw_headers = [(b"x-only", b"1")]
        elif change == "append":
            response.raw_headers.append((b"x-more", b"1"))
        elif change == "delete":
            del response.headers["content-type"]
        else:
            response.set_cookie("a", "b")
        return response

    peer = run_asgi(_behind(edit, _SameList()), http_scope("GET", "/raw/x"))
    assert (peer.status, [tuple(pair) for pair in peer.start["headers"]]) == (status, headers)
    assert peer.body == b"ok"
    assert SHARED_HEADERS == [(b"content-type", b"text/plain"), (b"content-length", b"2")]


def test_a_header_value_that_could_split_the_response_is_refused() -> None:
    async def inject(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.headers["x-tag"] = request.query_params["v"]
        return response

    app = App()
    app.middleware("http")(inject)

    @app.get("/")
    async def root() -> str:
        return "ok"

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/", params={"v": "a\tb"}).headers["x-tag"] == "a\tb"
        assert client.get("/", params={"v": "café"}).headers["x-tag"] == "café"
        for bad in ("a\r\nset-cookie: x=1", "a\nb", "a\x00b", "a\x7fb"):
            reply = client.get("/", params={"v": bad})
            assert reply.status_code == 500
            assert "set-cookie" not in reply.headers


def _background_app(framework: Any, make: Callable[[], Any], order: list[str]) -> Any:
    app = make()

    @app.middleware("http")
    async def later(request: Any, call_next: Callable[..., Any]) -> Any:
        response = await call_next(request)
        response.headers["x-tag"] = "1"
        response.background = framework.BackgroundTasks()
        response.background.add_task(order.append, "middleware")
        return response

    async def root(tasks: Any) -> str:
        tasks.add_task(order.append, "handler")
        return "ok"

    # The framework's own BackgroundTasks class (postponed annotations cannot name it).
    root.__annotations__ = {"tasks": framework.BackgroundTasks, "return": str}
    app.get("/")(root)
    return app


def test_a_background_task_set_on_the_call_next_response_runs_as_in_fastapi() -> None:
    fastapi = pytest.importorskip("fastapi")
    import asgiweb

    def run(app: Any, order: list[str]) -> tuple[int, str, str | None, list[str]]:
        with TestClient(app) as client:
            reply = client.get("/")
        return reply.status_code, reply.text, reply.headers.get("x-tag"), order

    # Both run after the response; the order between them is not kept: Starlette
    # runs the middleware's first (its inner app runs on in a task of its own),
    # here the inner app runs in the request's task and its own tasks come first.
    ours: list[str] = []
    theirs: list[str] = []
    (*answer, order) = run(_background_app(asgiweb, asgiweb.App, ours), ours)
    (*expected, expected_order) = run(_background_app(fastapi, fastapi.FastAPI, theirs), theirs)
    assert answer == expected == [200, '"ok"', "1"]
    assert sorted(order) == sorted(expected_order) == ["handler", "middleware"]


def test_a_background_task_object_on_the_response_runs() -> None:
    ran: list[str] = []

    async def later(request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        response.background = BackgroundTask(ran.append, "done")
        return response

    peer = run_asgi(_behind(later, _SameList()), http_scope("GET", "/raw/x"))
    assert peer.body == b"ok"
    assert ran == ["done"]


def _head_app(make: Callable[[], Any]) -> Any:
    app = make()

    @app.middleware("http")
    async def tag(request: Any, call_next: Callable[..., Any]) -> Any:
        response = await call_next(request)
        response.headers["x-tag"] = request.method
        return response

    @app.api_route("/", methods=["GET", "HEAD"])
    async def root() -> dict[str, str]:
        return {"a": "b"}

    return app


def test_head_through_the_middleware_answers_as_fastapi() -> None:
    fastapi = pytest.importorskip("fastapi")
    import asgiweb

    def answers(app: Any) -> list[tuple[int, bytes, str | None, str | None]]:
        with TestClient(app) as client:
            out = []
            for method in ("GET", "HEAD"):
                reply = client.request(method, "/")
                out.append(
                    (
                        reply.status_code,
                        reply.content,
                        reply.headers.get("x-tag"),
                        reply.headers.get("content-length"),
                    )
                )
            return out

    assert answers(_head_app(asgiweb.App)) == answers(_head_app(fastapi.FastAPI))


# -- MutableHeaders.__setitem__ (its loop replaced a list of names) -------------------

_NAMES = st.sampled_from(["a", "b", "c", "x-tag"])
_VALUES = st.text(alphabet="xyz\t é", max_size=4)


@given(
    st.lists(st.tuples(_NAMES, _VALUES), max_size=6),
    st.lists(st.tuples(_NAMES, _VALUES), min_size=1, max_size=4),
)
def test_setting_a_header_replaces_the_first_line_and_drops_the_others(
    start: list[tuple[str, str]], sets: list[tuple[str, str]]
) -> None:
    raw = [(k.encode(), v.encode("latin-1")) for k, v in start]
    model = list(raw)
    headers = MutableHeaders(raw=raw)
    for key, value in sets:
        headers[key.upper() if key == "x-tag" else key] = value
        pair = (key.encode(), value.encode("latin-1"))
        names = [name for name, _ in model]
        if pair[0] in names:
            first = names.index(pair[0])
            model = [*model[:first], pair, *(p for p in model[first + 1 :] if p[0] != pair[0])]
        else:
            model.append(pair)
        assert headers.raw is raw
        assert raw == model
        assert headers[key] == value


@pytest.mark.parametrize(
    "value", ["a\r\nb", "\n", "a\x00", "\x1b[0m", "\x7f", "\u2028", 1, b"x", "€"]
)
def test_mutable_headers_refuse_values_that_are_not_field_values(value: Any) -> None:
    headers = MutableHeaders(raw=[])
    with pytest.raises(ValueError):
        headers["x-tag"] = value
    assert headers.raw == []


@pytest.mark.parametrize("value", ["", "a b", "a\tb", "café", "\x85\xa0", "ÿ"])
def test_mutable_headers_keep_tabs_spaces_and_obs_text(value: str) -> None:
    headers = MutableHeaders(raw=[])
    headers["x-tag"] = value
    assert headers.raw == [(b"x-tag", value.encode("latin-1"))]
