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

Theory of operation.  Starlette's ``BaseHTTPMiddleware`` runs the inner app in
a task of its own and hands each message over through a memory stream, so
every request costs a task, a stream and several trips round the event loop
(benchmarks/app_asgiweb.py, ``app_funcmw``).  Here the inner app runs in the
SAME task, as it would without the middleware, driven by a small trampoline
(``_Inner.drive``): whatever the inner coroutine awaits on the loop is passed
through, and its ``send`` pauses it at ``http.response.start`` by yielding a
private marker the trampoline recognises.  ``call_next`` returns then, with the
inner app suspended.  Sending the returned response resumes it: the paused
``send`` passes on the (possibly changed) start, and every later message goes
straight to the server, so a streamed body streams, a disconnect and a
cancellation reach the inner app as they would without the middleware, and
background tasks run after the last body message.  If the dispatch function
answers with another response (or fails), the inner app is cancelled: a
``CancelledError`` is thrown in at its pause and it runs to its end, its
``finally`` blocks and exit code included.

A ``send`` from another task (an inner app that starts its response from a
child task) cannot pause the driving task: it parks the message and wakes the
trampoline, which, while it waits for the start, waits on a future of its own
that either the inner app's awaited future or that hand-over completes.
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import TYPE_CHECKING, Any

from asgiweb.requests import Request
from asgiweb.responses import Response
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    import asyncio

__all__ = ["BaseHTTPMiddleware", "CallNext", "DispatchFunction"]

CallNext = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, CallNext], Awaitable[Response]]


_NOTHING: Any = object()  # no yielded value is waiting to be handed to the loop


@types.coroutine
def _pause(marker: _Inner) -> Generator[Any, Any, None]:
    """Suspend the inner coroutine up to the ``drive`` that owns ``marker``.  Each
    ``_Inner`` is its own marker: with function middleware nested, an outer one's
    pause passes through the inner ones' trampolines like any other yield."""
    yield marker


class _Inner:
    """The inner app's coroutine, run in the caller's task by ``drive``."""

    __slots__ = (
        "coro", "done", "driving", "error", "out", "parked", "start", "waiting", "waker",
    )  # fmt: skip

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        self.start: Message | None = None  # the inner app's response start
        self.out: Send | None = None  # set by respond(): where messages go from then on
        self.driving = False  # True only while drive() is inside coro.send/throw
        self.done = False
        self.error: BaseException | None = None  # to throw in at the next drive
        self.waiting: Any = _NOTHING  # what the coroutine awaits, not yet given to the loop
        self.waker: asyncio.Future[None] | None = None
        self.parked: asyncio.Future[None] | None = None  # a send from another task waits here
        coro = app(scope, receive, self.send)
        self.coro: Coroutine[Any, Any, None] = coro  # type: ignore[assignment]

    async def send(self, message: Message) -> None:
        out = self.out
        if out is not None:
            await out(message)
            return
        if self.start is not None or message["type"] != "http.response.start":
            raise RuntimeError(
                f"the application sent {message['type']!r} before its response was started"
            )
        self.start = message
        if self.driving:
            await _pause(self)
        else:
            import asyncio  # PERF: lazy, importing asyncio costs RSS (benchmarks/import_cost.py)

            parked = self.parked = asyncio.get_running_loop().create_future()
            waker = self.waker
            if waker is not None and not waker.done():
                waker.set_result(None)
            await parked
        # Resumed by respond(): the start as the dispatch function left it goes out.
        out = self.out
        if out is None:  # pragma: no cover - respond() sets both before resuming
            raise RuntimeError("the response from call_next was not sent")
        await out(self.start)

    @types.coroutine
    def drive(self, head: bool) -> Generator[Any, Any, None]:
        """Run the inner coroutine on until it returns or, when ``head``, until its
        response start is known.  An error it raises comes out of here."""
        coro = self.coro
        waiting = self.waiting
        self.waiting = _NOTHING
        error = self.error
        self.error = None
        value: Any = None
        while True:
            if waiting is _NOTHING:
                self.driving = True
                try:
                    waiting = coro.send(value) if error is None else coro.throw(error)
                except StopIteration:
                    self.done = True
                    return
                except BaseException:
                    self.done = True
                    raise
                finally:
                    self.driving = False
                value = error = None
                if waiting is self:  # the inner send paused at the response start
                    return
            if head and getattr(waiting, "_asyncio_future_blocking", False):
                if self.start is not None:  # parked by a send from another task
                    self.waiting = waiting
                    return
                try:
                    woken = yield from self._wait_or_wake(waiting)
                except GeneratorExit:
                    coro.close()
                    raise
                except BaseException as exc:  # a cancellation: the inner coroutine's to handle
                    error = exc
                    woken = False
                if woken:
                    self.waiting = waiting
                    return
                waiting = _NOTHING
                continue
            try:
                value = yield waiting
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # a cancellation: the inner coroutine's to handle
                error = exc
            waiting = _NOTHING

    def _wait_or_wake(self, future: Any) -> Generator[Any, Any, bool]:
        """Wait for ``future`` (what the inner app awaits) or for a start sent from
        another task, whichever comes first; True for the latter."""
        waker = self.waker = future.get_loop().create_future()

        def wake(_: object) -> None:
            if not waker.done():
                waker.set_result(None)

        future.add_done_callback(wake)
        try:
            yield from waker
        except BaseException:
            # Our task was cancelled: cancel what the inner app awaits, as the task
            # would have done had it been awaiting that future itself.
            future.remove_done_callback(wake)
            future.cancel()
            raise
        finally:
            self.waker = None
        if future.done():
            return False
        future.remove_done_callback(wake)
        return True

    async def respond(self, start: Message, send: Send) -> None:
        """Send ``start`` through ``send``, then the rest of the inner app's response."""
        self.start = start
        self.out = send
        parked = self.parked
        if parked is not None:
            self.parked = None
            parked.set_result(None)
        await self.drive(False)

    async def cancel(self) -> None:
        """The response was not wanted: stop the inner app, running its exit code."""
        if self.done:
            return
        import asyncio  # PERF: lazy, importing asyncio costs RSS (benchmarks/import_cost.py)

        parked = self.parked
        if parked is not None:
            self.parked = None
            parked.cancel()
        waiting = self.waiting
        if waiting is not _NOTHING and hasattr(waiting, "cancel"):
            waiting.cancel()
        self.waiting = _NOTHING
        self.error = asyncio.CancelledError()
        try:
            await self.drive(False)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # our own task is being cancelled too


class _RelayedResponse(Response):
    """The inner app's response as ``call_next`` returns it: status and headers are
    known, the body is still to come; headers may be changed before it is sent."""

    def __init__(self, inner: _Inner, start: Message) -> None:
        self.status_code = start["status"]
        self.background = None
        self.body = b""
        self._headers = None
        self.raw_headers = list(start.get("headers", ()))
        self._start = start
        self._inner = inner
        self._sent = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._sent:
            raise RuntimeError("a response from call_next can be sent only once")
        self._sent = True
        start = {**self._start, "status": self.status_code, "headers": self.raw_headers}
        await self._inner.respond(start, send)


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
        inners: list[_Inner] = []
        app = self.app

        async def call_next(req: Request) -> Response:
            if inners:
                raise RuntimeError("call_next can be awaited only once per request")
            inner = _Inner(app, scope, recorder.replaying())
            inners.append(inner)
            await inner.drive(True)
            start = inner.start
            if start is None:
                raise RuntimeError("the application returned without starting a response")
            return _RelayedResponse(inner, start)

        try:
            response = await self.dispatch_func(request, call_next)
            await response(scope, receive, send)
        finally:
            if inners and not inners[0].done:
                await inners[0].cancel()
