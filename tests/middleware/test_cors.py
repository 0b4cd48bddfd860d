"""CORSMiddleware driven as a bare ASGI app around a fixed endpoint."""

from __future__ import annotations

import re
from typing import Any

import pytest

from asgiweb.middleware.cors import ALL_METHODS, CORSMiddleware
from asgiweb.types import Receive, Scope, Send
from tests.harness import http_scope
from tests.middleware.helpers import Endpoint, body_of, header, headers_of, sent_by

# -- CORS ---------------------------------------------------------------------------


def preflight(
    origin: str = "https://example.org", method: str = "GET", request_headers: str | None = None
) -> dict[str, Any]:
    headers = [("origin", origin), ("access-control-request-method", method)]
    if request_headers is not None:
        headers.append(("access-control-request-headers", request_headers))
    return http_scope("OPTIONS", "/", headers)


@pytest.mark.parametrize("config", [{"allow_origins": ["*"]}, {"allow_origins": ["https://a.org"]}])
def test_cors_request_without_origin_only_gains_vary(config: dict[str, Any]) -> None:
    inner = Endpoint(headers=[(b"content-type", b"text/plain"), (b"vary", b"Accept")])
    app = CORSMiddleware(inner, **config)
    messages = sent_by(app, http_scope("GET", "/", [("host", "example.org")]))
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
    messages = sent_by(CORSMiddleware(inner, allow_origins=["*"]), scope)
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
    messages = sent_by(app, preflight(method="POST", request_headers="x-token, Content-Type"))
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
    start = sent_by(app, preflight())[0]
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
    messages = sent_by(app, scope)
    assert inner.calls == []
    assert messages[0]["status"] == 400
    assert body_of(messages).decode() == text
    assert header(messages[0], "content-length") == str(len(text))
    if "origin" in text:
        assert header(messages[0], "access-control-allow-origin") is None
    else:
        assert header(messages[0], "access-control-allow-origin") == "https://example.org"


@pytest.mark.parametrize(
    "requested", [" X-TOKEN ,accept,", " X-TOKEN ,accept", "X-Token, Accept", "x-token,ACCEPT "]
)
def test_cors_preflight_headers_match_case_insensitively_and_tolerate_spaces(
    requested: str,
) -> None:
    inner = Endpoint()
    app = CORSMiddleware(inner, allow_origins=["*"], allow_headers=["x-token"])
    messages = sent_by(app, preflight(request_headers=requested))
    start = messages[0]
    assert start["status"] == 200
    assert body_of(messages) == b"OK"
    assert inner.calls == []
    # The answer names what is allowed (the safelisted headers and the configured
    # one, as configured), whatever case and spacing the request used.
    assert header(start, "access-control-allow-headers") == (
        "Accept, Accept-Language, Content-Language, Content-Type, x-token"
    )
    assert header(start, "access-control-allow-origin") == "*"
    assert header(start, "access-control-allow-methods") == "GET"


@pytest.mark.parametrize("requested", [" X-TOKEN ,accept", "X-Token, Accept", "x-token,ACCEPT "])
def test_cors_preflight_case_insensitive_headers_as_starlette(requested: str) -> None:
    # Starlette refuses an empty list item (the trailing comma above); on the rest
    # both middlewares must send the same status, headers and body.
    reference = pytest.importorskip("starlette.middleware.cors")
    scope = preflight(request_headers=requested)
    ours = sent_by(
        CORSMiddleware(Endpoint(), allow_origins=["*"], allow_headers=["x-token"]), scope
    )
    theirs = sent_by(
        reference.CORSMiddleware(Endpoint(), allow_origins=["*"], allow_headers=["x-token"]),
        preflight(request_headers=requested),
    )
    assert ours[0]["status"] == theirs[0]["status"] == 200
    assert sorted(ours[0]["headers"]) == sorted(theirs[0]["headers"])
    assert body_of(ours) == body_of(theirs)


def test_cors_preflight_all_headers_echoes_request() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_headers=["*"])
    start = sent_by(app, preflight(request_headers="X-Anything, X-Else"))[0]
    assert start["status"] == 200
    assert header(start, "access-control-allow-headers") == "X-Anything, X-Else"
    assert header(sent_by(app, preflight())[0], "access-control-allow-headers") is None


def test_cors_all_methods() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_methods=["*"])
    for method in ALL_METHODS:
        start = sent_by(app, preflight(method=method))[0]
        assert start["status"] == 200
        assert header(start, "access-control-allow-methods") == ", ".join(ALL_METHODS)
    assert sent_by(app, preflight(method="PURGE"))[0]["status"] == 400


def test_cors_preflight_with_credentials_echoes_origin() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_credentials=True)
    start = sent_by(app, preflight(origin="https://x.org"))[0]
    assert start["status"] == 200
    assert header(start, "access-control-allow-origin") == "https://x.org"
    assert header(start, "access-control-allow-credentials") == "true"


def test_cors_private_network() -> None:
    scope = preflight()
    scope["headers"].append((b"access-control-request-private-network", b"true"))
    denied = sent_by(CORSMiddleware(Endpoint(), allow_origins=["*"]), scope)
    assert denied[0]["status"] == 400
    assert body_of(denied) == b"Disallowed CORS private-network"
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_private_network=True)
    start = sent_by(app, scope)[0]
    assert start["status"] == 200
    assert header(start, "access-control-allow-private-network") == "true"


def test_cors_options_without_request_method_reaches_app() -> None:
    inner = Endpoint()
    app = CORSMiddleware(inner, allow_origins=["*"])
    messages = sent_by(app, http_scope("OPTIONS", "/", [("origin", "https://a.org")]))
    assert len(inner.calls) == 1
    assert body_of(messages) == b"hello"
    assert header(messages[0], "access-control-allow-origin") == "*"


def test_cors_simple_wildcard() -> None:
    inner = Endpoint()
    app = CORSMiddleware(inner, allow_origins=["*"])
    messages = sent_by(app, http_scope("GET", "/", [("origin", "https://a.org")]))
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
    start = sent_by(app, http_scope("GET", "/", [("origin", "https://a.org")]))[0]
    assert header(start, "access-control-allow-origin") == "*"


def test_cors_simple_with_credentials_echoes_origin() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["*"], allow_credentials=True)
    start = sent_by(app, http_scope("GET", "/", [("origin", "https://a.org"), ("cookie", "s=1")]))[
        0
    ]
    assert header(start, "access-control-allow-origin") == "https://a.org"
    assert header(start, "access-control-allow-credentials") == "true"
    assert header(start, "vary") == "Origin"


def test_cors_simple_explicit_origins() -> None:
    app = CORSMiddleware(Endpoint(), allow_origins=["https://a.org", "https://b.org"])
    allowed = sent_by(app, http_scope("GET", "/", [("origin", "https://b.org")]))[0]
    assert header(allowed, "access-control-allow-origin") == "https://b.org"
    assert header(allowed, "vary") == "Origin"
    denied = sent_by(app, http_scope("GET", "/", [("origin", "https://c.org")]))[0]
    assert header(denied, "access-control-allow-origin") is None
    assert header(denied, "vary") == "Origin"


def test_cors_origin_regex_must_match_in_full() -> None:
    app = CORSMiddleware(Endpoint(), allow_origin_regex=r"https://.*\.example\.org")
    ok = sent_by(app, http_scope("GET", "/", [("origin", "https://api.example.org")]))[0]
    assert header(ok, "access-control-allow-origin") == "https://api.example.org"
    evil = "https://api.example.org.evil.com"
    bad = sent_by(app, http_scope("GET", "/", [("origin", evil)]))[0]
    assert header(bad, "access-control-allow-origin") is None
    pre = sent_by(app, preflight(origin="https://x.example.org"))[0]
    assert pre["status"] == 200
    assert header(pre, "access-control-allow-origin") == "https://x.example.org"
    assert sent_by(app, preflight(origin=evil))[0]["status"] == 400


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
    start = sent_by(app, http_scope("GET", "/", [("origin", "https://a.org")]))[0]
    assert headers_of(start, "access-control-expose-headers") == ["X-Total, X-Page"]
    assert headers_of(start, "access-control-allow-origin") == ["*"]
    assert headers_of(start, "vary") == ["Accept-Encoding, Origin"]


def test_cors_keeps_app_origin_header_for_disallowed_origin() -> None:
    inner = Endpoint(headers=[(b"access-control-allow-origin", b"https://own.org")])
    app = CORSMiddleware(inner, allow_origins=["https://a.org"])
    start = sent_by(app, http_scope("GET", "/", [("origin", "https://other.org")]))[0]
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
