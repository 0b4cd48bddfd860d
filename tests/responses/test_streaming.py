from __future__ import annotations

import asyncio
import inspect
import io
import logging
import threading
import time
from collections.abc import AsyncIterator, Generator, Iterator

import anyio
import pytest

from asgiweb import App
from asgiweb.background import BackgroundTask, BackgroundTasks
from asgiweb.responses.streaming import CHUNK_SIZE, StreamingResponse
from tests.harness import Message, Peer, drive, http_scope

pytestmark = pytest.mark.anyio


async def test_async_generator_chunks_sent_as_they_come() -> None:
    async def numbers() -> AsyncIterator[bytes]:
        for i in range(3):
            yield b"chunk%d" % i

    peer = await drive(StreamingResponse(numbers(), media_type="text/plain"))
    assert peer.status == 200
    assert peer.header("content-type") == "text/plain; charset=utf-8"
    assert peer.header("content-length") is None  # chunked on HTTP/1.1
    assert peer.chunks == [b"chunk0", b"chunk1", b"chunk2", b""]
    assert all(m["more_body"] for m in peer.sent[1:-1])
    assert peer.finished


async def test_str_and_memoryview_chunks_are_encoded_empty_ones_skipped() -> None:
    async def parts() -> AsyncIterator[str | bytes | memoryview]:
        yield "é"
        yield b""
        yield memoryview(b"mv")

    peer = await drive(StreamingResponse(parts()))
    assert peer.chunks == ["é".encode(), b"mv", b""]


async def test_status_headers_and_user_content_length_are_kept() -> None:
    response = StreamingResponse(
        iter([b"abc"]), status_code=201, headers={"content-length": "3", "x-a": "1"}
    )
    response.set_cookie("k", "v")
    peer = await drive(response)
    assert peer.status == 201
    assert peer.header("content-length") == "3"
    assert peer.header("x-a") == "1"
    assert peer.header_list("set-cookie") == ["k=v; Path=/; SameSite=lax"]
    assert peer.body == b"abc"


async def test_sync_generator_runs_in_a_worker_thread() -> None:
    threads: list[int] = []

    def numbers() -> Iterator[bytes]:
        for i in range(3):
            threads.append(threading.get_ident())
            yield b"%d" % i

    peer = await drive(StreamingResponse(numbers()))
    assert peer.chunks == [b"0", b"1", b"2", b""]
    assert threads and threading.get_ident() not in threads


async def test_blocking_sync_generator_does_not_block_the_loop() -> None:
    ticks = 0

    def slow() -> Iterator[bytes]:
        for _ in range(3):
            time.sleep(0.05)
            yield b"x"

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    tick_task = asyncio.ensure_future(ticker())
    try:
        peer = await drive(StreamingResponse(slow()))
    finally:
        tick_task.cancel()
    assert peer.body == b"xxx"
    assert ticks >= 5


async def test_list_and_bytes_content() -> None:
    assert (await drive(StreamingResponse([b"a", "b"]))).chunks == [b"a", b"b", b""]
    assert (await drive(StreamingResponse(b"whole"))).chunks == [b"whole", b""]
    assert (await drive(StreamingResponse("text"))).chunks == [b"text", b""]


async def test_file_like_object_is_read_in_chunks_and_closed() -> None:
    data = bytes(range(256)) * 1000  # 256 000 bytes: four chunks
    file = io.BytesIO(data)
    peer = await drive(StreamingResponse(file, media_type="application/octet-stream"))
    assert peer.body == data
    assert max(len(c) for c in peer.chunks) == CHUNK_SIZE
    assert file.closed


async def test_not_iterable_content_is_rejected() -> None:
    with pytest.raises(TypeError, match="async iterable"):
        StreamingResponse(42)  # type: ignore[arg-type]


async def test_bad_chunk_type_fails_the_stream() -> None:
    async def bad() -> AsyncIterator[object]:
        yield 5

    with pytest.raises(TypeError, match="bytes or str"):
        await drive(StreamingResponse(bad()))  # type: ignore[arg-type]


async def test_head_sends_headers_only_and_closes_the_iterator() -> None:
    started = False

    async def body() -> AsyncIterator[bytes]:
        nonlocal started
        started = True
        yield b"never"

    gen = body()
    peer = await drive(StreamingResponse(gen, media_type="text/plain"), http_scope("HEAD"))
    assert peer.status == 200
    assert peer.body == b""
    assert peer.finished
    assert not started
    with pytest.raises(StopAsyncIteration):
        await gen.__anext__()


async def test_background_runs_after_the_last_body_message() -> None:
    events: list[str] = []
    peer = Peer()

    async def body() -> AsyncIterator[bytes]:
        yield b"a"

    async def send(message: Message) -> None:
        events.append(f"send:{message['type']}:{message.get('more_body', False)}")

    def sync_task(tag: str) -> None:
        events.append(f"task:{tag}")

    async def async_task(tag: str) -> None:
        events.append(f"task:{tag}")

    tasks = BackgroundTasks()
    tasks.add_task(sync_task, "one")
    tasks.add_task(async_task, tag="two")
    response = StreamingResponse(body(), background=tasks)
    with anyio.fail_after(5):
        await response(http_scope(), peer.receive, send)
    assert events == [
        "send:http.response.start:False",
        "send:http.response.body:True",
        "send:http.response.body:False",
        "task:one",
        "task:two",
    ]


async def test_failing_background_task_is_logged_and_cannot_touch_the_response(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ran: list[str] = []

    def boom() -> None:
        raise RuntimeError("task failed")

    tasks = BackgroundTasks()
    tasks.add_task(boom)
    tasks.add_task(ran.append, "after")
    with caplog.at_level(logging.ERROR, logger="asgiweb"):
        peer = await drive(StreamingResponse([b"ok"], background=tasks))
    assert peer.body == b"ok" and peer.finished
    assert ran == ["after"]
    assert "task failed" in caplog.text


async def test_disconnect_stops_a_blocked_async_generator_at_once() -> None:
    finally_ran = anyio.Event()
    background_ran: list[bool] = []
    peer = Peer()

    async def forever() -> AsyncIterator[bytes]:
        try:
            yield b"first"
            await anyio.sleep_forever()
            yield b"never"
        finally:
            finally_ran.set()

    async def on_first_chunk(message: Message) -> None:
        peer.sent.append(dict(message))
        if message.get("body") == b"first":
            peer.disconnect()

    response = StreamingResponse(forever(), background=BackgroundTask(background_ran.append, True))
    with anyio.fail_after(2):
        await response(http_scope(), peer.receive, on_first_chunk)
    assert finally_ran.is_set()
    assert peer.chunks == [b"first"]  # nothing after the disconnect, not even the end
    assert background_ran == [True]
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


async def test_disconnect_between_chunks_of_a_busy_async_generator() -> None:
    closed = False
    peer = Peer()
    sent_after_disconnect = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal closed
        try:
            while True:
                yield b"x"
                await asyncio.sleep(0)
        finally:
            closed = True

    async def send(message: Message) -> None:
        nonlocal sent_after_disconnect
        peer.sent.append(dict(message))
        if len(peer.sent) == 5:
            peer.disconnect()
        elif len(peer.sent) > 5:
            sent_after_disconnect += 1

    with anyio.fail_after(2):
        await StreamingResponse(endless())(http_scope(), peer.receive, send)
    assert closed
    assert sent_after_disconnect <= 2


async def test_disconnect_stops_a_sync_generator_and_closes_it() -> None:
    finally_ran = threading.Event()
    pulled = 0
    peer = Peer()

    def forever() -> Generator[bytes, None, None]:
        nonlocal pulled
        try:
            while True:
                pulled += 1
                time.sleep(0.01)
                yield b"x"
        finally:
            finally_ran.set()

    gen = forever()

    async def send(message: Message) -> None:
        peer.sent.append(dict(message))
        if len(peer.sent) == 3:
            peer.disconnect()

    with anyio.fail_after(2):
        await StreamingResponse(gen)(http_scope(), peer.receive, send)
    assert finally_ran.is_set()
    assert inspect.getgeneratorstate(gen) == "GEN_CLOSED"  # no thread can pull from it
    count = pulled
    await anyio.sleep(0.05)
    assert pulled == count


@pytest.mark.parametrize("spec_version", ["2.4", "2.5"])
async def test_oserror_from_send_is_a_disconnect_under_spec_2_4(spec_version: str) -> None:
    closed = False
    peer = Peer()

    async def endless() -> AsyncIterator[bytes]:
        nonlocal closed
        try:
            while True:
                yield b"x"
        finally:
            closed = True

    async def send(message: Message) -> None:
        peer.sent.append(dict(message))
        if len(peer.sent) >= 3:
            raise OSError("connection lost")

    with anyio.fail_after(2):
        await StreamingResponse(endless())(
            http_scope(spec_version=spec_version), peer.receive, send
        )
    assert closed
    assert len(peer.sent) == 3


async def test_oserror_from_send_under_spec_2_3_is_an_error() -> None:
    peer = Peer()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("boom")
        peer.sent.append(dict(message))

    with pytest.raises(OSError), anyio.fail_after(2):
        await StreamingResponse([b"a"])(http_scope(), peer.receive, send)


async def test_sync_oserror_under_spec_2_4_closes_the_generator() -> None:
    finally_ran = threading.Event()

    def endless() -> Iterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            finally_ran.set()

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("gone")

    with anyio.fail_after(2):
        await StreamingResponse(endless())(http_scope(spec_version="2.4"), Peer().receive, send)
    assert finally_ran.is_set()


async def test_exception_mid_stream_is_logged_and_reraised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cleaned = False
    background_ran: list[bool] = []

    async def broken() -> AsyncIterator[bytes]:
        nonlocal cleaned
        try:
            yield b"part"
            raise RuntimeError("database went away")
        finally:
            cleaned = True

    # The response re-raises; the App serving it logs the error, exactly once.
    app = App()

    @app.get("/")
    async def export() -> StreamingResponse:
        return StreamingResponse(broken(), background=BackgroundTask(background_ran.append, True))

    peer = Peer()
    with (
        caplog.at_level(logging.ERROR, logger="asgiweb"),
        pytest.raises(RuntimeError, match="database went away"),
    ):
        await drive(app, peer=peer)
    assert cleaned
    assert peer.chunks == [b"part"] and not peer.finished
    records = [r for r in caplog.records if r.name == "asgiweb"]
    assert len(records) == 1
    assert "after the response started" in records[0].getMessage()
    assert "database went away" in caplog.text
    assert background_ran == [True]


async def test_sync_exception_mid_stream_is_reraised() -> None:
    def broken() -> Iterator[bytes]:
        yield b"a"
        raise ValueError("bad row")

    with pytest.raises(ValueError, match="bad row"):
        await drive(StreamingResponse(broken()))


async def test_outside_cancellation_propagates_and_closes_the_iterator() -> None:
    closed = anyio.Event()

    async def forever() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x"
                await anyio.sleep(0.01)
        finally:
            closed.set()

    peer = Peer()
    task = asyncio.ensure_future(
        StreamingResponse(forever())(http_scope(), peer.receive, peer.send)
    )
    with anyio.fail_after(2):
        while len(peer.sent) < 3:
            await anyio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await closed.wait()


async def test_generator_that_swallows_the_cancellation_still_stops() -> None:
    peer = Peer()

    async def stubborn() -> AsyncIterator[bytes]:
        yield b"a"
        try:
            await anyio.sleep_forever()
        except asyncio.CancelledError:
            yield b"after-cancel"

    async def send(message: Message) -> None:
        peer.sent.append(dict(message))
        if message.get("body") == b"a":
            peer.disconnect()

    with anyio.fail_after(2):
        await StreamingResponse(stubborn())(http_scope(), peer.receive, send)
    assert peer.chunks == [b"a"]
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


async def test_watcher_task_does_not_outlive_the_response() -> None:
    before = asyncio.all_tasks()
    await drive(StreamingResponse([b"a", b"b"]))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == before


async def test_request_body_messages_are_skipped_by_the_watcher() -> None:
    messages: list[Message] = [
        {"type": "http.request", "body": b"ab", "more_body": True},
        {"type": "http.request", "body": b"cd", "more_body": False},
        {"type": "http.disconnect"},
    ]
    finally_ran = False
    sent: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep(0.01)
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def slow() -> AsyncIterator[bytes]:
        nonlocal finally_ran
        try:
            while True:
                yield b"."
                await anyio.sleep(0.01)
        finally:
            finally_ran = True

    async def send(message: Message) -> None:
        sent.append(dict(message))

    with anyio.fail_after(2):
        await StreamingResponse(slow())(http_scope(), receive, send)
    assert finally_ran
    assert not messages


async def test_oserror_from_the_iterator_is_its_own_failure_even_under_2_4() -> None:
    async def upstream() -> AsyncIterator[bytes]:
        yield b"a"
        raise ConnectionResetError("upstream went away")

    def sync_upstream() -> Iterator[bytes]:
        yield b"a"
        raise ConnectionResetError("upstream went away")

    for content in (upstream(), sync_upstream()):
        with pytest.raises(ConnectionResetError):
            await drive(StreamingResponse(content), http_scope(spec_version="2.4"))


async def test_oserror_on_start_under_2_4_closes_the_iterator_quietly() -> None:
    closed = False
    ran: list[bool] = []

    async def body() -> AsyncIterator[bytes]:
        nonlocal closed
        try:
            yield b"a"
        finally:
            closed = True

    gen = body()
    await gen.__anext__()  # started, so that closing it runs the finally

    async def send(message: Message) -> None:
        raise OSError("gone before the start")

    response = StreamingResponse(gen, background=BackgroundTask(ran.append, True))
    with anyio.fail_after(2):
        await response(http_scope(spec_version="2.4"), Peer().receive, send)
    assert closed and ran == [True]


async def test_no_watcher_task_for_a_body_that_never_waits() -> None:
    counts: list[int] = []

    async def send(message: Message) -> None:
        counts.append(len(asyncio.all_tasks()))

    async def body() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"x"

    baseline = len(asyncio.all_tasks())
    with anyio.fail_after(2):
        await StreamingResponse(body())(http_scope(), Peer().receive, send)
    assert counts == [baseline] * len(counts)


async def test_watcher_exists_once_the_body_waits() -> None:
    counts: list[int] = []

    async def send(message: Message) -> None:
        counts.append(len(asyncio.all_tasks()))

    async def body() -> AsyncIterator[bytes]:
        yield b"x"
        await anyio.sleep(0.01)
        yield b"y"

    baseline = len(asyncio.all_tasks())
    with anyio.fail_after(2):
        await StreamingResponse(body())(http_scope(), Peer().receive, send)
    assert counts[1] == baseline  # first chunk: nothing has waited yet
    assert counts[2] == baseline + 1  # after the sleep: the watcher runs


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_leaving_a_testclient_stream_closes_the_generator(kind: str) -> None:
    from asgiweb import App
    from asgiweb.testclient import TestClient

    closed = threading.Event()
    app = App()

    async def async_ticks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick"
                await asyncio.sleep(0.005)
        finally:
            closed.set()

    def sync_ticks() -> Iterator[bytes]:
        try:
            while True:
                yield b"tick"
                time.sleep(0.005)
        finally:
            closed.set()

    @app.get("/ticks")
    async def ticks() -> StreamingResponse:
        return StreamingResponse(async_ticks() if kind == "async" else sync_ticks())

    with TestClient(app) as client:
        with client.stream("GET", "/ticks") as response:
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if len(chunks) == 3:
                    break
        assert closed.wait(2), "the generator's finally did not run after the disconnect"
        assert chunks == [b"tick"] * 3
        assert client.get("/ticks-missing").status_code == 404  # the client still works
