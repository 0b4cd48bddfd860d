"""The ASGI application: lifespan, routing, error handling.

ASGI rules kept here:
- ``lifespan``: answer ``startup`` with ``startup.complete``, or with
  ``startup.failed`` carrying the error's message (uvicorn then exits with
  it); answer ``shutdown`` with ``shutdown.complete`` (or ``.failed``).  A
  mapping yielded by the lifespan context goes into ``scope["state"]``, which
  the server copies into every request's scope.
- ``http``: route on ``path`` less ``root_path`` (uvicorn puts the root path
  in front of ``path``, as the spec asks); send exactly one response.
- ``websocket``: asgiweb serves none, so a connection is refused cleanly
  (a ``websocket.close`` before accepting is a 403 to the client).

Errors: ``HTTPException`` and ``RequestValidationError`` become their JSON
answers; handlers registered by class (looked up along the MRO) or by status
code can replace any of them.  Anything else is logged to the ``asgiweb``
logger and answered with a plain-text 500 (with the traceback only when
``debug=True``), then re-raised so the server and the TestClient see it.  An
error after the response has started cannot be answered: it is logged and
re-raised so the server drops the connection.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from asgiweb.datastructures import State
from asgiweb.exceptions import ClientDisconnect, HTTPException, RequestValidationError
from asgiweb.middleware import Middleware, build_middleware_stack
from asgiweb.requests import Request
from asgiweb.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from asgiweb.routing import Router
from asgiweb.types import ASGIApp, Receive, Scope, Send

__all__ = ["App"]

logger = logging.getLogger("asgiweb")

F = TypeVar("F", bound=Callable[..., Any])
Lifespan = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]
ExceptionHandler = Callable[[Request, Exception], Any]


class App(Router):
    """An ASGI 3 application with FastAPI's decorators (see ``shared/api.md``)."""

    def __init__(
        self,
        *,
        debug: bool = False,
        default_response_class: type[Response] = JSONResponse,
        lifespan: Lifespan | None = None,
        middleware: Sequence[Any] | None = None,
        exception_handlers: Mapping[type[BaseException] | int, ExceptionHandler] | None = None,
        max_body_size: int | None = 1_048_576,
        redirect_slashes: bool = True,
        dependencies: Sequence[Any] | None = None,
    ) -> None:
        super().__init__(
            default_response_class=default_response_class,
            max_body_size=max_body_size,
            dependencies=dependencies,
        )
        # Replacements for dependencies, looked up per request (docs/dependencies.md).
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.debug = debug
        self.lifespan_context = lifespan
        self.redirect_slashes = redirect_slashes
        self.state = State()
        self.user_middleware: list[Any] = list(middleware or [])
        self._status_handlers: dict[int, ExceptionHandler] = {}
        self._class_handlers: dict[type[BaseException], ExceptionHandler] = {}
        for key, handler in (exception_handlers or {}).items():
            self.add_exception_handler(key, handler)
        self._lifespan_state: dict[str, Any] | None = None
        self._stack: ASGIApp | None = None  # user middleware around _handle, if any
        self._started = False

    # -- configuration -------------------------------------------------------------

    def add_exception_handler(
        self, key: type[BaseException] | int, handler: ExceptionHandler
    ) -> None:
        if isinstance(key, int):
            self._status_handlers[key] = handler
        elif isinstance(key, type) and issubclass(key, BaseException):
            self._class_handlers[key] = handler
        else:
            raise TypeError(
                f"exception handler key must be an exception class or a status, not {key!r}"
            )

    def exception_handler(self, key: type[BaseException] | int) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.add_exception_handler(key, func)
            return func

        return decorator

    def add_middleware(self, cls: Callable[..., ASGIApp], *args: Any, **options: Any) -> None:
        """Add a pure ASGI middleware, ``cls(app, **options)``, outside those added before."""
        if self._started:
            raise RuntimeError("cannot add middleware after the application has started")
        self.user_middleware.insert(0, Middleware(cls, *args, **options))

    def _build_stack(self) -> ASGIApp | None:
        if not self.user_middleware:
            return None
        return _ServerErrors(build_middleware_stack(self._handle, self.user_middleware), self)

    # -- ASGI entry point ----------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._started:
            self._stack = self._build_stack()
            self._started = True
        stack = self._stack
        if stack is not None:
            await stack(scope, receive, send)
        elif scope["type"] == "http":
            # PERF: no middleware: straight to the router, one coroutine layer less.
            await self._http(scope, receive, send)
        else:
            await self._handle(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(scope, receive, send)
        elif kind == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
        else:
            raise RuntimeError(f"asgiweb does not handle ASGI scope type {kind!r}")

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        if self._lifespan_state is not None and "state" not in scope:
            # The server does not carry lifespan state: give each request a copy.
            scope["state"] = dict(self._lifespan_state)
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            rest = path[len(root_path) :]
            # Only a whole-segment prefix is the mount point: /api + /x, not /apix.
            if not rest or rest[0] == "/":
                path = rest or "/"
        route, params, allow = self.table.lookup(path, scope["method"])
        if route is None:
            await self._no_route(scope, receive, send, path, allow)
            return
        bare = route.bare
        request: Request | None = None
        try:
            if bare is not None:
                response = await bare()
            else:
                request = Request(scope, receive, send, params, route.max_body_size)
                response = await route.handle(request)
        except ClientDisconnect:
            return
        except Exception as exc:
            if request is None:
                request = Request(scope, receive, send, params, route.max_body_size)
            await self._answer_error(request, exc, scope, receive, send)
            return
        try:
            await response(scope, receive, send)
        except ClientDisconnect:
            return
        # An error raised while the response is being sent propagates as it is:
        # the response has logged it where it knows more (StreamingResponse), and
        # the server drops the connection, which is all that can still be done.

    async def _no_route(
        self, scope: Scope, receive: Receive, send: Send, path: str, allow: str | None
    ) -> None:
        request = Request(scope, receive, send)
        if allow is None:
            mount = self.find_mount(path)
            if mount is not None:
                child = dict(scope)
                child["root_path"] = scope.get("root_path", "") + mount.prefix
                await mount.app(child, receive, send)
                return
            if self.redirect_slashes and path != "/":
                other = path[:-1] if path.endswith("/") else path + "/"
                found, _, other_allow = self.table.lookup(other, scope["method"])
                if found is not None or other_allow is not None:
                    query = scope.get("query_string", b"").decode("latin-1")
                    location = scope.get("root_path", "") + other + (f"?{query}" if query else "")
                    await RedirectResponse(location, status_code=307)(scope, receive, send)
                    return
            exc = HTTPException(404)
        else:
            exc = HTTPException(405, headers={"Allow": allow})
        await self._answer_error(request, exc, scope, receive, send)

    # -- errors --------------------------------------------------------------------

    def _find_handler(self, exc: Exception) -> ExceptionHandler | None:
        if isinstance(exc, HTTPException):
            handler = self._status_handlers.get(exc.status_code)
            if handler is not None:
                return handler
        for cls in type(exc).__mro__:
            if cls is Exception:
                break  # a handler for Exception itself answers server errors: see below
            handler = self._class_handlers.get(cls)
            if handler is not None:
                return handler
        return None

    async def _answer_error(
        self, request: Request, exc: Exception, scope: Scope, receive: Receive, send: Send
    ) -> None:
        """Send the answer for ``exc``; re-raise it afterwards when it was a server error."""
        handler = self._find_handler(exc)
        if handler is not None:
            response = await _call_handler(handler, request, exc)
        elif isinstance(exc, HTTPException):
            response = http_exception_response(exc)
        elif isinstance(exc, RequestValidationError):
            response = JSONResponse({"detail": exc.errors()}, status_code=422)
        else:
            response = await self.server_error_response(request, exc)
            await response(scope, receive, send)
            raise exc
        await response(scope, receive, send)

    async def server_error_response(self, request: Request, exc: Exception) -> Response:
        """Log ``exc`` and build the 500 answer (the caller re-raises after sending it)."""
        logger.error(
            "Exception in %s %s",
            request.scope.get("method"),
            request.scope.get("path"),
            exc_info=exc,
        )
        handler = self._status_handlers.get(500) or self._class_handlers.get(Exception)
        if handler is not None:
            return await _call_handler(handler, request, exc)
        if self.debug:
            text = "".join(traceback.format_exception(exc))
            return PlainTextResponse(text, status_code=500)
        return PlainTextResponse("Internal Server Error", status_code=500)

    # -- lifespan ------------------------------------------------------------------

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = None
        message = await receive()
        assert message["type"] == "lifespan.startup"
        try:
            if self.lifespan_context is not None:
                context = self.lifespan_context(self)
                state = await context.__aenter__()
                if state is not None:
                    if not isinstance(state, Mapping):
                        raise TypeError(
                            f"lifespan must yield a mapping or None, not {type(state).__name__}"
                        )
                    if "state" in scope:
                        scope["state"].update(state)
                    self._lifespan_state = dict(state)
        except BaseException as exc:
            logger.exception("application startup failed")
            await send({"type": "lifespan.startup.failed", "message": _describe(exc)})
            raise
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        try:
            if context is not None:
                await context.__aexit__(None, None, None)
        except BaseException as exc:
            logger.exception("application shutdown failed")
            await send({"type": "lifespan.shutdown.failed", "message": _describe(exc)})
            raise
        await send({"type": "lifespan.shutdown.complete"})


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def http_exception_response(exc: HTTPException) -> Response:
    if exc.status_code < 200 or exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _call_handler(handler: ExceptionHandler, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, Response):
        raise TypeError(f"exception handler {handler!r} must return a Response, not {result!r}")
    return result


class _ServerErrors:
    """Outermost guard when user middleware is present: a 500 if nothing was sent yet."""

    def __init__(self, app: ASGIApp, owner: App) -> None:
        self.app = app
        self.owner = owner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def guarded_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception as exc:
            if started:
                logger.error("Exception after the response started", exc_info=exc)
                raise
            response = await self.owner.server_error_response(Request(scope, receive, send), exc)
            await response(scope, receive, send)
            raise
