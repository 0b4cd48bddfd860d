"""The default exception handlers, and the table a router looks handlers up in.

``http_exception_handler``, ``request_validation_exception_handler`` and
``websocket_request_validation_exception_handler`` are public, with FastAPI's
names and signatures, so an application can wrap them in its own handler
(docs/api.md, "Errors").

Lookup rules (``ExceptionHandlers.find``):
- an ``HTTPException`` first tries a handler registered for its status code;
- then the exception's classes are tried along the MRO, stopping before
  ``Exception`` itself: a handler for ``Exception`` (or for 500) answers only
  unhandled errors, on the App's one error path (``applications.py``);
- with no handler, ``HTTPException`` and ``RequestValidationError`` get the
  default answers below, and anything else is not answered here;
- an error a handler raises for an error of a route is looked up once more.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from typing import Any

from asgiweb.exceptions import (
    HTTPException,
    RequestValidationError,
    WebSocketException,
    WebSocketRequestValidationError,
)
from asgiweb.requests import Request
from asgiweb.responses import JSONResponse, Response
from asgiweb.responses.base import response_types
from asgiweb.websockets import WebSocket, WebSocketState

__all__ = [
    "MAX_CLOSE_REASON",
    "ExceptionHandler",
    "ExceptionHandlers",
    "http_exception_handler",
    "request_validation_exception_handler",
    "validation_reason",
    "websocket_request_validation_exception_handler",
]

ExceptionHandler = Callable[[Request, Any], Response | Awaitable[Response]]


async def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    """``{"detail": exc.detail}`` with the exception's status and headers (no body
    for statuses that cannot carry one: 1xx, 204, 205 and 304, RFC 9110 section 15)."""
    if exc.status_code < 200 or exc.status_code in (204, 205, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def request_validation_exception_handler(
    request: Request, exc: RequestValidationError
) -> Response:
    """422 with ``{"detail": [error, ...]}`` in FastAPI's shape."""
    return JSONResponse({"detail": exc.errors()}, status_code=422)


async def websocket_request_validation_exception_handler(
    websocket: WebSocket, exc: WebSocketRequestValidationError
) -> None:
    """Close with 1008 (policy violation), the reason the errors as JSON cut to fit a
    close frame (``validation_reason``); the handshake is read first if nobody has."""
    if websocket.client_state is WebSocketState.CONNECTING:
        await websocket.receive()
    await websocket.close(code=1008, reason=validation_reason(exc.errors()))


# RFC 6455 section 5.5: a control frame's payload is at most 125 bytes, two of
# them the close code, so a close reason fits in 123 bytes of UTF-8.
MAX_CLOSE_REASON = 123


def validation_reason(errors: list[dict[str, Any]]) -> str:
    """The 1008 close reason for invalid WebSocket parameters.

    FastAPI puts the error list itself in the ASGI message, which the ASGI
    spec types as a string and servers then fail to send; here it is the
    list as compact JSON, cut to what a close frame can carry (each error's
    ``type`` and ``loc`` first, so a short reason still says what was wrong).
    """
    full = json.dumps(errors, separators=(",", ":"), default=str, ensure_ascii=False)
    if len(full.encode()) <= MAX_CLOSE_REASON:
        return full
    short = json.dumps(
        [{"type": e.get("type"), "loc": e.get("loc")} for e in errors],
        separators=(",", ":"),
        default=str,
        ensure_ascii=False,
    )
    encoded = short.encode()
    if len(encoded) <= MAX_CLOSE_REASON:
        return short
    return encoded[:MAX_CLOSE_REASON].decode("utf-8", "ignore")


async def call_handler(handler: ExceptionHandler, request: Request, exc: Exception) -> Response:
    """Run a user's handler (sync or async) and check that it gave a Response."""
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, response_types()):
        raise TypeError(f"exception handler {handler!r} must return a Response, not {result!r}")
    return result


_STARLETTE_EXCEPTIONS: dict[str, type[BaseException]] = {
    "starlette.exceptions.HTTPException": HTTPException,
    "starlette.exceptions.WebSocketException": WebSocketException,
}


def _dotted(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _own_http_exception(exc: Exception) -> HTTPException | None:
    """Starlette's ``HTTPException`` (or a subclass), raised by a migrated app that
    still imports it, as asgiweb's: the same status, detail and headers."""
    if not any(_dotted(cls) == "starlette.exceptions.HTTPException" for cls in type(exc).__mro__):
        return None
    status, detail = getattr(exc, "status_code", 500), getattr(exc, "detail", None)
    own = HTTPException(status, detail, getattr(exc, "headers", None))
    own.__cause__ = exc
    return own


class ExceptionHandlers:
    """Handlers by status code and by exception class, as registered on an App."""

    __slots__ = ("by_class", "by_status")

    def __init__(self) -> None:
        self.by_status: dict[int, ExceptionHandler] = {}
        self.by_class: dict[type[BaseException], ExceptionHandler] = {}

    def add(self, key: type[BaseException] | int, handler: ExceptionHandler) -> None:
        if isinstance(key, int):
            self.by_status[key] = handler
        elif isinstance(key, type) and issubclass(key, BaseException):
            # A migrating app may still register Starlette's class (FastAPI's docs do,
            # to see every HTTP error): it stands for asgiweb's own (docs/api.md, "Errors").
            self.by_class[_STARLETTE_EXCEPTIONS.get(_dotted(key), key)] = handler
        else:
            raise TypeError(
                f"exception handler key must be an exception class or a status, not {key!r}"
            )

    def find(self, exc: Exception) -> ExceptionHandler | None:
        if isinstance(exc, HTTPException):
            handler = self.by_status.get(exc.status_code)
            if handler is not None:
                return handler
        for cls in type(exc).__mro__:
            if cls is Exception:
                break
            handler = self.by_class.get(cls)
            if handler is not None:
                return handler
        return None

    def server_error_handler(self) -> ExceptionHandler | None:
        """The handler for unhandled errors: one for 500, else one for ``Exception``."""
        return self.by_status.get(500) or self.by_class.get(Exception)

    async def answer(
        self, request: Request, exc: Exception, *, again: bool = True
    ) -> Response | None:
        """The answer to ``exc``, or None when it is not an error answered here.

        With ``again``, an error the handler raises is answered once more (not
        recursively), as FastAPI's two layers of exception handling do for an
        error raised in a route: a handler may turn its error into an
        ``HTTPException``.  The router's own 404/405 pass ``again=False``.
        """
        handler = self.find(exc)
        if handler is not None:
            if not again:
                return await call_handler(handler, request, exc)
            try:
                return await call_handler(handler, request, exc)
            except Exception as raised:
                answer = await self.answer(request, raised, again=False)
                if answer is None:
                    raise
                return answer
        if isinstance(exc, HTTPException):
            return await http_exception_handler(request, exc)
        if isinstance(exc, RequestValidationError):
            return await request_validation_exception_handler(request, exc)
        own = _own_http_exception(exc)
        if own is not None:
            return await self.answer(request, own, again=again)
        return None
