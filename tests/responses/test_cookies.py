from __future__ import annotations

import http.cookies
import time
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb.responses import PlainTextResponse, Response
from asgiweb.responses._cookies import build_set_cookie, http_date, quote_cookie_value
from tests.harness import drive

FIXED = datetime(2026, 1, 1, 12, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"key": "a", "value": "b"}, "a=b; Path=/; SameSite=lax"),
        ({"key": "a"}, 'a=""; Path=/; SameSite=lax'),
        ({"key": "a", "value": "b", "path": None, "samesite": None}, "a=b"),
        ({"key": "a", "value": "b", "max_age": 3600}, "a=b; Max-Age=3600; Path=/; SameSite=lax"),
        ({"key": "a", "value": "b", "max_age": 0}, "a=b; Max-Age=0; Path=/; SameSite=lax"),
        (
            {"key": "a", "value": "b", "expires": FIXED},
            "a=b; expires=Thu, 01 Jan 2026 12:30:05 GMT; Path=/; SameSite=lax",
        ),
        (
            {"key": "a", "value": "b", "expires": datetime(2026, 1, 1, 12, 30, 5)},
            "a=b; expires=Thu, 01 Jan 2026 12:30:05 GMT; Path=/; SameSite=lax",
        ),
        (
            {
                "key": "a",
                "value": "b",
                "expires": datetime(2026, 1, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2))),
            },
            "a=b; expires=Thu, 01 Jan 2026 12:30:05 GMT; Path=/; SameSite=lax",
        ),
        (
            {"key": "a", "value": "b", "expires": "Thu, 01 Jan 2026 00:00:00 GMT"},
            "a=b; expires=Thu, 01 Jan 2026 00:00:00 GMT; Path=/; SameSite=lax",
        ),
        ({"key": "a", "value": "b", "path": "/x"}, "a=b; Path=/x; SameSite=lax"),
        (
            {"key": "a", "value": "b", "domain": "example.com"},
            "a=b; Domain=example.com; Path=/; SameSite=lax",
        ),
        ({"key": "a", "value": "b", "secure": True}, "a=b; Path=/; SameSite=lax; Secure"),
        ({"key": "a", "value": "b", "httponly": True}, "a=b; HttpOnly; Path=/; SameSite=lax"),
        ({"key": "a", "value": "b", "samesite": "Strict"}, "a=b; Path=/; SameSite=Strict"),
        (
            {"key": "a", "value": "b", "samesite": "none", "secure": True},
            "a=b; Path=/; SameSite=none; Secure",
        ),
        (
            {"key": "a", "value": "b", "partitioned": True, "secure": True},
            "a=b; Partitioned; Path=/; SameSite=lax; Secure",
        ),
        (
            {
                "key": "session",
                "value": "abc",
                "max_age": 10,
                "expires": FIXED,
                "path": "/app",
                "domain": "x.org",
                "secure": True,
                "httponly": True,
                "samesite": "strict",
            },
            "session=abc; Domain=x.org; expires=Thu, 01 Jan 2026 12:30:05 GMT; HttpOnly; "
            "Max-Age=10; Path=/app; SameSite=strict; Secure",
        ),
        # values: written as Starlette's set_cookie (http.cookies) writes them
        ({"key": "t", "value": "YWJj==/+?@()"}, 't="YWJj==/+?@()"; Path=/; SameSite=lax'),
        ({"key": "t", "value": "a b"}, 't="a b"; Path=/; SameSite=lax'),
        ({"key": "t", "value": "a;b,c"}, 't="a\\073b\\054c"; Path=/; SameSite=lax'),
        ({"key": "t", "value": 'say "hi"\\'}, 't="say \\"hi\\"\\\\"; Path=/; SameSite=lax'),
        ({"key": "t", "value": "café"}, 't="caf\\351"; Path=/; SameSite=lax'),
    ],
)
def test_build_set_cookie_table(kwargs: dict[str, object], expected: str) -> None:
    assert build_set_cookie(**kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "a b"},
        {"key": ""},
        {"key": "a;b"},
        {"key": "a=b"},
        {"key": "a", "value": "snow☃"},
        {"key": "a", "value": 5},
        {"key": "a", "path": "/x\r\nEvil: 1"},
        {"key": "a", "path": "/x; Domain=evil.com"},
        {"key": "a", "domain": "x.com\n"},
        {"key": "a", "expires": "Thu\r\n"},
        {"key": "a", "expires": [1]},
        {"key": "a", "max_age": 1.5},
        {"key": "a", "max_age": True},
        {"key": "a", "samesite": "sometimes"},
        {"key": "a", "samesite": ""},
    ],
)
def test_build_set_cookie_rejects(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        build_set_cookie(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("seconds", [0, 60, 3600])
def test_expires_in_seconds_is_relative_to_now(seconds: int) -> None:
    header = build_set_cookie("a", "b", expires=seconds)
    stamp = header.split("expires=")[1].split(";")[0]
    when = parsedate_to_datetime(stamp).timestamp()
    assert abs(when - (time.time() + seconds)) <= 2


def test_http_date_matches_email_utils() -> None:
    from email.utils import formatdate

    for stamp in (0, 1_000_000_000, 1_767_225_600, 2_000_000_000.7):
        assert http_date(stamp) == formatdate(stamp, usegmt=True)


def test_matches_starlette_for_plain_values() -> None:
    starlette_responses = pytest.importorskip("starlette.responses")
    StarletteResponse = starlette_responses.Response

    theirs = StarletteResponse()
    theirs.set_cookie(
        "sid", "abc123", max_age=60, path="/p", domain="d.io", secure=True, httponly=True
    )
    expected = theirs.headers["set-cookie"]
    ours = build_set_cookie(
        "sid", "abc123", max_age=60, path="/p", domain="d.io", secure=True, httponly=True
    )
    assert ours == expected


_LATIN1_PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")


@given(st.text(_LATIN1_PRINTABLE, max_size=30))
def test_value_round_trips_through_simplecookie(value: str) -> None:
    header = build_set_cookie("k", value)
    jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
    jar.load(header)
    assert jar["k"].value == value


@given(st.text(_LATIN1_PRINTABLE, max_size=30))
def test_quoted_value_has_only_safe_octets(value: str) -> None:
    quoted = quote_cookie_value(value)
    if quoted.startswith('"') and len(quoted) >= 2:
        inner = quoted[1:-1].replace('\\"', "").replace("\\\\", "")
        assert '"' not in inner
        assert ";" not in inner and "," not in inner
    assert all(0x20 <= ord(c) <= 0x7E for c in quoted)


# --- Response.set_cookie on the wire -----------------------------------------------


@pytest.mark.anyio
async def test_set_cookie_every_attribute_and_several_headers() -> None:
    response = PlainTextResponse("ok")
    expires = datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC)
    response.set_cookie(
        "session",
        "abc",
        max_age=600,
        expires=expires,
        path="/app",
        domain="example.com",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie("theme", "dark mode")
    response.set_cookie("soon", "1", expires=60, samesite="none", secure=True)
    response.delete_cookie("old", path="/x", domain="example.com")
    peer = await drive(response)
    cookies = peer.header_list("set-cookie")
    assert cookies[0] == (
        "session=abc; Domain=example.com; expires=Mon, 06 May 2030 07:08:09 GMT; HttpOnly; "
        "Max-Age=600; Path=/app; SameSite=strict; Secure"
    )
    assert cookies[1] == 'theme="dark mode"; Path=/; SameSite=lax'
    assert cookies[2].startswith("soon=1; expires=") and "SameSite=none; Secure" in cookies[2]
    assert cookies[3].startswith('old=""; Domain=example.com; expires=')
    assert "Max-Age=0; Path=/x" in cookies[3]
    assert len(cookies) == 4


@pytest.mark.anyio
@pytest.mark.parametrize(
    "kwargs",
    [
        {"key": "a", "value": "v☃"},
        {"key": "a", "samesite": "bogus"},
        {"key": "a b"},
        {"key": "a", "path": "/\n"},
    ],
)
async def test_set_cookie_rejects_bad_input(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Response().set_cookie(**kwargs)
