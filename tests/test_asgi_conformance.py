"""The ASGI conformance checker (tests/asgi_conformance.py) catches what it claims to catch."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest

from asgiweb.responses import PlainTextResponse
from tests.asgi_conformance import ASGIViolation, check_http_messages
from tests.harness import http_scope as make_scope
from tests.harness import run_asgi

START = {"type": "http.response.start", "status": 200, "headers": []}
END = {"type": "http.response.body", "body": b""}


def test_a_plain_response_passes() -> None:
    check_http_messages([START, {"type": "http.response.body", "body": b"hi"}])
    check_http_messages(
        [
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]},
            {"type": "http.response.body", "body": b"h", "more_body": True},
            {"type": "http.response.body", "body": b"i", "more_body": False},
        ]
    )


@pytest.mark.parametrize(
    ("messages", "scope", "fragment"),
    [
        ([END], None, "before http.response.start"),
        ([START, START, END], None, "second http.response.start"),
        ([START, END, END], None, "after the response was complete"),
        ([{"type": "http.response.start", "status": 600, "headers": []}, END], None, "100-599"),
        ([{"type": "http.response.start", "status": "200", "headers": []}, END], None, "int"),
        ([{"type": "http.response.start", "status": 200.0, "headers": []}, END], None, "int"),
        (
            [{"type": "http.response.start", "status": 200, "headers": [(b"X-A", b"1")]}, END],
            None,
            "lowercase",
        ),
        (
            [{"type": "http.response.start", "status": 200, "headers": [("x-a", "1")]}, END],
            None,
            "bytes",
        ),
        (
            [
                {"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1", b"2")]},
                END,
            ],
            None,
            "2-tuple",
        ),
        (
            [
                {"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1\r\nx: y")]},
                END,
            ],
            None,
            "CR",
        ),
        (
            [{"type": "http.response.start", "status": 200, "headers": ((b"x-a", b"1"),)}, END],
            None,
            "list",
        ),
        ([START, {"type": "http.response.body", "body": "text"}], None, "bytes"),
        ([START, {"type": "http.response.body", "body": b"", "more_body": 1}], None, "bool"),
        ([START, {"type": "http.response.body", "body": b"", "extra": 1}], None, "unknown key"),
        ([START, {"type": "http.response.bogus"}], None, "unknown message type"),
        ([START, {"type": "http.response.pathsend", "path": "/tmp/x"}], None, "extension"),
        (
            [START, {"type": "http.response.pathsend", "path": "rel"}],
            {"extensions": {"http.response.pathsend": {}}},
            "absolute",
        ),
        (
            [{"type": "http.response.start", "status": 200, "headers": [], "trailers": True}, END],
            None,
            "trailers",
        ),
        (
            [START, END, {"type": "http.response.trailers", "headers": []}],
            {"extensions": {"http.response.trailers": {}}},
            "after the response was complete",
        ),
        (
            [
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"5")],
                },
                {"type": "http.response.body", "body": b"abc"},
            ],
            None,
            "content-length 5",
        ),
        (
            [
                {"type": "http.response.start", "status": 204, "headers": []},
                {"type": "http.response.body", "body": b"x"},
            ],
            None,
            "carries a body",
        ),
        (
            [START, {"type": "http.response.body", "body": b"x", "more_body": True}],
            None,
            "not complete",
        ),
        (["not a dict"], None, "must be a dict"),
    ],
)
def test_violations_are_caught(
    messages: list[Any], scope: dict[str, Any] | None, fragment: str
) -> None:
    with pytest.raises(ASGIViolation, match=re.escape(fragment)):
        check_http_messages(messages, scope)


def test_trailers_and_pathsend_with_their_extensions_pass() -> None:
    scope = {"extensions": {"http.response.trailers": {}, "http.response.pathsend": {}}}
    check_http_messages(
        [
            {"type": "http.response.start", "status": 200, "headers": [], "trailers": True},
            {"type": "http.response.body", "body": b"x"},
            {
                "type": "http.response.trailers",
                "headers": [(b"x-sum", b"1")],
                "more_trailers": False,
            },
        ],
        scope,
    )
    check_http_messages([START, {"type": "http.response.pathsend", "path": "/etc/hosts"}], scope)
    # HEAD keeps GET's content-length with an empty body.
    check_http_messages(
        [
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"9")]},
            END,
        ],
        {"method": "HEAD"},
    )


def test_the_wrapper_passes_a_good_app_and_stops_a_bad_one() -> None:
    sent = run_asgi(PlainTextResponse("ok"), make_scope()).sent  # drive() wraps with checked()
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]

    async def bad(scope: Any, receive: Any, send: Any) -> None:
        # A violation swallowed by the app still fails the call.
        with contextlib.suppress(Exception):
            await send({"type": "http.response.body", "body": b"early"})
        await send(START)
        await send(END)

    with pytest.raises(ASGIViolation, match=r"before http\.response\.start"):
        run_asgi(bad, make_scope())

    async def unfinished(scope: Any, receive: Any, send: Any) -> None:
        await send(START)

    with pytest.raises(ASGIViolation, match="without completing"):
        run_asgi(unfinished, make_scope())
