"""Every response class driven as a bare ASGI app with hand-written receive/send."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import pytest

from asgiweb.background import BackgroundTask, BackgroundTasks
from asgiweb.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    XMLResponse,
)
from tests.harness import Message, Peer, drive, http_scope

pytestmark = pytest.mark.anyio


# --- Response and the text classes ----------------------------------------------------


async def test_response_bytes_and_headers() -> None:
    peer = await drive(Response(b"raw", media_type="application/octet-stream"))
    assert peer.status == 200
    assert peer.start["headers"] == [
        (b"content-length", b"3"),
        (b"content-type", b"application/octet-stream"),
    ]
    assert peer.body == b"raw" and peer.finished


@pytest.mark.parametrize(
    ("cls", "content", "content_type", "body"),
    [
        (PlainTextResponse, "héllo", "text/plain; charset=utf-8", "héllo".encode()),
        (HTMLResponse, "<h1>Hi</h1>", "text/html; charset=utf-8", b"<h1>Hi</h1>"),
        (JSONResponse, {"a": [1, None]}, "application/json", b'{"a":[1,null]}'),
        (XMLResponse, "<a/>", "application/xml", b"<a/>"),
        (Response, None, None, b""),
    ],
)
async def test_classes_media_types(
    cls: type[Response], content: Any, content_type: str | None, body: bytes
) -> None:
    peer = await drive(cls(content))
    assert peer.header("content-type") == content_type
    assert peer.header("content-length") == str(len(body))
    assert peer.body == body


@pytest.mark.parametrize("status", [204, 304, 101])
async def test_no_body_statuses_have_no_content_length(status: int) -> None:
    peer = await drive(Response(status_code=status))
    assert peer.status == status
    assert peer.header("content-length") is None
    assert peer.body == b""


async def test_head_gets_headers_and_no_body() -> None:
    peer = await drive(PlainTextResponse("hello"), http_scope("HEAD"))
    assert peer.header("content-length") == "5"
    assert peer.body == b"" and peer.finished


async def test_headers_are_a_mutable_case_insensitive_view() -> None:
    response = Response(b"x", headers={"X-One": "1"})
    response.headers["x-two"] = "2"
    response.headers["X-ONE"] = "uno"
    assert response.headers["x-one"] == "uno"
    peer = await drive(response)
    assert peer.header("x-one") == "uno" and peer.header("x-two") == "2"


@pytest.mark.parametrize(
    ("name", "value"),
    [("x-a", "a\r\nset-cookie: evil=1"), ("x-a", "a\nb"), ("x-a", "nul\x00"), ("bad name", "v")],
)
async def test_header_splitting_is_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError):
        Response(b"", headers={name: value})
    response = Response(b"")
    with pytest.raises(ValueError):
        response.headers[name] = value


# --- background tasks ------------------------------------------------------------------


async def test_background_tasks_run_after_the_body_in_order() -> None:
    events: list[str] = []

    async def send(message: Message) -> None:
        events.append(message["type"])

    def sync_task(a: int, b: int = 0) -> None:
        events.append(f"sync {a} {b}")

    async def async_task(a: int, *, b: int) -> None:
        events.append(f"async {a} {b}")

    tasks = BackgroundTasks()
    tasks.add_task(sync_task, 1, b=2)
    tasks.add_task(async_task, 3, b=4)
    with anyio.fail_after(5):
        await Response(b"x", background=tasks)(http_scope(), Peer().receive, send)
    assert events == [
        "http.response.start",
        "http.response.body",
        "sync 1 2",
        "async 3 4",
    ]


async def test_single_background_task() -> None:
    ran: list[int] = []
    peer = await drive(Response(b"x", background=BackgroundTask(ran.append, 1)))
    assert peer.finished and ran == [1]


async def test_failing_background_task_is_logged_and_the_rest_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[str] = []

    async def boom() -> None:
        raise RuntimeError("boom in task")

    tasks = BackgroundTasks()
    tasks.add_task(boom)
    tasks.add_task(ran.append, "second")
    with caplog.at_level(logging.ERROR, logger="asgiweb"):
        peer = await drive(JSONResponse({"ok": True}, background=tasks))
    assert peer.body == b'{"ok":true}' and peer.finished
    assert ran == ["second"]
    assert "boom in task" in caplog.text


# --- the custom-response recipe ----------------------------------------------------------


class IndentedJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, indent=2).encode("utf-8")


async def test_subclass_overriding_render() -> None:
    peer = await drive(IndentedJSON({"a": 1}, status_code=202))
    assert peer.status == 202
    assert peer.body == b'{\n  "a": 1\n}'
    assert peer.header("content-type") == "application/json"
    assert peer.header("content-length") == str(len(peer.body))


# --- through App and TestClient ------------------------------------------------------------


def test_render_subclass_as_route_and_default_response_class() -> None:
    from asgiweb import App
    from asgiweb.testclient import TestClient

    app = App(default_response_class=IndentedJSON)

    @app.get("/default")
    async def default() -> dict[str, int]:
        return {"a": 1}

    @app.get("/text", response_class=PlainTextResponse, status_code=201)
    async def text() -> str:
        return "plain"

    with TestClient(app) as client:
        response = client.get("/default")
        assert response.content == b'{\n  "a": 1\n}'
        assert response.headers["content-type"] == "application/json"
        head = client.head("/default")
        assert head.content == b"" and head.headers["content-length"] == str(len(b'{\n  "a": 1\n}'))
        text_response = client.get("/text")
        assert text_response.status_code == 201 and text_response.text == "plain"


def test_background_tasks_parameter_runs_after_the_response() -> None:
    from asgiweb import App
    from asgiweb.testclient import TestClient

    done: list[str] = []
    app = App()

    def write_log(message: str, suffix: str = "") -> None:
        done.append(message + suffix)

    async def notify(who: str) -> None:
        done.append(f"notified {who}")

    @app.post("/send/{email}")
    async def send_notification(email: str, background_tasks: BackgroundTasks) -> dict[str, str]:
        background_tasks.add_task(write_log, "sent to ", suffix=email)
        background_tasks.add_task(notify, email)
        return {"message": "Notification sent in the background"}

    with TestClient(app) as client:
        response = client.post("/send/a@b.c")
    assert response.json() == {"message": "Notification sent in the background"}
    assert done == ["sent to a@b.c", "notified a@b.c"]
