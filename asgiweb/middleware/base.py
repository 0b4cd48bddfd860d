"""Function middleware: ``@app.middleware("http")`` and ``BaseHTTPMiddleware``.

A dispatch function ``async def dispatch(request, call_next) -> Response``
sees each HTTP request; ``await call_next(request)`` runs the rest of the
stack and returns its response, which the function may change (status,
headers, cookies) or replace.  Other scope types pass straight through.

Rules kept here (the ASGI HTTP spec; docs/api.md, "Middleware"):
- The response ``call_next`` returns is streamed, not buffered: each body
  message the inner app sends is handed over one at a time, when the server
  is ready for it, so a streamed response passes through chunk by chunk and
  an endless one stays endless.
- The inner app reads the real ``receive``: the request body reaches it
  unread (or replayed, when the dispatch function read it first through its
  ``Request``), and so does ``http.disconnect``, so a streaming handler sees
  the client leave.
- The inner app keeps running until it returns: background tasks run after
  the last body message has been sent to the client, as without middleware.
- An error the inner app raises before it starts its response comes out of
  ``call_next`` (the dispatch function may catch it); if the dispatch
  function answers without the inner response, the inner app is cancelled.

Theory of operation.  Starlette's ``BaseHTTPMiddleware`` couples the two
sides through a memory channel with its own task group, and its bugs come
from that channel buffering and from the task group's cancellation.  Here the
inner app runs in one plain task whose ``send`` is a rendezvous: each message
waits in a single slot until the outer side takes it, so nothing is buffered
beyond one message and nothing is read ahead.  (PERF: a bare asyncio task and
futures, no task group, as ``responses/streaming.py`` does for its watcher.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from asgiweb.requests import Request
from asgiweb.responses import Response
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    import asyncio

__all__ = ["BaseHTTPMiddleware", "CallNext", "DispatchFunction"]

CallNext = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, CallNext], Awaitable[Response]]


class _Relay:
    """The inner app's run: its messages taken one at a time by the outer side."""

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        import asyncio  # PERF: lazy, importing asyncio costs RSS (benchmarks/import_cost.py)

        loop = asyncio.get_running_loop()
        self._loop = loop
        # The slot: the next message and the future the inner send waits on.
        self._message: Message | None = None
        self._taken: asyncio.Future[None] | None = None
        self._ready: asyncio.Future[None] = loop.create_future()
        self.task: asyncio.Task[None] = loop.create_task(self._run(app, scope, receive))

    async def _run(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        try:
            await app(scope, receive, self._send)
        finally:
            if not self._ready.done():
                self._ready.set_result(None)

    async def _send(self, message: Message) -> None:
        taken = self._loop.create_future()
        self._message = message
        self._taken = taken
        if not self._ready.done():
            self._ready.set_result(None)
        await taken

    async def next_message(self) -> Message | None:
        """The inner app's next message, or None once it has returned without one."""
        await self._ready  # set by the next send, or when the inner app returns
        message = self._message
        if message is None:
            if self.task.done():
                self.task.result()  # the inner app's error, if any
            return None
        self._message = None
        self._ready = self._loop.create_future()
        return message

    def release(self) -> None:
        """Let the inner send that produced the last message return."""
        taken = self._taken
        self._taken = None
        if taken is not None and not taken.done():
            taken.set_result(None)

    async def finish(self) -> None:
        """Wait for the inner app to return (its background tasks included)."""
        self.release()
        await self.task

    def cancel(self) -> None:
        if not self.task.done():
            self.task.cancel()


class _RelayedResponse(Response):
    """The inner app's response as ``call_next`` returns it: status and headers are
    known, the body is still coming; headers may be changed before it is sent."""

    def __init__(self, relay: _Relay, start: Message) -> None:
        self.status_code = start["status"]
        self.background = None
        self.body = b""
        self._headers = None
        self.raw_headers = list(start.get("headers", []))
        self._relay = relay
        self._sent = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        relay = self._relay
        if self._sent:
            raise RuntimeError("a response from call_next can be sent only once")
        self._sent = True
        try:
            await send(
                {"type": "http.response.start", "status": self.status_code,
                 "headers": self.raw_headers}
            )  # fmt: skip
            relay.release()
            while True:
                message = await relay.next_message()
                if message is None:
                    break
                await send(message)
                relay.release()
                if message["type"] == "http.response.body" and not message.get("more_body", False):
                    break
            await relay.finish()
        except BaseException:
            relay.cancel()
            raise


class _Recorder:
    """The dispatch function's ``receive``: body messages it reads are kept, so the
    inner app can be given them again before the real ``receive``."""

    __slots__ = ("messages", "receive")

    def __init__(self, receive: Receive) -> None:
        self.receive = receive
        self.messages: list[Message] = []

    async def record(self) -> Message:
        message = await self.receive()
        if message["type"] == "http.request":
            self.messages.append(message)
        return message

    def replaying(self) -> Receive:
        if not self.messages:
            return self.receive
        pending = list(self.messages)
        receive = self.receive

        async def replay() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        return replay


class BaseHTTPMiddleware:
    """Run ``dispatch(request, call_next)`` around every HTTP request.

    Subclass and override ``dispatch``, or pass ``dispatch=`` (what
    ``@app.middleware("http")`` does).
    """

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func: DispatchFunction = self.dispatch if dispatch is None else dispatch

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        raise NotImplementedError("override dispatch() or pass dispatch=")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorder = _Recorder(receive)
        request = Request(scope, recorder.record, send)
        relays: list[_Relay] = []

        async def call_next(req: Request) -> Response:
            if relays:
                raise RuntimeError("call_next can be awaited only once per request")
            relay = _Relay(self.app, scope, recorder.replaying())
            relays.append(relay)
            message = await relay.next_message()
            if message is None or message["type"] != "http.response.start":
                raise RuntimeError("the application returned without starting a response")
            return _RelayedResponse(relay, message)

        try:
            response = await self.dispatch_func(request, call_next)
            await response(scope, receive, send)
        finally:
            for relay in relays:
                relay.cancel()
