from __future__ import annotations

import json
from typing import Any

import pytest

from asgiweb.exceptions import ClientDisconnect, HTTPException
from asgiweb.requests import Request, parse_cookie_header
from asgiweb.types import Message
from tests.harness import Peer, http_scope


def request_scope(**overrides: Any) -> dict[str, Any]:
    headers = overrides.pop("headers", [("host", "testserver"), ("cookie", 'k=v; q="a\\054b"')])
    return http_scope(
        "POST",
        "/p",
        headers,
        query_string=b"a=1&a=2&b=x",
        client=("1.2.3.4", 5678),
        **overrides,
    )


def client_sending(*messages: Message) -> Peer:
    """A peer that hands out ``messages`` and then reports the disconnect."""
    return Peer(messages=messages, disconnect_when_done=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a=1", {"a": "1"}),
        ("a=1; b=2", {"a": "1", "b": "2"}),
        (" a = 1 ;b=2;", {"a": "1", "b": "2"}),
        ('a="quoted value"', {"a": "quoted value"}),
        ('a="x\\"y"', {"a": 'x"y'}),
        ('a="v\\040v"', {"a": "v v"}),
        ("a=1; a=2", {"a": "2"}),
        ("novalue", {"": "novalue"}),
        ("a=b=c", {"a": "b=c"}),
        ("", {}),
    ],
)
def test_cookie_header_parsing(header: str, expected: dict[str, str]) -> None:
    assert parse_cookie_header(header) == expected


def test_lazy_attributes() -> None:
    request = Request(request_scope(), path_params={"x": 1})
    assert request.method == "POST"
    assert str(request.url) == "http://testserver/p?a=1&a=2&b=x"
    assert request.query_params.getlist("a") == ["1", "2"]
    assert request.headers["HOST"] == "testserver"
    assert request.cookies == {"k": "v", "q": "a,b"}
    assert request.client == ("1.2.3.4", 5678)
    assert request.path_params == {"x": 1}
    request.state.user = "u"
    assert request.scope["state"] == {"user": "u"}


@pytest.mark.anyio
async def test_body_is_read_once_and_cached() -> None:
    peer = client_sending(
        {"type": "http.request", "body": b'{"a":', "more_body": True},
        {"type": "http.request", "body": b" 1}", "more_body": False},
    )
    request = Request(request_scope(), peer.receive)
    assert await request.body() == b'{"a": 1}'
    assert await request.body() == b'{"a": 1}'
    assert await request.json() == {"a": 1}
    assert peer.receive_calls == 2
    assert [c async for c in request.stream()] == [b'{"a": 1}', b""]


@pytest.mark.anyio
async def test_stream_yields_chunks_in_order() -> None:
    peer = client_sending(
        {"type": "http.request", "body": b"a", "more_body": True},
        {"type": "http.request", "body": b"b", "more_body": False},
    )
    request = Request(request_scope(), peer.receive)
    assert [c async for c in request.stream()] == [b"a", b"b", b""]
    with pytest.raises(RuntimeError):
        await request.body()


@pytest.mark.anyio
async def test_disconnect_while_reading() -> None:
    peer = client_sending({"type": "http.request", "body": b"a", "more_body": True})
    request = Request(request_scope(), peer.receive)
    with pytest.raises(ClientDisconnect):
        await request.body()
    assert await request.is_disconnected()


@pytest.mark.anyio
async def test_size_limit_from_content_length_reads_nothing() -> None:
    peer = client_sending({"type": "http.request", "body": b"x" * 20})
    scope = request_scope(headers=[(b"content-length", b"20")])
    request = Request(scope, peer.receive, max_body_size=10)
    with pytest.raises(HTTPException) as info:
        await request.body()
    assert info.value.status_code == 413
    assert peer.receive_calls == 0


@pytest.mark.anyio
async def test_size_limit_while_reading_chunked_body() -> None:
    peer = client_sending(
        {"type": "http.request", "body": b"x" * 8, "more_body": True},
        {"type": "http.request", "body": b"x" * 8, "more_body": False},
    )
    request = Request(request_scope(headers=[]), peer.receive, max_body_size=10)
    with pytest.raises(HTTPException) as info:
        await request.body()
    assert info.value.status_code == 413


@pytest.mark.anyio
async def test_invalid_content_length_is_400() -> None:
    request = Request(
        request_scope(headers=[(b"content-length", b"abc")]),
        client_sending().receive,
        max_body_size=5,
    )
    with pytest.raises(HTTPException) as info:
        await request.body()
    assert info.value.status_code == 400


@pytest.mark.anyio
async def test_form_urlencoded() -> None:
    peer = client_sending({"type": "http.request", "body": b"a=1&b=%C3%A9&a=2"})
    scope = request_scope(headers=[("content-type", "application/x-www-form-urlencoded")])
    form = await Request(scope, peer.receive).form()
    assert form["b"] == "é"
    assert form.getlist("a") == ["1", "2"]


@pytest.mark.anyio
async def test_is_disconnected_does_not_swallow_unread_body() -> None:
    peer = client_sending({"type": "http.request", "body": b"data"})
    request = Request(request_scope(), peer.receive)
    assert await request.is_disconnected() is False
    assert await request.body() == b"data"


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "\xc3\xa9"}',
        b"[1, 2]",
        b"{",
        b'{"a": "\\ud800"}',
        b'{"a": "\xff"}',
        "\ufeff[1]".encode("utf-8"),
        '{"a": 1}'.encode("utf-16-le"),
        '{"a": 1}'.encode("utf-16"),
        '["x"]'.encode("utf-32-le"),
        b'  {"a": 1}',
        b"1",
    ],
)
async def test_json_decodes_as_json_loads_of_the_bytes(body: bytes) -> None:
    # Request.json() skips json's encoding detection for an ASCII `{`/`[` opening;
    # every body must still give what json.loads(bytes) gives, value or error.
    try:
        expected: Any = json.loads(body)
    except ValueError as exc:
        expected = type(exc)
    peer = client_sending({"type": "http.request", "body": body})
    request = Request(request_scope(), peer.receive)
    try:
        got: Any = await request.json()
    except ValueError as exc:
        got = type(exc)
    assert got == expected


def _urlencoded(*messages: Message) -> Request:
    scope = request_scope(headers=[("content-type", "application/x-www-form-urlencoded")])
    return Request(scope, client_sending(*messages).receive)


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [b"", b"a=1&b=%C3%A9&a=2", b"x=" + b"y" * 70_000 + b"&z=%2B", b"&&k&=v&" * 300],
)
async def test_a_form_in_one_message_equals_the_same_form_in_pieces(body: bytes) -> None:
    # One message takes the whole-body parse, pieces the stream: the same form.
    whole = await _urlencoded({"type": "http.request", "body": body}).form()
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)] or [b""]
    messages = [{"type": "http.request", "body": p, "more_body": True} for p in pieces]
    messages[-1]["more_body"] = False
    streamed = await _urlencoded(*messages).form()
    assert whole.multi_items() == streamed.multi_items()


@pytest.mark.anyio
async def test_form_limits_hold_for_a_body_in_one_message() -> None:
    request = _urlencoded({"type": "http.request", "body": b"a=1&b=2&c=3"})
    with pytest.raises(HTTPException) as caught:
        await request.form(max_fields=2)
    assert caught.value.status_code == 400
    assert "Too many fields" in str(caught.value.detail)
    request = _urlencoded({"type": "http.request", "body": b"a=" + b"x" * 50})
    with pytest.raises(HTTPException) as caught:
        await request.form(max_part_size=10)
    assert caught.value.status_code == 400
    request = _urlencoded({"type": "http.request", "body": b"a=1"})
    await request.form()
    with pytest.raises(RuntimeError):  # the stream is consumed, as after a streamed form
        await request.body()
