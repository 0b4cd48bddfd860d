"""GZipMiddleware driven as a bare ASGI app around a fixed endpoint."""

from __future__ import annotations

import zlib
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb.middleware import Middleware, build_middleware_stack
from asgiweb.middleware.cors import CORSMiddleware
from asgiweb.middleware.gzip import GZipMiddleware, accepts_gzip
from asgiweb.types import Message, Receive, Scope, Send
from tests.asgi_conformance import check_http_messages
from tests.harness import Peer, http_scope, run_asgi
from tests.middleware.helpers import Endpoint, body_of, header, headers_of, sent_by

# -- GZip ---------------------------------------------------------------------------

TEXT = b"".join(b"line %d of a fairly repetitive response body\n" % i for i in range(200))


def gunzip(data: bytes) -> bytes:
    return zlib.decompress(data, 16 + zlib.MAX_WBITS)


def gzip_scope(
    accept: str | None = "gzip, deflate, br",
    method: str = "GET",
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    headers = [] if accept is None else [("accept-encoding", accept)]
    return http_scope(method, "/", headers, extensions=extensions)


TRAILERS: dict[str, Any] = {"http.response.trailers": {}}


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
    messages = sent_by(GZipMiddleware(inner), gzip_scope())
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
    messages = sent_by(GZipMiddleware(inner), gzip_scope(accept))
    assert header(messages[0], "content-encoding") is None
    assert header(messages[0], "content-length") == str(len(TEXT))
    # It would have been compressed for another client: caches must keep them apart.
    assert header(messages[0], "vary") == "Accept-Encoding"
    assert body_of(messages) == TEXT
    assert messages[0]["headers"] is not inner.headers
    assert (b"vary", b"Accept-Encoding") not in inner.headers


def test_gzip_not_accepted_and_not_compressible_gets_no_vary() -> None:
    for inner in [Endpoint(b"small"), Endpoint(TEXT, headers=[(b"content-type", b"image/png")])]:
        messages = sent_by(GZipMiddleware(inner), gzip_scope(None))
        assert header(messages[0], "vary") is None
        assert messages[0]["headers"] is inner.headers


def test_gzip_minimum_size() -> None:
    small = b"x" * 499
    messages = sent_by(GZipMiddleware(Endpoint(small)), gzip_scope())
    assert header(messages[0], "content-encoding") is None
    assert header(messages[0], "content-length") == "499"
    assert body_of(messages) == small
    exact = b"x" * 500
    messages = sent_by(GZipMiddleware(Endpoint(exact)), gzip_scope())
    assert header(messages[0], "content-encoding") == "gzip"
    assert gunzip(body_of(messages)) == exact
    messages = sent_by(GZipMiddleware(Endpoint(b"tiny"), minimum_size=0), gzip_scope())
    assert gunzip(body_of(messages)) == b"tiny"


def test_gzip_empty_body_is_never_compressed() -> None:
    messages = sent_by(GZipMiddleware(Endpoint(b""), minimum_size=0), gzip_scope())
    assert header(messages[0], "content-encoding") is None
    assert body_of(messages) == b""


def test_gzip_leaves_encoded_response_alone() -> None:
    already = zlib.compress(TEXT)
    inner = Endpoint(already, headers=[(b"content-encoding", b"deflate")])
    messages = sent_by(GZipMiddleware(inner), gzip_scope())
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
    messages = sent_by(GZipMiddleware(inner), gzip_scope())
    assert header(messages[0], "content-encoding") is None
    assert body_of(messages) == TEXT


def test_gzip_exclusions_are_configurable() -> None:
    inner = Endpoint(TEXT, headers=[(b"content-type", b"text/event-stream")])
    messages = sent_by(GZipMiddleware(inner, exclude_content_types=()), gzip_scope())
    assert gunzip(body_of(messages)) == TEXT
    inner = Endpoint(TEXT, headers=[(b"content-type", b"text/csv")])
    messages = sent_by(GZipMiddleware(inner, exclude_content_types=["text/*"]), gzip_scope())
    assert body_of(messages) == TEXT
    messages = sent_by(GZipMiddleware(inner, exclude_content_types="text/csv"), gzip_scope())
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
    messages = sent_by(GZipMiddleware(inner, minimum_size=0), gzip_scope())
    assert messages[0]["status"] == status
    assert header(messages[0], "content-encoding") is None
    assert body_of(messages) == body


def test_gzip_streams_incrementally() -> None:
    chunks = [TEXT[i : i + 700] for i in range(0, len(TEXT), 700)]
    assert len(chunks) > 5
    inner = Endpoint(chunks, content_length=True)
    messages = sent_by(GZipMiddleware(inner), gzip_scope())
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
    messages = sent_by(app, gzip_scope())
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
    messages = sent_by(GZipMiddleware(inner), gzip_scope())
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

        with anyio.fail_after(5), pytest.raises(Enough):
            await GZipMiddleware(endless, minimum_size=0)(gzip_scope(), Peer().receive, send)

    anyio.run(main)
    assert received == [b"event %d\n" % n for n in range(50)]


def test_gzip_head_is_left_alone() -> None:
    inner = Endpoint(TEXT, head=True)
    messages = sent_by(GZipMiddleware(inner, minimum_size=0), gzip_scope(method="HEAD"))
    assert header(messages[0], "content-length") == str(len(TEXT))
    assert header(messages[0], "content-encoding") is None
    assert body_of(messages) == b""


def test_gzip_weakens_strong_etag_and_merges_vary() -> None:
    inner = Endpoint(TEXT, headers=[(b"etag", b'"abc"'), (b"vary", b"Origin")])
    start = sent_by(GZipMiddleware(inner), gzip_scope())[0]
    assert header(start, "etag") == 'W/"abc"'
    assert headers_of(start, "vary") == ["Origin, Accept-Encoding"]
    inner = Endpoint(TEXT, headers=[(b"etag", b'W/"abc"')])
    assert header(sent_by(GZipMiddleware(inner), gzip_scope())[0], "etag") == 'W/"abc"'


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

    scope = gzip_scope(extensions={"http.response.pathsend": {}})
    messages = sent_by(GZipMiddleware(inner), scope)
    assert messages == [start, pathsend]


def test_gzip_passes_trailers_through_after_final_body() -> None:
    trailers: Message = {"type": "http.response.trailers", "headers": [(b"x-sum", b"1")]}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.body", "body": TEXT, "more_body": True})
        await send({"type": "http.response.body", "body": TEXT, "more_body": False})
        await send(trailers)

    messages = sent_by(GZipMiddleware(inner), gzip_scope(extensions=TRAILERS))
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
    assert sent_by(GZipMiddleware(inner), scope) == [{"type": f"{kind}.probe"}]
    assert seen == [scope]


def test_gzip_compresslevel_is_used() -> None:
    fast = body_of(sent_by(GZipMiddleware(Endpoint(TEXT), compresslevel=0), gzip_scope()))
    best = body_of(sent_by(GZipMiddleware(Endpoint(TEXT), compresslevel=9), gzip_scope()))
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
    scope = http_scope("GET", "/", [("origin", "https://a.org"), ("accept-encoding", "gzip")])
    messages = sent_by(stack, scope)
    start = messages[0]
    assert header(start, "access-control-allow-origin") == "*"
    assert headers_of(start, "vary") == ["Accept-Encoding, Origin"]
    assert gunzip(body_of(messages)) == TEXT


def test_gzip_large_bodies_compress_in_a_worker_thread() -> None:
    chunks = [TEXT, TEXT[:10], TEXT]
    app = GZipMiddleware(Endpoint(chunks), thread_minimum_size=1000)
    messages = sent_by(app, gzip_scope())
    assert gunzip(body_of(messages)) == b"".join(chunks)
    whole = sent_by(GZipMiddleware(Endpoint(TEXT), thread_minimum_size=0), gzip_scope())
    assert gunzip(body_of(whole)) == TEXT
    assert header(whole[0], "content-length") == str(len(body_of(whole)))


def test_gzip_single_message_with_trailers_has_no_content_length() -> None:
    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [], "trailers": True})
        await send({"type": "http.response.body", "body": TEXT})
        await send({"type": "http.response.trailers", "headers": []})

    messages = sent_by(GZipMiddleware(inner), gzip_scope(extensions=TRAILERS))
    assert header(messages[0], "content-length") is None
    assert gunzip(body_of(messages)) == TEXT
    assert messages[-1]["type"] == "http.response.trailers"


def test_gzip_message_before_start_passes_and_compression_still_applies() -> None:
    hint: Message = {"type": "http.response.early_hint", "links": ["</s.css>; rel=preload"]}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send(hint)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": TEXT})

    # No server offers early hints to check against: the messages after it are checked.
    messages = run_asgi(GZipMiddleware(inner), gzip_scope(), conform=False).sent
    assert messages[0] == hint
    check_http_messages(messages[1:])
    assert header(messages[1], "content-encoding") == "gzip"
    assert gunzip(body_of(messages)) == TEXT
