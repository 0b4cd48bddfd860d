"""Every rule of asgiweb._http, as tables of inputs and the answer the RFC gives."""

from __future__ import annotations

import calendar
import http.cookies
from datetime import UTC, datetime, timedelta, timezone
from email.utils import formatdate
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb import _http
from asgiweb._http import (
    CHUNK_SIZE,
    CONTROL_CHARACTER,
    COOKIE_OCTETS,
    FIELD_VALUE_FORBIDDEN,
    FIELD_VALUE_FORBIDDEN_BYTES,
    TOKEN,
    TOKEN_BYTES,
    http_date,
    parse_http_date,
    quote_cookie_value,
    quote_request_cookie_value,
    unquote_cookie_value,
    validate_header,
)

TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize(
    ("text", "is_token"),
    [
        ("content-type", True),
        ("X-Custom_1", True),
        (TCHARS, True),
        ("", False),
        ("a b", False),
        ("a:b", False),
        ("a\tb", False),
        ('a"b', False),
        ("a(b)", False),
        ("a,b", False),
        ("a;b", False),
        ("a/b", False),
        ("a=b", False),
        ("a@b", False),
        ("a[b]", False),
        ("a{b}", False),
        ("a\\b", False),
        ("é", False),
        ("a\x7f", False),
    ],
)
def test_token(text: str, is_token: bool) -> None:
    assert (TOKEN.fullmatch(text) is not None) is is_token
    # The bytes form (the test server's check) says the same for latin-1 text.
    assert (TOKEN_BYTES.fullmatch(text.encode("latin-1")) is not None) is is_token


def test_token_is_exactly_tchar() -> None:
    allowed = {chr(c) for c in range(256) if TOKEN.fullmatch(chr(c))}
    assert allowed == set(TCHARS)
    assert {c for c in range(256) if TOKEN_BYTES.fullmatch(bytes([c]))} == {ord(c) for c in TCHARS}


@pytest.mark.parametrize(
    ("value", "forbidden"),
    [
        ("text/plain; charset=utf-8", False),
        ("a\tb", False),  # HTAB is allowed inside a field value
        (" padded ", False),
        ("café", False),  # obs-text
        ("a\rb", True),
        ("a\nb", True),
        ("a\x00b", True),
        ("a\x1fb", True),
        ("a\x7fb", True),
        ("a\x0bb", True),
    ],
)
def test_field_value(value: str, forbidden: bool) -> None:
    assert (FIELD_VALUE_FORBIDDEN.search(value) is not None) is forbidden
    raw = value.encode("latin-1")
    assert (FIELD_VALUE_FORBIDDEN_BYTES.search(raw) is not None) is forbidden


@pytest.mark.parametrize(
    ("name", "value", "encoded"),
    [
        ("Content-Type", "text/plain", (b"content-type", b"text/plain")),
        ("x-tab", "a\tb", (b"x-tab", b"a\tb")),
        ("x-latin", "café", (b"x-latin", "café".encode("latin-1"))),
        ("x-empty", "", (b"x-empty", b"")),
        ("bad name", "v", None),
        ("", "v", None),
        ("x-split", "a\r\nset-cookie: x=1", None),
        ("x-nul", "a\x00", None),
        ("x-del", "a\x7f", None),
        ("x-int", 3, None),
        (b"x-bytes", "v", None),
    ],
)
def test_validate_header(name: Any, value: Any, encoded: tuple[bytes, bytes] | None) -> None:
    if encoded is None:
        with pytest.raises(ValueError):
            validate_header(name, value)
    else:
        assert validate_header(name, value) == encoded


def test_field_value_forbids_exactly_ctl_but_htab() -> None:
    ctl = {*range(0x20), 0x7F}
    assert {c for c in range(256) if FIELD_VALUE_FORBIDDEN.search(chr(c))} == ctl - {0x09}
    assert {c for c in range(256) if FIELD_VALUE_FORBIDDEN_BYTES.search(bytes([c]))} == ctl - {9}
    assert {c for c in range(256) if CONTROL_CHARACTER.search(chr(c))} == ctl


def test_cookie_octets_are_rfc6265() -> None:
    expected = {
        0x21,
        *range(0x23, 0x2C),
        *range(0x2D, 0x3B),
        *range(0x3C, 0x5C),
        *range(0x5D, 0x7F),
    }
    assert {c for c in range(256) if COOKIE_OCTETS.fullmatch(chr(c))} == expected


@pytest.mark.parametrize(
    ("value", "on_wire", "in_request"),
    [
        ("abc", "abc", "abc"),
        ("", '""', ""),
        ("x=y=", '"x=y="', "x=y="),
        ("a b", '"a b"', '"a b"'),
        ("a,b", '"a\\054b"', '"a,b"'),
        ("a;b", '"a\\073b"', '"a;b"'),
        ('say "hi"', '"say \\"hi\\""', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"', '"back\\\\slash"'),
        ("café", '"caf\\351"', '"café"'),
    ],
)
def test_cookie_quoting(value: str, on_wire: str, in_request: str) -> None:
    assert quote_cookie_value(value) == on_wire
    assert quote_request_cookie_value(value) == in_request
    for quoted in (on_wire, in_request):
        body = quoted[1:-1] if quoted.startswith('"') else quoted
        assert unquote_cookie_value(body) == value


@pytest.mark.parametrize("value", ["snow☃", "a\nb☃", "\u0100"])
def test_cookie_quoting_refuses(value: str) -> None:
    with pytest.raises(ValueError):
        quote_cookie_value(value)


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
    )
)
def test_cookie_quoting_reads_back_like_simplecookie(value: str) -> None:
    quoted = quote_cookie_value(value)
    jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
    jar.load(f"k={quoted}")
    assert jar["k"].value == value
    body = quoted[1:-1] if quoted.startswith('"') else quoted
    assert unquote_cookie_value(body) == value


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784111777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (datetime(2024, 2, 29, 23, 59, 59), "Thu, 29 Feb 2024 23:59:59 GMT"),
        (
            datetime(2024, 3, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=2))),
            "Thu, 29 Feb 2024 23:00:00 GMT",
        ),
        (datetime(1999, 12, 31, 12, 0, tzinfo=UTC), "Fri, 31 Dec 1999 12:00:00 GMT"),
    ],
)
def test_http_date(moment: datetime | float, text: str) -> None:
    assert http_date(moment) == text
    assert _http.IMF_FIXDATE.fullmatch(text) is not None


@given(st.integers(min_value=0, max_value=253402300799))
def test_http_date_matches_email_utils_and_reads_back(seconds: int) -> None:
    text = http_date(seconds)
    assert text == formatdate(seconds, usegmt=True)
    assert parse_http_date(text) == seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784111777),  # IMF-fixdate
        ("  Sun, 06 Nov 1994 08:49:37 GMT ", 784111777),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 784111777),  # obsolete RFC 850 form
        ("Sun Nov  6 08:49:37 1994", 784111777),  # obsolete asctime form
        ("Thu, 29 Feb 2024 00:00:00 GMT", calendar.timegm((2024, 2, 29, 0, 0, 0))),
        ("Fri, 30 Feb 2024 00:00:00 GMT", None),  # no such day
        ("Sun, 06 Nov 1994 25:49:37 GMT", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_http_date(text: str, seconds: int | None) -> None:
    assert parse_http_date(text) == seconds


def test_month_and_day_names() -> None:
    assert " ".join(_http.MONTH_NAMES) == "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec"
    assert _http.DAY_NAMES == ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def test_one_home_for_shared_names() -> None:
    from asgiweb.datastructures import Headers
    from asgiweb.middleware import gzip
    from asgiweb.responses import _cookies, _ranges, files, streaming

    assert files.CHUNK_SIZE is streaming.CHUNK_SIZE is CHUNK_SIZE == 64 * 1024
    assert _cookies.http_date is http_date
    assert _cookies.quote_cookie_value is quote_cookie_value
    assert _ranges.parse_http_date is parse_http_date
    assert gzip.RawHeaders is _http.RawHeaders
    assert Headers(raw=[(b"a", b"b")]).raw == [(b"a", b"b")]
