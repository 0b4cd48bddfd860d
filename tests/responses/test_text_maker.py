"""``text_maker(cls)``: the registration-time constructor for text answers.

It must build exactly what ``cls(text)`` builds, or be ``cls`` itself when the class
changes how a response is built.
"""

from __future__ import annotations

from typing import Any

import pytest

from asgiweb.responses import HTMLResponse, PlainTextResponse, Response
from asgiweb.responses.base import text_maker
from tests.harness import http_scope, run_asgi


class XMLText(Response):
    media_type = "application/xml"


class Latin1Text(PlainTextResponse):
    charset = "latin-1"


class Shouting(PlainTextResponse):
    def render(self, content: Any) -> bytes:
        return str(content).upper().encode()


class WithHeader(PlainTextResponse):
    def __init__(self, content: Any = None, **kwargs: Any) -> None:
        super().__init__(content, headers={"x-made": "here"}, **kwargs)


def state(response: Response) -> dict[str, Any]:
    return {
        "type": type(response),
        "status": response.status_code,
        "body": response.body,
        "raw_headers": response.raw_headers,
        "background": response.background,
        "headers": dict(response.headers),
    }


@pytest.mark.parametrize("cls", [Response, PlainTextResponse, HTMLResponse, XMLText])
@pytest.mark.parametrize("text", ["", "Hello, World!", "é ünïcode ✓", "x" * 10_000])
def test_builds_what_the_class_builds(cls: type[Response], text: str) -> None:
    make = text_maker(cls)
    assert make is not cls  # the fast maker applies to these classes
    assert state(make(text)) == state(cls(text))


@pytest.mark.parametrize("cls", [Latin1Text, Shouting, WithHeader])
def test_a_class_that_builds_differently_is_used_itself(cls: type[Response]) -> None:
    assert text_maker(cls) is cls


@pytest.mark.parametrize("value", [b"raw bytes", None, bytearray(b"ba")])
def test_anything_but_str_goes_through_the_class(value: Any) -> None:
    make = text_maker(PlainTextResponse)
    assert state(make(value)) == state(PlainTextResponse(value))
    with pytest.raises(TypeError):
        make({"a": 1})


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_made_response_sends_as_the_class_does(method: str) -> None:
    made = run_asgi(text_maker(PlainTextResponse)("hi"), http_scope(method=method))
    built = run_asgi(PlainTextResponse("hi"), http_scope(method=method))
    assert made.sent == built.sent
