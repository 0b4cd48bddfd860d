"""Compile a type annotation, once, into a converter that validates like pydantic v2.

``compile_converter(tp)`` returns ``convert(value) -> value`` that raises
:class:`Invalid` listing *every* problem found (a dataclass with three bad
fields gives three errors), each with pydantic's ``type``, ``msg``, ``input``,
``ctx`` and a ``loc`` relative to the value.  Supported: the scalars of
``asgiweb._validation.scalars``, ``Enum``, ``Literal``, ``Optional``/``Union``,
``list``/``set``/``frozenset``/``tuple``/``dict`` and their abstract
spellings, ``Any``, ``NewType``, ``Annotated`` constraints (``gt``...``pattern``,
from our markers, ``annotated_types`` or pydantic's ``Field``) and pydantic's
``AfterValidator``/``BeforeValidator``/``PlainValidator``/``WrapValidator``
(recognised by class, without importing pydantic), dataclasses, TypedDicts,
and pydantic models.

Pydantic models are recognised by their ``__pydantic_validator__`` attribute
and validated by pydantic itself: asgiweb never imports pydantic.  Dataclass
and TypedDict plans are built once per class and cached; a recursive class
works because its plan is registered before its fields are compiled.
Anything else goes to a pydantic ``TypeAdapter`` built here, at compile time, when
pydantic is installed (``asgiweb._validation.pydantic_types``), and is a
``TypeError`` otherwise: at compile time, never at request time.
"""

from __future__ import annotations

import collections
import collections.abc as cabc
import dataclasses
import datetime
import enum
import types
import typing
import uuid
from decimal import Decimal
from typing import Any

from asgiweb._validation.annotations import unwrap
from asgiweb._validation.constraints import ConstraintError, constrain, constraints_of, plural
from asgiweb._validation.metadata import apply_metadata, check_metadata
from asgiweb._validation.pydantic_types import from_pydantic_errors, pydantic_converter
from asgiweb._validation.scalars import (
    SCALARS,
    Converter,
    ErrorDict,
    Invalid,
    enum_converter,
    fail,
    literal_converter,
    missing,
)

__all__ = [
    "ConstraintError",
    "Converter",
    "Invalid",
    "compile_converter",
    "constrain",
    "constraints_of",
    "convert_items",
    "is_body_type",
    "is_pydantic_model",
    "prefix_errors",
    "tuple_converter",
    "union_tag",
    "validating_converter",
]

_NONE_TYPE = type(None)
_LIST_ORIGINS = {list, cabc.Sequence, cabc.MutableSequence, cabc.Iterable, cabc.Collection}
_SET_ORIGINS = {set, cabc.MutableSet}  # an abstract Set is a frozenset, as in pydantic
_DICT_ORIGINS = {dict, cabc.Mapping, cabc.MutableMapping}
# What pydantic's lax python mode accepts as the input of a list/set/tuple field.
_SEQUENCE_INPUTS = (list, tuple, set, frozenset, collections.deque, cabc.KeysView, cabc.ValuesView)
_CLASS_PLANS: dict[type, Converter] = {}
# FastAPI's non-scalar classes (besides models and dataclasses): the body by default.
_SEQUENCE_BASES = (cabc.Sequence, list, tuple, set, frozenset, collections.deque)


def prefix_errors(errors: list[ErrorDict], *prefix: Any) -> list[ErrorDict]:
    """Put ``prefix`` in front of each error's ``loc`` (in place) and return the list."""
    for err in errors:
        err["loc"] = (*prefix, *err["loc"])
    return errors


def is_pydantic_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "__pydantic_validator__")


def is_body_type(tp: Any) -> bool:
    """True for an annotation that FastAPI reads from the body when no marker says the
    source: anything but a scalar.  Decided at registration (docs/api.md, "Handlers").

    Not scalar: a class that is a dataclass, a pydantic model, a mapping (``dict``,
    ``Mapping``, a ``TypedDict``) or a sequence (``list``, ``tuple``, ``set``,
    ``frozenset``, ``deque``, any ``Sequence``; never ``str`` or ``bytes``), the same
    for the origin of a generic alias (``list[int]``, ``Sequence[int]``,
    ``dict[str, int]``...), ``Annotated`` around one, and a union with one such member
    (``list[int] | None``, ``int | list[int]``).  ``Set``/``Iterable``/``Collection``
    and a ``NewType`` stay scalar, as in FastAPI.
    """
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return is_body_type(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return any(is_body_type(arg) for arg in typing.get_args(tp))
    return (
        _is_complex_class(tp)
        or _is_complex_class(origin)
        or hasattr(origin, "__pydantic_core_schema__")
        or hasattr(origin, "__get_pydantic_core_schema__")
    )


def _is_complex_class(tp: Any) -> bool:
    if not isinstance(tp, type) or isinstance(tp, types.GenericAlias):
        return False
    if dataclasses.is_dataclass(tp) or is_pydantic_model(tp):
        return True
    try:
        if issubclass(tp, cabc.Mapping):
            return True
    except TypeError:  # a class whose metaclass refuses issubclass
        return False
    return is_sequence_class(tp)


def is_sequence_class(tp: Any) -> bool:
    """A class FastAPI counts as a sequence: ``list``, ``tuple``, ``set``, ``frozenset``,
    ``deque`` or any ``Sequence``, never ``str`` or ``bytes`` (the one home of this
    rule: body types here, repeated keys in ``_endpoint.sources``, inferred files in
    ``_endpoint.forms``)."""
    try:
        return (
            isinstance(tp, type)
            and issubclass(tp, _SEQUENCE_BASES)
            and not issubclass(tp, str | bytes)
        )
    except TypeError:  # a class whose metaclass refuses issubclass
        return False


def is_typeddict(tp: Any) -> bool:
    """``typing`` and ``typing_extensions`` TypedDicts (the latter are another class on 3.11)."""
    return (
        isinstance(tp, type)
        and issubclass(tp, dict)
        and hasattr(tp, "__required_keys__")
        and hasattr(tp, "__total__")
    )


# -- the compiler -------------------------------------------------------------------


def _identity(value: Any) -> Any:
    return value


# How many annotations went to pydantic so far: an Annotated or a union that saw one
# among its parts goes to pydantic whole (its constraints, validators and union tags
# are then pydantic's own, see asgiweb._validation.pydantic_types).
_HANDED_TO_PYDANTIC = [0]


def compile_converter(tp: Any) -> Converter:
    """The converter for annotation ``tp``; ``TypeError`` if asgiweb cannot validate it
    (and pydantic, when installed, cannot either)."""
    try:
        return _compile(tp)
    except ConstraintError:
        raise
    except TypeError:
        fallback = pydantic_converter(tp)
        if fallback is None:
            raise
        _HANDED_TO_PYDANTIC[0] += 1
        return fallback


def _compile(tp: Any) -> Converter:
    if tp is Any or tp is object:
        return _identity
    core, metadata, _ = unwrap(tp, optional=False)
    if core is not tp:  # Annotated, Required/NotRequired or NewType around ``core``
        check_metadata(core, metadata)  # pydantic's own metadata: a TypeError, see above
        before = _HANDED_TO_PYDANTIC[0]
        convert = compile_converter(core)
        if metadata and _HANDED_TO_PYDANTIC[0] != before:
            raise TypeError(f"{tp!r} holds a type only pydantic validates")
        return apply_metadata(convert, core, metadata)
    origin = typing.get_origin(tp)
    if tp is None or tp is _NONE_TYPE:
        return _none_converter
    if origin in (typing.Union, types.UnionType):
        return _union_converter(typing.get_args(tp))
    if origin is typing.Literal:
        return literal_converter(typing.get_args(tp))
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return enum_converter(tp)
        scalar = SCALARS.get(tp)
        if scalar is not None:
            return scalar
        if is_pydantic_model(tp) or dataclasses.is_dataclass(tp) or is_typeddict(tp):
            return _class_converter(tp)
    args = typing.get_args(tp)
    container = origin if origin is not None else tp
    if container is cabc.Sequence:
        return _abstract_sequence_converter(args[0] if args else None)
    if container in _LIST_ORIGINS:
        return _sequence_converter(args[0] if args else Any, list, "list_type", "list")
    if container is collections.deque:
        return _sequence_converter(
            args[0] if args else Any, collections.deque, "deque_type", "deque"
        )
    if container in _SET_ORIGINS:
        return _sequence_converter(args[0] if args else Any, set, "set_type", "set")
    if container in (frozenset, cabc.Set) or container is typing.FrozenSet:  # noqa: UP006
        return _sequence_converter(
            args[0] if args else Any, frozenset, "frozen_set_type", "frozenset"
        )
    if container is tuple:
        return tuple_converter(args)
    if container in _DICT_ORIGINS:
        key_tp, value_tp = args if len(args) == 2 else (Any, Any)
        return _dict_converter(key_tp, value_tp)
    # A class that validates its own input (asgiweb.datastructures.UploadFile).
    hook: Converter | None = getattr(tp, "__asgiweb_convert__", None)
    if hook is not None:
        return hook
    raise TypeError(f"asgiweb cannot validate values of type {tp!r}")


def _none_converter(value: Any) -> None:
    if value is not None:
        fail("none_required", "Input should be None", value)


_SCALAR_TAGS = {
    int: "int",
    float: "float",
    str: "str",
    bool: "bool",
    bytes: "bytes",
    Decimal: "decimal",
    uuid.UUID: "uuid",
    datetime.datetime: "datetime",
    datetime.date: "date",
    datetime.time: "time",
    datetime.timedelta: "timedelta",
}


def union_tag(tp: Any) -> str:
    """The name pydantic puts in a union member's error ``loc`` (its core schema's name)."""
    return _tag(tp)


def _tag(tp: Any) -> str:
    tp = unwrap(tp, optional=False).type
    if tp is Any or tp is object:
        return "any"
    if tp is None or tp is _NONE_TYPE:
        return "none"
    if tp in _SCALAR_TAGS:
        return _SCALAR_TAGS[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return f"enum[{tp.__name__}]"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Literal:
        return "literal[" + ",".join(repr(a) for a in args) + "]"
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not _NONE_TYPE]
        if len(rest) == 1:
            return f"nullable[{_tag(rest[0])}]"
        inner = "union[" + ",".join(_tag(a) for a in rest) + "]"
        return inner if len(rest) == len(args) else f"nullable[{inner}]"
    container = origin if origin is not None else tp
    if container in _LIST_ORIGINS:
        return f"list[{_tag(args[0] if args else Any)}]"
    if container in _SET_ORIGINS:
        return f"set[{_tag(args[0] if args else Any)}]"
    if container in (frozenset, cabc.Set):
        return f"frozenset[{_tag(args[0] if args else Any)}]"
    if container is tuple:
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            return f"tuple[{_tag(args[0] if args else Any)}, ...]"
        return "tuple[" + ", ".join(_tag(a) for a in args) + "]"
    if container in _DICT_ORIGINS:
        key, value = args if len(args) == 2 else (Any, Any)
        return f"dict[{_tag(key)},{_tag(value)}]"
    return getattr(tp, "__name__", repr(tp))


def _union_converter(members: tuple[Any, ...]) -> Converter:
    nullable = _NONE_TYPE in members
    rest = [m for m in members if m is not _NONE_TYPE]
    before = _HANDED_TO_PYDANTIC[0]
    converters = [(compile_converter(m), _tag(m)) for m in rest]
    if _HANDED_TO_PYDANTIC[0] != before:
        raise TypeError(f"a union of {members!r} holds a type only pydantic validates")
    if len(rest) == 1:
        inner = converters[0][0]

        def optional(value: Any) -> Any:
            if value is None:
                return None
            return inner(value)

        return optional if nullable else inner
    exact = {m: conv for m, (conv, _) in zip(rest, converters, strict=True) if isinstance(m, type)}

    def union(value: Any) -> Any:
        if value is None and nullable:
            return None
        # pydantic's "smart" mode: an input already of a member's exact type picks it.
        direct = exact.get(type(value))
        if direct is not None:
            return direct(value)
        errors: list[ErrorDict] = []
        for convert, tag in converters:
            try:
                return convert(value)
            except Invalid as exc:
                errors.extend(prefix_errors(exc.errors, tag))
        raise Invalid(errors)

    return union


def _sequence_converter(item_tp: Any, build: type, kind: str, noun: str) -> Converter:
    item = compile_converter(item_tp)
    msg = f"Input should be a valid {noun}"
    passthrough = item is _identity

    def convert(value: Any) -> Any:
        if not isinstance(value, _SEQUENCE_INPUTS):
            fail(kind, msg, value)
        if passthrough:
            return value if type(value) is build else build(value)
        out = []
        errors: list[ErrorDict] | None = None
        for index, element in enumerate(value):
            try:
                out.append(item(element))
            except Invalid as exc:
                if errors is None:
                    errors = []
                errors.extend(prefix_errors(exc.errors, index))
        if errors:
            raise Invalid(errors)
        return out if build is list else build(out)

    return convert


def _abstract_sequence_converter(item_tp: Any) -> Converter:
    """``Sequence[T]`` as pydantic checks it: any sequence but a string (a list stays a
    list, a tuple a tuple), its items converted; bare ``Sequence`` only the instance check."""
    items = None if item_tp is None else _sequence_converter(item_tp, list, "list_type", "list")

    def convert(value: Any) -> Any:
        if items is not None and isinstance(value, str | bytes):
            name = type(value).__name__
            fail(
                "sequence_str",
                f"'{name}' instances are not allowed as a Sequence value",
                value,
                {"type_name": name},
            )
        if not isinstance(value, cabc.Sequence):
            fail(
                "is_instance_of",
                "Input should be an instance of Sequence",
                value,
                {"class": "Sequence"},
            )
        if items is None:
            return value
        out = items(value)
        return tuple(out) if isinstance(value, tuple) else out

    return convert


def tuple_converter(
    args: tuple[Any, ...], compile_item: cabc.Callable[[Any], Converter] | None = None
) -> Converter:
    """``tuple[...]`` of ``args``; ``compile_item`` compiles each member of a fixed
    tuple (``compile_converter`` by default; the response models pass their own)."""
    if not args or (len(args) == 2 and args[1] is Ellipsis):
        variadic = _sequence_converter(args[0] if args else Any, list, "tuple_type", "tuple")
        return lambda value: tuple(variadic(value))
    if args == ((),):
        args = ()
    items = [(compile_item or compile_converter)(a) for a in args]
    size = len(items)

    def convert(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, _SEQUENCE_INPUTS):
            fail("tuple_type", "Input should be a valid tuple", value)
        values = list(value)
        if len(values) > size:
            fail(
                "too_long",
                f"Tuple should have at most {plural(size, 'item')} after validation, "
                f"not {len(values)}",
                value,
                {"field_type": "Tuple", "max_length": size, "actual_length": len(values)},
            )
        out: list[Any] = []
        errors: list[ErrorDict] = []
        for index, convert_item in enumerate(items):
            if index >= len(values):
                errors.append(missing((index,), value))
                continue
            try:
                out.append(convert_item(values[index]))
            except Invalid as exc:
                errors.extend(prefix_errors(exc.errors, index))
        if errors:
            raise Invalid(errors)
        return tuple(out)

    return convert


def _dict_converter(key_tp: Any, value_tp: Any) -> Converter:
    convert_key = compile_converter(key_tp)
    convert_value = compile_converter(value_tp)
    passthrough = convert_key is _identity and convert_value is _identity

    def convert(value: Any) -> Any:
        if not isinstance(value, cabc.Mapping):
            fail("dict_type", "Input should be a valid dictionary", value)
        if passthrough:
            return value if type(value) is dict else dict(value)
        return convert_items(value, convert_key, convert_value)

    return convert


def convert_items(
    value: cabc.Mapping[Any, Any], convert_key: Converter, convert_value: Converter
) -> dict[Any, Any]:
    """A new dict of ``value`` with every key and value converted; all errors collected,
    a key's under ``[key, "[key]"]`` and a value's under ``[key]`` (pydantic's locs).
    The request converters and the response-model fitters share it."""
    out: dict[Any, Any] = {}
    errors: list[ErrorDict] = []
    for key, item in value.items():
        try:
            new_key = convert_key(key)
        except Invalid as exc:
            errors.extend(prefix_errors(exc.errors, key, "[key]"))
            continue
        try:
            out[new_key] = convert_value(item)
        except Invalid as exc:
            errors.extend(prefix_errors(exc.errors, key))
    if errors:
        raise Invalid(errors)
    return out


def _class_converter(cls: type) -> Converter:
    plan = _CLASS_PLANS.get(cls)
    if plan is None:
        # Registered before compiling the fields, so a class that refers to itself
        # (directly or through another class) finds this indirection.
        real: list[Converter] = []
        _CLASS_PLANS[cls] = lambda value: real[0](value)
        # A field handed to pydantic stays the class's business: an Annotated or a
        # union around the class is compiled the same, first time or cached.
        handed = _HANDED_TO_PYDANTIC[0]
        try:
            if is_pydantic_model(cls):
                built = _pydantic_converter(cls)
            elif dataclasses.is_dataclass(cls):
                built = _dataclass_converter(cls)
            else:
                built = _typeddict_converter(cls)
        except BaseException:
            del _CLASS_PLANS[cls]
            raise
        finally:
            _HANDED_TO_PYDANTIC[0] = handed
        real.append(built)
        plan = _CLASS_PLANS[cls] = built
    return plan


def _field_hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception as exc:
        raise TypeError(f"cannot resolve the annotations of {cls.__qualname__}: {exc}") from exc


def _dataclass_converter(cls: type) -> Converter:
    hints = _field_hints(cls)
    plan: list[tuple[str, Converter, bool]] = []
    for field in dataclasses.fields(cls):
        if not field.init:
            continue
        tp = hints.get(field.name, Any)
        try:
            field_converter = compile_converter(tp)
        except TypeError as exc:
            raise TypeError(f"{cls.__qualname__}.{field.name}: {exc}") from None
        required = (
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        )
        plan.append((field.name, field_converter, required))
    class_name = cls.__name__
    type_msg = f"Input should be a dictionary or an instance of {class_name}"

    def convert(value: Any) -> Any:
        if type(value) is cls:
            return value
        if not isinstance(value, dict):
            fail("dataclass_type", type_msg, value, {"class_name": class_name})
        kwargs = _convert_fields(plan, value)
        try:
            return cls(**kwargs)
        except (ValueError, AssertionError) as exc:
            kind = "value_error" if isinstance(exc, ValueError) else "assertion_error"
            prefix = "Value error" if kind == "value_error" else "Assertion failed"
            fail(kind, f"{prefix}, {exc}", value, {"error": {}})

    return convert


def _convert_fields(
    plan: list[tuple[str, Converter, bool]], value: dict[str, Any]
) -> dict[str, Any]:
    """Convert the planned fields of a JSON object, collecting every error."""
    out: dict[str, Any] = {}
    errors: list[ErrorDict] | None = None
    for name, convert_field, required in plan:
        if name in value:
            try:
                out[name] = convert_field(value[name])
            except Invalid as exc:
                if errors is None:
                    errors = []
                errors.extend(prefix_errors(exc.errors, name))
        elif required:
            if errors is None:
                errors = []
            errors.append(missing((name,), value))
    if errors:
        raise Invalid(errors)
    return out


def _typeddict_converter(cls: type) -> Converter:
    hints = _field_hints(cls)
    required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset(hints))
    plan: list[tuple[str, Converter, bool]] = []
    for name, tp in hints.items():
        # Under ``from __future__ import annotations`` the class could not see a
        # ``NotRequired[...]`` string, so the resolved hint decides.
        origin = typing.get_origin(tp)
        required = name in required_keys
        if origin is typing.NotRequired:
            required = False
        elif origin is typing.Required:
            required = True
        try:
            field_converter = compile_converter(tp)
        except TypeError as exc:
            raise TypeError(f"{cls.__qualname__}.{name}: {exc}") from None
        plan.append((name, field_converter, required))

    def convert(value: Any) -> Any:
        if not isinstance(value, dict):
            fail("dict_type", "Input should be a valid dictionary", value)
        return _convert_fields(plan, value)

    return convert


def _pydantic_converter(cls: type) -> Converter:
    return validating_converter(cls.__pydantic_validator__.validate_python)  # type: ignore[attr-defined]


def validating_converter(validate: cabc.Callable[..., Any]) -> Converter:
    """A converter of a pydantic ``validate_python`` (a model's, a ``TypeAdapter``'s):
    its ``ValidationError`` becomes :class:`Invalid` with the same errors."""
    # FastAPI validates with from_attributes=True; it decides the error for a non-dict
    # input ("model_attributes_type"), so it is kept for identical 422 bodies.

    def convert(value: Any) -> Any:
        try:
            return validate(value, from_attributes=True)
        except ValueError as exc:
            errors = getattr(exc, "errors", None)
            if errors is None or type(exc).__name__ != "ValidationError":
                raise
            raise Invalid(from_pydantic_errors(errors(include_url=False))) from None

    return convert
