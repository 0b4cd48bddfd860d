"""Work that runs after the response has been sent.

Tasks run in the order they were added, after the last body message.  A task
that raises is logged to the ``asgiweb`` logger and the remaining tasks still
run: the response is already on the wire, so nothing can be done for the
client, and one faulty task must not starve the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from asgiweb._concurrency import is_async_callable, run_in_threadpool

__all__ = ["BackgroundTask", "BackgroundTasks"]

logger = logging.getLogger("asgiweb")


class BackgroundTask:
    """One call to make later: ``fn(*args, **kwargs)``; plain functions run in a worker thread."""

    __slots__ = ("args", "func", "is_async", "kwargs")

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = is_async_callable(func)

    async def __call__(self) -> None:
        if self.is_async:
            await self.func(*self.args, **self.kwargs)
        else:
            await run_in_threadpool(self.func, *self.args, **self.kwargs)


class BackgroundTasks(BackgroundTask):
    """An ordered list of tasks; a handler parameter annotated with it receives one."""

    __slots__ = ("tasks",)

    def __init__(self, tasks: Iterable[BackgroundTask] | None = None) -> None:
        self.tasks: list[BackgroundTask] = list(tasks) if tasks else []

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            try:
                await task()
            except Exception:
                logger.exception("background task %r failed", getattr(task, "func", task))

    def __len__(self) -> int:
        return len(self.tasks)


def as_background(background: Any) -> BackgroundTasks | None:
    """Normalise ``Response(background=...)``: a task, a task list, or a bare callable."""
    if background is None or isinstance(background, BackgroundTasks):
        return background
    if isinstance(background, BackgroundTask):
        return BackgroundTasks([background])
    if callable(background):
        return BackgroundTasks([BackgroundTask(background)])
    raise TypeError(f"background must be a BackgroundTask(s) or a callable, not {background!r}")
