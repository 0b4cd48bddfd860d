"""``text_maker(cls)``: the registration-time constructor for text answers.

It must build exactly what ``cls(text)`` builds, or be ``cls`` itself when the class
changes how a response is built.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from asgiweb import App
from asgiweb.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from asgiweb.responses.base import body_messages, text_maker
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


# -- body_messages(cls): the router sends a bare route's answer without the object ------


class OwnCall(PlainTextResponse):
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await super().__call__(scope, receive, send)


@pytest.mark.parametrize("cls", [Response, PlainTextResponse, HTMLResponse, XMLText, JSONResponse])
@pytest.mark.parametrize("text", ["", "Hello, World!", "é ünïcode ✓"])
def test_body_messages_are_what_the_class_sends(cls: type[Response], text: str) -> None:
    messages = body_messages(cls)
    assert messages is not None
    built = cls(text)
    assert list(messages(built.body)) == run_asgi(built, http_scope()).sent


@pytest.mark.parametrize("cls", [Latin1Text, WithHeader, OwnCall])
def test_body_messages_refuse_a_class_that_sends_differently(cls: type[Response]) -> None:
    assert body_messages(cls) is None


def _bare_app() -> App:
    app = App()

    @app.get("/text", response_class=PlainTextResponse)
    async def text() -> str:
        return "Hello, ✓"

    @app.get("/json")
    async def json_answer() -> dict[str, str]:
        return {"message": "Hello, ✓"}

    @app.get("/own", response_class=OwnCall)
    async def own() -> str:
        return "Hello, ✓"

    @app.get("/response", response_class=PlainTextResponse)
    async def response() -> str:
        return PlainTextResponse("made", status_code=201)  # type: ignore[return-value]

    return app


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/text", PlainTextResponse("Hello, ✓")),
        ("/json", JSONResponse({"message": "Hello, ✓"})),
        ("/own", PlainTextResponse("Hello, ✓")),
        ("/response", PlainTextResponse("made", status_code=201)),
    ],
)
def test_a_bare_route_sends_what_its_response_would(
    method: str, path: str, expected: Response
) -> None:
    # The router sends /text and /json from their messages, /own and /response
    # through the Response object: the client sees the same either way.
    sent = run_asgi(_bare_app(), http_scope(method=method, path=path)).sent
    assert sent == run_asgi(expected, http_scope(method=method)).sent


def test_a_send_that_fails_mid_answer_is_not_answered_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            raise OSError("connection reset")

    async def main() -> None:
        with pytest.raises(OSError):
            await _bare_app()(http_scope(path="/text"), receive, send)

    anyio.run(main)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    logged = [r.message for r in caplog.records]
    assert logged == ["Exception in GET /text after the response started"]
