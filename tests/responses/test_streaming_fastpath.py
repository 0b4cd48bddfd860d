"""The fast paths of StreamingResponse and of the SSE relay (benchmarks/compare.py stream, sse).

- The constructor's inline init and header fast path give what the general path gives.
- The disconnect state lives on the response: a body that never yields to the loop is
  answered completely and no watcher ever starts (nor reads ``receive``); one that
  waits gets the watcher, and a disconnect mid-stream stops it.
- ``send()`` raising OSError is caught at the send itself: a disconnect under spec 2.4,
  an error under 2.3; the iterator's own OSError is always an error.
- A finished async generator is not closed again; any other async iterator is.
- The SSE body takes ready events straight from the relay: order, back-pressure and
  closing hold.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

import asgiweb.sse
from asgiweb import App
from asgiweb._endpoint.streams import RELAY_SIZE
from asgiweb.background import BackgroundTask
from asgiweb.responses.streaming import WATCH_AFTER_TURNS, YIELD_AFTER, StreamingResponse
from asgiweb.sse import EventSourceResponse
from tests.harness import Message, Peer, drive, http_scope

pytestmark = pytest.mark.anyio


# -- construction ------------------------------------------------------------------------


async def _three() -> AsyncIterator[bytes]:
    for chunk in (b"a", b"b", b"c"):
        yield chunk


@pytest.mark.parametrize("media_type", [None, "text/plain", "application/octet-stream"])
async def test_inline_init_matches_the_general_header_path(media_type: str | None) -> None:
    fast = StreamingResponse(_three(), media_type=media_type)
    general = StreamingResponse(_three(), media_type=media_type, headers={})
    assert fast.raw_headers == general.raw_headers
    assert fast.body == b"" and fast.status_code == 200 and fast.background is None
    assert fast.is_async
    for response in (fast, general):
        peer = await drive(response)
        assert peer.chunks == [b"a", b"b", b"c", b""]
        assert peer.header("content-length") is None


async def test_inline_init_keeps_a_subclass_charset_and_the_background() -> None:
    class Latin1(StreamingResponse):
        charset = "latin-1"

    ran: list[bool] = []
    response = Latin1(
        _three(),
        status_code=206,
        media_type="text/csv",
        background=BackgroundTask(ran.append, True),
    )
    assert response.raw_headers == [(b"content-type", b"text/csv; charset=latin-1")]
    assert response.headers["content-type"] == "text/csv; charset=latin-1"
    peer = await drive(response)
    assert peer.status == 206 and peer.body == b"abc" and ran == [True]


# -- the watcher only for a body that waits ----------------------------------------------


async def test_body_done_before_any_yield_to_the_loop_answers_without_a_watcher() -> None:
    finished: list[bool] = []
    tasks_seen: list[int] = []

    async def quick() -> AsyncIterator[str]:
        try:
            yield "é"
            yield ""
            yield "z"
        finally:
            finished.append(True)

    peer = Peer()

    async def send(message: Message) -> None:
        tasks_seen.append(len(asyncio.all_tasks()))
        await peer.send(message)

    baseline = len(asyncio.all_tasks())
    await StreamingResponse(quick())(http_scope(), peer.receive, send)
    assert peer.chunks == ["é".encode(), b"z", b""]
    assert [m.get("more_body", False) for m in peer.sent[1:]] == [True, True, False]
    assert finished == [True]
    assert tasks_seen == [baseline] * len(tasks_seen)
    # The scheduled watcher was called off: later loop turns start nothing, read nothing.
    for _ in range(5):
        await asyncio.sleep(0)
    assert peer.receive_calls == 0
    assert len(asyncio.all_tasks()) == baseline


async def test_disconnect_mid_stream_stops_a_waiting_body() -> None:
    closed = anyio.Event()
    produced = 0

    async def ticking() -> AsyncIterator[bytes]:
        nonlocal produced
        try:
            while True:
                produced += 1
                yield b"tick"
                await anyio.sleep(0.005)
        finally:
            closed.set()

    peer = Peer()

    async def send(message: Message) -> None:
        await peer.send(message)
        if len(peer.chunks) == 3:
            peer.disconnect()

    with anyio.fail_after(2):
        await StreamingResponse(ticking())(http_scope(), peer.receive, send)
        await closed.wait()
    assert peer.chunks[:3] == [b"tick"] * 3
    assert not peer.finished  # nothing after the client left, not even the last message
    assert produced <= 4
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0


async def test_disconnect_stops_a_body_that_never_awaits() -> None:
    closed: list[bool] = []

    async def endless() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x" * 64
        finally:
            closed.append(True)

    peer = Peer(disconnect_when_done=True)
    with anyio.fail_after(2):
        await StreamingResponse(endless())(http_scope(), peer.receive, peer.send)
    assert closed == [True]
    assert not peer.finished
    assert YIELD_AFTER <= 0.001


async def test_state_is_per_response_for_concurrent_streams() -> None:
    async def slow(tag: bytes) -> AsyncIterator[bytes]:
        for _ in range(4):
            yield tag
            await anyio.sleep(0.005)

    leaving, staying = Peer(), Peer()

    async def leaving_send(message: Message) -> None:
        await leaving.send(message)
        if len(leaving.chunks) == 1:
            leaving.disconnect()

    with anyio.fail_after(2):
        async with anyio.create_task_group() as group:
            group.start_soon(
                StreamingResponse(slow(b"L")), http_scope(), leaving.receive, leaving_send
            )
            group.start_soon(
                StreamingResponse(slow(b"S")), http_scope(), staying.receive, staying.send
            )
    assert staying.chunks == [b"S"] * 4 + [b""] and staying.finished
    assert not leaving.finished and len(leaving.chunks) < 4


# -- OSError: from send, from the iterator ------------------------------------------------


async def test_send_oserror_under_2_4_ends_quietly_and_closes_the_body() -> None:
    closed: list[bool] = []
    ran: list[bool] = []
    sent: list[Message] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"a"
            yield b"b"
            yield b"c"
        finally:
            closed.append(True)

    async def send(message: Message) -> None:
        if message.get("body") == b"b":
            raise ConnectionResetError("gone")
        sent.append(message)

    response = StreamingResponse(body(), background=BackgroundTask(ran.append, True))
    with anyio.fail_after(2):
        await response(http_scope(spec_version="2.4"), Peer().receive, send)
    assert [m.get("body") for m in sent[1:]] == [b"a"]  # nothing after the failed send
    assert closed == [True] and ran == [True]


async def test_send_oserror_under_2_3_propagates_and_closes_the_body() -> None:
    closed: list[bool] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"a"
            yield b"b"
        finally:
            closed.append(True)

    async def send(message: Message) -> None:
        if message.get("body") == b"b":
            raise OSError("gone")

    with pytest.raises(OSError, match="gone"), anyio.fail_after(2):
        await StreamingResponse(body())(http_scope(), Peer().receive, send)
    assert closed == [True]


# -- closing the body --------------------------------------------------------------------


class _Counting:
    """An async iterator that is not a generator, with its own aclose()."""

    def __init__(self) -> None:
        self.left = 2
        self.closed = 0

    def __aiter__(self) -> _Counting:
        return self

    async def __anext__(self) -> bytes:
        if not self.left:
            raise StopAsyncIteration
        self.left -= 1
        return b"n"

    async def aclose(self) -> None:
        self.closed += 1


async def test_an_async_iterator_that_is_not_a_generator_is_still_closed() -> None:
    source = _Counting()
    peer = await drive(StreamingResponse(source))
    assert peer.chunks == [b"n", b"n", b""]
    assert source.closed == 1


async def test_an_unfinished_async_generator_is_closed_on_head() -> None:
    closed: list[bool] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"never"
        finally:
            closed.append(True)

    gen = body()
    assert await gen.__anext__() == b"never"
    peer = await drive(StreamingResponse(gen), http_scope("HEAD"))
    assert peer.chunks == [b""] and closed == [True]


# -- SSE: ready events straight from the relay --------------------------------------------


def _events(body: bytes) -> list[bytes]:
    return [block for block in body.split(b"\n\n") if block]


async def test_sse_events_in_order_across_bursts_waits_and_back_pressure() -> None:
    app = App()
    finished: list[bool] = []
    many = 2 * RELAY_SIZE + 3  # more than the relay holds

    @app.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterator[Any]:
        try:
            for i in range(many):
                yield {"i": i}
            await anyio.sleep(0.01)
            yield "after a wait"
            for i in range(3):
                yield i
        finally:
            finished.append(True)

    peer = Peer()

    async def slow_send(message: Message) -> None:
        await peer.send(message)
        if len(peer.chunks) % 7 == 0:
            await anyio.sleep(0.001)  # a slow reader: the producer must wait for it

    with anyio.fail_after(5):
        await app(http_scope(path="/events"), peer.receive, slow_send)
    expected = [b'data: {"i":%d}' % i for i in range(many)]
    expected += [b'data: "after a wait"', b"data: 0", b"data: 1", b"data: 2"]
    assert _events(peer.body) == expected
    assert peer.chunks[:-1] == [event + b"\n\n" for event in expected]  # one event a message
    assert peer.finished and finished == [True]


async def test_sse_disconnect_while_waiting_closes_the_handler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(asgiweb.sse, "PING_INTERVAL", 0.02)
    app = App()
    closed = anyio.Event()

    @app.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterator[Any]:
        try:
            yield "hello"
            await anyio.sleep_forever()
        finally:
            closed.set()

    peer = Peer()

    async def send(message: Message) -> None:
        await peer.send(message)
        if message.get("body") == b": ping\n\n":
            peer.disconnect()

    with anyio.fail_after(2):
        await app(http_scope(path="/events"), peer.receive, send)
        await closed.wait()
    assert peer.chunks[:2] == [b'data: "hello"\n\n', b": ping\n\n"]
    assert not peer.finished


async def test_sse_error_after_ready_events_is_raised_after_them() -> None:
    app = App()

    @app.get("/events", response_class=EventSourceResponse)
    async def events() -> AsyncIterator[Any]:
        yield 1
        yield 2
        raise RuntimeError("feed broke")

    peer = Peer()
    with pytest.raises(RuntimeError, match="feed broke"), anyio.fail_after(2):
        await app(http_scope(path="/events"), peer.receive, peer.send)
    assert peer.chunks == [b"data: 1\n\n", b"data: 2\n\n"]


# -- the watcher starts on the WATCH_AFTER_TURNS-th loop turn -----------------------------


async def test_a_body_done_within_the_first_loop_turns_never_starts_a_watcher() -> None:
    tasks_seen: list[int] = []

    async def brief() -> AsyncIterator[bytes]:
        for turn in range(WATCH_AFTER_TURNS - 1):
            yield b"%d" % turn
            await asyncio.sleep(0)  # one loop turn

    peer = Peer()

    async def send(message: Message) -> None:
        tasks_seen.append(len(asyncio.all_tasks()))
        await peer.send(message)

    baseline = len(asyncio.all_tasks())
    await StreamingResponse(brief())(http_scope(), peer.receive, send)
    assert peer.body == b"".join(b"%d" % t for t in range(WATCH_AFTER_TURNS - 1))
    assert peer.finished
    for _ in range(WATCH_AFTER_TURNS + 2):
        await asyncio.sleep(0)
    assert tasks_seen == [baseline] * len(tasks_seen)
    assert peer.receive_calls == 0


async def test_a_body_still_running_gets_its_watcher_and_an_early_disconnect_counts() -> None:
    tasks_seen: list[int] = []
    closed: list[bool] = []

    async def turning() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"t"
                await asyncio.sleep(0)
        finally:
            closed.append(True)

    # The client is gone from the start: the watcher reports it as soon as it exists.
    peer = Peer(disconnect_when_done=True)

    async def send(message: Message) -> None:
        tasks_seen.append(len(asyncio.all_tasks()))
        await peer.send(message)

    baseline = len(asyncio.all_tasks())
    with anyio.fail_after(2):
        await StreamingResponse(turning())(http_scope(), peer.receive, send)
    assert closed == [True] and not peer.finished
    assert max(tasks_seen) == baseline + 1  # the watcher, once
    assert len(peer.chunks) <= WATCH_AFTER_TURNS + 3
