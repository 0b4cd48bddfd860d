"""One callable's parameters, understood once: where each value comes from.

A route handler and every dependency (docs/dependencies.md) go through
``analyse``, so a dependency's parameters are filled and validated exactly as
a handler's are.  Rules, in FastAPI's order of precedence:

1. annotated ``Request`` (or ``WebSocket``: any ``HTTPConnection``) /
   ``Response`` / ``BackgroundTasks`` / ``SecurityScopes``: injected;
2. ``Depends(...)`` (as the default or in ``Annotated``): another callable's
   result (kept as a ``DependsParam`` for ``asgiweb._endpoint.dependencies``);
3. a marker (``Query() Header() Cookie() Body() Path()``, as the default or in
   ``Annotated``) says the source; a model class under ``Query()``, ``Header()``
   or ``Cookie()`` gathers its fields from there (``asgiweb._endpoint.sources``);
4. a name in the route's path template: the path;
5. ``Form()`` / ``File()`` (step 3), an ``UploadFile`` annotation (or a union or
   sequence of it), or a bare ``list``/``tuple``/``set`` (FastAPI's inferred
   ``File()``): a field of the form body (``asgiweb._endpoint.forms``);
6. any other annotation that is not a scalar (``is_body_type``: a model, a
   mapping, a sequence such as ``list[int]``, or a union with one): the JSON body,
   whole when it is the only body parameter of the route (and not ``embed=True``),
   else under its name;
7. anything else: the query string (a sequence only under ``Query()``, from
   repeated keys).

The body is decoded as JSON only when its content-type says JSON
(``application/json`` or ``application/*+json``), as FastAPI >= 0.1xx does by
default; any other body reaches validation as bytes.  An undecodable JSON body
is a lone ``json_invalid`` error; bytes no JSON parser can read (bad UTF-8,
nesting past the recursion limit) are a 400, as in FastAPI.  A parameter that
cannot be resolved is a ``TypeError`` at registration, naming the callable and
the parameter.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from asgiweb._concurrency import unwrap_partial
from asgiweb._endpoint.forms import FormStep, form_step, is_bare_sequence, is_upload_annotation
from asgiweb._endpoint.info import ParamInfo
from asgiweb._endpoint.sources import is_model_class, is_sequence, model_extractor, reads_json
from asgiweb._validation.annotations import is_type_alias, unwrap
from asgiweb._validation.compiler import (
    ConstraintError,
    Converter,
    Invalid,
    compile_converter,
    constraints_of,
    is_body_type,
    is_pydantic_model,
    is_sequence_class,
    prefix_errors,
    validating_converter,
)
from asgiweb._validation.scalars import missing
from asgiweb.background import BackgroundTasks
from asgiweb.datastructures import FormData
from asgiweb.exceptions import HTTPException, RequestValidationError
from asgiweb.params import (
    REQUIRED,
    BodyParam,
    Depends,
    FileParam,
    HeaderParam,
    Param,
    PathParam,
)
from asgiweb.requests import HTTPConnection, Request
from asgiweb.responses import Response
from asgiweb.security.oauth2 import SecurityScopes

__all__ = [
    "NO_BODY",
    "BodyStep",
    "DependsParam",
    "Extractor",
    "Parameters",
    "analyse",
    "body_filler",
    "callable_name",
    "hints_target",
    "read_body",
    "read_lax_body",
]

Extractor = Callable[[Request], Any]

# Starlette's classes, as a migrating app may still import them (``from
# starlette.requests import Request``): they get the same injected objects as
# asgiweb's own (docs/api.md, "Handlers").  Matched by name, so Starlette is
# never imported.
_STARLETTE_INJECTED: dict[str, tuple[str, type]] = {
    "starlette.requests.Request": ("request", Request),
    "starlette.requests.HTTPConnection": ("request", HTTPConnection),
    "starlette.websockets.WebSocket": ("request", HTTPConnection),
    "starlette.responses.Response": ("response", Response),
    "starlette.background.BackgroundTasks": ("background", BackgroundTasks),
}
_SOURCE_ORDER = {"path": 0, "query": 1, "header": 2, "cookie": 3, "body": 4}
# Defaults deep-copied per request, as FastAPI copies them: containers, and model or
# dataclass instances (a handler may change what it was given).  Anything else (a
# scalar, a sentinel such as a dataclass field's default-factory marker) is handed
# out as it is.
_MUTABLE_DEFAULTS = (list, dict, set, bytearray)


def _is_mutable_default(default: Any) -> bool:
    if isinstance(default, _MUTABLE_DEFAULTS):
        return True
    if isinstance(default, type):
        return False
    return dataclasses.is_dataclass(default) or hasattr(type(default), "__pydantic_fields__")
NO_BODY: Any = object()


def callable_name(call: Any) -> str:
    name = getattr(call, "__qualname__", None) or getattr(call, "__name__", None)
    if name is None:
        name = type(call).__qualname__ + "()"  # a callable object, e.g. a security scheme
    return str(name)


def _default_maker(default: Any, factory: Callable[[], Any] | None) -> Callable[[], Any]:
    """How an absent optional parameter gets its value; mutable defaults are copied per
    request (as FastAPI does) so one request cannot leak into the next."""
    if factory is not None:
        return factory
    if _is_mutable_default(default):
        return lambda: copy.deepcopy(default)
    return lambda: default


class _Spec:
    """One parameter as understood at registration."""

    __slots__ = (
        "absent",
        "annotation",
        "choices",
        "key",
        "kind",
        "marker",
        "name",
        "options",
        "required",
        "source",
    )

    def __init__(self, name: str, kind: str, annotation: Any, marker: Param | None) -> None:
        self.name = name
        self.kind = kind  # "request" | "response" | "background" | "scopes" | "value"
        self.annotation = annotation
        self.marker = marker
        self.source = ""
        self.key = name
        # A Path() its route's template does not name (yet: an include_router prefix
        # may name it, and the route is compiled again then): always missing.
        self.absent = False
        # Every key the value may be read by, in order (an ``AliasChoices`` of names):
        # the first present wins; ``()`` when ``key`` is the only one.
        self.choices: tuple[str, ...] = ()
        # pydantic's field options given on the marker or a Field() beside it:
        # validate_default, union_mode, fail_fast (see ``_field_options``).
        self.options: dict[str, Any] = {}
        self.required = True


class DependsParam:
    """A parameter filled by a dependency: its name, marker and (bare) annotation."""

    __slots__ = ("annotation", "marker", "name")

    def __init__(self, name: str, marker: Depends, annotation: Any) -> None:
        self.name = name
        self.marker = marker
        self.annotation = annotation


def hints_target(call: Callable[..., Any]) -> Any:
    target = unwrap_partial(call)
    if isinstance(target, type):
        return vars_init(target)
    if not (inspect.isfunction(target) or inspect.ismethod(target)) and callable(target):
        target = type(target).__call__
    return target


def _signature_annotation(param: inspect.Parameter) -> Any:
    """The annotation ``inspect.signature`` gives, when a real one (not empty, not a string)."""
    annotation = param.annotation
    if annotation is inspect.Parameter.empty or isinstance(annotation, str):
        return Any
    return annotation


def vars_init(cls: type) -> Any:
    """The ``__init__`` a call of ``cls`` runs (looked up on the class, not an instance)."""
    return getattr(cls, "__init__")  # noqa: B009 - mypy: no instance-unsound access


def _classify(
    owner: str,
    param: inspect.Parameter,
    annotation: Any,
    path_params: Mapping[str, type],
) -> tuple[_Spec | DependsParam, Any, Callable[[], Any] | None]:
    """The parameter's spec, its default (``REQUIRED`` if none) and default factory."""
    name = param.name
    marker: Param | None = None
    depends: Depends | None = None
    bare, metadata, _ = unwrap(annotation, optional=False)
    field_infos: list[Any] = []  # pydantic Field(...) beside the marker: its aliases count too
    for item in metadata:  # the last marker or Depends in Annotated wins, as in FastAPI
        if isinstance(item, Param):
            marker, depends = item, None
        elif isinstance(item, Depends):
            marker, depends = None, item
        elif _is_field_info(item):
            field_infos.append(item)
    if marker is not None and marker.default is not REQUIRED:
        raise TypeError(
            f"{owner}: parameter {name!r}: a marker in Annotated cannot carry the default "
            f"({marker!r}); give it with = instead, as FastAPI requires"
        )
    default = param.default
    if isinstance(default, Depends):
        if depends is not None or marker is not None:
            what = "Depends" if depends is not None else "a marker"
            raise TypeError(
                f"{owner}: parameter {name!r} has {what} in Annotated and Depends as its "
                "default: give one of them"
            )
        depends = default
        default = REQUIRED
    elif isinstance(default, Param):
        marker = default
        default = REQUIRED
    elif default is inspect.Parameter.empty:
        default = REQUIRED
    if depends is not None:
        return DependsParam(name, depends, bare), REQUIRED, None

    if marker is None and isinstance(bare, type):
        if issubclass(bare, HTTPConnection):  # the Request, or the WebSocket
            return _Spec(name, "request", bare, None), REQUIRED, None
        if issubclass(bare, Response):
            return _Spec(name, "response", bare, None), REQUIRED, None
        if issubclass(bare, BackgroundTasks):
            return _Spec(name, "background", bare, None), REQUIRED, None
        if issubclass(bare, SecurityScopes):
            return _Spec(name, "scopes", bare, None), REQUIRED, None
        injected = _STARLETTE_INJECTED.get(f"{bare.__module__}.{bare.__qualname__}")
        if injected is not None:
            return _Spec(name, injected[0], injected[1], None), REQUIRED, None

    spec = _Spec(name, "value", annotation, marker)
    if marker is not None:
        spec.source = marker.source
        if marker.default is not REQUIRED or marker.default_factory is not None:
            default = marker.default
    elif name in path_params:
        spec.source = "path"
    elif is_upload_annotation(annotation):
        spec.source = "form"  # an UploadFile parameter needs no File() marker
    elif is_bare_sequence(annotation):
        spec.source = "form"  # FastAPI's File() for a bare list/tuple/set
        spec.marker = FileParam()
    elif is_body_type(annotation):
        spec.source = "body"  # anything not scalar, sequences included, as in FastAPI
    else:
        spec.source = "query"
    choices, alias = _reading_keys(marker, field_infos)
    if choices and spec.source == "path":
        # The route's template decides, once: the first choice it names, else the
        # plain alias (or the name), as FastAPI resolves a path parameter's choices.
        alias = next((key for key in choices if key in path_params), alias)
        choices = ()
    elif choices:
        alias = choices[0]  # documented, and reported when missing, by the first
        spec.choices = choices if len(choices) > 1 else ()
    if spec.source == "path" and (alias or name) not in path_params:
        # FastAPI's rule: reported missing (a 422) on every request; a router's route
        # gets its template's name from include_router(prefix="/items/{item_id}").
        spec.absent = True
    if spec.source == "path":
        if isinstance(marker, PathParam) and marker.default is not REQUIRED:
            raise TypeError(f"{owner}: parameter {name!r}: a path parameter cannot have a default")
        default = REQUIRED
    if alias is not None:
        spec.key = alias
    elif spec.source == "header" and (
        not isinstance(marker, HeaderParam) or marker.convert_underscores
    ):
        spec.key = name.replace("_", "-")
    factory = marker.default_factory if marker is not None else None
    if default is REQUIRED and factory is None and spec.source != "path":
        # A pydantic Field(default_factory=...) beside the marker (or alone).
        factory = next(
            (info.default_factory for info in reversed(field_infos) if info.default_factory),
            None,
        )
    spec.options = _field_options(marker, field_infos)
    spec.required = default is REQUIRED and factory is None
    return spec, default, factory


def _refuse_unreadable(spec: _Spec, owner: str) -> None:
    """Refuse, as FastAPI does when the route is added, a path parameter that is not
    a scalar, and a query parameter that is neither a scalar, a sequence of scalars
    nor a parameter model (``list[Model]``, ``dict``): no request could ever fill
    them.  A ``TypeError`` (FastAPI's is an AssertionError).  Headers and cookies
    are not checked, as in FastAPI."""
    annotation = spec.annotation
    if spec.source not in ("path", "query") or reads_json(annotation):
        return
    if not is_body_type(annotation):
        return
    if spec.source != "path" and _scalar_sequence(annotation):
        return
    kinds = "a scalar" if spec.source == "path" else "a scalar, a sequence of scalars or a model"
    raise TypeError(
        f"{owner}: {spec.source} parameter {spec.name!r} must be {kinds}, not {annotation!r}"
    )


def _scalar_sequence(tp: Any) -> bool:
    """A sequence of scalars (``list[int]``, bare ``list``), also in ``Annotated`` or a
    union whose members are each scalar, None, or such a sequence."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return _scalar_sequence(args[0])
    if origin in (typing.Union, types.UnionType):
        return all(not is_body_type(arg) or _scalar_sequence(arg) for arg in args)
    if is_sequence_class(tp):
        return True
    return is_sequence_class(origin) and not any(is_body_type(arg) for arg in args)


def _is_field_info(item: Any) -> bool:
    cls = type(item)
    return cls.__name__ == "FieldInfo" and cls.__module__ == "pydantic.fields"


def _reading_keys(
    marker: Param | None, field_infos: Sequence[Any]
) -> tuple[tuple[str, ...], str | None]:
    """(the names of an ``AliasChoices`` to read by, else ``()``; the plain key).

    A string ``validation_alias`` comes first, as pydantic validates by it (FastAPI
    reads, documents and reports errors by it), then an ``AliasChoices`` made of
    names only, then ``alias``; the marker's own first, then those of pydantic
    ``Field(...)`` items beside it in ``Annotated`` (the later of them first, as
    pydantic merges them).  An ``AliasPath`` (alone or among the choices) is not
    a key of a flat source: FastAPI then reads by ``alias`` or the name."""
    sources: list[tuple[Any, Any]] = []
    if marker is not None:
        sources.append((marker.extra.get("validation_alias"), marker.alias))
    if marker is None or not {"alias", "validation_alias"} & marker.explicit:
        sources.extend((info.validation_alias, info.alias) for info in reversed(field_infos))
    for validation_alias, alias in sources:
        if isinstance(validation_alias, str) and validation_alias:
            return (), validation_alias
        choices = _name_choices(validation_alias)
        if choices:
            return choices, str(alias) if alias else None
        if alias:
            return (), str(alias)
    return (), None


def _name_choices(validation_alias: Any) -> tuple[str, ...]:
    """The names of a pydantic ``AliasChoices`` whose choices are all names (found
    without importing pydantic); ``()`` for anything else."""
    cls = type(validation_alias)
    if cls.__name__ != "AliasChoices" or not cls.__module__.startswith("pydantic"):
        return ()
    choices = tuple(validation_alias.choices)
    return choices if all(isinstance(choice, str) for choice in choices) else ()


# pydantic field options FastAPI applies to a request parameter: asgiweb reads
# them once, at registration (docs/api.md, "Markers").
_FIELD_OPTIONS = ("validate_default", "union_mode", "fail_fast")


def _field_options(marker: Param | None, field_infos: Sequence[Any]) -> dict[str, Any]:
    """The options given explicitly (not None), the marker's winning over a pydantic
    ``Field(...)`` beside it, a later ``Field`` over an earlier one.  (A ``Field``'s
    own ``union_mode``/``fail_fast`` are pydantic metadata, applied with the rest of
    ``Annotated``; its ``validate_default`` is read here.)"""
    found: dict[str, Any] = {}
    for info in field_infos:
        if info.validate_default is not None:
            found["validate_default"] = info.validate_default
    if marker is not None:
        for option in _FIELD_OPTIONS:
            value = marker.extra.get(option)
            if value is not None:
                found[option] = value
    return found


def _converter_for(spec: _Spec, owner: str) -> Converter:
    try:
        # A marker inside ``Annotated`` is applied by compile_converter with the rest
        # of the metadata; one given as the default value joins it there (so a type
        # only pydantic validates gets the marker's constraints from pydantic too).
        annotation = spec.annotation
        metadata = unwrap(annotation, optional=False).metadata
        marker = spec.marker
        separate = marker is not None and all(item is not marker for item in metadata)
        if separate and constraints_of([marker]):
            annotation = typing.Annotated[annotation, marker]
        convert = compile_converter(_with_pydantic_options(annotation, spec.options))
    except ConstraintError as exc:
        raise TypeError(f"{owner}: parameter {spec.name!r}: {exc}") from None
    except TypeError as exc:
        raise TypeError(
            f"{owner}: parameter {spec.name!r} cannot be resolved: {exc}; annotate it "
            "with a scalar type, a dataclass, a TypedDict, a pydantic model, "
            "Request/Response/BackgroundTasks, or give it a Depends()"
        ) from None
    discriminator = (getattr(spec.marker, "extra", None) or {}).get("discriminator")
    if discriminator is None:  # a pydantic Field(discriminator=...) in Annotated
        discriminator = next(
            (
                item.discriminator
                for item in unwrap(spec.annotation, optional=False).metadata
                if _is_field_info(item) and item.discriminator is not None
            ),
            None,
        )
    if discriminator is not None and spec.source == "body":
        return _discriminated(spec.annotation, discriminator) or convert
    return convert


def _with_pydantic_options(annotation: Any, options: Mapping[str, Any]) -> Any:
    """``annotation`` with a marker's ``union_mode`` (on a union) and ``fail_fast`` (on
    a sequence) as a pydantic ``Field`` after its other metadata, so that they win
    over a ``Field`` beside the marker, as in FastAPI; pydantic then validates the
    parameter.  Unchanged without those options (or without pydantic)."""
    wanted: dict[str, Any] = {}
    bare = unwrap(annotation).type
    if "union_mode" in options and typing.get_origin(bare) in (typing.Union, types.UnionType):
        wanted["union_mode"] = options["union_mode"]
    if "fail_fast" in options and is_sequence(bare):
        wanted["fail_fast"] = options["fail_fast"]
    if not wanted:
        return annotation
    try:
        from pydantic import Field
    except ImportError:  # pydantic's keywords need pydantic: docs/api.md, "Markers"
        return annotation
    return typing.Annotated[annotation, Field(**wanted)]


def _validated_default(
    make_default: Callable[[], Any], convert: Converter, loc: tuple[str, ...]
) -> Callable[[], Any]:
    """``validate_default=True``: the default goes through the converter like a sent
    value; its errors are located at ``loc``."""

    def make() -> Any:
        try:
            return convert(make_default())
        except Invalid as exc:
            raise Invalid(prefix_errors(exc.errors, *loc)) from None

    return make


def _discriminated(annotation: Any, discriminator: Any) -> Converter | None:
    """``Body(discriminator=...)`` on a union with a pydantic model among its members:
    pydantic's tagged union (the tag's value picks the member; its errors
    ``union_tag_not_found``, ``union_tag_invalid``, a member's located under its
    tag), built once; None for any other annotation."""
    bare = unwrap(annotation, optional=False).type
    if typing.get_origin(bare) not in (typing.Union, types.UnionType):
        return None
    if not any(is_pydantic_model(unwrap(arg).type) for arg in typing.get_args(bare)):
        return None
    from pydantic import Field, TypeAdapter  # installed: a member is its model

    tagged: Any = typing.Annotated[bare, Field(discriminator=discriminator)]
    adapter: Any = TypeAdapter(tagged)
    return validating_converter(adapter.validate_python)


def _simple_extractor(
    spec: _Spec,
    convert: Converter,
    make_default: Callable[[], Any],
    path_type: type | None,
    *,
    constant_default: bool = True,
) -> Extractor:
    """Path, query, header and cookie parameters."""
    key = spec.key
    loc = (spec.source, key)
    required = spec.required
    source = spec.source
    if spec.choices:
        return _choices_extractor(spec, convert, make_default)

    if source == "path":
        if spec.absent:

            def never_there(request: Request) -> Any:
                raise Invalid([missing(loc)])

            return never_there
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
                    raise Invalid([missing(loc)])
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
    constant = (
        make_default()
        if constant_default and not required and _is_constant(make_default)
        else NO_BODY
    )

    def from_one(request: Request) -> Any:
        raw = getter(request).get(key)
        if raw is None:
            if required:
                raise Invalid([missing(loc)])
            return constant if constant is not NO_BODY else make_default()
        try:
            return convert(raw)
        except Invalid as exc:
            raise Invalid(prefix_errors(exc.errors, *loc)) from None

    return from_one


def _choices_extractor(
    spec: _Spec, convert: Converter, make_default: Callable[[], Any]
) -> Extractor:
    """A query, header or cookie parameter with an ``AliasChoices`` of names: the
    first name present is read, and its errors are located under it; a missing
    value is reported under the first name (FastAPI's rules)."""
    choices = spec.choices
    source = spec.source
    required = spec.required
    first = (source, choices[0])
    getter: Callable[[Request], Any] = (
        _query_of if source == "query" else _headers_of if source == "header" else _cookies_of
    )
    many = is_sequence(spec.annotation) and source in ("query", "header")

    def from_choices(request: Request) -> Any:
        values = getter(request)
        for key in choices:
            raw = values.getlist(key) if many else values.get(key)
            if raw:
                break
            if raw is not None and not many:  # an empty value is a sent value
                break
        else:
            if required:
                raise Invalid([missing(first)])
            return make_default()
        try:
            return convert(raw)
        except Invalid as exc:
            raise Invalid(prefix_errors(exc.errors, source, key)) from None

    return from_choices


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


async def read_body(request: Request) -> Any:
    """The decoded body, ``NO_BODY`` when empty, raw bytes for a non-JSON media type."""
    raw = await request.body()
    if not raw:
        return NO_BODY
    if not _is_json(request.headers.get("content-type")):
        return raw
    try:
        return await request.json()
    except (ValueError, RecursionError) as exc:
        raise _undecodable(exc) from None


async def read_lax_body(request: Request) -> Any:
    """:func:`read_body` with ``strict_content_type=False`` (FastAPI's lax mode): a
    body sent without a content-type is read as JSON too."""
    if request.headers.get("content-type"):
        return await read_body(request)
    if not await request.body():
        return NO_BODY
    try:
        return await request.json()
    except (ValueError, RecursionError) as exc:
        raise _undecodable(exc) from None


def _undecodable(exc: ValueError | RecursionError) -> Exception:
    """What a body that is not JSON is answered with, as FastAPI does."""
    if isinstance(exc, json.JSONDecodeError):
        return RequestValidationError(
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
        )
    # Not JSON-decodable bytes (bad UTF-8, an int past int()'s length limit,
    # nesting deeper than the parser's recursion limit): FastAPI's answer for
    # a body it cannot even decode.
    return HTTPException(400, "There was an error parsing the body")


# (parameter name, converter, required, default maker, key in an embedded body,
# the keys of its AliasChoices in an embedded body: () when ``key`` is the only one)
BodyStep = tuple[str, Converter, bool, Callable[[], Any], str, tuple[str, ...]]
BodyFiller = Callable[[Any, dict[str, Any], list[dict[str, Any]]], None]


def body_filler(steps: list[BodyStep], embed: bool) -> BodyFiller:
    """``fill(body, kwargs, errors)``: set the body parameters from the decoded body
    (``NO_BODY`` when empty), appending errors to ``errors``."""
    if not embed:
        ((name, convert, required, make_default, _, _),) = steps

        def whole(body: Any, kwargs: dict[str, Any], errors: list[Any]) -> None:
            if body is NO_BODY:
                if required:
                    errors.append(missing(("body",)))
                else:
                    try:
                        kwargs[name] = make_default()
                    except Invalid as exc:  # validate_default=True
                        errors.extend(prefix_errors(exc.errors, "body"))
                return
            try:
                kwargs[name] = convert(body)
            except Invalid as exc:
                errors.extend(prefix_errors(exc.errors, "body"))

        return whole

    def embedded(body: Any, kwargs: dict[str, Any], errors: list[Any]) -> None:
        # FastAPI: an absent or non-JSON body leaves optional fields at their
        # defaults, but a JSON body that is not an object makes every field missing.
        # A field with an AliasChoices reads the first of its keys present (else it is
        # missing under the first), and its errors are under that key.
        absent = body is NO_BODY or isinstance(body, bytes)
        container = body if isinstance(body, dict) else {}
        for name, convert, required, make_default, key, choices in steps:
            if choices:
                key = next((choice for choice in choices if choice in container), key)
            if key not in container:
                if required or not (absent or isinstance(body, dict)):
                    errors.append(missing(("body", key)))
                else:
                    try:
                        kwargs[name] = make_default()
                    except Invalid as exc:  # validate_default=True
                        errors.extend(prefix_errors(exc.errors, "body", key))
                continue
            try:
                kwargs[name] = convert(container[key])
            except Invalid as exc:
                errors.extend(prefix_errors(exc.errors, "body", key))

    return embedded


class _FormChoices(FormStep):
    """A form field with an ``AliasChoices`` of names: one compiled step per name, the
    first name present in the form filling the parameter (the first name when none
    is: its missing entry or default), as FastAPI reads a form's choices."""

    __slots__ = ("by_key", "choices")

    def __init__(
        self,
        first: FormStep,
        owner: str,
        spec: _Spec,
        convert: Converter,
        make_default: Callable[[], Any],
    ) -> None:
        super().__init__(
            first.name,
            first.key,
            spec.annotation,
            spec.marker,
            convert,
            first.required,
            make_default,
        )
        self.choices = spec.choices
        self.by_key: dict[str, FormStep] = {first.key: first}
        for key in spec.choices[1:]:
            other = copy.copy(spec)
            other.key = key
            self.by_key[key] = form_step(owner, other, convert, make_default)

    def _chosen(self, form: FormData) -> FormStep:
        # An empty field counts as not sent, as for any form field: the next name is tried.
        sent = (key for key in self.choices if form.get(key) not in (None, ""))
        return self.by_key[next(sent, self.key)]

    def fill_now(self, form: FormData, kwargs: dict[str, Any], errors: list[Any]) -> None:
        self._chosen(form).fill_now(form, kwargs, errors)

    async def fill(self, form: FormData, kwargs: dict[str, Any], errors: list[Any]) -> None:
        await self._chosen(form).fill(form, kwargs, errors)


class Parameters:
    """Everything ``analyse`` found out about one callable's parameters."""

    __slots__ = (
        "background_name",
        "body_embed",
        "body_steps",
        "depends",
        "extractors",
        "form_steps",
        "infos",
        "request_name",
        "response_name",
        "scopes_name",
    )

    def __init__(self) -> None:
        self.request_name: str | None = None
        self.response_name: str | None = None
        self.background_name: str | None = None
        self.scopes_name: str | None = None
        # (name, extractor) in FastAPI's error order: path, query, header, cookie.
        self.extractors: tuple[tuple[str, Extractor], ...] = ()
        self.body_steps: list[BodyStep] = []
        self.body_embed = False  # a Body(embed=True) among them
        # Form()/File()/UploadFile parameters (asgiweb._endpoint.forms).
        self.form_steps: list[FormStep] = []
        self.depends: list[DependsParam] = []  # in signature order
        self.infos: list[ParamInfo] = []  # the value parameters, for the OpenAPI document


class _AnnotationsOnly:
    """Something holding ``__annotations__`` for ``typing.get_type_hints``."""

    def __init__(self, annotations: dict[str, Any]) -> None:
        self.__annotations__ = annotations


def _parameter_hints(target: Any) -> dict[str, Any]:
    """The resolved annotations of ``target``'s parameters.  Its return annotation is
    not needed here, and may name what exists only for type checkers
    (``if TYPE_CHECKING: from collections.abc import AsyncGenerator`` beside
    ``from __future__ import annotations``), which FastAPI never resolves for a
    dependency: it is left out when it does not resolve."""
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:
        annotations = dict(getattr(target, "__annotations__", None) or {})
        if annotations.pop("return", None) is None:
            raise
        namespace = getattr(target, "__globals__", None)
        return typing.get_type_hints(
            _AnnotationsOnly(annotations), globalns=namespace, include_extras=True
        )


def analyse(call: Callable[..., Any], *, owner: str, path_params: Mapping[str, type]) -> Parameters:
    """Classify every parameter of ``call``; ``owner`` names it in registration errors."""
    try:
        hints = _parameter_hints(hints_target(call))
    except Exception as exc:
        raise TypeError(f"{owner}: cannot resolve parameter annotations: {exc}") from exc
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{owner}: cannot read its signature: {exc}") from exc
    found = Parameters()
    simple: list[tuple[int, str, Extractor]] = []
    for param in signature.parameters.values():
        if param.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        if param.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise TypeError(
                f"{owner}: parameter {param.name!r} is positional-only; parameters are "
                "passed by name"
            )
        # A class's signature may come from ``__signature__`` (a pydantic model's
        # fields), not its ``__init__``: its own annotation is then the one FastAPI reads.
        annotation = hints.get(param.name, _signature_annotation(param))
        if is_type_alias(annotation):  # ``type X = ...`` (PEP 695): read as its value
            annotation = annotation.__value__
        spec, default, factory = _classify(owner, param, annotation, path_params)
        if isinstance(spec, DependsParam):
            found.depends.append(spec)
            continue
        if spec.kind == "request":
            found.request_name = spec.name
            continue
        if spec.kind == "response":
            found.response_name = spec.name
            continue
        if spec.kind == "background":
            found.background_name = spec.name
            continue
        if spec.kind == "scopes":
            found.scopes_name = spec.name
            continue
        convert = _converter_for(spec, owner)
        make_default = _default_maker(default, factory)
        validate_default = bool(spec.options.get("validate_default")) and not spec.required
        if validate_default:
            # Body defaults are located by body_filler (the layout is decided later).
            loc = (
                ()
                if spec.source == "body"
                else (("body", spec.key) if spec.source == "form" else (spec.source, spec.key))
            )
            make_default = _validated_default(make_default, convert, loc)
        found.infos.append(
            ParamInfo(spec.name, spec.source, spec.key, spec.annotation, spec.marker,
                      spec.required, default, factory)
        )  # fmt: skip
        if spec.source == "form":
            step = form_step(owner, spec, convert, make_default)
            if spec.choices:
                step = _FormChoices(step, owner, spec, convert, make_default)
            found.form_steps.append(step)
            continue
        if spec.source == "body":
            marker = spec.marker
            if isinstance(marker, BodyParam) and marker.embed:
                found.body_embed = True
            found.body_steps.append(
                (spec.name, convert, spec.required, make_default, spec.key, spec.choices)
            )
            continue
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
            _refuse_unreadable(spec, owner)
            extractor = _simple_extractor(
                spec,
                convert,
                make_default,
                path_params.get(spec.name),
                constant_default=factory is None and not validate_default,
            )
        simple.append((_SOURCE_ORDER[spec.source], spec.name, extractor))
    simple.sort(key=lambda item: item[0])
    found.extractors = tuple((name, extract) for _, name, extract in simple)
    return found
