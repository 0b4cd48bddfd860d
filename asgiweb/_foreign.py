"""Other frameworks' classes as a migrated app brings them (Starlette's responses,
requests and exceptions; pydantic's models): looked up among the modules already
loaded, never imported, so ``import asgiweb`` stays light (docs/api.md, "Footprint").
"""

from __future__ import annotations

import sys
from typing import TypeVar

__all__ = ["also_theirs", "loaded_class"]

_T = TypeVar("_T")

_JOINED: dict[tuple[type, type], type] = {}  # (ours, theirs) -> the class that is both


def loaded_class(module: str, name: str) -> type | None:
    """The class ``module.name`` when that module is loaded, else None."""
    found = getattr(sys.modules.get(module), name, None)
    return found if isinstance(found, type) else None


def also_theirs(ours: type[_T], module: str, name: str) -> type[_T]:
    """``ours``, or, when the class ``module.name`` is loaded, a subclass of both
    (``ours`` first in the MRO, so every attribute is ours; same name), made once:
    its instances pass a migrated app's ``isinstance`` checks of the other
    framework's class."""
    theirs = loaded_class(module, name)
    if theirs is None or issubclass(ours, theirs):
        return ours
    joined = _JOINED.get((ours, theirs))
    if joined is None:
        joined = _JOINED[ours, theirs] = type(
            ours.__name__,
            (ours, theirs),
            {"__module__": ours.__module__, "__qualname__": ours.__qualname__},
        )
    return joined
