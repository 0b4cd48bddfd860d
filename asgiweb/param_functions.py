"""``Depends()`` and ``Security()`` as functions returning ``Any``, as FastAPI's are;
the parameter markers (``Query``, ``Path``, ``Header``, ``Cookie``, ``Body``, ``Form``,
``File``) are re-exported from their one home, ``asgiweb.params``, so FastAPI's
``fastapi.param_functions`` imports keep working.

``def handler(user: User = Depends(current_user))`` type-checks only because the
function's result is ``Any``; the objects themselves are ``asgiweb.params.Depends``
and ``asgiweb.params.Security`` (see docs/dependencies.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from asgiweb import params
from asgiweb.params import Body, Cookie, File, Form, Header, Path, Query

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Path", "Query", "Security"]


def Depends(
    dependency: Callable[..., Any] | None = None,
    *,
    use_cache: bool = True,
    scope: Literal["function", "request"] | None = None,
    max_concurrency: int | None = None,
) -> Any:
    """The parameter's value is what ``dependency`` returns (or yields) for this request;
    ``max_concurrency`` bounds how many requests run it at once."""
    return params.Depends(
        dependency, use_cache=use_cache, scope=scope, max_concurrency=max_concurrency
    )


def Security(
    dependency: Callable[..., Any] | None = None,
    *,
    scopes: Sequence[str] | None = None,
    use_cache: bool = True,
    scope: Literal["function", "request"] | None = None,
) -> Any:
    """``Depends`` that also requires OAuth2 ``scopes`` (read through ``SecurityScopes``)."""
    return params.Security(dependency, scopes=scopes, use_cache=use_cache, scope=scope)
