"""``Depends()`` and ``Security()`` as functions returning ``Any``, as FastAPI's are.

``def handler(user: User = Depends(current_user))`` type-checks only because the
function's result is ``Any``; the objects themselves are ``asgiweb.params.Depends``
and ``asgiweb.params.Security`` (see docs/dependencies.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from asgiweb import params

__all__ = ["Depends", "Security"]


def Depends(
    dependency: Callable[..., Any] | None = None,
    *,
    use_cache: bool = True,
    scope: Literal["function", "request"] | None = None,
) -> Any:
    """The parameter's value is what ``dependency`` returns (or yields) for this request."""
    return params.Depends(dependency, use_cache=use_cache, scope=scope)


def Security(
    dependency: Callable[..., Any] | None = None,
    *,
    scopes: Sequence[str] | None = None,
    use_cache: bool = True,
    scope: Literal["function", "request"] | None = None,
) -> Any:
    """``Depends`` that also requires OAuth2 ``scopes`` (read through ``SecurityScopes``)."""
    return params.Security(dependency, scopes=scopes, use_cache=use_cache, scope=scope)
