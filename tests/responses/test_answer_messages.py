"""``answer_messages(cls)``: the two messages the router sends for a route's answer.

They must be exactly what ``cls(content)`` sends, and the function must refuse a
class that builds, renders or sends differently.
"""

from __future__ import annotations

import re
from typing import Any

import anyio
import pytest

from asgiweb import App
from asgiweb.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from asgiweb.responses.base import answer_messages
from tests.harness import Peer, http_scope, run_asgi


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




class OwnCall(PlainTextResponse):
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await super().__call__(scope, receive, send)


@pytest.mark.parametrize("cls", [Response, PlainTextResponse, HTMLResponse, XMLText, JSONResponse])
@pytest.mark.parametrize("text", ["", "Hello, World!", "é ünïcode ✓"])
def test_the_messages_are_what_the_class_sends(cls: type[Response], text: str) -> None:
    messages = answer_messages(cls)
    assert messages is not None
    assert list(messages(text)) == run_asgi(cls(text), http_scope()).sent


@pytest.mark.parametrize("cls", [Latin1Text, WithHeader, OwnCall, Shouting])
def test_a_class_that_builds_renders_or_sends_differently_is_refused(
    cls: type[Response],
) -> None:
    assert answer_messages(cls) is None


@pytest.mark.parametrize("value", [b"raw bytes", None, bytearray(b"ba"), {"a": 1}])
def test_other_content_renders_as_the_class_renders_it(value: Any) -> None:
    for cls in (PlainTextResponse, JSONResponse):
        messages = answer_messages(cls)
        assert messages is not None
        try:
            built = cls(value)
        except (TypeError, ValueError) as exc:
            with pytest.raises(type(exc), match=re.escape(str(exc))):
                messages(value)
            continue
        assert list(messages(value)) == run_asgi(built, http_scope()).sent


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


class Text(str):
    pass


@pytest.mark.parametrize("value", ["plain", Text("a str subclass"), 12, None])
def test_a_str_route_answers_as_its_response_model_says(value: Any) -> None:
    # A str is sent as it is; anything else goes through the model's fitting step,
    # as FastAPI's response model does (an int is refused: a ResponseValidationError).
    app = App()

    @app.get("/s", response_class=PlainTextResponse)
    async def answer() -> str:
        return value  # type: ignore[no-any-return]

    fastapi = pytest.importorskip("fastapi")
    oracle = fastapi.FastAPI()

    @oracle.get("/s", response_class=fastapi.responses.PlainTextResponse)
    async def oracle_answer() -> str:
        return value  # type: ignore[no-any-return]

    def serve(target: Any) -> tuple[list[dict[str, Any]], bool]:
        peer = Peer()
        try:
            run_asgi(target, http_scope(path="/s"), peer, conform=False)
        except Exception:
            return peer.sent, True  # both re-raise what they answered 500 for
        return peer.sent, False

    ours, ours_raised = serve(app)
    theirs, theirs_raised = serve(oracle)
    assert ours_raised == theirs_raised == (value.__class__ not in (str, Text))
    assert ours[0]["status"] == theirs[0]["status"]
    assert ours[-1]["body"] == theirs[-1]["body"]
