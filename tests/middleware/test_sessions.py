"""SessionMiddleware: a signed, timestamped cookie; bad cookies give an empty session.

Starlette's own SessionMiddleware needs ``itsdangerous``, which is not installed,
so its behaviour (cookie attributes, when the cookie is re-sent, ``Vary``) is
asserted here as Starlette documents and implements it.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb import App, Request
from asgiweb.middleware import Middleware
from asgiweb.middleware import sessions as sessions_module
from asgiweb.middleware.sessions import Session, SessionMiddleware
from asgiweb.testclient import TestClient
from tests.harness import Peer, http_scope, run_asgi, websocket_scope

SECRET = "a-test-secret"


def make_app(**options: Any) -> App:
    app = App(middleware=[Middleware(SessionMiddleware, secret_key=SECRET, **options)])

    @app.get("/get")
    async def get_session(request: Request) -> dict[str, Any]:
        return dict(request.session)

    @app.post("/set")
    async def set_session(request: Request) -> dict[str, Any]:
        request.session.update(await request.json())
        return dict(request.session)

    @app.post("/clear")
    async def clear_session(request: Request) -> dict[str, Any]:
        request.session.clear()
        return {}

    @app.post("/append")
    async def append(request: Request) -> dict[str, Any]:
        request.session["items"].append(len(request.session["items"]))
        return dict(request.session)

    @app.get("/untouched")
    async def untouched() -> str:
        return "no session here"

    return app


def middleware_of(**options: Any) -> SessionMiddleware:
    async def inner(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("not called")

    return SessionMiddleware(inner, secret_key=SECRET, **options)


def test_session_round_trip_and_cookie_attributes() -> None:
    client = TestClient(make_app())
    r = client.post("/set", json={"user": "ada", "n": 1})
    assert r.json() == {"user": "ada", "n": 1}
    cookie = r.headers["set-cookie"]
    name_value, rest = cookie.split("; ", 1)
    assert name_value.startswith("session=")
    assert rest == "path=/; Max-Age=1209600; httponly; samesite=lax"
    assert client.get("/get").json() == {"user": "ada", "n": 1}


def test_cookie_is_only_resent_when_the_session_changed() -> None:
    client = TestClient(make_app())
    client.post("/set", json={"a": 1})
    read = client.get("/get")
    assert "set-cookie" not in read.headers
    assert read.headers["vary"] == "Cookie"
    same = client.post("/set", json={"a": 1})  # update() marks it changed, as Starlette
    assert "set-cookie" in same.headers
    untouched = client.get("/untouched")
    assert "set-cookie" not in untouched.headers
    assert "vary" not in untouched.headers


def test_a_change_inside_a_value_is_persisted() -> None:
    client = TestClient(make_app())
    client.post("/set", json={"items": []})
    r = client.post("/append")
    assert r.json() == {"items": [0]}
    assert "set-cookie" in r.headers
    assert client.post("/append").json() == {"items": [0, 1]}
    assert client.get("/get").json() == {"items": [0, 1]}


def test_clearing_sends_an_expired_cookie_once() -> None:
    client = TestClient(make_app())
    client.post("/set", json={"a": 1})
    r = client.post("/clear")
    assert r.headers["set-cookie"] == (
        "session=null; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly; samesite=lax"
    )
    assert "session" not in client.cookies
    again = client.post("/clear")  # no session came in: nothing to clear
    assert "set-cookie" not in again.headers
    assert client.get("/get").json() == {}


def test_cookie_options() -> None:
    client = TestClient(
        make_app(
            session_cookie="sid",
            max_age=None,
            path="/app",
            same_site="strict",
            https_only=True,
            domain="example.org",
            partitioned=True,
        ),
        base_url="https://example.org",
    )
    r = client.post("/set", json={"a": 1})
    name_value, rest = r.headers["set-cookie"].split("; ", 1)
    assert name_value.startswith("sid=")
    assert rest == "path=/app; httponly; samesite=strict; secure; domain=example.org; partitioned"


def test_cookie_value_is_three_urlsafe_parts() -> None:
    value = middleware_of().sign(b'{"a":1}')
    parts = value.split(".")
    assert len(parts) == 3
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert all(part and set(part) <= allowed for part in parts)


def valid_cookie(data: bytes = b'{"user":"ada"}', **options: Any) -> str:
    return middleware_of(**options).sign(data)


def flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


@pytest.mark.parametrize(
    "cookie",
    [
        flip(valid_cookie(), 0),  # payload
        flip(valid_cookie(), valid_cookie().index(".") + 1),  # timestamp
        flip(valid_cookie(), len(valid_cookie()) - 2),  # signature
        valid_cookie()[:-4],
        valid_cookie().rsplit(".", 1)[0],
        valid_cookie().replace(".", "", 1),
        valid_cookie() + ".x",
        "." + valid_cookie(),
        "",
        "null",
        "...",
        "not-base64!.@@.##",
        "\u00e9\u00e9.\u00e9.\u00e9",
    ],
)
def test_tampered_cookie_gives_an_empty_session(cookie: str) -> None:
    client = TestClient(make_app())
    r = client.get("/get", cookies={"session": cookie})
    assert (r.status_code, r.json()) == (200, {})
    assert client.get("/get", cookies={"session": valid_cookie()}).json() == {"user": "ada"}


def test_foreign_cookies_give_an_empty_session() -> None:
    other_key = SessionMiddleware(make_app(), secret_key="another-secret").sign(b'{"user":"eve"}')
    other_name = middleware_of(session_cookie="other").sign(b'{"user":"eve"}')
    client = TestClient(make_app())
    assert client.get("/get", cookies={"session": other_key}).json() == {}
    assert client.get("/get", cookies={"session": other_name}).json() == {}


def test_signed_non_objects_give_an_empty_session() -> None:
    client = TestClient(make_app())
    for data in (b"[1, 2]", b'"text"', b"not json", b"\xff\xfe"):
        assert client.get("/get", cookies={"session": valid_cookie(data)}).json() == {}


def test_expired_and_future_cookies_give_an_empty_session() -> None:
    middleware = middleware_of(max_age=100)
    client = TestClient(make_app(max_age=100))
    fresh = middleware.sign(b'{"a":1}', now=time.time() - 90)
    stale = middleware.sign(b'{"a":1}', now=time.time() - 110)
    future = middleware.sign(b'{"a":1}', now=time.time() + 3600)
    assert client.get("/get", cookies={"session": fresh}).json() == {"a": 1}
    assert client.get("/get", cookies={"session": stale}).json() == {}
    assert client.get("/get", cookies={"session": future}).json() == {}
    forever = middleware_of(max_age=None).sign(b'{"a":1}', now=0)
    assert TestClient(make_app(max_age=None)).get("/get", cookies={"session": forever}).json() == {
        "a": 1
    }


def test_signature_is_hmac_sha256_compared_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import hashlib
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(sessions_module.hmac, "compare_digest", spy)
    cookie = valid_cookie()
    assert TestClient(make_app()).get("/get", cookies={"session": cookie}).json() == {"user": "ada"}
    assert len(calls) == 1
    assert len(calls[0][0]) == hashlib.sha256().digest_size


@settings(max_examples=200)
@given(value=st.text(alphabet=st.characters(codec="latin-1", exclude_characters=";\x00\r\n")))
def test_property_any_cookie_value_never_errors(value: str) -> None:
    middleware = middleware_of()
    scope = http_scope(headers=[("cookie", f"session={value}")])
    session, initial = middleware.load(scope)
    assert session == {}
    assert initial is None


@settings(max_examples=100)
@given(
    data=st.dictionaries(
        st.text(max_size=8),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=8),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
            max_leaves=6,
        ),
        max_size=4,
    )
)
def test_property_any_json_session_round_trips(data: dict[str, Any]) -> None:
    import json

    middleware = middleware_of()
    value = middleware.sign(json.dumps(data).encode())
    session, _ = middleware.load(http_scope(headers=[("cookie", f"session={value}")]))
    assert session == data


def test_request_session_without_the_middleware_is_a_clear_error() -> None:
    with pytest.raises(AssertionError, match="SessionMiddleware must be installed"):
        _ = Request(http_scope()).session
    app = App()

    @app.get("/")
    async def read(request: Request) -> dict[str, Any]:
        return dict(request.session)

    with pytest.raises(AssertionError, match="SessionMiddleware"):
        TestClient(app).get("/")


def test_add_middleware_and_websocket_scopes() -> None:
    app = App()
    app.add_middleware(SessionMiddleware, secret_key=SECRET)

    @app.get("/")
    async def read(request: Request) -> dict[str, Any]:
        request.session["seen"] = True
        return dict(request.session)

    client = TestClient(app)
    assert client.get("/").json() == {"seen": True}
    assert client.cookies["session"]

    seen: dict[str, Any] = {}

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope["session"])

    middleware = SessionMiddleware(inner, secret_key=SECRET)
    scope = websocket_scope(headers=[("cookie", "session=" + valid_cookie())])
    run_asgi(middleware, scope, Peer(messages=[{"type": "websocket.connect"}]))
    assert seen == {"user": "ada"}


def test_session_tracks_access_and_changes() -> None:
    session = Session({"a": 1})
    assert not session.accessed and not session.modified
    session.pop("missing", None)
    session.setdefault("a", 2)
    assert not session.modified
    session |= {"b": 2}
    assert session.modified and session == {"a": 1, "b": 2}
    for change in (
        lambda s: s.__setitem__("x", 1),
        lambda s: s.__delitem__("a"),
        lambda s: s.pop("a"),
        lambda s: s.popitem(),
        lambda s: s.setdefault("new", 1),
        lambda s: s.update(c=3),
        lambda s: s.clear(),
    ):
        fresh = Session({"a": 1})
        change(fresh)
        assert fresh.modified and fresh.accessed


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="secret_key"):
        middleware_of().__class__(make_app(), secret_key="")
