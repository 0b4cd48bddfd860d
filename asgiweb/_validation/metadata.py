"""What an ``Annotated[T, ...]`` annotation's metadata does to its converter.

Metadata asgiweb understands:

- asgiweb's markers (``Query()``, ``Depends()``...): read by the endpoint plan;
- constraints: ``annotated_types`` objects (``Gt``, ``MaxLen``, ``Interval``...),
  pydantic's ``Field(...)`` and ``StringConstraints``, our markers' keywords
  (``asgiweb._validation.constraints``);
- pydantic's ``AfterValidator``, ``BeforeValidator``, ``PlainValidator`` and
  ``WrapValidator`` (recognised by their module, so pydantic is never imported
  here): applied in pydantic's order, a ``ValueError`` or ``AssertionError``
  becoming a ``value_error`` / ``assertion_error`` with pydantic's wording, a
  ``PydanticCustomError`` keeping its own type and message;
- documentation (``Doc(...)``).

Metadata meant for pydantic that asgiweb does not read (``annotated_types`` or
pydantic objects such as ``Strict()``, ``UuidVersion``, ``Json``, an object with
``__get_pydantic_core_schema__``) hands the whole annotation to pydantic when it is
installed (``asgiweb._validation.pydantic_types``); without pydantic it is a
``TypeError`` at registration, since FastAPI (which always has pydantic) would
apply it.  Anything else (a string, another tool's marker) is ignored, as pydantic
and so FastAPI ignore it (docs/dependencies.md, "Validators in Annotated").
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any

from asgiweb._validation.constraints import constrain, constraints_of
from asgiweb._validation.scalars import Converter, Invalid
from asgiweb.params import Depends, Param

__all__ = ["apply_metadata", "check_metadata", "ignored", "understood"]

_VALIDATORS = frozenset({"AfterValidator", "BeforeValidator", "PlainValidator", "WrapValidator"})
_ACCEPTED_CLASSES = frozenset(
    {
        ("pydantic.fields", "FieldInfo"),
        ("typing_extensions", "Doc"),
        ("annotated_doc", "Doc"),
        ("annotated_doc.main", "Doc"),
    }
)


def _validator_kind(item: Any) -> str | None:
    cls = type(item)
    if cls.__module__ == "pydantic.functional_validators" and cls.__name__ in _VALIDATORS:
        return cls.__name__
    return None


# Where the classes pydantic reads from ``Annotated`` live (``None``: conint's filler).
_PYDANTIC_PACKAGES = frozenset(
    {"pydantic", "pydantic_core", "annotated_types", "pydantic_extra_types"}
)


# pydantic's StringConstraints flags asgiweb does not apply itself.
_STRING_TRANSFORMS = ("strip_whitespace", "to_upper", "to_lower", "strict")


def _for_pydantic(item: Any) -> bool:
    return (
        item is None
        or any(
            cls.__module__.partition(".")[0] in _PYDANTIC_PACKAGES for cls in type(item).__mro__
        )
        or hasattr(item, "__get_pydantic_core_schema__")
        or hasattr(item, "__is_annotated_types_grouped_metadata__")
    )


def ignored(item: Any) -> bool:
    """True for metadata neither asgiweb nor pydantic reads: skipped, as FastAPI skips it."""
    if isinstance(item, Param | Depends) or _validator_kind(item) is not None:
        return False
    cls = type(item)
    return (cls.__module__, cls.__name__) not in _ACCEPTED_CLASSES and not _for_pydantic(item)


def understood(item: Any) -> bool:
    """True for metadata asgiweb reads itself (the module docstring's list), or ignores."""
    if isinstance(item, Param | Depends) or _validator_kind(item) is not None:
        return True
    if ignored(item):
        return True
    cls = type(item)
    if (cls.__module__, cls.__name__) in _ACCEPTED_CLASSES:
        # A pydantic Field's own metadata (Strict(), ...) must be understood too.
        return all(understood(inner) for inner in getattr(item, "metadata", ()))
    if any(getattr(item, flag, None) for flag in _STRING_TRANSFORMS):
        return False  # StringConstraints that change or strictly check the value
    return bool(constraints_of([item]))


def check_metadata(core: Any, metadata: Iterable[Any]) -> None:
    """Refuse pydantic's metadata that asgiweb does not apply itself: a plain
    ``TypeError``, which the compiler answers with pydantic's validator when it is
    installed (see the module docstring)."""
    unknown = [item for item in metadata if not understood(item)]
    if not unknown:
        return
    raise TypeError(
        f"Annotated[{getattr(core, '__name__', core)!s}, ...] carries {unknown[0]!r}, which "
        "only pydantic applies (install pydantic), or use Query()/Path()/Header()/"
        "Cookie()/Body(), Depends(), constraints (annotated_types, pydantic Field), or "
        "pydantic's After/Before/Plain/WrapValidator"
    )


def apply_metadata(convert: Converter, core: Any, metadata: Iterable[Any]) -> Converter:
    """``convert`` with the constraints and validators among ``metadata`` applied in
    the order written, each around the ones before it, as pydantic nests them;
    consecutive constraint items are checked together."""
    items = tuple(item for item in metadata if not ignored(item))
    check_metadata(core, items)
    pending: list[Any] = []
    for item in items:
        kind = _validator_kind(item)
        if kind is None:
            pending.append(item)
            continue
        convert = constrain(convert, core, constraints_of(pending))
        pending = []
        func = item.func
        if kind == "AfterValidator":
            convert = _after(convert, func)
        elif kind == "BeforeValidator":
            convert = _before(convert, func)
        elif kind == "PlainValidator":
            convert = _plain(func)
        else:
            convert = _wrap(convert, func)
    return constrain(convert, core, constraints_of(pending))


class _Info:
    """What a validator taking ``info`` gets (pydantic's ``ValidationInfo`` in brief)."""

    __slots__ = ()
    data: dict[str, Any] = {}
    field_name: str | None = None
    mode = "python"
    context: Any = None
    config: Any = None


_INFO = _Info()


def _takes(func: Callable[..., Any], count: int) -> bool:
    """True when ``func`` accepts ``count`` positional arguments (then ``info`` is passed)."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in parameters
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    ]
    return len(positional) >= count


def _as_invalid(exc: Exception, value: Any) -> Invalid:
    cls = type(exc)
    if cls.__name__ in ("PydanticCustomError", "PydanticKnownError") and hasattr(exc, "type"):
        custom: Any = exc
        error: dict[str, Any] = {
            "type": custom.type,
            "loc": (),
            "msg": custom.message(),
            "input": value,
        }
        context = getattr(custom, "context", None)
        if context:
            error["ctx"] = dict(context)
        return Invalid([error])
    if isinstance(exc, AssertionError):
        kind, prefix = "assertion_error", "Assertion failed"
    else:
        kind, prefix = "value_error", "Value error"
    text = str(exc)
    return Invalid(
        [
            {
                "type": kind,
                "loc": (),
                "msg": f"{prefix}, {text}" if text else prefix,
                "input": value,
                "ctx": {"error": {}},
            }
        ]
    )


def _call(func: Callable[..., Any], with_info: bool, value: Any, raw: Any) -> Any:
    try:
        return func(value, _INFO) if with_info else func(value)
    except (ValueError, AssertionError) as exc:
        raise _as_invalid(exc, raw) from None


def _after(convert: Converter, func: Callable[..., Any]) -> Converter:
    with_info = _takes(func, 2)

    def after(value: Any) -> Any:
        return _call(func, with_info, convert(value), value)

    return after


def _before(convert: Converter, func: Callable[..., Any]) -> Converter:
    with_info = _takes(func, 2)

    def before(value: Any) -> Any:
        try:
            return convert(_call(func, with_info, value, value))
        except Invalid as exc:
            # pydantic reports the field's own errors against its original input.
            for err in exc.errors:
                if not err["loc"]:
                    err["input"] = value
            raise

    return before


def _plain(func: Callable[..., Any]) -> Converter:
    with_info = _takes(func, 2)

    def plain(value: Any) -> Any:
        return _call(func, with_info, value, value)

    return plain


def _wrap(convert: Converter, func: Callable[..., Any]) -> Converter:
    with_info = _takes(func, 3)

    def wrap(value: Any) -> Any:
        try:
            if with_info:
                return func(value, convert, _INFO)
            return func(value, convert)
        except Invalid:
            raise
        except (ValueError, AssertionError) as exc:
            raise _as_invalid(exc, value) from None

    return wrap
