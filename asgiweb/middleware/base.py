"""Function middleware: ``@app.middleware("http")`` and ``BaseHTTPMiddleware``.

A dispatch function ``async def dispatch(request, call_next) -> Response``
sees each HTTP request; ``await call_next(request)`` runs the rest of the
stack and returns its response, which the function may change (status,
headers, cookies) or replace.  Other scope types pass straight through.

Rules kept here (the ASGI HTTP spec; docs/api.md, "Middleware"):
- The response ``call_next`` returns is streamed, not buffered: once it is
  sent, each body message the inner app sends goes to the server as it is
  sent, so a streamed response passes through chunk by chunk and an endless
  one stays endless.
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
(``_RelayedResponse.drive``): whatever the inner coroutine awaits on the loop is passed
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

A dispatch function may read the body itself through ``body_iterator``: the
inner app's sends then hand each message over and pause the same way, and an
inner app whose body was read to the end is let finish (background tasks)
after the dispatch function's own response.

A ``send`` from another task (an inner app that starts its response from a
child task) cannot pause the driving task: it parks the message and wakes the
trampoline, which, while it waits for the start, waits on a future of its own
that either the inner app's awaited future or that hand-over completes.
"""

from __future__ import annotations

import types
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator
from functools import partial
from typing import TYPE_CHECKING, Any

from asgiweb.datastructures import MutableHeaders, mutable_headers_view
from asgiweb.exceptions import mark_response_started, marking_start
from asgiweb.middleware import PlainMiddleware
from asgiweb.requests import Request
from asgiweb.responses import Response
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    import asyncio

__all__ = ["BaseHTTPMiddleware", "CallNext", "DispatchFunction"]

CallNext = Callable[[Request], Awaitable[Response]]
DispatchFunction = Callable[[Request, CallNext], Awaitable[Response]]

_NOTHING: Any = object()  # no yielded value is waiting to be handed to the loop
_COROUTINE = types.CoroutineType
_GENERATOR = types.GeneratorType  # a generator-based coroutine (such as _RelayedResponse.pause)


@types.coroutine
def _resume(coro: Any) -> Generator[Any, Any, None]:
    """Await a coroutine that was started by hand and is suspended (``await`` would
    refuse it: it is already awaiting)."""
    yield from coro


async def _awaited(awaitable: Awaitable[None]) -> None:
    await awaitable


def _steps(awaitable: Awaitable[Any]) -> Any:
    """What a generator-based coroutine ``yield from``-s to await ``awaitable``: a
    coroutine or such a generator itself (stepped in C), else its ``__await__()``."""
    kind: Any = type(awaitable)
    if kind is _COROUTINE or kind is _GENERATOR:
        return awaitable
    return awaitable.__await__()


async def _discard(message: Message) -> None:
    """Where the inner app's messages go once its body has been read to the end."""


class _RelayedResponse(Response):
    """One request through the middleware, and the inner app's response as
    ``call_next`` returns it: status and headers are known, the body is still to
    come; status and headers may be changed before it is sent.

    The same object is also the dispatch function's ``receive`` (which keeps the
    body messages it reads), its ``call_next``, and the holder of the inner app's
    coroutine, run in the caller's task by ``drive``.  PERF: one object per
    request, not a call and a response (benchmarks: funcmw).
    """

    # PERF: what every request writes or reads lives in slots, set once in __init__ (an
    # instance dict grown key by key cost ~0.3 us a request); the state only the
    # rarer paths touch is read from the class defaults below until first set
    # (benchmarks: funcmw).
    __slots__ = (
        "_app", "_headers", "_raw", "_receive", "_scope", "_sent", "background", "coro", "done",
        "driving", "out", "paused", "recorded", "start", "status_code",
    )  # fmt: skip

    body = b""
    _body_iterator: AsyncIterator[bytes] | None = None
    error: BaseException | None = None  # to throw in at the next drive
    waiting: Any = _NOTHING  # what the coroutine awaits, not yet given to the loop
    waker: asyncio.Future[None] | None = None
    parked: asyncio.Future[None] | None = None  # a send from another task waits here
    pulling = False  # the body is read through body_iterator (see pull())
    held: Message | None = None  # the message the inner app handed over to pull()
    drained = False  # pull() got the last body message

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive) -> None:
        self._app = app
        self._scope = scope
        self._receive = receive
        self.coro: Coroutine[Any, Any, None] | None = None
        self.start: Message | None = None  # the inner app's response start
        self.out: Send | None = None  # set by release(): where messages go from then on
        self._raw: list[Any] | None = None  # the headers, copied from the start once touched
        self._headers: MutableHeaders | None = None
        self.done = False
        self._sent = False
        self.background = None
        self.recorded: list[Message] | None = None  # body messages the dispatch function read
        self.paused = False  # True while the inner app waits at its start, paused in this task
        # ``driving`` (True only while the coroutine is being stepped, in this task) and
        # ``status_code`` (from the start) are first set by call_next, before either is read.

    # -- the response the dispatch function sees -----------------------------------

    @property
    def raw_headers(self) -> list[Any]:
        """The inner app's headers, copied on first use: its own list is left alone
        (an app may send the same list every time)."""
        raw = self._raw
        if raw is None:
            start = self.start
            raw = self._raw = [] if start is None else list(start.get("headers", ()))
        return raw

    @raw_headers.setter
    def raw_headers(self, value: list[Any]) -> None:
        self._raw = value

    @property
    def headers(self) -> MutableHeaders:
        """A case-insensitive, validating view over ``raw_headers`` (copied then)."""
        headers = self._headers
        if headers is None:
            raw = self._raw
            if raw is None:
                start = self.start
                raw = self._raw = [] if start is None else [*start.get("headers", ())]
            headers = self._headers = mutable_headers_view(raw)
        return headers

    @property
    def body_iterator(self) -> AsyncIterator[bytes]:
        """The body, chunk by chunk, for a dispatch function that reads it (as with
        Starlette's); the inner app runs on as it is read."""
        iterator = self._body_iterator
        if iterator is None:
            iterator = self._body_iterator = self.pull()
        return iterator

    def _start_to_send(self) -> Message:
        """The start as the dispatch function left it: the inner app's own message
        when neither status nor headers were touched."""
        start: Message = self.start  # type: ignore[assignment]
        raw = self._raw
        if raw is None and self.status_code == start["status"]:
            return start
        changed = dict(start)  # PERF: a copy then two stores, not a {**start} merge
        changed["status"] = self.status_code
        changed["headers"] = self.raw_headers if raw is None else raw
        return changed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._sent:
            # It went out already (the dispatch function sent it itself): a mistake in
            # the dispatch function, told as one, but after a complete response, so
            # marked as coming after the start (no 500 follows; docs/api.md, "Middleware").
            error = RuntimeError("a response from call_next can be sent only once")
            mark_response_started(error)
            raise error
        self._sent = True
        start = self._start_to_send()
        if self.pulling:  # part of the body was read: the rest goes straight out
            await send(start)
            iterator = self.body_iterator
            async for chunk in iterator:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        elif self.release(start, send):
            if self.waiting is not _NOTHING:  # left waiting on the loop: see _drive()
                await self.drive(False)
            else:
                # From here on nothing pauses: the inner coroutine is simply awaited
                # to its end.  PERF: ``yield from`` steps it in C (funcmw).
                self.done = True
                await _resume(self.coro)
        if self.background is not None:
            await self.background()

    # -- the dispatch function's side ----------------------------------------------

    async def record(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            if self.recorded is None:
                self.recorded = []
            self.recorded.append(message)
        return message

    def _inner_receive(self) -> Receive:
        """The real ``receive``, after the body messages the dispatch function read."""
        pending = list(self.recorded or ())
        receive = self._receive

        async def replay() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        return replay

    async def call_next(self, request: Request) -> Response:
        if self.coro is not None:
            raise RuntimeError("call_next can be awaited only once per request")
        app = self._app  # PERF: an attribute, then a call (see _serve)
        coro: Any = app(
            self._scope, self._receive if not self.recorded else self._inner_receive(), self.send
        )
        kind = type(coro)
        if kind is not _COROUTINE and kind is not _GENERATOR:  # a PlainMiddleware's serve may be
            coro = _awaited(coro)
        self.coro = coro
        # PERF: the first step here; the trampoline only runs when the inner app
        # awaits something on the loop before its start (benchmarks: funcmw).
        self.driving = True
        try:
            waiting = coro.send(None)
        except StopIteration:
            self.done = True
            waiting = self
        except BaseException:
            self.done = True
            raise
        finally:
            self.driving = False
        if waiting is not self:
            self.waiting = waiting
            await self.drive(True)
        start = self.start
        if start is None:
            raise RuntimeError("the application returned without starting a response")
        self.status_code = start["status"]
        return self

    def release(self, start: Message, send: Send) -> bool:
        """Let the inner app go on, sending ``start`` then the rest of its response
        through ``send``; False when it has already returned."""
        self.start = start
        self.out = send
        self._unpark()
        return not self.done

    async def cancel(self) -> None:
        """The response was not wanted: stop the inner app, running its exit code."""
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

    async def pull(self) -> AsyncIterator[bytes]:
        """The response body as ``body_iterator`` gives it: the inner app is run on
        until it hands over its next message, one at a time."""
        self.pulling = True
        self.out = self.hand_over
        while not self.done:
            self.held = None
            self._unpark()
            await self.drive(True)
            message = self.held
            if message is None or message["type"] != "http.response.body":
                continue  # the start, handed over once more, or the inner app returned
            body = message.get("body", b"")
            if body:
                yield body
            if not message.get("more_body", False):
                self.drained = True
                return

    async def finish(self) -> None:
        """After the dispatch function's response: let an inner app whose body was
        read to the end return (its background tasks run); cancel any other."""
        if not self.drained:
            await self.cancel()
            return
        self.out = _discard
        self._unpark()
        await self.drive(False)

    def _unpark(self) -> None:
        """Let an inner app parked by :meth:`_park` go on."""
        parked = self.parked
        if parked is not None:
            self.parked = None
            parked.set_result(None)

    def _park(self) -> Generator[Any, Any, None]:
        """The pause of an inner app running in another task than its driver: wait
        on a future the driver resolves, and wake the driver."""
        import asyncio  # PERF: lazy, importing asyncio costs RSS (benchmarks/import_cost.py)

        parked = self.parked = asyncio.get_running_loop().create_future()
        waker = self.waker
        if waker is not None and not waker.done():
            waker.set_result(None)
        yield from parked

    def _hand_over(self, message: Message) -> Generator[Any, Any, None]:
        """``send`` while pull() reads the body: keep the message, pause."""
        self.held = message
        if self.driving:
            yield self  # the pause, as in _send
        else:
            yield from self._park()

    hand_over = types.coroutine(_hand_over)

    # -- the inner app's side ------------------------------------------------------

    def send(self, message: Message) -> Awaitable[None]:
        """The inner app's ``send``: once the response is released, the awaitable of
        where it goes (PERF: no frame of our own per message, benchmarks: funcmw);
        before, the pause at the response start."""
        out = self.out
        if out is not None:
            return out(message)
        return self.pause(message)

    def _pause(self, message: Message) -> Generator[Any, Any, None]:
        # PERF: a generator-based coroutine, so the pause is a plain ``yield`` and the
        # start goes on by ``yield from``: one frame less (funcmw).
        if self.start is not None or message["type"] != "http.response.start":
            raise RuntimeError(
                f"the application sent {message['type']!r} before its response was started"
            )
        self.start = message
        if self.driving:
            # The pause.  Each request's object is its own marker: with function middleware
            # nested, an outer one's pause passes through the inner ones' drive()
            # like any other yield, up to the drive() that owns it.
            self.paused = True
            try:
                yield self
            finally:
                self.paused = False  # resumed, or thrown into, or closed
        else:
            yield from self._park()
        # Resumed once the response is sent: the start as the dispatch function left it.
        out = self.out
        if out is None:  # pragma: no cover - release() sets both before resuming
            raise RuntimeError("the response from call_next was not sent")
        sent: Any = out(self.start)
        kind = type(sent)
        yield from (sent if kind is _COROUTINE or kind is _GENERATOR else sent.__await__())

    pause = types.coroutine(_pause)

    def _drive(self, head: bool) -> Generator[Any, Any, None]:
        """Run the inner coroutine on until it returns or, when ``head``, until its
        response start is known.  An error it raises comes out of here."""
        coro: Any = self.coro
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
                if self.parked is not None:  # a send from another task waits
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

    drive = types.coroutine(_drive)

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


class BaseHTTPMiddleware(PlainMiddleware):
    """Run ``dispatch(request, call_next)`` around every HTTP request.

    Subclass and override ``dispatch``, or pass ``dispatch=`` (what
    ``@app.middleware("http")`` does).  A :class:`~asgiweb.middleware.PlainMiddleware`:
    its work is ``serve``, a generator-based coroutine, so it can take the inner
    app back from its pause with a ``yield from`` of its own (no frame to resume it;
    benchmarks: funcmw), and the App awaits ``serve`` directly.
    """

    marks_response_start = True
    """What this middleware raises once the response started is marked
    (``asgiweb.exceptions.mark_response_started``), so an App whose middleware all
    say so needs no send wrapper (``asgiweb.middleware.marks_response_start``); a
    subclass, whose ``dispatch`` is its own, must say so again in its own body."""

    def __init__(self, app: ASGIApp, dispatch: DispatchFunction | None = None) -> None:
        self.app = app
        self.dispatch_func: DispatchFunction = self.dispatch if dispatch is None else dispatch

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        raise NotImplementedError("override dispatch() or pass dispatch=")

    def _serve(self, scope: Scope, receive: Receive, send: Send) -> Generator[Any, Any, None]:
        if scope["type"] != "http":
            yield from _steps(self._call_app(scope, receive, send))
            return
        call = _RelayedResponse(self._call_app, scope, receive)
        # PERF: read as an attribute, then called: ``self.dispatch_func(...)`` is a
        # LOAD_METHOD CPython 3.11 cannot specialise for an instance attribute
        # (~100 instructions a request, benchmarks: funcmw).
        dispatch = self.dispatch_func
        try:
            dispatched: Any = dispatch(Request(scope, call.record, send), call.call_next)
            # PERF: _steps inlined for an ``async def`` dispatch function (funcmw).
            steps: Any = dispatched if type(dispatched) is _COROUTINE else _steps(dispatched)
            response = yield from steps
        except BaseException:
            if call.coro is not None and not call.done:
                yield from _steps(call.finish())  # the inner app is cancelled, its exit code run
            raise
        # ``paused``: the inner app still waits at its start, paused in this task (not
        # parked from another, not resumed since by a send or a read of the body).
        if response is call and call.paused and call.background is None:
            # release(), with nothing parked; the start as _start_to_send() makes it.
            start: Message = call.start
            raw = call._raw
            status = call.status_code
            if raw is not None or status != start["status"]:
                start = dict(start)  # PERF: a copy then stores, not a {**start} merge
                start["status"] = status
                if raw is not None:
                    start["headers"] = raw
                call.start = start
            call.out = send
            call._sent = call.done = True
            # PERF: what ``response(...)`` would do, without its frame: the inner app,
            # paused at its start, is run to its end by a ``yield from`` of this
            # generator's own (benchmarks: funcmw).  Resuming sends the start first:
            # whatever it raises comes after the start.
            coro: Any = call.coro
            try:
                yield from coro
            except Exception as exc:
                mark_response_started(exc)  # see marks_response_start
                raise
            return
        started = False  # whether the response start may have gone out
        try:
            # Marks what it raises once its start went out; a response that returns
            # has sent its start.
            yield from _steps(marking_start(partial(response, scope, receive), send))
            started = True
        finally:
            if call.coro is not None and not call.done:
                try:
                    yield from _steps(call.finish())
                except Exception as exc:
                    if started:
                        mark_response_started(exc)
                    raise

    serve = types.coroutine(_serve)
