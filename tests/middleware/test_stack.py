"""The middleware declaration (``Middleware``), ``build_middleware_stack``, ``add_vary``
and ``PlainMiddleware``/``entry_point``, then CORS and GZip together through the App and
the TestClient."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from asgiweb import App
from asgiweb.middleware import (
    Middleware,
    PlainMiddleware,
    add_vary,
    build_middleware_stack,
    entry_point,
)
from asgiweb.middleware.cors import CORSMiddleware
from asgiweb.middleware.gzip import GZipMiddleware
from asgiweb.responses import PlainTextResponse
from asgiweb.testclient import TestClient
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send
from tests.harness import Peer, http_scope, run_asgi
from tests.middleware.helpers import Endpoint, headers_of, sent_by

# -- Middleware and the stack --------------------------------------------------------


class Tag:
    """Middleware that records its name on the way in and adds a header on the way out."""

    def __init__(self, app: ASGIApp, name: str, log: list[str] | None = None) -> None:
        self.app = app
        self.name = name
        self.log = [] if log is None else log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.log.append(self.name)

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message["headers"], (b"x-tag", self.name.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, tagged_send)


def test_middleware_records_class_and_options() -> None:
    entry = Middleware(CORSMiddleware, allow_origins=["*"], max_age=5)
    assert entry.cls is CORSMiddleware
    assert entry.args == ()
    assert entry.kwargs == {"allow_origins": ["*"], "max_age": 5}
    cls, args, kwargs = entry
    assert (cls, args, kwargs) == (CORSMiddleware, (), {"allow_origins": ["*"], "max_age": 5})
    assert repr(entry) == "Middleware(CORSMiddleware, allow_origins=['*'], max_age=5)"
    assert repr(Middleware(Tag, "a")) == "Middleware(Tag, 'a')"
    assert entry == Middleware(CORSMiddleware, allow_origins=["*"], max_age=5)
    assert entry != Middleware(CORSMiddleware, allow_origins=["*"])
    assert entry != (CORSMiddleware, {"allow_origins": ["*"], "max_age": 5})


def test_middleware_build_passes_args_and_options() -> None:
    inner = Endpoint()
    log: list[str] = []
    built = Middleware(Tag, "x", log=log).build(inner)
    assert isinstance(built, Tag)
    assert built.app is inner and built.name == "x" and built.log is log


def test_middleware_rejects_non_callable() -> None:
    with pytest.raises(TypeError, match="Middleware needs"):
        Middleware("not a class")  # type: ignore[arg-type]


def test_stack_first_entry_is_outermost() -> None:
    log: list[str] = []
    inner = Endpoint()
    stack = build_middleware_stack(
        inner,
        [
            Middleware(Tag, "outer", log=log),
            (Tag, {"name": "middle", "log": log}),
            Middleware(Tag, name="inner", log=log),
        ],
    )
    assert isinstance(stack, Tag) and stack.name == "outer"
    messages = sent_by(stack, http_scope())
    assert log == ["outer", "middle", "inner"]
    # The response passes back out through inner first, outer last.
    assert headers_of(messages[0], "x-tag") == ["inner", "middle", "outer"]


def test_stack_accepts_starlette_triples_and_empty() -> None:
    inner = Endpoint()
    assert build_middleware_stack(inner, []) is inner
    log: list[str] = []
    triple: Any = (Tag, ("t",), {"log": log})
    stack = build_middleware_stack(inner, [triple])
    sent_by(stack, http_scope())
    assert log == ["t"]


@pytest.mark.parametrize("entry", [Tag, (Tag,), (Tag, "name"), "Tag", (Tag, (), {}, 1)])
def test_stack_rejects_bad_entries(entry: Any) -> None:
    with pytest.raises(TypeError, match="middleware entries"):
        build_middleware_stack(Endpoint(), [entry])


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], [(b"vary", b"Origin")]),
        ([(b"vary", b"Accept")], [(b"vary", b"Accept, Origin")]),
        ([(b"vary", b"origin")], [(b"vary", b"origin")]),
        ([(b"vary", b"*")], [(b"vary", b"*")]),
        ([(b"vary", b"A"), (b"vary", b"Origin")], [(b"vary", b"A"), (b"vary", b"Origin")]),
        ([(b"Vary", b"")], [(b"vary", b"Origin")]),
    ],
)
def test_add_vary(before: list[tuple[bytes, bytes]], after: list[tuple[bytes, bytes]]) -> None:
    headers = list(before)
    add_vary(headers, b"Origin")
    assert headers == after


# -- through the App and the TestClient ---------------------------------------------


def _integration_app() -> App:
    app = App(
        middleware=[
            Middleware(CORSMiddleware, allow_origins=["*"], expose_headers=["X-Total"]),
            (GZipMiddleware, {"minimum_size": 100}),
        ]
    )

    @app.get("/items")
    async def items() -> dict[str, Any]:
        return {"items": ["item"] * 100}

    @app.get("/small")
    async def small() -> PlainTextResponse:
        return PlainTextResponse("tiny")

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        n = 0
        while True:
            await send({"type": "http.response.body", "body": b"tick %d\n" % n, "more_body": True})
            n += 1

    app.mount("/events", endless)
    return app


def test_app_cors_preflight_is_answered_before_routing() -> None:
    with TestClient(_integration_app()) as client:
        r = client.options(
            "/items",
            headers={"origin": "https://a.org", "access-control-request-method": "GET"},
        )
        assert r.status_code == 200
        assert r.text == "OK"
        assert r.headers["access-control-allow-origin"] == "*"
        denied = client.options(
            "/items",
            headers={"origin": "https://a.org", "access-control-request-method": "DELETE"},
        )
        assert denied.status_code == 400
        assert denied.text == "Disallowed CORS method"


def test_app_cors_and_gzip_on_a_route() -> None:
    with TestClient(_integration_app()) as client:
        r = client.get("/items", headers={"origin": "https://a.org", "accept-encoding": "gzip"})
        assert r.status_code == 200
        assert r.json() == {"items": ["item"] * 100}
        assert r.headers["content-encoding"] == "gzip"
        assert r.headers["access-control-allow-origin"] == "*"
        assert r.headers["access-control-expose-headers"] == "X-Total"
        assert r.headers["vary"] == "Accept-Encoding, Origin"
        assert int(r.headers["content-length"]) < len(r.content)
        small = client.get("/small", headers={"accept-encoding": "gzip"})
        assert small.text == "tiny"
        assert "content-encoding" not in small.headers
        assert small.headers["vary"] == "Origin"
        head = client.head("/items", headers={"accept-encoding": "gzip"})
        assert head.status_code == 200 and head.content == b""
        assert "content-encoding" not in head.headers


def test_app_gzip_streams_an_endless_response() -> None:
    with TestClient(_integration_app()) as client:
        client.disconnect_grace = 0.05  # the endless app never listens: cancel it soon
        with client.stream("GET", "/events", headers={"accept-encoding": "gzip"}) as r:
            assert r.headers["content-encoding"] == "gzip"
            got: list[bytes] = []
            for chunk in r.iter_bytes():
                got.append(chunk)
                if len(got) == 3:
                    break
    assert got == [b"tick 0\n", b"tick 1\n", b"tick 2\n"]


def test_app_add_middleware_puts_new_middleware_outside() -> None:
    log: list[str] = []
    app = App(middleware=[Middleware(Tag, "first", log=log)])
    app.add_middleware(Tag, "added", log=log)

    @app.get("/")
    async def root() -> str:
        return "ok"

    with TestClient(app) as client:
        r = client.get("/")
    assert r.json() == "ok"
    assert log == ["added", "first"]
    assert r.headers.get_list("x-tag") == ["first", "added"]


# -- PlainMiddleware and entry_point ---------------------------------------------------


class Counted(CORSMiddleware):
    """A CORS subclass that wraps ``__call__``: it must be called as it is."""

    calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        Counted.calls += scope["type"] == "http"
        await super().__call__(scope, receive, send)


def test_entry_point_takes_serve_only_from_an_untouched_plain_middleware() -> None:
    inner = Endpoint()
    cors = CORSMiddleware(inner, allow_origins=["*"])
    assert entry_point(cors) == cors.serve
    wrapped = Counted(inner, allow_origins=["*"])
    # Anything else is called through its own ``__call__``, bound (no call slot).
    assert entry_point(wrapped) == wrapped.__call__
    assert entry_point(inner) == inner.__call__

    async def function_app(scope: Scope, receive: Receive, send: Send) -> None:
        await inner(scope, receive, send)

    assert entry_point(function_app) is function_app
    assert entry_point(Counted) is Counted  # a class is called as it is
    # Still an ASGI 3 app for a server that inspects it (uvicorn tells ASGI 2 from 3 so).
    assert inspect.iscoroutinefunction(cors.__call__)
    peer = Peer()
    with pytest.raises(NotImplementedError):
        PlainMiddleware().serve(http_scope(), peer.receive, peer.send)


def test_a_plain_middleware_calls_the_app_it_wraps_now() -> None:
    """``app`` is a property: the wrapped app set later is the one called, and a
    plain middleware inside another is reached through its ``serve``."""
    first, second = Endpoint(b"first"), Endpoint(b"second")
    cors = CORSMiddleware(first, allow_origins=["*"])
    assert run_asgi(cors, http_scope("GET", "/")).body == b"first"
    cors.app = second
    assert cors.app is second
    assert run_asgi(cors, http_scope("GET", "/")).body == b"second" and len(first.calls) == 1
    outer = CORSMiddleware(cors, allow_origins=["*"])
    assert outer._call_app == cors.serve
    peer = run_asgi(outer, http_scope("GET", "/", [("origin", "https://a.org")]))
    assert peer.body == b"second" and peer.header("access-control-allow-origin") == "*"


def test_cors_serves_alone_and_at_the_top_of_an_app() -> None:
    # Served directly (no App): a simple request and a preflight.
    cors = CORSMiddleware(Endpoint(), allow_origins=["https://a.org"])
    simple = run_asgi(cors, http_scope("GET", "/", [("origin", "https://a.org")]))
    assert simple.status == 200 and simple.header("access-control-allow-origin") == "https://a.org"
    preflight = run_asgi(
        cors,
        http_scope(
            "OPTIONS", "/", [("origin", "https://a.org"), ("access-control-request-method", "GET")]
        ),
    )
    assert (preflight.status, preflight.body) == (200, b"OK")
    # At the top of an App, the plain path and a subclass's own __call__ answer alike.
    for cls in (CORSMiddleware, Counted):
        app = App()

        @app.get("/")
        def home() -> str:
            return "hi"

        app.add_middleware(cls, allow_origins=["*"])
        before = Counted.calls
        with TestClient(app) as client:
            r = client.get("/", headers={"origin": "https://b.org"})
            assert r.json() == "hi" and r.headers["access-control-allow-origin"] == "*"
            assert r.headers["vary"] == "Origin"
        assert Counted.calls - before == (1 if cls is Counted else 0)
