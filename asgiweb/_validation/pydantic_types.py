"""Types only pydantic knows, validated and described by pydantic itself.

asgiweb's compiler knows the scalars, containers and classes of
``asgiweb._validation.compiler``.  A service migrating from FastAPI also uses
types that exist only through pydantic: ``HttpUrl``, ``EmailStr``,
``SecretStr``, ``IPvAnyAddress``, ``PastDate``, ``ByteSize``, ``Json[...]``,
``UUID4``, pydantic-extra-types, classes with ``__get_pydantic_core_schema__``,
and ``Annotated`` metadata asgiweb does not read (``UuidVersion``, ``Strict``...).
When pydantic is installed, such an annotation gets a ``TypeAdapter``, built
once at registration and cached per annotation; pydantic is imported here, and
only when such an annotation is met (docs/handlers.md, "Types only pydantic
knows").  Without pydantic the compiler's registration error stands.

The adapter validates in python mode with ``from_attributes=True``, as FastAPI
does, so the handler gets the very object FastAPI hands it; its errors become
ours with pydantic's ``type``/``msg``/``input``/``ctx`` and no ``url``.

An ``Annotated`` annotation goes to pydantic whole, its constraints and
validators included.  asgiweb's markers in it (``Query(max_length=...)``) are
not pydantic's, so their constraints are handed over as a pydantic ``Field``.
"""

from __future__ import annotations

import typing
from typing import Any

from asgiweb._validation.constraints import constraints_of
from asgiweb._validation.scalars import Converter, ErrorDict, Invalid
from asgiweb.params import Depends, Param

__all__ = ["from_pydantic_errors", "pydantic_adapter", "pydantic_converter"]

# annotation -> TypeAdapter, or None where pydantic cannot build one either.
_ADAPTERS: dict[Any, Any] = {}


def from_pydantic_errors(errors: list[dict[str, Any]]) -> list[ErrorDict]:
    """pydantic's error dicts as ours: ``loc`` as a tuple, exceptions in ``ctx`` as text."""
    out: list[ErrorDict] = []
    for err in errors:
        item: ErrorDict = {
            "type": err["type"],
            "loc": tuple(err["loc"]),
            "msg": err["msg"],
            "input": err.get("input"),
        }
        ctx = err.get("ctx")
        if ctx is not None:
            # FastAPI's encoder turns the exception pydantic keeps here into ``{}``.
            item["ctx"] = {k: ({} if isinstance(v, BaseException) else v) for k, v in ctx.items()}
        out.append(item)
    return out


def _for_pydantic(tp: Any, field: Any) -> Any:
    """``tp`` with asgiweb's markers in its ``Annotated`` metadata replaced by a pydantic
    ``Field`` holding their constraints (and ``Depends`` dropped)."""
    if typing.get_origin(tp) is not typing.Annotated:
        return tp
    metadata: list[Any] = []
    for item in tp.__metadata__:
        if isinstance(item, Param):
            limits = constraints_of([item])
            if limits:
                metadata.append(field(**limits))
        elif not isinstance(item, Depends):
            metadata.append(item)
    if not metadata:
        return tp.__origin__
    return typing.Annotated[(tp.__origin__, *metadata)]


def pydantic_adapter(tp: Any) -> Any:
    """A pydantic ``TypeAdapter`` for ``tp``; None without pydantic, or where pydantic
    cannot validate ``tp`` either (the caller's own error then stands)."""
    try:
        return _ADAPTERS[tp]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation: not cached
        return _build(tp)
    adapter = _ADAPTERS[tp] = _build(tp)
    return adapter


def _build(tp: Any) -> Any:
    try:
        from pydantic import Field, TypeAdapter
    except ImportError:
        return None
    try:
        return TypeAdapter(_for_pydantic(tp, Field))
    except Exception:  # PydanticSchemaGenerationError, a bad Field, a forward reference...
        return None


def pydantic_converter(tp: Any) -> Converter | None:
    """The converter validating ``tp`` with pydantic, or None (see ``pydantic_adapter``)."""
    adapter = pydantic_adapter(tp)
    if adapter is None:
        return None
    from pydantic import ValidationError

    validate = adapter.validate_python

    def convert(value: Any) -> Any:
        try:
            return validate(value, from_attributes=True)
        except ValidationError as exc:
            raise Invalid(from_pydantic_errors(exc.errors(include_url=False))) from None  # type: ignore[arg-type]

    return convert
