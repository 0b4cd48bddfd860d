"""asgiweb's TestClient beside Starlette's (httpx2 underneath), as a test suite uses it.

A FastAPI test suite moved over keeps its test code: ``client.headers`` edited,
``client.cookies.set(...)``, ``auth=(user, password)``, ``json=``/``data=``/
``content=``.  An echo app reports what reached it (method, path, query string,
the header lines in order, the body), and both clients must deliver the same.
"""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient as StarletteClient

from asgiweb.testclient import ClientCookies, ClientHeaders, TestClient
from asgiweb.types import Receive, Scope, Send


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    seen = {
        "method": scope["method"],
        "path": scope["path"],
        "query": scope["query_string"].decode("latin-1"),
        "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
        "body": body.decode("latin-1"),
    }
    headers = [(b"content-type", b"application/json")]
    if scope["path"] == "/login":
        headers.append((b"set-cookie", b"session=abc; Path=/"))
    if scope["path"] == "/logout":
        headers.append((b"set-cookie", b'session=""; Max-Age=0; Path=/'))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": json.dumps(seen).encode()})


def clients() -> tuple[TestClient, StarletteClient]:
    return TestClient(echo), StarletteClient(echo)


def seen_by_both(method: str, url: str, **options: Any) -> dict[str, Any]:
    ours, theirs = clients()
    mine = ours.request(method, url, **options).json()
    reference = theirs.request(method, url, **options).json()
    assert mine == reference
    return mine  # type: ignore[no-any-return]


CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/plain", {}),
    ("GET", "/q", {"params": {"a": "1", "b": ["x", "y"]}}),
    ("GET", "/q?z=1", {"params": {"a": "2"}}),
    ("POST", "/empty", {}),
    ("PUT", "/empty", {}),
    ("DELETE", "/empty", {}),
    ("POST", "/json", {"json": {"a": 1, "b": [True, None], "c": "é"}}),
    ("POST", "/form", {"data": {"name": "Rick", "tags": ["a", "b"]}}),
    ("POST", "/raw", {"content": b"\x00raw bytes"}),
    ("POST", "/raw", {"content": "text", "headers": {"content-type": "text/plain"}}),
    ("GET", "/h", {"headers": {"X-Token": "t", "User-Agent": "mine"}}),
    ("GET", "/h", {"headers": [("x-tag", "one"), ("x-tag", "two")]}),
    ("GET", "/auth", {"auth": ("john", "secret")}),
    ("GET", "/auth", {"auth": ("jöhn", "pässword")}),
    ("GET", "/auth", {"auth": ("u", "p"), "headers": {"authorization": "Bearer x"}}),
    ("GET", "/c", {"cookies": {"a": "1"}}),
]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize(("method", "url", "options"), CALLS)
def test_what_reaches_the_app_as_with_starlettes_client(
    method: str, url: str, options: dict[str, Any]
) -> None:
    seen_by_both(method, url, **options)


def test_default_headers_are_the_clients_and_can_be_edited() -> None:
    ours, theirs = clients()
    assert dict(ours.headers) == dict(theirs.headers)
    for client in (ours, theirs):
        client.headers.clear()
    assert ours.get("/").json() == theirs.get("/").json()
    assert ours.get("/").json()["headers"] == [["host", "testserver"]]
    for client in (ours, theirs):
        client.headers["Authorization"] = "Bearer abc"
        client.headers.update({"x-one": "1"})
        del client.headers["x-one"]
    assert ours.get("/").json() == theirs.get("/").json()
    assert "authorization" in ours.headers and ours.headers["AUTHORIZATION"] == "Bearer abc"


def test_the_cookie_jar_as_httpx_spells_it() -> None:
    ours, theirs = clients()
    for client in (ours, theirs):
        client.cookies.set("session_id", "123")
        client.cookies.set("tracker", "456", domain="", path="/")
        client.cookies["other"] = "7"
    assert ours.get("/").json() == theirs.get("/").json()
    assert ours.cookies.get("session_id") == theirs.cookies.get("session_id") == "123"
    assert ours.cookies.get("missing", "d") == "d"
    for client in (ours, theirs):
        client.cookies.delete("tracker")
    assert ours.get("/").json() == theirs.get("/").json()
    for client in (ours, theirs):
        client.cookies.clear()
    assert ours.get("/").json() == theirs.get("/").json()
    assert len(ours.cookies) == 0


def test_cookies_the_app_sets_are_kept_and_dropped() -> None:
    ours, theirs = clients()
    for client in (ours, theirs):
        response = client.get("/login")
        assert response.cookies["session"] == "abc"
    assert dict(ours.cookies) == dict(theirs.cookies) == {"session": "abc"}
    assert ours.get("/after").json() == theirs.get("/after").json()
    for client in (ours, theirs):
        client.get("/logout")
    assert dict(ours.cookies) == dict(theirs.cookies) == {}


def test_client_auth_applies_to_every_request() -> None:
    ours, theirs = clients()
    for client in (ours, theirs):
        client.auth = ("admin", "pw")
    assert ours.get("/a").json() == theirs.get("/a").json()
    assert ["authorization", "Basic YWRtaW46cHc="] in ours.get("/a").json()["headers"]


def test_the_mappings_behave_as_mappings() -> None:
    headers = ClientHeaders([("X-A", "1")])
    assert headers == {"X-A": "1"} and headers.copy() == headers
    cookies = ClientCookies({"a": "1"})
    assert cookies == {"a": "1"} and list(cookies) == ["a"] and "a" in cookies


@settings(max_examples=40, deadline=None)
@given(
    params=st.dictionaries(
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=6),
        st.text(st.characters(codec="utf-8"), max_size=6),
        max_size=3,
    ),
    cookies=st.dictionaries(
        st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=6),
        st.text("abcdefghijklmnopqrstuvwxyz0123456789-._", max_size=8),
        max_size=3,
    ),
)
def test_generated_params_and_cookies_reach_the_app_alike(
    params: dict[str, str], cookies: dict[str, str]
) -> None:
    ours, theirs = clients()
    for client in (ours, theirs):
        for name, value in cookies.items():
            client.cookies.set(name, value)
    assert ours.get("/g", params=params).json() == theirs.get("/g", params=params).json()
