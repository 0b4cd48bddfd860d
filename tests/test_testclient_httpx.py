"""Our TestClient beside Starlette's (an httpx client, here through httpx2): the
httpx attributes a FastAPI test suite touches give the same values on both."""

from __future__ import annotations

import datetime
import gzip
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb.testclient import ClientURL, HTTPStatusError, TestClient, TooManyRedirects
from asgiweb.types import Receive, Scope, Send

starlette_testclient = pytest.importorskip("starlette.testclient")
httpx = pytest.importorskip("httpx2")

Starlette = starlette_testclient.TestClient


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with what it got; ``/status/<code>`` picks the status, a
    ``x-answer-*`` request header becomes a response header (``x-answer-link:
    ...`` sends ``link: ...``), ``/gzip`` compresses the answer."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    path = scope["path"]
    status = int(path.rsplit("/", 1)[1]) if path.startswith("/status/") else 200
    headers = [
        (name[len(b"x-answer-") :], value)
        for name, value in scope["headers"]
        if name.startswith(b"x-answer-")
    ]
    if path == "/to-final" or (300 <= status < 400 and path.endswith(("/301", "/302", "/307"))):
        headers.append((b"location", b"/final"))
    answer = json.dumps(
        {
            "method": scope["method"],
            "path": path,
            "query": scope["query_string"].decode(),
            "body": body.decode("latin-1"),
            "client": list(scope["client"]),
        }
    ).encode()
    if path == "/gzip":
        answer = gzip.compress(answer * 20)
        headers.append((b"content-encoding", b"gzip"))
    if status in (204, 304):
        answer = b""
    headers.append((b"content-length", str(len(answer)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


def both(**options: Any) -> tuple[TestClient, Any]:
    return TestClient(echo, **options), Starlette(echo, **options)


RESPONSE_FIELDS = (
    "status_code",
    "reason_phrase",
    "http_version",
    "is_informational",
    "is_success",
    "is_redirect",
    "is_client_error",
    "is_server_error",
    "is_error",
    "has_redirect_location",
    "charset_encoding",
    "encoding",
    "links",
    "num_bytes_downloaded",
    "text",
)


def fields(response: Any) -> dict[str, Any]:
    values = {name: getattr(response, name) for name in RESPONSE_FIELDS}
    values["url"] = str(response.url)
    values["elapsed_type"] = type(response.elapsed)
    return values


@pytest.mark.parametrize(
    "status", [200, 201, 204, 301, 302, 304, 307, 399, 404, 413, 418, 422, 500, 503]
)
def test_status_predicates_and_raise_for_status(status: int) -> None:
    ours, theirs = both(follow_redirects=False)
    mine, other = ours.get(f"/status/{status}"), theirs.get(f"/status/{status}")
    assert fields(mine) == fields(other)
    if other.is_success:
        assert mine.raise_for_status() is mine
        return
    with pytest.raises(httpx.HTTPStatusError) as expected:
        other.raise_for_status()
    with pytest.raises(HTTPStatusError) as caught:
        mine.raise_for_status()
    assert str(caught.value) == str(expected.value)
    assert caught.value.response is mine and caught.value.request is mine.request


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "text/plain; charset=UTF-8",
        'text/html; charset="latin-1"',
        "application/json; charset=iso-8859-1",
        "text/plain; charset=no-such-codec",
        "text/plain; format=flowed; charset=ascii",
    ],
)
def test_charset_and_encoding(content_type: str | None) -> None:
    ours, theirs = both()
    headers = {} if content_type is None else {"x-answer-content-type": content_type}
    assert fields(ours.get("/", headers=headers)) == fields(theirs.get("/", headers=headers))


def test_encoding_can_be_set_before_text() -> None:
    response = TestClient(echo).get("/", headers={"x-answer-content-type": "text/plain"})
    response.encoding = "latin-1"
    assert response.encoding == "latin-1" and json.loads(response.text)["path"] == "/"
    with pytest.raises(ValueError, match="encoding"):
        response.encoding = "utf-8"


@pytest.mark.parametrize(
    "link",
    [
        '<https://api.example/items?page=2>; rel="next", <https://api.example/items?page=9>; '
        'rel="last"',
        "<https://a.example/front.jpeg>; type=image/jpeg,<https://a.example/back.jpeg>;",
        "<https://a.example/x>",
        "  ",
        "<https://a.example/x>; rel=a=b; title=t",
    ],
)
def test_links(link: str) -> None:
    ours, theirs = both()
    headers = {"x-answer-link": link}
    assert fields(ours.get("/", headers=headers)) == fields(theirs.get("/", headers=headers))


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="<>;=,\"' ab:/.", max_size=40))
def test_links_parse_as_httpx_parses_them(link: str) -> None:
    link = link.strip()
    if not link:
        return
    ours = TestClient(echo).get("/", headers={"x-answer-link": link}).links
    theirs = httpx.Response(200, headers={"link": link}).links
    assert ours == theirs


def test_gzip_body_counts_downloaded_bytes_before_decoding() -> None:
    ours, theirs = both()
    mine, other = ours.get("/gzip"), theirs.get("/gzip")
    assert mine.content == other.content
    assert mine.num_bytes_downloaded == other.num_bytes_downloaded < len(mine.content)


@pytest.mark.parametrize(
    "url",
    [
        "/a%20b/c?x=1&y=%20",
        "http://testserver:80/p",
        "https://example.org:8443/q?z=1#frag",
        "http://user:p%40ss@testserver/u",
        "/",
    ],
)
def test_url_attributes(url: str) -> None:
    ours, theirs = both(follow_redirects=False)
    mine, other = ours.get(url).url, theirs.get(url).url
    names = ("scheme", "host", "port", "path", "raw_path", "query", "fragment", "netloc")
    names += ("userinfo", "username", "password", "is_absolute_url", "is_relative_url")
    assert {n: getattr(mine, n) for n in names} == {n: getattr(other, n) for n in names}
    assert str(mine) == str(other) and mine == str(other) and repr(mine) == repr(other)
    assert dict(mine.params.multi_items()) == dict(other.params.multi_items())
    assert str(mine.join("../z?k=v")) == str(other.join("../z?k=v"))
    assert str(mine.copy_with(path="/n m", query=b"q=1")) == str(
        other.copy_with(path="/n m", query=b"q=1")
    )


def request_fields(request: Any) -> dict[str, Any]:
    return {
        "method": request.method,
        "url": str(request.url),
        "headers": [(k.lower(), v) for k, v in request.headers.items()],
        "read": request.read(),  # first: httpx's redirect request is a stream until read
        "content": request.content,
        "timeout": request.extensions.get("timeout"),
    }


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"json": {"k": [1, "ü"]}},
        {"data": {"a": "1", "b": ["x", "y"]}},
        {"content": b"raw", "headers": {"Content-Type": "text/plain"}},
        {"params": {"q": "1"}, "cookies": {"c": "v"}},
        {"timeout": 2.5},
        {"timeout": None},
    ],
)
def test_build_request_and_response_request(options: dict[str, Any]) -> None:
    ours, theirs = both()
    built, expected = (c.build_request("POST", "/echo?keep=1", **options) for c in (ours, theirs))
    assert request_fields(built) == request_fields(expected)
    mine, other = ours.send(built), theirs.send(expected)
    assert mine.request is built
    assert request_fields(mine.request) == request_fields(other.request)
    assert mine.json() == other.json()


def test_send_after_editing_headers_and_stream() -> None:
    ours, theirs = both()
    answers = []
    for client in (ours, theirs):
        request = client.build_request("GET", "/edited")
        request.headers["x-answer-x-seen"] = "yes"
        response = client.send(request, stream=True)
        assert not response.is_closed
        with pytest.raises(RuntimeError, match="elapsed"):
            _ = response.elapsed
        response.read()
        response.close()
        assert response.is_closed and response.elapsed > datetime.timedelta(0)
        answers.append((response.headers["x-seen"], response.json()))
    assert answers[0] == answers[1]


def test_elapsed_of_a_stream_is_known_once_closed() -> None:
    for client in both():
        with (
            client.stream("GET", "/s") as response,
            pytest.raises(RuntimeError, match="read or closed"),
        ):
            _ = response.elapsed
        assert isinstance(response.elapsed, datetime.timedelta)


def test_event_hooks_are_called_as_httpx_calls_them() -> None:
    def record(client: Any) -> list[tuple[Any, ...]]:
        calls: list[tuple[Any, ...]] = []

        def on_request(request: Any) -> None:
            calls.append(("request", request.method, str(request.url)))
            request.headers["x-answer-x-hooked"] = "1"

        def on_response(response: Any) -> None:
            consumed = response.is_stream_consumed
            calls.append(("response", response.status_code, str(response.url), consumed))

        client.event_hooks = {"request": [on_request], "response": [on_response]}
        assert client.event_hooks == {"request": [on_request], "response": [on_response]}
        response = client.post("/status/307", content=b"x")
        calls.append(("final", response.headers.get("x-hooked"), len(response.history)))
        return calls

    ours, theirs = both()
    assert record(ours) == record(theirs)


def test_response_hook_may_raise_for_status() -> None:
    def check(response: Any) -> None:
        response.read()
        response.raise_for_status()

    ours = TestClient(echo)
    ours.event_hooks["response"].append(check)
    with pytest.raises(HTTPStatusError) as caught:
        ours.get("/status/404")
    assert caught.value.response.json()["path"] == "/status/404"
    constructed = TestClient(echo, event_hooks={"response": [check]})
    with pytest.raises(HTTPStatusError):
        constructed.get("/status/500")


def queries(client: Any) -> list[str]:
    answers = [
        client.get("/q?own=1"),
        client.get("/q?own=1", params={"r": "2"}),
        client.get("/q?own=1", params={}),
        client.get("/q", params={"a": "9"}),
        client.get("/q", params=[("b", "1"), ("b", "2")]),
    ]
    return [answer.json()["query"] for answer in answers]


@pytest.mark.parametrize("client_params", [None, {"a": "1", "b": "0"}, [("a", "1"), ("a", "3")]])
def test_client_params_merge_as_in_httpx(client_params: Any) -> None:
    ours, theirs = both()
    if client_params is not None:
        ours.params = client_params
        theirs.params = client_params
    assert str(ours.params) == str(theirs.params)
    assert queries(ours) == queries(theirs)


def test_params_given_to_the_constructor() -> None:
    client = TestClient(echo, params={"a": "1"})
    assert client.get("/q", params={"b": "2"}).json()["query"] == "a=1&b=2"


@pytest.mark.parametrize(
    "base_url", ["http://testserver", "http://testserver/api", "https://h/v1/"]
)
def test_base_url(base_url: str) -> None:
    ours, theirs = both(base_url=base_url)
    assert str(ours.base_url) == str(theirs.base_url)
    for url in ("/items", "items?x=1", "", "http://other/abs"):
        mine, other = ours.get(url), theirs.get(url)
        assert (str(mine.url), mine.json()) == (str(other.url), other.json())


def test_timeout_is_recorded_not_enforced() -> None:
    ours, theirs = both()
    assert request_fields(ours.build_request("GET", "/")) == request_fields(
        theirs.build_request("GET", "/")
    )
    ours.timeout = 0.001
    assert ours.get("/slow-enough").request.extensions["timeout"]["read"] == 0.001
    assert TestClient(echo, timeout=None).get("/").request.extensions["timeout"] == {
        "connect": None,
        "read": None,
        "write": None,
        "pool": None,
    }


def test_client_address_in_scope() -> None:
    ours, theirs = both(client=("10.0.0.7", 4321))
    assert ours.get("/").json()["client"] == theirs.get("/").json()["client"] == ["10.0.0.7", 4321]


def test_close_and_use_after_close() -> None:
    def run(client: Any) -> list[Any]:
        seen: list[Any] = [client.is_closed, client.trust_env]
        with client:
            seen.append(client.get("/").status_code)
        seen.append(client.is_closed)
        seen.append(client.get("/").status_code)  # Starlette's `with` leaves it open
        client.close()
        client.close()  # twice is fine
        seen.append(client.is_closed)
        with pytest.raises(RuntimeError) as caught:
            client.get("/")
        seen.append(str(caught.value))
        return seen

    ours, theirs = both()
    assert run(ours) == run(theirs)


def test_positional_arguments_follow_starlette() -> None:
    client = TestClient(echo, "http://testserver/root", False)
    assert str(client.base_url) == "http://testserver/root/"
    assert client.raise_server_exceptions is False


def test_url_equality_and_hash() -> None:
    url = ClientURL("http://testserver/a?b=1")
    assert url == "http://testserver/a?b=1" and url == ClientURL(str(url))
    assert url != "http://testserver/a" and len({url, ClientURL(str(url))}) == 1
    with pytest.raises(TypeError, match="Unexpected URL"):
        url.copy_with(nope=1)


def test_auth_on_send_and_on_the_client() -> None:
    def authorization(client: Any, **send: Any) -> str | None:
        client.headers["x-answer-x-auth"] = "1"
        request = client.build_request("GET", "/a")
        response: Any = client.send(request, **send)
        value: str | None = response.request.headers.get("authorization")
        return value

    ours, theirs = both()
    assert authorization(ours, auth=("u", "p")) == authorization(theirs, auth=("u", "p"))
    ours.auth = theirs.auth = ("c", "d")
    assert authorization(ours) == authorization(theirs)
    assert authorization(ours, auth=None) is authorization(theirs, auth=None) is None


async def hops(scope: Scope, receive: Receive, send: Send) -> None:
    """``/hop/<n>`` redirects to ``/hop/<n-1>``; ``/hop/0`` answers 200."""
    left = int(scope["path"].rsplit("/", 1)[1])
    headers = [(b"content-length", b"0")]
    if left:
        headers.append((b"location", f"/hop/{left - 1}".encode()))
    await send({"type": "http.response.start", "status": 302 if left else 200, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


@pytest.mark.parametrize("count", [20, 21])
def test_max_redirects_counts_as_httpx(count: int) -> None:
    ours, theirs = TestClient(hops), Starlette(hops)
    try:
        expected: Any = len(theirs.get(f"/hop/{count}").history)
    except httpx.TooManyRedirects:
        expected = "too many"
    try:
        got: Any = len(ours.get(f"/hop/{count}").history)
    except TooManyRedirects:
        got = "too many"
    assert got == expected
    ours.max_redirects = theirs.max_redirects = 2
    with pytest.raises(TooManyRedirects):
        ours.get("/hop/3")
    with pytest.raises(httpx.TooManyRedirects):
        theirs.get("/hop/3")


def test_next_request_of_a_redirect_not_followed() -> None:
    answers = []
    for client in both(follow_redirects=False):
        response = client.post("/status/307", content=b"again")
        following = response.next_request
        assert following is not None
        answers.append((request_fields(following), client.send(following).json()))
        assert client.get("/").next_request is None
    assert answers[0] == answers[1]


@pytest.mark.parametrize("chunk_size", [None, 1, 7, 64, 10_000])
def test_iterators_take_chunk_size(chunk_size: int | None) -> None:
    def chunks(client: Any) -> list[Any]:
        out = []
        for method in ("iter_raw", "iter_bytes", "iter_text"):
            with client.stream("GET", "/gzip") as response:
                pieces = list(getattr(response, method)(chunk_size))
                out.append((method, [len(piece) for piece in pieces], pieces[-1][-5:]))
        return out

    ours, theirs = both()
    mine = chunks(ours)
    assert mine == chunks(theirs)
    if chunk_size is not None:
        assert all(size <= chunk_size for _, sizes, _ in mine for size in sizes)


async def ws_echo(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": scope["query_string"].decode()})
    await send({"type": "websocket.close", "code": 1000})


def test_websocket_connect_with_params_hooks_and_after_close() -> None:
    def run(client: Any) -> list[Any]:
        hooked: list[str] = []
        client.params = {"p": "1"}
        client.event_hooks["request"].append(lambda request: hooked.append(request.method))
        with client.websocket_connect("/ws?x=1") as session:
            query = session.receive_text()
        client.close()
        with pytest.raises(RuntimeError) as caught:
            client.websocket_connect("/ws")
        return [query, hooked, str(caught.value)]

    assert run(TestClient(ws_echo)) == run(Starlette(ws_echo))


@pytest.mark.parametrize("query", ["", "a=1", "a=1&b=2&a=3", "b=x%20y&c="])
def test_url_param_copies(query: str) -> None:
    mine = ClientURL("http://h/p" + (f"?{query}" if query else ""))
    other = httpx.URL(str(mine))
    changes: list[tuple[str, tuple[Any, ...]]] = [
        ("copy_set_param", ("a", "9")),
        ("copy_set_param", ("z", 1)),
        ("copy_add_param", ("a", "new")),
        ("copy_remove_param", ("a",)),
        ("copy_merge_params", ({"a": "m", "n": "o"},)),
    ]
    for name, args in changes:
        assert str(getattr(mine, name)(*args)) == str(getattr(other, name)(*args)), name
    assert (mine.raw_scheme, mine.raw_host) == (other.raw_scheme, other.raw_host)


@pytest.mark.parametrize(
    "params",
    [
        [("b", "1"), ("a", "2"), ("b", "3")],
        "b=1&a=2&b=3",
        {"s": "x y", "t": ["1", "2"], "n": None, "f": True, "i": 4},
        "a=%2F&b=x+y&c=",
    ],
)
def test_request_params_are_grouped_by_name_as_in_httpx(params: Any) -> None:
    ours, theirs = both()
    assert ours.get("/q", params=params).json() == theirs.get("/q", params=params).json()


names = st.text(alphabet="abc _&=%+/ü", min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(names, names), max_size=5),
    st.lists(st.tuples(names, names), max_size=3),
)
def test_params_merge_property(client_params: list[Any], params: list[Any]) -> None:
    ours, theirs = both()
    ours.params = theirs.params = client_params
    mine = ours.get("/q?own=1", params=params or None).json()["query"]
    assert mine == theirs.get("/q?own=1", params=params or None).json()["query"]
