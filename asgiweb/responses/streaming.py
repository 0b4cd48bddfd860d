"""StreamingResponse: a body produced chunk by chunk while the client reads it.

Rules kept here (ASGI HTTP spec 2.3/2.4):
- One ``http.response.start`` without ``content-length`` (unless the caller
  set one), so HTTP/1.1 servers use chunked encoding; then one
  ``http.response.body`` per non-empty chunk with ``more_body`` true, and a
  last empty one with ``more_body`` false.  ``str`` chunks are encoded with
  the response charset.
- A HEAD request gets the headers and an empty body; the iterator is closed
  without being started.
- The client going away ends the stream at once.  The server tells us with an
  ``http.disconnect`` message from ``receive()`` (every spec version) or, from
  spec 2.4 on, by ``send()`` raising ``OSError``.  Either way the iterator is
  closed (``aclose()`` / ``close()``), so its ``finally`` blocks run, no more
  body messages are sent, and the background tasks still run.
- An exception from the iterator mid-stream is re-raised (the App's error
  path logs it once): the status line is already out, so the only honest
  signal left is for the server to drop the connection.  The iterator is
  closed and the background tasks run first.  ``OSError`` counts as a
  disconnect only when ``send()`` raised it; from the iterator it is an error.

Theory of operation.  Watching for ``http.disconnect`` while the iterator is
busy needs something awaiting ``receive()`` concurrently.  Instead of an anyio
task group (about 65 µs per response), one bare asyncio task
awaits ``receive()``, created only once the body has yielded to the event loop
(see ``Watch``); when it sees the disconnect it sets a flag and, for an
async iterator, cancels the streaming task, which is then somewhere inside
``__anext__`` or ``send``.  The streaming task recognises that cancellation as
its own (``Task.uncancel``), closes the iterator and carries on with the
background tasks; any other cancellation propagates untouched.
``StreamingResponse`` keeps that per-call state (flags, task, watcher) on
itself rather than in a ``Watch`` (which ``FileResponse`` uses): a response
is called once, and the stream benchmark counts every object and call made
per response (benchmarks/compare.py stream: 13.4 -> 10.2 µs with the other
fast paths here: the inline init, the ``send`` OSError caught at the send).
It also starts its watcher later: in the ``WATCH_AFTER_TURNS``-th (3rd) turn
of the event loop since the body began, one ``call_soon`` per turn, and only
if the body is still running then.  A short stream that waits a little (the
SSE relay hands its events over in two turns: the producer's, then the
response's) is done before that and never pays for the task, its ``receive()``
and its cancellation (sse benchmark: 1.63x -> ~1.4x the floor).  The price is
a disconnect noticed up to two loop turns later.

An iterator that never awaits (chunks from memory) would hold the event loop
for the whole body, and a disconnect would go unseen: under spec 2.3 a server's
``send()`` to a gone client returns at once without waiting on anything.  So the
streaming loop checks a monotonic clock after each chunk and, once ``YIELD_AFTER``
seconds have passed since its last checkpoint, yields to the loop once
(``asyncio.sleep(0)``): other requests on the worker run, the watcher gets its
turn, and a disconnect cancels the stream at that checkpoint.  PERF: the clock
costs ~45 ns a chunk, the checkpoint ~2.5 µs at most once a millisecond.

Sync iterators (and file-like objects) are pulled one chunk per worker-thread
hop, so a blocking generator never stalls the event loop.  They are never
cancelled mid-``next()`` (the thread would keep running and the generator
could not be closed while executing): the flag is checked after each chunk,
then the iterator is closed in a worker thread.  The delay is one step of the
user's generator.

The disconnect watcher consumes request-body messages it sees; a stream that
itself reads the request body should read it before returning the response.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from time import monotonic
from types import AsyncGeneratorType, ModuleType
from typing import TYPE_CHECKING, Any

from asgiweb._concurrency import run_in_threadpool
from asgiweb._http import CHUNK_SIZE
from asgiweb.background import BackgroundTask, BackgroundTasks, as_background
from asgiweb.responses.base import _CONTENT_TYPE_HEADERS, Response, encode_content_type
from asgiweb.types import Receive, Scope, Send

if TYPE_CHECKING:
    import asyncio

__all__ = ["CHUNK_SIZE", "StreamingResponse"]


# The longest a stream holds the event loop between two chunks before it yields.
YIELD_AFTER = 0.001
# The event-loop turn, counted from the start of a StreamingResponse body, in which
# its disconnect watcher starts if the body is still running (see StreamingResponse).
WATCH_AFTER_TURNS = 3
_DONE: Any = object()
_ASYNCIO: ModuleType | None = None


def _asyncio() -> Any:
    """The asyncio module, imported on first use.

    PERF: importing asyncio costs ~9 MiB RSS (benchmarks/import_cost.py), so not at
    import time; and an ``import`` statement per call costs ~130 ns, this ~50.
    """
    global _ASYNCIO
    module = _ASYNCIO
    if module is None:
        import asyncio

        module = _ASYNCIO = asyncio
    return module


if TYPE_CHECKING:
    # Only the type checker needs these; a runtime Protocol would also make
    # the file-like check an isinstance() through typing's machinery.
    from typing import Protocol, TypeAlias

    class _Readable(Protocol):
        def read(self, size: int = ..., /) -> bytes | str: ...

    Content: TypeAlias = (
        AsyncIterable[bytes | str | memoryview]
        | Iterable[bytes | str | memoryview]
        | _Readable
        | bytes
        | str
    )


class _FileChunks:
    """A file-like object read in fixed chunks (its line iterator could hold a whole binary file).

    The file is closed with the iterator: the response owns what it was given.
    """

    __slots__ = ("file",)

    def __init__(self, file: _Readable) -> None:
        self.file = file

    def __iter__(self) -> _FileChunks:
        return self

    def __next__(self) -> bytes | str:
        chunk = self.file.read(CHUNK_SIZE)
        if not chunk:
            raise StopIteration
        return chunk

    def close(self) -> None:
        close = getattr(self.file, "close", None)
        if close is not None:
            close()


def spec_at_least_2_4(scope: Scope) -> bool:
    version = scope.get("asgi", {}).get("spec_version", "2.0")
    try:
        major, minor = (int(part) for part in str(version).split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (2, 4)


class Watch:
    """Per-call state shared by the streaming task and its disconnect watcher.

    The watcher task is not created up front: ``start()`` only schedules its
    creation for the next event-loop iteration.  A body that is sent without
    ever yielding to the loop (in-memory chunks, a fast client) finishes first,
    and ``stop()`` cancels the scheduled callback: no task was ever made.  A
    body that waits on anything yields to the loop, so the watcher exists
    before any wait that a disconnect would need to interrupt.
    PERF: task create + cancel measured 8.6 µs, call_soon + cancel ~1 µs; the
    in-process 10 x 1 KiB stream went from 2.5x to 1.7-2.4x a raw ASGI app.
    """

    __slots__ = ("cancellable", "cancelled", "disconnected", "handle", "task", "watcher")

    def __init__(self, task: asyncio.Task[Any] | None) -> None:
        self.task = task
        self.disconnected = False
        self.cancellable = False
        self.cancelled = False
        self.handle: asyncio.Handle | None = None
        self.watcher: asyncio.Task[None] | None = None

    def start(self, receive: Receive) -> None:
        import asyncio  # PERF: lazy, importing asyncio costs ~9 MiB RSS (import_cost)

        self.handle = asyncio.get_running_loop().call_soon(self._spawn, receive)

    def _spawn(self, receive: Receive) -> None:
        import asyncio  # PERF: lazy, importing asyncio costs ~9 MiB RSS (import_cost)

        self.handle = None
        self.watcher = asyncio.get_running_loop().create_task(_watch_disconnect(receive, self))

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None
        if self.watcher is not None:
            self.watcher.cancel()
            self.watcher = None


async def _wait_for_disconnect(receive: Receive) -> bool:
    """Read ``receive()`` until ``http.disconnect``: True then, False if it fails.

    A receive() that fails says nothing certain about the client; the stream itself
    will find out on its next send.
    """
    try:
        while True:
            message = await receive()
            if message.get("type") == "http.disconnect":
                return True
    except Exception:
        return False


async def _watch_disconnect(receive: Receive, watch: Watch) -> None:
    if not await _wait_for_disconnect(receive):
        return
    watch.disconnected = True
    if watch.cancellable and watch.task is not None:
        watch.cancelled = True
        watch.task.cancel()


class StreamingResponse(Response):
    """Streams an async iterable, a sync iterable (in a worker thread) or a file-like object."""

    # Per-call disconnect state (the streaming task's half of ``Watch``, kept on the
    # response itself: PERF, no per-response object).  See ``_watch``.
    _disconnected = False  # the client left (watcher or send() raising OSError)
    _cancellable = False  # the watcher may cancel ``_task`` (only inside _stream_async)
    _cancelled = False  # the watcher did cancel ``_task``
    _task: asyncio.Task[Any] | None = None
    _watcher: asyncio.Task[None] | None = None
    _spawn: asyncio.Handle  # the scheduled step towards starting the watcher

    def __init__(
        self,
        content: Content,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
    ) -> None:
        self.is_async: bool
        self.body_iterator: AsyncIterable[Any] | Iterable[Any]
        if type(content) is AsyncGeneratorType:  # PERF: the common case first
            self.body_iterator, self.is_async = content, True
        elif isinstance(content, bytes | str):
            self.body_iterator, self.is_async = (content,), False
        elif isinstance(content, AsyncIterable):
            self.body_iterator, self.is_async = content, True
        elif callable(getattr(content, "read", None)):
            self.body_iterator, self.is_async = _FileChunks(content), False  # type: ignore[arg-type]
        elif isinstance(content, Iterable):
            self.body_iterator, self.is_async = content, False
        else:
            raise TypeError(
                "StreamingResponse content must be an async iterable, an iterable or a "
                f"file-like object, not {type(content).__name__}"
            )
        # Response's own init, inline (PERF: the body is the iterator, nothing to render).
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = None if background is None else as_background(background)
        self.body = b""
        self.init_headers(headers)

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Like Response's, without ``content-length``: the length is unknown until the end."""
        if headers is not None:
            self.build_headers(headers, None)
            return
        # PERF: no user headers, the content-type pair from base's cache.
        self._headers = None
        media_type = self.media_type
        if media_type is None:
            self.raw_headers = []
            return
        pair = _CONTENT_TYPE_HEADERS.get(media_type)
        if pair is None or self.charset != "utf-8":
            pair = (b"content-type", encode_content_type(media_type, self.charset))
        self.raw_headers = [pair]

    def _encode(self, chunk: Any) -> bytes:
        if isinstance(chunk, str):
            return chunk.encode(self.charset)
        if isinstance(chunk, bytearray | memoryview):
            return bytes(chunk)
        raise TypeError(
            f"StreamingResponse chunks must be bytes or str, not {type(chunk).__name__}"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
        except OSError:
            if not spec_at_least_2_4(scope):
                raise
            # Gone before the first byte: nothing to send, the rest still runs.
            await self._close_iterator()
            if self.background is not None:
                await self.background()
            return
        if scope.get("method") == "HEAD":
            await self._close_iterator()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        else:
            # The watcher is only scheduled (see Watch): a body that never yields
            # to the loop is done before it would start, and no task is made.
            asyncio = _ASYNCIO or _asyncio()
            loop = asyncio.get_running_loop()
            self._task = asyncio.current_task(loop)
            self._disconnected = False
            self._spawn = loop.call_soon(self._spawn_watcher, receive, WATCH_AFTER_TURNS)
            try:
                if self.is_async:
                    await self._stream_async(scope, send, asyncio)
                else:
                    await self._stream_sync(scope, send)
            except BaseException as exc:
                self._spawn.cancel()
                self._stop_watcher()
                await self._close_iterator()
                if isinstance(exc, Exception) and self.background is not None:
                    await self.background()
                raise
            self._spawn.cancel()  # PERF: inline; a no-op once the watcher exists
            if self._watcher is not None:
                self._stop_watcher()
            if not self._disconnected:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        if self.background is not None:
            await self.background()

    def _spawn_watcher(self, receive: Receive, turns: int) -> None:
        """Start the watcher on the last of ``turns`` loop turns (see ``WATCH_AFTER_TURNS``)."""
        loop = _asyncio().get_running_loop()
        if turns > 1:
            self._spawn = loop.call_soon(self._spawn_watcher, receive, turns - 1)
        else:
            self._watcher = loop.create_task(self._watch(receive))

    def _stop_watcher(self) -> None:
        watcher = self._watcher
        if watcher is not None:
            watcher.cancel()
            self._watcher = None

    async def _watch(self, receive: Receive) -> None:
        """The disconnect watcher: the same job as ``_watch_disconnect`` for a ``Watch``."""
        if not await _wait_for_disconnect(receive):
            return
        self._disconnected = True
        task = self._task
        if self._cancellable and task is not None:
            self._cancelled = True
            task.cancel()

    async def _stream_async(self, scope: Scope, send: Send, asyncio: Any) -> None:
        iterator = self.body_iterator
        if type(iterator) is not AsyncGeneratorType:
            # Keep the iterator itself so that it can be closed (aiter(gen) is gen).
            iterator = self.body_iterator = aiter(iterator)  # type: ignore[arg-type]
        self._cancellable = True
        clock = monotonic
        checkpoint = clock() + YIELD_AFTER
        try:
            # PERF: a plain ``async for`` with exact-type checks inline; the
            # per-chunk cost is what the stream benchmark (10 x 1 KiB) measures.
            # (A try block costs nothing until it catches, Python 3.11+.)
            async for chunk in iterator:
                if self._disconnected:
                    break
                if type(chunk) is not bytes:
                    chunk = self._encode(chunk)
                if chunk:
                    try:
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    except OSError:
                        # Spec 2.4: OSError from send() means the client is gone;
                        # from the iterator it is the iterator's own failure.
                        if not spec_at_least_2_4(scope):
                            raise
                        self._disconnected = True
                        break
                if clock() >= checkpoint:
                    await asyncio.sleep(0)  # a disconnect cancels us here
                    checkpoint = clock() + YIELD_AFTER
        except asyncio.CancelledError:
            self._cancellable = False
            if not self._cancelled:
                raise
        finally:
            self._cancellable = False
            if self._cancelled:
                # The watcher cancelled us because the client left: take the
                # cancellation back, unless someone else asked for one too.
                self._cancelled = False
                task = self._task
                if task is not None and task.uncancel() > 0:
                    raise asyncio.CancelledError
        # PERF: inline check, a finished async generator has nothing to close.
        if type(iterator) is not AsyncGeneratorType or iterator.ag_frame is not None:
            await self._close_iterator()

    async def _stream_sync(self, scope: Scope, send: Send) -> None:
        content = self.body_iterator
        sending = False
        try:
            if isinstance(content, list | tuple):
                # Nothing here can block: no thread hops needed.
                clock = monotonic
                checkpoint = clock() + YIELD_AFTER
                for chunk in content:
                    if self._disconnected:
                        break
                    if type(chunk) is not bytes:
                        chunk = self._encode(chunk)
                    if chunk:
                        sending = True
                        await send({"type": "http.response.body", "body": chunk, "more_body": True})
                        sending = False
                    if clock() >= checkpoint:
                        await _asyncio().sleep(0)  # the watcher sets ``_disconnected``
                        checkpoint = clock() + YIELD_AFTER
                return
            iterator = iter(content)  # type: ignore[arg-type]
            self.body_iterator = iterator
            run_sync = run_in_threadpool
            while not self._disconnected:
                chunk = await run_sync(next, iterator, _DONE)
                if chunk is _DONE or self._disconnected:
                    break
                if type(chunk) is not bytes:
                    chunk = self._encode(chunk)
                if chunk:
                    sending = True
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    sending = False
        except OSError:
            if not sending or not spec_at_least_2_4(scope):
                raise
            self._disconnected = True
        await self._close_iterator()

    async def _close_iterator(self) -> None:
        """Run the iterator's ``finally`` blocks (sync ones in a worker thread: they may block)."""
        iterator = self.body_iterator
        if type(iterator) is AsyncGeneratorType:
            # PERF: a finished async generator has no frame and nothing to close.
            if iterator.ag_frame is not None:
                await iterator.aclose()
            return
        if isinstance(iterator, AsyncIterator):
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
            return
        close = getattr(iterator, "close", None)
        # A finished generator has no frame; closing it would cost a thread hop for nothing.
        if close is not None and getattr(iterator, "gi_frame", True) is not None:
            await run_in_threadpool(close)
