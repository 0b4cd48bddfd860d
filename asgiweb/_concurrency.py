"""Sync and async callables: which is which.

``is_async_callable(fn)`` is the one answer the package uses to decide whether a
handler or a background task is awaited on the event loop or run in a worker
thread.  It looks through ``functools.partial`` (however deeply nested) and
treats an object whose ``__call__`` is a coroutine function as async, as
Starlette and FastAPI do.  Calling a class makes an instance, never a coroutine,
whatever its ``__call__`` is (FastAPI's rule for a class used as a dependency).

``call_kind(fn)`` is FastAPI's wider rule for handlers and dependencies, which also
looks through decorators (docs/dependencies.md, "Decorated dependencies").
"""

from __future__ import annotations

import collections
import dis
import functools
import inspect
import queue
import sys
import threading
from collections.abc import Callable
from contextvars import copy_context
from typing import Any, TypeVar

__all__ = [
    "ASYNC",
    "ASYNC_GEN",
    "SYNC",
    "SYNC_GEN",
    "THREAD_LIMIT",
    "call_kind",
    "holds_context_at_yield",
    "is_async_callable",
    "run_in_threadpool",
    "unwrap_partial",
]

T = TypeVar("T")

#: Calls running at once per event loop (anyio's default thread limiter allows 40 too;
#: the two bounds are separate: ``anyio.to_thread`` users keep their own 40).
THREAD_LIMIT = 40
_IDLE_POLL_S = 2.0  # how often an idle worker checks whether its loop has closed


def unwrap_partial(fn: Callable[..., Any]) -> Any:
    """The callable under any number of ``functools.partial`` layers."""
    target: Any = fn
    while isinstance(target, functools.partial):
        target = target.func
    return target


def is_async_callable(fn: Callable[..., Any]) -> bool:
    """True when calling ``fn`` returns an awaitable coroutine."""
    target = unwrap_partial(fn)
    if isinstance(target, type):
        return False
    if inspect.iscoroutinefunction(target):
        return True
    if inspect.isfunction(target) or inspect.ismethod(target):
        return False
    call = getattr(target, "__call__", None)  # noqa: B004 - async callable objects
    return inspect.iscoroutinefunction(call)


# How a handler or a dependency is called (``call_kind``).
ASYNC, SYNC, ASYNC_GEN, SYNC_GEN = 0, 1, 2, 3


def _layers(fn: Any) -> tuple[Any, Any]:
    """``fn`` without its partials, and that again without its decorators: the
    ``__wrapped__`` chain ``functools.wraps`` leaves (``inspect.unwrap``)."""
    outer = unwrap_partial(fn)
    try:
        inner = inspect.unwrap(outer)
    except ValueError:  # a __wrapped__ cycle
        inner = outer
    return outer, inner


def _is_coroutine_function(fn: Any) -> bool:
    if inspect.iscoroutinefunction(fn):
        return True
    # asyncio's older marker (``unittest.mock.AsyncMock`` sets it), which asyncio's
    # ``iscoroutinefunction`` accepts on Python < 3.13 and FastAPI reads there.  Only
    # asyncio can have set it, so an unloaded asyncio means no marker (and no import).
    marker = getattr(sys.modules.get("asyncio.coroutines"), "_is_coroutine", None)
    return marker is not None and getattr(fn, "_is_coroutine", None) is marker


def call_kind(fn: Callable[..., Any]) -> int:
    """``ASYNC``, ``SYNC``, ``ASYNC_GEN`` or ``SYNC_GEN``: FastAPI's rule for a handler or
    a dependency, decided once at registration.

    It looks at ``fn`` through its partials and through its decorators' ``__wrapped__``
    (so a plain ``def`` wrapper made with ``functools.wraps`` around an ``async def``
    is awaited, and one around a generator function is entered as a generator), and
    at the ``__call__`` of a callable object the same two ways.  A generator function
    at any of those places makes a generator (async first); else a coroutine function
    makes it async, except that a class (under its decorators) is constructed, in a
    worker thread, unless the outermost callable is itself an ``async def``.
    """
    outer, inner = _layers(fn)
    direct = (outer, inner)
    is_class = isinstance(inner, type)
    through_call: list[Any] = []
    if not is_class:
        for target in direct:
            dunder = getattr(target, "__call__", None)  # noqa: B004 - callable objects
            if dunder is not None:
                through_call.extend(_layers(dunder))
    every = (*direct, *through_call)
    if any(inspect.isasyncgenfunction(target) for target in every):
        return ASYNC_GEN
    if any(inspect.isgeneratorfunction(target) for target in every):
        return SYNC_GEN
    if any(inspect.isroutine(target) and _is_coroutine_function(target) for target in direct):
        return ASYNC
    if not is_class and any(_is_coroutine_function(target) for target in through_call):
        return ASYNC
    return SYNC


def _yields_inside_with(code: Any) -> bool:
    """Whether an async generator may ``yield`` inside a ``with``/``async with`` block:
    a block opens before one of its own yields (an ``await`` yields too, but not
    after ``ASYNC_GEN_WRAP``).  Conservative: a block closed before the yield counts."""
    opened = False
    previous = ""
    for ins in dis.get_instructions(code):
        if ins.opname in ("BEFORE_WITH", "BEFORE_ASYNC_WITH"):
            opened = True
        elif ins.opname == "YIELD_VALUE" and previous == "ASYNC_GEN_WRAP" and opened:
            return True
        previous = ins.opname
    return False


def holds_context_at_yield(fn: Callable[..., Any]) -> bool:
    """Whether the async generator ``fn`` makes (through its partials, decorators or
    ``__call__``, as :func:`call_kind` looks) may hold a context manager across its
    ``yield``, such as its own anyio task group or cancel scope: its exit code must
    then run wholly inside one shield, entered before it resumes (the scope it exits
    must be the task's current one).  True when its code cannot be read."""
    outer, inner = _layers(fn)
    targets = [outer, inner]
    for target in (outer, inner):
        dunder = getattr(target, "__call__", None)  # noqa: B004 - callable objects
        if dunder is not None:
            targets.extend(_layers(dunder))
    for target in targets:
        if inspect.isasyncgenfunction(target):
            code = getattr(target, "__code__", None)
            return code is None or _yields_inside_with(code)
    return True


# -- run_in_threadpool ---------------------------------------------------------------
#
# run_in_threadpool(func, *args, **kwargs) runs a sync callable in a worker thread and
# awaits its result.  It keeps what anyio.to_thread.run_sync promises a handler
# (anyio.from_thread.run/run_sync work inside it, at most THREAD_LIMIT calls run at
# once, the awaiting task is shielded from cancellation until the function has
# returned, the caller's contextvars are copied into the thread) for about half its
# cost per call (benchmarks/bench_threadhop.py): no checkpoint before the hop, no
# cancel scope unless a cancellation actually arrives, a counter instead of a
# capacity limiter, one C queue feeding the workers.
#
# One pool per event loop, found through a thread-local (a loop runs in one thread;
# a thread may run several loops one after the other).  ``busy`` counts calls holding
# one of the THREAD_LIMIT slots; there are always at least ``busy`` workers, so a
# queued job always finds one.  Workers live as long as their loop; they poll for its
# closing every _IDLE_POLL_S while idle and are daemon threads.  Everything except
# the workers' own loop runs on the event loop thread, so the counters need no lock.


class _Pool:
    __slots__ = ("__weakref__", "busy", "done", "jobs", "loop", "threads", "waiters", "wake")

    def __init__(self, loop: Any) -> None:
        self.loop = loop
        self.jobs: queue.SimpleQueue[list[Any]] = queue.SimpleQueue()
        self.threads = 0
        self.busy = 0
        self.waiters: collections.deque[Any] = collections.deque()
        # Finished calls, handed back through ``wake`` (see _open_wake).
        self.done: collections.deque[tuple[list[Any], Any, BaseException | None]] = (
            collections.deque()
        )
        self.wake: Callable[[], None] | None = _open_wake(self)


# How a worker tells the loop that a call has finished.  loop.call_soon_threadsafe
# works everywhere; where the loop can watch a file descriptor, a worker instead
# appends to ``pool.done`` and writes to an eventfd (a pipe where there is none)
# that the loop reads (os.write leaves the GIL while the loop wakes up).  Measured
# with benchmarks/bench_threadhop.py --uvloop, pinned to one core: 21.3 -> 18.6 us per
# call, anyio's to_thread going from 2.1x to 2.5x ours.  The descriptors live as long
# as the pool: the loop's reader and every worker hold it.


def _open_wake(pool: _Pool) -> Callable[[], None] | None:
    import os
    import weakref

    eventfd = getattr(os, "eventfd", None)
    if eventfd is not None:
        read_fd = write_fd = eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        signal = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # eventfd adds this 8-byte count
    else:
        read_fd, write_fd = os.pipe()
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        signal = b"x"
    fds = {read_fd, write_fd}
    read, write, done = os.read, os.write, pool.done

    def drain() -> None:
        try:  # noqa: SIM105 - PERF: a bare try costs less than contextlib.suppress
            read(read_fd, 4096)
        except (BlockingIOError, InterruptedError):
            pass
        while done:
            job, result, error = done.popleft()
            _finish(pool, job, result, error)

    try:
        pool.loop.add_reader(read_fd, drain)
    except (NotImplementedError, AttributeError):  # e.g. a proactor loop: no readers
        for fd in fds:
            os.close(fd)
        return None

    def close(fds: set[int] = fds) -> None:
        for fd in fds:
            os.close(fd)

    weakref.finalize(pool, close)

    def wake() -> None:
        try:  # noqa: SIM105 - PERF: a bare try costs less than contextlib.suppress
            write(write_fd, signal)
        except BlockingIOError:  # a pipe already full of wake-ups: the loop will read
            pass

    return wake


class _Runtime:
    """What the pool needs from asyncio and anyio, imported on first use.

    ``import asgiweb`` must not load asyncio (docs/api.md), so nothing here is
    imported before a sync callable first needs a thread.
    """

    def __init__(self) -> None:
        import asyncio

        from anyio._backends._asyncio import AsyncIOBackend, _task_states
        from anyio._core._eventloop import claim_worker_thread, threadlocals

        self.get_running_loop = asyncio.get_running_loop
        self.current_task = asyncio.current_task
        self.backend = AsyncIOBackend
        self.task_states: Any = _task_states
        self.claim = claim_worker_thread
        self.threadlocals = threadlocals


_runtime: _Runtime | None = None
_fallback = False  # anyio's internals moved: use anyio.to_thread.run_sync instead
_local = threading.local()


def _load_runtime() -> _Runtime | None:
    global _runtime, _fallback
    try:
        _runtime = _Runtime()
    except ImportError:
        _fallback = True
    return _runtime


def _worker(pool: _Pool, rt: _Runtime) -> None:
    loop, get, locals_ = pool.loop, pool.jobs.get, rt.threadlocals
    report, wake, done = loop.call_soon_threadsafe, pool.wake, pool.done
    empty = queue.Empty
    # As an anyio worker thread: anyio.from_thread.run()/run_sync() find this loop.
    with rt.claim(rt.backend, loop):
        while True:
            try:
                job = get(timeout=_IDLE_POLL_S)
            except empty:
                if loop.is_closed():
                    return
                continue
            _, context, func, args, kwargs, scope = job
            locals_.current_cancel_scope = scope  # from_thread.check_cancelled()
            result: Any = None
            error: BaseException | None = None
            try:
                result = context.run(func, *args, **kwargs)
            except BaseException as exc:  # handed to the awaiting task, as anyio does
                error = exc
            del locals_.current_cancel_scope
            if wake is not None:
                done.append((job, result, error))
                wake()
            else:
                try:
                    report(_finish, pool, job, result, error)
                except RuntimeError:  # the loop closed while the function ran
                    if not loop.is_closed():
                        raise
            del job, context, func, args, kwargs, scope, result, error


def _release(pool: _Pool) -> None:
    """Hand the finished call's slot to the oldest caller still waiting, or free it."""
    waiters = pool.waiters
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return
    pool.busy -= 1


def _finish(pool: _Pool, job: list[Any], result: Any, exc: BaseException | None) -> None:
    future = job[0]
    job[0] = None  # done: a cancellation arriving now need not wait
    _release(pool)
    if future.done():  # its task was cancelled and moved on to a new future
        return
    if exc is None:
        future.set_result(result)
    elif isinstance(exc, StopIteration):  # a future cannot carry StopIteration
        error = RuntimeError("the function raised StopIteration")
        error.__cause__ = exc
        future.set_exception(error)
    else:
        future.set_exception(exc)


async def _wait_for_slot(pool: _Pool) -> None:
    waiter = pool.loop.create_future()
    pool.waiters.append(waiter)
    try:
        await waiter
    except BaseException:
        if waiter.done() and not waiter.cancelled():  # got a slot as it was cancelled
            _release(pool)
        raise


async def _wait_out(pool: _Pool, job: list[Any]) -> None:
    """After a cancellation: wait, shielded, until the function has returned."""
    import anyio

    with anyio.CancelScope(shield=True):
        while job[0] is not None:
            job[0] = pool.loop.create_future()
            try:
                await job[0]
            except BaseException:  # another native cancel(), or the function's error
                continue


async def run_in_threadpool(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``func(*args, **kwargs)`` in a worker thread; await and return its result.

    Inside the thread ``anyio.from_thread.run``/``run_sync``/``check_cancelled`` work
    as under ``anyio.to_thread.run_sync``; contextvars are a copy of the caller's;
    at most THREAD_LIMIT calls per loop run at once (later ones wait their turn, and
    may be cancelled while waiting); once running, a cancellation of the caller
    waits until ``func`` returns and is then raised.  The function's exception is
    raised in the caller.
    """
    rt = _runtime
    if rt is None and (_fallback or (rt := _load_runtime()) is None):
        return await _anyio_run(func, args, kwargs)
    try:
        loop = rt.get_running_loop()
    except RuntimeError:  # not on asyncio (trio): anyio's own thread pool
        return await _anyio_run(func, args, kwargs)
    pool: _Pool | None = getattr(_local, "pool", None)
    if pool is None or pool.loop is not loop:
        pool = _local.pool = _Pool(loop)
    if pool.busy < THREAD_LIMIT:
        pool.busy += 1
    else:
        await _wait_for_slot(pool)
    if pool.busy > pool.threads:
        threading.Thread(
            target=_worker, args=(pool, rt), name="asgiweb worker", daemon=True
        ).start()
        pool.threads += 1
    task = rt.current_task()
    state = None if task is None else rt.task_states.get(task)  # None: a bare coroutine
    future = loop.create_future()
    job = [future, copy_context(), func, args, kwargs, state and state.cancel_scope]
    pool.jobs.put(job)
    try:
        return await future  # type: ignore[no-any-return]
    except BaseException:
        if job[0] is not None:  # cancelled while func runs: shield until it returns
            await _wait_out(pool, job)
        raise


async def _anyio_run(func: Callable[..., T], args: Any, kwargs: Any) -> T:
    import anyio.to_thread

    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))
