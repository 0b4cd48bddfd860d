"""The per-route handler plan: how each handler parameter is filled, decided once.

``compile_endpoint`` reads the handler's signature at registration and returns
``handle(request) -> Response``.  Every parameter gets a pre-built extractor
(where the value comes from) fused with a converter (``asgiweb._validation``);
a request only runs those closures.  Rules, in FastAPI's order of precedence:

1. annotated ``Request`` / ``Response`` / ``BackgroundTasks``: injected;
2. a marker (``Query() Header() Cookie() Body() Path()``, as the default or in
   ``Annotated``) says the source; a model class under ``Query()``, ``Header()``
   or ``Cookie()`` gathers its fields from there (``asgiweb._endpoint.sources``);
3. a name in the route's path template: the path;
4. a body type (dataclass, TypedDict, pydantic model, dict, list of those): the
   JSON body, whole when it is the only body parameter (and not ``embed=True``),
   else under its name;
5. anything else: the query string (sequences from repeated keys).

The body is decoded as JSON only when its content-type says JSON
(``application/json`` or ``application/*+json``), as FastAPI >= 0.1xx does by
default; any other body reaches validation as bytes.  An undecodable JSON body
is a lone ``json_invalid`` error.

Errors are collected across all parameters (path, then query, header, cookie,
then body, as FastAPI reports them) and raised together as
``RequestValidationError``; the App answers 422.  A parameter that cannot be
resolved is a ``TypeError`` here, at registration, naming handler and parameter.
"""

from __future__ import annotations

import copy
import functools
import inspect
import json
import typing
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio.to_thread

from asgiweb._endpoint.info import EndpointInfo, ParamInfo, attach_info
from asgiweb._endpoint.sources import is_model_class, is_sequence, model_extractor
from asgiweb._validation.compiler import (
    Converter,
    Invalid,
    compile_converter,
    constrain,
    constraints_of,
    is_body_type,
    prefix_errors,
)
from asgiweb.background import BackgroundTasks
from asgiweb.exceptions import HTTPException, RequestValidationError
from asgiweb.params import REQUIRED, BodyParam, HeaderParam, Param
from asgiweb.requests import Request
from asgiweb.responses import Response

__all__ = ["compile_endpoint"]

Handle = Callable[[Request], Awaitable[Response]]
Extractor = Callable[[Request], Any]
_SOURCE_ORDER = {"path": 0, "query": 1, "header": 2, "cookie": 3, "body": 4}
_MUTABLE_DEFAULTS = (list, dict, set, bytearray)


def _missing(loc: tuple[Any, ...]) -> Invalid:
    return Invalid([{"type": "missing", "loc": loc, "msg": "Field required", "input": None}])


def _default_maker(default: Any, factory: Callable[[], Any] | None) -> Callable[[], Any]:
    """How an absent optional parameter gets its value; mutable defaults are copied per
    request (as FastAPI does) so one request cannot leak into the next."""
    if factory is not None:
        return factory
    if isinstance(default, _MUTABLE_DEFAULTS):
        return lambda: copy.deepcopy(default)
    return lambda: default


class _Spec:
    """One handler parameter as understood at registration."""

    __slots__ = ("annotation", "key", "kind", "marker", "name", "required", "source")

    def __init__(self, name: str, kind: str, annotation: Any, marker: Param | None) -> None:
        self.name = name
        self.kind = kind  # "request" | "response" | "background" | "value"
        self.annotation = annotation
        self.marker = marker
        self.source = ""
        self.key = name
        self.required = True


def _hints_target(endpoint: Callable[..., Any]) -> Any:
    target: Any = endpoint
    while isinstance(target, functools.partial):
        target = target.func
    if not (inspect.isfunction(target) or inspect.ismethod(target)) and callable(target):
        target = type(target).__call__
    return target


def _is_async(endpoint: Callable[..., Any]) -> bool:
    target: Any = endpoint
    while isinstance(target, functools.partial):
        target = target.func
    if inspect.iscoroutinefunction(target):
        return True
    call = getattr(target, "__call__", None)  # noqa: B004 - async callable objects
    return not inspect.isfunction(target) and inspect.iscoroutinefunction(call)


def _classify(
    endpoint_name: str,
    param: inspect.Parameter,
    annotation: Any,
    path_params: Mapping[str, type],
) -> tuple[_Spec, Any, Callable[[], Any] | None]:
    """The parameter's spec, its default (``REQUIRED`` if none) and default factory."""
    name = param.name
    marker: Param | None = None
    metadata: tuple[Any, ...] = ()
    bare = annotation
    if typing.get_origin(annotation) is typing.Annotated:
        metadata = annotation.__metadata__
        bare = annotation.__origin__
        for item in metadata:
            if isinstance(item, Param):
                marker = item
    default = param.default
    if isinstance(default, Param):
        marker = default
        default = REQUIRED
    elif default is inspect.Parameter.empty:
        default = REQUIRED

    if marker is None and isinstance(bare, type):
        if issubclass(bare, Request):
            return _Spec(name, "request", bare, None), REQUIRED, None
        if issubclass(bare, Response):
            return _Spec(name, "response", bare, None), REQUIRED, None
        if issubclass(bare, BackgroundTasks):
            return _Spec(name, "background", bare, None), REQUIRED, None

    spec = _Spec(name, "value", annotation, marker)
    if marker is not None:
        spec.source = marker.source
        if marker.default is not REQUIRED or marker.default_factory is not None:
            default = marker.default
    elif name in path_params:
        spec.source = "path"
    elif is_body_type(bare):
        spec.source = "body"
    else:
        spec.source = "query"
    if spec.source == "path" and name not in path_params:
        raise TypeError(
            f"{endpoint_name}: parameter {name!r} is marked Path() but the route path "
            f"has no {{{name}}}"
        )
    if spec.source == "path":
        default = REQUIRED
    if marker is not None and marker.alias:
        spec.key = marker.alias
    elif spec.source == "header" and (
        not isinstance(marker, HeaderParam) or marker.convert_underscores
    ):
        spec.key = name.replace("_", "-")
    factory = marker.default_factory if marker is not None else None
    spec.required = default is REQUIRED and factory is None
    return spec, default, factory


def _converter_for(spec: _Spec, endpoint_name: str) -> Converter:
    try:
        convert = compile_converter(spec.annotation)
    except TypeError as exc:
        raise TypeError(
            f"{endpoint_name}: parameter {spec.name!r} cannot be resolved: {exc}; annotate it "
            "with a scalar type, a dataclass, a TypedDict, a pydantic model, or "
            "Request/Response/BackgroundTasks"
        ) from None
    # A marker inside ``Annotated`` was applied by compile_converter with the rest of
    # the metadata; one given as the default value is applied here.
    inside = typing.get_origin(spec.annotation) is typing.Annotated and any(
        item is spec.marker for item in spec.annotation.__metadata__
    )
    if spec.marker is not None and not inside:
        convert = constrain(convert, spec.annotation, constraints_of([spec.marker]))
    return convert


def _simple_extractor(
    spec: _Spec,
    convert: Converter,
    make_default: Callable[[], Any],
    path_type: type | None,
) -> Extractor:
    """Path, query, header and cookie parameters."""
    key = spec.key
    loc = (spec.source, key)
    required = spec.required
    source = spec.source

    if source == "path":
        if (
            path_type is not None
            and spec.annotation is path_type
            and (spec.marker is None or not constraints_of([spec.marker]))
        ):
            # PERF: the router already produced this type; skip a converter call.
            return lambda request: request.path_params[key]

        def from_path(request: Request) -> Any:
            try:
                return convert(request.path_params[key])
            except Invalid as exc:
                raise Invalid(prefix_errors(exc.errors, *loc)) from None

        return from_path

    if is_sequence(spec.annotation) and source in ("query", "header"):

        def from_many(request: Request) -> Any:
            found = (request.query_params if source == "query" else request.headers).getlist(key)
            if not found:
                if required:
                    raise _missing(loc)
                return make_default()
            try:
                return convert(found)
            except Invalid as exc:
                raise Invalid(prefix_errors(exc.errors, *loc)) from None

        return from_many

    # One closure per source, so the request-time path has no branching on it.
    getter: Callable[[Request], Mapping[str, str]]
    if source == "query":
        getter = _query_of
    elif source == "header":
        getter = _headers_of
    else:
        getter = _cookies_of
    # Optional parameters are the common case (defaults); a constant default skips
    # the call through make_default.
    constant = make_default() if not required and _is_constant(make_default) else _NO_BODY

    def from_one(request: Request) -> Any:
        raw = getter(request).get(key)
        if raw is None:
            if required:
                raise _missing(loc)
            return constant if constant is not _NO_BODY else make_default()
        try:
            return convert(raw)
        except Invalid as exc:
            raise Invalid(prefix_errors(exc.errors, *loc)) from None

    return from_one


def _query_of(request: Request) -> Mapping[str, str]:
    return request.query_params


def _headers_of(request: Request) -> Mapping[str, str]:
    return request.headers


def _cookies_of(request: Request) -> Mapping[str, str]:
    return request.cookies


def _is_constant(make_default: Callable[[], Any]) -> bool:
    """True when the default is the same immutable object every time."""
    first = make_default()
    return first is make_default() and isinstance(
        first, str | int | float | bool | bytes | tuple | frozenset | type(None)
    )


def _is_json(content_type: str | None) -> bool:
    # FastAPI >= 0.1xx ("strict_content_type"): a body without a content-type is not
    # parsed as JSON, so a cross-site form or Blob post cannot reach a JSON handler.
    if not content_type:
        return False
    mime = content_type.partition(";")[0].strip().lower()
    main, _, sub = mime.partition("/")
    return main == "application" and (sub == "json" or sub.endswith("+json"))


_NO_BODY: Any = object()


async def _read_body(request: Request) -> Any:
    """The decoded body, ``_NO_BODY`` when empty, raw bytes for a non-JSON media type."""
    raw = await request.body()
    if not raw:
        return _NO_BODY
    if not _is_json(request.headers.get("content-type")):
        return raw
    try:
        return await request.json()
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", exc.pos),
                    "msg": "JSON decode error",
                    "input": {},
                    "ctx": {"error": exc.msg},
                }
            ],
            body=exc.doc,
        ) from None
    except ValueError:
        # Not JSON-decodable bytes (bad UTF-8...): FastAPI's answer for a body it
        # cannot even decode.
        raise HTTPException(400, "There was an error parsing the body") from None


BodyStep = tuple[str, Converter, bool, Callable[[], Any], str]


def _body_reader(
    steps: list[BodyStep], embed: bool
) -> Callable[[Request, dict[str, Any], list[dict[str, Any]]], Awaitable[Any]]:
    """Fill ``kwargs`` from the body and append errors to ``errors``; return the decoded
    body (None when empty) for ``RequestValidationError.body``, as FastAPI keeps it."""
    if not embed:
        ((name, convert, required, make_default, _),) = steps

        async def whole(request: Request, kwargs: dict[str, Any], errors: list[Any]) -> Any:
            body = await _read_body(request)
            if body is _NO_BODY:
                if required:
                    errors.extend(_missing(("body",)).errors)
                else:
                    kwargs[name] = make_default()
                return None
            try:
                kwargs[name] = convert(body)
            except Invalid as exc:
                errors.extend(prefix_errors(exc.errors, "body"))
            return body

        return whole

    async def embedded(request: Request, kwargs: dict[str, Any], errors: list[Any]) -> Any:
        body = await _read_body(request)
        # FastAPI: an absent or non-JSON body leaves optional fields at their
        # defaults, but a JSON body that is not an object makes every field missing.
        absent = body is _NO_BODY or isinstance(body, bytes)
        container = body if isinstance(body, dict) else {}
        for name, convert, required, make_default, key in steps:
            if key not in container:
                if required or not (absent or isinstance(body, dict)):
                    errors.extend(_missing(("body", key)).errors)
                else:
                    kwargs[name] = make_default()
                continue
            try:
                kwargs[name] = convert(container[key])
            except Invalid as exc:
                errors.extend(prefix_errors(exc.errors, "body", key))
        return None if body is _NO_BODY else body

    return embedded


def compile_bare_endpoint(
    endpoint: Callable[..., Any],
    *,
    response_class: type[Response],
    status_code: int | None,
) -> Callable[[], Awaitable[Response]] | None:
    """For a handler that takes no parameters at all, a plan that needs no Request.

    The App calls it without building a ``Request`` (PERF: ~0.2 us of the
    plaintext/json benchmarks); None when the handler takes any parameter.
    """
    try:
        parameters = inspect.signature(endpoint).parameters
    except (TypeError, ValueError):
        return None
    if parameters:
        return None
    return _bare_plan(endpoint, _is_async(endpoint), response_class, status_code)


def _bare_plan(
    endpoint: Callable[..., Any],
    is_async: bool,
    response_class: type[Response],
    status_code: int | None,
) -> Callable[[], Awaitable[Response]]:
    # PERF: no plan, no kwargs, wrapping inlined (bench_params.py: "no params").
    if not is_async:
        finish = _finisher(response_class, status_code)

        async def run_sync() -> Response:
            return finish(await anyio.to_thread.run_sync(endpoint), None, None)

        return run_sync
    if status_code is None:

        async def run() -> Response:
            value = await endpoint()
            return value if isinstance(value, Response) else response_class(value)

        return run

    async def run_with_status() -> Response:
        value = await endpoint()
        if isinstance(value, Response):
            return value
        return response_class(value, status_code=status_code)

    return run_with_status


def compile_endpoint(
    endpoint: Callable[..., Any],
    *,
    path_params: Mapping[str, type],
    response_class: type[Response],
    status_code: int | None,
) -> Handle:
    """Build the request-time plan for ``endpoint`` (see the module docstring)."""
    endpoint_name = getattr(endpoint, "__qualname__", None) or repr(endpoint)
    try:
        hints = typing.get_type_hints(_hints_target(endpoint), include_extras=True)
    except Exception as exc:
        raise TypeError(f"{endpoint_name}: cannot resolve parameter annotations: {exc}") from exc
    signature = inspect.signature(endpoint)

    request_name = response_name = background_name = None
    simple: list[tuple[int, str, Extractor]] = []
    body_steps: list[BodyStep] = []
    force_embed = False
    infos: list[ParamInfo] = []
    for param in signature.parameters.values():
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise TypeError(
                f"{endpoint_name}: parameter {param.name!r} is positional-only; handler "
                "parameters are passed by name"
            )
        annotation = hints.get(param.name, Any)
        spec, default, factory = _classify(endpoint_name, param, annotation, path_params)
        if spec.kind == "request":
            request_name = spec.name
            continue
        if spec.kind == "response":
            response_name = spec.name
            continue
        if spec.kind == "background":
            background_name = spec.name
            continue
        convert = _converter_for(spec, endpoint_name)
        make_default = _default_maker(default, factory)
        infos.append(
            ParamInfo(spec.name, spec.source, spec.key, spec.annotation, spec.marker,
                      spec.required, default, factory)
        )  # fmt: skip
        if spec.source == "body":
            marker = spec.marker
            if isinstance(marker, BodyParam) and marker.embed:
                force_embed = True
            body_steps.append((spec.name, convert, spec.required, make_default, spec.key))
        else:
            if spec.source != "path" and is_model_class(spec.annotation):
                extractor = model_extractor(
                    spec.source,
                    spec.annotation,
                    convert,
                    required=spec.required,
                    make_default=make_default,
                    convert_underscores=not isinstance(spec.marker, HeaderParam)
                    or spec.marker.convert_underscores,
                )
            else:
                extractor = _simple_extractor(
                    spec, convert, make_default, path_params.get(spec.name)
                )
            simple.append((_SOURCE_ORDER[spec.source], spec.name, extractor))
    simple.sort(key=lambda item: item[0])
    extractors = tuple((name, extract) for _, name, extract in simple)
    read_body = _body_reader(body_steps, force_embed or len(body_steps) > 1) if body_steps else None
    info = EndpointInfo(tuple(infos), force_embed or len(body_steps) > 1, hints.get("return"))

    is_async = _is_async(endpoint)
    finish = _finisher(response_class, status_code)

    if not (extractors or read_body or request_name or response_name or background_name):
        run = _bare_plan(endpoint, is_async, response_class, status_code)

        async def handle_bare(request: Request) -> Response:
            return await run()

        attach_info(handle_bare, info)
        return handle_bare

    async def handle(request: Request) -> Response:
        kwargs: dict[str, Any] = {}
        errors: list[dict[str, Any]] | None = None
        for name, extract in extractors:
            try:
                kwargs[name] = extract(request)
            except Invalid as exc:
                if errors is None:
                    errors = []
                errors.extend(exc.errors)
        body = None
        if read_body is not None:
            body_errors: list[dict[str, Any]] = []
            body = await read_body(request, kwargs, body_errors)
            if body_errors:
                errors = body_errors if errors is None else errors + body_errors
        if errors:
            raise RequestValidationError(errors, body=body)
        if request_name is not None:
            kwargs[request_name] = request
        temporary: Response | None = None
        if response_name is not None:
            temporary = kwargs[response_name] = _temporary_response()
        tasks: BackgroundTasks | None = None
        if background_name is not None:
            tasks = kwargs[background_name] = BackgroundTasks()
        if is_async:
            value = await endpoint(**kwargs)
        else:
            value = await anyio.to_thread.run_sync(functools.partial(endpoint, **kwargs))
        return finish(value, temporary, tasks)

    attach_info(handle, info)
    return handle


def _temporary_response() -> Response:
    response = Response()
    response.raw_headers.clear()  # no content-length: it belongs to the final response
    response.status_code = None  # type: ignore[assignment]  # "not set", as FastAPI does
    return response


def _finisher(
    response_class: type[Response], status_code: int | None
) -> Callable[[Any, Response | None, BackgroundTasks | None], Response]:
    def finish(value: Any, temporary: Response | None, tasks: BackgroundTasks | None) -> Response:
        if isinstance(value, Response):
            response = value
        else:
            if status_code is None:
                response = response_class(value)
            else:
                response = response_class(value, status_code=status_code)
            if temporary is not None:
                if temporary.status_code:
                    response.status_code = temporary.status_code
                response.raw_headers.extend(temporary.raw_headers)
        if tasks is not None:
            existing = response.background
            if existing is None:
                response.background = tasks
            elif existing is not tasks:
                response.background = BackgroundTasks([existing, tasks])
        return response

    return finish
