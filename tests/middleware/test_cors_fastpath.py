"""CORSMiddleware's simple-request path: the header lists precomputed per
configuration must give what the general rule gives (docs/api.md, CORS; the
rules in ``asgiweb.middleware.cors``):

- the app's headers named like the ones CORS sets are dropped (names compared
  case-insensitively), the others kept in order;
- then ``access-control-allow-origin`` (``*``, or the echoed origin when it is
  allowed and must be echoed), ``-allow-credentials``, ``-expose-headers``;
- ``Origin`` joins the first ``vary`` line, or a new one is added, unless
  already listed (or ``*``).

A model of that rule, written out plainly here, is checked against the
middleware on generated header lists and configurations.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb.middleware.cors import CORSMiddleware
from asgiweb.types import Message, Receive, Scope, Send
from benchmarks.records import CORS_ORIGIN
from tests.harness import http_scope, run_asgi
from tests.middleware.helpers import sent_by

RawHeaders = list[tuple[bytes, bytes]]


class _Inner:
    """An app answering with a fixed header list (given as a list, tuple or iterator)."""

    def __init__(self, headers: RawHeaders, shape: str = "list") -> None:
        self.headers = headers
        self.shape = shape

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: Any = self.headers
        if self.shape == "tuple":
            headers = tuple(headers)
        elif self.shape == "iterator":
            headers = iter(list(headers))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})


def _model(
    app_headers: RawHeaders,
    origin: bytes,
    *,
    allow_origins: list[str],
    allow_credentials: bool,
    expose: list[str],
) -> RawHeaders:
    allow_all = "*" in allow_origins
    echo = not allow_all or allow_credentials
    added: RawHeaders = []
    if not echo:
        added.append((b"access-control-allow-origin", b"*"))
    if allow_credentials:
        added.append((b"access-control-allow-credentials", b"true"))
    if expose:
        added.append((b"access-control-expose-headers", ", ".join(expose).encode()))
    replaced = {name for name, _ in added}
    if echo and (allow_all or origin.decode("latin-1") in allow_origins):
        added.append((b"access-control-allow-origin", origin))
        replaced.add(b"access-control-allow-origin")
    out = [(n, v) for n, v in app_headers if n.lower() not in replaced] + added
    vary_lines = [i for i, (n, _) in enumerate(out) if n.lower() == b"vary"]
    tokens = {t.strip().lower() for i in vary_lines for t in out[i][1].split(b",") if t.strip()}
    if b"origin" in tokens or b"*" in tokens:
        return out
    if not vary_lines:
        return [*out, (b"vary", b"Origin")]
    first = vary_lines[0]
    value = out[first][1].strip()
    out[first] = (b"vary", value + b", Origin" if value else b"Origin")
    return out


_NAMES = st.sampled_from(
    [
        b"x-one", b"x-two", b"x-thing", b"vary", b"Vary",
        b"access-control-allow-origin", b"Access-Control-Allow-Origin",
        b"access-control-allow-credentials", b"access-control-expose-headers",
        b"set-cookie",
    ]
)  # fmt: skip
_VALUES = st.sampled_from([b"a", b"Accept", b"Accept, Origin", b"*", b"", b"origin", b"x, y"])
_ORIGINS = st.sampled_from([b"https://a.org", b"https://b.org", b"https://evil.org"])
_CONFIGS = st.fixed_dictionaries(
    {
        "allow_origins": st.sampled_from([["*"], ["https://a.org"], ["https://a.org", "*"], []]),
        "allow_credentials": st.booleans(),
        "expose": st.sampled_from([[], ["X-Total"], ["X-Total", "X-Page"]]),
    }
)


@given(
    headers=st.lists(st.tuples(_NAMES, _VALUES), max_size=6),
    origin=_ORIGINS,
    config=_CONFIGS,
    shape=st.sampled_from(["list", "tuple", "iterator"]),
)
def test_simple_request_headers_follow_the_rule(
    headers: RawHeaders, origin: bytes, config: dict[str, Any], shape: str
) -> None:
    inner = _Inner(list(headers), shape)
    app = CORSMiddleware(
        inner,
        allow_origins=config["allow_origins"],
        allow_credentials=config["allow_credentials"],
        expose_headers=config["expose"],
    )
    # Mixed-case names break the ASGI rule (lower-case response header names) on
    # purpose: the middleware must still recognise them, so no conformance check.
    messages = run_asgi(app, http_scope("GET", "/", [("origin", origin)]), conform=False).sent
    assert messages[0]["headers"] == _model(list(headers), origin, **config)
    assert messages[1] == {"type": "http.response.body", "body": b"ok"}
    assert inner.headers == headers  # the app's own list is left alone


def test_the_benchmark_request_gets_star_and_vary() -> None:
    """benchmarks/records.py "cors": GET /plaintext with Origin, allow_origins=["*"]."""
    inner = _Inner([(b"content-length", b"2"), (b"content-type", b"text/plain; charset=utf-8")])
    app = CORSMiddleware(inner, allow_origins=["*"])
    scope = http_scope("GET", "/plaintext", [("accept", "*/*"), ("origin", CORS_ORIGIN)])
    first = sent_by(app, scope)[0]["headers"]
    second = sent_by(app, scope)[0]["headers"]
    expected = [
        (b"content-length", b"2"),
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"access-control-allow-origin", b"*"),
        (b"vary", b"Origin"),
    ]
    assert first == second == expected
    assert first is not second  # a fresh list per response: callers may edit it


def test_the_start_message_is_copied_not_edited() -> None:
    start: Message = {"type": "http.response.start", "status": 200, "headers": []}

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start)
        await send({"type": "http.response.body", "body": b""})

    app = CORSMiddleware(inner, allow_origins=["*"])
    for _ in range(2):
        sent = sent_by(app, http_scope("GET", "/", [("origin", "https://a.org")]))[0]
        assert sent["headers"] == [(b"access-control-allow-origin", b"*"), (b"vary", b"Origin")]
    assert start["headers"] == []


@pytest.mark.parametrize(
    ("config", "origin", "acao"),
    [
        ({"allow_origins": ["*"]}, "https://a.org", "*"),
        ({"allow_origins": ["*"], "allow_credentials": True}, "https://a.org", "https://a.org"),
        ({"allow_origins": ["https://a.org"]}, "https://a.org", "https://a.org"),
        ({"allow_origins": ["https://a.org"]}, "https://c.org", None),
        ({"allow_origin_regex": r"https://.*\.a\.org"}, "https://x.a.org", "https://x.a.org"),
    ],
)
def test_simple_requests_answer_as_starlette(
    config: dict[str, Any], origin: str, acao: str | None
) -> None:
    starlette_cors = pytest.importorskip("starlette.middleware.cors")
    headers = [(b"content-type", b"text/plain"), (b"x-own", b"1")]
    scope = http_scope("GET", "/", [("origin", origin)])
    ours = sent_by(CORSMiddleware(_Inner(headers), **config), scope)[0]["headers"]
    theirs = sent_by(starlette_cors.CORSMiddleware(_Inner(headers), **config), scope)[0]["headers"]

    def cors_part(raw: Any) -> dict[bytes, bytes]:
        return {n.lower(): v for n, v in raw if n.lower().startswith(b"access-control-")}

    assert cors_part(ours) == cors_part(theirs)
    assert dict(cors_part(ours)).get(b"access-control-allow-origin") == (
        None if acao is None else acao.encode()
    )
    assert (b"vary", b"Origin") in ours


def _vary_rule(headers: RawHeaders) -> RawHeaders:
    """``_model`` for a request without ``Origin``: nothing replaced, Vary only."""
    return _model(
        headers, b"", allow_origins=["https://only.org"], allow_credentials=False, expose=[]
    )


@given(
    headers=st.lists(st.tuples(_NAMES, _VALUES), max_size=6),
    config=_CONFIGS,
    shape=st.sampled_from(["list", "tuple", "iterator"]),
)
def test_a_request_without_origin_only_gains_vary(
    headers: RawHeaders, config: dict[str, Any], shape: str
) -> None:
    """Every configuration: the app's CORS-named headers are kept as they are."""
    inner = _Inner(list(headers), shape)
    app = CORSMiddleware(
        inner,
        allow_origins=config["allow_origins"],
        allow_credentials=config["allow_credentials"],
        expose_headers=config["expose"],
    )
    messages = run_asgi(app, http_scope("GET", "/", [("host", "a.org")]), conform=False).sent
    assert messages[0]["headers"] == _vary_rule(list(headers))
    assert inner.headers == headers


@pytest.mark.parametrize("vary", [b"Vary", b"VARY", b"vAry"])
def test_a_mixed_case_vary_is_recognised_every_time(vary: bytes) -> None:
    """Names outside the ASGI rule (lower-case) are lowered on every response, not
    remembered: the tenth response with ``Vary`` is treated as the first was, and
    lower-case names seen in between do not change that."""
    app = CORSMiddleware(_Inner([(b"x-one", b"1"), (vary, b"Origin")]), allow_origins=["*"])
    plain = CORSMiddleware(_Inner([(b"x-one", b"1"), (b"x-two", b"2")]), allow_origins=["*"])
    with_origin = http_scope("GET", "/", [("origin", "https://a.org")])
    without = http_scope("GET", "/")
    for _ in range(10):
        for scope in (with_origin, without):
            run_asgi(plain, scope)
            sent = run_asgi(app, scope, conform=False).sent[0]["headers"]
            # Origin is already listed: no second vary line, no added token.
            assert [v for n, v in sent if n.lower() == b"vary"] == [b"Origin"]
            assert sent[:2] == [(b"x-one", b"1"), (vary, b"Origin")]


@pytest.mark.parametrize("name", [b"Access-Control-Allow-Origin", b"ACCESS-CONTROL-ALLOW-ORIGIN"])
def test_a_mixed_case_cors_header_of_the_app_is_replaced_every_time(name: bytes) -> None:
    app = CORSMiddleware(_Inner([(name, b"https://app.org")]), allow_origins=["*"])
    scope = http_scope("GET", "/", [("origin", "https://a.org")])
    for _ in range(5):
        sent = run_asgi(app, scope, conform=False).sent[0]["headers"]
        assert sent == [(b"access-control-allow-origin", b"*"), (b"vary", b"Origin")]


@pytest.mark.parametrize(
    "config",
    [
        {"allow_origins": ["*"]},
        {"allow_origins": ["*"], "allow_credentials": True},
        {"allow_origins": ["https://a.org"], "allow_headers": ["*"]},
    ],
)
def test_preflight_answers_are_fresh_lists_with_their_length(config: dict[str, Any]) -> None:
    """An outer middleware editing the sent header list in place (as Starlette's
    MutableHeaders does) must not change the next preflight's answer."""
    app = CORSMiddleware(_Inner([]), **config)

    async def outer(scope: Scope, receive: Receive, send: Send) -> None:
        async def editing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"].append((b"x-outer", b"1"))
            await send(message)

        await app(scope, receive, editing_send)

    headers = [("origin", "https://a.org"), ("access-control-request-method", "GET")]
    scope = http_scope("OPTIONS", "/", [*headers, ("access-control-request-headers", "X-A")])
    for _ in range(3):
        start, body = run_asgi(outer, scope).sent
        names = [n for n, _ in start["headers"]]
        assert names.count(b"x-outer") == 1
        length = dict(start["headers"])[b"content-length"]
        assert int(length) == len(body["body"])
        assert start["status"] == (200 if body["body"] == b"OK" else 400)


def test_a_subclass_rule_for_origins_is_asked_even_for_listed_origins() -> None:
    """Listed origins are matched as bytes first, unless ``is_allowed_origin`` is
    overridden (Starlette users subclass it): then the override decides."""

    class OnlyB(CORSMiddleware):
        def is_allowed_origin(self, origin: str) -> bool:
            return origin == "https://b.org"

    config: dict[str, Any] = {"allow_origins": ["https://a.org"], "allow_credentials": True}
    for cls, a_allowed in ((CORSMiddleware, True), (OnlyB, False)):
        app = cls(_Inner([]), **config)
        for origin, allowed in ((b"https://a.org", a_allowed), (b"https://b.org", not a_allowed)):
            scope = http_scope("GET", "/", [("origin", origin)])
            sent = dict(sent_by(app, scope)[0]["headers"])
            assert sent.get(b"access-control-allow-origin") == (origin if allowed else None)


def test_a_listed_non_ascii_origin_is_still_echoed() -> None:
    app = CORSMiddleware(_Inner([]), allow_origins=["https://caf\xe9.org"])
    origin = "https://caf\xe9.org".encode("latin-1")
    sent = run_asgi(app, http_scope("GET", "/", [("origin", origin)]), conform=False).sent
    assert dict(sent[0]["headers"])[b"access-control-allow-origin"] == origin
