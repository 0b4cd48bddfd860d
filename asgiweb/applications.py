"""The App: a Router plus lifespan, error handling and middleware (docs/api.md).

ASGI rules kept here:
- ``lifespan``: answer ``startup`` with ``startup.complete``, or with
  ``startup.failed`` carrying the error's message (uvicorn then exits with
  it); answer ``shutdown`` with ``shutdown.complete`` (or ``.failed``).  A
  mapping yielded by the lifespan context goes into ``scope["state"]``, which
  the server copies into every request's scope.
- ``http`` and ``websocket`` go through the user middleware (first listed =
  outermost) to the router.

One error path.  The router answers the errors a handler raises on purpose
(``HTTPException``, validation errors, classes with a handler).  Anything else
propagates, through the user middleware if there is any, to ``__call__``,
which logs it once to the ``asgiweb`` logger and, if nothing of the response
was sent yet, answers a plain-text 500 (the traceback only with
``debug=True``; a handler for 500 or ``Exception`` may replace it), then
re-raises it so the server and the TestClient see it.  With no user
middleware the router is called directly (PERF: one coroutine layer less per
request, benchmarks/inprocess.py); the router then marks an error that left a
response already being sent (``exceptions.response_started``), which is what
the middleware path learns by watching ``send``.  Both give the same answers
and the same log records (tests/test_applications.py).
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from functools import partial
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, TypeVar, Unpack

from asgiweb.datastructures import State
from asgiweb.exception_handlers import ExceptionHandler, ExceptionHandlers, call_handler
from asgiweb.exceptions import marking_start, response_started
from asgiweb.middleware import (
    Middleware,
    build_middleware_stack,
    entry_point,
    marks_response_start,
)
from asgiweb.middleware.base import BaseHTTPMiddleware
from asgiweb.requests import Request
from asgiweb.responses import JSONResponse, PlainTextResponse, Response
from asgiweb.routing import (
    LifespanContext,
    MethodDecorators,
    Mount,
    Route,
    RouteOptions,
    Router,
    WebSocketRoute,
    deprecated_on_event,
    serve_lifespan,
)
from asgiweb.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    import os

    from asgiweb.frontend import Fallback

__all__ = ["App"]

logger = logging.getLogger("asgiweb")

F = TypeVar("F", bound=Callable[..., Any])
P = ParamSpec("P")
Lifespan = Callable[[Any], AbstractAsyncContextManager[Mapping[str, Any] | None]]

# FastAPI(...) keywords about the OpenAPI document and the docs pages: stored on
# the App as attributes of the same name, for the schema (docs/api.md).
_DOC_KEYWORDS: dict[str, Any] = {
    "title": "asgiweb",
    "summary": None,
    "description": "",
    "version": "0.1.0",
    "openapi_url": "/openapi.json",
    "openapi_tags": None,
    "servers": None,
    "docs_url": "/docs",
    "redoc_url": "/redoc",
    "swagger_ui_oauth2_redirect_url": "/docs/oauth2-redirect",
    "swagger_ui_init_oauth": None,
    "terms_of_service": None,
    "contact": None,
    "license_info": None,
    "root_path_in_servers": True,
    "callbacks": None,
    "webhooks": None,
    "swagger_ui_parameters": None,
    "generate_unique_id_function": None,
    "separate_input_output_schemas": True,
    "openapi_external_docs": None,
    "strict_content_type": True,
    "form_limits": None,
    "telemetry": None,
}


class WebhookRouter(Router):
    """``app.webhooks``: requests the app sends, documented under ``webhooks`` in the
    OpenAPI document and never served, so a route's path is a name
    (``"new-subscription"``) rather than a URL path (docs/openapi.md)."""

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Iterable[str] | None = None,
        *,
        route_class_override: type[Route] | None = None,
        **options: Unpack[RouteOptions],
    ) -> Route:
        route_class = route_class_override or self.route_class
        route = route_class("/", endpoint, methods=methods, **options)  # compiles the handler
        route.path = path
        self.routes.append(route)
        return route


class App(MethodDecorators):
    """An ASGI 3 application with FastAPI's constructor and decorators."""

    # Request.url_for: names are looked up here (not in another framework's router).
    _asgiweb_names = True

    def __init__(
        self,
        *,
        debug: bool = False,
        routes: Sequence[Route | Mount] | None = None,
        dependencies: Sequence[Any] | None = None,
        default_response_class: type[Response] = JSONResponse,
        redirect_slashes: bool = True,
        middleware: Sequence[Any] | None = None,
        exception_handlers: Mapping[type[BaseException] | int, ExceptionHandler] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Lifespan | None = None,
        root_path: str = "",
        responses: Mapping[int | str, Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        max_body_size: int | None = 1_048_576,
        **documentation: Any,
    ) -> None:
        unknown = set(documentation) - set(_DOC_KEYWORDS)
        if unknown:
            raise TypeError(f"unknown App option(s) {sorted(unknown)}")
        for keyword, default in _DOC_KEYWORDS.items():
            setattr(self, keyword, documentation.get(keyword, default))
        if self.webhooks is None:  # type: ignore[has-type]
            # ``@app.webhooks.post("name")``: documented only, never served (docs/openapi.md).
            self.webhooks = WebhookRouter()
        self.debug = debug
        self.exception_handlers = ExceptionHandlers()
        for key, handler in (exception_handlers or {}).items():
            self.exception_handlers.add(key, handler)
        self.router = Router(
            dependencies=dependencies,
            default_response_class=default_response_class,
            responses=responses,
            redirect_slashes=redirect_slashes,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
            max_body_size=max_body_size,
            exception_handlers=self.exception_handlers,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
            lifespan=lifespan,
            routes=routes,
            form_limits=documentation.get("form_limits"),
            strict_content_type=documentation.get("strict_content_type", True),
            callbacks=documentation.get("callbacks"),  # before every route's, as FastAPI
        )
        self._root_path = root_path
        self.state = State()
        self.dependency_overrides: dict[Callable[..., Any], Callable[..., Any]] = {}
        self.user_middleware: list[Any] = list(middleware or [])
        self._lifespan_state: dict[str, Any] | None = None
        self._stack: ASGIApp | None = None  # user middleware around the router, if any
        self._started = False
        self._plain = False  # set by _settle() once started
        self._watch = True  # see _build
        self.openapi_version = "3.1.0"
        self.openapi_schema: dict[str, Any] | None = None
        # A route added after the document was built (also to an included router):
        # built anew on next use, as FastAPI does.
        self.router.on_added(self._drop_schema)

    # -- the router's face ---------------------------------------------------------

    @property
    def root_path(self) -> str:
        """The path this app is served under, set in every request's scope."""
        return self._root_path

    @root_path.setter
    def root_path(self, value: str) -> None:
        self._root_path = value
        if self._started:
            self._settle()

    @property
    def routes(self) -> list[Route]:
        return self.router.routes

    @property
    def default_response_class(self) -> type[Response]:
        return self.router.default_response_class

    @property
    def max_body_size(self) -> int | None:
        return self.router.max_body_size

    @property
    def redirect_slashes(self) -> bool:
        return self.router.redirect_slashes

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Sequence[str] | None = None,
        *,
        route_class_override: type[Route] | None = None,
        **options: Unpack[RouteOptions],
    ) -> Route:
        return self.router.add_route(
            path, endpoint, methods, route_class_override=route_class_override, **options
        )

    add_api_route = add_route

    def route(
        self, path: str, methods: Sequence[str] | None = None, **options: Unpack[RouteOptions]
    ) -> Callable[[F], F]:
        return self.router.route(path, methods, **options)

    api_route = route

    def websocket(self, path: str, name: str | None = None, **options: Any) -> Callable[[F], F]:
        """A WebSocket handler (keywords as ``Router.websocket``; docs/websockets.md)."""
        return self.router.websocket(path, name, **options)

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[Any] | None = None,
    ) -> WebSocketRoute:
        return self.router.add_api_websocket_route(path, endpoint, name, dependencies=dependencies)

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> WebSocketRoute:
        return self.router.add_websocket_route(path, endpoint, name)

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[F], F]:
        return self.router.websocket_route(path, name)

    def include_router(self, router: Router, **options: Any) -> None:
        """Add ``router``'s routes (keywords as ``Router.include_router``)."""
        self.router.include_router(router, **options)

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        self.router.mount(path, app, name=name)

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Fallback = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a built frontend folder under ``path``, after every route and mount
        (keywords as ``Router.frontend``; docs/frontend.md)."""
        from asgiweb.frontend import resolve_check_dir

        checked = resolve_check_dir(directory, check_dir, stacklevel=2)
        self.router.frontend(path, directory=directory, fallback=fallback, check_dir=checked)

    def url_path_for(self, name: str, /, **params: Any) -> str:
        return self.router.url_path_for(name, **params)

    # -- the OpenAPI document and the docs pages (docs/openapi.md) -----------------

    def _drop_schema(self, added: Any) -> None:
        self.openapi_schema = None

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI document, built on first use and kept in ``self.openapi_schema``."""
        if not self.openapi_schema:
            from asgiweb.openapi.utils import get_openapi

            settings: Any = self  # the documentation keywords are set from _DOC_KEYWORDS
            self.openapi_schema = get_openapi(
                title=settings.title,
                version=settings.version,
                openapi_version=self.openapi_version,
                summary=settings.summary,
                description=settings.description,
                terms_of_service=settings.terms_of_service,
                contact=settings.contact,
                license_info=settings.license_info,
                routes=self.routes,
                tags=settings.openapi_tags,
                servers=settings.servers,
                separate_input_output_schemas=settings.separate_input_output_schemas,
                external_docs=settings.openapi_external_docs,
                generate_unique_id_function=settings.generate_unique_id_function,
                webhooks=settings.webhooks.routes,
            )
        return self.openapi_schema

    def setup(self) -> None:
        """Add the ``openapi_url``, ``docs_url`` (and its OAuth2 redirect) and ``redoc_url``
        routes, outside the schema and outside ``app.routes``; None turns one off.
        Called once, when the app is built (its first ASGI call)."""
        settings: Any = self
        openapi_url: str | None = settings.openapi_url
        if not openapi_url:
            return

        async def openapi(req: Request) -> Response:
            root_path = req.scope.get("root_path", "").rstrip("/")
            schema = self.openapi()
            if root_path and settings.root_path_in_servers:
                urls = {server.get("url") for server in schema.get("servers", [])}
                if root_path not in urls:
                    schema = {**schema, "servers": [{"url": root_path}, *schema.get("servers", [])]}
            return JSONResponse(schema)

        self._add_docs_route(openapi_url, openapi)
        docs_url: str | None = settings.docs_url
        redirect_url: str | None = settings.swagger_ui_oauth2_redirect_url
        if docs_url:

            async def swagger_ui_html(req: Request) -> Response:
                from asgiweb.openapi.docs import get_swagger_ui_html

                root_path = req.scope.get("root_path", "").rstrip("/")
                return get_swagger_ui_html(
                    openapi_url=root_path + openapi_url,
                    title=f"{settings.title} - Swagger UI",
                    oauth2_redirect_url=root_path + redirect_url if redirect_url else None,
                    init_oauth=settings.swagger_ui_init_oauth,
                    swagger_ui_parameters=settings.swagger_ui_parameters,
                )

            self._add_docs_route(docs_url, swagger_ui_html)
            if redirect_url:

                async def swagger_ui_redirect(req: Request) -> Response:
                    from asgiweb.openapi.docs import get_swagger_ui_oauth2_redirect_html

                    return get_swagger_ui_oauth2_redirect_html()

                self._add_docs_route(redirect_url, swagger_ui_redirect)
        redoc_url: str | None = settings.redoc_url
        if redoc_url:

            async def redoc_html(req: Request) -> Response:
                from asgiweb.openapi.docs import get_redoc_html

                root_path = req.scope.get("root_path", "").rstrip("/")
                return get_redoc_html(
                    openapi_url=root_path + openapi_url, title=f"{settings.title} - ReDoc"
                )

            self._add_docs_route(redoc_url, redoc_html)

    def _add_docs_route(self, path: str, endpoint: Callable[..., Any]) -> None:
        """Serve ``endpoint`` at ``path`` without listing it in ``app.routes``, which
        stays the user's own routes.  Where the app has its own GET route there (the
        table refuses a second one with ValueError), the user's page wins."""
        route = Route(path, endpoint, methods=["GET"], include_in_schema=False)
        with contextlib.suppress(ValueError):
            self.router.table.add(route)

    # -- configuration -------------------------------------------------------------

    def add_exception_handler(
        self, exc_class_or_status_code: type[BaseException] | int, handler: ExceptionHandler
    ) -> None:
        self.exception_handlers.add(exc_class_or_status_code, handler)

    def exception_handler(
        self, exc_class_or_status_code: type[BaseException] | int
    ) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.exception_handlers.add(exc_class_or_status_code, func)
            return func

        return decorator

    def add_middleware(
        self,
        middleware_class: Callable[Concatenate[ASGIApp, P], ASGIApp],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Add a pure ASGI middleware, ``middleware_class(app, *args, **kwargs)``, outside
        those added before."""
        if self._started:
            raise RuntimeError("cannot add middleware after the application has started")
        self.user_middleware.insert(0, Middleware(middleware_class, *args, **kwargs))

    def middleware(self, middleware_type: str) -> Callable[[F], F]:
        """``@app.middleware("http")``: a dispatch function around every HTTP request
        (``asgiweb.middleware.base``: streamed, not buffered)."""
        if middleware_type != "http":
            raise ValueError(f"middleware type must be 'http', not {middleware_type!r}")

        def decorator(func: F) -> F:
            self.add_middleware(BaseHTTPMiddleware, dispatch=func)
            return func

        return decorator

    # The lifespan is the router's (asgiweb.routing.run_lifespan), as in FastAPI, so the
    # lifespans of included routers run inside the App's.

    @property
    def on_startup(self) -> list[Callable[[], Any]]:
        return self.router.on_startup

    @property
    def on_shutdown(self) -> list[Callable[[], Any]]:
        return self.router.on_shutdown

    @property
    def lifespan_context(self) -> LifespanContext | None:
        return self.router.lifespan_context

    @lifespan_context.setter
    def lifespan_context(self, lifespan: Any) -> None:
        self.router.lifespan_context = lifespan

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        self.router.add_event_handler(event_type, func)

    def on_event(self, event_type: str) -> Callable[[F], F]:
        """Deprecated, as in FastAPI: use ``lifespan=`` instead (docs/api.md)."""
        return deprecated_on_event(self.add_event_handler, event_type)

    # -- ASGI entry point ----------------------------------------------------------

    def _build(self) -> None:
        self.setup()  # the docs routes, once the user's own are all registered
        # The router answers http and websocket itself and hands lifespan back here.
        self.router.lifespan_handler = self._lifespan
        if self.user_middleware:
            # PERF: the outermost layer's plain ``serve`` when it has one ("cors").
            self._stack = entry_point(build_middleware_stack(self.router, self.user_middleware))
            # When every layer marks what it raises after the start (the router
            # does), the marks say whether a 500 may still be sent: no watched send.
            self._watch = not marks_response_start(self.user_middleware)
        self._started = True
        self._settle()

    def _settle(self) -> None:
        """Decide once whether an http request needs anything of the scope changed
        (a ``root_path`` to set, lifespan state to copy); see ``__call__``."""
        self._plain = not self.root_path and self._lifespan_state is None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        if scope["type"] == "http" and self._plain and self._started:
            # PERF: the common request: nothing to set in the scope, the checks
            # below decided once (benchmarks/inprocess.py "plaintext", "cors").
            stack = self._stack
        else:
            if not self._started:
                self._build()
            kind = scope["type"]
            if kind != "lifespan":
                if self.root_path:
                    scope["root_path"] = self.root_path
                if self._lifespan_state is not None and "state" not in scope:
                    # The server does not carry lifespan state: give each request a copy.
                    scope["state"] = dict(self._lifespan_state)
            stack = self._stack
            if kind != "http":
                await (stack or self.router)(scope, receive, send)
                return
        try:
            if stack is None:
                await self.router.handle_http(scope, receive, send)
            elif self._watch:
                # A middleware that does not mark its errors after the start: watched.
                await marking_start(partial(stack, scope, receive), send)
            else:
                await stack(scope, receive, send)  # PERF: no send wrapper ("cors")
        except Exception as exc:
            await self._server_error(scope, receive, send, exc, response_started(exc))
            raise

    async def _server_error(
        self, scope: Scope, receive: Receive, send: Send, exc: Exception, started: bool
    ) -> None:
        """Log ``exc`` once; answer 500 unless the response had started (the caller re-raises)."""
        logger.error(
            "Exception in %s %s%s",
            scope.get("method"),
            scope.get("path"),
            " after the response started" if started else "",
            exc_info=exc,
        )
        if started:
            return
        request = Request(scope, receive, send)
        handler = self.exception_handlers.server_error_handler()
        if handler is not None:
            response = await call_handler(handler, request, exc)
        elif self.debug:
            text = "".join(traceback.format_exception(exc))
            response = PlainTextResponse(text, status_code=500)
        else:
            response = PlainTextResponse("Internal Server Error", status_code=500)
        await response(scope, receive, send)

    # -- lifespan ------------------------------------------------------------------

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        await serve_lifespan(self.router, self, scope, receive, send, self._keep_state)

    def _keep_state(self, state: dict[str, Any]) -> None:
        """The lifespan's state, copied into each request's scope when the server
        keeps none (see ``__call__``)."""
        self._lifespan_state = dict(state)
        self._settle()
