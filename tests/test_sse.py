"""Server-Sent Events from handlers that yield, with ``response_class=EventSourceResponse``.

The same app on FastAPI and on asgiweb, both driven by our TestClient: the
wire format must agree event for event (data that is a JSON object is
compared decoded: FastAPI writes ``json.dumps`` with spaces, we write compact
JSON as every asgiweb JSON answer does).
"""

import contextlib
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import fastapi
import fastapi.routing
import fastapi.sse
import pytest

import asgiweb
import asgiweb.sse
from asgiweb import App
from asgiweb.responses import EventSourceResponse as FromResponses
from asgiweb.sse import EventSourceResponse, ServerSentEvent, format_sse_event
from asgiweb.testclient import TestClient


def build(module: Any) -> Any:
    sse = fastapi.sse if module is fastapi else asgiweb.sse
    app = module.FastAPI() if module is fastapi else App()
    Event = sse.ServerSentEvent

    @app.get("/plain", response_class=sse.EventSourceResponse)
    async def plain() -> AsyncIterator[Any]:
        yield {"a": 1, "b": [True, None]}
        yield "text"
        yield 42
        yield None

    @app.post("/fields", response_class=sse.EventSourceResponse)
    async def fields(n: int) -> AsyncIterator[Any]:
        yield Event(data={"n": n}, event="update", id="7", retry=1500)
        yield Event(raw_data="line one\nline two\r\nline three", event="multi")
        yield Event(comment="just a comment\nover two lines")
        yield Event(data="quoted", id="8")
        yield Event()

    @app.get("/sync", response_class=sse.EventSourceResponse)
    def sync_events() -> Iterator[Any]:
        yield [1, 2]
        yield Event(raw_data="raw", event="e")

    @app.put("/status", response_class=sse.EventSourceResponse, status_code=202)
    async def status(response: module.Response) -> AsyncIterator[Any]:
        response.headers["x-extra"] = "1"
        yield 1

    return app


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(build(asgiweb)) as ours, TestClient(build(fastapi)) as theirs:
        yield ours, theirs


def events(body: str) -> list[list[tuple[str, Any]]]:
    """The stream as events, each a list of (field, value); data decoded when it is JSON."""
    assert body.endswith("\n\n")
    parsed = []
    for block in body[:-2].split("\n\n"):
        event = []
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "data":
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            event.append((field, value))
        parsed.append(event)
    return parsed


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/plain"), ("POST", "/fields?n=3"), ("GET", "/sync"), ("PUT", "/status"),
     ("POST", "/fields?n=x")],
)  # fmt: skip
def test_same_events_as_fastapi(
    clients: tuple[TestClient, TestClient], method: str, path: str
) -> None:
    ours, theirs = (client.request(method, path) for client in clients)
    assert ours.status_code == theirs.status_code
    for name in ("content-type", "cache-control", "x-accel-buffering", "x-extra"):
        assert ours.headers.get(name) == theirs.headers.get(name), name
    if ours.status_code == 422:
        assert ours.json() == theirs.json()
        return
    assert ours.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert ours.headers["cache-control"] == "no-cache"
    assert ours.headers["x-accel-buffering"] == "no"
    assert events(ours.text) == events(theirs.text)


def test_wire_format(clients: tuple[TestClient, TestClient]) -> None:
    ours, _ = clients
    assert ours.get("/plain").text == (
        'data: {"a":1,"b":[true,null]}\n\ndata: "text"\n\ndata: 42\n\ndata: null\n\n'
    )
    assert ours.post("/fields?n=1").text == (
        'event: update\ndata: {"n":1}\nid: 7\nretry: 1500\n\n'
        "event: multi\ndata: line one\ndata: line two\ndata: line three\n\n"
        ": just a comment\n: over two lines\n\n"
        'data: "quoted"\nid: 8\n\n'
        "\n"
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"data": 1, "raw_data": "x"}, {"event": "a\nb"}, {"id": "a\rb"}, {"id": "a\0"},
     {"retry": -1}, {"retry": 1.5}],
)  # fmt: skip
def test_invalid_events_are_refused_like_fastapi(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ServerSentEvent(**kwargs)
    with pytest.raises(ValueError):
        fastapi.sse.ServerSentEvent(**kwargs)


def test_a_bool_is_not_a_retry_time() -> None:
    # Deliberately stricter than FastAPI's pydantic model, which takes True as 1 ms.
    with pytest.raises(ValueError):
        ServerSentEvent(retry=True)


def test_format_matches_fastapi() -> None:
    cases: list[dict[str, Any]] = [
        {"data_str": "a\nb", "event": "e", "id": "1", "retry": 5, "comment": "c\r\nd"},
        {},
        {"comment": ""},
        {"data_str": ""},
    ]
    for case in cases:
        assert format_sse_event(**case) == fastapi.sse.format_sse_event(**case)
    assert FromResponses is EventSourceResponse


def test_keepalive_comment_on_an_idle_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asgiweb.sse, "PING_INTERVAL", 0.05)
    app = App()

    @app.get("/idle", response_class=EventSourceResponse)
    async def idle() -> AsyncIterator[Any]:
        yield "first"
        await anyio.sleep(0.3)
        yield "second"

    with TestClient(app) as client:
        body = client.get("/idle").text
    blocks = body.split("\n\n")[:-1]
    assert blocks[0] == 'data: "first"' and blocks[-1] == 'data: "second"'
    pings = blocks[1:-1]
    assert 2 <= len(pings) <= 8
    assert set(pings) == {": ping"}


def test_fastapi_keepalive_is_the_same_comment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastapi.routing, "_PING_INTERVAL", 0.05)
    app = fastapi.FastAPI()

    @app.get("/idle", response_class=fastapi.sse.EventSourceResponse)
    async def idle() -> AsyncIterator[Any]:
        await anyio.sleep(0.12)
        yield "x"

    with TestClient(app) as client:
        body = client.get("/idle").text
    assert body.startswith(": ping\n\n") and body.endswith('data: "x"\n\n')
    assert asgiweb.sse.KEEPALIVE_COMMENT == fastapi.sse.KEEPALIVE_COMMENT
    assert asgiweb.sse.PING_INTERVAL == 15.0 == fastapi.sse._PING_INTERVAL


def test_events_arrive_as_they_are_yielded() -> None:
    app = App()

    @app.get("/slow", response_class=EventSourceResponse)
    async def slow() -> AsyncIterator[int]:
        for i in range(3):
            yield i
            await anyio.sleep(0.05)

    with TestClient(app) as client, client.stream("GET", "/slow") as response:
        chunks = response.iter_bytes()
        started = time.monotonic()
        assert next(chunks) == b"data: 0\n\n"
        assert time.monotonic() - started < 1.0
        assert b"".join(chunks) == b"data: 1\n\ndata: 2\n\n"


def test_generator_finally_runs_when_the_client_leaves() -> None:
    closed: list[str] = []
    app = App()

    @app.get("/async", response_class=EventSourceResponse)
    async def forever() -> AsyncIterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
                await anyio.sleep(0.01)
        finally:
            closed.append("async")

    @app.get("/sync", response_class=EventSourceResponse)
    def forever_sync() -> Iterator[int]:
        try:
            while True:
                yield 0
                time.sleep(0.01)
        finally:
            closed.append("sync")

    with TestClient(app) as client:
        for path in ("/async", "/sync"):
            with client.stream("GET", path) as response:
                assert next(response.iter_bytes()) == b"data: 0\n\n"
    assert sorted(closed) == ["async", "sync"]


def test_error_in_the_generator_reaches_the_test() -> None:
    app = App()

    @app.get("/broken", response_class=EventSourceResponse)
    async def broken() -> AsyncIterator[int]:
        yield 1
        raise RuntimeError("mid-stream")

    with TestClient(app) as client, pytest.raises(RuntimeError, match="mid-stream"):
        client.get("/broken")


def test_event_source_response_streams_preformatted_content() -> None:
    app = App()

    @app.get("/manual")
    async def manual() -> EventSourceResponse:
        async def body() -> AsyncIterator[bytes]:
            yield b"data: hand made\n\n"

        return EventSourceResponse(body())

    response = TestClient(app).get("/manual")
    assert response.text == "data: hand made\n\n"
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"


def test_benchmark_apps_answer_alike() -> None:
    from benchmarks.bench_realtime import asgiweb_app, fastapi_app

    # FastAPI raises BrokenResourceError when an SSE client leaves early: not checked.
    for app, strict in ((asgiweb_app(), True), (fastapi_app(), False)):
        with TestClient(app, raise_server_exceptions=strict) as client:
            with client.websocket_connect("/echo") as ws:
                ws.send_text("ping")
                assert ws.receive_text() == "ping"
            with client.stream("GET", "/sse") as response:
                lines = response.iter_lines()
                assert [next(lines) for _ in range(4)] == ["data: 0", "", "data: 1", ""]
