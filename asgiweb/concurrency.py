"""Running blocking code from async code: FastAPI's ``fastapi.concurrency`` names.

``run_in_threadpool(func, *args, **kwargs)`` runs ``func`` in one of asgiweb's worker
threads (at most 40 at once) and awaits its result; inside the thread
``anyio.from_thread.run`` works, contextvars are a copy of the caller's, and a
cancelled caller waits for the function to return (docs/handlers.md). It is the
hop asgiweb itself uses for plain ``def`` handlers and dependencies
(benchmarks/bench_threadhop.py).

``iterate_in_threadpool``, ``contextmanager_in_threadpool`` and
``run_until_first_complete`` are built on it and on anyio (docs/api.md, "Handlers").
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AbstractContextManager, asynccontextmanager
from functools import partial
from typing import Any, TypeVar

import anyio

from asgiweb._concurrency import run_in_threadpool

__all__ = [
    "contextmanager_in_threadpool",
    "iterate_in_threadpool",
    "run_in_threadpool",
    "run_until_first_complete",
]

T = TypeVar("T")

# What ``next`` gives back in the worker thread once the iterator is exhausted: a
# StopIteration cannot cross from the thread into a coroutine.
_EXHAUSTED: Any = object()


async def iterate_in_threadpool(iterator: Iterable[T]) -> AsyncIterator[T]:
    """The items of a blocking iterable as an async iterator, each ``next()`` run in
    a worker thread (so a slow file or generator does not block the event loop)."""
    items = iter(iterator)
    while True:
        item = await run_in_threadpool(next, items, _EXHAUSTED)
        if item is _EXHAUSTED:
            return
        yield item


@asynccontextmanager
async def contextmanager_in_threadpool(cm: AbstractContextManager[T]) -> AsyncGenerator[T, None]:
    """``async with contextmanager_in_threadpool(cm) as value``: ``cm``'s ``__enter__``
    and ``__exit__`` run in worker threads.

    ``__exit__`` runs only after ``__enter__`` succeeded, shielded from cancellation,
    on a thread limiter of its own: were it to wait for a free worker, a context
    manager that holds a pool of its own (a database pool) could deadlock when
    every worker is busy waiting on that pool. An exception from the block is given
    to ``__exit__``, which may suppress it by returning true.
    """
    import anyio.to_thread

    value = await run_in_threadpool(cm.__enter__)
    exit_limiter = anyio.CapacityLimiter(1)
    try:
        yield value
    except BaseException as exc:
        with anyio.CancelScope(shield=True):
            suppressed = await anyio.to_thread.run_sync(
                cm.__exit__, type(exc), exc, exc.__traceback__, limiter=exit_limiter
            )
        if not suppressed:
            raise
    else:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(cm.__exit__, None, None, None, limiter=exit_limiter)


async def run_until_first_complete(
    *args: tuple[Callable[..., Awaitable[Any]], dict[str, Any]],
) -> None:
    """Run each ``(async_function, kwargs)`` concurrently; when the first returns, cancel
    the others. Deprecated, as in Starlette (a ``DeprecationWarning``): use an anyio
    task group."""
    warnings.warn(
        "run_until_first_complete is deprecated; use an anyio task group",
        DeprecationWarning,
        stacklevel=2,
    )
    async with anyio.create_task_group() as group:

        async def run(func: Callable[[], Awaitable[Any]]) -> None:
            await func()
            group.cancel_scope.cancel()

        for func, kwargs in args:
            group.start_soon(run, partial(func, **kwargs))
