"""Handlers that ``yield``: the streaming finisher of the per-route plan (docs/streaming.md).

Decided at registration (``stream_plan``), from the handler being a generator
function (sync or async) and the route's response class, as FastAPI decides:

- ``EventSourceResponse``: Server-Sent Events (``asgiweb.sse``), with a
  keep-alive comment whenever the handler stays silent ``PING_INTERVAL``
  seconds, and ``Cache-Control: no-cache`` / ``X-Accel-Buffering: no``;
- another ``StreamingResponse`` class: the yielded chunks are the body, as they are;
- anything else (the default ``JSONResponse``): JSON Lines, ``application/jsonl``,
  one ``render_json`` encoding and a newline per item.

(FastAPI answers JSON Lines only for the default class and hands the generator
to any other class it is given; here a non-streaming class also means JSON
Lines, since such a class cannot take a generator anyway.)

Items and the return annotation (FastAPI's rule, decided by ``item_shape``): a
handler annotated ``-> AsyncIterator[Item]`` (``Iterator``, ``AsyncIterable``,
``Generator``...) with no ``response_model=`` on its route has each item that is
not a ``ServerSentEvent`` fitted to ``Item`` before it is encoded, JSON Lines and
SSE alike, with the route's ``response_model_*`` options, as a returned value is
fitted to its response model (``asgiweb._endpoint.response.compile_shape``).  An
item that does not fit raises ``ResponseValidationError`` mid-stream: the items
before it have been sent, the App logs the error once and the connection ends.

A ``Response`` parameter's status and headers and a ``BackgroundTasks``
parameter apply as they do for a handler that returns.  The plan calls the
generator function without awaiting it and without a thread: that only makes
the generator.  A sync generator then runs in a worker thread one item at a time
(``StreamingResponse``), so a blocking one never stalls the event loop.

Closing.  Every wrapper here closes the handler's generator in its ``finally``,
so when ``StreamingResponse`` closes the body (client gone, error, end) the
handler's own ``finally`` blocks run then, not whenever the garbage collector
gets to them.

The SSE keep-alive needs a timeout on waiting for the next item that does not
cancel the handler's generator (that would end it).  So one producer task per
stream pulls items and encodes them into a relay of at most ``RELAY_SIZE``
events; the body iterator waits on the relay with a timer (one future and one
``call_later`` per wait, no task per item).  PERF: a relay of one item cost two
task switches per event (the SSE benchmark, 10 events, was about 4x the raw
floor); the producer now runs up to ``RELAY_SIZE`` events ahead of the send,
and the body iterator takes an event that is ready straight from the relay's
deque, with no call per event (``take`` only when it has to wait).  The handler's
generator runs in the producer task for its whole life, as FastAPI runs it in a
task of its own: its timeouts, cancel scopes and context variables stay in one
task (pulling ready items inline in the response's task and handing over at the
first wait measured 1.22x the floor instead of 1.62x, but moved the generator
between tasks mid-life).
Closing the body cancels the producer and then closes the generator.
Everything asyncio here is imported lazily (``import asgiweb`` must not load it).
"""

from __future__ import annotations

import functools
import operator
import types
import typing
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from types import AsyncGeneratorType
from typing import TYPE_CHECKING, Any

from asgiweb import sse
from asgiweb._concurrency import ASYNC_GEN, SYNC_GEN, call_kind, run_in_threadpool
from asgiweb._endpoint.response import FROM_ANNOTATION, compile_shape
from asgiweb.background import BackgroundTasks
from asgiweb.encoders import render_json
from asgiweb.encoders.jsonable import render_json_after
from asgiweb.responses import Response, StreamingResponse

if TYPE_CHECKING:
    import asyncio

__all__ = ["generator_kind", "is_stream_endpoint", "item_shape", "stream_plan"]

Finisher = Callable[[Any, Response | None, BackgroundTasks | None], Response]
_DONE: Any = object()
# Encoded events the SSE producer may hold before the response has sent them.
RELAY_SIZE = 16


def generator_kind(endpoint: Callable[..., Any]) -> str | None:
    """``"async"`` or ``"sync"`` for a generator function (through partials and
    decorators, ``_concurrency.call_kind``), else None."""
    kind = call_kind(endpoint)
    if kind == ASYNC_GEN:
        return "async"
    if kind == SYNC_GEN:
        return "sync"
    return None


def is_stream_endpoint(endpoint: Callable[..., Any]) -> bool:
    return generator_kind(endpoint) is not None


def item_shape(
    response_class: type[Response],
    *,
    endpoint: Callable[..., Any],
    response_model: Any,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
) -> Callable[[Any], Any] | None:
    """The step fitting each item of a generator handler to the item type of its
    return annotation, or None (see the module docstring).

    The keywords are the route's ``response_model_*`` options.  Not for raw chunks (another
    ``StreamingResponse`` class), nor with an explicit ``response_model``, nor for
    an item type of ``Any``, a ``ServerSentEvent`` or one asgiweb cannot validate.
    """
    from asgiweb._endpoint.info import stream_of

    if response_model is not FROM_ANNOTATION:
        return None
    if issubclass(response_class, StreamingResponse) and not issubclass(
        response_class, sse.EventSourceResponse
    ):
        return None
    generator, item = stream_of(endpoint)
    if not generator or item is None or item is Any:
        return None
    members = typing.get_args(item) if typing.get_origin(item) in _UNIONS else ()
    if any(member is sse.ServerSentEvent for member in members):
        # ``Item | ServerSentEvent``: an event goes out as it is, the rest is an Item.
        rest = tuple(member for member in members if member is not sse.ServerSentEvent)
        item = functools.reduce(operator.or_, rest)
    try:
        return compile_shape(
            item, include, exclude, by_alias, exclude_unset, exclude_defaults, exclude_none
        )
    except TypeError:  # a type asgiweb cannot validate: items go out as they are
        return None


def stream_plan(
    endpoint: Callable[..., Any],
    response_class: type[Response],
    status_code: int | None,
    shape: Callable[[Any], Any] | None = None,
) -> tuple[Callable[..., Awaitable[Any]], Finisher] | None:
    """For a generator function: ``(call, finish)`` for the plan; None for any other handler.

    ``call(**kwargs)`` makes the generator; ``finish(generator, temporary, tasks)``
    wraps it in the response described in the module docstring.  ``shape``
    (``item_shape``) fits each item that is not a ``ServerSentEvent`` first.
    """
    kind = generator_kind(endpoint)
    if kind is None:
        return None
    is_async = kind == "async"

    async def call(**kwargs: Any) -> Any:
        return endpoint(**kwargs)

    make: Callable[[Any], Response]
    if issubclass(response_class, sse.EventSourceResponse):
        sse_class = response_class

        encode = sse.encode_event if shape is None else _shaped_event(shape)

        def make(generator: Any) -> Response:
            source = generator if is_async else _in_threads(generator)
            response = sse_class(_event_stream(source, encode), **_status(status_code))
            response.raw_headers.extend(_SSE_HEADERS)
            return response

    elif issubclass(response_class, StreamingResponse):
        raw_class = response_class

        def make(generator: Any) -> Response:
            return raw_class(generator, **_status(status_code))

    else:
        wrap = _json_lines_async if is_async else _json_lines_sync
        fit = _identity if shape is None else shape

        def make(generator: Any) -> Response:
            return StreamingResponse(
                wrap(generator, fit), media_type="application/jsonl", **_status(status_code)
            )

    def finish(
        generator: Any, temporary: Response | None, tasks: BackgroundTasks | None
    ) -> Response:
        response = make(generator)
        if temporary is not None:
            if temporary.status_code:  # set by the handler: wins, as in FastAPI
                response.status_code = temporary.status_code
            response.raw_headers.extend(temporary.raw_headers)
        if tasks is not None:
            response.background = tasks
        return response

    return call, finish


_UNIONS = (typing.Union, types.UnionType)
_SSE_HEADERS = ((b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no"))


def _status(status_code: int | None) -> dict[str, Any]:
    return {} if status_code is None else {"status_code": status_code}


# -- JSON Lines -------------------------------------------------------------------------


def _identity(item: Any) -> Any:
    return item


async def _json_lines_async(generator: Any, fit: Callable[[Any], Any]) -> AsyncIterator[bytes]:
    # A NaN or an infinity in an item is null, as FastAPI streams it (render_json_after).
    try:
        if fit is _identity:
            async for item in generator:
                try:
                    line = render_json(item)
                except ValueError as exc:
                    line = render_json_after(exc, item)
                yield line + b"\n"
        else:
            async for item in generator:
                fitted = fit(item)
                try:
                    line = render_json(fitted)
                except ValueError as exc:
                    line = render_json_after(exc, fitted)
                yield line + b"\n"
    finally:
        await generator.aclose()


def _json_lines_sync(generator: Any, fit: Callable[[Any], Any]) -> Iterator[bytes]:
    try:
        for item in generator:
            fitted = fit(item)
            try:
                line = render_json(fitted)
            except ValueError as exc:
                line = render_json_after(exc, fitted)
            yield line + b"\n"
    finally:
        generator.close()


def _shaped_event(shape: Callable[[Any], Any]) -> Callable[[Any], bytes]:
    """``sse.encode_event`` with every item that is not a ``ServerSentEvent`` fitted
    by ``shape`` first (a ``ServerSentEvent`` is the user's own wrapper, as in FastAPI)."""
    encode = sse.encode_event
    event_class = sse.ServerSentEvent

    def encode_shaped(item: Any) -> bytes:
        return encode(item if isinstance(item, event_class) else shape(item))

    return encode_shaped


# -- Server-Sent Events -----------------------------------------------------------------


async def _in_threads(generator: Generator[Any]) -> AsyncIterator[Any]:
    """A sync generator pulled one item per worker-thread hop.

    A cancellation (the producer being stopped) waits for the ``next()`` already
    running in its thread before the generator is closed: closing a generator
    that is executing is an error, and its ``finally`` would never run.
    """
    try:
        while True:
            item = await run_in_threadpool(next, generator, _DONE)  # shielded while next() runs
            if item is _DONE:
                return
            yield item
    finally:
        await run_in_threadpool(generator.close)


class _Relay:
    """A bounded hand-over between the producer task and the response's body iterator."""

    __slots__ = ("done", "error", "items", "loop", "reader", "writer")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.items: deque[bytes] = deque()
        self.done = False
        self.error: BaseException | None = None
        self.reader: asyncio.Future[None] | None = None
        self.writer: asyncio.Future[None] | None = None

    async def produce(self, source: AsyncIterator[Any], encode: Callable[[Any], bytes]) -> None:
        items = self.items
        try:
            async for value in source:
                data = encode(value)
                while len(items) >= RELAY_SIZE:  # the reader is behind: wait for it
                    self.writer = self.loop.create_future()
                    await self.writer
                items.append(data)
                reader = self.reader  # PERF: _wake inline
                if reader is not None and not reader.done():
                    reader.set_result(None)
        except Exception as exc:
            self.error = exc
        finally:
            self.done = True
            _wake(self.reader)
            # PERF: a finished async generator has nothing to close.
            if type(source) is not AsyncGeneratorType or source.ag_frame is not None:
                aclose = getattr(source, "aclose", None)
                if aclose is not None:
                    await aclose()

    async def take(self, interval: float) -> bytes | None:
        """The next encoded event, the keep-alive comment after ``interval`` s, None at the end."""
        items = self.items
        if not items:
            if self.done:
                self._raise_error()
                return None
            self.reader = waiter = self.loop.create_future()
            timer = self.loop.call_later(interval, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self.reader = None
            if not items:
                if not self.done:
                    return sse.KEEPALIVE_COMMENT
                self._raise_error()
                return None
        item = items.popleft()
        _wake(self.writer)
        return item

    def _raise_error(self) -> None:
        error = self.error
        if error is not None:
            self.error = None
            raise error


def _wake(future: asyncio.Future[None] | None) -> None:
    if future is not None and not future.done():
        future.set_result(None)


async def _event_stream(
    source: AsyncIterator[Any], encode: Callable[[Any], bytes]
) -> AsyncIterator[bytes]:
    import asyncio  # PERF: lazy, importing asyncio costs ~9 MiB RSS (benchmarks/import_cost.py)

    interval = sse.PING_INTERVAL
    loop = asyncio.get_running_loop()
    relay = _Relay(loop)
    producer = loop.create_task(relay.produce(source, encode))
    items = relay.items
    try:
        while True:
            if items:
                # PERF: the common case inline, an event the producer has ready.
                ready = items.popleft()
                writer = relay.writer
                if writer is not None and not writer.done():
                    writer.set_result(None)
                yield ready
                continue
            chunk = await relay.take(interval)
            if chunk is None:
                return
            yield chunk
    finally:
        # The producer's own finally closes the handler's generator.  At the normal end
        # it has finished already: no wait (PERF: a wait costs a trip round the loop).
        if not producer.done():
            producer.cancel()
            await asyncio.wait((producer,))
