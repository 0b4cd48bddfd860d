"""Reading through the wrappers of an annotation, one way everywhere.

``unwrap(tp)`` peels, from the outside in:

- ``Annotated[T, *metadata]``: the metadata is kept (outermost first), ``T`` goes on;
- ``Required[T]`` / ``NotRequired[T]`` (TypedDict keys): ``T`` goes on;
- a ``NewType``: its supertype goes on;
- a type alias made with the ``type`` statement or ``TypeAliasType`` (PEP 695, the
  ``typing_extensions`` backport too): its value goes on, as FastAPI reads it;
- ``Optional[T]``, ``T | None`` and ``Union[T, None]`` (when ``optional`` is true): ``T``
  goes on and the result says it was nullable.  A union of two or more other
  members is a type of its own and stops the peeling.

The validation compiler, the constraint checker, the parameter-model sources
and the endpoint plan all ask this function, so they agree on what the type
"under" an annotation is.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["Unwrapped", "is_type_alias", "substitute_type_vars", "unwrap"]

_NONE_TYPE = type(None)
_UNIONS = (typing.Union, types.UnionType)
_KEY_QUALIFIERS = (typing.Required, typing.NotRequired)


class Unwrapped(NamedTuple):
    type: Any
    """The type under every wrapper peeled."""
    metadata: tuple[Any, ...]
    """Every ``Annotated`` metadata item met on the way, outermost first."""
    nullable: bool
    """A ``None`` member was dropped from a union on the way."""


def is_type_alias(tp: Any) -> bool:
    """A PEP 695 alias (``type X = ...``, ``TypeAliasType("X", ...)``), told by its class:
    ``typing_extensions`` is never imported for it."""
    cls = type(tp)
    return cls.__name__ == "TypeAliasType" and cls.__module__ in ("typing", "typing_extensions")


def unwrap(tp: Any, *, optional: bool = True) -> Unwrapped:
    """Peel ``tp`` as the module docstring says; ``optional=False`` keeps unions whole."""
    metadata: list[Any] = []
    nullable = False
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            metadata.extend(tp.__metadata__)
            tp = tp.__origin__
        elif origin in _KEY_QUALIFIERS:
            tp = typing.get_args(tp)[0]
        elif hasattr(tp, "__supertype__"):
            tp = tp.__supertype__
        elif is_type_alias(tp):
            tp = tp.__value__
        elif optional and origin in _UNIONS:
            members = typing.get_args(tp)
            rest = [m for m in members if m is not _NONE_TYPE]
            if len(rest) != 1:
                break
            nullable = nullable or len(rest) < len(members)
            tp = rest[0]
        else:
            break
    return Unwrapped(tp, tuple(metadata), nullable)


def substitute_type_vars(tp: Any, subst: Mapping[Any, Any]) -> Any:
    """``tp`` with the type variables of ``subst`` replaced (``list[T]`` -> ``list[X]``);
    a type variable ``subst`` does not name is ``Any``, as pydantic reads it."""
    if isinstance(tp, typing.TypeVar):
        return subst.get(tp, Any)
    parameters = getattr(tp, "__parameters__", ())
    if parameters:
        return tp[tuple(subst.get(p, Any) for p in parameters)]
    return tp
