"""Sync and async callables: which is which.

``is_async_callable(fn)`` is the one answer the package uses to decide whether a
handler or a background task is awaited on the event loop or run in a worker
thread.  It looks through ``functools.partial`` (however deeply nested) and
treats an object whose ``__call__`` is a coroutine function as async, as
Starlette and FastAPI do.  Calling a class makes an instance, never a coroutine,
whatever its ``__call__`` is (FastAPI's rule for a class used as a dependency).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["is_async_callable", "unwrap_partial"]


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
