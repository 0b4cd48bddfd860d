"""The server side of the TestClient: one ASGI conversation, run in-process.

Server rules enforced, as uvicorn does for the ASGI spec version it declares (2.3):

- ``receive()`` gives the request body as ``http.request`` messages (``more_body``
  False on the last), then blocks until the response is complete or the client has
  gone, and from then on returns ``http.disconnect``.  A disconnect watcher never
  sees a disconnect while the client is still reading.
- ``send()`` takes ``http.response.start`` once, then ``http.response.body``
  messages until one has ``more_body`` False; any message after that raises
  RuntimeError.  A body longer or shorter than a declared ``content-length``
  raises RuntimeError; a HEAD response's body is dropped; 1xx/204/304 responses
  must not carry one.  Header names and values must be bytes, names RFC 9110
  tokens, values free of control characters but tab.
- ``http.response.pathsend`` is accepted only when the client was created with
  ``extensions={"http.response.pathsend": {}}`` (it is listed in the scope then).
- Once the client has disconnected, ``send()`` drops messages (after a checkpoint,
  so an app that only sends can still be cancelled).  Leaving a ``stream()`` block
  early waits ``disconnect_grace`` seconds for the app to end, then cancels it.

Lifespan: the scope carries ``"state": {}``; each request scope gets a shallow
copy of it, as uvicorn does.  ``startup.failed``/``shutdown.failed`` raise
:class:`LifespanError` with the app's message.  An app that returns without
answering does not speak lifespan; one that raises instead has its error raised
when ``raise_server_exceptions`` is set (else it is treated the same way).
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import anyio
import anyio.lowlevel
from anyio.abc import TaskStatus
from anyio.from_thread import BlockingPortal

from asgiweb._http import FIELD_VALUE_FORBIDDEN_BYTES, TOKEN_BYTES, RawHeaders
from asgiweb.exceptions import ClientDisconnect
from asgiweb.types import ASGIApp, Message, Scope

__all__ = [
    "ASGI_VERSION",
    "DISCONNECT_ERRORS",
    "Exchange",
    "LifespanRunner",
    "StreamHandle",
    "WebSocketExchange",
]

ASGI_VERSION = {"version": "3.0", "spec_version": "2.3"}
# Errors an app may raise because the client went away; not reported after a disconnect.
DISCONNECT_ERRORS = (ClientDisconnect, OSError)


class Exchange:
    """The server side of one request/response cycle; lives on the portal's loop."""

    def __init__(
        self,
        app: ASGIApp,
        scope: Scope,
        body: list[bytes],
        pathsend: bool,
        task_status: TaskStatus[Exchange],
    ) -> None:
        self.app = app
        self.scope = scope
        self.body = body
        self.pathsend = pathsend
        self.head = scope["method"] == "HEAD"
        self.status = 0
        self.headers: RawHeaders = []
        self.started = False
        self.complete = False
        self.disconnected = False
        self.error: BaseException | None = None
        self._left: int | None = None  # bytes still owed under content-length
        self._body_index = 0
        self._task_status: TaskStatus[Exchange] | None = task_status
        self._released = False  # the client let go of the body stream
        self._over = anyio.Event()  # response complete or client gone
        self._done = anyio.Event()  # app returned
        self._cancel = anyio.CancelScope()
        self._chunks_in, self._chunks_out = anyio.create_memory_object_stream[bytes](0)

    @classmethod
    async def serve(
        cls,
        app: ASGIApp,
        scope: Scope,
        body: list[bytes],
        pathsend: bool,
        *,
        task_status: TaskStatus[Exchange] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Run the app; hand the exchange to ``portal.start_task`` once the response starts.

        PERF: one portal round trip to create, start and await the response start
        (a round trip costs ~0.2 ms; six per request made the client 2x slower).
        """
        await cls(app, scope, body, pathsend, task_status).run()

    def _announce(self) -> None:
        if self._task_status is not None:
            self._task_status.started(self)
            self._task_status = None

    async def run(self) -> None:
        try:
            with self._cancel:
                await self.app(self.scope, self.receive, self.send)
        except anyio.get_cancelled_exc_class():
            raise
        except BaseException as exc:
            self.error = exc
        finally:
            self._chunks_in.close()
            self._over.set()
            self._done.set()
            self._announce()

    async def receive(self) -> Message:
        if self._body_index < max(len(self.body), 1) and not (self.disconnected or self.complete):
            index = self._body_index
            self._body_index += 1
            chunk = self.body[index] if self.body else b""
            return {"type": "http.request", "body": chunk, "more_body": index + 1 < len(self.body)}
        await self._over.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if self.disconnected:
            await anyio.lowlevel.checkpoint()
            return
        kind = message.get("type")
        if not self.started:
            if kind != "http.response.start":
                raise RuntimeError(
                    f"Expected ASGI message 'http.response.start', but got {kind!r}."
                )
            self._start(message)
            return
        if self.complete:
            raise RuntimeError(
                f"Unexpected ASGI message {kind!r} sent after the response already completed."
            )
        if kind == "http.response.body":
            body = message.get("body", b"")
            more = bool(message.get("more_body", False))
        elif kind == "http.response.pathsend" and self.pathsend:
            body = await anyio.Path(message["path"]).read_bytes()
            more = False
        else:
            raise RuntimeError(f"Expected ASGI message 'http.response.body', but got {kind!r}.")
        if not isinstance(body, bytes | bytearray | memoryview):
            raise TypeError(f"ASGI 'body' must be bytes, not {type(body).__name__}")
        if not self.head:
            self._count(len(body), more)
            if body:
                try:
                    await self._chunks_in.send(bytes(body))
                except anyio.BrokenResourceError:  # the reader left meanwhile
                    self.disconnected = True
                    return
        if not more:
            self.complete = True
            self._chunks_in.close()
            self._over.set()

    def _start(self, message: Message) -> None:
        status = message.get("status")
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise RuntimeError(f"Invalid ASGI response status {status!r}.")
        headers: RawHeaders = []
        for name, value in message.get("headers", ()):
            if not isinstance(name, bytes) or not isinstance(value, bytes):
                raise TypeError("ASGI header names and values must be bytes.")
            if TOKEN_BYTES.fullmatch(name) is None:
                raise RuntimeError(f"Invalid HTTP header name {name!r}.")
            if FIELD_VALUE_FORBIDDEN_BYTES.search(value) is not None:
                raise RuntimeError(f"Invalid HTTP header value {value!r}.")
            headers.append((name, value))
            if name.lower() == b"content-length":
                try:
                    self._left = int(value)
                except ValueError:
                    raise RuntimeError(f"Invalid content-length {value!r}.") from None
        if status < 200 or status in (204, 304):
            self._left = 0
        self.status, self.headers, self.started = status, headers, True
        self._announce()

    def _count(self, size: int, more: bool) -> None:
        left = self._left
        if left is None:
            return
        if size > left:
            if self.status < 200 or self.status in (204, 304):
                raise RuntimeError(f"A {self.status} response must not have a body.")
            raise RuntimeError("Response content longer than Content-Length")
        self._left = left = left - size
        if not more and left:
            raise RuntimeError("Response content shorter than Content-Length")

    async def next_chunks(self, drain: bool) -> list[bytes]:
        """The next body chunk, or with ``drain`` all the rest; [] once the body ended."""
        chunks: list[bytes] = []
        try:
            while True:
                chunks.append(await self._chunks_out.receive())
                if not drain:
                    return chunks
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            pass
        if drain and self.complete:  # PERF: saves finish()'s round trip for plain requests
            self._release()
            await self._done.wait()
        return chunks

    @property
    def finished(self) -> bool:
        """The app returned and the client let go of the body: nothing left to clean up."""
        return self._done.is_set() and self._released

    def _release(self) -> None:
        self._released = True
        self._chunks_out.close()

    async def finish(self, grace: float) -> bool:
        """The client is done: disconnect if the response is not complete, await the app.

        An app that completed its response gets all the time it needs (its
        background tasks run now); one the client left mid-response gets
        ``grace`` seconds to notice, then is cancelled.
        """
        if not self.complete:
            self.disconnected = True
        self._over.set()
        self._release()
        if self.complete:
            await self._done.wait()
            return True
        with anyio.move_on_after(grace):
            await self._done.wait()
        if not self._done.is_set():
            self._cancel.cancel()
            with anyio.move_on_after(grace):
                await self._done.wait()
        return self._done.is_set()


class LifespanRunner:
    """The server side of the lifespan conversation; lives on the portal's loop."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.scope: Scope = {"type": "lifespan", "asgi": dict(ASGI_VERSION), "state": state}
        self.error: BaseException | None = None
        self._to_app, self._app_inbox = anyio.create_memory_object_stream[Message](math.inf)
        self._app_outbox, self._from_app = anyio.create_memory_object_stream[Message](math.inf)
        self._done = anyio.Event()
        self._cancel = anyio.CancelScope()

    async def run(self) -> None:
        try:
            with self._cancel:
                await self.app(self.scope, self._app_inbox.receive, self._app_outbox.send)
        except anyio.get_cancelled_exc_class():
            raise
        except BaseException as exc:
            self.error = exc
        finally:
            self._app_outbox.close()
            self._done.set()

    async def ask(self, event: str) -> Message | None:
        """Send ``lifespan.<event>``; the app's answer, or None if it returned instead."""
        await self._to_app.send({"type": f"lifespan.{event}"})
        try:
            return await self._from_app.receive()
        except anyio.EndOfStream:
            return None

    async def stop(self, grace: float) -> None:
        with anyio.move_on_after(grace):
            await self._done.wait()
        if not self._done.is_set():
            self._cancel.cancel()
            await self._done.wait()
        for stream in (self._to_app, self._app_inbox, self._from_app):
            stream.close()


class StreamHandle:
    """The test thread's handle on a running exchange."""

    def __init__(
        self, portal: BlockingPortal, exchange: Exchange, raise_errors: bool, grace: float
    ) -> None:
        self.portal = portal
        self.exchange = exchange
        self.raise_errors = raise_errors
        self.grace = grace
        self.closed = False
        self.ended = False
        self.reported = False

    def pull(self, drain: bool = False) -> list[bytes]:
        """The next chunk, or with ``drain`` every chunk left; [] at the end."""
        if self.closed or self.ended:
            return []
        chunks = self.portal.call(self.exchange.next_chunks, drain)
        if drain or not chunks:
            self.ended = True
            if not self.exchange.complete and self.raise_errors and not self.reported:
                self.reported = True
                if self.exchange.error is not None:
                    raise self.exchange.error
                raise RuntimeError(
                    "The app returned without completing the response "
                    "(no 'http.response.body' message with more_body=False)."
                )
        return chunks

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        exchange = self.exchange
        if not exchange.finished and not self.portal.call(exchange.finish, self.grace):
            raise RuntimeError(
                f"The app did not stop within {2 * self.grace}s of the client disconnecting, "
                "even when cancelled."
            )
        error = exchange.error
        if error is None or not self.raise_errors or self.reported:
            return
        if exchange.disconnected and isinstance(error, DISCONNECT_ERRORS):
            return
        self.reported = True
        raise error


class WebSocketExchange:
    """The server side of one WebSocket conversation; lives on the portal's loop.

    Messages cross between the test thread and the app through two unbounded
    memory streams.  The app's first message decides the handshake:
    ``websocket.accept``, or ``websocket.close`` (a refusal: HTTP 403 for a
    real client).  The scope declares ASGI spec 2.4, so once the client has
    closed, the app's ``send()`` raises ``OSError`` (uvicorn raises its
    ``ClientDisconnected``, an ``OSError``) and ``receive()`` keeps answering
    ``websocket.disconnect``.
    """

    def __init__(self, app: ASGIApp, scope: Scope) -> None:
        self.app = app
        self.scope = scope
        self.error: BaseException | None = None
        self.client_closed = False
        self.client_close_code = 1000
        self.server_closed = False
        self._to_app, self._app_inbox = anyio.create_memory_object_stream[Message](math.inf)
        self._app_outbox, self._from_app = anyio.create_memory_object_stream[Message](math.inf)
        self._done = anyio.Event()
        self._cancel = anyio.CancelScope()

    async def run(self) -> None:
        try:
            with self._cancel:
                await self.app(self.scope, self.receive, self.send)
        except anyio.get_cancelled_exc_class():
            raise
        except BaseException as exc:
            self.error = exc
        finally:
            self._app_outbox.close()
            self._done.set()

    async def receive(self) -> Message:
        try:
            return await self._app_inbox.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return {"type": "websocket.disconnect", "code": self.client_close_code, "reason": ""}

    async def send(self, message: Message) -> None:
        if self.client_closed:
            await anyio.lowlevel.checkpoint()
            raise OSError("the WebSocket client has disconnected")
        kind = message.get("type")
        if kind == "websocket.send":
            text, data = message.get("text"), message.get("bytes")
            if (text is None) == (data is None):
                raise RuntimeError("A 'websocket.send' message needs exactly one of text, bytes.")
        elif kind == "websocket.close":
            self.server_closed = True
        elif kind == "websocket.http.response.body":
            if not message.get("more_body", False):
                self.server_closed = True  # the refusal is complete
        elif kind not in ("websocket.accept", "websocket.http.response.start"):
            raise RuntimeError(f"Unexpected ASGI WebSocket message type {kind!r}.")
        try:
            await self._app_outbox.send(message)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            raise OSError("the WebSocket client has disconnected") from None

    async def to_app(self, message: Message) -> None:
        if message.get("type") == "websocket.disconnect":
            self.client_closed = True
            self.client_close_code = message.get("code", 1000)
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            await self._to_app.send(message)
        if self.client_closed:
            self._to_app.close()

    async def from_app(self, timeout: float | None) -> Message | None:
        """The app's next message; None once the app has returned (after the last one)."""
        try:
            with anyio.fail_after(timeout):
                return await self._from_app.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            return None

    async def finish(self, grace: float) -> bool:
        """The client is done: wait up to ``grace`` for the app, then cancel it."""
        with anyio.move_on_after(grace):
            await self._done.wait()
        if not self._done.is_set():
            self._cancel.cancel()
            with anyio.move_on_after(grace):
                await self._done.wait()
        for stream in (self._to_app, self._app_inbox, self._from_app):
            stream.close()
        return self._done.is_set()
