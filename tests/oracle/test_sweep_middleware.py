"""The shipped middleware side by side with FastAPI 0.165 / Starlette 1.10 (the oracle).

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI; the same ASGI scope goes to both, driven at the
message level (``tests.harness``), and the answers must be equal: status, EVERY
response header (as a sorted list, so a header sent twice counts twice), and the
body (decompressed when it is gzip, so the comparison is of what the client reads;
the compressed length is still compared through ``content-length``).

``Vary`` is compared as its set of field names: asgiweb names each field once and
leaves ``Vary: *`` alone, Starlette appends (``Origin, Origin``, ``*, Origin``),
which says the same thing (RFC 9110 §12.5.5).  ``allow`` on a 405 is compared
without ``HEAD`` (docs/api.md, "404, 405, HEAD, slash redirects").  Every other
difference found is either fixed or documented (docs/api.md, "Middleware", and
"Static files, templates, sessions") and asserted here as OUR behaviour, with
what the oracle does beside it so a change on either side is noticed.
"""

import base64
import copy
import functools
import importlib
import json
import re
import time
import urllib.parse
import zlib
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asgiweb._http import parse_host
from asgiweb.testclient import TestClient
from tests.harness import Peer, drive, http_scope, websocket_scope
from tests.oracle.sidebyside import Framework, frameworks

# -- driving both apps at the message level --------------------------------------------


def _run(app: Any, scope: dict[str, Any], peer: Peer, *, conform: bool) -> str | None:
    """Drive one connection; the name of the error the app raised, if any (both
    frameworks re-raise an unhandled error after sending their 500)."""

    async def main() -> str | None:
        try:
            await drive(app, scope, peer, conform=conform)
        except Exception as exc:
            return type(exc).__name__
        return None

    result: str | None = anyio.run(main)
    return result


def exchange(
    app: Any, scope: dict[str, Any], body: bytes = b"", *, conform: bool = True
) -> dict[str, Any]:
    """Status, every header (lower-cased names, sorted), the body as the client
    reads it, the raw body length, and the error raised (if any)."""
    peer = Peer(body)
    error = _run(app, copy.deepcopy(scope), peer, conform=conform)
    if not peer.sent or peer.sent[0]["type"] != "http.response.start":
        return {"messages": peer.sent, "error": error}
    headers = sorted(
        (bytes(name).decode("latin-1").lower(), bytes(value).decode("latin-1"))
        for name, value in peer.start.get("headers", ())
    )
    raw = peer.body
    content = raw
    if ("content-encoding", "gzip") in headers and raw:
        content = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw)
    return {
        "status": peer.status,
        "headers": headers,
        "body": content,
        "raw_length": len(raw),
        "error": error,
    }


def normal(answer: dict[str, Any]) -> dict[str, Any]:
    """``Vary`` as a set of lower-cased field names (``*`` covering any); ``allow``
    without HEAD (see the module's docstring)."""
    if "headers" not in answer:
        return answer
    headers = []
    vary: set[str] = set()
    for name, value in answer["headers"]:
        if name == "vary":
            vary |= {item.strip().lower() for item in value.split(",") if item.strip()}
        elif name == "allow":
            headers.append((name, ", ".join(sorted(set(value.split(", ")) - {"HEAD"}))))
        else:
            headers.append((name, value))
    return {**answer, "headers": headers, "vary": {"*"} if "*" in vary else vary}


Build = Callable[[Framework], Any]


@functools.cache
def _apps(build: Build) -> tuple[Any, Any]:
    """(asgiweb app, FastAPI app) for ``build``, built once: building a FastAPI app
    costs milliseconds and the property tests send hundreds of requests."""
    ours, theirs = frameworks()
    return build(ours), build(theirs)


def answers_of(
    build: Build, scope: dict[str, Any], body: bytes = b""
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ours, FastAPI's) answers to ``scope``, normalised (see :func:`normal`)."""
    ours_app, theirs_app = _apps(build)
    ours = normal(exchange(ours_app, scope, body))
    theirs = normal(exchange(theirs_app, scope, body, conform=False))
    return ours, theirs


def same(build: Build, scope: dict[str, Any], body: bytes = b"") -> dict[str, Any]:
    """Assert equal answers; asgiweb's."""
    ours, theirs = answers_of(build, scope, body)
    # The raw length is not compared: a stream's flushes may differ (Starlette
    # flushes an empty chunk too), the bytes read and ``content-length`` may not.
    assert {**ours, "raw_length": None} == {**theirs, "raw_length": None}, (
        scope.get("method"),
        scope["path"],
    )
    return ours


def header(answer: dict[str, Any], name: str) -> str | None:
    values = [value for key, value in answer["headers"] if key == name]
    assert len(values) <= 1, (name, values)
    return values[0] if values else None


def middleware_class(fw: Framework, module: str, name: str) -> Any:
    """``fw``'s class: asgiweb's, or FastAPI's re-export (Starlette's for sessions,
    which FastAPI does not re-export)."""
    if fw.name == "fastapi" and module == "sessions":
        return getattr(importlib.import_module("starlette.middleware.sessions"), name)
    return getattr(fw.sub(f"middleware.{module}"), name)


def ws_messages(app: Any, scope: dict[str, Any]) -> list[dict[str, Any]]:
    """What an app sends to a WebSocket handshake (``websocket.connect`` given)."""
    peer = Peer(messages=[{"type": "websocket.connect"}])
    _run(app, scope, peer, conform=False)
    return [{**m, "headers": sorted(m["headers"])} if "headers" in m else m for m in peer.sent]


DENIAL = {"extensions": {"websocket.http.response": {}}}

# -- CORSMiddleware ----------------------------------------------------------------------

CORS_CONFIGS: dict[str, dict[str, Any]] = {
    "any-origin": {"allow_origins": ["*"]},
    "any-origin-credentials": {"allow_origins": ["*"], "allow_credentials": True},
    "listed": {
        "allow_origins": ["https://a.example", "null"],
        "allow_methods": ["GET", "put"],
        "allow_headers": ["X-Token", "x-other", "Content-Type"],
        "expose_headers": ["X-Exposed", "X-Total"],
        "max_age": 0,
    },
    "regex-star-headers": {
        "allow_origin_regex": r"https://[a-z]+\.b\.example",
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "allow_credentials": True,
        "expose_headers": ["X-Exposed"],
    },
    "list-and-regex": {
        "allow_origins": ["https://a.example"],
        "allow_origin_regex": r"https://.*\.b\.example",
        "allow_methods": ("GET", "POST", "DELETE"),
        "allow_headers": ("authorization",),
        "max_age": 3600,
    },
    "private-network": {
        "allow_origins": ["https://a.example"],
        "allow_private_network": True,
    },
}

ORIGINS = [
    None,
    "https://a.example",
    "https://A.example",
    "https://x.b.example",
    "https://x.b.example.evil",
    "https://evil.example",
    "null",
    "",
]


def cors_app(options: dict[str, Any]) -> Build:
    def build(fw: Framework) -> Any:
        responses = fw.responses
        app = fw.App()
        app.add_middleware(middleware_class(fw, "cors", "CORSMiddleware"), **options)

        @app.get("/")
        def home():
            return {"home": True}

        @app.post("/items")
        def create():
            return responses.JSONResponse({"created": 1}, status_code=201)

        @app.get("/vary")
        def vary():
            return responses.PlainTextResponse("v", headers={"vary": "Accept-Encoding"})

        @app.get("/vary-origin")
        def vary_origin():
            return responses.PlainTextResponse("v", headers={"Vary": "Origin"})

        @app.get("/vary-star")
        def vary_star():
            return responses.PlainTextResponse("v", headers={"Vary": "*"})

        @app.get("/app-cors")
        def app_cors():
            return responses.PlainTextResponse(
                "v",
                headers={
                    "access-control-allow-origin": "https://set.by.app",
                    "access-control-expose-headers": "X-App",
                },
            )

        @app.get("/error")
        def error():
            raise fw.HTTPException(404, "gone", headers={"x-why": "test"})

        @app.get("/stream")
        def stream():
            return responses.StreamingResponse(iter(["a", "b"]), media_type="text/plain")

        @app.options("/opt")
        def own_options():
            return {"own": "options"}

        return app

    return build


_CORS_BUILDS = {name: cors_app(options) for name, options in CORS_CONFIGS.items()}
CORS_PATHS = ["/", "/vary", "/vary-origin", "/vary-star", "/app-cors", "/error", "/stream"]


@pytest.mark.parametrize("config", CORS_CONFIGS)
def test_cors_simple_requests_as_starlette(config: str) -> None:
    build = _CORS_BUILDS[config]
    for origin in ORIGINS:
        headers = [] if origin is None else [("origin", origin)]
        for path in CORS_PATHS:
            same(build, http_scope("GET", path, headers))
        same(build, http_scope("POST", "/items", headers), b"{}")
        # OPTIONS without Access-Control-Request-Method is no preflight: the app answers.
        same(build, http_scope("OPTIONS", "/opt", headers))
        same(build, http_scope("OPTIONS", "/", headers))


PREFLIGHTS: list[tuple[str, str | None]] = [
    ("GET", None),
    ("PUT", "x-token"),
    ("put", None),
    ("DELETE", None),
    ("PATCH", "X-Token, Content-Type"),
    ("GET", "x-token, x-other"),
    ("GET", "X-TOKEN"),
    ("GET", "accept, content-language"),
    ("GET", "x-bad"),
    ("GET", "x-token, x-bad"),
    ("POST", "authorization"),
    ("QUERY", None),
    ("CONNECT", None),
]


@pytest.mark.parametrize("config", CORS_CONFIGS)
def test_cors_preflights_as_starlette(config: str) -> None:
    """200 ``OK`` or 400 ``Disallowed CORS origin, method, headers`` with the same
    allow headers, for allowed and refused origins, methods and headers."""
    build = _CORS_BUILDS[config]
    for origin in ORIGINS[1:]:
        for method, requested in PREFLIGHTS:
            headers = [("origin", origin), ("access-control-request-method", method)]
            if requested is not None:
                headers.append(("access-control-request-headers", requested))
            same(build, http_scope("OPTIONS", "/", headers))
            # Private Network Access: allowed only where the option says so.
            same(
                build,
                http_scope(
                    "OPTIONS", "/", [*headers, ("access-control-request-private-network", "true")]
                ),
            )
    # A preflight-like OPTIONS without Origin goes to the app (405 here: no OPTIONS route).
    same(build, http_scope("OPTIONS", "/", [("access-control-request-method", "GET")]))


def test_cors_answers_in_detail() -> None:
    """What the comparisons above agreed on, spelt out for the common cases."""
    listed, star = _CORS_BUILDS["listed"], _CORS_BUILDS["any-origin"]
    ok = same(
        listed,
        http_scope(
            "OPTIONS",
            "/",
            [
                ("origin", "https://a.example"),
                ("access-control-request-method", "put"),
                ("access-control-request-headers", "X-Token"),
            ],
        ),
    )
    assert (ok["status"], ok["body"]) == (200, b"OK")
    assert header(ok, "access-control-allow-origin") == "https://a.example"
    assert header(ok, "access-control-allow-methods") == "GET, put"
    assert header(ok, "access-control-allow-headers") == (
        "Accept, Accept-Language, Content-Language, Content-Type, X-Token, x-other"
    )
    assert header(ok, "access-control-max-age") == "0"
    refused = same(
        listed,
        http_scope(
            "OPTIONS",
            "/",
            [
                ("origin", "https://evil.example"),
                ("access-control-request-method", "DELETE"),
                ("access-control-request-headers", "x-bad"),
            ],
        ),
    )
    assert (refused["status"], refused["body"]) == (400, b"Disallowed CORS origin, method, headers")
    assert header(refused, "content-type") == "text/plain; charset=utf-8"
    assert header(refused, "access-control-allow-origin") is None
    simple = same(listed, http_scope("GET", "/app-cors", [("origin", "https://a.example")]))
    assert header(simple, "access-control-allow-origin") == "https://a.example"
    assert header(simple, "access-control-expose-headers") == "X-Exposed, X-Total"
    assert simple["vary"] == {"origin"}
    # Refused origin: the app's own CORS header stays (neither side removes it).
    foreign = same(listed, http_scope("GET", "/app-cors", [("origin", "https://evil.example")]))
    assert header(foreign, "access-control-allow-origin") == "https://set.by.app"
    # "*" without credentials is a literal "*", with credentials the echoed origin.
    assert (
        header(
            same(star, http_scope("GET", "/", [("origin", "null")])), "access-control-allow-origin"
        )
        == "*"
    )
    echoed = same(
        _CORS_BUILDS["any-origin-credentials"], http_scope("GET", "/", [("origin", "null")])
    )
    assert header(echoed, "access-control-allow-origin") == "null"
    assert header(echoed, "access-control-allow-credentials") == "true"
    # Without Origin: no CORS header, but Vary: Origin all the same.
    plain = same(listed, http_scope("GET", "/"))
    assert [n for n, _ in plain["headers"] if n.startswith("access-control")] == []
    assert plain["vary"] == {"origin"}


def test_cors_vary_names_each_field_once() -> None:
    """Documented difference (docs/api.md, "Middleware"): ``Vary`` gains ``Origin``
    once; an app's ``Vary: Origin`` or ``Vary: *`` is left as it is (Starlette
    sends ``Origin, Origin`` and ``*, Origin``, which mean the same)."""
    build = _CORS_BUILDS["any-origin"]
    ours_app, theirs_app = _apps(build)
    for path, mine, starlette in [
        ("/vary", "Accept-Encoding, Origin", "Accept-Encoding, Origin"),
        ("/vary-origin", "Origin", "Origin, Origin"),
        ("/vary-star", "*", "*, Origin"),
    ]:
        scope = http_scope("GET", path, [("origin", "https://a.example")])
        assert header(exchange(ours_app, scope), "vary") == mine
        assert header(exchange(theirs_app, scope, conform=False), "vary") == starlette


@pytest.mark.parametrize("requested", ["x-token,", "x-token, , x-other", ""])
def test_cors_empty_items_in_requested_headers_are_ignored(requested: str) -> None:
    """Documented difference: an empty element of ``Access-Control-Request-Headers``
    is ignored, as RFC 9110 §5.6.1.2 asks of list recipients (browsers never send
    one); Starlette refuses the preflight (400 ``Disallowed CORS headers``)."""
    scope = http_scope(
        "OPTIONS",
        "/",
        [
            ("origin", "https://a.example"),
            ("access-control-request-method", "GET"),
            ("access-control-request-headers", requested),
        ],
    )
    ours, theirs = answers_of(_CORS_BUILDS["listed"], scope)
    assert (ours["status"], ours["body"]) == (200, b"OK")
    assert (theirs["status"], theirs["body"]) == (400, b"Disallowed CORS headers")
    assert [h for h in ours["headers"] if h[0] != "content-length"] == [
        h for h in theirs["headers"] if h[0] != "content-length"
    ]


def test_cors_allow_origins_given_as_one_string_is_one_origin() -> None:
    """Documented difference: ``allow_origins="https://a.example"`` is that one
    origin; Starlette tests ``origin in allow_origins``, a substring test on a
    string, and so allows ``https://a.ex``."""
    build = cors_app({"allow_origins": "https://a.example"})
    exact = same(build, http_scope("GET", "/", [("origin", "https://a.example")]))
    assert header(exact, "access-control-allow-origin") == "https://a.example"
    ours, theirs = answers_of(build, http_scope("GET", "/", [("origin", "https://a.ex")]))
    assert header(ours, "access-control-allow-origin") is None
    assert header(theirs, "access-control-allow-origin") == "https://a.ex"


_TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCXYZ-_0123456789", min_size=1, max_size=12)
_HEADER_NAMES = (
    st.sampled_from(
        ["x-token", "X-Token", "X-OTHER", "content-type", "Accept", "authorization", "x-bad"]
    )
    | _TOKEN
)
_ORIGINS = st.sampled_from([o for o in ORIGINS if o is not None]) | st.builds(
    "{}://{}{}".format,
    st.sampled_from(["http", "https", "HTTPS"]),
    st.sampled_from(["a.example", "x.b.example", "b.example", "evil.example"]) | _TOKEN,
    st.sampled_from(["", ":8080", "/", ".evil"]),
)
_METHODS = st.sampled_from(["GET", "PUT", "put", "POST", "DELETE", "PATCH", "QUERY", "TRACE"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=st.sampled_from(sorted(CORS_CONFIGS)),
    origin=_ORIGINS,
    method=_METHODS,
    requested=st.none() | st.lists(_HEADER_NAMES, min_size=1, max_size=4),
    spacing=st.sampled_from([", ", ",", " , "]),
    preflight=st.booleans(),
)
def test_property_cors_answers_as_starlette(
    config: str,
    origin: str,
    method: str,
    requested: list[str] | None,
    spacing: str,
    preflight: bool,
) -> None:
    """Any origin, method and list of requested headers (no empty items: see
    above), as a preflight or as a simple request: the same answer."""
    headers = [("origin", origin)]
    if preflight:
        headers.append(("access-control-request-method", method))
        if requested is not None:
            headers.append(("access-control-request-headers", spacing.join(requested)))
        same(_CORS_BUILDS[config], http_scope("OPTIONS", "/", headers))
    else:
        same(_CORS_BUILDS[config], http_scope("GET", "/vary", headers))


def test_cors_is_the_outermost_layer_around_gzip_and_errors() -> None:
    """CORS outside GZip: the compressed answer carries both Vary names and the
    CORS headers; an HTTPException's answer too."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/big")
        def big():
            return {"values": list(range(300))}

        @app.get("/missing")
        def missing():
            raise fw.HTTPException(404)

        app.add_middleware(middleware_class(fw, "gzip", "GZipMiddleware"), minimum_size=100)
        app.add_middleware(
            middleware_class(fw, "cors", "CORSMiddleware"), allow_origins=["https://a.example"]
        )
        return app

    origin = ("origin", "https://a.example")
    big = same(build, http_scope("GET", "/big", [origin, ("accept-encoding", "gzip")]))
    assert header(big, "content-encoding") == "gzip"
    assert big["vary"] == {"origin", "accept-encoding"}
    assert header(big, "access-control-allow-origin") == "https://a.example"
    missing = same(build, http_scope("GET", "/missing", [origin]))
    assert missing["status"] == 404
    assert header(missing, "access-control-allow-origin") == "https://a.example"


# -- GZipMiddleware ----------------------------------------------------------------------

BIG = "x" * 300 + "".join(f"{i:04d}" for i in range(200))  # 1100 bytes, some redundancy
GZIP_CONFIGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "small-minimum": {"minimum_size": 10, "compresslevel": 1},
    "large-minimum": {"minimum_size": 1000, "compresslevel": 5},
    "excluded-with-parameters": {
        "minimum_size": 10,
        "exclude_content_types": ("text/plain; charset=latin-1", "application/json"),
    },
    "threaded": {"minimum_size": 10, "thread_minimum_size": 512},
}


def gzip_app(options: dict[str, Any]) -> Build:
    def build(fw: Framework) -> Any:
        responses = fw.responses
        app = fw.App()
        app.add_middleware(middleware_class(fw, "gzip", "GZipMiddleware"), **options)

        def route(path: str) -> Callable[[Any], Any]:
            return app.api_route(path, methods=["GET", "HEAD", "POST"])  # type: ignore[no-any-return]

        @route("/big")
        def big():
            return responses.PlainTextResponse(BIG)

        @route("/small")
        def small():
            return responses.PlainTextResponse("small")

        @route("/edge")
        def edge():
            return responses.PlainTextResponse("y" * 500)  # exactly the default minimum

        @route("/edge-1")
        def edge_less():
            return responses.PlainTextResponse("y" * 499)

        @route("/json")
        def data():
            return {"values": list(range(300))}

        @route("/encoded")
        def encoded():
            return responses.Response(
                BIG, headers={"content-encoding": "br"}, media_type="text/plain"
            )

        @route("/stream")
        def stream():
            parts = ["a" * 10, "", "b" * 700, "c"]
            return responses.StreamingResponse(iter(parts), media_type="text/plain")

        @route("/stream-small")
        def stream_small():
            return responses.StreamingResponse(iter(["tiny"]), media_type="text/plain")

        @route("/sse")
        def sse():
            return responses.StreamingResponse(
                iter(["data: x\n\n"] * 80), media_type="text/event-stream"
            )

        @route("/png")
        def png():
            return responses.Response(BIG, media_type="image/png")

        @route("/video")
        def video():
            return responses.Response(BIG, media_type="video/mp4")

        @route("/grpc")
        def grpc():
            return responses.Response(BIG, media_type="application/grpc+proto")

        @route("/latin")
        def latin():
            return responses.Response(BIG, media_type="text/plain; charset=latin-1")

        @route("/vary")
        def vary():
            return responses.PlainTextResponse(BIG, headers={"vary": "Origin"})

        @route("/vary-encoding")
        def vary_encoding():
            return responses.PlainTextResponse(BIG, headers={"vary": "accept-encoding"})

        @route("/partial")
        def partial():
            return responses.Response(
                BIG,
                status_code=206,
                headers={"content-range": f"bytes 0-{len(BIG) - 1}/5000"},
                media_type="text/plain",
            )

        @route("/created")
        def created():
            return responses.PlainTextResponse(BIG, status_code=201, headers={"x-id": "7"})

        @route("/empty")
        def empty():
            return responses.Response(status_code=204)

        @route("/not-modified")
        def not_modified():
            return responses.Response(status_code=304, headers={"etag": '"v1"'})

        return app

    return build


_GZIP_BUILDS = {name: gzip_app(options) for name, options in GZIP_CONFIGS.items()}
GZIP_PATHS = [
    "/big", "/small", "/edge", "/edge-1", "/json", "/encoded", "/stream", "/stream-small",
    "/sse", "/png", "/video", "/grpc", "/latin", "/vary", "/vary-encoding", "/partial",
    "/created", "/empty", "/not-modified",
]  # fmt: skip
# Accept-Encoding values both sides read alike (see the documented differences below).
ACCEPT_ENCODINGS = [
    None,
    "gzip",
    "gzip, deflate, br",
    "deflate, gzip;q=0.5",
    "br;q=1.0, gzip;q=0.8, *;q=0.1",
    "x-gzip",
    "br",
    "identity",
    "deflate",
]


@pytest.mark.parametrize("config", GZIP_CONFIGS)
def test_gzip_as_starlette(config: str) -> None:
    """Status, every header (``content-length`` of the compressed body included:
    both deflate with zlib at the same level) and the body the client reads."""
    build = _GZIP_BUILDS[config]
    for path in GZIP_PATHS:
        if GZIP_CONFIGS[config].get("minimum_size", 500) == 0 and path in (
            "/empty", "/not-modified",
        ):  # fmt: skip
            continue  # see test_gzip_leaves_bodiless_answers_alone
        for accept in ACCEPT_ENCODINGS:
            headers = [] if accept is None else [("accept-encoding", accept)]
            same(build, http_scope("GET", path, headers))
        same(build, http_scope("POST", path, [("accept-encoding", "gzip")]), b"ignored")


def test_gzip_answers_in_detail() -> None:
    build = _GZIP_BUILDS["defaults"]
    accept = [("accept-encoding", "gzip")]
    big = same(build, http_scope("GET", "/big", accept))
    assert header(big, "content-encoding") == "gzip" and big["body"] == BIG.encode()
    assert header(big, "content-length") == str(big["raw_length"]) != str(len(BIG))
    assert big["vary"] == {"accept-encoding"}
    # Not for this client, but it would have been for another: Vary all the same.
    identity = same(build, http_scope("GET", "/big", [("accept-encoding", "br")]))
    assert header(identity, "content-encoding") is None and identity["vary"] == {"accept-encoding"}
    # Below the minimum: untouched, no Vary.
    edge = same(build, http_scope("GET", "/edge-1", accept))
    assert (header(edge, "content-encoding"), edge["vary"]) == (None, set())
    assert header(same(build, http_scope("GET", "/edge", accept)), "content-encoding") == "gzip"
    # A stream: compressed whatever its size, no content-length.
    stream = same(build, http_scope("GET", "/stream", accept))
    assert header(stream, "content-encoding") == "gzip" and header(stream, "content-length") is None
    assert stream["body"] == b"a" * 10 + b"b" * 700 + b"c"
    # Server-Sent Events, images, video, a coded body, a range: never compressed.
    for path in ("/sse", "/png", "/video", "/encoded", "/partial", "/grpc"):
        answer = same(build, http_scope("GET", path, accept))
        assert header(answer, "content-encoding") in (None, "br"), path
        assert answer["vary"] == set(), path
    # The app's Vary is extended.
    assert same(build, http_scope("GET", "/vary", accept))["vary"] == {"origin", "accept-encoding"}
    # Parameters do not narrow an excluded type: all of text/plain is excluded.
    excluded = _GZIP_BUILDS["excluded-with-parameters"]
    for path in ("/big", "/latin", "/json"):
        assert header(same(excluded, http_scope("GET", path, accept)), "content-encoding") is None


def test_gzip_streams_chunk_by_chunk() -> None:
    """Each chunk the app sends is flushed on its own, so a client reads it as soon
    as it is sent; the pieces decompress to the same body as Starlette's."""
    ours_app, theirs_app = _apps(_GZIP_BUILDS["defaults"])
    scope = http_scope("GET", "/stream", [("accept-encoding", "gzip")])
    bodies = []
    for app in (ours_app, theirs_app):
        peer = Peer()
        _run(app, copy.deepcopy(scope), peer, conform=app is ours_app)
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        seen = [decoder.decompress(chunk) for chunk in peer.chunks]
        bodies.append(b"".join(seen))
        if app is ours_app:
            assert [piece for piece in seen if piece] == [b"a" * 10, b"b" * 700, b"c"]
    assert bodies[0] == bodies[1]


@pytest.mark.parametrize(
    ("accept", "ours_gzip", "starlette_gzip"),
    [
        ("GZIP", True, False),
        ("Gzip;Q=1", True, False),
        ("gzip;q=0", False, True),
        ("gzip; q=0.000", False, True),
        ("*", True, False),
        ("*;q=0.5", True, False),
        ("gzip;q=0, *", False, True),
        ("identity, *;q=0", False, False),
    ],
)
def test_gzip_reads_accept_encoding_by_rfc_9110(
    accept: str, ours_gzip: bool, starlette_gzip: bool
) -> None:
    """Documented difference: RFC 9110 §12.5.3 reads ``Accept-Encoding`` with
    case-insensitive codings, ``q=0`` as "not acceptable" and ``*`` as any coding
    not listed; Starlette looks for the substring ``gzip``."""
    ours, theirs = answers_of(
        _GZIP_BUILDS["defaults"], http_scope("GET", "/big", [("accept-encoding", accept)])
    )
    assert (header(ours, "content-encoding") == "gzip") is ours_gzip
    assert (header(theirs, "content-encoding") == "gzip") is starlette_gzip
    assert ours["body"] == theirs["body"] == BIG.encode()
    assert ours["vary"] == theirs["vary"] == {"accept-encoding"}


def test_gzip_leaves_head_answers_alone() -> None:
    """Documented difference: a HEAD answer is never touched (its body is empty,
    its ``content-length`` is the identity body's); Starlette's, whose HEAD body
    is the full body (the server drops it), is compressed like the GET's."""
    build = _GZIP_BUILDS["defaults"]
    ours, theirs = answers_of(build, http_scope("HEAD", "/big", [("accept-encoding", "gzip")]))
    assert ours["status"] == theirs["status"] == 200
    assert (ours["body"], header(ours, "content-encoding")) == (b"", None)
    assert header(ours, "content-length") == str(len(BIG))
    assert header(theirs, "content-encoding") == "gzip"
    # Without gzip in the request, both send the identity headers.
    plain = answers_of(build, http_scope("HEAD", "/big"))
    assert [h for h in plain[0]["headers"]] == [h for h in plain[1]["headers"]]


@pytest.mark.parametrize("path", ["/empty", "/not-modified"])
def test_gzip_leaves_bodiless_answers_alone(path: str) -> None:
    """Documented difference: 204 and 304 have no body (RFC 9110 §15.3.5, §15.4.5),
    so even ``minimum_size=0`` adds no coding; Starlette then sends a 20-byte gzip
    stream of nothing with ``content-encoding: gzip``."""
    build = gzip_app({"minimum_size": 0})
    ours, theirs = answers_of(build, http_scope("GET", path, [("accept-encoding", "gzip")]))
    assert ours["raw_length"] == 0 and header(ours, "content-encoding") is None
    assert header(theirs, "content-encoding") == "gzip" and theirs["raw_length"] == 20


def test_gzip_weakens_a_strong_etag() -> None:
    """Documented difference: the gzip bytes are another representation, so a
    strong ``etag`` becomes weak (RFC 9110 §8.8.1); Starlette keeps it strong."""

    def build(fw: Framework) -> Any:
        app = fw.App()
        app.add_middleware(middleware_class(fw, "gzip", "GZipMiddleware"))

        @app.get("/tagged")
        def tagged():
            return fw.responses.PlainTextResponse(BIG, headers={"etag": '"v1"'})

        @app.get("/weak")
        def weak():
            return fw.responses.PlainTextResponse(BIG, headers={"etag": 'W/"v1"'})

        return app

    accept = [("accept-encoding", "gzip")]
    ours, theirs = answers_of(build, http_scope("GET", "/tagged", accept))
    assert (header(ours, "etag"), header(theirs, "etag")) == ('W/"v1"', '"v1"')
    assert ours["body"] == theirs["body"]
    assert header(same(build, http_scope("GET", "/weak", accept)), "etag") == 'W/"v1"'
    assert header(same(build, http_scope("GET", "/tagged")), "etag") == '"v1"'


# -- TrustedHostMiddleware ------------------------------------------------------------------

TRUSTED_CONFIGS: dict[str, dict[str, Any]] = {
    "www": {"allowed_hosts": ["www.example.com"]},
    "www-no-redirect": {"allowed_hosts": ["www.example.com"], "www_redirect": False},
    "name-and-wildcard": {"allowed_hosts": ["example.com", "*.example.com"]},
    "wildcard-only": {"allowed_hosts": ["*.example.com"]},
    "mixed-case": {"allowed_hosts": ["WWW.Example.COM", "API.example.com"]},
    "ip-literals": {"allowed_hosts": ["[::1]", "127.0.0.1", "localhost"]},
    "any": {},
}
HOSTS = [
    None,
    "",
    "example.com",
    "EXAMPLE.com",
    "example.com:8000",
    "www.example.com",
    "www.example.com:443",
    "WWW.EXAMPLE.COM",
    "api.example.com",
    "a.b.example.com",
    "evil.com",
    "example.com.evil.com",
    "xexample.com",
    "[::1]",
    "[::1]:8000",
    "[::g]",
    "[::1",
    "127.0.0.1:80",
    "localhost:5000",
    "example.com:abc",
    "example.com:",
    "exa mple.com",
    "user@example.com",
    "example.com/path",
]


def trusted_app(options: dict[str, Any]) -> Build:
    def build(fw: Framework) -> Any:
        app = fw.App()
        app.add_middleware(middleware_class(fw, "trustedhost", "TrustedHostMiddleware"), **options)

        @app.get("/{rest:path}")
        def anything(rest: str):
            return {"path": rest}

        @app.websocket("/ws")
        async def ws(websocket: fw.WebSocket):
            await websocket.accept()
            await websocket.close()

        return app

    return build


_TRUSTED_BUILDS = {name: trusted_app(options) for name, options in TRUSTED_CONFIGS.items()}


@pytest.mark.parametrize("config", TRUSTED_CONFIGS)
def test_trusted_host_as_starlette(config: str) -> None:
    """Allowed, refused (400 ``Invalid host header``), malformed hosts, and the www
    redirect (307, port and query kept)."""
    build = _TRUSTED_BUILDS[config]
    for host in HOSTS:
        headers = [] if host is None else [("host", host)]
        same(build, http_scope("GET", "/a b/c", headers, query_string=b"x=1&y=%20"))
        # The WebSocket handshake: the same refusal, through the denial extension.
        ours_app, theirs_app = _apps(build)
        scope = websocket_scope("/ws", headers, query_string=b"q=1", **DENIAL)
        ours, theirs = ws_messages(ours_app, scope), ws_messages(theirs_app, scope)
        assert ours == theirs, host


def test_trusted_host_answers_in_detail() -> None:
    www = _TRUSTED_BUILDS["www"]
    moved = same(www, http_scope("GET", "/p", [("host", "example.com:8000")], query_string=b"a=1"))
    assert (moved["status"], header(moved, "location")) == (
        307,
        "http://www.example.com:8000/p?a=1",
    )
    for host in ("evil.com", "example.com:abc", "exa mple.com"):
        refused = same(www, http_scope("GET", "/", [("host", host)]))
        assert (refused["status"], refused["body"]) == (400, b"Invalid host header")
    refused = same(www, http_scope("GET", "/"))  # no Host at all
    assert refused["status"] == 400
    wildcard = _TRUSTED_BUILDS["wildcard-only"]
    # "*.example.com" allows the subdomains, not the bare domain, and does not
    # make it a www redirect either.
    assert same(wildcard, http_scope("GET", "/", [("host", "a.b.example.com")]))["status"] == 200
    assert same(wildcard, http_scope("GET", "/", [("host", "example.com")]))["status"] == 400
    assert (
        same(_TRUSTED_BUILDS["ip-literals"], http_scope("GET", "/", [("host", "[::1]:8000")]))[
            "body"
        ]
        == b'{"path":""}'
    )


def test_trusted_host_refuses_a_websocket_without_the_denial_extension() -> None:
    """Documented difference (docs/api.md, "Middleware"): a server without the
    WebSocket Denial Response extension cannot send an HTTP answer to a handshake,
    so asgiweb closes before accepting (the client sees HTTP 403); Starlette sends
    the ``websocket.http.response.*`` messages all the same, which such a server
    refuses."""
    ours_app, theirs_app = _apps(_TRUSTED_BUILDS["www-no-redirect"])
    scope = websocket_scope("/ws", [("host", "evil.com")])
    assert ws_messages(ours_app, scope) == [
        {"type": "websocket.close", "code": 1008, "reason": "invalid host"}
    ]
    assert ws_messages(theirs_app, scope)[0]["type"] == "websocket.http.response.start"


def test_trusted_host_redirect_keeps_the_path_as_sent() -> None:
    """Documented difference: the www redirect keeps the request's path as it was
    sent (``raw_path``: ``%2F`` stays ``%2F``); Starlette rebuilds it from the
    decoded ``path`` and so names another resource (``/a/b``)."""
    scope = http_scope("GET", "/a/b", [("host", "example.com")], raw_path=b"/a%2Fb")
    ours, theirs = answers_of(_TRUSTED_BUILDS["www"], scope)
    assert header(ours, "location") == "http://www.example.com/a%2Fb"
    assert header(theirs, "location") == "http://www.example.com/a/b"


# -- HTTPSRedirectMiddleware -----------------------------------------------------------------


def https_app(fw: Framework) -> Any:
    app = fw.App()
    app.add_middleware(middleware_class(fw, "httpsredirect", "HTTPSRedirectMiddleware"))

    @app.get("/{rest:path}")
    def anything(rest: str):
        return {"path": rest}

    @app.websocket("/ws")
    async def ws(websocket: fw.WebSocket):
        await websocket.accept()
        await websocket.close()

    return app


REDIRECT_HOSTS = [
    None,
    "",
    "example.com",
    "example.com:80",
    "example.com:443",
    "example.com:8080",
    "Example.com",
    "[::1]",
    "[::1]:8443",
    "127.0.0.1:80",
    "bad host",
    "example.com:abc",
    "user@evil.com",
]
SERVERS = [("testserver", 80), ("10.0.0.1", 8443), ("::1", 8000), None]


def test_https_redirect_as_starlette() -> None:
    """307 to the https URL (80 and 443 dropped, other ports kept, the query kept);
    a missing or malformed Host gives way to the server's address, and with
    neither the answer is 400; https requests pass."""
    for host in REDIRECT_HOSTS:
        for server in SERVERS:
            for scheme in ("http", "https"):
                headers = [] if host is None else [("host", host)]
                scope = http_scope(
                    "GET", "/a b", headers, query_string=b"x=1&y=%20", scheme=scheme, server=server
                )
                answer = same(https_app, scope)
                if scheme == "https":
                    assert answer["status"] == 200
        scope = websocket_scope("/ws", [] if host is None else [("host", host)], **DENIAL)
        ours_app, theirs_app = _apps(https_app)
        assert ws_messages(ours_app, scope) == ws_messages(theirs_app, scope), host


def test_https_redirect_answers_in_detail() -> None:
    cases = [
        ("example.com:80", "https://example.com/p?q=1"),
        ("example.com:443", "https://example.com/p?q=1"),
        ("example.com:8080", "https://example.com:8080/p?q=1"),
        ("bad host", "https://testserver/p?q=1"),
    ]
    for host, location in cases:
        scope = http_scope("GET", "/p", [("host", host)], query_string=b"q=1")
        answer = same(https_app, scope)
        assert (answer["status"], header(answer, "location")) == (307, location)
    nowhere = same(https_app, http_scope("GET", "/", server=None))
    assert (nowhere["status"], nowhere["body"]) == (400, b"Invalid host header")
    ws = ws_messages(_apps(https_app)[0], websocket_scope("/ws", [("host", "x.com")], **DENIAL))
    assert ws[0]["status"] == 307
    assert (b"location", b"wss://x.com/ws") in ws[0]["headers"]
    # Without the denial extension: refused before accepting (see the TrustedHost twin).
    plain = ws_messages(_apps(https_app)[0], websocket_scope("/ws", [("host", "x.com")]))
    assert plain == [{"type": "websocket.close", "code": 1008, "reason": "use wss"}]


@pytest.mark.parametrize(
    ("host", "raw_path", "ours", "starlette"),
    [
        # The path as sent: %2F stays (Starlette decodes it into another path).
        ("example.com", b"/a%2Fb", "https://example.com/a%2Fb", "https://example.com/a/b"),
        # An IPv6 literal keeps its brackets when the port goes (Starlette's has none).
        ("[::1]:443", b"/a", "https://[::1]/a", "https://::1/a"),
        # The host as sent (Starlette lower-cases it only when it drops the port).
        ("Example.COM:443", b"/a", "https://Example.COM/a", "https://example.com/a"),
    ],
)
def test_https_redirect_location_differences(
    host: str, raw_path: bytes, ours: str, starlette: str
) -> None:
    """Documented differences (docs/api.md, "Middleware")."""
    path = urllib.parse.unquote(raw_path.decode("ascii"))
    scope = http_scope("GET", path, [("host", host)], raw_path=raw_path)
    mine, theirs = answers_of(https_app, scope)
    assert (header(mine, "location"), header(theirs, "location")) == (ours, starlette)


# -- SessionMiddleware ------------------------------------------------------------------------

SECRET = "a long random secret"


def session_app(options: dict[str, Any]) -> Build:
    def build(fw: Framework) -> Any:
        app = fw.App()
        app.add_middleware(
            middleware_class(fw, "sessions", "SessionMiddleware"), secret_key=SECRET, **options
        )

        @app.post("/set")
        async def set_values(request: fw.Request):
            request.session.update(await request.json())
            return dict(request.session)

        @app.get("/get")
        async def get_values(request: fw.Request):
            return dict(request.session)

        @app.post("/pop/{key}")
        async def pop(request: fw.Request, key: str):
            return {"popped": request.session.pop(key, None)}

        @app.post("/clear")
        async def clear(request: fw.Request):
            request.session.clear()
            return {"cleared": True}

        @app.get("/untouched")
        def untouched():
            return {"session": "not read"}

        return app

    return build


SESSION_CONFIGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "every-option": {
        "session_cookie": "sid",
        "max_age": 3600,
        "path": "/",
        "same_site": "strict",
        "https_only": True,
        "domain": "example.org",
        "partitioned": True,
    },
    "browser-session": {"max_age": None, "same_site": "none", "https_only": True},
    "path": {"path": "/get"},
}
_SESSION_BUILDS = {name: session_app(options) for name, options in SESSION_CONFIGS.items()}
SESSION_STEPS: list[tuple[str, str, Any]] = [
    ("GET", "/get", None),  # read, nothing there: Vary only
    ("GET", "/untouched", None),  # not read: nothing added
    ("POST", "/set", {"user": "ada", "n": 1}),
    ("GET", "/get", None),
    ("POST", "/set", {"n": 2, "cart": ["é", {"x": None}]}),
    ("POST", "/pop/missing", None),  # not changed: no cookie
    ("POST", "/pop/n", None),
    ("GET", "/get", None),
    ("POST", "/clear", None),  # cleared: the cookie is expired
    ("GET", "/get", None),
    ("POST", "/clear", None),  # nothing to clear any more
]


def _masked(set_cookie: str | None) -> str | None:
    """A Set-Cookie with its value masked (the formats differ; the clearing value,
    ``null``, is kept)."""
    if set_cookie is None:
        return None
    pair, _, attributes = set_cookie.partition("; ")
    name, _, value = pair.partition("=")
    return f"{name}={'null' if value == 'null' else '<signed>'}; {attributes}"


def _session_flow(app: Any) -> list[tuple[int, Any, str | None, str | None]]:
    client = TestClient(app, base_url="https://example.org")
    out = []
    for method, url, payload in SESSION_STEPS:
        r = client.request(method, url, json=payload)
        out.append(
            (r.status_code, r.json(), r.headers.get("vary"), _masked(r.headers.get("set-cookie")))
        )
    return out


@pytest.mark.parametrize("config", SESSION_CONFIGS)
def test_sessions_as_starlette(config: str) -> None:
    """The same sessions, the same Vary: Cookie, and the same Set-Cookie attributes
    (path, Max-Age or none, httponly, samesite, secure, domain, partitioned), sent
    only when the session changed; clearing sends the expired ``null`` cookie."""
    ours_app, theirs_app = _apps(_SESSION_BUILDS[config])
    ours, theirs = _session_flow(ours_app), _session_flow(theirs_app)
    assert ours == theirs
    cookies = [step[3] for step in ours]
    assert cookies[0] is None and cookies[1] is None and cookies[5] is None
    assert cookies[2] is not None and cookies[8] is not None
    assert "expires=Thu, 01 Jan 1970 00:00:00 GMT" in cookies[8]
    assert ours[1][2] is None and ours[0][2] == "Cookie"


def test_session_set_cookie_in_full() -> None:
    ours_app, _ = _apps(_SESSION_BUILDS["every-option"])
    r = TestClient(ours_app, base_url="https://example.org").post("/set", json={"a": 1})
    assert _masked(r.headers["set-cookie"]) == (
        "sid=<signed>; path=/; Max-Age=3600; httponly; samesite=strict; secure; "
        "domain=example.org; partitioned"
    )
    ours_app, _ = _apps(_SESSION_BUILDS["browser-session"])
    r = TestClient(ours_app, base_url="https://example.org").post("/set", json={"a": 1})
    assert _masked(r.headers["set-cookie"]) == (
        "session=<signed>; path=/; httponly; samesite=none; secure"
    )


def _starlette_cookie(
    data: dict[str, Any], *, secret: str = SECRET, signed_at: float | None = None
) -> str:
    """A session cookie value exactly as Starlette's SessionMiddleware writes it
    (itsdangerous' TimestampSigner over the base64 JSON), signed at ``signed_at``."""
    itsdangerous = pytest.importorskip("itsdangerous")

    class At(itsdangerous.TimestampSigner):  # type: ignore[misc]
        def get_timestamp(self) -> int:
            return int(time.time() if signed_at is None else signed_at)

    payload = base64.b64encode(json.dumps(data).encode("utf-8"))
    value: bytes = At(secret).sign(payload)
    return value.decode("ascii")


def test_a_cookie_signed_by_starlette_is_read() -> None:
    """A service moving from FastAPI keeps its users logged in: a session cookie
    Starlette's SessionMiddleware wrote with the same secret is read, within
    ``max_age``, and a change writes it back in asgiweb's format."""
    ours_app, theirs_app = _apps(_SESSION_BUILDS["defaults"])
    data = {"user": "ada", "cart": ["é", 2, {"x": None}]}
    # Written by Starlette itself, through FastAPI.
    written = TestClient(theirs_app).post("/set", json=data)
    value = written.headers["set-cookie"].split(";")[0].partition("=")[2]
    stamp = value.split(".")[1]
    signed_at = int.from_bytes(base64.urlsafe_b64decode(stamp + "=" * (-len(stamp) % 4)), "big")
    assert value == _starlette_cookie(data, signed_at=signed_at)  # the helper writes the same
    client = TestClient(ours_app)
    r = client.get("/get", cookies={"session": value})
    assert (r.json(), r.headers.get("set-cookie")) == (data, None)  # read, unchanged
    r = client.post("/set", json={"n": 1}, cookies={"session": value})
    assert r.json() == {**data, "n": 1}
    rewritten = r.headers["set-cookie"].split(";")[0].partition("=")[2]
    assert rewritten != value and client.get("/get", cookies={"session": rewritten}).json() == {
        **data,
        "n": 1,
    }
    # Cleared: the same expired cookie as Starlette sends.
    cleared = client.post("/clear", cookies={"session": value}).headers["set-cookie"]
    theirs = TestClient(theirs_app).post("/clear", cookies={"session": value}).headers["set-cookie"]
    assert cleared == theirs


BAD_STARLETTE_COOKIES: dict[str, Callable[[], str]] = {
    "other-secret": lambda: _starlette_cookie({"user": "eve"}, secret="another secret"),
    "older-than-max-age": lambda: _starlette_cookie(
        {"user": "eve"}, signed_at=time.time() - 15 * 24 * 3600
    ),
    "from-the-future": lambda: _starlette_cookie({"user": "eve"}, signed_at=time.time() + 3600),
    "cut-signature": lambda: _starlette_cookie({"user": "eve"})[:-2],
    "changed-payload": lambda: _starlette_cookie({"user": "eve"}).replace("eyJ", "eyK", 1),
    "garbage": lambda: "e30=.AAAA.AAAA",
}


@pytest.mark.parametrize("case", BAD_STARLETTE_COOKIES)
def test_a_bad_starlette_cookie_is_an_empty_session(case: str) -> None:
    """Signed with another secret, too old, from the future, or tampered: empty, as
    Starlette itself reads it."""
    value = BAD_STARLETTE_COOKIES[case]()
    ours_app, theirs_app = _apps(_SESSION_BUILDS["defaults"])
    assert TestClient(ours_app).get("/get", cookies={"session": value}).json() == {}
    assert TestClient(theirs_app).get("/get", cookies={"session": value}).json() == {}


def test_a_starlette_cookie_respects_a_shorter_max_age() -> None:
    ours_app, theirs_app = _apps(session_app({"max_age": 100}))
    fresh = _starlette_cookie({"a": 1}, signed_at=time.time() - 90)
    stale = _starlette_cookie({"a": 1}, signed_at=time.time() - 110)
    for app in (ours_app, theirs_app):
        assert TestClient(app).get("/get", cookies={"session": fresh}).json() == {"a": 1}
        assert TestClient(app).get("/get", cookies={"session": stale}).json() == {}


def test_our_cookie_is_not_read_by_starlette() -> None:
    """Documented difference (docs/api.md, "Static files, templates, sessions"):
    asgiweb writes its own format (HMAC-SHA256, bound to the cookie's name), which
    Starlette does not read; reading is one-way, from Starlette to asgiweb."""
    ours_app, theirs_app = _apps(_SESSION_BUILDS["defaults"])
    r = TestClient(ours_app).post("/set", json={"user": "ada"})
    value = r.headers["set-cookie"].split(";")[0].partition("=")[2]
    assert TestClient(ours_app).get("/get", cookies={"session": value}).json() == {"user": "ada"}
    assert TestClient(theirs_app).get("/get", cookies={"session": value}).json() == {}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.dictionaries(
        st.text(max_size=6),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=6),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
            max_leaves=5,
        ),
        max_size=4,
    )
)
def test_property_any_starlette_session_is_read_as_written(data: dict[str, Any]) -> None:
    ours_app, _ = _apps(_SESSION_BUILDS["defaults"])
    cookie = _starlette_cookie(data)
    assert TestClient(ours_app).get("/get", cookies={"session": cookie}).json() == data


# -- @app.middleware("http") / BaseHTTPMiddleware ---------------------------------------------


def dispatch_app(fw: Framework) -> Any:
    responses = fw.responses
    app = fw.App()
    events: list[Any] = []

    @app.exception_handler(ValueError)
    async def on_value(request: Any, exc: ValueError) -> Any:
        return responses.JSONResponse({"handled": str(exc)}, status_code=418)

    @app.middleware("http")
    async def inner(request: Any, call_next: Any) -> Any:
        path = request.url.path
        request.state.seen_by = ["inner"]
        if path == "/dispatch-raises":
            raise RuntimeError("boom in dispatch")
        if path == "/dispatch-value":
            raise ValueError("value in dispatch")
        if path == "/dispatch-http":
            raise fw.HTTPException(403, "from dispatch")
        if path == "/replace":
            await call_next(request)
            return responses.PlainTextResponse("replaced", status_code=202, headers={"x-r": "1"})
        if path == "/short-circuit":
            return responses.JSONResponse({"short": True}, status_code=401)
        if path == "/read-body":
            body = await request.body()
            response = await call_next(request)
            response.headers["x-mw-body"] = body.decode()
            return response
        if path == "/catch":
            try:
                return await call_next(request)
            except RuntimeError as exc:
                return responses.PlainTextResponse(f"caught {exc}", status_code=503)
        if path == "/status":
            response = await call_next(request)
            response.status_code = 299
            response.set_cookie("mw", "1", httponly=True)
            return response
        response = await call_next(request)
        response.headers["x-inner"] = "1"
        return response

    @app.middleware("http")
    async def outer(request: Any, call_next: Any) -> Any:
        events.append(("outer", request.url.path))
        response = await call_next(request)
        events.append(("outer-after", response.status_code))
        response.headers["x-outer"] = response.headers.get("x-inner", "no inner header")
        return response

    @app.get("/ok")
    def ok(request: fw.Request):
        return {"seen_by": request.state.seen_by}

    @app.get("/handler-raises")
    def handler_raises():
        raise RuntimeError("boom in handler")

    @app.get("/handler-value")
    def handler_value():
        raise ValueError("v")

    @app.get("/handler-http")
    def handler_http():
        raise fw.HTTPException(404, "nope", headers={"x-e": "1"})

    @app.get("/dispatch-raises")
    @app.get("/dispatch-value")
    @app.get("/dispatch-http")
    @app.get("/replace")
    @app.get("/short-circuit")
    @app.get("/status")
    def plain():
        events.append("handler ran")
        return "inner answer"

    @app.post("/read-body")
    async def read_body(request: fw.Request):
        return {"handler": (await request.body()).decode()}

    @app.get("/catch")
    def catch():
        raise RuntimeError("x")

    @app.get("/stream")
    def stream():
        return responses.StreamingResponse(iter(["a", "b", "c"]), media_type="text/plain")

    @app.get("/background")
    def background(tasks: fw.BackgroundTasks):
        tasks.add_task(events.append, "background task")
        return "queued"

    @app.get("/events")
    def get_events():
        seen = list(events)
        events.clear()
        return seen

    return app


DISPATCH_CALLS = [
    ("GET", "/ok", b""),
    ("GET", "/handler-raises", b""),
    ("GET", "/handler-value", b""),
    ("GET", "/handler-http", b""),
    ("GET", "/dispatch-raises", b""),
    ("GET", "/dispatch-value", b""),
    ("GET", "/dispatch-http", b""),
    ("GET", "/replace", b""),
    ("GET", "/short-circuit", b""),
    ("GET", "/status", b""),
    ("POST", "/read-body", b"hello"),
    ("GET", "/catch", b""),
    ("GET", "/stream", b""),
    ("GET", "/background", b""),
    ("GET", "/nowhere", b""),
]


def _dispatch_answers(app: Any, raise_server_exceptions: bool) -> list[Any]:
    client = TestClient(app, raise_server_exceptions=raise_server_exceptions)
    out: list[Any] = []
    for method, url, body in DISPATCH_CALLS:
        try:
            r = client.request(method, url, content=body)
        except Exception as exc:
            out.append(("raised", type(exc).__name__, str(exc)))
        else:
            headers = sorted(
                (name, value)
                for name, value in r.headers.items()
                if name.startswith("x-") or name in ("content-type", "content-length", "set-cookie")
            )
            out.append((r.status_code, r.text, headers))
        out.append(client.get("/events").json())  # what ran, in which order
    return out


@pytest.mark.parametrize("raise_server_exceptions", [False, True])
def test_function_middleware_as_starlette(raise_server_exceptions: bool) -> None:
    """Errors in the handler and in dispatch (with and without a handler for them:
    the exception handlers sit inside the middleware, so an error raised by
    dispatch is a 500, even an HTTPException), a replaced or short-circuited
    response, a changed status and cookie, the body read in dispatch then in the
    handler, a stream, a background task, request.state, and the order of two
    function middlewares (the last added is the outermost)."""
    ours, theirs = frameworks()
    mine = _dispatch_answers(dispatch_app(ours), raise_server_exceptions)
    reference = _dispatch_answers(dispatch_app(theirs), raise_server_exceptions)
    for call, (a, b) in zip(
        [c for c in DISPATCH_CALLS for _ in (0, 1)], zip(mine, reference, strict=True), strict=True
    ):
        assert a == b, call
    answers = dict(zip([c[1] for c in DISPATCH_CALLS], mine[::2], strict=True))
    assert answers["/ok"][:2] == (200, '{"seen_by":["inner"]}')
    assert answers["/dispatch-http"][0] == ("raised" if raise_server_exceptions else 500)
    assert answers["/read-body"][1] == '{"handler":"hello"}'


def order_app(fw: Framework) -> Any:
    """Every way to add middleware: in the constructor, ``add_middleware`` and the
    decorator; each layer names itself in a header on the way out."""
    Middleware = fw.sub("middleware").Middleware
    base = importlib.import_module(
        ("starlette" if fw.name == "fastapi" else "asgiweb") + ".middleware.base"
    )

    class Named(base.BaseHTTPMiddleware):  # type: ignore[misc,name-defined]
        def __init__(self, app: Any, name: str) -> None:
            super().__init__(app)
            self.name = name

        async def dispatch(self, request: Any, call_next: Any) -> Any:
            request.state.path = [*getattr(request.state, "path", []), self.name]
            response = await call_next(request)
            response.headers.append("x-out", self.name)
            return response

    app = fw.App(middleware=[Middleware(Named, name="ctor-1"), Middleware(Named, name="ctor-2")])
    app.add_middleware(Named, name="added-1")

    @app.middleware("http")
    async def decorated(request: Any, call_next: Any) -> Any:
        request.state.path = [*getattr(request.state, "path", []), "decorated"]
        response = await call_next(request)
        response.headers.append("x-out", "decorated")
        return response

    app.add_middleware(Named, name="added-2")

    @app.get("/")
    def home(request: fw.Request):
        return request.state.path

    return app


def test_middleware_order_as_starlette() -> None:
    """``App(middleware=[...])``: the first is the outermost, and the list is
    inside whatever ``add_middleware`` and ``@app.middleware`` add later, each of
    which goes outside those before it."""
    ours, theirs = frameworks()
    answers = []
    for fw in (ours, theirs):
        r = TestClient(order_app(fw)).get("/")
        answers.append((r.json(), r.headers.get_list("x-out")))
    assert answers[0] == answers[1]
    assert answers[0][0] == ["added-2", "decorated", "added-1", "ctor-1", "ctor-2"]


def test_function_middleware_streams_and_then_runs_background_tasks() -> None:
    """A streamed body passes through dispatch whole, and the background task runs
    after it, on both; asgiweb's passes each chunk on as it is sent."""
    scope = http_scope("GET", "/stream")
    ours_app, theirs_app = _apps(dispatch_app)
    mine, reference = exchange(ours_app, scope), exchange(theirs_app, scope, conform=False)
    assert mine == reference and mine["body"] == b"abc"
    peer = Peer()
    _run(ours_app, copy.deepcopy(scope), peer, conform=True)
    assert [chunk for chunk in peer.chunks if chunk] == [b"a", b"b", b"c"]


def test_a_body_streamed_in_dispatch_still_reaches_the_handler() -> None:
    """Documented difference (docs/middleware.md): a body the dispatch function
    read, through ``request.body()`` or ``request.stream()``, is given to the
    handler again; after ``stream()`` Starlette gives the handler an empty body."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.middleware("http")
        async def read_it(request: Any, call_next: Any) -> Any:
            chunks = [chunk async for chunk in request.stream()]
            response = await call_next(request)
            response.headers["x-read"] = str(len(b"".join(chunks)))
            return response

        @app.post("/echo")
        async def echo(request: fw.Request):
            return {"handler": (await request.body()).decode()}

        return app

    scope = http_scope("POST", "/echo")
    ours_app, theirs_app = _apps(build)
    peer = Peer([b"ab", b"cd"])
    _run(ours_app, copy.deepcopy(scope), peer, conform=True)
    assert (peer.body, peer.header("x-read")) == (b'{"handler":"abcd"}', "4")
    peer = Peer([b"ab", b"cd"])
    _run(theirs_app, copy.deepcopy(scope), peer, conform=False)
    assert (peer.body, peer.header("x-read")) == (b'{"handler":""}', "4")


# -- properties over generated inputs ----------------------------------------------------------


def _chunked_app(fw: Framework) -> Any:
    """Streams the ``n`` bytes asked for in the chunks asked for, or answers them whole."""
    responses = fw.responses
    app = fw.App()
    app.add_middleware(middleware_class(fw, "gzip", "GZipMiddleware"), minimum_size=64)

    @app.get("/body")
    def body(sizes: str, stream: bool = False, media: str = "text/plain"):
        parts = [
            ("z" * int(size) + "0123456789abcdef" * 2)[: int(size)] for size in sizes.split(",")
        ]
        if stream:
            return responses.StreamingResponse(iter(parts), media_type=media)
        return responses.Response("".join(parts), media_type=media)

    return app


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes=st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=5),
    stream=st.booleans(),
    media=st.sampled_from(["text/plain", "application/json", "text/event-stream", "image/png"]),
    accept=st.sampled_from([a for a in ACCEPT_ENCODINGS if a is not None] + ["gzip;q=0.001"]),
)
def test_property_gzip_as_starlette(
    sizes: list[int], stream: bool, media: str, accept: str
) -> None:
    """Any body size around ``minimum_size``, whole or in chunks, of any of these
    media types, for any of these Accept-Encoding values: the same headers and
    the same body once decompressed."""
    query = f"sizes={','.join(map(str, sizes))}&stream={str(stream).lower()}&media={media}"
    scope = http_scope("GET", "/body", [("accept-encoding", accept)], query_string=query.encode())
    if stream and not any(sizes):
        # Documented difference: an empty stream (its only message the last, empty
        # one) is sent as it is; Starlette sees the empty chunk first and codes
        # nothing into a 20-byte gzip stream.
        ours, theirs = answers_of(_chunked_app, scope)
        assert ours["raw_length"] == 0 and header(ours, "content-encoding") is None
        assert ours["body"] == theirs["body"] == b""
        return
    same(_chunked_app, scope)


_HOST_CHARS = st.sampled_from([*"abcxyzABC019.-_~%!$&'()*+,;=:[]@/ ", "::1", "v1.x"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    host=st.lists(_HOST_CHARS, max_size=12).map("".join)
    | st.builds(
        "{}{}{}".format,
        st.sampled_from(["example.com", "www.example.com", "a.example.com", "[::1]", "[fe80::1]"]),
        st.sampled_from(["", ":", ":80", ":443", ":8000", ":x", "::1", "]"]),
        st.sampled_from(["", ".", " ", "@x"]),
    ),
    config=st.sampled_from(sorted(TRUSTED_CONFIGS)),
)
def test_property_hosts_as_starlette(host: str, config: str) -> None:
    """Any Host value, well-formed or not, through TrustedHost (allowed, refused,
    redirected) and HTTPSRedirect (the redirect's host, or the server's): the same
    answers."""
    headers = [("host", host)]
    scope = http_scope("GET", "/p", headers, query_string=b"q=1")
    if re.search(r"%(?![0-9A-Fa-f]{2})", host):
        # Documented difference: a "%" that starts no percent-encoding (RFC 3986
        # §2.1) makes the Host malformed (Starlette takes it as part of the name).
        ours, _ = answers_of(https_app, scope)
        assert header(ours, "location") == "https://testserver/p?q=1"
        return
    same(_TRUSTED_BUILDS[config], scope)
    parsed = parse_host(host)
    if (
        parsed is not None
        and parsed[1] in ("80", "443")
        and (parsed[0].startswith("[") or parsed[0] != parsed[0].lower())
    ):
        # Documented differences (see test_https_redirect_location_differences): the
        # host as sent, an IP literal with its brackets, when the port is dropped.
        ours, _ = answers_of(https_app, scope)
        assert header(ours, "location") == f"https://{parsed[0]}/p?q=1"
        return
    same(https_app, scope)


def handlers_around_dispatch_app(fw: Framework) -> Any:
    responses = fw.responses
    app = fw.App()

    @app.exception_handler(Exception)
    async def on_any(request: Any, exc: Exception) -> Any:
        return responses.JSONResponse(
            {"any": type(exc).__name__}, status_code=500, headers={"x-handler": "any"}
        )

    @app.exception_handler(fw.BaseHTTPException)
    async def on_http(request: Any, exc: Any) -> Any:
        return responses.JSONResponse({"http": exc.detail}, status_code=exc.status_code)

    @app.middleware("http")
    async def dispatch(request: Any, call_next: Any) -> Any:
        if request.url.path == "/dispatch-raises":
            raise RuntimeError("in dispatch")
        if request.url.path == "/dispatch-http":
            raise fw.HTTPException(409, "conflict")
        return await call_next(request)

    @app.get("/handler-raises")
    def handler_raises():
        raise RuntimeError("in handler")

    @app.get("/handler-http")
    def handler_http():
        raise fw.HTTPException(418, "tea")

    @app.get("/dispatch-raises")
    @app.get("/dispatch-http")
    def unreached():
        return "unreached"

    return app


@pytest.mark.parametrize("raise_server_exceptions", [False, True])
@pytest.mark.parametrize(
    "path", ["/handler-raises", "/handler-http", "/dispatch-raises", "/dispatch-http", "/nowhere"]
)
def test_an_exception_handler_for_500_sees_errors_from_dispatch(
    path: str, raise_server_exceptions: bool
) -> None:
    """A handler for ``Exception`` (the 500 handler) sits outside the middleware, so
    it answers an error raised by a dispatch function, an HTTPException included;
    the HTTPException handler sits inside and sees only the handler's and the
    router's.  With ``raise_server_exceptions`` the error still reaches the test."""
    got = []
    for fw in frameworks():
        client = TestClient(
            handlers_around_dispatch_app(fw), raise_server_exceptions=raise_server_exceptions
        )
        try:
            r = client.get(path)
        except Exception as exc:
            got.append(("raised", type(exc).__name__))
        else:
            got.append((r.status_code, r.json(), r.headers.get("x-handler")))
    assert got[0] == got[1]
    if path == "/dispatch-http" and not raise_server_exceptions:
        assert got[0] == (500, {"any": "HTTPException"}, "any")


def rewrap_app(fw: Framework) -> Any:
    responses = fw.responses
    background = importlib.import_module(
        ("starlette" if fw.name == "fastapi" else "asgiweb") + ".background"
    )
    app = fw.App()
    events: list[Any] = []

    @app.middleware("http")
    async def dispatch(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        if request.url.path.startswith("/rewrap"):
            # The logging pattern: read the body, answer a new response with it.
            body = b"".join([chunk async for chunk in response.body_iterator])
            events.append(("read", body.decode()))
            headers = {k: v for k, v in response.headers.items() if k != "content-length"}
            return responses.Response(
                body + b"!", status_code=response.status_code, headers=headers
            )
        if request.url.path == "/later":
            response.background = background.BackgroundTask(events.append, "dispatch's task")
        return response

    @app.get("/rewrap")
    def rewrap():
        return responses.JSONResponse({"a": 1}, status_code=201, headers={"x-one": "1"})

    @app.get("/rewrap-stream")
    def rewrap_stream(tasks: fw.BackgroundTasks):
        tasks.add_task(events.append, "handler's task")
        return responses.StreamingResponse(iter(["x", "y"]), media_type="text/plain")

    @app.get("/later")
    def later(tasks: fw.BackgroundTasks):
        tasks.add_task(events.append, "handler's task")
        return "later"

    @app.get("/events")
    def get_events():
        seen = list(events)
        events.clear()
        return seen

    return app


def _rewrap_answers(app: Any, path: str) -> tuple[Any, ...]:
    client = TestClient(app)
    r = client.get(path)
    return r.status_code, r.text, sorted(r.headers.items()), client.get("/events").json()


@pytest.mark.parametrize("path", ["/rewrap", "/rewrap-stream"])
def test_reading_the_body_in_dispatch_as_starlette(path: str) -> None:
    """``response.body_iterator`` read in dispatch, then a new response: the same
    answer, and the handler's background task still runs."""
    ours, theirs = frameworks()
    assert _rewrap_answers(rewrap_app(ours), path) == _rewrap_answers(rewrap_app(theirs), path)


def test_a_background_task_set_in_dispatch_runs_after_the_handlers() -> None:
    """Documented difference (docs/middleware.md): a background task set on the
    response ``call_next`` returned runs after the handler's own (the inner app
    ends first, as layers unwind); Starlette runs it first.  Both run after the
    response has been sent."""
    ours, theirs = frameworks()
    mine = _rewrap_answers(rewrap_app(ours), "/later")
    reference = _rewrap_answers(rewrap_app(theirs), "/later")
    assert mine[:3] == reference[:3]
    assert mine[3] == ["handler's task", "dispatch's task"]
    assert reference[3] == ["dispatch's task", "handler's task"]


@pytest.mark.parametrize(
    ("extra", "ours_status", "starlette_status"),
    [
        # Two Access-Control-Request-Headers lines are one list (RFC 9110 §5.3):
        # a refused name on the second line is refused (Starlette reads the first only).
        (
            [
                ("access-control-request-headers", "x-token"),
                ("access-control-request-headers", "x-bad"),
            ],
            400,
            200,
        ),
        (
            [
                ("access-control-request-headers", "x-token"),
                ("access-control-request-headers", "x-other"),
            ],
            200,
            200,
        ),
    ],
)
def test_cors_reads_request_headers_over_several_lines(
    extra: list[tuple[str, str]], ours_status: int, starlette_status: int
) -> None:
    """Documented difference (docs/api.md, "Middleware")."""
    headers = [("origin", "https://a.example"), ("access-control-request-method", "GET"), *extra]
    ours, theirs = answers_of(_CORS_BUILDS["listed"], http_scope("OPTIONS", "/", headers))
    assert (ours["status"], theirs["status"]) == (ours_status, starlette_status)


def test_a_websocket_sees_the_session_as_starlette() -> None:
    """The session is read for a WebSocket too (from our cookie or Starlette's);
    nothing is written back (a handshake's answer sets no cookie)."""

    def build(fw: Framework) -> Any:
        app = session_app({})(fw)

        @app.websocket("/ws")
        async def ws(websocket: fw.WebSocket):
            await websocket.accept()
            await websocket.send_json(dict(websocket.session))
            websocket.session["changed"] = True
            await websocket.close()

        return app

    ours_app, theirs_app = _apps(build)
    starlette_value = _starlette_cookie({"user": "ada"})
    ours_value = (
        (TestClient(ours_app).post("/set", json={"user": "bob"}).headers["set-cookie"])
        .split(";")[0]
        .partition("=")[2]
    )
    seen = []
    for app, value in [
        (ours_app, starlette_value),
        (theirs_app, starlette_value),
        (ours_app, ours_value),
        (ours_app, "tampered"),
        (theirs_app, "tampered"),
    ]:
        with TestClient(app).websocket_connect("/ws", cookies={"session": value}) as session:
            seen.append(session.receive_json())
    assert seen == [{"user": "ada"}, {"user": "ada"}, {"user": "bob"}, {}, {}]


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("cors", "CORSMiddleware"),
        ("gzip", "GZipMiddleware"),
        ("trustedhost", "TrustedHostMiddleware"),
        ("httpsredirect", "HTTPSRedirectMiddleware"),
        ("sessions", "SessionMiddleware"),
        ("base", "BaseHTTPMiddleware"),
    ],
)
def test_constructors_take_starlettes_arguments_in_its_order(module: str, name: str) -> None:
    """Positional arguments mean the same on both sides (``Middleware(cls, *args)``
    and ``cls(app, ...)`` written for Starlette keep working): the same names, in
    the same order, of the same kinds, with the same defaults (the excluded
    content types as a set)."""
    import inspect

    def shape(cls: Any) -> list[tuple[str, str, Any]]:
        out = []
        for parameter in inspect.signature(cls).parameters.values():
            default = parameter.default
            if parameter.name == "exclude_content_types":
                default = frozenset(default)
            out.append((parameter.name, parameter.kind.name, default))
        return out

    ours = getattr(importlib.import_module(f"asgiweb.middleware.{module}"), name)
    theirs = getattr(importlib.import_module(f"starlette.middleware.{module}"), name)
    assert shape(ours) == shape(theirs)


def failing_stream_app(fw: Framework) -> Any:
    app = fw.App()

    @app.middleware("http")
    async def dispatch(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-mw"] = "1"
        return response

    @app.get("/cut")
    def cut():
        def parts() -> Any:
            yield "a" * 10
            raise RuntimeError("mid-stream")

        return fw.responses.StreamingResponse(parts(), media_type="text/plain")

    return app


def test_a_stream_failing_behind_function_middleware_stays_unfinished() -> None:
    """Documented difference (docs/middleware.md): when the handler's stream fails
    after its start, the response is left unfinished (no last body message: the
    server drops the connection, so the client knows the body is cut), as without
    middleware; Starlette's BaseHTTPMiddleware sends an empty last body message,
    which makes the cut body look complete.  Both re-raise the error."""
    ours_app, theirs_app = _apps(failing_stream_app)
    sent = []
    for app in (ours_app, theirs_app):
        peer = Peer()
        assert _run(app, http_scope("GET", "/cut"), peer, conform=app is ours_app) == (
            "RuntimeError"
        )
        sent.append([(m["type"], m.get("body"), m.get("more_body")) for m in peer.sent])
    start = ("http.response.start", None, None)
    assert sent[0] == [start, ("http.response.body", b"a" * 10, True)]
    assert sent[1] == [*sent[0], ("http.response.body", b"", False)]


def full_stack_app(fw: Framework) -> Any:
    """Every middleware at once, in the order a service would add them."""
    app = fw.App()

    @app.middleware("http")
    async def tag(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        response.headers["x-mw"] = "1"
        return response

    app.add_middleware(middleware_class(fw, "sessions", "SessionMiddleware"), secret_key=SECRET)
    app.add_middleware(middleware_class(fw, "gzip", "GZipMiddleware"), minimum_size=50)
    app.add_middleware(
        middleware_class(fw, "cors", "CORSMiddleware"),
        allow_origins=["https://a.example"],
        allow_credentials=True,
        expose_headers=["x-mw"],
    )
    app.add_middleware(
        middleware_class(fw, "trustedhost", "TrustedHostMiddleware"),
        allowed_hosts=["testserver", "www.shop.example"],
    )

    @app.get("/big")
    async def big(request: fw.Request):
        return {"v": "x" * 200, "session": dict(request.session)}

    @app.get("/stream")
    def stream():
        return fw.responses.StreamingResponse(iter(["a" * 100, "b"]), media_type="text/plain")

    @app.get("/small-error")
    def small_error():
        raise fw.HTTPException(400, "bad")

    return app


def test_a_full_stack_as_starlette() -> None:
    """TrustedHost, CORS, GZip, sessions and a function middleware together: the
    same answers, but for the one difference below."""
    headers = [("host", "testserver"), ("origin", "https://a.example"), ("accept-encoding", "gzip")]
    for method, path, extra in [
        ("GET", "/stream", []),
        ("OPTIONS", "/big", [("access-control-request-method", "GET")]),
    ]:
        answer = same(full_stack_app, http_scope(method, path, [*headers, *extra]))
        assert header(answer, "access-control-allow-origin") == "https://a.example"
    moved = same(full_stack_app, http_scope("GET", "/big", [("host", "shop.example")]))
    assert header(moved, "location") == "http://www.shop.example/big"
    assert same(full_stack_app, http_scope("GET", "/big", [("host", "evil")]))["status"] == 400


def test_function_middleware_keeps_the_responses_length() -> None:
    """Documented difference (docs/middleware.md): the response ``call_next``
    returns goes out as the handler sent it, ``content-length`` and all, so a GZip
    layer outside treats it as it would without the function middleware (a small
    body stays as it is).  Starlette's turns every response into a stream without
    ``content-length``, which GZip then compresses whatever its size."""
    headers = [("host", "testserver"), ("origin", "https://a.example"), ("accept-encoding", "gzip")]
    ours, theirs = answers_of(full_stack_app, http_scope("GET", "/small-error", headers))
    assert ours["body"] == theirs["body"] == b'{"detail":"bad"}'
    assert (header(ours, "content-length"), header(ours, "content-encoding")) == ("16", None)
    assert (header(theirs, "content-length"), header(theirs, "content-encoding")) == (None, "gzip")
    ours, theirs = answers_of(full_stack_app, http_scope("GET", "/big", headers))
    assert ours["body"] == theirs["body"]
    assert header(ours, "content-length") == str(ours["raw_length"])
    assert header(theirs, "content-length") is None
