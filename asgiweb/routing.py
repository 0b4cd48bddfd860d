"""Routes, mounts and the Router, an ASGI app on its own (docs/api.md, "App and Router").

A ``Router`` answers what routing alone can answer: the matched route's plan,
404 and 405 (with the union ``Allow``), slash redirects, and mounted apps.
Errors a handler raises on purpose (``HTTPException``, validation errors,
classes with a registered handler) become their answers here; anything else
propagates to whoever serves the router: the ``App``, which logs it once and
answers 500 (``applications.py``), or the server itself for a bare Router.

Routing rules (the table itself is in ``_routetable.py``):
- the router routes on ``path`` less ``root_path`` (ASGI spec: ``path``
  includes the root path), stripped only on a segment boundary;
- a mounted app gets the scope with ``root_path`` extended by the mount
  prefix and ``path`` unchanged, as the ASGI spec and uvicorn do, and the
  outermost ``app_root_path`` and ``router`` (for ``base_url`` and ``url_for``);
- ``redirect_slashes``: a path with no route whose twin with a trailing slash
  added (or all trailing slashes removed) has a route or is under a mount is
  redirected there with 307 and a relative ``location`` (root path and query
  string kept); a mount's prefix alone (``/static``) is not under it.

Route options merge as FastAPI merges them: a router's ``tags``,
``dependencies`` and ``responses`` come before a route's own, and an
including router's before those; ``deprecated`` is true if any level says so;
``include_in_schema`` only if every level allows it; the response class is the
route's, else its router's ``default_response_class``, else the including
call's, else the including router's.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, TypedDict, TypeVar, Unpack, cast

from asgiweb._endpoint.forms import ClosingMessages, check_form_limits, form_limit_values
from asgiweb._endpoint.info import EndpointInfo, info_of
from asgiweb._endpoint.plan import compile_bare_endpoint, compile_endpoint
from asgiweb._routetable import Converter, RouteTable, Segment, compile_path, fill_path
from asgiweb.background import BackgroundTasks
from asgiweb.datastructures import escape_delimiters
from asgiweb.exception_handlers import MAX_CLOSE_REASON as MAX_CLOSE_REASON
from asgiweb.exception_handlers import (
    ExceptionHandlers,
    http_exception_handler,
    validation_reason,
)
from asgiweb.exceptions import (
    ClientDisconnect,
    EndpointContext,
    HTTPException,
    ValidationException,
    WebSocketDisconnect,
    WebSocketException,
    WebSocketRequestValidationError,
    mark_response_started,
    marking_start,
)
from asgiweb.requests import Request, request_class_for
from asgiweb.responses import JSONResponse, RedirectResponse, Response
from asgiweb.responses.base import AnswerMessages, response_types
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send
from asgiweb.websockets import DISCONNECTS_EXTENSION, WebSocket, WebSocketState, websocket_class_for

if TYPE_CHECKING:
    import os

    from asgiweb.frontend import Fallback, FrontendRoute

__all__ = [
    "APIRoute",
    "APIRouter",
    "APIWebSocketRoute",
    "LifespanContext",
    "Mount",
    "NoMatchFound",
    "Route",
    "RouteOptions",
    "Router",
    "WebSocketRoute",
    "as_lifespan_context",
    "compile_path",
    "deprecated_on_event",
    "describe_error",
    "endpoint_context",
    "response_of",
    "run_event_handler",
    "run_lifespan",
    "serve_lifespan",
]

logger = logging.getLogger("asgiweb")

F = TypeVar("F", bound=Callable[..., Any])


class RouteOptions(TypedDict, total=False):
    """The keywords a route decorator takes (FastAPI's names, docs/api.md)."""

    status_code: int | None
    response_class: type[Response]
    name: str | None
    max_body_size: int | None
    dependencies: Sequence[Any] | None
    response_model: Any
    response_model_include: Any
    response_model_exclude: Any
    response_model_by_alias: bool
    response_model_exclude_unset: bool
    response_model_exclude_defaults: bool
    response_model_exclude_none: bool
    # Documentation: kept on the route for the OpenAPI document.
    tags: list[Any] | None
    summary: str | None
    description: str | None
    response_description: str
    responses: Mapping[int | str, Any] | None
    deprecated: bool | None
    operation_id: str | None
    include_in_schema: bool
    openapi_extra: dict[str, Any] | None
    callbacks: list[Any] | None
    generate_unique_id_function: Callable[..., str] | None
    strict_content_type: bool
    form_limits: Any


# The options the per-route plan compiles (passed on to ``compile_endpoint``).
_PLAN_OPTIONS = (
    "response_model",
    "response_model_include",
    "response_model_exclude",
    "response_model_by_alias",
    "response_model_exclude_unset",
    "response_model_exclude_defaults",
    "response_model_exclude_none",
)
_KNOWN = frozenset(RouteOptions.__annotations__)


class NoMatchFound(LookupError):
    """``url_path_for`` was given a name or parameters that no route has."""


class Route:
    """One path template, its methods, its options, and the compiled plan that answers it."""

    __slots__ = (
        "_plan",
        "bare",
        "default_response_class",
        "dependencies",
        "deprecated",
        "endpoint",
        "explicit_methods",
        "handle",
        "include_in_schema",
        "info",
        "max_body_size",
        "methods",
        "name",
        "options",
        "param_converters",
        "path",
        "request_class",
        "response_class",
        "responses",
        "segments",
        "status_code",
        "tags",
    )

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Iterable[str] | None = None,
        default_response_class: type[Response] = JSONResponse,
        **options: Unpack[RouteOptions],
    ) -> None:
        unknown = set(options) - _KNOWN
        if unknown:
            raise TypeError(f"unsupported route option(s) {sorted(unknown)} for {path!r}")
        self.path = path
        self.endpoint = endpoint
        self.request_class = request_class_for(endpoint)
        self.options: RouteOptions = options
        self.explicit_methods = frozenset(m.upper() for m in (methods or ("GET",)))
        # Every GET route answers HEAD too (the response drops the body).
        self.methods = (
            self.explicit_methods | {"HEAD"}
            if "GET" in self.explicit_methods
            else self.explicit_methods
        )
        self.response_class: type[Response] | None = options.get("response_class")
        self.status_code = options.get("status_code")
        name = options.get("name")
        self.name: str = name if name is not None else getattr(endpoint, "__name__", path)
        self.max_body_size = options.get("max_body_size")
        self.dependencies: list[Any] = list(options.get("dependencies") or ())
        self.tags: list[Any] = list(options.get("tags") or ())
        self.responses: dict[int | str, Any] = dict(options.get("responses") or {})
        self.deprecated = options.get("deprecated")
        self.include_in_schema = options.get("include_in_schema", True)
        self.segments: list[Segment]
        self.param_converters: dict[str, Converter]
        self.segments, self.param_converters = compile_path(path)
        self.default_response_class = default_response_class
        response_class = self.response_class or default_response_class
        plan: dict[str, Any] = {k: options[k] for k in _PLAN_OPTIONS if k in options}  # type: ignore[literal-required]
        if self.dependencies:
            plan["dependencies"] = self.dependencies
        # A handler without parameters (nor dependencies or a response model to
        # apply) gets a plan that needs no Request at all.
        self.bare = (
            None
            if plan
            else compile_bare_endpoint(
                endpoint, response_class=response_class, status_code=self.status_code
            )
        )
        self.handle = compile_endpoint(
            endpoint,
            path_params={k: c.python_type for k, c in self.param_converters.items()},
            response_class=response_class,
            status_code=self.status_code,
            # How a body is read (FastAPI's keywords): no part of the bare plan above.
            form_limits=form_limit_values(options.get("form_limits")),
            strict_content_type=options.get("strict_content_type") is not False,
            **plan,
        )
        # The plan's account of the handler's parameters, for the OpenAPI document.
        self.info: EndpointInfo = info_of(self.handle)
        self._plan = self.handle
        if type(self).get_route_handler is not Route.get_route_handler:
            # A subclass wraps the handler (FastAPI's custom APIRoute): its wrapper
            # answers instead of the plan, with a Response (docs/api.md, "Routes").
            self.handle = _with_path_params_in_scope(self.get_route_handler())
            self.bare = None

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """The coroutine function answering this route's requests with a ``Response``.

        A subclass may override it to wrap what ``super().get_route_handler()``
        returns (time the handler, read the body when validation fails, give the
        plan a ``Request`` subclass of its own), as with FastAPI's ``APIRoute``;
        the router calls the override's result for every request.  Routes that do
        not override it keep the compiled plan alone (benchmarks: plaintext).
        """
        return _response_handler(self._plan)

    def url_path(self, **params: Any) -> str:
        if set(params) != set(self.param_converters):
            raise NoMatchFound(
                f"route {self.name!r} takes parameters {sorted(self.param_converters)}, "
                f"got {sorted(params)}"
            )
        return fill_path(self.segments, self.param_converters, params)

    def __repr__(self) -> str:
        return f"Route(path={self.path!r}, methods={sorted(self.methods)}, name={self.name!r})"


def _response_handler(
    plan: Callable[[Request], Awaitable[Any]],
) -> Callable[[Request], Awaitable[Response]]:
    """The plan, answering with a ``Response`` whatever form its answer takes."""

    async def route_handler(request: Request) -> Response:
        if not request.path_params:
            # A Request made again from the scope (``MyRequest(request.scope,
            # request.receive)``) finds the path parameters there.
            params = request.scope.get("path_params")
            if params:
                request.path_params = params
        return response_of(await plan(request))

    return route_handler


class _ASGIAnswer(Response):
    """A handler's answer that is an ASGI app, called as the response."""

    def __init__(self, app: ASGIApp) -> None:
        super().__init__()
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def _add_starlette_route(router: Router, item: Any) -> bool:
    """Add one of Starlette's ``Route``, ``Mount`` or ``WebSocketRoute`` from
    ``routes=[...]`` (a migrated app's list) as Starlette serves it: its own ASGI
    app answers, with the path parameters in the scope; never in the OpenAPI
    document, as in FastAPI.  False for anything else (docs/api.md, "Routes")."""
    kinds = {f"{k.__module__}.{k.__qualname__}" for k in type(item).__mro__}
    path, app, name = item.path, item.app, getattr(item, "name", None)
    if "starlette.routing.Mount" in kinds:
        router.mount(path, app, name=name)
        return True
    if "starlette.routing.WebSocketRoute" in kinds:

        async def websocket_endpoint(websocket: WebSocket) -> None:
            websocket.scope["path_params"] = websocket.path_params
            await app(websocket.scope, websocket.receive, websocket.send)

        router.add_websocket_route(path, websocket_endpoint, name)
        return True
    if "starlette.routing.Route" not in kinds:
        return False

    async def endpoint(request: Request) -> Response:
        request.scope["path_params"] = request.path_params
        return _ASGIAnswer(app)

    router.add_route(path, endpoint, item.methods, name=name, include_in_schema=False)
    return True


def _with_path_params_in_scope(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def custom_route_handler(request: Request) -> Response:
        request.scope["path_params"] = request.path_params  # as Starlette's router does
        return await handler(request)

    return custom_route_handler


def _report_disconnect(scope: Scope, exc: WebSocketDisconnect) -> None:
    """A ``WebSocketDisconnect`` the handler left uncaught ends it quietly; a peer
    that asks through this scope extension (asgiweb's TestClient, which re-raises
    it as Starlette's does) is handed it."""
    extensions = scope.get("extensions")
    if extensions:
        seen = extensions.get(DISCONNECTS_EXTENSION)
        if seen is not None:
            seen.append(exc)


def response_of(answer: Response | AnswerMessages | ClosingMessages) -> Response:
    """A ``Response`` for a plan's answer, which may be its two ASGI messages (a
    route whose answer is fixed at registration) or those and the form to close."""
    if not isinstance(answer, tuple | list):  # a Response (ours or Starlette's)
        return answer
    start, body, *closing = answer
    response = Response(body.get("body", b""), status_code=start["status"])
    response.raw_headers = list(start.get("headers", ()))
    if closing:  # the uploaded files are closed once the answer is sent
        response.background = BackgroundTasks()
        response.background.add_task(closing[0].close)
    return response


class WebSocketRoute:
    """A WebSocket path template and its handler (docs/websockets.md).

    With ``raw=False`` (``@app.websocket``) the handler's parameters are filled
    by the same per-route plan as an HTTP handler's (path, query, header and
    cookie parameters, validated; the ``WebSocket`` by its annotation); with
    ``raw=True`` (``add_websocket_route``) the handler is called with the
    ``WebSocket`` alone, positionally.
    """

    __slots__ = (
        "dependencies",
        "endpoint",
        "explicit_methods",
        "handle",
        "methods",
        "name",
        "param_converters",
        "path",
        "raw",
        "segments",
        "websocket_class",
    )

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        name: str | None = None,
        dependencies: Sequence[Any] | None = None,
        raw: bool = False,
    ) -> None:
        self.path = path
        self.endpoint = endpoint
        # Also Starlette's WebSocket for a decorated handler (asgiweb.websockets).
        self.websocket_class = websocket_class_for(endpoint)
        self.name: str = name if name is not None else getattr(endpoint, "__name__", path)
        self.dependencies: list[Any] = list(dependencies or ())
        self.raw = raw
        # The table keys leaves by method; WebSocket routes live in their own table.
        self.explicit_methods = self.methods = _WEBSOCKET_METHOD
        self.segments: list[Segment]
        self.param_converters: dict[str, Converter]
        self.segments, self.param_converters = compile_path(path)
        self.handle: Callable[[WebSocket], Awaitable[Any]]
        if raw:
            self.handle = endpoint
        else:
            plan: dict[str, Any] = {"dependencies": self.dependencies} if self.dependencies else {}
            self.handle = cast(
                Callable[[WebSocket], Awaitable[Any]],
                compile_endpoint(
                    endpoint,
                    path_params={k: c.python_type for k, c in self.param_converters.items()},
                    response_class=Response,
                    status_code=None,
                    websocket=True,
                    **plan,
                ),
            )

    def url_path(self, **params: Any) -> str:
        if set(params) != set(self.param_converters):
            raise NoMatchFound(
                f"route {self.name!r} takes parameters {sorted(self.param_converters)}, "
                f"got {sorted(params)}"
            )
        return fill_path(self.segments, self.param_converters, params)

    def __repr__(self) -> str:
        return f"WebSocketRoute(path={self.path!r}, name={self.name!r})"


_WEBSOCKET_METHOD = frozenset({"WEBSOCKET"})
_NO_ROUTE: tuple[None, None, None] = (None, None, None)


class Mount:
    """An ASGI app served under a path prefix (``app.mount("/static", ..., name="static")``)."""

    __slots__ = ("app", "name", "prefix")

    def __init__(self, prefix: str, app: ASGIApp, name: str | None = None) -> None:
        self.prefix = prefix
        self.app = app
        self.name = name

    def matches(self, path: str) -> bool:
        # The prefix alone is not under the mount (Starlette's rule): ``/static`` is
        # a 404, or with redirect_slashes a redirect to ``/static/``.
        prefix = self.prefix
        return not prefix or path.startswith(prefix + "/")

    def covers(self, segments: Sequence[Segment]) -> bool:
        """Whether every path of a route with these segments is under this mount:
        the route's literal start (up to its first parameter) is."""
        literal: list[str] = []
        for segment in segments:
            if segment.literal is None:
                # Every path goes on past the literal start: "/a/b/" + something.
                return self.matches("/" + "".join(part + "/" for part in literal))
            literal.append(segment.literal)
        return self.matches("/" + "/".join(literal))

    def url_path_for(self, name: str, /, **params: Any) -> str:
        """``name`` itself with a ``path`` parameter, ``"name:child"``, or, for an
        unnamed mount, any name the mounted app knows."""
        if self.name is not None and name == self.name and set(params) == {"path"}:
            return f"{self.prefix}/{str(params['path']).lstrip('/')}"
        inner: Callable[..., str] | None = getattr(self.app, "url_path_for", None)
        if inner is not None:
            if self.name is None:
                return self.prefix + inner(name, **params)
            if name.startswith(self.name + ":"):
                return self.prefix + inner(name[len(self.name) + 1 :], **params)
        raise NoMatchFound(name)

    def __repr__(self) -> str:
        return f"Mount(prefix={self.prefix!r}, app={self.app!r}, name={self.name!r})"


class MethodDecorators:
    """``get``/``post``/... as FastAPI spells them, each ``route(path, [METHOD])``;
    shared by ``Router`` and by ``App``, which passes them to its router."""

    def route(
        self, path: str, methods: Sequence[str] | None = None, **options: Unpack[RouteOptions]
    ) -> Callable[[F], F]:
        raise NotImplementedError

    def get(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["GET"], **options)

    def post(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["POST"], **options)

    def put(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["PUT"], **options)

    def patch(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["PATCH"], **options)

    def delete(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["DELETE"], **options)

    def head(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["HEAD"], **options)

    def options(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["OPTIONS"], **options)

    def trace(self, path: str, **options: Unpack[RouteOptions]) -> Callable[[F], F]:
        return self.route(path, ["TRACE"], **options)


class Router(MethodDecorators):
    """Routes with FastAPI's decorators, and the ASGI app that serves them."""

    # Request.url_for: names are looked up here (not in another framework's router).
    _asgiweb_names = True

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[Any] | None = None,
        dependencies: Sequence[Any] | None = None,
        default_response_class: type[Response] | None = None,
        responses: Mapping[int | str, Any] | None = None,
        redirect_slashes: bool = True,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        max_body_size: int | None = None,
        exception_handlers: ExceptionHandlers | None = None,
        route_class: type[Route] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Any = None,
        routes: Sequence[Route | Mount] | None = None,
        default: ASGIApp | None = None,
        **unused: Any,
    ) -> None:
        unknown = set(unused) - _ROUTER_DOC_ONLY
        if unknown:
            raise TypeError(f"unknown Router option(s) {sorted(unknown)}")
        # The class of the routes added here (FastAPI's ``route_class``): a Route
        # subclass may wrap the handler, see Route.get_route_handler.
        self.route_class: type[Route] = route_class or Route
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"router prefix {prefix!r} must start with '/' and not end with '/'")
        self.prefix = prefix
        self.tags: list[Any] = list(tags or ())
        self.dependencies: list[Any] = list(dependencies or ())
        # None: not set here, so an including router's choice applies.
        self.explicit_response_class = default_response_class
        self.default_response_class: type[Response] = default_response_class or JSONResponse
        self.responses: dict[int | str, Any] = dict(responses or {})
        self.redirect_slashes = redirect_slashes
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.max_body_size = max_body_size
        # How the routes added here read bodies, unless a route says (None: not said).
        self.form_limits = check_form_limits(unused.get("form_limits"))
        self.strict_content_type: bool | None = unused.get("strict_content_type")
        # Documentation only (docs/openapi.md): given to each route added here.
        self.callbacks: list[Any] = list(unused.get("callbacks") or ())
        self.generate_unique_id_function = unused.get("generate_unique_id_function")
        # None: answer with the handlers of the App serving this router, if any.
        self.exception_handlers = exception_handlers
        self.routes: list[Route] = []
        self.mounts: list[Mount] = []
        self.table: RouteTable[Route] = RouteTable()
        self._names: dict[str, Route | WebSocketRoute] = {}
        # WebSocket routes: a table of their own, the same templates and convertors.
        self.websocket_routes: list[WebSocketRoute] = []
        self.websocket_table: RouteTable[WebSocketRoute] = RouteTable()
        # Frontends (docs/frontend.md): asked only when nothing above found the path;
        # this router's own, those include_router brought in, and both in the order
        # a lookup tries them (most specific first, ties as registered).
        self.frontends: list[FrontendRoute] = []
        self.included_frontends: list[FrontendRoute] = []
        # Who answers the lifespan protocol: the App serving this router sets its own
        # (its startup and shutdown, around run_lifespan); a bare Router runs run_lifespan.
        self.lifespan_handler: ASGIApp | None = None
        # What run_lifespan runs (FastAPI's router lifespan, docs/api.md "Lifespan").
        # PERF: one attribute for the four, read through properties: a Router's instance
        # dict stays small (a few attributes more cost ~260 instructions a request on
        # every attribute read of the hit path; benchmarks: plaintext).
        self._lifespan = _LifespanParts(
            list(on_startup or ()), list(on_shutdown or ()), as_lifespan_context(lifespan)
        )
        if route_class is not None and not (
            isinstance(route_class, type) and issubclass(route_class, Route)
        ):
            raise TypeError(f"route_class must be Route or a subclass of it, not {route_class!r}")
        if unused.get("dependency_overrides_provider") is not None:
            raise TypeError(
                "dependency_overrides_provider is not supported: set dependency_overrides "
                "on the App (docs/api.md, 'Signatures')"
            )
        # Starlette's ``default``: the ASGI app answering what no route or mount takes.
        self.default = default
        for item in routes or ():  # Starlette's ``routes``: Route and Mount objects
            if isinstance(item, Mount):
                self.mount(item.prefix, item.app, name=item.name)
            elif not isinstance(item, Route) and _add_starlette_route(self, item):
                pass
            else:
                self.add_route(
                    item.path,
                    item.endpoint,
                    item.explicit_methods,
                    route_class_override=type(item),
                    **item.options,
                )

    @property
    def on_startup(self) -> list[Callable[[], Any]]:
        return self._lifespan.on_startup

    @property
    def on_shutdown(self) -> list[Callable[[], Any]]:
        return self._lifespan.on_shutdown

    @property
    def lifespan_context(self) -> LifespanContext | None:
        return self._lifespan.context

    @lifespan_context.setter
    def lifespan_context(self, lifespan: Any) -> None:
        self._lifespan.context = as_lifespan_context(lifespan)  # any form FastAPI takes

    @property
    def included_routers(self) -> list[Router]:
        """The routers included here, whose lifespans run inside this one's."""
        return self._lifespan.included

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        if event_type == "startup":
            self.on_startup.append(func)
        elif event_type == "shutdown":
            self.on_shutdown.append(func)
        else:
            raise ValueError(f"event type must be 'startup' or 'shutdown', not {event_type!r}")

    def on_event(self, event_type: str) -> Callable[[F], F]:
        """Deprecated, as in FastAPI: use ``lifespan=`` instead (docs/api.md)."""
        return deprecated_on_event(self.add_event_handler, event_type)

    # -- registration --------------------------------------------------------------

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
        full = self.prefix + path
        options["tags"] = [*self.tags, *(options.get("tags") or ())]
        options["dependencies"] = [*self.dependencies, *(options.get("dependencies") or ())]
        options["responses"] = {**self.responses, **(options.get("responses") or {})}
        options["deprecated"] = options.get("deprecated") or self.deprecated
        options["include_in_schema"] = self.include_in_schema and options.get(
            "include_in_schema", True
        )
        if options.get("max_body_size") is None:
            options["max_body_size"] = self.max_body_size
        if self.form_limits:
            options["form_limits"] = {**self.form_limits, **(options.get("form_limits") or {})}
        if options.get("strict_content_type") is None and self.strict_content_type is not None:
            options["strict_content_type"] = self.strict_content_type
        if self.callbacks:
            options["callbacks"] = [*self.callbacks, *(options.get("callbacks") or ())]
        if not options.get("generate_unique_id_function") and self.generate_unique_id_function:
            options["generate_unique_id_function"] = self.generate_unique_id_function
        if not full or "{$" in full:
            # An OpenAPI runtime expression ("{$callback_url}/events"): the route of a
            # callback, documented (docs/openapi.md) and never served, so not a template.
            # No path at all (``@router.get("")`` on a router without a prefix): served
            # once included under a prefix, as in FastAPI (include_router refuses it
            # without one).
            route = route_class(
                "/",
                endpoint,
                methods=methods,
                default_response_class=self.default_response_class,
                **options,
            )
            route.path = full
            self.routes.append(route)
            self._announce(route)
            return route
        route = route_class(
            full,
            endpoint,
            methods=methods,
            default_response_class=self.default_response_class,
            **options,
        )
        if not self._shadowed(route.segments):
            self.table.add(route)
        self.routes.append(route)
        self._names.setdefault(route.name, route)
        self._announce(route)
        return route

    add_api_route = add_route

    def route(
        self,
        path: str,
        methods: Sequence[str] | None = None,
        **options: Unpack[RouteOptions],
    ) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.add_route(path, func, methods=methods, **options)
            return func

        return decorator

    api_route = route

    # -- WebSocket routes ----------------------------------------------------------

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[Any] | None = None,
        raw: bool = False,
    ) -> WebSocketRoute:
        """Register a WebSocket handler whose parameters the plan fills (``@app.websocket``)."""
        full = self.prefix + path
        route = WebSocketRoute(
            full or "/",
            endpoint,
            name=name,
            dependencies=[*self.dependencies, *(dependencies or ())],
            raw=raw,
        )
        if not full:  # served once included under a prefix, as an http route above
            route.path = full
        elif not self._shadowed(route.segments):
            self.websocket_table.add(route)
        self.websocket_routes.append(route)
        if full:
            self._names.setdefault(route.name, route)
        self._announce(route)
        return route

    def add_websocket_route(
        self, path: str, endpoint: Callable[..., Any], name: str | None = None
    ) -> WebSocketRoute:
        """Register a handler called with the ``WebSocket`` alone (no parameter filling)."""
        return self.add_api_websocket_route(path, endpoint, name, raw=True)

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[Any] | None = None
    ) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.add_api_websocket_route(path, func, name, dependencies=dependencies)
            return func

        return decorator

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.add_websocket_route(path, func, name)
            return func

        return decorator

    def include_router(
        self,
        router: Router,
        *,
        prefix: str = "",
        tags: list[Any] | None = None,
        dependencies: Sequence[Any] | None = None,
        default_response_class: type[Response] | None = None,
        responses: Mapping[int | str, Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        max_body_size: int | None = None,
        **unused: Any,
    ) -> None:
        """Add ``router``'s routes and mounts here under ``prefix``, each compiled again
        with the options merged as the module docstring says; ``max_body_size``
        applies to the routes that have none of their own (nor their router's)."""
        unknown = set(unused) - _ROUTER_DOC_ONLY
        if unknown:
            raise TypeError(f"unknown include_router option(s) {sorted(unknown)}")
        if router is self or router.includes(self):
            # Its routes would come back here, without end.
            raise ValueError("a router cannot include itself, nor a router that includes it")
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(
                f"include_router prefix {prefix!r} must start with '/', not end with '/'"
            )
        response_class = router.explicit_response_class or default_response_class

        def adopt(item: Route | WebSocketRoute | Mount) -> None:
            """Add one of ``router``'s routes or mounts here (also one added later)."""
            if isinstance(item, Mount):
                self.mount(prefix + item.prefix, item.app, name=item.name)
                return
            if isinstance(item, WebSocketRoute):
                if not (self.prefix + prefix + item.path):
                    raise ValueError(
                        f"route {item.name!r} has no path: include its router with a prefix"
                    )
                self.add_api_websocket_route(
                    prefix + item.path,
                    item.endpoint,
                    item.name,
                    dependencies=[*(dependencies or ()), *item.dependencies],
                    raw=item.raw,
                )
                return
            route = item
            if not (self.prefix + prefix + route.path):
                raise ValueError(
                    f"route {route.name!r} has no path: include its router with a prefix"
                )
            options: RouteOptions = dict(route.options)  # type: ignore[assignment]
            options["tags"] = [*(tags or ()), *route.tags]
            options["dependencies"] = [*(dependencies or ()), *route.dependencies]
            options["responses"] = {**(responses or {}), **route.responses}
            options["deprecated"] = deprecated or route.deprecated
            options["include_in_schema"] = include_in_schema and route.include_in_schema
            options["name"] = route.name
            if unused.get("callbacks"):
                options["callbacks"] = [*unused["callbacks"], *(options.get("callbacks") or ())]
            if not options.get("generate_unique_id_function") and unused.get(
                "generate_unique_id_function"
            ):
                options["generate_unique_id_function"] = unused["generate_unique_id_function"]
            if route.response_class is None and response_class is not None:
                options["response_class"] = response_class
            if unused.get("form_limits"):  # under the router's and the route's own
                limits = check_form_limits(unused["form_limits"])
                options["form_limits"] = {**limits, **(options.get("form_limits") or {})}
            strict = unused.get("strict_content_type")
            if options.get("strict_content_type") is None and strict is not None:
                options["strict_content_type"] = strict
            if options.get("max_body_size") is None and max_body_size is not None:
                options["max_body_size"] = max_body_size
            self.add_route(
                prefix + route.path,
                route.endpoint,
                methods=route.explicit_methods,
                route_class_override=type(route),  # an included route keeps its class
                **options,
            )

        for route in router.routes:
            adopt(route)
        for ws_route in router.websocket_routes:
            adopt(ws_route)
        for mount in router.mounts:
            adopt(mount)
        # FastAPI serves what is added to ``router`` later too: it comes here then.
        router.on_added(adopt)
        if router not in self.included_routers:
            self.included_routers.append(router)
        if router.frontends or router.included_frontends:
            # In front of each: this router's prefix and dependencies, then the call's.
            outer = self.prefix + prefix
            before = [*self.dependencies, *(dependencies or ())]
            for frontend in (*router.frontends, *router.included_frontends):
                self.included_frontends.append(frontend.included(outer, before))

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Fallback = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a built frontend folder under ``path`` as a low-priority route: asked
        only when no route, mount or slash redirect answers (docs/frontend.md).

        ``fallback`` for a missing file: ``"index.html"`` (a single-page app: a
        navigation request gets the page), ``"404.html"`` (that page, status 404),
        None, or ``"auto"`` (by what the folder holds).  ``check_dir``: fail now if
        the folder (or an explicit fallback page) is missing; ``"auto"`` checks
        unless ``ASGIWEB_ENV`` (else ``FASTAPI_ENV``) is ``development``.
        """
        from asgiweb.frontend import (
            FrontendRoute,
            join_paths,
            normalize_path,
            resolve_check_dir,
        )

        checked = resolve_check_dir(directory, check_dir, stacklevel=2)
        route = FrontendRoute(
            join_paths(self.prefix, normalize_path(path)),
            directory=directory,
            fallback=fallback,
            check_dir=checked,
            dependencies=self.dependencies,
        )
        self.frontends.append(route)

    def _frontends_in_order(self) -> list[FrontendRoute]:
        """The most specific first; sorted() is stable: on equal specificity, own
        before included, then as added.  Worked out on the way to a 404, not stored:
        PERF: a Router keeps at most 30 attributes, so its instance dict keeps CPython's
        shared keys and the router's attribute reads stay specialised (plaintext)."""
        return sorted((*self.frontends, *self.included_frontends), key=lambda f: -f.specificity)

    def mount(self, path: str, app: ASGIApp, name: str | None = None) -> None:
        prefix = self.prefix + path.rstrip("/")
        if prefix and not prefix.startswith("/"):
            raise ValueError(f"mount prefix {prefix!r} must start with '/'")
        mount = Mount(prefix, app, name)
        self.mounts.append(mount)
        self._announce(mount)

    def _announce(self, item: Route | WebSocketRoute | Mount) -> None:
        """Tell the listeners of ``item``, just added here: every router that includes
        this one adds it too (FastAPI serves what is added to an included router after
        the include), an App drops its OpenAPI document."""
        for listener in self._lifespan.listeners:
            listener(item)

    def on_added(self, listener: Callable[[Route | WebSocketRoute | Mount], None]) -> None:
        """Call ``listener`` with each route or mount added here from now on."""
        self._lifespan.listeners.append(listener)

    def includes(self, router: Router) -> bool:
        """Whether ``router`` is included here, directly or through another router."""
        return any(child is router or child.includes(router) for child in self.included_routers)

    def _shadowed(self, segments: Sequence[Segment]) -> bool:
        """Whether a mount added earlier takes every path of a route being added:
        then the route is listed (``routes``, the OpenAPI document, ``url_path_for``)
        but never served, as in Starlette, where the first match in the order of
        registration answers.  A mount at the root stays behind every route
        (deliberate, docs/api.md "include_router, mount")."""
        return any(mount.prefix and mount.covers(segments) for mount in self.mounts)

    def find_mount(self, path: str) -> Mount | None:
        for mount in self.mounts:
            if mount.matches(path):
                return mount
        return None

    def is_websocket_route(self, name: str) -> bool:
        """Whether ``name`` is one of this router's WebSocket routes (``url_for``'s scheme)."""
        return isinstance(self._names.get(name), WebSocketRoute)

    def url_path_for(self, name: str, /, **params: Any) -> str:
        route = self._names.get(name)
        if route is not None:
            return _link_path(route.url_path(**params))
        for mount in self.mounts:
            try:
                return _link_path(mount.url_path_for(name, **params))
            except NoMatchFound:
                continue
        raise NoMatchFound(f"no route named {name!r} with parameters {sorted(params)}")

    # -- serving -------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # PERF: the http path is this method's own body, not a dispatch to a method of
        # its own: one coroutine frame less per request, also for an App with
        # middleware, whose stack wraps the router itself (benchmarks/inprocess.py
        # "cors", "funcmw").  ``handle_http`` is the same method.
        if scope["type"] != "http":
            await self._handle_other(scope, receive, send)
            return
        # PERF: _route_path inlined (one call less per request).
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            rest = path[len(root_path) :]
            # Only a whole-segment prefix is the mount point: /api + /x, not /apix.
            if not rest:
                # The root path alone has no route (Starlette's rule): a redirect to
                # root_path + "/", or a 404.
                await marking_start(partial(self._no_route, scope, receive, "", None), send)
                return
            if rest[0] == "/":
                path = rest
        route, params, allow = self.table.lookup(path, scope["method"])
        if route is None:
            # Not the hot path: a mounted app (or a redirect, a 404) may fail after its
            # start like any route, and the App's error path must know it then.
            await marking_start(partial(self._no_route, scope, receive, path, allow), send)
            return
        scope["route"] = route  # as FastAPI: middleware and handlers can see what matched
        bare = route.bare
        request: Request | None = None
        response: Response | AnswerMessages | ClosingMessages
        try:
            if bare is not None:
                call, finish = bare
                response = finish(await call())
            else:
                # PERF: both read as attributes, then called: ``route.x(...)`` on a
                # slot holding a callable is a LOAD_METHOD that CPython 3.11 cannot
                # specialise (~100 instructions a request, benchmarks/inprocess.py
                # "items").
                request_class, handle = route.request_class, route.handle
                request = request_class(scope, receive, send, params, route.max_body_size)
                response = await handle(request)
        except ClientDisconnect:
            return
        except Exception as exc:
            if request is None:
                request_class = route.request_class
                request = request_class(scope, receive, send, params, route.max_body_size)
            if isinstance(exc, ValidationException) and exc.endpoint_ctx is None:
                exc.locate(endpoint_context(route, scope["method"], scope))
            answer = await self._answer(request, exc)
            if answer is None:
                raise  # not ours to answer: the App's error path logs it and sends the 500
            response = answer
        try:
            if isinstance(response, tuple):
                # A bare route's whole answer as its two messages (answer_messages):
                # sent as Response.__call__ would send them, HEAD with no body.
                start, body = response
                await send(start)
                if scope["method"] == "HEAD":
                    body = {"type": "http.response.body", "body": b""}
                await send(body)
            elif isinstance(response, list):
                # A form route's two messages and its form (or request), whose
                # uploaded files are closed once they are sent, or sending failed
                # (closing_answer in asgiweb._endpoint.forms).
                start, body, closing = response
                try:
                    await send(start)
                    if scope["method"] == "HEAD":
                        body = {"type": "http.response.body", "body": b""}
                    await send(body)
                finally:
                    await closing.close()
            else:
                await response(scope, receive, send)
        except ClientDisconnect:
            return
        except Exception as exc:
            # The response may be part sent: the error path must not answer again.
            mark_response_started(exc)
            raise

    handle_http = __call__

    async def _handle_other(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            await self.handle_websocket(scope, receive, send)
        elif kind == "lifespan":
            await (self.lifespan_handler or self.handle_lifespan)(scope, receive, send)
        else:
            raise RuntimeError(f"asgiweb does not handle ASGI scope type {kind!r}")

    async def _no_route(
        self, scope: Scope, receive: Receive, path: str, allow: str | None, send: Send
    ) -> None:
        # A mount serves its whole subtree, for every method: it wins over a route
        # that has the path for other methods only (Starlette: a full match beats a
        # partial one).
        mount = self.find_mount(path)
        if mount is not None:
            await self._serve_mount(mount, scope, receive, send)
            return
        if allow is None:
            if self.redirect_slashes and path != "/":
                # Every trailing slash goes (``/a//`` -> ``/a``), or one is added; the
                # twin may be a route (for any method) or a mount's root, as in Starlette.
                other = path.rstrip("/") if path.endswith("/") else path + "/"
                if other and self._serves(other, scope["method"]):
                    query = scope.get("query_string", b"").decode("latin-1")
                    # The full path with the route path's slash changed: root_path
                    # only when the path started with it, as Starlette builds it.
                    full: str = scope["path"]
                    location = escape_delimiters(full[: len(full) - len(path)] + other)
                    if location.startswith("//"):  # else read as a host: keep it a path
                        location = "/%2F" + location[2:]
                    location += f"?{query}" if query else ""
                    await RedirectResponse(location, status_code=307)(scope, receive, send)
                    return
            # Frontends last (FastAPI's low-priority routes): the most specific match.
            for frontend in (
                self._frontends_in_order() if self.frontends or self.included_frontends else ()
            ):
                rest = frontend.match(path)
                if rest is not None:
                    await self._serve_frontend(frontend, rest, scope, receive, send)
                    return
            if self.default is not None:
                await self.default(scope, receive, send)
                return
            exc = HTTPException(404)
        else:
            exc = HTTPException(405, headers={"Allow": allow})
        request = Request(scope, receive, send)
        response = await self._answer(request, exc, again=False)
        assert response is not None  # an HTTPException always has an answer
        await response(scope, receive, send)

    async def _serve_mount(self, mount: Mount, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the mounted app; an error it leaves uncaught before its response
        starts is answered here when a handler (or the HTTPException rule) answers
        it, as FastAPI does: Starlette's StaticFiles raises its 404 (docs/api.md,
        "include_router, mount")."""
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await mount.app(self._mounted_scope(scope, mount), receive, watched)
        except Exception as exc:
            if started:
                raise
            answer = await self._answer(Request(scope, receive, send), exc, again=False)
            if answer is None:
                raise
            await answer(scope, receive, send)

    async def _serve_frontend(
        self, frontend: FrontendRoute, rest: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        request = Request(scope, receive, send)
        try:
            response = await frontend.respond(request, rest)
        except ClientDisconnect:
            return
        except Exception as exc:
            answer = await self._answer(request, exc, again=False)
            if answer is None:
                raise  # not ours to answer: the App's error path logs it and sends the 500
            response = answer
        await response(scope, receive, send)

    def _mounted_scope(self, scope: Scope, mount: Mount) -> Scope:
        """The scope a mounted app gets: ``root_path`` extended by the prefix.

        As in Starlette, the outermost root path (``app_root_path``, which
        ``Request.base_url`` uses) and router (``router``, where ``Request.url_for``
        looks names up) are kept, so links made inside a mounted app are the same
        as outside it.
        """
        child = dict(scope)
        root_path: str = scope.get("root_path", "")
        child["root_path"] = root_path + mount.prefix
        child.setdefault("app_root_path", root_path)
        child.setdefault("router", self)
        return child

    def _serves(self, path: str, method: str) -> bool:
        """Whether ``path`` has a route (for any method) or a mount: a redirect target."""
        found, _, allow = self.table.lookup(path, method)
        return found is not None or allow is not None or self.find_mount(path) is not None

    async def _answer(
        self, request: Request, exc: Exception, *, again: bool = True
    ) -> Response | None:
        handlers = self.exception_handlers
        if handlers is None:
            handlers = getattr(request.scope.get("app"), "exception_handlers", None)
            if not isinstance(handlers, ExceptionHandlers):
                handlers = _DEFAULT_HANDLERS
        return await handlers.answer(request, exc, again=again)

    async def handle_websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the matching WebSocket handler, or a mount, or refuse (HTTP 403 to the client).

        Errors: ``WebSocketDisconnect`` left uncaught ends the handler quietly
        (the client is gone).  An exception handler registered for the error's
        class (on the router, else on the App) is called with the WebSocket, as
        Starlette does; a ``Response`` it returns refuses the handshake with that
        response (below), else the connection is closed after it unless it
        closed it.  Without one, an ``HTTPException`` before ``accept`` refuses
        the handshake with FastAPI's ``{"detail": ...}`` response (the ASGI
        WebSocket Denial Response extension; a plain refusal, HTTP 403, where
        the server lacks it); ``WebSocketException`` closes with its code and reason;
        invalid parameters close with 1008 and the errors as JSON in the reason;
        anything else closes with 1011 once accepted (before ``accept`` nothing
        is sent, so the server answers the handshake with a 500, as under
        FastAPI), is logged once to the ``asgiweb`` logger, and is re-raised for
        the server (or the TestClient) to see.
        """
        path = _route_path(scope)
        # The root path alone ("") has no route, as for http.
        route, params, _ = self.websocket_table.lookup(path, "WEBSOCKET") if path else _NO_ROUTE
        if route is None:
            mount = self.find_mount(path)
            if mount is not None:
                await mount.app(self._mounted_scope(scope, mount), receive, send)
                return
            if self.default is not None:
                await self.default(scope, receive, send)
                return
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        scope["route"] = route  # as for http (and FastAPI): what matched
        websocket_class, handle = route.websocket_class, route.handle  # PERF: see __call__
        websocket = websocket_class(scope, receive, send, params)
        try:
            await handle(websocket)
        except WebSocketDisconnect as exc:
            _report_disconnect(scope, exc)
            return
        except Exception as exc:
            if isinstance(exc, ValidationException) and exc.endpoint_ctx is None:
                exc.locate(endpoint_context(route, "WS", scope))
            await self._websocket_error(websocket, exc)

    async def _websocket_error(self, websocket: WebSocket, exc: Exception) -> None:
        """See ``handle_websocket``; called from its ``except``, so a bare raise re-raises."""
        scope = websocket.scope
        handlers = self.exception_handlers
        if handlers is None:
            handlers = getattr(scope.get("app"), "exception_handlers", None)
        handler = handlers.find(exc) if isinstance(handlers, ExceptionHandlers) else None
        try:
            if handler is not None:
                result = handler(websocket, exc)  # type: ignore[arg-type]
                if inspect.isawaitable(result):
                    result = await result
                if isinstance(result, response_types()):
                    await _deny(websocket, result)
                else:
                    await _close_quietly(websocket, 1000, "")
                return
            raise exc
        except WebSocketDisconnect as disconnect:
            _report_disconnect(scope, disconnect)
            return
        except WebSocketException as exc:
            await _close_quietly(websocket, exc.code, exc.reason)
        except WebSocketRequestValidationError as exc:
            await _close_quietly(websocket, 1008, validation_reason(exc.errors()))
        except Exception as exc:
            if isinstance(exc, HTTPException) and (
                websocket.application_state is WebSocketState.CONNECTING
            ):
                await _deny(websocket, await http_exception_handler(websocket, exc))  # type: ignore[arg-type]
                return
            logger.error("Exception in WebSocket %s", scope.get("path"), exc_info=exc)
            if websocket.application_state is WebSocketState.CONNECTED:
                await _close_quietly(websocket, 1011, "")
            raise

    async def handle_lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A bare Router runs its own lifespan (run_lifespan) and answers the protocol;
        its state goes into the scope's ``state``, as the server shares it."""
        await serve_lifespan(self, self, scope, receive, send)


LifespanContext = Callable[[Any], contextlib.AbstractAsyncContextManager[Any]]


async def serve_lifespan(
    router: Router,
    app: Any,
    scope: Scope,
    receive: Receive,
    send: Send,
    keep_state: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """The ASGI lifespan conversation (the ASGI spec's lifespan protocol) around
    ``run_lifespan(router, app)``: the state it yields goes into the scope's
    ``state`` (shared by the server with each request) and to ``keep_state``; a
    failure is logged once, answered ``*.failed`` with its message, and raised."""
    message = await receive()
    assert message["type"] == "lifespan.startup"
    context = run_lifespan(router, app)
    try:
        state = await context.__aenter__()
        if state is not None:
            if "state" in scope:
                scope["state"].update(state)
            if keep_state is not None:
                keep_state(state)
    except BaseException as exc:
        logger.exception("application startup failed")
        await send({"type": "lifespan.startup.failed", "message": describe_error(exc)})
        raise
    await send({"type": "lifespan.startup.complete"})
    message = await receive()
    assert message["type"] == "lifespan.shutdown"
    try:
        await context.__aexit__(None, None, None)
    except BaseException as exc:
        logger.exception("application shutdown failed")
        await send({"type": "lifespan.shutdown.failed", "message": describe_error(exc)})
        raise
    await send({"type": "lifespan.shutdown.complete"})


class _LifespanParts:
    """What a Router's lifespan runs (see run_lifespan), and who listens for routes."""

    __slots__ = ("context", "included", "listeners", "on_shutdown", "on_startup")

    def __init__(
        self,
        on_startup: list[Callable[[], Any]],
        on_shutdown: list[Callable[[], Any]],
        context: LifespanContext | None,
    ) -> None:
        self.on_startup = on_startup
        self.on_shutdown = on_shutdown
        self.context = context
        self.included: list[Router] = []
        # Not the lifespan's, but kept here to keep a Router's attributes few (PERF,
        # see Router.__init__): what is told of each route or mount added here (for
        # each include_router of this router, what adds it to the including router;
        # the App serving it, which then builds its OpenAPI document anew).
        self.listeners: list[Callable[[Route | WebSocketRoute | Mount], None]] = []


def deprecated_on_event(
    add_event_handler: Callable[[str, Callable[[], Any]], None], event_type: str
) -> Callable[[F], F]:
    """``@app.on_event(...)`` / ``@router.on_event(...)``: FastAPI's deprecated
    decorator, warning at the caller's line, then ``add_event_handler``."""
    warnings.warn(
        "on_event is deprecated, use lifespan event handlers instead.",
        DeprecationWarning,
        stacklevel=3,  # past this function and the on_event calling it
    )

    def decorator(func: F) -> F:
        add_event_handler(event_type, func)
        return func

    return decorator


def as_lifespan_context(lifespan: Any) -> LifespanContext | None:
    """A lifespan in any form FastAPI takes: a function returning an async context
    manager (``@asynccontextmanager``), or a bare async generator function, or a
    bare generator function (run in the event loop, as FastAPI runs it)."""
    if lifespan is None:
        return None
    if inspect.isasyncgenfunction(lifespan):
        return contextlib.asynccontextmanager(lifespan)
    if inspect.isgeneratorfunction(lifespan):
        sync_context = contextlib.contextmanager(lifespan)

        @contextlib.asynccontextmanager
        async def lifted(app: Any) -> AsyncIterator[Any]:
            with sync_context(app) as state:
                yield state

        return lifted
    return cast(LifespanContext, lifespan)


@contextlib.asynccontextmanager
async def run_lifespan(router: Router, app: Any) -> AsyncIterator[dict[str, Any] | None]:
    """A router's lifespan: its startup handlers, its ``lifespan`` context, then those
    of the routers included in it (each router once, however often it was included);
    on the way out the reverse, ending with its shutdown handlers.  The states merge,
    an including router's keys winning over an included one's, as FastAPI merges them;
    ``None`` when no context yielded one."""
    seen: set[int] = set()
    async with contextlib.AsyncExitStack() as stack:
        state = await _enter_lifespans(router, app, stack, seen)
        yield state


async def _enter_lifespans(
    router: Router, app: Any, stack: contextlib.AsyncExitStack, seen: set[int]
) -> dict[str, Any] | None:
    seen.add(id(router))
    for func in router.on_startup:
        await run_event_handler(func)
    stack.push_async_callback(_run_handlers, list(router.on_shutdown))
    state: dict[str, Any] | None = None
    if router.lifespan_context is not None:
        own = await stack.enter_async_context(router.lifespan_context(app))
        if own is not None:
            if not isinstance(own, Mapping):
                raise TypeError(f"lifespan must yield a mapping or None, not {type(own).__name__}")
            state = dict(own)
    for child in router.included_routers:
        if id(child) in seen:
            continue
        nested = await _enter_lifespans(child, app, stack, seen)
        if nested is not None:
            state = {**nested, **(state or {})}
    return state


async def _run_handlers(handlers: list[Callable[[], Any]]) -> None:
    for func in handlers:
        await run_event_handler(func)


async def run_event_handler(func: Callable[[], Any]) -> None:
    """A startup or shutdown handler, plain or ``async``."""
    result = func()
    if hasattr(result, "__await__"):
        await result


def _link_path(path: str) -> str:
    """A built path as a link can carry it, as Starlette's ``URLPath`` makes it: a
    backslash escaped (a browser reads it as ``/``), and a leading ``//`` (read as
    a host) as ``/%2F``."""
    if "\\" in path:
        path = path.replace("\\", "%5C")
    if path.startswith("//"):
        path = "/%2F" + path[2:]
    return path


# The source location of each endpoint that has failed validation, found once.
_SOURCES: dict[Callable[..., Any], EndpointContext] = {}


def endpoint_context(route: Route | WebSocketRoute, method: str, scope: Scope) -> EndpointContext:
    """Where a validation error's endpoint is (FastAPI's ``endpoint_ctx``): its
    function, file and line, and ``"METHOD /root/path/template"``.  Only called on
    the error path; the source location is looked up once per endpoint."""
    endpoint = route.endpoint
    try:
        source = _SOURCES.get(endpoint)
    except TypeError:  # an unhashable callable: looked up each time
        source = None
    if source is None:
        source = {}
        try:
            source["file"] = inspect.getsourcefile(endpoint) or ""
            source["line"] = inspect.getsourcelines(endpoint)[1]
        except (OSError, TypeError):
            source = {}
        name = getattr(endpoint, "__name__", None)
        if isinstance(name, str):
            source["function"] = name
        if not source.get("file"):
            source.pop("file", None)
        with contextlib.suppress(TypeError):
            _SOURCES[endpoint] = source
    root_path: str = scope.get("root_path", "")
    return {**source, "path": f"{method} {root_path.rstrip('/')}{route.path}"}


def describe_error(exc: BaseException) -> str:
    """The ``message`` of a ``lifespan.*.failed`` answer."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _route_path(scope: Scope) -> str:
    """``path`` less ``root_path`` (ASGI spec), only on a segment boundary."""
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        rest = path[len(root_path) :]
        # Only a whole-segment prefix is the mount point: /api + /x, not /apix.
        if not rest or rest[0] == "/":
            path = rest  # empty for the root path alone: no route has it
    return path


async def _close_quietly(websocket: WebSocket, code: int, reason: str) -> None:
    """Close unless already closed; a client already gone is not an error here."""
    if websocket.application_state in (WebSocketState.CONNECTING, WebSocketState.CONNECTED):
        if websocket.client_state is WebSocketState.CONNECTING:
            await websocket.receive()  # the handshake was never read: read it to refuse it
        with contextlib.suppress(WebSocketDisconnect, OSError):
            await websocket.close(code, reason)


async def _deny(websocket: WebSocket, response: Response) -> None:
    """Refuse the handshake with ``response``: its messages go out as the ASGI
    WebSocket Denial Response extension's ``websocket.http.response.*``, as FastAPI
    sends them.  A server without the extension gets a plain refusal (HTTP 403);
    once accepted, a response can no longer be sent: the close is 1011."""
    if websocket.application_state is not WebSocketState.CONNECTING:
        await _close_quietly(websocket, 1011, "")
        return
    scope = websocket.scope
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await _close_quietly(websocket, 1000, "")
        return
    try:
        await websocket.send_denial_response(response)
    finally:
        websocket.application_state = WebSocketState.DISCONNECTED


# FastAPI keywords of APIRouter/include_router taken through ``**unused``: what only
# shapes the OpenAPI document (callbacks and generate_unique_id_function) and how
# bodies are read (strict_content_type, form_limits), passed on to the routes.
_ROUTER_DOC_ONLY = frozenset(
    {
        "callbacks",
        "generate_unique_id_function",
        "strict_content_type",
        "form_limits",
        "dependency_overrides_provider",  # only None: see Router.__init__
    }
)
_DEFAULT_HANDLERS = ExceptionHandlers()

# FastAPI's names for the same classes (docs/api.md, "Imports"): code moving over
# keeps ``from asgiweb.routing import APIRouter`` and ``isinstance(r, APIRoute)``.
APIRouter = Router
APIRoute = Route
APIWebSocketRoute = WebSocketRoute
