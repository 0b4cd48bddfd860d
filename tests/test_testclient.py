"""TestClient against hand-written raw ASGI apps: lifespan, requests, streaming, rules."""

from __future__ import annotations

import asyncio
import gzip
import json
import threading
import time
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from asgiweb import App, Depends, WebSocket
from asgiweb.security import HTTPBearer
from asgiweb.testclient import (
    ClientResponse,
    HTTPStatusError,
    LifespanError,
    TestClient,
    WebSocketDenialResponse,
)
from asgiweb.types import Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]


async def respond(
    send: Send, body: bytes = b"", status: int = 200, headers: Headers | None = None
) -> None:
    raw = [(b"content-length", str(len(body)).encode()), *(headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if not message.get("more_body"):
            return b"".join(m.get("body", b"") for m in messages), messages


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with a JSON description of the request it got."""
    body, messages = await read_body(receive)
    info = {
        "method": scope["method"],
        "path": scope["path"],
        "raw_path": scope["raw_path"].decode(),
        "root_path": scope["root_path"],
        "query_string": scope["query_string"].decode(),
        "headers": [[k.decode(), v.decode()] for k, v in scope["headers"]],
        "body": body.decode("latin-1"),
        "messages": len(messages),
        "scheme": scope["scheme"],
        "server": list(scope["server"]),
        "client": list(scope["client"]),
        "asgi": scope["asgi"],
        "http_version": scope["http_version"],
        "extensions": scope["extensions"],
        "state": sorted(scope["state"]),
    }
    await respond(send, json.dumps(info).encode(), headers=[(b"content-type", b"application/json")])


def echoed_header(info: dict[str, Any], name: str) -> list[str]:
    return [v for k, v in info["headers"] if k == name]


# -- scope and request encoding -------------------------------------------------------


def test_scope_matches_what_uvicorn_sends() -> None:
    info = TestClient(echo).get("/a%20b/c", params={"q": "x y", "n": [1, 2]}).json()
    assert info["method"] == "GET"
    assert info["path"] == "/a b/c"
    assert info["raw_path"] == "/a%20b/c"
    assert info["query_string"] == "q=x+y&n=1&n=2"
    assert info["scheme"] == "http"
    assert info["server"] == ["testserver", 80]
    assert info["client"] == ["testclient", 50000]
    assert info["asgi"] == {"version": "3.0", "spec_version": "2.3"}
    assert info["http_version"] == "1.1"
    assert info["extensions"] == {}
    assert info["root_path"] == ""
    assert dict(info["headers"]) == {
        "host": "testserver",
        "user-agent": "testclient",
        "accept": "*/*",
        "accept-encoding": "gzip, deflate",
        "connection": "keep-alive",
    }
    assert info["body"] == "" and info["messages"] == 1


def test_base_url_root_path_and_absolute_urls() -> None:
    client = TestClient(echo, base_url="https://example.org:8443", root_path="/api")
    info = client.get("/items?x=1", params={"y": "2"}).json()
    assert info["scheme"] == "https"
    assert info["server"] == ["example.org", 8443]
    assert echoed_header(info, "host") == ["example.org:8443"]
    assert info["root_path"] == "/api"
    assert info["path"] == "/api/items"
    assert info["raw_path"] == "/api/items"
    assert info["query_string"] == "y=2"  # params= replace the URL's query, as in httpx
    other = client.get("http://other.test/z").json()
    assert other["server"] == ["other.test", 80] and other["path"] == "/api/z"


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_method(method: str) -> None:
    client = TestClient(echo)
    response = getattr(client, method.lower())("/m")
    assert response.status_code == 200
    assert response.json()["method"] == method
    assert client.request(method.lower(), "/m").json()["method"] == method


def test_bodyless_post_sends_content_length_zero() -> None:
    info = TestClient(echo).post("/").json()
    assert echoed_header(info, "content-length") == ["0"]
    assert (
        TestClient(echo).get("/").json()["headers"]
        == TestClient(echo).delete("/").json()["headers"]
    )


def test_json_body() -> None:
    info = TestClient(echo).post("/", json={"a": [1, "é"]}).json()
    assert info["body"] == '{"a":[1,"é"]}'.encode().decode("latin-1")
    assert echoed_header(info, "content-type") == ["application/json"]
    assert echoed_header(info, "content-length") == [str(len('{"a":[1,"é"]}'.encode()))]


def test_form_data_body() -> None:
    info = TestClient(echo).post("/", data={"a": "1 2", "b": ["x", "y"]}).json()
    assert info["body"] == "a=1+2&b=x&b=y"
    assert echoed_header(info, "content-type") == ["application/x-www-form-urlencoded"]


def test_bytes_and_str_content() -> None:
    client = TestClient(echo)
    info = client.put("/", content=b"\x00raw", headers={"Content-Type": "application/x-bin"})
    assert info.json()["body"] == "\x00raw"
    assert echoed_header(info.json(), "content-type") == ["application/x-bin"]
    assert echoed_header(info.json(), "content-length") == ["4"]
    assert client.patch("/", content="héllo").json()["body"] == "héllo".encode().decode("latin-1")


def test_iterator_body_arrives_in_several_messages() -> None:
    info = TestClient(echo).post("/", content=iter([b"ab", b"cd", b"ef"])).json()
    assert info["body"] == "abcdef"
    assert info["messages"] == 3
    assert echoed_header(info, "transfer-encoding") == ["chunked"]
    assert echoed_header(info, "content-length") == []


def test_only_one_body_argument() -> None:
    with pytest.raises(TypeError):
        TestClient(echo).post("/", json={}, content=b"x")


def test_headers_client_defaults_and_per_request_override() -> None:
    client = TestClient(echo, headers={"X-Token": "a", "User-Agent": "mine"})
    info = client.get("/", headers=[("x-token", "b"), ("x-multi", "1"), ("x-multi", "2")]).json()
    assert echoed_header(info, "x-token") == ["b"]
    assert echoed_header(info, "user-agent") == ["mine"]
    assert echoed_header(info, "x-multi") == ["1", "2"]
    with pytest.raises(ValueError):
        client.get("/", headers={"x-bad": "a\r\nb"})


# -- responses -------------------------------------------------------------------------


def test_response_object() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = "ünïcode".encode("latin-1")
        await respond(send, body, 404, [(b"Content-Type", b"text/plain; charset=latin-1")])

    response = TestClient(app).get("/x?y=1")
    assert response.status_code == 404
    assert response.headers["content-type"] == "text/plain; charset=latin-1"
    assert response.reason_phrase == "Not Found"
    assert response.text == "ünïcode"
    assert response.content == "ünïcode".encode("latin-1")
    assert not response.ok and response.is_error and not response.is_redirect
    assert str(response.url) == "http://testserver/x?y=1"
    assert response.url.path == "/x"
    assert response.request.method == "GET"
    assert response.history == []
    with pytest.raises(HTTPStatusError) as caught:
        response.raise_for_status()
    assert caught.value.response is response
    assert repr(response) == "<ClientResponse [404 Not Found]>"


def test_gzip_content_is_decoded() -> None:
    payload = b"x" * 5000

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, gzip.compress(payload), headers=[(b"content-encoding", b"gzip")])

    response = TestClient(app).get("/")
    assert response.content == payload
    assert response.headers["content-encoding"] == "gzip"


def test_deflate_stream_is_decoded_incrementally() -> None:
    data = zlib.compress(b"hello " * 100)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-encoding", b"deflate")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i in range(0, len(data), 7):
            await send({"type": "http.response.body", "body": data[i : i + 7], "more_body": True})
        await send({"type": "http.response.body"})

    with TestClient(app).stream("GET", "/") as response:
        assert b"".join(response.iter_bytes()) == b"hello " * 100


def test_head_drops_the_body() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, b"body", headers=[(b"x-method", scope["method"].encode())])

    response = TestClient(app).head("/")
    assert response.status_code == 200
    assert response.headers["x-method"] == "HEAD"
    assert response.headers["content-length"] == "4"
    assert response.content == b""


def test_iter_lines_and_text() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"data: 1\n\nda", b"ta: \xc3", b"\xa9\n", b"tail"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body"})

    with TestClient(app).stream("GET", "/") as response:
        assert list(response.iter_lines()) == ["data: 1", "", "data: é", "tail"]
    assert response.text == "data: 1\n\ndata: é\ntail"


# -- cookies ---------------------------------------------------------------------------


async def cookie_app(scope: Scope, receive: Receive, send: Send) -> None:
    sent = [v.decode() for k, v in scope["headers"] if k == b"cookie"]
    headers: Headers = []
    if scope["path"] == "/set":
        headers = [
            (b"set-cookie", b"session=abc; Path=/; HttpOnly; SameSite=lax"),
            (b"set-cookie", b'quoted="a b,c"; Max-Age=60'),
            (b"set-cookie", b"eq=x=y=; Path=/"),
        ]
    elif scope["path"] == "/delete":
        headers = [
            (b"set-cookie", b'session=""; Max-Age=0; Path=/'),
            (b"set-cookie", b"eq=gone; expires=Thu, 01 Jan 1970 00:00:00 GMT"),
        ]
    await respond(send, json.dumps(sent).encode(), headers=headers)


def test_cookie_jar_round_trip_and_deletion() -> None:
    client = TestClient(cookie_app, cookies={"initial": "1"})
    response = client.get("/set")
    assert response.cookies == {"session": "abc", "quoted": "a b,c", "eq": "x=y="}
    assert response.headers.get_list("set-cookie")[0].startswith("session=abc")
    assert client.cookies == {"initial": "1", "session": "abc", "quoted": "a b,c", "eq": "x=y="}
    assert client.get("/", cookies={"extra": "2"}).json() == [
        'initial=1; session=abc; quoted="a b,c"; eq=x=y=; extra=2'
    ]
    deleted = client.get("/delete")
    assert deleted.cookies == {}
    assert client.cookies == {"initial": "1", "quoted": "a b,c"}
    assert client.get("/").json() == ['initial=1; quoted="a b,c"']


def test_set_cookie_parsing_table() -> None:
    from asgiweb.testclient import _parse_set_cookie

    table = [
        ("a=1", ("a", "1", False)),
        ("a = 1 ; Path=/", ("a", "1", False)),
        ('a="q"; Max-Age=10', ("a", "q", False)),
        ("a=; Max-Age=0", ("a", "", True)),
        ("a=1; Max-Age=-5", ("a", "1", True)),
        ("a=1; max-age=5; expires=Thu, 01 Jan 1970 00:00:00 GMT", ("a", "1", False)),
        ("a=1; expires=Thu, 01 Jan 1970 00:00:00 GMT", ("a", "1", True)),
        ("a=1; expires=Fri, 01 Jan 2100 00:00:00 GMT", ("a", "1", False)),
        ("a=1; expires=garbage", ("a", "1", False)),
        ('a="', ("a", '"', False)),
        ("novalue", None),
        ("=x", None),
    ]
    for text, expected in table:
        assert _parse_set_cookie(text) == expected, text


# -- redirects ---------------------------------------------------------------------------


async def redirect_app(scope: Scope, receive: Receive, send: Send) -> None:
    body, _ = await read_body(receive)
    path = scope["path"]
    if path.startswith("/r/"):
        status, target = path.split("/")[2:4]
        location = b"/" + target.encode() if target != "rel" else b"../../final?from=rel"
        await respond(send, b"moved", int(status), [(b"location", location)])
    elif path == "/loop":
        await respond(send, b"", 302, [(b"location", b"/loop")])
    else:
        info = {"method": scope["method"], "body": body.decode(), "query": scope["query_string"]}
        await respond(send, json.dumps(info, default=bytes.decode).encode())


def test_redirects_are_not_followed_when_asked() -> None:
    response = TestClient(redirect_app).get("/r/307/final", follow_redirects=False)
    assert response.status_code == 307
    assert response.is_redirect
    assert response.headers["location"] == "/final"
    assert response.text == "moved"


@pytest.mark.parametrize(
    ("status", "method", "expected_method", "expected_body"),
    [
        (301, "POST", "GET", ""),
        (302, "POST", "GET", ""),
        (303, "PUT", "GET", ""),
        (303, "HEAD", "HEAD", None),
        (307, "POST", "POST", "payload"),
        (308, "PUT", "PUT", "payload"),
    ],
)
def test_redirects_followed(
    status: int, method: str, expected_method: str, expected_body: str | None
) -> None:
    client = TestClient(redirect_app, follow_redirects=True)
    response = client.request(method, f"/r/{status}/final", content=b"payload")
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [status]
    assert str(response.url) == "http://testserver/final"
    assert response.request.method == expected_method
    if expected_body is not None:
        assert response.json()["body"] == expected_body


def test_relative_location_and_per_request_switch() -> None:
    client = TestClient(redirect_app)
    response = client.get("/r/302/rel", follow_redirects=True)
    assert str(response.url) == "http://testserver/final?from=rel"
    assert response.status_code == 200 and response.json()["query"] == "from=rel"
    assert (
        TestClient(redirect_app, follow_redirects=True)
        .get("/r/302/x", follow_redirects=False)
        .is_redirect
    )


def test_redirect_loop_is_bounded() -> None:
    with pytest.raises(RuntimeError, match="redirects"):
        TestClient(redirect_app).get("/loop", follow_redirects=True)


# -- lifespan ----------------------------------------------------------------------------


def make_lifespan_app(events: list[str], fail: str | None = None) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].split(".")[1]
                events.append(kind)
                if kind == fail:
                    await send({"type": f"lifespan.{kind}.failed", "message": f"{kind} broke"})
                    return
                if kind == "startup":
                    scope["state"]["db"] = "connected"
                    scope["state"]["loop"] = asyncio.get_running_loop()
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        else:
            state = scope["state"]
            events.append(f"request {state.get('db')}")
            same_loop = state.get("loop") is asyncio.get_running_loop()
            state["scribble"] = True  # a per-request copy: must not leak to the next one
            await respond(send, json.dumps([same_loop, sorted(state)]).encode())

    return app


def test_lifespan_order_state_and_single_loop() -> None:
    events: list[str] = []
    app = make_lifespan_app(events)
    with TestClient(app) as client:
        assert events == ["startup"]
        assert client.get("/").json() == [True, ["db", "loop", "scribble"]]
        with client.stream("GET", "/") as response:
            assert response.json() == [True, ["db", "loop", "scribble"]]
        assert events == ["startup", "request connected", "request connected"]
    assert events[-1] == "shutdown"
    events.clear()
    assert TestClient(app).get("/").json() == [False, ["scribble"]]  # no lifespan without `with`
    assert events == ["request None"]


def test_client_can_be_reopened() -> None:
    events: list[str] = []
    client = TestClient(make_lifespan_app(events))
    with client:
        pass
    with client:
        pass
    assert events == ["startup", "shutdown", "startup", "shutdown"]


def test_failed_startup_raises_with_the_message() -> None:
    with (
        pytest.raises(LifespanError, match="startup broke"),
        TestClient(make_lifespan_app([], fail="startup")),
    ):
        pytest.fail("the body must not run")  # pragma: no cover


def test_failed_shutdown_raises_with_the_message() -> None:
    with (
        pytest.raises(LifespanError, match="shutdown broke"),
        TestClient(make_lifespan_app([], fail="shutdown")),
    ):
        pass


def test_app_without_lifespan_support() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        await respond(send, b"ok")

    with pytest.raises(AssertionError), TestClient(app):
        pass  # pragma: no cover
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").text == "ok"

    async def quiet(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await respond(send, b"ok")

    with TestClient(quiet) as client:
        assert client.get("/").text == "ok"


# -- streaming and disconnects --------------------------------------------------------


def test_stream_yields_chunks_of_an_endless_generator_as_sent() -> None:
    finished = threading.Event()
    produced: list[int] = []

    async def numbers() -> AsyncIterator[bytes]:
        n = 0
        try:
            while True:
                produced.append(n)
                yield f"{n}\n".encode()
                n += 1
        finally:
            finished.set()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        async for chunk in numbers():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

    client = TestClient(app)
    client.disconnect_grace = 0.2  # this app never looks at receive(): it gets cancelled
    started = time.monotonic()
    with client.stream("GET", "/") as response:
        assert response.status_code == 200
        chunks = response.iter_bytes()
        assert [next(chunks) for _ in range(3)] == [b"0\n", b"1\n", b"2\n"]
        assert len(produced) <= 5  # the app waits for the reader: nothing piles up
    assert finished.wait(2)
    assert time.monotonic() - started < 2
    assert response.content == b"0\n1\n2\n"


def test_leaving_the_stream_disconnects_a_watching_app() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return  # no lifespan support: the client carries on without it
        await read_body(receive)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                seen.append((await receive())["type"])
                tg.cancel_scope.cancel()

            tg.start_soon(watch)
            try:
                while True:
                    await send({"type": "http.response.body", "body": b"x", "more_body": True})
            finally:
                seen.append("stopped")

    with TestClient(app) as client:
        started = time.monotonic()
        with client.stream("GET", "/") as response:
            for _ in zip(range(10), response.iter_bytes(), strict=False):
                pass
            assert seen == []  # no disconnect while the client is still reading
        assert time.monotonic() - started < 0.5  # the watcher saw it: no grace period needed
    assert seen == ["http.disconnect", "stopped"]


def test_receive_blocks_until_the_response_is_complete() -> None:
    log: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        async with anyio.create_task_group() as tg:

            async def watch() -> None:
                log.append((await receive())["type"])

            tg.start_soon(watch)
            for part in (b"a", b"b", b"c"):
                await anyio.sleep(0.01)
                log.append(part.decode())
                await send({"type": "http.response.body", "body": part, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        log.append("done")

    assert TestClient(app).get("/").text == "abc"
    assert log == ["a", "b", "c", "http.disconnect", "done"]


def test_request_waits_for_work_after_the_response() -> None:
    after: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, b"sent")
        await anyio.sleep(0.05)
        after.append("background ran")

    assert TestClient(app).get("/").text == "sent"
    assert after == ["background ran"]


def test_stream_read_and_reuse() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body"})

    with TestClient(app).stream("POST", "/") as response:
        first = next(response.iter_bytes())
        assert first == b"a"
        assert response.read() == b"abc"
        assert list(response.iter_bytes()) == [b"abc"]


# -- strict ASGI message rules --------------------------------------------------------


def strict_case(*messages: Message) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    return app


START = {"type": "http.response.start", "status": 200, "headers": []}
BODY = {"type": "http.response.body", "body": b"x"}


@pytest.mark.parametrize(
    ("messages", "error"),
    [
        ((BODY,), "Expected ASGI message 'http.response.start'"),
        ((START, START), "Expected ASGI message 'http.response.body'"),
        ((START, BODY, BODY), "response already completed"),
        ((START, {"type": "http.response.pathsend", "path": "/x"}), "http.response.body"),
        (({**START, "headers": [(b"content-length", b"3")]}, BODY), "shorter than Content"),
        (({**START, "headers": [(b"content-length", b"0")]}, BODY), "longer than Content"),
        (({**START, "status": 204}, BODY), "must not have a body"),
        (({**START, "headers": [(b"x", b"a\nb")]},), "Invalid HTTP header value"),
        (({**START, "headers": [(b"bad name", b"v")]},), "Invalid HTTP header name"),
        (({**START, "status": "200"},), "Invalid ASGI response status"),
    ],
)
def test_message_order_is_enforced(messages: tuple[Message, ...], error: str) -> None:
    with pytest.raises(RuntimeError, match=error):
        TestClient(strict_case(*messages)).get("/")


def test_header_types_are_checked() -> None:
    with pytest.raises(TypeError, match="bytes"):
        TestClient(strict_case({**START, "headers": [("x", "y")]}, BODY)).get("/")


def test_pathsend_only_when_offered(tmp_path: Path) -> None:
    file = tmp_path / "f.txt"
    file.write_bytes(b"file body")
    app = strict_case(
        {**START, "headers": [(b"content-length", b"9")]},
        {"type": "http.response.pathsend", "path": str(file)},
    )
    client = TestClient(app, extensions={"http.response.pathsend": {}})
    assert client.get("/").content == b"file body"
    assert TestClient(echo, extensions={"http.response.pathsend": {}}).get("/").json()[
        "extensions"
    ] == {"http.response.pathsend": {}}


# -- server exceptions ----------------------------------------------------------------


class Boom(Exception):
    pass


async def raise_before_start(scope: Scope, receive: Receive, send: Send) -> None:
    raise Boom("before")


async def raise_after_start(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        return
    await send(START)
    await send({"type": "http.response.body", "body": b"partial", "more_body": True})
    raise Boom("after")


async def return_without_response(scope: Scope, receive: Receive, send: Send) -> None:
    return None


async def return_mid_response(scope: Scope, receive: Receive, send: Send) -> None:
    await send(START)
    await send({"type": "http.response.body", "body": b"half", "more_body": True})


async def raise_after_complete(scope: Scope, receive: Receive, send: Send) -> None:
    await respond(send, b"done")
    raise Boom("late")


def test_server_exceptions_propagate_as_themselves() -> None:
    client = TestClient(raise_before_start)
    with pytest.raises(Boom, match="before"):
        client.get("/")
    with pytest.raises(Boom, match="after"):
        TestClient(raise_after_start).get("/")
    with pytest.raises(Boom, match="late"):
        TestClient(raise_after_complete).get("/")
    with pytest.raises(RuntimeError, match="without sending"):
        TestClient(return_without_response).get("/")
    with pytest.raises(RuntimeError, match="without completing"):
        TestClient(return_mid_response).get("/")


def test_server_exceptions_inside_lifespan_client() -> None:
    with TestClient(raise_after_start) as client:
        with pytest.raises(Boom), client.stream("GET", "/") as response:
            assert next(response.iter_bytes()) == b"partial"
            response.read()
        with pytest.raises(Boom):
            client.get("/")


def test_server_exceptions_become_responses_when_asked() -> None:
    def get(app: Any) -> ClientResponse:
        return TestClient(app, raise_server_exceptions=False).get("/")

    for app in (raise_before_start, return_without_response):
        response = get(app)
        assert response.status_code == 500
        assert response.text == "Internal Server Error"
    assert (get(raise_after_start).status_code, get(raise_after_start).content) == (200, b"partial")
    assert get(return_mid_response).content == b"half"
    assert get(raise_after_complete).content == b"done"


def test_error_after_disconnect_is_not_reported() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(START)
        await send({"type": "http.response.body", "body": b"x", "more_body": True})
        await receive()
        message = await receive()
        assert message["type"] == "http.disconnect"
        raise OSError("client went away")

    with TestClient(app).stream("GET", "/") as response:
        assert next(response.iter_bytes()) == b"x"


def test_the_very_exception_object_reaches_the_test() -> None:
    error = Boom("identity")

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise error

    with pytest.raises(Boom) as caught:
        TestClient(app).get("/")
    assert caught.value is error


def test_redirect_hops_carry_cookies_and_drop_cross_origin_auth() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/login":
            await respond(
                send,
                status=303,
                headers=[(b"location", b"http://elsewhere.test/home"), (b"set-cookie", b"s=1")],
            )
        else:
            got = {k.decode(): v.decode() for k, v in scope["headers"]}
            await respond(send, json.dumps(got).encode())

    client = TestClient(app, follow_redirects=True)
    response = client.post("/login", data={"u": "me"}, headers={"Authorization": "secret"})
    seen = response.json()
    assert seen["host"] == "elsewhere.test"
    assert seen["cookie"] == "s=1"
    assert "authorization" not in seen and "content-type" not in seen
    assert response.history[0].cookies == {"s": "1"}
    assert response.history[0].request.content == b"u=me"


def test_unknown_request_option_is_refused() -> None:
    with pytest.raises(TypeError, match="allow_redirects"):
        TestClient(echo).get("/", allow_redirects=True)  # type: ignore[call-arg]
    assert TestClient(echo).get("/", timeout=5).status_code == 200


def test_large_body_arrives_in_socket_sized_messages() -> None:
    info = TestClient(echo).post("/", content=b"z" * 150_000).json()
    assert info["messages"] == 3
    assert len(info["body"]) == 150_000
    assert echoed_header(info, "content-length") == ["150000"]


def test_a_chunk_reaches_the_test_before_the_app_sends_the_next() -> None:
    go_on = threading.Event()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(START)
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        released = await anyio.to_thread.run_sync(go_on.wait, 5)
        await send({"type": "http.response.body", "body": b"second" if released else b"late"})

    with TestClient(app).stream("GET", "/") as response:
        chunks = response.iter_bytes()
        assert next(chunks) == b"first"  # a buffering client would wait 5 s and see "late"
        go_on.set()
        assert list(chunks) == [b"second"]


def test_a_refused_handshake_is_a_denial_response_as_with_starlettes_client() -> None:
    from starlette.testclient import TestClient as StarletteClient
    from starlette.testclient import WebSocketDenialResponse as StarletteDenial

    app = App()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, token: Any = Depends(HTTPBearer())) -> None:
        await websocket.accept()
        await websocket.send_json(token.credentials)
        await websocket.close()

    seen = []
    for client, denial in (
        (TestClient(app), WebSocketDenialResponse),
        (StarletteClient(app), StarletteDenial),
    ):
        with pytest.raises(denial) as info, client.websocket_connect("/ws"):
            pass  # pragma: no cover
        refused = info.value
        seen.append((refused.status_code, refused.json(), refused.headers["www-authenticate"]))
        with client.websocket_connect("/ws", headers={"authorization": "Bearer t"}) as session:
            assert session.receive_json() == "t"
    assert seen[0] == seen[1] == (401, {"detail": "Not authenticated"}, "Bearer")
    from starlette.websockets import WebSocketDisconnect as StarletteDisconnect

    assert isinstance(info.value, StarletteDisconnect)  # the last one: Starlette's
