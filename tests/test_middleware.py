"""Middleware declarations, CORS and GZip, driven as bare ASGI apps.

Each middleware wraps a tiny hand-written ASGI app; a helper runs the stack
with a hand-written receive/send and collects what was sent, then checks the
messages follow ASGI order (one start, body messages, the last one final,
nothing after it but trailers).
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb import App
from asgiweb.middleware import Middleware, add_vary, build_middleware_stack
from asgiweb.middleware.cors import ALL_METHODS, CORSMiddleware
from asgiweb.middleware.gzip import GZipMiddleware, accepts_gzip
from asgiweb.responses import PlainTextResponse
from asgiweb.testclient import TestClient
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send
from tests.asgi_calls import make_scope as http_scope

# -- helpers -----------------------------------------------------------------------


def make_scope(
    method: str = "GET", headers: Iterable[tuple[str, str]] = (), path: str = "/"
) -> dict[str, Any]:
    return http_scope(method, path, headers)


async def _drive(app: ASGIApp, scope: Scope) -> list[Message]:
    sent: list[Message] = []
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    with anyio.fail_after(5):
        await app(scope, receive, send)
    return sent


def run(app: ASGIApp, scope: Scope) -> list[Message]:
    """Run ``app`` for one request and return every message it sent."""
    messages = anyio.run(functools.partial(_drive, app, scope))
    if scope["type"] == "http" and messages:
        check_order(messages)
    return messages


def check_order(messages: Sequence[Message]) -> None:
    assert messages[0]["type"] == "http.response.start", messages
    final_seen = False
    for message in messages[1:]:
        assert not final_seen or message["type"] == "http.response.trailers", messages
        assert message["type"] != "http.response.start", messages
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            final_seen = True
        if message["type"] == "http.response.pathsend":
            final_seen = True


def header(message: Message, name: str) -> str | None:
    values = headers_of(message, name)
    return values[0] if values else None


def headers_of(message: Message, name: str) -> list[str]:
    key = name.encode()
    return [v.decode("latin-1") for k, v in message.get("headers", ()) if k == key]


def body_of(messages: Sequence[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


class Endpoint:
    """An ASGI app that sends a fixed response and remembers whether it ran."""

    def __init__(
        self,
        body: bytes | Sequence[bytes] = b"hello",
        status: int = 200,
        headers: Sequence[tuple[bytes, bytes]] = ((b"content-type", b"text/plain"),),
        content_length: bool = True,
        head: bool = False,
    ) -> None:
        self.chunks = [body] if isinstance(body, bytes) else list(body)
        self.status = status
        self.headers = list(headers)
        if content_length:
            size = sum(len(c) for c in self.chunks)
            self.headers.append((b"content-length", str(size).encode()))
        self.head = head
        self.calls: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls.append(scope)
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        if self.head:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        last = len(self.chunks) - 1
        for index, chunk in enumerate(self.chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": index < last})


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
    messages = run(stack, make_scope())
    assert log == ["outer", "middle", "inner"]
    # The response passes back out through inner first, outer last.
    assert headers_of(messages[0], "x-tag") == ["inner", "middle", "outer"]


def test_stack_accepts_starlette_triples_and_empty() -> None:
    inner = Endpoint()
    assert build_middleware_stack(inner, []) is inner
    log: list[str] = []
    triple: Any = (Tag, ("t",), {"log": log})
    stack = build_middleware_stack(inner, [triple])
    run(stack, make_scope())
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


# -- CORS ---------------------------------------------------------------------------


def preflight(
    origin: str = "https://example.org", method: str = "GET", request_headers: str | None = None
) -> dict[str, Any]:
    headers = [("origin", origin), ("access-control-request-method", method)]
    if request_headers is not None:
        headers.append(("access-control-request-headers", request_headers))
    return make_scope("OPTIONS", headers)


@pytest.mark.parametrize("config", [{"allow_origins": ["*"]}, {"allow_origins": ["https://a.org"]}])
def test_cors_request_without_origin_only_gains_vary(config: dict[str, Any]) -> None:
    inner = Endpoint(headers=[(b"content-type", b"text/plain"), (b"vary", b"Accept")])
    app = CORSMiddleware(inner, **config)
    messages = run(app, make_scope("GET", [("host", "example.org")]))
    assert messages[0]["headers"] == [
        (b"content-type", b"text/plain"),
        (b"vary", b"Accept, Origin"),
        (b"content-length", b"5"),
    ]
    assert body_of(messages) == b"hello"
    assert inner.headers[1] == (b"vary", b"Accept")  # the app's list is not mutated


@pytest.mark.parametrize("kind", ["lifespan", "websocket"])
def test_cors_passes_other_scopes(kind: str) -> None:
    seen: list[Scope] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        await send({"type": f"{kind}.probe"})

    scope: dict[str, Any] = {"type": kind, "headers": [(b"origin", b"https://a.org")]}
    messages = run(CORSMiddleware(inner, allow_origins=["*"]), scope)
    assert seen == [scope] and messages == [{"type": f"{kind}.probe"}]


def test_cors_preflight_allowed_explicit_origin() -> None:
    inner = Endpoint()
    app = CORSMiddleware(
        inner,
        allow_origins=["https://example.org"],
        allow_methods=["GET", "POST"],
        allow_headers=["X-Token"],
        max_age=123,
    )
    messages = run(app, preflight(method="POST", request_headers="x-token, Content-Type"))
    start = messages[0]
    assert inner.calls == []
    assert start["status"] == 200
    assert body_of(messages) == b"OK"
    assert header(start, "access-control-allow-origin") == "https://example.org"
    assert header(start, "access-control-allow-methods") == "GET, POST"
    assert header(start, "access-control-max-age") == "123"
    assert header(start, "access-control-allow-headers") == (
        "Accept, Accept-Language, Content-Language, Content-Type, X-Token"
    )
    assert "Origin" in (header(start, "vary") or "")
    assert header(start, "access-control-allow-credentials") is None
    assert header(start, "content-length") == "2"
    assert header(start, "content-type") == "text/plain; charset=utf-8"


def test_cors_preflight_wildcard_origin_answers_star() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"])
    start = run(app, preflight())[0]
    assert start["status"] == 200
    assert header(start, "access-control-allow-origin") == "*"


@pytest.mark.parametrize(
    ("scope", "text"),
    [
        (preflight(origin="https://evil.org"), "Disallowed CORS origin"),
        (preflight(method="DELETE"), "Disallowed CORS method"),
        (preflight(request_headers="X-Other"), "Disallowed CORS headers"),
        (
            preflight(origin="https://evil.org", method="PUT", request_headers="x-a"),
            "Disallowed CORS origin, method, headers",
        ),
    ],
)
def test_cors_preflight_denied(scope: dict[str, Any], text: str) -> None:
    inner = Endpoint()
    app = CORSMiddleware(inner, allow_origins=["https://example.org"], allow_headers=["X-Token"])
    messages = run(app, scope)
    assert inner.calls == []
    assert messages[0]["status"] == 400
    assert body_of(messages).decode() == text
    assert header(messages[0], "content-length") == str(len(text))
    if "origin" in text:
        assert header(messages[0], "access-control-allow-origin") is None
    else:
        assert header(messages[0], "access-control-allow-origin") == "https://example.org"


def test_cors_preflight_headers_match_case_insensitively_and_tolerate_spaces() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_headers=["x-token"])
    start = run(app, preflight(request_headers=" X-TOKEN ,accept,"))[0]
    assert start["status"] == 200


def test_cors_preflight_all_headers_echoes_request() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_headers=["*"])
    start = run(app, preflight(request_headers="X-Anything, X-Else"))[0]
    assert start["status"] == 200
    assert header(start, "access-control-allow-headers") == "X-Anything, X-Else"
    assert header(run(app, preflight())[0], "access-control-allow-headers") is None


def test_cors_all_methods() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_methods=["*"])
    for method in ALL_METHODS:
        start = run(app, preflight(method=method))[0]
        assert start["status"] == 200
        assert header(start, "access-control-allow-methods") == ", ".join(ALL_METHODS)
    assert run(app, preflight(method="PURGE"))[0]["status"] == 400


def test_cors_preflight_with_credentials_echoes_origin() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_credentials=True)
    start = run(app, preflight(origin="https://x.org"))[0]
    assert start["status"] == 200
    assert header(start, "access-control-allow-origin") == "https://x.org"
    assert header(start, "access-control-allow-credentials") == "true"


def test_cors_private_network() -> None:
    scope = preflight()
    scope["headers"].append((b"access-control-request-private-network", b"true"))
    denied = run(CORSMiddleware(Endpoint(), allow_origins=["*"]), scope)
    assert denied[0]["status"] == 400
    assert body_of(denied) == b"Disallowed CORS private-network"
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_private_network=True)
    start = run(app, scope)[0]
    assert start["status"] == 200
    assert header(start, "access-control-allow-private-network") == "true"


def test_cors_options_without_request_method_reaches_app() -> None:
    inner = Endpoint()
    app = CORSMiddleware(inner, allow_origins=["*"])
    messages = run(app, make_scope("OPTIONS", [("origin", "https://a.org")]))
    assert len(inner.calls) == 1
    assert body_of(messages) == b"hello"
    assert header(messages[0], "access-control-allow-origin") == "*"


def test_cors_simple_wildcard() -> None:
    inner = Endpoint()
    app = CORSMiddleware(inner, allow_origins=["*"])
    messages = run(app, make_scope("GET", [("origin", "https://a.org")]))
    start = messages[0]
    assert header(start, "access-control-allow-origin") == "*"
    assert header(start, "access-control-allow-credentials") is None
    assert header(start, "access-control-expose-headers") is None
    assert header(start, "vary") == "Origin"
    assert body_of(messages) == b"hello"
    # The app's own header list is not mutated (a response may be sent twice).
    assert inner.headers == [(b"content-type", b"text/plain"), (b"content-length", b"5")]


def test_cors_wildcard_as_plain_string() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins="*")
    start = run(app, make_scope("GET", [("origin", "https://a.org")]))[0]
    assert header(start, "access-control-allow-origin") == "*"


def test_cors_simple_with_credentials_echoes_origin() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_credentials=True)
    start = run(app, make_scope("GET", [("origin", "https://a.org"), ("cookie", "s=1")]))[0]
    assert header(start, "access-control-allow-origin") == "https://a.org"
    assert header(start, "access-control-allow-credentials") == "true"
    assert header(start, "vary") == "Origin"


def test_cors_simple_explicit_origins() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["https://a.org", "https://b.org"])
    allowed = run(app, make_scope("GET", [("origin", "https://b.org")]))[0]
    assert header(allowed, "access-control-allow-origin") == "https://b.org"
    assert header(allowed, "vary") == "Origin"
    denied = run(app, make_scope("GET", [("origin", "https://c.org")]))[0]
    assert header(denied, "access-control-allow-origin") is None
    assert header(denied, "vary") == "Origin"


def test_cors_origin_regex_must_match_in_full() -> None:
    app = CORSMiddleware(Endpoint(), allow_origin_regex=r"https://.*\.example\.org")
    ok = run(app, make_scope("GET", [("origin", "https://api.example.org")]))[0]
    assert header(ok, "access-control-allow-origin") == "https://api.example.org"
    evil = "https://api.example.org.evil.com"
    bad = run(app, make_scope("GET", [("origin", evil)]))[0]
    assert header(bad, "access-control-allow-origin") is None
    pre = run(app, preflight(origin="https://x.example.org"))[0]
    assert pre["status"] == 200
    assert header(pre, "access-control-allow-origin") == "https://x.example.org"
    assert run(app, preflight(origin=evil))[0]["status"] == 400


def test_cors_expose_headers_and_existing_headers() -> None:
    inner = Endpoint(
        headers=[
            (b"content-type", b"text/plain"),
            (b"vary", b"Accept-Encoding"),
            (b"access-control-expose-headers", b"X-Old"),
            (b"access-control-allow-origin", b"https://stale.org"),
        ]
    )
    app = CORSMiddleware(inner, allow_origins=["*"], expose_headers=["X-Total", "X-Page"])
    start = run(app, make_scope("GET", [("origin", "https://a.org")]))[0]
    assert headers_of(start, "access-control-expose-headers") == ["X-Total, X-Page"]
    assert headers_of(start, "access-control-allow-origin") == ["*"]
    assert headers_of(start, "vary") == ["Accept-Encoding, Origin"]


def test_cors_keeps_app_origin_header_for_disallowed_origin() -> None:
    inner = Endpoint(headers=[(b"access-control-allow-origin", b"https://own.org")])
    app = CORSMiddleware(inner, allow_origins=["https://a.org"])
    start = run(app, make_scope("GET", [("origin", "https://other.org")]))[0]
    assert headers_of(start, "access-control-allow-origin") == ["https://own.org"]


def test_cors_rejects_bad_configuration() -> None:
    with pytest.raises(TypeError, match="allow_origins"):
        CORSMiddleware(Endpoint(), allow_origins=[1])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="max_age"):
        CORSMiddleware(Endpoint(), max_age=-1)
    with pytest.raises(ValueError, match="control characters"):
        CORSMiddleware(Endpoint(), expose_headers=["X-A\r\nSet-Cookie: a=b"])
    with pytest.raises(re.error):
        CORSMiddleware(Endpoint(), allow_origin_regex="(")


# -- GZip ---------------------------------------------------------------------------

TEXT = b"".join(b"line %d of a fairly repetitive response body\n" % i for i in range(200))


def gunzip(data: bytes) -> bytes:
    return zlib.decompress(data, 16 + zlib.MAX_WBITS)


def gzip_scope(accept: str | None = "gzip, deflate, br", method: str = "GET") -> dict[str, Any]:
    return make_scope(method, [] if accept is None else [("accept-encoding", accept)])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("gzip", True),
        ("GZip", True),
        ("deflate, gzip;q=0.5, br", True),
        ("x-gzip", True),
        ("*", True),
        ("br, *;q=0.1", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("*;q=0", False),
        ("gzip;q=0, *", False),
        ("identity", False),
        ("deflate, br", False),
        ("", False),
        ("gzip;q=nonsense", False),
        ("gzipped", False),
    ],
)
def test_accepts_gzip(value: str, expected: bool) -> None:
    assert accepts_gzip(value.encode()) is expected


def test_gzip_compresses_whole_body() -> None:
    inner = Endpoint(TEXT)
    messages = run(GZipMiddleware(inner), gzip_scope())
    start = messages[0]
    data = body_of(messages)
    assert len(messages) == 2
    assert header(start, "content-encoding") == "gzip"
    assert header(start, "vary") == "Accept-Encoding"
    assert headers_of(start, "content-length") == [str(len(data))]
    assert header(start, "content-type") == "text/plain"
    assert len(data) < len(TEXT)
    assert gunzip(data) == TEXT
    assert messages[1]["more_body"] is False


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "br"])
def test_gzip_not_accepted_passes_unchanged(accept: str | None) -> None:
    inner = Endpoint(TEXT)
    messages = run(GZipMiddleware(inner), gzip_scope(accept))
    assert header(messages[0], "content-encoding") is None
    assert header(messages[0], "content-length") == str(len(TEXT))
    # It would have been compressed for another client: caches must keep them apart.
    assert header(messages[0], "vary") == "Accept-Encoding"
    assert body_of(messages) == TEXT
    assert messages[0]["headers"] is not inner.headers
    assert (b"vary", b"Accept-Encoding") not in inner.headers


def test_gzip_not_accepted_and_not_compressible_gets_no_vary() -> None:
    for inner in [Endpoint(b"small"), Endpoint(TEXT, headers=[(b"content-type", b"image/png")])]:
        messages = run(GZipMiddleware(inner), gzip_scope(None))
        assert header(messages[0], "vary") is None
        assert messages[0]["headers"] is inner.headers


def test_gzip_minimum_size() -> None:
    small = b"x" * 499
    messages = run(GZipMiddleware(Endpoint(small)), gzip_scope())
    assert header(messages[0], "content-encoding") is None
    assert header(messages[0], "content-length") == "499"
    assert body_of(messages) == small
    exact = b"x" * 500
    messages = run(GZipMiddleware(Endpoint(exact)), gzip_scope())
    assert header(messages[0], "content-encoding") == "gzip"
    assert gunzip(body_of(messages)) == exact
    messages = run(GZipMiddleware(Endpoint(b"tiny"), minimum_size=0), gzip_scope())
    assert gunzip(body_of(messages)) == b"tiny"


def test_gzip_empty_body_is_never_compressed() -> None:
    messages = run(GZipMiddleware(Endpoint(b""), minimum_size=0), gzip_scope())
    assert header(messages[0], "content-encoding") is None
    assert body_of(messages) == b""


def test_gzip_leaves_encoded_response_alone() -> None:
    already = zlib.compress(TEXT)
    inner = Endpoint(already, headers=[(b"content-encoding", b"deflate")])
    messages = run(GZipMiddleware(inner), gzip_scope())
    assert headers_of(messages[0], "content-encoding") == ["deflate"]
    assert header(messages[0], "vary") is None
    assert body_of(messages) == already


@pytest.mark.parametrize(
    "content_type",
    [
        b"text/event-stream",
        b"image/png",
        b"video/mp4",
        b"Audio/ogg; codecs=opus",
        b"application/grpc+proto",
    ],
)
def test_gzip_skips_excluded_content_types(content_type: bytes) -> None:
    inner = Endpoint(TEXT, headers=[(b"content-type", content_type)])
    messages = run(GZipMiddleware(inner), gzip_scope())
    assert header(messages[0], "content-encoding") is None
    assert body_of(messages) == TEXT


def test_gzip_exclusions_are_configurable() -> None:
    inner = Endpoint(TEXT, headers=[(b"content-type", b"text/event-stream")])
    messages = run(GZipMiddleware(inner, exclude_content_types=()), gzip_scope())
    assert gunzip(body_of(messages)) == TEXT
    inner = Endpoint(TEXT, headers=[(b"content-type", b"text/csv")])
    messages = run(GZipMiddleware(inner, exclude_content_types=["text/*"]), gzip_scope())
    assert body_of(messages) == TEXT
    messages = run(GZipMiddleware(inner, exclude_content_types="text/csv"), gzip_scope())
    assert body_of(messages) == TEXT


@pytest.mark.parametrize(
    ("status", "extra"),
    [
        (204, []),
        (304, []),
        (206, [(b"content-range", b"bytes 0-9/100")]),
        (200, [(b"content-range", b"bytes 0-9/100")]),
    ],
)
def test_gzip_skips_bodiless_and_partial(status: int, extra: list[tuple[bytes, bytes]]) -> None:
    body = b"" if status in (204, 304) else TEXT
    inner = Endpoint(body, status=status, headers=extra)
    messages = run(GZipMiddleware(inner, minimum_size=0), gzip_scope())
    assert messages[0]["status"] == status
    assert header(messages[0], "content-encoding") is None
    assert body_of(messages) == body


def test_gzip_streams_incrementally() -> None:
    chunks = [TEXT[i : i + 700] for i in range(0, len(TEXT), 700)]
    assert len(chunks) > 5
    inner = Endpoint(chunks, content_length=True)
    messages = run(GZipMiddleware(inner), gzip_scope())
    start, bodies = messages[0], messages[1:]
    assert header(start, "content-encoding") == "gzip"
    assert header(start, "content-length") is None
    assert header(start, "vary") == "Accept-Encoding"
    assert len(bodies) == len(chunks)
    # Each message decompresses to exactly the chunk the app sent with it.
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    for chunk, message in zip(chunks, bodies, strict=True):
        assert decompressor.decompress(message["body"]) == chunk
    assert decompressor.eof
    assert [m["more_body"] for m in bodies] == [True] * (len(chunks) - 1) + [False]


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.binary(max_size=3000), min_size=1, max_size=8),
    minimum_size=st.integers(0, 2000),
    level=st.integers(-1, 9),
)
def test_gzip_property_any_chunking_round_trips(
    chunks: list[bytes], minimum_size: int, level: int
) -> None:
    inner = Endpoint(chunks, content_length=False)
    app = GZipMiddleware(inner, minimum_size=minimum_size, compresslevel=level)
    messages = run(app, gzip_scope())
    start, bodies = messages[0], messages[1:]
    assert len(bodies) == len(chunks)  # one message out per message in, nothing held
    whole = b"".join(chunks)
    compressed = header(start, "content-encoding") == "gzip"
    small_single = len(chunks) == 1 and len(whole) < max(minimum_size, 1)
    assert compressed is not small_single
    data = body_of(messages)
    assert (gunzip(data) if compressed else data) == whole
    if compressed:
        assert header(start, "vary") == "Accept-Encoding"
    assert inner.headers == [(b"content-type", b"text/plain")]  # not mutated


def test_gzip_streaming_small_first_chunk_is_still_compressed() -> None:
    inner = Endpoint([b"a", b"", b"b" * 10, b""], content_length=False)
    messages = run(GZipMiddleware(inner), gzip_scope())
    assert header(messages[0], "content-encoding") == "gzip"
    assert gunzip(body_of(messages)) == b"a" + b"b" * 10


def test_gzip_does_not_hold_back_an_endless_stream() -> None:
    received: list[bytes] = []
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)

    async def endless(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        n = 0
        while True:  # only the client going away (here: the test) ends it
            chunk = b"event %d\n" % n
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            n += 1

    async def main() -> None:
        class Enough(Exception):
            pass

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body":
                received.append(decompressor.decompress(message["body"]))
                if len(received) == 50:
                    raise Enough

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        with anyio.fail_after(5), pytest.raises(Enough):
            await GZipMiddleware(endless, minimum_size=0)(gzip_scope(), receive, send)

    anyio.run(main)
    assert received == [b"event %d\n" % n for n in range(50)]


def test_gzip_head_is_left_alone() -> None:
    inner = Endpoint(TEXT, head=True)
    messages = run(GZipMiddleware(inner, minimum_size=0), gzip_scope(method="HEAD"))
    assert header(messages[0], "content-length") == str(len(TEXT))
    assert header(messages[0], "content-encoding") is None
    assert body_of(messages) == b""


def test_gzip_weakens_strong_etag_and_merges_vary() -> None:
    inner = Endpoint(TEXT, headers=[(b"etag", b'"abc"'), (b"vary", b"Origin")])
    start = run(GZipMiddleware(inner), gzip_scope())[0]
    assert header(start, "etag") == 'W/"abc"'
    assert headers_of(start, "vary") == ["Origin, Accept-Encoding"]
    inner = Endpoint(TEXT, headers=[(b"etag", b'W/"abc"')])
    assert header(run(GZipMiddleware(inner), gzip_scope())[0], "etag") == 'W/"abc"'


def test_gzip_passes_pathsend_through() -> None:
    start: Message = {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-length", b"9000")],
    }
    pathsend: Message = {"type": "http.response.pathsend", "path": "/tmp/file"}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send(pathsend)

    messages = run(GZipMiddleware(inner), gzip_scope())
    assert messages == [start, pathsend]


def test_gzip_passes_trailers_through_after_final_body() -> None:
    trailers: Message = {"type": "http.response.trailers", "headers": [(b"x-sum", b"1")]}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.body", "body": TEXT, "more_body": True})
        await send({"type": "http.response.body", "body": TEXT, "more_body": False})
        await send(trailers)

    messages = run(GZipMiddleware(inner), gzip_scope())
    assert messages[0]["trailers"] is True
    assert messages[-1] == trailers
    assert gunzip(body_of(messages)) == TEXT * 2


@pytest.mark.parametrize("kind", ["lifespan", "websocket"])
def test_gzip_passes_other_scopes(kind: str) -> None:
    seen: list[Scope] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)
        await send({"type": f"{kind}.probe"})

    scope: dict[str, Any] = {"type": kind, "headers": [(b"accept-encoding", b"gzip")]}
    assert run(GZipMiddleware(inner), scope) == [{"type": f"{kind}.probe"}]
    assert seen == [scope]


def test_gzip_compresslevel_is_used() -> None:
    fast = body_of(run(GZipMiddleware(Endpoint(TEXT), compresslevel=0), gzip_scope()))
    best = body_of(run(GZipMiddleware(Endpoint(TEXT), compresslevel=9), gzip_scope()))
    assert gunzip(fast) == gunzip(best) == TEXT
    assert len(fast) > len(TEXT) > len(best)


def test_gzip_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError, match="minimum_size"):
        GZipMiddleware(Endpoint(), minimum_size=-1)
    with pytest.raises(ValueError, match="compresslevel"):
        GZipMiddleware(Endpoint(), compresslevel=10)


def test_gzip_inside_cors() -> None:
    stack = build_middleware_stack(
        Endpoint(TEXT),
        [Middleware(CORSMiddleware, allow_origins=["*"]), Middleware(GZipMiddleware)],
    )
    scope = make_scope("GET", [("origin", "https://a.org"), ("accept-encoding", "gzip")])
    messages = run(stack, scope)
    start = messages[0]
    assert header(start, "access-control-allow-origin") == "*"
    assert headers_of(start, "vary") == ["Accept-Encoding, Origin"]
    assert gunzip(body_of(messages)) == TEXT


def test_gzip_large_bodies_compress_in_a_worker_thread() -> None:
    chunks = [TEXT, TEXT[:10], TEXT]
    app = GZipMiddleware(Endpoint(chunks), thread_minimum_size=1000)
    messages = run(app, gzip_scope())
    assert gunzip(body_of(messages)) == b"".join(chunks)
    whole = run(GZipMiddleware(Endpoint(TEXT), thread_minimum_size=0), gzip_scope())
    assert gunzip(body_of(whole)) == TEXT
    assert header(whole[0], "content-length") == str(len(body_of(whole)))


def test_gzip_single_message_with_trailers_has_no_content_length() -> None:
    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.body", "body": TEXT})
        await send({"type": "http.response.trailers", "headers": []})

    messages = run(GZipMiddleware(inner), gzip_scope())
    assert header(messages[0], "content-length") is None
    assert gunzip(body_of(messages)) == TEXT
    assert messages[-1]["type"] == "http.response.trailers"


def test_gzip_message_before_start_passes_and_compression_still_applies() -> None:
    hint: Message = {"type": "http.response.early_hint", "links": ["</s.css>; rel=preload"]}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send(hint)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": TEXT})

    messages = anyio.run(functools.partial(_drive, GZipMiddleware(inner), gzip_scope()))
    assert messages[0] == hint
    check_order(messages[1:])
    assert header(messages[1], "content-encoding") == "gzip"
    assert gunzip(body_of(messages)) == TEXT


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
