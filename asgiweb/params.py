"""Parameter markers: say where a handler parameter comes from, as FastAPI's do.

``q: int = Query(10, alias="limit")`` and ``q: Annotated[int, Query(alias="limit")] = 10``
mean the same thing. The marker functions return ``Any`` so that the default-value
form type-checks against the parameter's annotation, exactly like FastAPI's.

``default`` is the first positional argument; leaving it out (or passing ``...``)
makes the parameter required.  The numeric and length constraints (``gt``, ``ge``,
``lt``, ``le``, ``multiple_of``, ``min_length``, ``max_length``, ``pattern``) are
enforced, with pydantic's error types; documentation-only keywords (``title``,
``description``, ``examples``, ``deprecated``...) are kept for the user's own tools.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Final, Literal

__all__ = [
    "REQUIRED",
    "Body",
    "BodyParam",
    "Cookie",
    "CookieParam",
    "Depends",
    "Header",
    "HeaderParam",
    "Param",
    "Path",
    "PathParam",
    "Query",
    "QueryParam",
    "Security",
]


class _Required:
    """The "no default" sentinel; a class of its own so its repr reads well in errors."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "REQUIRED"

    def __reduce__(self) -> str:
        return "REQUIRED"


REQUIRED: Final[Any] = _Required()


class Param:
    """What a marker records; the handler compiler reads it once, at registration."""

    source: ClassVar[str] = "query"

    __slots__ = (
        "alias",
        "decimal_places",
        "default",
        "default_factory",
        "deprecated",
        "description",
        "examples",
        "extra",
        "ge",
        "gt",
        "include_in_schema",
        "le",
        "lt",
        "max_digits",
        "max_length",
        "min_length",
        "multiple_of",
        "pattern",
        "title",
    )

    def __init__(
        self,
        default: Any = REQUIRED,
        *,
        default_factory: Callable[[], Any] | None = None,
        alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        multiple_of: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        regex: str | None = None,
        max_digits: int | None = None,
        decimal_places: int | None = None,
        examples: list[Any] | None = None,
        deprecated: bool | str | None = None,
        include_in_schema: bool = True,
        **extra: Any,
    ) -> None:
        if default is ...:
            default = REQUIRED
        if default is not REQUIRED and default_factory is not None:
            raise TypeError("cannot give both default and default_factory")
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.title = title
        self.description = description
        self.gt = gt
        self.ge = ge
        self.lt = lt
        self.le = le
        self.multiple_of = multiple_of
        self.min_length = min_length
        self.max_length = max_length
        # ``regex`` is FastAPI's older spelling of ``pattern``.
        self.pattern = pattern if pattern is not None else regex
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self.examples = examples
        self.deprecated = deprecated
        self.include_in_schema = include_in_schema
        self.extra = extra

    @property
    def required(self) -> bool:
        return self.default is REQUIRED and self.default_factory is None

    def __repr__(self) -> str:
        return f"{type(self).__name__[:-5]}({self.default!r})"


class QueryParam(Param):
    source = "query"
    __slots__ = ()


class PathParam(Param):
    source = "path"
    __slots__ = ()


class CookieParam(Param):
    source = "cookie"
    __slots__ = ()


class HeaderParam(Param):
    source = "header"
    __slots__ = ("convert_underscores",)

    def __init__(
        self, default: Any = REQUIRED, *, convert_underscores: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(default, **kwargs)
        self.convert_underscores = convert_underscores


class BodyParam(Param):
    source = "body"
    __slots__ = ("embed", "media_type")

    def __init__(
        self,
        default: Any = REQUIRED,
        *,
        embed: bool | None = None,
        media_type: str = "application/json",
        **kwargs: Any,
    ) -> None:
        super().__init__(default, **kwargs)
        self.embed = embed
        self.media_type = media_type


def Query(default: Any = REQUIRED, **kwargs: Any) -> Any:
    """The parameter comes from the query string (``alias`` names the key)."""
    return QueryParam(default, **kwargs)


def Path(default: Any = REQUIRED, **kwargs: Any) -> Any:
    """The parameter comes from the path template; path parameters are always required."""
    return PathParam(default, **kwargs)


def Header(default: Any = REQUIRED, *, convert_underscores: bool = True, **kwargs: Any) -> Any:
    """The parameter comes from a request header; ``user_agent`` reads ``user-agent``."""
    return HeaderParam(default, convert_underscores=convert_underscores, **kwargs)


def Cookie(default: Any = REQUIRED, **kwargs: Any) -> Any:
    """The parameter comes from a cookie of the same name (or ``alias``)."""
    return CookieParam(default, **kwargs)


def Body(
    default: Any = REQUIRED,
    *,
    embed: bool | None = None,
    media_type: str = "application/json",
    **kwargs: Any,
) -> Any:
    """The parameter comes from the JSON body; ``embed=True`` reads it under its name."""
    return BodyParam(default, embed=embed, media_type=media_type, **kwargs)


class Depends:
    """A parameter (or a route's ``dependencies=[...]`` entry) filled by calling ``dependency``.

    ``dependency`` is a function, an async function, a class, a callable object or a
    (sync or async) generator function; None means "the parameter's own annotation".
    ``use_cache=False`` calls it again where it appears twice in one request.
    ``scope`` says when the code after a generator's ``yield`` runs: ``"function"``
    right after the handler returns, ``"request"`` (the default) once the response
    has been sent.  ``asgiweb.Depends`` builds one; see docs/dependencies.md.
    """

    __slots__ = ("dependency", "scope", "use_cache")

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        use_cache: bool = True,
        scope: Literal["function", "request"] | None = None,
    ) -> None:
        if scope not in (None, "function", "request"):
            raise ValueError(f'Depends scope must be "function" or "request", not {scope!r}')
        if dependency is not None and not callable(dependency):
            raise TypeError(f"Depends needs a callable, not {dependency!r}")
        self.dependency = dependency
        self.use_cache = use_cache
        self.scope = scope

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        cache = "" if self.use_cache else ", use_cache=False"
        return f"{type(self).__name__}({name if self.dependency else ''}{cache})"


class Security(Depends):
    """``Depends`` that also asks for OAuth2 ``scopes`` (seen through ``SecurityScopes``)."""

    __slots__ = ("scopes",)

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        scopes: Sequence[str] | None = None,
        use_cache: bool = True,
        scope: Literal["function", "request"] | None = None,
    ) -> None:
        super().__init__(dependency, use_cache=use_cache, scope=scope)
        self.scopes: tuple[str, ...] = tuple(scopes or ())
