"""Parameter markers: say where a handler parameter comes from, as FastAPI's do.

``q: int = Query(10, alias="limit")`` and ``q: Annotated[int, Query(alias="limit")] = 10``
mean the same thing. The marker functions return ``Any`` so that the default-value
form type-checks against the parameter's annotation, exactly like FastAPI's.

``default`` is the first positional argument; leaving it out (or passing ``...``)
makes the parameter required.  The numeric and length constraints (``gt``, ``ge``,
``lt``, ``le``, ``multiple_of``, ``min_length``, ``max_length``, ``pattern``) are
enforced, and so are ``max_digits``/``decimal_places`` (Decimal) and
``allow_inf_nan`` (float, Decimal), all with pydantic's error types.  The other
keywords FastAPI accepts are recorded (``title``, ``description``, ``examples``,
``deprecated``, ``include_in_schema`` as attributes, the rest in ``extra``); the
handler compiler applies ``validation_alias``, ``validate_default``, ``union_mode``,
``fail_fast`` and ``discriminator`` from ``extra`` (docs/api.md, "Markers"), the
OpenAPI document the rest.  Any keyword FastAPI does not accept is a ``TypeError``
naming it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, ClassVar, Final, Literal, TypedDict, Unpack

__all__ = [
    "PARAM_KEYWORDS",
    "REQUIRED",
    "Body",
    "BodyParam",
    "Cookie",
    "CookieParam",
    "Depends",
    "File",
    "FileParam",
    "Form",
    "FormParam",
    "Header",
    "HeaderParam",
    "Param",
    "ParamOptions",
    "ParamTypes",
    "Path",
    "PathParam",
    "Query",
    "QueryParam",
    "Security",
]


class ParamTypes(Enum):
    """Where a query, path, header or cookie parameter is read: FastAPI's enum, the
    ``in_`` of those markers (as the OpenAPI ``in`` field spells it)."""

    query = "query"
    header = "header"
    path = "path"
    cookie = "cookie"


class _Required:
    """The "no default" sentinel; a class of its own so its repr reads well in errors."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "REQUIRED"

    def __reduce__(self) -> str:
        return "REQUIRED"


REQUIRED: Final[Any] = _Required()


class ParamOptions(TypedDict, total=False):
    """The keywords every marker takes: exactly those of FastAPI 0.165's markers.

    ``Query(x, max_lenght=3)`` is a ``TypeError`` naming the keyword (and a mypy
    error, through ``Unpack``), never a silently ignored constraint.  Markers added
    later (``Form``, ``File``...) take these plus their own.
    """

    default_factory: Callable[[], Any] | None
    alias: str | None
    alias_priority: int | None
    validation_alias: Any
    serialization_alias: str | None
    title: str | None
    description: str | None
    gt: float | None
    ge: float | None
    lt: float | None
    le: float | None
    min_length: int | None
    max_length: int | None
    pattern: str | None
    regex: str | None
    discriminator: str | None
    strict: bool | None
    validate_default: bool
    union_mode: Literal["smart", "left_to_right"]
    fail_fast: bool | None
    multiple_of: float | None
    allow_inf_nan: bool | None
    max_digits: int | None
    decimal_places: int | None
    examples: list[Any] | None
    example: Any
    openapi_examples: dict[str, Any] | None
    deprecated: Any
    include_in_schema: bool
    json_schema_extra: dict[str, Any] | Callable[..., Any] | None


# Accepted and kept in ``Param.extra``: read by the handler compiler
# (asgiweb._endpoint.parameters) or the OpenAPI document.
_STORED_ONLY = (
    "alias_priority",
    "validation_alias",
    "serialization_alias",
    "discriminator",
    "strict",
    "validate_default",
    "union_mode",
    "fail_fast",
    "example",
    "openapi_examples",
    "json_schema_extra",
)
PARAM_KEYWORDS: Final = frozenset(ParamOptions.__annotations__)


class Param:
    """What a marker records; the handler compiler reads it once, at registration."""

    source: ClassVar[str] = "query"

    __slots__ = (
        "alias",
        "allow_inf_nan",
        "decimal_places",
        "default",
        "default_factory",
        "deprecated",
        "description",
        "examples",
        "explicit",
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

    def __init__(self, default: Any = REQUIRED, **options: Unpack[ParamOptions]) -> None:
        unknown = options.keys() - PARAM_KEYWORDS
        if unknown:
            raise TypeError(
                f"{self.marker_name()}() got an unexpected keyword argument {min(unknown)!r} "
                "(the markers take FastAPI's keywords: see asgiweb.params.ParamOptions)"
            )
        if default is ...:
            default = REQUIRED
        default_factory = options.get("default_factory")
        if default is not REQUIRED and default_factory is not None:
            raise TypeError("cannot give both default and default_factory")
        self.default = default
        self.default_factory = default_factory
        self.alias = options.get("alias")
        self.title = options.get("title")
        self.description = options.get("description")
        self.gt = options.get("gt")
        self.ge = options.get("ge")
        self.lt = options.get("lt")
        self.le = options.get("le")
        self.multiple_of = options.get("multiple_of")
        self.min_length = options.get("min_length")
        self.max_length = options.get("max_length")
        # ``regex`` is FastAPI's older spelling of ``pattern``.
        pattern = options.get("pattern")
        self.pattern = pattern if pattern is not None else options.get("regex")
        self.max_digits = options.get("max_digits")
        self.decimal_places = options.get("decimal_places")
        self.allow_inf_nan = options.get("allow_inf_nan")
        self.examples = options.get("examples")
        self.deprecated = options.get("deprecated")
        self.include_in_schema = options.get("include_in_schema", True)
        self.extra: dict[str, Any] = {k: options[k] for k in _STORED_ONLY if k in options}  # type: ignore[literal-required]
        # The keywords given, even as None: an explicit ``alias=None`` clears the alias
        # of a pydantic ``Field`` beside the marker, as in FastAPI.
        self.explicit = frozenset(options)

    @classmethod
    def marker_name(cls) -> str:
        """``Query`` for ``QueryParam``: the name users call."""
        name = cls.__name__
        return name[:-5] if name.endswith("Param") and name != "Param" else name

    @property
    def validation_alias(self) -> Any:
        """The ``validation_alias`` given (a string, pydantic's ``AliasChoices`` or
        ``AliasPath``), else ``alias``, as FastAPI's markers report it."""
        given = self.extra.get("validation_alias")
        return self.alias if given is None else given

    @property
    def required(self) -> bool:
        return self.default is REQUIRED and self.default_factory is None

    def __repr__(self) -> str:
        # FastAPI prints the default with str(), and a required marker's missing
        # default under pydantic's name for it (docs/api.md, "Markers").
        shown = "PydanticUndefined" if self.default is REQUIRED else self.default
        return f"{self.marker_name()}({shown})"


class QueryParam(Param):
    source = "query"
    in_: ClassVar[ParamTypes] = ParamTypes.query
    __slots__ = ()


class PathParam(Param):
    source = "path"
    in_: ClassVar[ParamTypes] = ParamTypes.path
    __slots__ = ()


class CookieParam(Param):
    source = "cookie"
    in_: ClassVar[ParamTypes] = ParamTypes.cookie
    __slots__ = ()


class HeaderParam(Param):
    source = "header"
    in_: ClassVar[ParamTypes] = ParamTypes.header
    __slots__ = ("convert_underscores",)

    def __init__(
        self,
        default: Any = REQUIRED,
        *,
        convert_underscores: bool = True,
        **options: Unpack[ParamOptions],
    ) -> None:
        super().__init__(default, **options)
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
        **options: Unpack[ParamOptions],
    ) -> None:
        super().__init__(default, **options)
        self.embed = embed
        self.media_type = media_type


class FormParam(Param):
    """A field of a form body (urlencoded or multipart); see docs/forms.md."""

    source = "form"
    __slots__ = ("media_type",)

    def __init__(
        self,
        default: Any = REQUIRED,
        *,
        media_type: str = "application/x-www-form-urlencoded",
        **options: Unpack[ParamOptions],
    ) -> None:
        super().__init__(default, **options)
        self.media_type = media_type


class FileParam(FormParam):
    """A file part of a multipart body: ``UploadFile``, ``bytes``, or a list of them."""

    __slots__ = ()

    def __init__(
        self,
        default: Any = REQUIRED,
        *,
        media_type: str = "multipart/form-data",
        **options: Unpack[ParamOptions],
    ) -> None:
        super().__init__(default, media_type=media_type, **options)


def Query(default: Any = REQUIRED, **options: Unpack[ParamOptions]) -> Any:
    """The parameter comes from the query string (``alias`` names the key)."""
    return QueryParam(default, **options)


def Path(default: Any = REQUIRED, **options: Unpack[ParamOptions]) -> Any:
    """The parameter comes from the path template; path parameters are always required."""
    return PathParam(default, **options)


def Header(
    default: Any = REQUIRED, *, convert_underscores: bool = True, **options: Unpack[ParamOptions]
) -> Any:
    """The parameter comes from a request header; ``user_agent`` reads ``user-agent``."""
    return HeaderParam(default, convert_underscores=convert_underscores, **options)


def Cookie(default: Any = REQUIRED, **options: Unpack[ParamOptions]) -> Any:
    """The parameter comes from a cookie of the same name (or ``alias``)."""
    return CookieParam(default, **options)


def Body(
    default: Any = REQUIRED,
    *,
    embed: bool | None = None,
    media_type: str = "application/json",
    **options: Unpack[ParamOptions],
) -> Any:
    """The parameter comes from the JSON body; ``embed=True`` reads it under its name."""
    return BodyParam(default, embed=embed, media_type=media_type, **options)


def Form(
    default: Any = REQUIRED,
    *,
    media_type: str = "application/x-www-form-urlencoded",
    **options: Unpack[ParamOptions],
) -> Any:
    """The parameter is a form field (or, for a model class, the whole form)."""
    return FormParam(default, media_type=media_type, **options)


def File(
    default: Any = REQUIRED,
    *,
    media_type: str = "multipart/form-data",
    **options: Unpack[ParamOptions],
) -> Any:
    """The parameter is an uploaded file of a multipart body."""
    return FileParam(default, media_type=media_type, **options)


class Depends:
    """A parameter (or a route's ``dependencies=[...]`` entry) filled by calling ``dependency``.

    ``dependency`` is a function, an async function, a class, a callable object or a
    (sync or async) generator function; None means "the parameter's own annotation".
    ``use_cache=False`` calls it again where it appears twice in one request.
    ``scope`` says when the code after a generator's ``yield`` runs: ``"function"``
    right after the handler returns, ``"request"`` (the default) once the response
    has been sent.  ``asgiweb.Depends`` builds one; see docs/dependencies.md.
    """

    __slots__ = ("bound", "dependency", "max_concurrency", "scope", "use_cache")

    def __init__(
        self,
        dependency: Callable[..., Any] | None = None,
        *,
        use_cache: bool = True,
        scope: Literal["function", "request"] | None = None,
        max_concurrency: int | None = None,
    ) -> None:
        if scope not in (None, "function", "request"):
            raise ValueError(f'Depends scope must be "function" or "request", not {scope!r}')
        if dependency is not None and not callable(dependency):
            raise TypeError(f"Depends needs a callable, not {dependency!r}")
        if max_concurrency is not None and (
            type(max_concurrency) is not int or max_concurrency < 1
        ):
            raise ValueError("max_concurrency must be a positive integer or None")
        self.dependency = dependency
        self.use_cache = use_cache
        self.scope = scope
        # At most this many runs of this declaration at once per event loop (a
        # generator's counts until its exit code has run); see docs/dependencies.md.
        self.max_concurrency = max_concurrency
        # That bound's state, made when a route first compiles this marker: every route
        # using the same marker shares it, as in FastAPI.
        self.bound: Any = None

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__name__", type(self.dependency).__name__)
        cache = "" if self.use_cache else ", use_cache=False"
        return f"{type(self).__name__}({name if self.dependency else ''}{cache})"

    def _identity(self) -> tuple[Any, ...]:
        # Equal markers are interchangeable, as FastAPI's (frozen dataclasses) are, so
        # tools may hash them; one with a concurrency bound is only equal to itself
        # (FastAPI gives each such declaration its own bound).
        bound = None if self.max_concurrency is None else id(self)
        return (type(self), self.dependency, self.use_cache, self.scope, bound)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Depends):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())


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

    def _identity(self) -> tuple[Any, ...]:
        return (*super()._identity(), self.scopes)
