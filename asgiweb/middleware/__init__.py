"""Middleware declarations and the stack they build.

A middleware here is any pure ASGI 3 callable factory: ``cls(app, *args,
**options)`` returns an ASGI app that wraps ``app``.  :class:`Middleware`
records such a factory with its options so the App can build the stack once,
when it first runs; the stack is never rebuilt per request.

Order rule: in ``App(middleware=[A, B, C])`` the FIRST entry is the OUTERMOST
one: a request goes through A, then B, then C, then the router, and the
response comes back through C, B, A.  This is the order users read top to
bottom, and the one Starlette and FastAPI use.
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, Concatenate, ParamSpec

from asgiweb._http import RawHeaders
from asgiweb.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "Middleware",
    "PlainMiddleware",
    "build_middleware_stack",
    "entry_point",
    "marks_response_start",
]

P = ParamSpec("P")


class Middleware:
    """A middleware factory and the options it will be built with.

    ``Middleware(CORSMiddleware, allow_origins=["*"])`` type-checks the options
    against the factory's signature (through ``ParamSpec``), so a misspelt
    option is a mypy error rather than a ``TypeError`` at start-up.
    """

    __slots__ = ("args", "cls", "kwargs")

    def __init__(
        self,
        cls: Callable[Concatenate[ASGIApp, P], ASGIApp],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        if not callable(cls):
            raise TypeError(f"Middleware needs a class or factory taking the app, not {cls!r}")
        self.cls: Callable[..., ASGIApp] = cls
        self.args: tuple[Any, ...] = args
        self.kwargs: dict[str, Any] = kwargs

    def __iter__(self) -> Iterator[Any]:
        # Starlette's shape: ``cls, args, kwargs = middleware``.
        return iter((self.cls, self.args, self.kwargs))

    def build(self, app: ASGIApp) -> ASGIApp:
        """Wrap ``app`` in this middleware."""
        return self.cls(app, *self.args, **self.kwargs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Middleware):
            return NotImplemented
        return (self.cls, self.args, self.kwargs) == (other.cls, other.args, other.kwargs)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        name = getattr(self.cls, "__name__", None) or repr(self.cls)
        parts = [name, *(repr(a) for a in self.args)]
        parts += [f"{key}={value!r}" for key, value in self.kwargs.items()]
        return f"Middleware({', '.join(parts)})"


MiddlewareEntry = Middleware | tuple[Callable[..., ASGIApp], Mapping[str, Any]]


def _as_middleware(entry: Any) -> Middleware:
    """Accept ``Middleware``, Starlette's ``Middleware``, ``(cls, options)`` and
    Starlette's ``(cls, args, kwargs)``."""
    if isinstance(entry, Middleware):
        return entry
    cls, args, kwargs = (getattr(entry, name, None) for name in ("cls", "args", "kwargs"))
    if callable(cls) and isinstance(args, Sequence) and isinstance(kwargs, Mapping):
        # Starlette's ``Middleware`` (a migrated app's ``middleware=[...]``): the same
        # three parts under the same names.
        return Middleware(cls, *args, **kwargs)
    if isinstance(entry, tuple):
        if len(entry) == 2 and callable(entry[0]) and isinstance(entry[1], Mapping):
            return Middleware(entry[0], **entry[1])
        if (
            len(entry) == 3
            and callable(entry[0])
            and isinstance(entry[1], Sequence)
            and isinstance(entry[2], Mapping)
        ):
            return Middleware(entry[0], *entry[1], **entry[2])
    raise TypeError(
        f"middleware entries must be Middleware(cls, **options) or (cls, options_dict), "
        f"not {entry!r}"
    )


def build_middleware_stack(app: ASGIApp, middleware: Sequence[MiddlewareEntry]) -> ASGIApp:
    """Wrap ``app`` in every entry, the first entry ending up outermost.

    Entries are checked before any is built, so a bad one fails without
    constructing (and half-initialising) the others.
    """
    entries = [_as_middleware(entry) for entry in middleware]
    for entry in reversed(entries):
        app = entry.build(app)
    return app


class PlainMiddleware:
    """A middleware whose work is a plain function: ``serve(scope, receive, send)``
    returns the awaitable that answers (most often the wrapped app's own
    coroutine, called with a send of the middleware's), and ``__call__`` only
    awaits it.

    It is an ASGI app like any other; what it adds is that whoever calls it
    first can await ``serve`` directly (:func:`entry_point`): one coroutine
    frame less per request (~0.2 us in process, benchmarks/compare.py "cors").
    """

    _app: ASGIApp
    _call_app: Callable[[Scope, Receive, Send], Awaitable[None]]

    @property
    def app(self) -> ASGIApp:
        """The app this middleware wraps."""
        return self._app

    @app.setter
    def app(self, app: ASGIApp) -> None:
        # ``_call_app`` is what ``serve`` calls: the wrapped app as :func:`entry_point`
        # gives it, so a stack of these costs one frame per layer, not two.
        self._app = app
        self._call_app = entry_point(app)

    def serve(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.serve(scope, receive, send)


def _direct_call(app: ASGIApp) -> ASGIApp:
    """``app`` as the callable to call it through: for an object whose class's
    ``__call__`` is a Python function, that function bound to it.  PERF: calling the
    object itself goes through its type's call slot, calling the bound method is
    an ordinary call (benchmarks: funcmw, ~0.07 us)."""
    call = next((vars(k)["__call__"] for k in type(app).__mro__ if "__call__" in vars(k)), None)
    if isinstance(call, types.FunctionType) and not isinstance(app, type):
        bound: ASGIApp = types.MethodType(call, app)
        return bound
    return app


def entry_point(app: ASGIApp) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """What to call for ``app`` at the top of a stack: its ``serve`` when it is a
    :class:`PlainMiddleware` whose ``__call__`` is still the one that only awaits
    ``serve`` (a subclass that wraps ``__call__`` is called as it is), else ``app``
    as :func:`_direct_call` gives it."""
    if isinstance(app, PlainMiddleware) and type(app).__call__ is PlainMiddleware.__call__:
        return app.serve
    return _direct_call(app)


def marks_response_start(middleware: Sequence[MiddlewareEntry]) -> bool:
    """Whether every entry's class says, as ``marks_response_start = True`` in its own
    body (a subclass does not inherit the promise), that whatever it raises once a
    response has started carries ``exceptions.mark_response_started``: it sends
    only through the app it wraps, or marks the failures of its own sends.

    Then the App needs no send wrapper to tell whether a 500 may still be sent.
    """
    for entry in middleware:
        cls = _as_middleware(entry).cls
        if not (isinstance(cls, type) and cls.__dict__.get("marks_response_start") is True):
            return False
    return True


def add_vary(headers: RawHeaders, token: bytes) -> None:
    """Add ``token`` to the response's ``vary`` header, in place, at most once.

    RFC 9110 §12.5.5: ``vary`` is a comma-separated list of field names
    (case-insensitive); ``*`` already covers every field, so it is left alone.
    A token on any ``vary`` line counts; a new one extends the first line.
    """
    wanted = token.lower()
    first = -1
    for index, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            for item in value.split(b","):
                item = item.strip().lower()
                if item == wanted or item == b"*":
                    return
            if first < 0:
                first = index
    if first < 0:
        headers.append((b"vary", token))
    else:
        stripped = headers[first][1].strip()
        headers[first] = (b"vary", stripped + b", " + token if stripped else token)
