"""Connections and streamed answers, side by side with FastAPI 0.165 / Starlette 1.10.

What a handler sees of its ``Request`` or ``WebSocket`` is returned by the handler
itself (as JSON, or over the socket), so the comparison stays at the level a user
works at: the same app is written once (``build(fw)``, see
``tests/oracle/sidebyside.py``), served by asgiweb and by FastAPI, and what both
clients receive must be equal.  The datastructures (``URL``, ``Headers``,
``QueryParams``, ``ImmutableMultiDict``, ``FormData``, ``UploadFile``, ``State``)
are compared with Starlette's directly, by examples and by hypothesis properties;
``tests/oracle/test_migration.py`` already covers URLs built from strings and
scopes and the editing of ``MutableHeaders``.

The deliberate differences met here are documented and asserted as ours:

- docs/api.md, "Request": the scope carries ``route`` but not Starlette's
  ``endpoint``, ``path_params`` and ``router`` (nor FastAPI's private keys);
- docs/api.md, "Datastructures": ``Headers`` compares names case-insensitively
  even where a raw list breaks the ASGI rule of lowercase names; ``del`` of a
  missing ``State`` attribute is an ``AttributeError`` (Starlette's a ``KeyError``);
- docs/streaming.md, "Differences from FastAPI": items are compact JSON (compared
  decoded here); an error raised mid-stream by an SSE handler ends the stream
  after the events already yielded (FastAPI's client receives none of them);
  ``bytearray``/``memoryview`` chunks are sent as bytes (Starlette's stream fails).
"""

import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from typing import Annotated, Any

import anyio
import pytest
import starlette.background
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from asgiweb.testclient import TestClient
from tests.harness import Peer, drive, http_scope, multipart_body, run_asgi
from tests.oracle.sidebyside import Call, Framework, ask, frameworks, same_answers


def _outcome(func: Callable[[], Any]) -> Any:
    """What calling ``func`` gives as JSON-able data: its value, or the error's class
    and text."""
    try:
        return func()
    except Exception as exc:
        return {"raised": type(exc).__name__, "text": str(exc)}


async def _aoutcome(func: Callable[[], Any]) -> Any:
    try:
        return await func()
    except Exception as exc:
        return {"raised": type(exc).__name__, "text": str(exc)}


# -- Request: what a handler sees --------------------------------------------------------


def _request_view(request: Any) -> dict[str, Any]:
    url = request.url
    client = request.client
    return {
        "method": request.method,
        "url": str(url),
        "parts": [
            url.scheme,
            url.netloc,
            url.path,
            url.query,
            url.fragment,
            url.hostname,
            url.port,
            url.is_secure,
        ],
        "base_url": str(request.base_url),
        "headers": request.headers.items(),
        "header_names": sorted(set(request.headers.keys())),
        "dup": request.headers.getlist("x-dup"),
        "first": request.headers.get("X-DUP"),
        "raw": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in request.headers.raw],
        "query": request.query_params.multi_items(),
        "query_str": str(request.query_params),
        "query_last": {key: request.query_params[key] for key in request.query_params},
        "path_params": request.path_params,
        "cookies": request.cookies,
        "client": None if client is None else [client.host, client.port],
        "root_path": request.scope.get("root_path"),
        "path": request.scope.get("path"),
    }


def request_app(fw: Framework) -> Any:
    app = fw.App()
    Request = fw.Request

    @app.api_route("/r/{name}", methods=["GET", "POST", "DELETE"])
    async def named(request: Request, name: str):
        return _request_view(request)

    @app.get("/n/{n:int}/{rest:path}")
    def typed(request: Request):
        return _request_view(request)

    sub = fw.App()

    @sub.get("/in/{x}")
    async def inner(request: Request):
        return _request_view(request)

    app.mount("/m", sub)
    router = fw.Router(prefix="/p")

    @router.get("/{x}")
    async def prefixed(request: Request, x: str):
        return _request_view(request)

    app.include_router(router)
    return app


COOKIE_HEADERS = [
    'a=1; b="quoted"; a=2; junk; =v; c=x=y',
    'd="\\"esc\\""; e=  spaced  ; f="\\101\\102"',
    ";;; ; ",
    'a="unterminated; b=2',
    "sp ace=1; tab\t=2; k=v;",
    "k=v%20w; l=é; m=\\x",
    "",
    "=",
    "name",
    '"=1; x=""',
]

REQUEST_CALLS = [
    Call.get("/r/a"),
    Call.get("/r/a%20b/"),
    Call.get("/r/a%2Fb"),
    Call.get("/r/%E2%82%AC?q=%E2%82%AC"),
    Call.get("/r/a?x=1&x=2&y=&z&a+b=c+d&e=%2B%20&bad=%ff%fe&=v&&"),
    Call.get("/r/a?semi=1;2&amp=%26&eq=a=b&hash=%23"),
    Call("POST", "/r/a?x=1", content=b"ignored"),
    Call("DELETE", "/r/a"),
    Call.get("/r/a", headers=[("X-Dup", "1"), ("x-dup", "2"), ("X-Case", "AbC")]),
    Call.get("/r/a", headers={"x-empty": "", "x-spaces": "  a  b  "}),
    Call.get(
        "/r/a",
        headers={
            "x-forwarded-for": "1.2.3.4",
            "x-forwarded-proto": "https",
            "x-forwarded-host": "elsewhere.example",
            "x-forwarded-prefix": "/prefix",
            "forwarded": "for=1.2.3.4;proto=https",
        },
    ),
    Call.get("/r/a", headers={"host": "example.org:8443"}),
    Call.get("/r/a", headers={"host": "[::1]:8000"}),
    Call.get("https://secure.example/r/a?x=1"),
    Call.get("http://example.org:80/r/a"),
    *(Call.get("/r/a", headers={"cookie": cookie}) for cookie in COOKIE_HEADERS),
    Call.get("/r/a", headers=[("cookie", "a=1"), ("cookie", "b=2")]),
    Call.get("/n/42/x/y%2Fz?n=1"),
    Call.get("/m/in/zz?q=1"),
    Call.get("/m/in/a%20b"),
    Call.get("/p/x"),
]


@pytest.mark.parametrize("root_path", ["", "/api"])
@pytest.mark.parametrize("call", REQUEST_CALLS, ids=repr)
def test_what_a_handler_sees_of_its_request(call: Call, root_path: str) -> None:
    same_answers(request_app, [call], client_options={"root_path": root_path})


def _raw_scope_answers(scope: dict[str, Any]) -> list[Any]:
    """Both apps' answers to one raw scope (headers and query bytes no client sends)."""
    import anyio

    out = []
    for fw in frameworks():
        peer = Peer(disconnect_when_done=True)
        anyio.run(drive, request_app(fw), dict(scope), peer)
        out.append((peer.status, json.loads(peer.body)))
    return out


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ([(b"x-latin", b"caf\xe9"), (b"x-dup", b"\xff"), (b"x-dup", b"\x80")], b""),
        ([(b"cookie", b"a=caf\xe9; b=\xff")], b""),
        ([], b"a=caf%C3%A9&b=%ff%fe&c=\xc3\xa9"),
        ([], b"%e9=%E9&%C3%A9=1"),
        ([(b"host", b"h\xe9st")], b"q=1"),
    ],
)
def test_latin1_bytes_in_headers_and_query(headers: list[Any], query: bytes) -> None:
    scope = http_scope("GET", "/r/x", headers, query_string=query)
    ours, theirs = _raw_scope_answers(scope)
    assert ours == theirs


def test_a_query_string_that_is_not_utf8_reads_as_latin1() -> None:
    """docs/api.md, "Request": Starlette decodes the raw query string of
    ``request.url`` as UTF-8 and fails (a 500) on other bytes; ours falls back to
    latin-1, as ``query_params`` reads them in both."""
    import anyio

    scope = http_scope("GET", "/r/x", query_string=b"a=caf\xe9&b=%ff")
    ours, theirs = frameworks()
    peer = Peer(disconnect_when_done=True)
    anyio.run(drive, request_app(ours), dict(scope), peer)
    seen = json.loads(peer.body)
    assert seen["url"] == "http://testserver/r/x?a=caf\xe9&b=%ff"
    assert seen["query"] == [["a", "caf\xe9"], ["b", "\ufffd"]]
    with pytest.raises(UnicodeDecodeError):
        anyio.run(drive, request_app(theirs), dict(scope), Peer(disconnect_when_done=True))


@pytest.mark.parametrize(
    "overrides",
    [
        {"client": None},
        {"client": ("::1", 1234)},
        {"server": ("::1", 8080)},
        {"server": None},
        {"scheme": "https", "server": ("example.org", 443)},
        {"root_path": "/api", "path": "/api/r/x"},
        {"root_path": "/api", "path": "/r/x"},
    ],
    ids=repr,
)
def test_request_views_of_unusual_scopes(overrides: dict[str, Any]) -> None:
    scope = {**http_scope("GET", "/r/x"), **overrides}
    ours, theirs = _raw_scope_answers(scope)
    assert ours == theirs


# -- Request: the rest of its API --------------------------------------------------------


def request_api_app(fw: Framework) -> Any:
    app = fw.App()
    Request = fw.Request

    @app.get("/app")
    async def app_view(request: Request):
        return {"same_app": request.app is app, "type": request.scope["type"]}

    @app.get("/auth")
    async def auth(request: Request):
        return {
            name: _outcome(lambda name=name: getattr(request, name))
            for name in ("auth", "user", "session")
        }

    @app.get("/state")
    async def state(request: Request):
        request.state.a = 1
        request.state.b = [1]
        return {
            "a": request.state.a,
            "b": request.state.b,
            "in_scope": sorted(request.scope["state"]),
            "missing": _outcome(lambda: request.state.missing),
            "same": request.state is request.state or "new views of one dict",
        }

    @app.post("/body")
    async def body(request: Request):
        raw = await request.body()
        again = await request.body()
        return {"body": raw.decode("latin-1"), "same": raw == again}

    @app.post("/json")
    async def json_(request: Request):
        value = await _aoutcome(request.json)
        # Only the error's class and the value's repr: a lone surrogate is not
        # valid in a JSON answer (how each encodes it is the encoder's business).
        if isinstance(value, dict) and "raised" in value:
            return {"raised": value["raised"]}
        return {"repr": repr(value)}

    @app.post("/stream-after-body")
    async def stream_after_body(request: Request):
        raw = await request.body()
        chunks = [chunk.decode() async for chunk in request.stream()]
        again = [chunk.decode() async for chunk in request.stream()]
        return {"body": raw.decode(), "chunks": chunks, "again": again}

    @app.post("/stream-twice")
    async def stream_twice(request: Request):
        chunks = [chunk.decode() async for chunk in request.stream()]

        async def again():
            return [chunk async for chunk in request.stream()]

        return {
            "chunks": chunks,
            "again": await _aoutcome(again),
            "body": await _aoutcome(request.body),
            "json": await _aoutcome(request.json),
            "disconnected": await request.is_disconnected(),
        }

    @app.post("/disconnected")
    async def disconnected(request: Request):
        await request.body()
        return {"after_body": await request.is_disconnected()}

    @app.get("/items/{item_id}/sub/{n}", name="item")
    async def item(request: Request, item_id: str, n: int):
        urls = {}
        for args in (
            {"item_id": "a b", "n": 3},
            {"item_id": "é", "n": "4"},
            {"item_id": "q?x=1#f", "n": 0},
        ):
            url = request.url_for("item", **args)
            urls[repr(args)] = [str(url), url.path, type(url).__name__]
        urls["mount"] = str(request.url_for("files", path="/a/b.txt"))
        urls["mounted route"] = str(request.url_for("sub:leaf", x="1"))
        # A missing name or parameter: the same error class (the texts differ).
        for args in ({"item_id": "q"}, {"item_id": "q", "n": 1, "extra": 2}):
            urls[repr(args)] = _outcome(lambda args=args: request.url_for("item", **args))["raised"]
        urls["nope"] = _outcome(lambda: request.url_for("nope"))["raised"]
        return urls

    sub = fw.App()

    @sub.get("/leaf/{x}", name="leaf")
    async def leaf(x: str):
        return x

    app.mount("/sub", sub, name="sub")
    files = fw.App()
    app.mount("/files", files, name="files")
    return app


REQUEST_API_CALLS = [
    Call.get("/app"),
    Call.get("/auth"),
    Call.get("/state"),
    Call.post("/body", content=b""),
    Call.post("/body", content=b"\x00\xff binary"),
    Call.post("/body", content=[b"in ", b"three ", b"chunks"]),
    *(
        Call.post("/json", content=body)
        for body in (
            b"",
            b'{"a": 1}',
            b'\xef\xbb\xbf{"a": 1}',
            b'{"a": ',
            b"\xff",
            '{"a":"é"}'.encode("utf-16"),
            '["é"]'.encode("utf-32-be"),
            b"[1, NaN, Infinity, -Infinity]",
            b' {"a": 1} \n',
            b'"\xed\xa0\x80"',
            b'{"a": 1, "a": 2}',
            b"1e400",
            b"12345678901234567890123",
            b"null",
            b"[",
            b'{"a": 1}{"b": 2}',
        )
    ),
    Call.post("/stream-after-body", content=b"abc"),
    Call.post("/stream-after-body", content=b""),
    Call.post("/stream-twice", content=[b"ab", b"cd"]),
    Call.post("/disconnected", content=b"x"),
    Call.get("/items/1/sub/2"),
]


@pytest.mark.parametrize("root_path", ["", "/api"])
@pytest.mark.parametrize("call", REQUEST_API_CALLS, ids=repr)
def test_the_request_api_as_fastapi(call: Call, root_path: str) -> None:
    same_answers(request_api_app, [call], client_options={"root_path": root_path})


def _leaving_peer() -> Peer:
    """A client that sends ``abc`` and leaves: its disconnect is ready at once."""
    return Peer(
        messages=[
            {"type": "http.request", "body": b"abc", "more_body": False},
            {"type": "http.disconnect"},
        ]
    )


def _disconnect_app(fw: Framework) -> Any:
    app = fw.App()
    seen: list[Any] = []
    app.state.seen = seen

    @app.post("/")
    async def handler(request: fw.Request):
        seen.append(await request.is_disconnected())
        seen.append((await request.body()).decode())
        seen.append(await request.is_disconnected())
        return "done"

    return app


def test_is_disconnected_never_takes_the_body() -> None:
    """docs/api.md, "Request": before the body is read ``is_disconnected()`` says
    False without receiving (Starlette's takes the body's message, and ``body()``
    then waits for ever); once read, both see the client leave."""
    import anyio

    app = _disconnect_app(frameworks()[0])
    anyio.run(drive, app, http_scope("POST", "/"), _leaving_peer())
    assert app.state.seen == [False, "abc", True]


def test_is_disconnected_after_the_body_as_fastapi() -> None:
    import anyio

    seen = []
    for fw in frameworks():
        app = fw.App()

        @app.post("/")
        async def handler(request: fw.Request):
            await request.body()
            request.app.state.seen = [
                await request.is_disconnected(),
                await request.is_disconnected(),
            ]
            return "done"

        peer = _leaving_peer()
        anyio.run(drive, app, http_scope("POST", "/"), peer)
        seen.append((app.state.seen, peer.status, peer.body))
    assert seen[0] == seen[1]
    assert seen[0][0] == [True, True]


def _partial_stream_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/")
    async def handler(request: fw.Request):
        async def first() -> bytes:
            async for chunk in request.stream():
                return chunk
            return b""

        head = await first()
        return {"head": head.decode(), "then": repr(await _aoutcome(request.body))}

    return app


def test_a_stream_left_early_is_consumed() -> None:
    """docs/api.md, "Request": no resuming a stream (Starlette's body() would then
    give the rest of the body only)."""
    call = Call.post("/", content=[b"ab", b"cd"])
    [mine] = ask(_partial_stream_app(frameworks()[0]), [call])
    [reference] = ask(_partial_stream_app(frameworks()[1]), [call])
    assert mine["body"]["head"] == reference["body"]["head"] == "ab"
    assert mine["body"]["then"] == repr({"raised": "RuntimeError", "text": "Stream consumed"})
    assert reference["body"]["then"] == repr(b"cd")


def test_auth_and_user_read_what_an_authentication_middleware_sets() -> None:
    """Starlette's AuthenticationMiddleware is plain ASGI: it serves asgiweb too."""
    from starlette.authentication import (
        AuthCredentials,
        AuthenticationBackend,
        SimpleUser,
    )
    from starlette.middleware.authentication import AuthenticationMiddleware

    class Backend(AuthenticationBackend):
        async def authenticate(self, conn: Any) -> Any:
            name = conn.headers.get("x-user")
            return None if name is None else (AuthCredentials(["read"]), SimpleUser(name))

    def build(fw: Framework) -> Any:
        app = fw.App()
        app.add_middleware(AuthenticationMiddleware, backend=Backend())

        @app.get("/me")
        async def me(request: fw.Request):
            return {
                "scopes": request.auth.scopes,
                "user": type(request.user).__name__,
                "authenticated": request.user.is_authenticated,
                "name": request.user.display_name,
            }

        return app

    answers = same_answers(build, ["/me", Call.get("/me", headers={"x-user": "ada"})])
    assert answers[1]["body"]["name"] == "ada"


def test_the_scope_holds_the_matched_route_but_not_starlettes_other_keys() -> None:
    """docs/api.md, "Request": ``route`` as in FastAPI; no ``endpoint``,
    ``path_params``, ``router`` (a handler reads ``request.path_params``)."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/s/{x}")
        async def scope_keys(request: fw.Request, x: str):
            route = request.scope["route"]
            return {
                "keys": sorted(request.scope),
                "route": [route.path, route.name, sorted(route.methods)],
                "path_params": request.path_params,
            }

        return app

    ours, theirs = frameworks()
    [mine] = ask(build(ours), ["/s/1"])
    [reference] = ask(build(theirs), ["/s/1"])
    assert mine["body"]["route"] == [reference["body"]["route"][0], "scope_keys", ["GET", "HEAD"]]
    assert reference["body"]["route"][1:] == ["scope_keys", ["GET"]]
    assert mine["body"]["path_params"] == reference["body"]["path_params"] == {"x": "1"}
    only_theirs = set(reference["body"]["keys"]) - set(mine["body"]["keys"])
    assert not set(mine["body"]["keys"]) - set(reference["body"]["keys"])
    assert {key for key in only_theirs if not key.startswith(("fastapi_", "starlette."))} == {
        "endpoint",
        "path_params",
        "router",
    }


# -- datastructures as users call them -----------------------------------------------------


def _both_modules() -> tuple[Any, Any]:
    import starlette.datastructures

    import asgiweb.datastructures

    return asgiweb.datastructures, starlette.datastructures


def _same(view: Callable[[Any], Any]) -> Any:
    """``view`` of asgiweb's datastructures module and of Starlette's: equal outcomes."""
    ours, theirs = _both_modules()
    mine, reference = _outcome(lambda: view(ours)), _outcome(lambda: view(theirs))
    assert mine == reference
    return mine


QUERY_STRINGS = [
    "a=1&a=2&b=",
    "a+b=c+d&e=%2B%20",
    "x",
    "=v",
    "a=1;b=2",
    "%ff=%fe",
    "&&a=1&&",
    "a=%",
    "a=%2",
    "a=%zz",
    "é=ü",
    "€=%E2%82%AC",
    "a=1&b=2&a=3",
    "",
    "a==b=c",
]


def _query_views(q: Any) -> list[Any]:
    return [
        q.multi_items(),
        str(q),
        repr(q),
        list(q.keys()),
        list(q.values()),
        list(q.items()),
        dict(q),
        len(q),
        q.getlist("a"),
        q.get("a"),
        q.get("missing", "default"),
        "a" in q,
        list(q),
    ]


@pytest.mark.parametrize("text", QUERY_STRINGS)
def test_query_params_from_a_query_string(text: str) -> None:
    _same(lambda m: _query_views(m.QueryParams(text)))
    if text.isascii():
        _same(lambda m: _query_views(m.QueryParams(text.encode())))
    # The text of one reads back as the same pairs, equal by Starlette's rule.
    _same(lambda m: m.QueryParams(str(m.QueryParams(text))) == m.QueryParams(text))


@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.QueryParams({"a": 1, "b": "x y"}),
        lambda m: m.QueryParams([("a", 1), ("a", 2)]),
        lambda m: m.QueryParams({"a": None}),
        lambda m: m.QueryParams([("a", [1, 2])]),
        lambda m: m.QueryParams(),
        lambda m: m.QueryParams(a=1, b="é"),
        lambda m: m.QueryParams("x=1", a=2),
        lambda m: m.QueryParams(m.QueryParams("a=1&a=2")),
        lambda m: m.QueryParams(m.ImmutableMultiDict([("a", "1"), ("a", "2")]), z=3),
        lambda m: m.ImmutableMultiDict(m.QueryParams("a=1&a=2&b=")),
    ],
)
def test_query_params_from_other_things(build: Callable[[Any], Any]) -> None:
    _same(lambda m: _query_views(build(m)))


@pytest.mark.parametrize(
    "compare",
    [
        lambda m: m.QueryParams("a=1&b=2") == m.QueryParams("b=2&a=1"),
        lambda m: m.QueryParams("a=1&a=2") == m.QueryParams("a=2&a=1"),
        lambda m: m.QueryParams("a=1&a=2") == m.QueryParams("a=2"),
        lambda m: m.QueryParams("a=1") == {"a": "1"},
        lambda m: m.QueryParams("a=1") == "a=1",
        lambda m: m.QueryParams("a=1") != m.QueryParams("a=1"),
        lambda m: (
            m.ImmutableMultiDict([("a", 1), ("b", 2), ("a", 3)])
            == m.ImmutableMultiDict([("b", 2), ("a", 1), ("a", 3)])
        ),
        lambda m: (
            m.ImmutableMultiDict([("a", 1), ("a", 3)]) == m.ImmutableMultiDict([("a", 3), ("a", 1)])
        ),
        lambda m: m.ImmutableMultiDict({"a": "1"}) == {"a": "1"},
        lambda m: m.ImmutableMultiDict([("a", "1")]) == m.QueryParams("a=1"),
        lambda m: m.QueryParams("a=1") == m.ImmutableMultiDict([("a", "1")]),
        lambda m: m.FormData([("a", "1")]) == m.ImmutableMultiDict([("a", "1")]),
        lambda m: m.Headers({"a": "1"}) == {"a": "1"},
        lambda m: (
            m.Headers(raw=[(b"a", b"1"), (b"b", b"2")])
            == m.Headers(raw=[(b"b", b"2"), (b"a", b"1")])
        ),
        lambda m: m.Headers({"a": "1"}) == m.MutableHeaders({"a": "1"}),
    ],
)
def test_equality_as_starlette(compare: Callable[[Any], Any]) -> None:
    _same(compare)


_IMD_PAIRS = [("a", "1"), ("b", "2"), ("a", "3")]


@pytest.mark.parametrize(
    "view",
    [
        lambda d: d["a"],
        lambda d: d.getlist("a"),
        lambda d: d.getlist("zz"),
        lambda d: list(d.keys()),
        lambda d: list(d.values()),
        lambda d: list(d.items()),
        lambda d: d.multi_items(),
        lambda d: len(d),
        lambda d: list(d),
        lambda d: "b" in d,
        lambda d: d.get("zz", "dflt"),
        lambda d: d["zz"],
    ],
)
@pytest.mark.parametrize(
    "build",
    [
        lambda m: m.ImmutableMultiDict(_IMD_PAIRS),
        lambda m: m.ImmutableMultiDict(_IMD_PAIRS, c="4"),
        lambda m: m.ImmutableMultiDict({"a": "1"}),
        lambda m: m.ImmutableMultiDict(m.ImmutableMultiDict(_IMD_PAIRS)),
        lambda m: m.FormData(_IMD_PAIRS),
    ],
)
def test_multi_dicts_read_as_starlette(
    build: Callable[[Any], Any], view: Callable[[Any], Any]
) -> None:
    _same(lambda m: view(build(m)))
    _same(lambda m: repr(build(m)))


_URLS_WITH_QUERIES = [
    "http://a/b?c=1&c=2&d=",
    "http://a/b",
    "http://a/b?x=%20y&z=a+b",
    "/p?q=1#f",
    "http://u:p@h:8/p?a=1#f",
    "https://h/p?a=%E2%82%AC&b=%ff",
]


@pytest.mark.parametrize("url", _URLS_WITH_QUERIES)
@pytest.mark.parametrize(
    "edit",
    [
        lambda u: u.include_query_params(c=3, e="é"),
        lambda u: u.include_query_params(c=[1, 2]),
        lambda u: u.include_query_params(),
        lambda u: u.replace_query_params(z=None),
        lambda u: u.replace_query_params(),
        lambda u: u.replace_query_params(**{"a b": "c&d"}),
        lambda u: u.remove_query_params("c"),
        lambda u: u.remove_query_params([]),
        lambda u: u.remove_query_params(("c", "d", "nothing")),
        lambda u: u.replace(path="/a b").include_query_params(x=1),
        lambda u: u.replace(query="x=1&x=2").remove_query_params("x"),
    ],
)
def test_url_query_param_edits_as_starlette(url: str, edit: Callable[[Any], Any]) -> None:
    result = _same(lambda m: (lambda u: [str(u), u.query, u.path, u.fragment])(edit(m.URL(url))))
    assert not isinstance(result, dict), result  # none of these raise
    _same(lambda m: edit(m.URL(url)) == str(edit(m.URL(url))))


def test_a_url_equals_its_text_and_is_hashable() -> None:
    from asgiweb.datastructures import URL

    url = URL("http://a/b?c=1")
    assert url == "http://a/b?c=1" and url == URL("http://a/b?c=1") and url != "http://a/b"
    assert url != 1
    # Starlette's URL is unhashable; ours hashes as its text, which it equals.
    assert {url: 1}["http://a/b?c=1"] == 1


_RAW_REQUEST_HEADERS = [
    (b"host", b"example.org"),
    (b"x-dup", b"1"),
    (b"cookie", b"a=1"),
    (b"x-dup", b"2"),
    (b"x-latin", b"caf\xe9"),
    (b"x-empty", b""),
]


@pytest.mark.parametrize(
    "view",
    [
        lambda h: h.items(),
        lambda h: h.keys(),
        lambda h: h.values(),
        lambda h: h.raw,
        lambda h: h.getlist("X-Dup"),
        lambda h: h.getlist("missing"),
        lambda h: h.get("X-LATIN"),
        lambda h: h["x-empty"],
        lambda h: h.get("nope", "d"),
        lambda h: "HOST" in h,
        lambda h: repr(h),
        lambda h: h.mutablecopy().raw,
        lambda h: h.mutablecopy() == h,
        lambda h: (lambda c: (c.__setitem__("x-dup", "3"), c.raw, h.raw)[1:])(h.mutablecopy()),
        lambda h: (lambda c: (c.append("x-dup", "4"), c.getlist("x-dup"))[1])(h.mutablecopy()),
    ],
)
def test_request_headers_read_as_starlette(view: Callable[[Any], Any]) -> None:
    _same(lambda m: view(m.Headers(raw=list(_RAW_REQUEST_HEADERS))))
    _same(lambda m: view(m.Headers(scope={"headers": list(_RAW_REQUEST_HEADERS)})))


def test_headers_with_uppercase_raw_names_differ_as_documented() -> None:
    """docs/api.md, "Datastructures": ASGI names are lowercase; a raw list that
    breaks the rule is still read case-insensitively here (Starlette's finds only
    the lowercase lines)."""
    from starlette.datastructures import Headers as TheirHeaders

    from asgiweb.datastructures import Headers

    raw = [(b"X-Up", b"1"), (b"x-up", b"2")]
    ours, theirs = Headers(raw=raw), TheirHeaders(raw=raw)
    assert ours.getlist("x-up") == ["1", "2"] and theirs.getlist("x-up") == ["2"]
    assert ours.items() == [("x-up", "1"), ("x-up", "2")]
    assert theirs.items() == [("X-Up", "1"), ("x-up", "2")]
    assert len(ours) == 1 and len(theirs) == 2  # names once (documented)


def test_state_as_starlette_but_for_deleting_a_missing_attribute() -> None:
    from starlette.datastructures import State as TheirState

    from asgiweb.datastructures import State

    for cls in (State, TheirState):
        state = cls({"a": 1})
        state.b = 2
        assert (state.a, state.b, state._state) == (1, 2, {"a": 1, "b": 2})
        del state.a
        with pytest.raises(AttributeError, match="'State' object has no attribute 'a'"):
            _ = state.a
    with pytest.raises(KeyError):
        del TheirState().nothing
    with pytest.raises(AttributeError):  # docs/api.md: as Python's own objects do
        del State().nothing
    assert not hasattr(State(), "x") and repr(State({"k": 1})) == "State({'k': 1})"


def _upload_view(m: Any, content: bytes) -> Any:
    import anyio

    async def run() -> Any:
        import tempfile

        raw = [(b"content-disposition", b'form-data; name="f"; filename="n.txt"')]
        raw.append((b"content-type", b"text/plain"))
        upload = m.UploadFile(
            tempfile.SpooledTemporaryFile(max_size=4),  # noqa: SIM115 (closed below)
            size=0,
            filename="n.txt",
            headers=m.Headers(raw=raw),
        )
        out: list[Any] = [upload.filename, upload.size, upload.content_type]
        await upload.write(content)
        out.append(upload.size)
        await upload.seek(0)
        out.append(await upload.read(2))
        out.append(await upload.read())
        await upload.seek(1)
        out.append(await upload.read())
        out.append(upload.headers.items())
        await upload.close()
        out.append(upload.file.closed)
        return out

    return anyio.run(run)


@pytest.mark.parametrize("content", [b"", b"abc", b"0123456789" * 3])
def test_upload_file_methods_as_starlette(content: bytes) -> None:
    _same(lambda m: _upload_view(m, content))
    _same(lambda m: m.UploadFile(None, filename="x").content_type)
    _same(lambda m: (lambda u: [u.size, u.filename, u.headers.items()])(m.UploadFile(None)))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.text(st.sampled_from("ab=&+%2Fé€ ;"), max_size=5),
            st.text(st.sampled_from("xy=&+%2Ffé ;"), max_size=5),
        ),
        max_size=5,
    ),
    st.text(st.sampled_from("ab=&+%2Ffé€x;"), max_size=12),
)
def test_generated_query_strings_read_as_starlette(pairs: list[Any], raw: str) -> None:
    """Any query text (raw, or from pairs, encoded) reads as Starlette reads it, and
    the text of what was read reads back the same."""
    _same(lambda m: _query_views(m.QueryParams(raw)))
    _same(lambda m: _query_views(m.QueryParams(pairs)))
    _same(lambda m: str(m.QueryParams(pairs)))
    _same(lambda m: m.QueryParams(str(m.QueryParams(raw))) == m.QueryParams(raw))
    ours, _ = _both_modules()
    read = ours.QueryParams(str(ours.QueryParams(pairs)))
    assert read.multi_items() == [(k, v) for k, v in pairs]


_header_names = st.sampled_from(["a", "x-dup", "cookie", "host", "content-type"])
_header_values = st.binary(max_size=6).map(lambda b: bytes(c for c in b if c not in b"\r\n\0"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(_header_names.map(str.encode), _header_values), max_size=6),
    _header_names,
)
def test_generated_header_lists_read_as_starlette(raw: list[Any], name: str) -> None:
    _same(
        lambda m: (lambda h: [h.items(), h.getlist(name), h.get(name), name in h, repr(h)])(
            m.Headers(raw=list(raw))
        )
    )


_url_texts = st.builds(
    lambda scheme, host, path, query, fragment: f"{scheme}{host}{path}{query}{fragment}",
    st.sampled_from(["http://", "https://", "ws://", ""]),
    st.sampled_from(["a", "u:p@h:81", "[::1]:8", "x.org", ""]),
    st.text(st.sampled_from("/ab%20é"), max_size=6),
    st.text(st.sampled_from("?&=ab+%é"), max_size=8),
    st.sampled_from(["", "#f", "#"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _url_texts,
    st.dictionaries(st.sampled_from(["a", "b", "c d"]), st.sampled_from(["1", "é", ""])),
    st.lists(st.sampled_from(["a", "b", "zz"]), max_size=2),
)
def test_generated_url_query_edits_as_starlette(
    text: str, params: dict[str, str], dropped: list[str]
) -> None:
    def views(u: Any) -> Any:
        return [
            str(u.include_query_params(**params)),
            str(u.replace_query_params(**params)),
            str(u.remove_query_params(dropped)),
            [u.scheme, u.netloc, u.path, u.query, u.fragment],
        ]

    _same(lambda m: views(m.URL(text)))


# -- streamed answers ------------------------------------------------------------------------


def _events(text: str) -> list[dict[str, Any]]:
    """An event stream read as a browser reads it: per event, its fields (data lines
    joined with newlines, then decoded as JSON when they are JSON) and comments."""
    events: list[dict[str, Any]] = []
    for block in text.split("\n\n"):
        if not block:
            continue
        event: dict[str, Any] = {}
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            key = "comment" if field == "" else field
            event.setdefault(key, []).append(value)
        if "data" in event:
            data = "\n".join(event["data"])
            try:
                event["data"] = ["json", json.loads(data)]
            except ValueError:
                event["data"] = ["text", data]
        events.append(event)
    return events


def _lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.split("\n") if line]


def _stream_app(fw: Framework) -> Any:
    app = fw.App()
    StreamingResponse = fw.responses.StreamingResponse
    # FastAPI users take the single task from Starlette.
    background = fw.sub("background") if fw.name == "asgiweb" else starlette.background
    BackgroundTask = background.BackgroundTask
    sse = fw.sub("sse")
    EventSourceResponse, ServerSentEvent = sse.EventSourceResponse, sse.ServerSentEvent
    log: list[Any] = []
    app.state.log = log

    @dataclasses.dataclass
    class Item:
        id: int
        name: str = "n"

    @app.get("/log")
    def read_log():
        return log

    @app.get("/sync")
    def sync_chunks():
        def chunks():
            yield "a"
            yield b"b"
            yield "é"
            yield ""
            yield b"\xff"

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @app.get("/async")
    def async_chunks():
        async def chunks():
            yield "a"
            await anyio.sleep(0)
            yield b"b"
            yield "c" * 70000

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/list")
    def list_chunks():
        return StreamingResponse(
            ["x", b"y"], status_code=201, headers={"x-a": "1"}, media_type="text/csv"
        )

    @app.get("/latin")
    def latin():
        class Latin(StreamingResponse):
            charset = "latin-1"

        return Latin(iter(["é"]), media_type="text/plain")

    @app.get("/background")
    def with_background():
        async def chunks():
            log.append("chunk")
            yield b"1"

        async def task(name: str):
            log.append(name)

        return StreamingResponse(chunks(), background=BackgroundTask(task, "after"))

    @app.get("/background-param")
    def with_background_param(tasks: fw.BackgroundTasks):
        def chunks():
            log.append("chunk")
            yield b"1"

        tasks.add_task(log.append, "task")
        return StreamingResponse(chunks())

    @app.get("/sse", response_class=EventSourceResponse)
    async def events():
        yield {"a": 1}
        yield "plain"
        yield 3
        yield None
        yield [1, "é"]
        yield Item(2)
        yield ServerSentEvent(data={"b": 2}, event="e", id="7", retry=100)
        yield ServerSentEvent(raw_data="l1\nl2\r\nl3")
        yield ServerSentEvent(comment="c1\nc2")
        yield ServerSentEvent(data="multi\nline")
        yield ServerSentEvent(data=Item(1))
        yield ServerSentEvent()
        yield ServerSentEvent(event="only")
        yield ServerSentEvent(data="")
        yield ServerSentEvent(raw_data="")
        yield ServerSentEvent(id="")
        yield ServerSentEvent(data=1.5, comment="with data")

    @app.post("/sse-sync", response_class=EventSourceResponse, status_code=201)
    def events_sync(response: fw.Response, tasks: fw.BackgroundTasks):
        response.headers["x-r"] = "1"
        tasks.add_task(log.append, "sse task")
        yield {"a": 1}
        yield ServerSentEvent(data="x", event="y")

    @app.get("/sse-typed", response_class=EventSourceResponse)
    async def events_typed() -> AsyncIterable[Item]:
        yield {"id": "1"}
        yield Item(2, "z")
        yield ServerSentEvent(data={"not": "validated"})

    @app.get("/jsonl")
    async def lines():
        yield {"a": 1}
        yield "s"
        yield [1, None]
        yield Item(3)

    @app.get("/jsonl-sync", status_code=202)
    def lines_sync(response: fw.Response):
        response.headers["x-r"] = "2"
        yield {"a": 1}
        yield 2

    @app.get("/jsonl-typed")
    async def lines_typed() -> AsyncIterator[Item]:
        yield {"id": "1"}
        yield Item(2, "z")

    @app.get("/jsonl-typed-sync")
    def lines_typed_sync() -> Iterator[Item]:
        yield {"id": "1", "extra": 1}

    @app.get("/jsonl-typed-int")
    async def lines_typed_int() -> AsyncIterator[int]:
        yield "1"
        yield 2.0

    @app.get("/jsonl-typed-exclude", response_model_exclude={"name"})
    async def lines_typed_exclude() -> AsyncIterator[Item]:
        yield {"id": "1"}

    @app.get("/jsonl-typed-explicit", response_model=None)
    async def lines_typed_explicit() -> AsyncIterator[Item]:
        yield {"id": "not checked"}

    @app.get("/jsonl-any")
    async def lines_any() -> AsyncIterator[Any]:
        yield {"id": "as is"}

    @app.get("/raw-typed", response_class=StreamingResponse)
    async def raw_typed() -> AsyncIterator[str]:
        yield "a"
        yield "b"

    @app.get("/jsonl-typed-bad")
    async def lines_typed_bad() -> AsyncIterator[Item]:
        yield {"id": "1"}
        yield {"id": "x"}
        yield {"id": "3"}

    @app.get("/raw", response_class=StreamingResponse)
    async def raw():
        yield "a"
        yield b"b"

    @app.get("/mid-error")
    def mid_error():
        async def chunks():
            yield b"ok"
            raise RuntimeError("mid")

        return StreamingResponse(chunks())

    @app.get("/mid-error-jsonl")
    async def mid_error_lines():
        yield 1
        raise RuntimeError("mid")

    @app.get("/mid-error-sse", response_class=EventSourceResponse)
    async def mid_error_events():
        yield 1
        raise RuntimeError("mid")

    @app.get("/first-error-sse", response_class=EventSourceResponse)
    async def first_error_events():
        raise RuntimeError("first")
        yield 1  # pragma: no cover

    return app


_STREAM_HEADERS = ("content-type", "content-length", "x-a", "x-r", "cache-control")
_SSE_HEADERS = (*_STREAM_HEADERS, "x-accel-buffering")


def _streamed(app: Any, method: str, url: str) -> dict[str, Any]:
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.request(method, url)
        log = client.get("/log").json()
    return {
        "status": response.status_code,
        "body": response.content,
        "headers": {name: response.headers.get(name) for name in _SSE_HEADERS},
        "log": log,
    }


def _stream_answers(method: str, url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    ours, theirs = frameworks()
    return _streamed(_stream_app(ours), method, url), _streamed(_stream_app(theirs), method, url)


@pytest.mark.parametrize(
    "url",
    [
        "/sync",
        "/async",
        "/list",
        "/latin",
        "/background",
        "/background-param",
        "/raw",
        "/raw-typed",
        "/jsonl-typed",
        "/jsonl-typed-sync",
        "/jsonl-typed-int",
        "/jsonl-typed-exclude",
    ],
)
def test_streamed_bytes_as_fastapi(url: str) -> None:
    """Raw chunks, and items FastAPI serialises through their annotated type (compact
    JSON there too): the same bytes."""
    mine, reference = _stream_answers("GET", url)
    assert mine == reference


@pytest.mark.parametrize("url", ["/jsonl", "/jsonl-sync", "/jsonl-typed-explicit", "/jsonl-any"])
def test_json_lines_as_fastapi(url: str) -> None:
    """Untyped items: FastAPI writes ``json.dumps`` spacing, ours compact JSON
    (docs/streaming.md); the lines decode to the same values."""
    mine, reference = _stream_answers("GET", url)
    assert _lines(mine.pop("body").decode()) == _lines(reference.pop("body").decode())
    assert mine == reference
    assert mine["headers"]["content-type"] == "application/jsonl"


@pytest.mark.parametrize(
    ("method", "url"), [("GET", "/sse"), ("POST", "/sse-sync"), ("GET", "/sse-typed")]
)
def test_server_sent_events_as_fastapi(method: str, url: str) -> None:
    mine, reference = _stream_answers(method, url)
    assert _events(mine.pop("body").decode()) == _events(reference.pop("body").decode())
    assert mine == reference
    assert mine["headers"]["cache-control"] == "no-cache"


def test_a_typed_item_that_does_not_fit_cuts_the_stream(caplog: Any) -> None:
    """docs/streaming.md: the lines before it are sent, the error is logged once."""
    mine, reference = _stream_answers("GET", "/jsonl-typed-bad")
    assert mine == reference
    assert mine["body"] == b'{"id":1,"name":"n"}\n'
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="asgiweb"):
        _streamed(_stream_app(frameworks()[0]), "GET", "/jsonl-typed-bad")
    [record] = [r for r in caplog.records if r.exc_info]
    assert type(record.exc_info[1]).__name__ == "ResponseValidationError"
    assert record.exc_info[1].errors()[0]["loc"] == ("response", "id")


@pytest.mark.parametrize("url", ["/mid-error", "/mid-error-jsonl", "/first-error-sse"])
def test_errors_mid_stream_as_fastapi(url: str, caplog: Any) -> None:
    """The status line is out: the client gets what was sent before the error and
    the connection ends; our App logs the error once."""
    mine, reference = _stream_answers("GET", url)
    assert mine == reference
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="asgiweb"):
        _streamed(_stream_app(frameworks()[0]), "GET", url)
    assert len([r for r in caplog.records if r.exc_info]) == 1


def test_an_sse_error_after_events_keeps_the_events_sent(caplog: Any) -> None:
    """docs/streaming.md, "Differences from FastAPI": FastAPI's client gets no event."""
    mine, reference = _stream_answers("GET", "/mid-error-sse")
    assert mine.pop("body") == b"data: 1\n\n" and reference.pop("body") == b""
    assert mine == reference
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="asgiweb"):
        _streamed(_stream_app(frameworks()[0]), "GET", "/mid-error-sse")
    assert len([r for r in caplog.records if r.exc_info]) == 1


def test_bytearray_chunks_are_sent_where_starlette_fails() -> None:
    """docs/streaming.md, "Differences from FastAPI"."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/")
        def chunks():
            async def body():
                yield b"a"
                yield bytearray(b"b")
                yield memoryview(b"c")

            return fw.responses.StreamingResponse(body())

        return app

    ours, theirs = frameworks()
    assert TestClient(build(ours)).get("/").content == b"abc"
    cut = TestClient(build(theirs), raise_server_exceptions=False).get("/").content
    assert cut == b"a"


def test_keep_alive_comments_while_a_handler_is_silent(monkeypatch: Any) -> None:
    """Both send ``: ping`` after the ping interval of silence (15 s, lowered here)."""
    import fastapi.routing

    import asgiweb.sse

    monkeypatch.setattr(asgiweb.sse, "PING_INTERVAL", 0.05)
    monkeypatch.setattr(fastapi.routing, "_PING_INTERVAL", 0.05)

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/slow", response_class=fw.sub("sse").EventSourceResponse)
        async def slow():
            yield "first"
            await anyio.sleep(0.18)
            yield "second"

        return app

    bodies = [TestClient(build(fw)).get("/slow").text for fw in frameworks()]
    for body in bodies:
        events = _events(body)
        assert events[0] == {"data": ["json", "first"]}
        assert events[-1] == {"data": ["json", "second"]}
        pings = events[1:-1]
        assert pings and all(event == {"comment": ["ping"]} for event in pings), body
    assert bodies[0].startswith('data: "first"\n\n: ping\n\n')


# -- WebSocket: what a handler sees and what the client gets -----------------------------


def _ws_view(websocket: Any) -> dict[str, Any]:
    client = websocket.client
    return {
        "url": str(websocket.url),
        "parts": [websocket.url.scheme, websocket.url.netloc, websocket.url.path],
        "query": websocket.query_params.multi_items(),
        "headers": sorted(
            (k, v) for k, v in websocket.headers.items() if k not in ("sec-websocket-key",)
        ),
        "cookies": websocket.cookies,
        "path_params": websocket.path_params,
        "client": None if client is None else [client.host, client.port],
        "base_url": str(websocket.base_url),
        "url_for": str(websocket.url_for("room", room="x y")),
        "auth": _outcome(lambda: websocket.auth),
        "user": _outcome(lambda: websocket.user),
        "session": _outcome(lambda: websocket.session),
        "route": [websocket.scope["route"].path, websocket.scope["route"].name],
        "subprotocols": websocket.scope.get("subprotocols"),
        "states": [websocket.client_state.name, websocket.application_state.name],
    }


def ws_app(fw: Framework) -> Any:
    app = fw.App()
    WebSocket, Depends = fw.WebSocket, fw.Depends
    seen: list[Any] = []
    app.state.seen = seen

    def cookie_of(websocket: WebSocket) -> str:
        return websocket.cookies.get("k", "none")

    @app.websocket("/info/{room}", name="room")
    async def info(websocket: WebSocket, room: str, k: Annotated[str, Depends(cookie_of)]):
        view = _ws_view(websocket)
        websocket.state.hits = 1
        await websocket.accept(subprotocol="b", headers=[(b"x-h", b"v")])
        view["after_accept"] = [websocket.client_state.name, websocket.application_state.name]
        await websocket.send_json({**view, "dep": k, "state": websocket.state.hits})
        try:
            await websocket.receive_text()
        except fw.WebSocketDisconnect as exc:
            seen.append(["disconnect", exc.code, exc.reason])
        seen.append([websocket.client_state.name, websocket.application_state.name])

    @app.websocket("/messages")
    async def messages(websocket: WebSocket):
        await websocket.accept()
        got: list[Any] = [await websocket.receive_json(mode="binary")]
        got.append(await _aoutcome(lambda: websocket.receive_json(mode="binary")))
        message = await websocket.receive()
        got.append([message["type"], message.get("text"), message.get("bytes")])
        got.append(await websocket.receive_bytes())
        await websocket.send_json([g.decode() if isinstance(g, bytes) else g for g in got])
        await websocket.send_json({"é": "ü"})
        await websocket.send_json({"é": "ü"}, mode="binary")
        await websocket.send({"type": "websocket.send", "text": "raw"})
        async for text in websocket.iter_text():
            await websocket.send_text(text * 2)
        seen.append([websocket.client_state.name, websocket.application_state.name])

    @app.websocket("/close/{code}")
    async def close(websocket: WebSocket, code: int, reason: str | None = None):
        await websocket.accept()
        await websocket.close(code, reason)
        seen.append([websocket.client_state.name, websocket.application_state.name])

    @app.websocket("/close-default")
    async def close_default(websocket: WebSocket):
        await websocket.accept()
        await websocket.close()

    @app.websocket("/refuse/{code}")
    async def refuse(websocket: WebSocket, code: int):
        await websocket.close(code, "no thanks")
        seen.append([websocket.client_state.name, websocket.application_state.name])

    @app.websocket("/iter-bytes")
    async def iter_bytes(websocket: WebSocket):
        await websocket.accept()
        async for data in websocket.iter_bytes():
            await websocket.send_bytes(data[::-1])
        seen.append("iter_bytes ended")

    @app.websocket("/iter-json")
    async def iter_json(websocket: WebSocket):
        await websocket.accept()
        async for data in websocket.iter_json():
            await websocket.send_json({"got": data})
        seen.append("iter_json ended")

    return app


def _ws_run(app: Any, url: str, steps: Callable[[Any], list[Any]], **connect: Any) -> list[Any]:
    out: list[Any] = []
    from asgiweb.exceptions import WebSocketDisconnect

    try:
        with TestClient(app).websocket_connect(url, **connect) as ws:
            out.append([ws.accepted_subprotocol, sorted(ws.extra_headers)])
            out.extend(steps(ws))
    except WebSocketDisconnect as exc:
        out.append(["closed", exc.code, exc.reason])
    return [*out, list(app.state.seen)]


def _same_ws(url: str, steps: Callable[[Any], list[Any]], **connect: Any) -> list[Any]:
    ours, theirs = frameworks()
    mine = _ws_run(ws_app(ours), url, steps, **connect)
    assert mine == _ws_run(ws_app(theirs), url, steps, **connect)
    return mine


def test_what_a_websocket_handler_sees() -> None:
    def steps(ws: Any) -> list[Any]:
        view = ws.receive_json()
        ws.close(4003, "reason é")
        return [view]

    connect = {
        "headers": {"x-A": "1", "cookie": 'k="v w"; j=2', "x-forwarded-proto": "https"},
        "subprotocols": ["a", "b"],
    }
    for root_path in ("", "/api"):
        ours, theirs = frameworks()
        runs = []
        for fw in (ours, theirs):
            app = ws_app(fw)
            client = TestClient(app, root_path=root_path)
            with client.websocket_connect("/info/r1?a=1&a=2&b=", **connect) as ws:
                run = [ws.accepted_subprotocol, *steps(ws)]
            runs.append([*run, list(app.state.seen)])  # the handler has ended
        mine, reference = runs
        assert mine == reference
    view = mine[1]
    assert view["route"] == ["/info/{room}", "room"]
    assert view["dep"] == "v w" and view["query"] == [["a", "1"], ["a", "2"], ["b", ""]]
    assert view["states"] == ["CONNECTING", "CONNECTING"]
    assert view["after_accept"] == ["CONNECTED", "CONNECTED"]
    assert mine[2] == [["disconnect", 4003, "reason é"], ["DISCONNECTED", "CONNECTED"]]


def test_websocket_messages_and_modes() -> None:
    def steps(ws: Any) -> list[Any]:
        ws.send_bytes(b'{"a": [1]}')
        ws.send_bytes(b"\xff")
        ws.send_text("t")
        ws.send_bytes(b"raw bytes")
        out = [ws.receive_json(), ws.receive_text(), ws.receive_bytes(), ws.receive_text()]
        ws.send_text("ab")
        out.append(ws.receive_text())
        ws.close()
        return out

    out = _same_ws("/messages", steps)
    assert out[1][:2] == [{"a": [1]}, {"raised": "UnicodeDecodeError", "text": out[1][1]["text"]}]
    assert out[-1] == [["DISCONNECTED", "CONNECTED"]]


@pytest.mark.parametrize(
    "url",
    [
        "/close/1000",
        "/close/1001?reason=going",
        "/close/3000?reason=é",
        "/close/4999?reason=",
        "/close-default",
        "/refuse/1008",
        "/refuse/4000",
    ],
)
def test_close_codes_and_reasons(url: str) -> None:
    def steps(ws: Any) -> list[Any]:
        return [ws.receive_text()]

    _same_ws(url, steps)


@pytest.mark.parametrize(
    ("url", "send"),
    [
        ("/iter-bytes", lambda ws: (ws.send_bytes(b"abc"), ws.receive_bytes())[1]),
        ("/iter-json", lambda ws: (ws.send_text('{"x": [1, 2]}'), ws.receive_json())[1]),
    ],
)
@pytest.mark.parametrize("code", [1000, 1001, 4321])
def test_iteration_ends_when_the_client_leaves(url: str, send: Any, code: int) -> None:
    def steps(ws: Any) -> list[Any]:
        out = [send(ws), send(ws)]
        ws.close(code, "bye")
        return out

    assert _same_ws(url, steps)[-1] == [f"{url[1:].replace('-', '_')} ended"]


# -- request.form() with its limits, FormData and UploadFile from a real body -----------


def form_app(fw: Framework) -> Any:
    app = fw.App()

    async def describe(form: Any) -> list[Any]:
        out: list[Any] = []
        for key, value in form.multi_items():
            if isinstance(value, str):
                out.append([key, value])
                continue
            whole = await value.read()
            await value.seek(1)
            part = await value.read(2)
            out.append(
                [
                    key,
                    value.filename,
                    value.size,
                    value.content_type,
                    value.headers.items(),
                    whole.decode("latin-1"),
                    part.decode("latin-1"),
                ]
            )
        return out

    @app.post("/form")
    async def form(request: fw.Request, files: int = 1000, fields: int = 1000, part: int = 2**20):
        try:
            parsed = await request.form(max_files=files, max_fields=fields, max_part_size=part)
        except fw.BaseHTTPException as exc:
            return {"error": [exc.status_code, exc.detail]}
        return {
            "items": await describe(parsed),
            "keys": list(parsed.keys()),
            "len": len(parsed),
            "a": parsed.getlist("a"),
            "cached": (await request.form()) is parsed,
        }

    @app.post("/closed")
    async def closed(request: fw.Request):
        async with request.form() as parsed:
            upload = parsed["f"]
            first = await upload.read()
        return {"first": first.decode(), "closed": upload.file.closed}

    return app


_BOUNDARY = "sweep-boundary"
_MULTIPART = {"content-type": f"multipart/form-data; boundary={_BOUNDARY}"}
_URLENCODED = {"content-type": "application/x-www-form-urlencoded"}


def _parts(*parts: tuple[str, str | None, bytes]) -> bytes:
    return multipart_body(*parts, boundary=_BOUNDARY)


FORM_CALLS = [
    Call.post("/form", content=b"a=1&a=2&b=&c", headers=_URLENCODED),
    Call.post("/form", content=b"a=%ff&b=+x+&%zz=1&c=%E2%82%AC", headers=_URLENCODED),
    Call.post("/form?fields=1", content=b"a=1&b=2", headers=_URLENCODED),
    Call.post("/form?fields=2", content=b"a=1&b=2", headers=_URLENCODED),
    Call.post("/form?part=3", content=b"a=1234", headers=_URLENCODED),
    Call.post(
        "/form",
        content=_parts(("a", None, b"1"), ("f", "x.txt", b"hello"), ("a", None, b"2")),
        headers=_MULTIPART,
    ),
    Call.post(
        "/form?files=1", content=_parts(("f", "x", b"1"), ("g", "y", b"2")), headers=_MULTIPART
    ),
    Call.post("/form?files=0", content=_parts(("f", "x.txt", b"hello")), headers=_MULTIPART),
    Call.post(
        "/form?fields=1", content=_parts(("a", None, b"1"), ("b", None, b"2")), headers=_MULTIPART
    ),
    Call.post("/form?part=3", content=_parts(("a", None, b"1234")), headers=_MULTIPART),
    Call.post("/form?part=3", content=_parts(("f", "x", b"123456789")), headers=_MULTIPART),
    Call.post("/form", content=b"a=1", headers={"content-type": "text/plain"}),
    Call.post("/form", content=b"", headers=_MULTIPART),
    Call.post("/form", content=b"", headers={"content-type": "multipart/form-data"}),
    Call.post("/form", files={"f": ("n.bin", b"\x00\xffabc", "application/x-thing")}),
    Call.post("/form", files={"f": ("", b"no name")}, data={"a": "v"}),
    Call.post("/closed", files={"f": ("n.txt", b"abc", "text/plain")}),
]


@pytest.mark.parametrize("call", FORM_CALLS, ids=repr)
def test_request_form_with_limits_as_fastapi(call: Call) -> None:
    pytest.importorskip("multipart")
    same_answers(form_app, [call])


def test_lifespan_state_reaches_request_state() -> None:
    def build(fw: Framework) -> Any:
        from contextlib import asynccontextmanager

        @asynccontextmanager
        async def lifespan(app: Any):
            yield {"db": "conn", "n": 1}

        app = fw.App(lifespan=lifespan)

        @app.get("/")
        async def read(request: fw.Request):
            request.state.n += 1  # a per-request copy: the next request sees 1 again
            return {"db": request.state.db, "n": request.state.n}

        return app

    answers = same_answers(build, ["/", "/"])
    assert answers[1]["body"] == {"db": "conn", "n": 2}


def _late_sender_app(fw: Framework) -> Any:
    app = fw.App()
    seen: list[Any] = []
    app.state.seen = seen

    @app.websocket("/")
    async def handler(websocket: fw.WebSocket):
        await websocket.accept()
        try:
            await websocket.receive_text()
        except fw.WebSocketDisconnect as exc:
            seen.append(exc.code)
        try:
            await websocket.send_text("late")
        except fw.WebSocketDisconnect as exc:
            seen.append([exc.code, exc.reason])
        except RuntimeError as exc:
            seen.append(str(exc))

    return app


def test_send_after_the_client_left_as_fastapi() -> None:
    seen = []
    for fw in frameworks():
        app = _late_sender_app(fw)
        with TestClient(app).websocket_connect("/") as ws:
            ws.close(1000)
        seen.append(app.state.seen)
    assert seen[0] == seen[1]


_sse_text = st.none() | st.text(st.sampled_from("ab é:\n\r\0"), max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=_sse_text,
    raw_data=_sse_text,
    event=_sse_text,
    event_id=_sse_text,
    retry=st.none() | st.integers(-2, 10**6),
    comment=_sse_text,
)
def test_generated_server_sent_events_as_fastapi(
    data: str | None,
    raw_data: str | None,
    event: str | None,
    event_id: str | None,
    retry: int | None,
    comment: str | None,
) -> None:
    """The same events are refused (ours a ValueError, FastAPI's a pydantic error),
    and the wire form of an accepted one is the same bytes (``format_sse_event``
    byte for byte; JSON ``data`` decoded, FastAPI's ``json.dumps`` escapes non-ASCII)."""
    import fastapi.sse

    import asgiweb.sse

    fields = {"event": event, "id": event_id, "retry": retry, "comment": comment}
    ours = _outcome(lambda: asgiweb.sse.ServerSentEvent(data, raw_data=raw_data, **fields))
    theirs = _outcome(lambda: fastapi.sse.ServerSentEvent(data=data, raw_data=raw_data, **fields))
    assert isinstance(ours, dict) == isinstance(theirs, dict), (ours, theirs)
    if isinstance(ours, dict):
        return
    text = raw_data if raw_data is not None else None if data is None else json.dumps(data)
    wire = fastapi.sse.format_sse_event(data_str=text, **fields)
    assert asgiweb.sse.format_sse_event(data_str=text, **fields) == wire
    assert _events(asgiweb.sse.encode_event(ours).decode()) == _events(wire.decode())


# -- the connection as a mapping, denial responses, state errors -------------------------


def test_a_connection_is_a_read_only_mapping_over_its_scope() -> None:
    from collections.abc import Mapping

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/m/{x}")
        async def as_mapping(request: fw.Request):
            return {
                "is_mapping": isinstance(request, Mapping),
                "path": request["path"],
                "get": [request.get("root_path"), request.get("nope", "dflt")],
                "in": ["method" in request, "nope" in request],
                "same_keys": sorted(request) == sorted(request.keys()) == sorted(request.scope),
                "len": len(request) == len(request.scope),
                "values": len(list(request.values())) == len(request.scope),
                "items": dict(request.items()) == request.scope,
                "equal_self": request == request,
                "equal_other": request == fw.Request(request.scope),
                "hashable": hash(request) == hash(request),
                "missing": _outcome(lambda: request["nope"]),
            }

        return app

    answers = same_answers(build, ["/m/1"])
    assert answers[0]["body"]["equal_other"] is False


def _denying_app(fw: Framework) -> Any:
    app = fw.App()

    @app.websocket("/deny")
    async def deny(websocket: fw.WebSocket):
        response = fw.responses.PlainTextResponse("go away", 451, headers={"x-why": "law"})
        try:
            await websocket.send_denial_response(response)
        except RuntimeError as exc:
            await websocket.close(4000, str(exc)[:100])
        app.state.after = websocket.application_state.name

    return app


@pytest.mark.parametrize("extension", [True, False])
def test_send_denial_response_as_starlette(extension: bool) -> None:
    from tests.harness import websocket_scope

    runs = []
    for fw in frameworks():
        app = _denying_app(fw)
        extensions = {"websocket.http.response": {}} if extension else {}
        scope = websocket_scope("/deny", extensions=extensions)
        peer = Peer(messages=[{"type": "websocket.connect"}])
        anyio.run(drive, app, scope, peer)
        runs.append([peer.sent, app.state.after])
    assert runs[0] == runs[1]
    if extension:
        assert runs[0][0][0]["type"] == "websocket.http.response.start"
        assert runs[0][0][0]["status"] == 451


def _misuse_app(fw: Framework) -> Any:
    app = fw.App()
    seen: list[Any] = []
    app.state.seen = seen

    def record(exc: Exception) -> None:
        seen.append([type(exc).__name__, isinstance(exc, RuntimeError), str(exc)])

    @app.websocket("/")
    async def misuse(websocket: fw.WebSocket):
        for early in (websocket.receive_text, websocket.receive_bytes, websocket.receive_json):
            try:
                await early()
            except RuntimeError as exc:
                record(exc)
        await websocket.accept()
        try:
            await websocket.send({"type": "websocket.http.response.start", "status": 200})
        except RuntimeError as exc:
            record(exc)
        await websocket.close()
        try:
            await websocket.send_text("late")
        except RuntimeError as exc:
            record(exc)

    return app


def test_state_errors_are_starlettes_websocketdisconnected() -> None:
    """``WebSocketDisconnected`` (a RuntimeError) where Starlette raises it."""
    seen = []
    for fw in frameworks():
        app = _misuse_app(fw)
        from asgiweb.exceptions import WebSocketDisconnect

        with TestClient(app).websocket_connect("/") as ws, pytest.raises(WebSocketDisconnect):
            ws.receive_text()  # the close
        seen.append(app.state.seen)
    assert seen[0] == seen[1]
    assert [entry[0] for entry in seen[0]] == [
        "WebSocketDisconnected",
        "WebSocketDisconnected",
        "WebSocketDisconnected",
        "RuntimeError",
        "WebSocketDisconnected",
    ]


def test_websocket_close_app_as_starlette() -> None:
    import starlette.websockets

    import asgiweb.websockets
    from tests.harness import websocket_scope

    sent = []
    for module in (asgiweb.websockets, starlette.websockets):
        for close in (module.WebSocketClose(), module.WebSocketClose(4001, "full")):
            peer = Peer(messages=[{"type": "websocket.connect"}])
            anyio.run(drive, close, websocket_scope("/"), peer)
            sent.append(peer.sent)
    assert sent[:2] == sent[2:]


def _hinting_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/")
    async def hinting(request: fw.Request):
        await request.send_early_hints("</style.css>; rel=preload; as=style", "</a.js>; rel=x")
        await request.send_push_promise("/style.css")
        return "page"

    return app


@pytest.mark.parametrize(
    "extensions", [{}, {"http.response.push": {}, "http.response.early_hint": {}}]
)
def test_early_hints_and_push_promises_as_starlette(extensions: dict[str, Any]) -> None:
    headers = [
        ("accept", "text/html"),
        ("x-other", "not copied"),
        ("user-agent", "ua"),
        ("accept", "*/*"),
        ("cookie", "not copied"),
    ]
    runs = []
    for fw in frameworks():
        peer = Peer(disconnect_when_done=True)
        scope = http_scope("GET", "/", headers, extensions=extensions)
        run_asgi(_hinting_app(fw), scope, peer, conform=False)
        sent = []
        for message in peer.sent:
            if message["type"] == "http.response.push":
                message = {**message, "headers": sorted(message["headers"])}
            sent.append(message)
        runs.append(sent)
    assert runs[0] == runs[1]
    assert [m["type"] for m in runs[0]][:-2] == (
        ["http.response.early_hint", "http.response.push"] if extensions else []
    )


def _endless_app(fw: Framework) -> Any:
    app = fw.App()
    log: list[str] = []
    app.state.log = log
    EventSourceResponse = fw.sub("sse").EventSourceResponse

    async def numbers(name: str) -> Any:
        try:
            n = 0
            while True:
                yield n
                n += 1
                await anyio.sleep(0.01)
        finally:
            log.append(f"{name} closed")

    @app.get("/jsonl")
    async def lines():
        async for n in numbers("jsonl"):
            yield n

    @app.get("/sse", response_class=EventSourceResponse)
    async def events():
        async for n in numbers("sse"):
            yield n

    @app.get("/sync")
    def lines_sync():
        try:
            n = 0
            while True:
                yield n
                n += 1
                import time

                time.sleep(0.01)
        finally:
            log.append("sync closed")

    @app.get("/raw")
    def raw():
        async def body():
            async for n in numbers("raw"):
                yield f"{n}\n"

        return fw.responses.StreamingResponse(body())

    return app


@pytest.mark.parametrize("url", ["/jsonl", "/sse", "/sync", "/raw"])
def test_a_client_leaving_closes_the_handlers_generator_as_fastapi(url: str) -> None:
    seen = []
    for fw in frameworks():
        app = _endless_app(fw)
        with TestClient(app) as client, client.stream("GET", url) as response:
            first = next(response.iter_lines())
        # A sync generator is closed in its worker thread, which may lag on a loaded
        # machine (FastAPI's more than ours): wait for it, at most 2 s (the bound a
        # leaving client's stream must stop within).
        deadline = time.monotonic() + 2.0
        while not app.state.log and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append((first, list(app.state.log)))
    assert seen[0] == seen[1]
    assert seen[0][1] == [f"{url[1:]} closed"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(st.sampled_from('ab=; "\\\t,é017'), max_size=12), min_size=1, max_size=3))
@example(lines=['""'])  # an empty quoted value is a cookie with an empty name, as in Starlette
def test_generated_cookie_headers_read_as_starlette(lines: list[str]) -> None:
    """Any Cookie lines give ``request.cookies`` what Starlette's parser gives."""
    from starlette.requests import Request as TheirRequest

    from asgiweb.requests import Request

    raw = [(b"cookie", line.encode("latin-1")) for line in lines]
    ours = _outcome(lambda: Request(http_scope("GET", "/", raw)).cookies)
    theirs = _outcome(lambda: TheirRequest(http_scope("GET", "/", raw)).cookies)
    assert ours == theirs


def _union_items_app(fw: Framework) -> Any:
    app = fw.App()
    sse = fw.sub("sse")

    @dataclasses.dataclass
    class Item:
        id: int

    @app.get("/union", response_class=sse.EventSourceResponse)
    async def union() -> AsyncIterator[Item | sse.ServerSentEvent]:
        yield {"id": "1"}
        yield sse.ServerSentEvent(data="x", event="e")

    @app.get("/list")
    async def listed() -> AsyncIterator[list[Item]]:
        yield [{"id": "2"}]

    @app.get("/optional")
    async def optional() -> AsyncIterator[Item | None]:
        yield None
        yield {"id": 3.0}

    return app


@pytest.mark.parametrize("url", ["/list", "/optional"])
def test_generic_item_types_as_fastapi(url: str) -> None:
    ours, theirs = frameworks()
    mine = TestClient(_union_items_app(ours)).get(url)
    assert mine.content == TestClient(_union_items_app(theirs)).get(url).content


def test_an_item_type_with_server_sent_event_fits_the_rest() -> None:
    """docs/streaming.md, "Differences from FastAPI": for ``Item | ServerSentEvent``
    a plain item is fitted to ``Item``; FastAPI's union may take a dict for an event."""
    ours, theirs = frameworks()
    mine = TestClient(_union_items_app(ours)).get("/union").text
    assert mine == 'data: {"id":1}\n\nevent: e\ndata: "x"\n\n'
    reference = _events(TestClient(_union_items_app(theirs)).get("/union").text)
    assert reference[0]["data"] == [
        "json",
        {**dict.fromkeys(["data", "raw_data", "event", "retry", "comment"]), "id": "1"},
    ]
