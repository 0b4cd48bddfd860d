"""Handlers that yield without a response class stream JSON Lines (``application/jsonl``).

The same app is built on FastAPI and on asgiweb and both are driven by our
TestClient: the content types, statuses, headers and decoded lines must agree
(FastAPI writes ``json.dumps`` with spaces after separators, we write compact
JSON as every asgiweb JSON answer does; the values are the same).
"""

import dataclasses
import datetime
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import fastapi
import pytest

import asgiweb
from asgiweb import App, BackgroundTasks, Response
from asgiweb._endpoint.streams import generator_kind
from asgiweb.responses import PlainTextResponse, StreamingResponse
from asgiweb.testclient import TestClient


@dataclasses.dataclass
class Point:
    x: int
    y: int


def build(module: Any) -> Any:
    app = module.FastAPI() if module is fastapi else App()

    @app.get("/async")
    async def async_items(n: int = 3) -> AsyncIterator[dict[str, Any]]:
        for i in range(n):
            yield {"i": i, "text": "é\nx"}

    @app.get("/sync")
    def sync_items() -> Iterator[Any]:
        yield Point(1, 2)
        yield [1, None, "s"]
        yield "plain"
        yield 3.5
        yield datetime.date(2024, 1, 2)

    @app.post("/created", status_code=201)
    async def created(response: module.Response) -> AsyncIterator[int]:
        response.headers["x-extra"] = "yes"
        yield 1

    @app.get("/sub-status", status_code=201)
    async def sub_status(response: module.Response) -> AsyncIterator[int]:
        response.status_code = 206
        yield 1

    @app.get("/raw", response_class=module.responses.StreamingResponse)
    async def raw() -> AsyncIterator[bytes]:
        yield b"a,"
        yield b"b"

    @app.get("/empty")
    async def empty() -> AsyncIterator[int]:
        return
        yield  # pragma: no cover

    return app


@pytest.fixture(scope="module")
def clients() -> Iterator[tuple[TestClient, TestClient]]:
    with TestClient(build(asgiweb)) as ours, TestClient(build(fastapi)) as theirs:
        yield ours, theirs


def lines(body: str) -> list[Any]:
    assert body == "" or body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/async"), ("GET", "/async?n=0"), ("GET", "/sync"), ("POST", "/created"),
     ("GET", "/sub-status"),
     ("GET", "/raw"), ("GET", "/empty"), ("GET", "/async?n=x")],
)  # fmt: skip
def test_same_answer_as_fastapi(
    clients: tuple[TestClient, TestClient], method: str, path: str
) -> None:
    ours, theirs = (client.request(method, path) for client in clients)
    assert ours.status_code == theirs.status_code
    for name in ("content-type", "x-extra", "cache-control"):
        assert ours.headers.get(name) == theirs.headers.get(name)
    if path == "/raw":
        assert ours.text == theirs.text == "a,b"
    elif ours.status_code == 422:
        assert ours.json() == theirs.json()
    else:
        assert ours.headers["content-type"] == "application/jsonl"
        assert lines(ours.text) == lines(theirs.text)


def test_one_compact_line_per_item(clients: tuple[TestClient, TestClient]) -> None:
    ours, _ = clients
    assert ours.get("/async?n=2").text == '{"i":0,"text":"é\\nx"}\n{"i":1,"text":"é\\nx"}\n'
    assert ours.get("/sync").text.splitlines()[0] == '{"x":1,"y":2}'


def test_items_arrive_as_they_are_yielded() -> None:
    app = App()

    @app.get("/slow")
    async def slow() -> AsyncIterator[int]:
        import anyio

        for i in range(3):
            yield i
            await anyio.sleep(0.05)

    with TestClient(app) as client, client.stream("GET", "/slow") as response:
        started = time.monotonic()
        chunks = response.iter_bytes()
        assert next(chunks) == b"0\n"
        assert time.monotonic() - started < 0.05 + 1.0
        assert b"".join(chunks) == b"1\n2\n"


def test_background_tasks_run_after_the_stream() -> None:
    done: list[str] = []
    app = App()

    @app.get("/items")
    def items(tasks: BackgroundTasks) -> Iterator[int]:
        tasks.add_task(done.append, "task")
        yield 1
        done.append("gen end")

    with TestClient(app) as client:
        assert client.get("/items").text == "1\n"
    assert done == ["gen end", "task"]


def test_generator_finally_runs_when_the_client_leaves() -> None:
    closed: list[str] = []
    app = App()

    @app.get("/forever")
    async def forever() -> AsyncIterator[int]:
        import anyio

        try:
            i = 0
            while True:
                yield i
                i += 1
                await anyio.sleep(0.01)
        finally:
            closed.append("async")

    @app.get("/forever-sync")
    def forever_sync() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
                time.sleep(0.01)
        finally:
            closed.append("sync")

    with TestClient(app) as client:
        for path in ("/forever", "/forever-sync"):
            with client.stream("GET", path) as response:
                chunks = response.iter_bytes()
                assert next(chunks) == b"0\n"
    assert sorted(closed) == ["async", "sync"]


def test_error_mid_stream_reaches_the_test() -> None:
    app = App()

    @app.get("/broken")
    async def broken() -> AsyncIterator[int]:
        yield 1
        raise RuntimeError("mid-stream")

    with TestClient(app) as client, pytest.raises(RuntimeError, match="mid-stream"):
        client.get("/broken")


def test_explicit_non_streaming_class_still_streams_json_lines() -> None:
    app = App()

    @app.get("/lines", response_class=PlainTextResponse)
    async def lines_() -> AsyncIterator[int]:
        yield 1

    assert TestClient(app).get("/lines").headers["content-type"] == "application/jsonl"


def test_yield_detection() -> None:
    async def agen() -> AsyncIterator[int]:
        yield 1

    def gen() -> Iterator[int]:
        yield 1

    async def coro() -> int:
        return 1

    class Callable_:
        def __call__(self) -> Iterator[int]:
            yield 1

    import functools

    assert generator_kind(agen) == "async"
    assert generator_kind(functools.partial(gen)) == "sync"
    assert generator_kind(Callable_()) == "sync"
    assert generator_kind(coro) is None
    assert isinstance(Response(), Response) and StreamingResponse is not None
