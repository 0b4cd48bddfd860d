"""From the handler's return value to the Response (docs/dependencies.md, "Response models").

``compile_finisher`` decides once per route what happens to a returned value:

- a ``Response`` passes untouched;
- with a response model (``response_model=`` on the route, else the return
  annotation, FastAPI's rules: ``response_model=None`` turns it off, and a
  return annotation that is a ``Response`` subclass, ``None``, ``Any`` or a type
  asgiweb cannot validate is ignored), the value is fitted to the model first:
  validated (a value that does not fit is ``ResponseValidationError``, which the
  App logs and answers with a 500, as FastAPI does) and reduced to the model's
  fields, so a handler annotated ``-> BaseUser`` that returns a ``UserIn`` never
  sends the password;
- the route's response class renders the result, with the status and headers a
  handler set on its injected ``Response``, and background tasks attached.

PERF: fitting is compiled per type (``_fitter``).  A value that already is
exactly the model (a list of ``Record`` for ``list[Record]``) is checked field by
field and handed on as it is: ``render_json`` then writes it through the
encoder's per-class plans, with no intermediate dicts.  When the response class
renders with ``render_json`` (JSONResponse and subclasses that keep its render),
a model holding dataclasses, TypedDicts, UUIDs, datetimes or Decimals gets a
compiled writer instead (``compile_writer``): the check and the JSON text in one
pass, the body handed to the response ready-made (bench: "model" and "encoded",
110 -> 58 us).  Only a value that needs converting or filtering is rebuilt, and
the ``response_model_include/exclude/exclude_*`` options build plain data
(``_Dump``), as FastAPI's serialisation does.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import datetime
import enum
import keyword
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from asgiweb._endpoint.parameters import callable_name, hints_target
from asgiweb._validation.annotations import substitute_type_vars, unwrap
from asgiweb._validation.compiler import (
    ConstraintError,
    Converter,
    Invalid,
    compile_converter,
    convert_items,
    is_pydantic_model,
    is_typeddict,
    prefix_errors,
    tuple_converter,
    union_tag,
)
from asgiweb._validation.metadata import apply_metadata
from asgiweb._validation.scalars import SCALARS, fail, missing
from asgiweb.background import BackgroundTasks
from asgiweb.encoders.jsonable import (
    RenderedJSON,
    is_out_of_range,
    json_text,
    null_for_nan,
    scalar_writer,
    utf8_body,
    writer_namespace,
)
from asgiweb.exceptions import ResponseValidationError
from asgiweb.responses import JSONResponse, Response
from asgiweb.responses.base import AnswerMessages, answer_messages, response_types

__all__ = [
    "FROM_ANNOTATION",
    "Finisher",
    "compile_answer",
    "compile_finisher",
    "response_model_of",
]

Finisher = Callable[[Any, Response | None, BackgroundTasks | None], Response]
Fit = Callable[[Any], Any]


class _FromAnnotation:
    __slots__ = ()

    def __repr__(self) -> str:
        return "FROM_ANNOTATION"


FROM_ANNOTATION: Any = _FromAnnotation()
_NONE = type(None)
_SEQUENCES: dict[Any, type] = {
    list: list,
    set: set,
    frozenset: frozenset,
    tuple: tuple,
    cabc.Sequence: list,
    cabc.MutableSequence: list,
    cabc.Iterable: list,
    cabc.Collection: list,
    cabc.Set: set,
    cabc.MutableSet: set,
}
_MAPPINGS = {dict, cabc.Mapping, cabc.MutableMapping}


def response_model_of(endpoint: Callable[..., Any], response_model: Any) -> Any:
    """The model to fit returned values to, or None (FastAPI's rules, module docstring)."""
    explicit = response_model is not FROM_ANNOTATION
    if not explicit:
        try:
            hints = typing.get_type_hints(hints_target(endpoint), include_extras=True)
        except Exception:
            return None
        response_model = hints.get("return")
    if response_model is None or response_model is _NONE or response_model is Any:
        return None
    bare = unwrap(response_model, optional=False).type
    if isinstance(bare, type) and issubclass(bare, Response):
        return None
    try:
        _fitter(response_model)
    except TypeError as exc:
        if explicit:
            raise TypeError(
                f"{callable_name(endpoint)}: response_model {response_model!r} is not a type "
                f"asgiweb can validate: {exc}"
            ) from None
        return None
    return response_model


def _refuse_model_without_body(
    endpoint: Callable[..., Any], response_model: Any, status_code: int | None
) -> None:
    """FastAPI's registration check: a route whose ``status_code`` carries no body
    (1xx, 204, 205, 304) cannot declare what its body holds.  A response model counts
    as FastAPI counts it: ``response_model=`` other than None (``Any`` included), else
    a return annotation other than None or a ``Response`` class."""
    if status_code is None or (status_code >= 200 and status_code not in (204, 205, 304)):
        return
    if response_model is FROM_ANNOTATION:
        try:
            hints = typing.get_type_hints(hints_target(endpoint), include_extras=True)
        except Exception:
            return
        response_model = hints.get("return")
        bare = unwrap(response_model, optional=False).type if response_model else None
        if isinstance(bare, type) and issubclass(bare, Response):
            return
    if response_model is None or response_model is _NONE:
        return
    raise ValueError(
        f"{callable_name(endpoint)}: status code {status_code} must not have a response "
        f"body, so the route cannot have a response model ({response_model!r}); drop the "
        "return annotation or pass response_model=None"
    )


# -- fitting a value to a type ---------------------------------------------------------

_FITTERS: dict[Any, Fit] = {}


def _identity(value: Any) -> Any:
    return value


def _cache_key(tp: Any) -> Any:
    """``tp`` as a key for the per-type caches here: typing's unions compare equal in
    any order (``A | B == B | A``, also inside ``list[...]``), but the order is part of
    the meaning (on a tie the first member wins), and the repr keeps it."""
    return (tp, repr(tp))


def _fitter(tp: Any) -> Fit:
    try:
        key = _cache_key(tp)
        found = _FITTERS.get(key)
    except TypeError:  # an unhashable annotation: build it every time
        return _build(tp)
    if found is None:
        # Registered first, so a class that refers to itself finds this indirection.
        real: list[Fit] = []
        _FITTERS[key] = lambda value: real[0](value)
        try:
            built = _build(tp)
        except BaseException:
            del _FITTERS[key]
            raise
        real.append(built)
        found = _FITTERS[key] = built
    return found


def _build(tp: Any) -> Fit:
    if tp is Any or tp is object:
        return _identity
    core, metadata, _ = unwrap(tp, optional=False)
    if core is not tp:  # Annotated, Required/NotRequired or NewType around ``core``
        try:
            return apply_metadata(_fitter(core), core, metadata)
        except ConstraintError:
            raise
        except TypeError:  # metadata only pydantic reads: its validator, if installed
            return compile_converter(tp)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return _union(typing.get_args(tp))
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            if _computed_field_names(tp):
                return _serialized_by_pydantic(tp)
            return _dataclass(tp)
        if is_pydantic_model(tp):
            return _pydantic(tp)
        if is_typeddict(tp):
            return _typeddict(tp)
        if tp in SCALARS or issubclass(tp, enum.Enum):
            convert = compile_converter(tp)
            if tp in SCALARS:
                convert = _from_enum_member(tp, convert)
            return _exact_or(tp, convert)
        text_class = _text_class(tp)
        if text_class is not None:
            return text_class
    container = origin if origin is not None else tp
    args = typing.get_args(tp)
    if isinstance(origin, type) and dataclasses.is_dataclass(origin):
        # A generic dataclass (``Page[ItemOut]``): its fields with the type variables
        # replaced by the arguments, so ``list[T]`` filters to ``list[ItemOut]``.
        parameters = getattr(origin, "__parameters__", ())
        return _dataclass(origin, dict(zip(parameters, args, strict=False)))
    if container in _SEQUENCES and (container is not tuple or not args or args[-1] is Ellipsis):
        return _sequence(args[0] if args else Any, _SEQUENCES[container])
    if container in _MAPPINGS:
        key, value = args if len(args) == 2 else (Any, Any)
        return _mapping(key, value)
    if container is tuple:  # a fixed tuple: each member fitted (a model reduced)
        return tuple_converter(args, _fitter)
    if origin is typing.Literal:
        return _literal_fit(args)
    # Literal, fixed tuples and the rest: the request-side validator decides (or refuses).
    return compile_converter(tp)


# Classes pydantic builds from their text (and the IP classes from an int or packed
# bytes too), by where they are defined: the error type and what the message calls it.
_TEXT_CLASSES: dict[tuple[str, str], tuple[str, str]] = {
    ("ipaddress", "IPv4Address"): ("ip_v4_address", "IPv4 address"),
    ("ipaddress", "IPv6Address"): ("ip_v6_address", "IPv6 address"),
    ("ipaddress", "IPv4Network"): ("ip_v4_network", "IPv4 network"),
    ("ipaddress", "IPv6Network"): ("ip_v6_network", "IPv6 network"),
    ("ipaddress", "IPv4Interface"): ("ip_v4_interface", "IPv4 interface"),
    ("ipaddress", "IPv6Interface"): ("ip_v6_interface", "IPv6 interface"),
}


def _text_class(cls: type) -> Fit | None:
    """The fitter for a path or IP address class (pydantic's rules), else None."""
    if any((b.__module__, b.__qualname__) == ("pathlib", "PurePath") for b in cls.__mro__):
        message = f"Input is not a valid path for {cls!r}"

        def fit_path(value: Any) -> Any:
            if isinstance(value, cls):
                return value
            if type(value) is str:
                return cls(value)
            fail("path_type", message, value)

        return fit_path
    found = _TEXT_CLASSES.get((cls.__module__, cls.__qualname__))
    if found is None:
        return None
    kind, noun = found
    ip_message = f"Input is not a valid {noun}"

    def fit_ip(value: Any) -> Any:
        if isinstance(value, cls):
            return value
        if isinstance(value, str | int | bytes) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        fail(kind, ip_message, value)

    return fit_ip


def _literal_fit(choices: tuple[Any, ...]) -> Fit:
    """pydantic's python mode: a value equal to a choice is that choice (``True``
    for ``Literal[1]`` is 1, a str enum member its str); the rest as in a request."""
    strict = compile_converter(typing.Literal[choices])
    by_value: dict[Any, Any] = {}
    for choice in reversed(choices):  # the first of equal choices wins
        by_value[choice] = choice

    def fit(value: Any) -> Any:
        try:
            return by_value[value]
        except (KeyError, TypeError):
            return strict(value)

    return fit


def _from_enum_member(cls: type, convert: Converter) -> Converter:
    """pydantic's python mode reads an Enum member returned for a scalar model: for
    ``str`` its value's text (``Size.small`` -> ``"1"``), for ``int`` a plain Enum's
    int value, and a member of an ``int``/``float``/``str`` enum as its value
    (``Size.small`` for ``bool`` is True); anything else as a request's value."""

    from_bytes = cls in (int, float, bool, datetime.date, datetime.datetime)

    def fit(value: Any) -> Any:
        if isinstance(value, enum.Enum):
            inner = value.value
            if cls is str:
                return str(inner)
            if cls is int and type(inner) is int:
                return inner
            if isinstance(value, int | float | str):
                return convert(inner)
        elif from_bytes and type(value) is bytes:
            # pydantic reads bytes as their text for these (b"1" is 1, b"0" 1970-01-01)
            try:
                text = value.decode()
            except UnicodeDecodeError:
                return convert(value)
            try:
                return convert(text)
            except Invalid as exc:
                for error in exc.errors:
                    if error.get("input") is text:
                        error["input"] = value
                raise
        return convert(value)

    return fit


def _exact_or(cls: type, convert: Converter) -> Fit:
    def fit(value: Any) -> Any:
        return value if type(value) is cls else convert(value)

    return fit


def _union(members: tuple[Any, ...]) -> Fit:
    nullable = _NONE in members
    rest = [m for m in members if m is not _NONE]
    fits = [_fitter(m) for m in rest]
    exact = {m: f for m, f in zip(rest, fits, strict=True) if isinstance(m, type)}
    counters = [_fields_set_counter(m) for m in rest]
    # pydantic names the member in the ``loc`` of its errors, unless it is the only one.
    tags = [union_tag(m) for m in rest] if len(rest) > 1 else [None] * len(rest)

    def fit(value: Any) -> Any:
        if value is None and nullable:
            return None
        direct = exact.get(type(value))
        if direct is not None:
            return direct(value)
        errors: list[dict[str, Any]] = []
        for member, tag in zip(fits, tags, strict=True):
            try:
                return member(value)
            except Invalid as exc:
                errors.extend(exc.errors if tag is None else prefix_errors(exc.errors, tag))
        if not fits:
            fail("none_required", "Input should be None", value)
        raise Invalid(errors)

    if sum(counter is not None for counter in counters) < 2:
        return fit

    def fit_most_fields(value: Any) -> Any:
        # pydantic's smart union: of the model-like members a value fits, the one
        # it sets the most fields of wins, the first on a tie (``Small | Large``
        # keeps a dict's ``b`` for ``Large``); any other member: the first that fits.
        if value is None and nullable:
            return None
        direct = exact.get(type(value))
        if direct is not None:
            return direct(value)
        errors: list[dict[str, Any]] = []
        best: Any = _NO_DEFAULT
        most = -1
        for member, counter, tag in zip(fits, counters, tags, strict=True):
            try:
                fitted = member(value)
            except Invalid as exc:
                errors.extend(exc.errors if tag is None else prefix_errors(exc.errors, tag))
                continue
            if counter is None:
                if best is _NO_DEFAULT:
                    return fitted
                continue
            count = counter(value, fitted)
            if count > most:
                best, most = fitted, count
        if best is not _NO_DEFAULT:
            return best
        raise Invalid(errors)

    return fit_most_fields


def _fields_set_counter(tp: Any) -> Callable[[Any, Any], int] | None:
    """For a model-like member of a union (pydantic model, dataclass, TypedDict): how
    many of its fields a value sets (pydantic's tie-break); None for any other."""
    if is_pydantic_model(tp) and not dataclasses.is_dataclass(tp):

        def count_pydantic(value: Any, fitted: Any) -> int:
            return len(fitted.model_fields_set)

        return count_pydantic
    fields = _FIELDS.get(tp) if isinstance(tp, type) else None
    if fields is None:
        return None
    names = fields.names

    def count_fields(value: Any, fitted: Any) -> int:
        if isinstance(value, Mapping):
            return sum(1 for name in names if name in value)
        return len(names)

    return count_fields


def _sequence(item_tp: Any, build: type) -> Fit:
    item = _fitter(item_tp)
    exact: list[Callable[[Any], bool]] = []
    nouns: dict[type, str] = {list: "list", set: "set", frozenset: "frozenset", tuple: "tuple"}
    noun = nouns[build]
    kind = "frozen_set_type" if build is frozenset else f"{noun}_type"
    message = f"Input should be a valid {noun}"

    def fit(value: Any) -> Any:
        if type(value) is build is list:
            if not exact:
                exact.append(_exact_check(list[item_tp]))
            if exact[0](value):
                return value  # PERF: fits as it is; no copy, no per-item calls
        if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
            fail(kind, message, value)
        items = value if type(value) is list else list(value)
        out: list[Any] | None = None
        errors: list[dict[str, Any]] | None = None
        for index, element in enumerate(items):
            try:
                fitted = item(element)
            except Invalid as exc:
                if errors is None:
                    errors = []
                errors.extend(prefix_errors(exc.errors, index))
                continue
            if out is not None:
                out.append(fitted)
            elif fitted is not element:
                out = items[:index]
                out.append(fitted)
        if errors:
            raise Invalid(errors)
        if out is None:
            # PERF: nothing changed: the very list (no copy) when it has the right type.
            return value if type(value) is build else build(items)
        return out if build is list else build(out)

    return fit


def _mapping(key_tp: Any, value_tp: Any) -> Fit:
    fit_key = _fitter(key_tp)
    fit_value = _fitter(value_tp)
    trivial = fit_key is _identity and fit_value is _identity
    exact: list[Callable[[Any], bool]] = []

    def fit(value: Any) -> Any:
        if type(value) is dict and not trivial:
            if not exact:
                exact.append(_exact_check(dict[key_tp, value_tp]))
            if exact[0](value):
                return value  # PERF: e.g. dict[str, Any] with str keys: no copy, no calls
        if not isinstance(value, Mapping):
            fail("dict_type", "Input should be a valid dictionary", value)
        if trivial:
            return value
        return convert_items(value, fit_key, fit_value)

    if key_tp is str and fit_value is _identity:
        general = fit

        def fit_str_keys(value: Any) -> Any:
            # PERF: ``dict[str, Any]``, the most common return annotation: one loop.
            if type(value) is dict:
                for key in value:
                    if type(key) is not str:
                        break
                else:
                    return value
            return general(value)

        return fit_str_keys
    return fit


class _Fields:
    """The fields of a dataclass or TypedDict model: names, fitters, required, defaults."""

    __slots__ = ("cls", "defaults", "names", "plan")

    def __init__(self, cls: type, plan: list[tuple[str, Fit, bool, Any]]) -> None:
        self.cls = cls
        self.plan = plan
        self.names = frozenset(name for name, _, _, _ in plan)
        self.defaults = {name: default for name, _, _, default in plan}


_FIELDS: dict[type, _Fields] = {}
_NO_DEFAULT: Any = object()


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception as exc:
        raise TypeError(f"cannot resolve the annotations of {cls.__qualname__}: {exc}") from exc




def _dataclass(cls: type, subst: Mapping[Any, Any] | None = None) -> Fit:
    hints = _hints(cls)
    # A generic dataclass: its type variables are the arguments, or Any (pydantic's
    # reading of a bare ``Page``).
    generic = subst is not None or bool(getattr(cls, "__parameters__", ()))
    if generic:
        hints = {name: substitute_type_vars(hint, subst or {}) for name, hint in hints.items()}
    plan: list[tuple[str, Fit, bool, Any]] = []
    for field in dataclasses.fields(cls):
        default: Any = _NO_DEFAULT
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        try:
            field_fit = _fitter(hints.get(field.name, Any))
        except TypeError as exc:
            raise TypeError(f"{cls.__qualname__}.{field.name}: {exc}") from None
        plan.append((field.name, field_fit, default is _NO_DEFAULT, default))
    if subst is None:
        _FIELDS[cls] = _Fields(cls, plan)
    class_name = cls.__name__
    type_msg = f"Input should be a dictionary or an instance of {class_name}"

    exact: list[Callable[[Any], bool]] = []

    def fit(value: Any) -> Any:
        if type(value) is cls:
            if not exact:
                # The generated check reads the class's own annotations: for a generic
                # dataclass those still say ``T``, so every field is fitted instead.
                exact.append(_never if generic else _dataclass_check(cls))
            if exact[0](value):
                return value  # PERF: the common case, checked by generated code
            # Hand the instance on unless a field must change.
            changed: dict[str, Any] | None = None
            errors: list[dict[str, Any]] | None = None
            for name, field_fit, _, _ in plan:
                current = getattr(value, name)
                try:
                    fitted = field_fit(current)
                except Invalid as exc:
                    if errors is None:
                        errors = []
                    errors.extend(prefix_errors(exc.errors, name))
                    continue
                if fitted is not current:
                    if changed is None:
                        changed = {}
                    changed[name] = fitted
            if errors:
                raise Invalid(errors)
            if changed is None:
                return value
            return {name: changed.get(name, getattr(value, name)) for name, _, _, _ in plan}
        if isinstance(value, Mapping):
            get = value.get
        elif isinstance(value, cls):
            # An instance of a subclass: its attributes, the subclass's own left out.
            # Another object is refused, however alike its attributes: pydantic reads
            # attributes for its models only (``from_attributes``), not for dataclasses.
            def get(name: str, default: Any = _NO_DEFAULT, obj: Any = value) -> Any:
                return getattr(obj, name, default)
        else:
            fail("dataclass_type", type_msg, value, {"class_name": class_name})
        return _gather(plan, get, value)

    return fit


def _never(value: Any) -> bool:
    return False


def _gather(plan: list[tuple[str, Fit, bool, Any]], get: Callable[..., Any], value: Any) -> Any:
    out: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for name, field_fit, required, default in plan:
        current = get(name, _NO_DEFAULT)
        if current is _NO_DEFAULT:
            if required:
                errors.append(missing((name,), value))
            else:
                out[name] = default
            continue
        try:
            out[name] = field_fit(current)
        except Invalid as exc:
            errors.extend(prefix_errors(exc.errors, name))
    if errors:
        raise Invalid(errors)
    return out


def _typeddict(cls: type) -> Fit:
    hints = _hints(cls)
    required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset(hints))
    plan: list[tuple[str, Fit, bool, Any]] = []
    for name, tp in hints.items():
        origin = typing.get_origin(tp)
        required = name in required_keys
        if origin is typing.NotRequired:
            required = False
        elif origin is typing.Required:
            required = True
        try:
            plan.append((name, _fitter(tp), required, _NO_DEFAULT))
        except TypeError as exc:
            raise TypeError(f"{cls.__qualname__}.{name}: {exc}") from None
    _FIELDS[cls] = _Fields(cls, plan)

    def fit(value: Any) -> Any:
        if not isinstance(value, Mapping):
            fail("dict_type", "Input should be a valid dictionary", value)
        out: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for name, field_fit, required, _ in plan:
            if name not in value:
                if required:
                    errors.append(missing((name,), value))
                continue
            try:
                out[name] = field_fit(value[name])
            except Invalid as exc:
                errors.extend(prefix_errors(exc.errors, name))
        if errors:
            raise Invalid(errors)
        return out

    return fit


def _invalid(exc: ValueError) -> Invalid | None:
    """pydantic's ``ValidationError`` as ours, None for any other ValueError."""
    errors = getattr(exc, "errors", None)
    if errors is None or type(exc).__name__ != "ValidationError":
        return None
    return Invalid([_error_of(e) for e in errors(include_url=False)])


def _computed_field_names(cls: type) -> tuple[str, ...]:
    """The ``@computed_field`` s of a pydantic dataclass (none for a plain one)."""
    decorators = getattr(cls, "__pydantic_decorators__", None)
    return tuple(getattr(decorators, "computed_fields", None) or ())


def _serialized_by_pydantic(cls: type) -> Fit:
    """A pydantic dataclass with computed fields: validated and written by pydantic,
    computed fields included, as FastAPI writes such a response model."""
    validate = cls.__pydantic_validator__.validate_python  # type: ignore[attr-defined]
    serialize = cls.__pydantic_serializer__.to_python  # type: ignore[attr-defined]

    def fit(value: Any) -> Any:
        try:
            found = value if type(value) is cls else validate(value, from_attributes=True)
        except ValueError as exc:
            invalid = _invalid(exc)
            if invalid is None:
                raise
            raise invalid from None
        return serialize(found, mode="json", by_alias=True)

    return fit


def _pydantic(cls: type) -> Fit:
    validate = cls.__pydantic_validator__.validate_python  # type: ignore[attr-defined]
    names = tuple(getattr(cls, "model_fields", {}))

    def fit(value: Any) -> Any:
        if type(value) is cls:
            return value
        try:
            found = validate(value, from_attributes=True)
        except ValueError as exc:
            invalid = _invalid(exc)
            if invalid is None:
                raise
            raise invalid from None
        if type(found) is not cls:
            # An instance of a subclass is accepted as it is: keep only this model's
            # fields (and which of them were set), so the subclass's never get out.
            fields_set = found.model_fields_set & set(names)
            found = cls.model_construct(  # type: ignore[attr-defined]
                fields_set, **{name: getattr(found, name) for name in names}
            )
        return found

    return fit


def _error_of(found: Mapping[str, Any]) -> dict[str, Any]:
    """One of pydantic's errors as FastAPI passes it on (``ctx`` only when there)."""
    error = {
        "type": found["type"],
        "loc": tuple(found["loc"]),
        "msg": found["msg"],
        "input": found["input"],
    }
    if "ctx" in found:
        error["ctx"] = found["ctx"]
    return error


# -- PERF: "already fits exactly", as generated straight-line code -----------------------

_CHECKS: dict[type, Callable[[Any], bool]] = {}


def _exact_check(tp: Any) -> Callable[[Any], bool]:
    """``ok(value)``: True when fitting ``value`` to ``tp`` would hand it back unchanged.

    A generated function of exact-type tests (no calls for scalar fields, a loop for
    lists), so the common case costs a fraction of the general fitter; False only
    sends the value down the general path, which decides for itself.
    """
    namespace: dict[str, Any] = {}
    lines = ["def ok(v0):"]
    _check_lines(tp, "v0", lines, namespace, 1)
    lines.append("    return True")
    return _compiled_check(lines, namespace)


def _compiled_check(lines: list[str], namespace: dict[str, Any]) -> Callable[[Any], bool]:
    try:
        exec("\n".join(lines), namespace)
    except SyntaxError:  # nested past the compiler's 20 blocks: the general path decides
        return _never
    ok: Callable[[Any], bool] = namespace["ok"]
    return ok


def _dataclass_check(cls: type) -> Callable[[Any], bool]:
    found = _CHECKS.get(cls)
    if found is None:
        real: list[Callable[[Any], bool]] = []
        _CHECKS[cls] = lambda value: real[0](value)
        namespace: dict[str, Any] = {}
        lines = ["def ok(obj):"]
        hints = _hints(cls)
        for index, field in enumerate(dataclasses.fields(cls)):
            var = f"f{index}"
            if not field.name.isidentifier():
                namespace[f"N{index}"] = field.name
                lines.append(f"    {var} = getattr(obj, N{index})")
            else:
                lines.append(f"    {var} = obj.{field.name}")
            _check_lines(hints.get(field.name, Any), var, lines, namespace, 1)
        lines.append("    return True")
        check = _compiled_check(lines, namespace)
        real.append(check)
        found = _CHECKS[cls] = check
    return found


def _check_lines(
    tp: Any, var: str, lines: list[str], namespace: dict[str, Any], depth: int
) -> None:
    pad = "    " * depth
    if tp is Any or tp is object or isinstance(tp, typing.TypeVar):
        return  # a bare generic dataclass's own annotations: pydantic reads T as Any
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if isinstance(tp, type) and (tp in SCALARS or issubclass(tp, enum.Enum)):
        name = f"T{len(namespace)}"
        namespace[name] = tp
        lines.append(f"{pad}if type({var}) is not {name}: return False")
        return
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = f"T{len(namespace)}"
        namespace[name] = tp
        namespace[f"C{name}"] = _dataclass_check(tp)
        lines.append(f"{pad}if type({var}) is not {name} or not C{name}({var}): return False")
        return
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and _NONE in args:
        inner = args[0] if args[1] is _NONE else args[1]
        lines.append(f"{pad}if {var} is not None:")
        before = len(lines)
        _check_lines(inner, var, lines, namespace, depth + 1)
        if len(lines) == before:
            lines.append(f"{pad}    pass")
        return
    if origin is dict or tp is dict:
        key, item = f"k{depth}", f"i{depth}"
        lines.append(f"{pad}if type({var}) is not dict: return False")
        key_tp, value_tp = args if len(args) == 2 else (Any, Any)
        if key_tp not in (Any, object) or value_tp not in (Any, object):
            lines.append(f"{pad}for {key}, {item} in {var}.items():")
            before = len(lines)
            _check_lines(key_tp, key, lines, namespace, depth + 1)
            _check_lines(value_tp, item, lines, namespace, depth + 1)
            if len(lines) == before:
                lines.append(f"{pad}    pass")
        return
    if origin is list or tp is list:
        item = f"i{depth}"
        lines.append(f"{pad}if type({var}) is not list: return False")
        if args and args[0] not in (Any, object):
            lines.append(f"{pad}for {item} in {var}:")
            _check_lines(args[0], item, lines, namespace, depth + 1)
        return
    # Anything else: ask the general fitter whether it hands the value back.
    name = f"G{len(namespace)}"
    namespace[name] = _unchanged_by(_fitter(tp))
    lines.append(f"{pad}if not {name}({var}): return False")


def _unchanged_by(fit: Fit) -> Callable[[Any], bool]:
    def unchanged(value: Any) -> bool:
        try:
            return fit(value) is value
        except Invalid:
            return False

    return unchanged


# -- PERF: fit and write in one pass, as generated code ----------------------------------
#
# For a route whose response class writes with ``render_json``, a model known at
# registration gets a compiled writer: one function that checks a value exactly as
# ``_exact_check`` does (or more strictly) and, in the same walk, writes the JSON text
# ``render_json`` would write for it, field by field, with no intermediate dicts and
# no second walk by the encoder.  Any value it is unsure of (a type that is not exact,
# a NaN, a field it cannot check) makes it return False, and the general path (fit,
# then render) decides, so it can only be faster, never answer differently
# (tests/encoders/test_compiled_records.py checks the bytes against that path).
# bench: "model" and "encoded", 20 records; benchmarks/bench_encoder.py (b).

# Scalar classes whose JSON the C encoder writes as it is (no hook): a subtree made
# only of these, lists and str-keyed dicts is checked and then written by the encoder.
_NATIVE_SCALARS = (str, int, bool, _NONE)


def _native(tp: Any) -> bool:
    if tp is Any or tp is object or tp in _NATIVE_SCALARS:
        return True
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return len(args) == 2 and _NONE in args and all(_native(a) for a in args)
    if origin is list:
        return not args or _native(args[0])
    if origin is dict:
        return len(args) == 2 and args[0] is str and _native(args[1])
    return tp is list or tp is dict


def _plain_dataclass(tp: Any) -> bool:
    """A dataclass the encoder writes as its fields (one subclassing a container or a
    JSON scalar is written as that instead, see asgiweb/encoders/jsonable.py; a
    pydantic one with computed fields is written by pydantic)."""
    return (
        isinstance(tp, type)
        and dataclasses.is_dataclass(tp)
        and not issubclass(tp, dict | list | tuple | str | int | float)
        and not _computed_field_names(tp)
    )


class _Writer:
    """Generates one writer function: ``write(v0) -> str | False`` (see above)."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = writer_namespace()
        self.count = 0
        self.specialised = False  # anything written other than by the encoder
        self.pending: dict[str, list[str]] = {}  # dataclass texts not yet written

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}_"

    def constant(self, value: Any) -> str:
        name = self.fresh("_W")
        self.namespace[name] = value
        return name

    def write(
        self,
        tp: Any,
        var: str,
        lines: list[str],
        depth: int,
        stack: tuple[type, ...],
        splice: bool = False,
    ) -> str:
        """Append the lines checking ``var`` against ``tp`` and writing its JSON text
        to a new local; return that local's name.  With ``splice``, a dataclass's text
        is left as f-string pieces (``self.pending``) for the caller's own f-string."""
        pad = "    " * depth
        out = self.fresh("t")
        core, metadata, _ = unwrap(tp, optional=False)
        if not metadata:
            tp = core  # NewType, Required/NotRequired: the same fitter as their core
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if (isinstance(tp, type) and tp in SCALARS) or tp is _NONE:
            found = scalar_writer(tp, var, out, self.fresh("k"))
            if found is not None:
                code, pieces = found
                name = self.constant(tp)
                lines.append(f"{pad}if type({var}) is not {name}: return False")
                lines.extend(pad + line for line in code)
                self.specialised = self.specialised or tp not in _NATIVE_SCALARS
                if pieces == ["", out, ""]:
                    return out
                if splice:
                    self.pending[out] = pieces
                else:
                    lines.append(f"{pad}{out} = {_fstring(pieces)}")
                return out
        elif _plain_dataclass(tp) and tp not in stack and len(stack) < 4:
            self.specialised = True
            pieces = self._dataclass(tp, var, lines, depth, (*stack, tp))
            if splice:  # PERF: one f-string per record, not one per nested dataclass
                self.pending[out] = pieces
            else:
                lines.append(f"{pad}{out} = {_fstring(pieces)}")
            return out
        elif is_typeddict(tp) and tp not in stack and len(stack) < 4:
            self.specialised = True
            return self._typeddict(tp, var, lines, depth, (*stack, tp))
        elif origin in (typing.Union, types.UnionType) and len(args) == 2 and _NONE in args:
            inner = args[0] if args[1] is _NONE else args[1]
            lines.append(f"{pad}if {var} is None: {out} = 'null'")
            lines.append(f"{pad}else:")
            written = self.write(inner, var, lines, depth + 1, stack)
            lines.append(f"{pad}    {out} = {written}")
            return out
        elif origin is list and args and args[0] is str:
            # PERF: a short list checked and written in one loop: 260 ns for three
            # tags, against 490 through the encoder (which wins from ~16 items).
            parts, item = self.fresh("p"), self.fresh("x")
            lines.append(f"{pad}if type({var}) is not list: return False")
            lines.append(f"{pad}if len({var}) < 16:")
            lines.append(f"{pad}    {parts} = []")
            lines.append(f"{pad}    for {item} in {var}:")
            lines.append(f"{pad}        if type({item}) is not str: return False")
            lines.append(f"{pad}        {parts}.append(_wENC({item}))")
            lines.append(f"{pad}    {out} = '[' + ','.join({parts}) + ']'")
            lines.append(f"{pad}else:")
            _check_lines(tp, var, lines, self.namespace, depth + 1)
            lines.append(f"{pad}    {out} = _wJT({var})")
            return out
        elif not _native(tp):
            if origin is list and args:
                return self._list(args[0], var, out, lines, depth, stack)
            if origin is dict and len(args) == 2 and args[0] is str:
                return self._dict(args[1], var, out, lines, depth, stack)
        # Anything else: the fitter's own exact check, then the encoder writes it.
        _check_lines(tp, var, lines, self.namespace, depth)
        lines.append(f"{pad}{out} = _wJT({var})")
        return out

    def _fields(
        self,
        fields: list[tuple[str, Any]],
        load: Callable[[str], str],
        lines: list[str],
        depth: int,
        stack: tuple[type, ...],
    ) -> list[tuple[str, str]]:
        written = []
        pad = "    " * depth
        for name, hint in fields:
            var = self.fresh("a")
            lines.append(f"{pad}{var} = {load(name)}")
            written.append((name, self.write(hint, var, lines, depth, stack, splice=True)))
        return written

    def _dataclass(
        self, cls: type, var: str, lines: list[str], depth: int, stack: tuple[type, ...]
    ) -> list[str]:
        pad = "    " * depth
        lines.append(f"{pad}if type({var}) is not {self.constant(cls)}: return False")
        hints = _hints(cls)
        fields = [(f.name, hints.get(f.name, Any)) for f in dataclasses.fields(cls)]

        def load(name: str) -> str:
            if name.isidentifier() and not keyword.iskeyword(name):
                return f"{var}.{name}"
            return f"getattr({var}, {self.constant(name)})"

        written = self._fields(fields, load, lines, depth, stack)
        pieces: list[str] = []  # literal text at even indices, local names at odd ones
        for index, (name, text) in enumerate(written):
            _literal(pieces, ("{" if index == 0 else ",") + json_text(name) + ":")
            nested = self.pending.pop(text, None)
            if nested is None:
                _literal(pieces, "")
                pieces.append(text)
            else:
                for position, piece in enumerate(nested):
                    if position % 2 == 0:
                        _literal(pieces, piece)
                    else:
                        pieces.append(piece)
        _literal(pieces, "}" if written else "{}")
        return pieces

    def _typeddict(
        self, cls: type, var: str, lines: list[str], depth: int, stack: tuple[type, ...]
    ) -> str:
        # The fitter builds a new dict of the declared keys present, in declaration
        # order, each value fitted; written here without building it.
        pad = "    " * depth
        _fitter(cls)  # fills _FIELDS
        plan = _FIELDS[cls].plan
        hints = _hints(cls)
        lines.append(f"{pad}if type({var}) is not dict: return False")
        parts = self.fresh("p")
        lines.append(f"{pad}{parts} = []")
        missing_ = self.constant(_NO_DEFAULT)
        for name, _, required, _ in plan:
            item = self.fresh("a")
            key = self.constant(name)
            lines.append(f"{pad}{item} = {var}.get({key}, {missing_})")
            if required:
                lines.append(f"{pad}if {item} is {missing_}: return False")
                text = self.write(hints[name], item, lines, depth, stack)
                lines.append(
                    f"{pad}{parts}.append({self.constant(json_text(name) + ':')} + {text})"
                )
            else:
                lines.append(f"{pad}if {item} is not {missing_}:")
                text = self.write(hints[name], item, lines, depth + 1, stack)
                lines.append(
                    f"{pad}    {parts}.append({self.constant(json_text(name) + ':')} + {text})"
                )
        out = self.fresh("t")
        lines.append(f"{pad}{out} = '{{' + ','.join({parts}) + '}}'")
        return out

    def _list(
        self,
        item_tp: Any,
        var: str,
        out: str,
        lines: list[str],
        depth: int,
        stack: tuple[type, ...],
    ) -> str:
        pad = "    " * depth
        parts, item = self.fresh("p"), self.fresh("x")
        lines.append(f"{pad}if type({var}) is not list: return False")
        lines.append(f"{pad}{parts} = []")
        lines.append(f"{pad}for {item} in {var}:")
        text = self.write(item_tp, item, lines, depth + 1, stack)
        lines.append(f"{pad}    {parts}.append({text})")
        lines.append(f"{pad}{out} = '[' + ','.join({parts}) + ']'")
        return out

    def _dict(
        self,
        value_tp: Any,
        var: str,
        out: str,
        lines: list[str],
        depth: int,
        stack: tuple[type, ...],
    ) -> str:
        pad = "    " * depth
        parts, key, item = self.fresh("p"), self.fresh("y"), self.fresh("x")
        lines.append(f"{pad}if type({var}) is not dict: return False")
        lines.append(f"{pad}{parts} = []")
        lines.append(f"{pad}for {key}, {item} in {var}.items():")
        lines.append(f"{pad}    if type({key}) is not str: return False")
        text = self.write(value_tp, item, lines, depth + 1, stack)
        lines.append(f"{pad}    {parts}.append(_wENC({key}) + ':' + {text})")
        lines.append(f"{pad}{out} = '{{' + ','.join({parts}) + '}}'")
        return out


def _literal(pieces: list[str], text: str) -> None:
    if len(pieces) % 2:
        pieces[-1] += text
    else:
        pieces.append(text)


def _fstring(pieces: list[str]) -> str:
    """An f-string expression: even pieces are literal text, odd ones local names."""
    template = "".join(
        piece.replace("{", "{{").replace("}", "}}") if index % 2 == 0 else "{" + piece + "}"
        for index, piece in enumerate(pieces)
    )
    return "f" + repr(template)


_COMPILED: dict[Any, Callable[[Any], str | bool] | None] = {}


def compile_writer(tp: Any) -> Callable[[Any], str | bool] | None:
    """``write(value) -> str | False`` for the model ``tp`` (see above), or None when
    there is nothing to gain over the encoder (a model of JSON-native types only)."""
    key = _cache_key(tp)
    try:
        return _COMPILED[key]
    except KeyError:
        pass
    except TypeError:  # unhashable annotation
        return None
    writer = _Writer()
    lines = ["def write(v0):"]
    found: Callable[[Any], str | bool] | None = None
    try:
        _fitter(tp)  # what the general path checks; a type it refuses gets no writer
        result = writer.write(tp, "v0", lines, 1, ())
        lines.append(f"    return {result}")
        if writer.specialised:
            exec("\n".join(lines), writer.namespace)
            found = writer.namespace["write"]
    except (TypeError, RecursionError, SyntaxError):
        # A type it cannot resolve, or nested past what the compiler takes (20 blocks
        # deep): the general path alone, which decides for itself.
        found = None
    _COMPILED[key] = found
    return found


# -- the serialisation options ---------------------------------------------------------


class _Dump:
    """``response_model_include/exclude/by_alias/exclude_*``: fitted value -> plain data."""

    def __init__(
        self,
        include: Any,
        exclude: Any,
        by_alias: bool,
        exclude_unset: bool,
        exclude_defaults: bool,
        exclude_none: bool,
    ) -> None:
        self.include = _as_filter(include)
        self.exclude = _as_filter(exclude)
        self.by_alias = by_alias
        self.exclude_unset = exclude_unset
        self.exclude_defaults = exclude_defaults
        self.exclude_none = exclude_none

    def __call__(self, value: Any, model: Any) -> Any:
        return self.dump(value, self.include, self.exclude, model)

    def dump(self, value: Any, include: Any, exclude: Any, tp: Any) -> Any:
        if is_pydantic_model(type(value)):
            return value.model_dump(
                mode="json",
                include=include,
                exclude=exclude,
                by_alias=self.by_alias,
                exclude_unset=self.exclude_unset,
                exclude_defaults=self.exclude_defaults,
                exclude_none=self.exclude_none,
            )
        if value is None:  # an Optional's None: no fields to read
            return None
        tp = _model_member(tp, value)
        fields = _FIELDS.get(tp) if isinstance(tp, type) else None
        if fields is not None:
            if isinstance(value, Mapping):
                items = [(name, value[name]) for name, _, _, _ in fields.plan if name in value]
            else:
                items = [(name, getattr(value, name)) for name, _, _, _ in fields.plan]
            hints = _hints(tp)
            return self._filtered(items, include, exclude, fields.defaults, hints)
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if isinstance(value, Mapping):
            value_tp = args[1] if origin in _MAPPINGS and len(args) == 2 else Any
            hints = {key: value_tp for key in value}
            return self._filtered(list(value.items()), include, exclude, {}, hints)
        if isinstance(value, list | tuple | set | frozenset):
            item_tp = args[0] if args else Any
            out = []
            for index, item in enumerate(value):
                item_include = _item_filter(include, index)
                item_exclude = _item_filter(exclude, index)
                if include is not None and item_include is None:
                    continue
                if item_exclude is ...:
                    continue
                out.append(
                    self.dump(
                        item,
                        None if item_include is ... else item_include,
                        item_exclude,
                        item_tp,
                    )
                )
            return out
        return value

    def _filtered(
        self,
        items: list[tuple[Any, Any]],
        include: Any,
        exclude: Any,
        defaults: Mapping[str, Any],
        hints: Mapping[Any, Any],
    ) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        for key, item in items:
            if include is not None and key not in include:
                continue
            if exclude is not None and exclude.get(key, None) is ...:
                continue
            if item is None and self.exclude_none:
                continue
            if self.exclude_defaults and key in defaults:
                default = defaults[key]
                if default is not _NO_DEFAULT and item == default:
                    continue
            out[key] = self.dump(item, _sub(include, key), _sub(exclude, key), hints.get(key, Any))
        return out


def _model_member(tp: Any, value: Any) -> Any:
    """The class in ``tp`` (through Annotated, Optional and unions) that ``value`` was
    fitted to: a dataclass/TypedDict of the same class, else the first whose fields it has."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = tp.__origin__
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return tp
    members = [m for m in typing.get_args(tp) if m is not _NONE]
    for member in members:
        if type(value) is member:
            return member
    for member in members:
        fields = _FIELDS.get(member) if isinstance(member, type) else None
        if fields is not None and isinstance(value, Mapping) and set(value) <= fields.names:
            return member
    return members[0] if len(members) == 1 else Any


def _as_filter(keys: Any) -> dict[Any, Any] | None:
    """pydantic's include/exclude spellings as ``{key: ... or nested filter}``."""
    if keys is None:
        return None
    if isinstance(keys, Mapping):
        return {k: (... if v is ... or v is True else _as_filter(v)) for k, v in keys.items()}
    return {k: ... for k in keys}


def _item_filter(filter_: dict[Any, Any] | None, index: int) -> Any:
    """What ``filter_`` says of the item at ``index`` of a sequence: its own entry
    merged with ``"__all__"`` (pydantic's spelling for every item): ``...`` for the
    whole item, a nested filter, or None when neither names it.  pydantic's merge:
    when either names the whole item, the item's own entry wins; two nested filters
    are joined."""
    if filter_ is None:
        return None
    own = filter_.get(index)
    every = filter_.get("__all__")
    if own is None or every is None:
        return every if own is None else own
    if own is ... or every is ...:
        return own
    return _merged(own, every)


def _merged(own: dict[Any, Any], every: dict[Any, Any]) -> dict[Any, Any]:
    out = dict(own)
    for key, nested in every.items():
        mine = out.get(key)
        if mine is None:
            out[key] = nested
        elif mine is not ... and nested is not ...:
            out[key] = _merged(mine, nested)
    return out


def _sub(filter_: dict[Any, Any] | None, key: Any) -> Any:
    if filter_ is None:
        return None
    nested = filter_.get(key)
    return None if nested is ... else nested


# -- the finisher ------------------------------------------------------------------------


def compile_shape(
    model: Any,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    response_class: type[Response] | None = None,
) -> Callable[[Any], Any]:
    """The response-model step: a returned value fitted (validated and filtered) to
    ``model``, then dumped with the ``response_model_*`` options when any is set.

    Given the ``response_class`` that will render the result, and when it renders
    with ``render_json``, the step may hand it the body already written
    (``RenderedJSON``, from ``compile_writer``) instead of the fitted value."""
    fit = _fitter(model)
    options = (include, exclude, exclude_unset, exclude_defaults, exclude_none)
    dump = (
        _Dump(include, exclude, by_alias, exclude_unset, exclude_defaults, exclude_none)
        if any(option not in (None, False) for option in options) or not by_alias
        else None
    )
    write = (
        compile_writer(model)
        if dump is None
        and response_class is not None
        and getattr(response_class, "render", None) is JSONResponse.render
        and response_class.__init__ is JSONResponse.__init__
        else None
    )
    if write is not None:
        writer = write

        def shape_written(value: Any) -> Any:
            # PERF: the compiled writer first (see compile_writer); False or an
            # error: the general path below decides, answers and raises.
            try:
                text = writer(value)
            except Exception:
                text = False
            if isinstance(text, str):
                return RenderedJSON(utf8_body(text))
            try:
                return fit(value)
            except Invalid as exc:
                raise ResponseValidationError(
                    prefix_errors(exc.errors, "response"), body=value
                ) from None

        return shape_written

    def shape(value: Any) -> Any:
        try:
            fitted = fit(value)
        except Invalid as exc:
            raise ResponseValidationError(
                prefix_errors(exc.errors, "response"), body=value
            ) from None
        return fitted if dump is None else dump(fitted, model)

    return shape


def _model_step(
    response_class: type[Response],
    endpoint: Callable[..., Any] | None,
    response_model: Any,
    options: tuple[Any, Any, bool, bool, bool, bool],
) -> tuple[Any, Callable[[Any], Any] | None]:
    """The route's response model and its fitting step (``compile_shape``), or
    ``(None, None)`` without one; ``options`` are the ``response_model_*`` options
    in ``compile_shape``'s order."""
    model = response_model_of(endpoint, response_model) if endpoint is not None else None
    if model is None:
        return None, None
    return model, compile_shape(model, *options, response_class)


def without_content(response: Response) -> None:
    """A 205 made from a handler's value: sent with no content and
    ``content-length: 0`` (RFC 9110 §15.3.6).  FastAPI drops the body too but
    keeps the length of the dropped one (docs/api.md, "Return values")."""
    response.body = b""
    response.raw_headers = [
        (b"content-length", b"0") if name == b"content-length" else (name, value)
        for name, value in response.raw_headers
    ]


def compile_finisher(
    response_class: type[Response],
    status_code: int | None,
    *,
    endpoint: Callable[..., Any] | None = None,
    response_model: Any = None,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
) -> Finisher:
    """``finish(value, temporary, tasks) -> Response`` (see the module docstring)."""
    if endpoint is not None:
        _refuse_model_without_body(endpoint, response_model, status_code)
    _, shape = _model_step(
        response_class,
        endpoint,
        response_model,
        (include, exclude, by_alias, exclude_unset, exclude_defaults, exclude_none),
    )

    nan_as_null = shape is not None and response_class is JSONResponse
    responses = response_types()
    reset = status_code == 205  # decided here: no test per request for other routes

    def finish(value: Any, temporary: Response | None, tasks: BackgroundTasks | None) -> Response:
        if isinstance(value, responses):
            response = value
        else:
            if shape is not None:
                value = shape(value)
            try:
                if status_code is None:
                    response = response_class(value)
                else:
                    response = response_class(value, status_code=status_code)
            except ValueError as exc:
                # A model's NaN or infinity: null, as pydantic writes it for FastAPI.
                if not (nan_as_null and is_out_of_range(exc)):
                    raise
                response = response_class(null_for_nan(value), status_code=status_code or 200)
            if reset:
                without_content(response)
            if temporary is not None:
                code = temporary.status_code
                if code:
                    response.status_code = code
                    if code < 200 or code in (204, 304):
                        # Rendered for another status: no body now, nor its length
                        # (RFC 9110 §8.6), as FastAPI answers.
                        response.body = b""
                        response.raw_headers = [
                            h for h in response.raw_headers if h[0] != b"content-length"
                        ]
                    elif code == 205:
                        without_content(response)
                response.raw_headers.extend(temporary.raw_headers)
        if tasks is not None:
            existing = response.background
            if existing is None:
                response.background = tasks
            elif existing is not tasks:
                response.background = BackgroundTasks([existing, tasks])
        return response

    return finish


def compile_answer(
    response_class: type[Response],
    status_code: int | None,
    *,
    endpoint: Callable[..., Any] | None = None,
    response_model: Any = None,
    include: Any = None,
    exclude: Any = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
) -> Callable[[Any], Response | AnswerMessages] | None:
    """``answer(value)``: what ``finish(value, None, None)`` answers, given as its two
    messages (``responses.base.answer_messages``) when the handler returned data,
    not a Response; None when the class or a ``status_code`` rules that out.

    For a route with no injected Response or BackgroundTasks (PERF: no Response
    object per request; benchmarks/inprocess.py "plaintext", "json", "items").
    """
    if status_code is not None:
        return None
    messages = answer_messages(response_class)
    if messages is None:
        return None
    send_messages = messages
    responses = response_types()
    model, fitting = _model_step(
        response_class,
        endpoint,
        response_model,
        (include, exclude, by_alias, exclude_unset, exclude_defaults, exclude_none),
    )
    if fitting is None:

        def answer_plain(value: Any) -> Response | AnswerMessages:
            return value if isinstance(value, responses) else send_messages(value)

        return answer_plain
    shape = fitting
    plain_options = by_alias and not any(
        (include, exclude, exclude_unset, exclude_defaults, exclude_none)
    )
    if model is str and plain_options:

        def answer_str(value: Any) -> Response | AnswerMessages:
            # PERF: a str returned for a ``-> str`` route is already fitted (the
            # fitting step is the identity for it; benchmarks/inprocess.py "plaintext").
            if value.__class__ is str:
                return send_messages(value)
            return value if isinstance(value, responses) else send_messages(shape(value))

        return answer_str

    if response_class is not JSONResponse:

        def answer(value: Any) -> Response | AnswerMessages:
            return value if isinstance(value, responses) else send_messages(shape(value))

        return answer

    def answer_json(value: Any) -> Response | AnswerMessages:
        if isinstance(value, responses):
            return value
        fitted = shape(value)
        try:
            return send_messages(fitted)
        except ValueError as exc:
            # A model's NaN or infinity: null, as pydantic writes it for FastAPI.
            if not is_out_of_range(exc):
                raise
            return send_messages(null_for_nan(fitted))

    return answer_json

