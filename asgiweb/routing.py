"""Routes, routers and the route table.

Theory of operation.  Every route template is compiled when it is registered.
A template with no parameters goes into a dict keyed by its path: one lookup
answers it.  Every template also goes into a segment tree whose edges are
literal segments (a dict per node) or converters (a short ordered list per
node, one entry per distinct converter, shared by templates that agree on it).
A lookup walks the tree once, trying the literal edge before the converters
and backtracking only when a branch dies, so its cost depends on the depth of
the path, not on how many routes exist.

Matching rules (api.md):
- a literal segment wins over a parameter at the same place, whatever the
  order of registration; otherwise the first registered template wins;
- ``{name}`` is one non-empty segment; ``{name:int}``, ``{name:float}``,
  ``{name:uuid}`` match and convert one segment; ``{name:path}`` takes the rest
  of the path, slashes included, and must end the template; a segment may
  mix text and parameters (``/files/{stem}.{ext}``);
- a path that matches templates none of which has the method is a 405 whose
  ``Allow`` lists the union of their methods (GET brings HEAD);
- the same method on the same template twice is an error at registration.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asgiweb._endpoint.plan import compile_bare_endpoint, compile_endpoint
from asgiweb.responses import JSONResponse, Response
from asgiweb.types import ASGIApp

__all__ = ["Mount", "NoMatchFound", "Route", "Router", "compile_path"]

F = TypeVar("F", bound=Callable[..., Any])

# Keyword arguments FastAPI users pass for OpenAPI documentation.  asgiweb
# serves no schema, so they are accepted and ignored rather than breaking code.
_DOC_ONLY = frozenset(
    {
        "tags",
        "summary",
        "description",
        "response_description",
        "responses",
        "deprecated",
        "operation_id",
        "include_in_schema",
        "openapi_extra",
        "response_model_exclude_none",
    }
)


class NoMatchFound(LookupError):
    """``url_path_for`` was given a name or parameters that no route has."""


# -- converters ---------------------------------------------------------------------


_NO_MATCH: Any = object()


@dataclass(frozen=True)
class Converter:
    """Matches one path segment (or the rest of the path) and converts it.

    ``match`` returns the converted value, or ``_NO_MATCH``; it is what the
    tree calls for a segment that is a parameter and nothing else (the common
    case), so it avoids regular expressions where a string method will do.
    """

    name: str
    regex: str
    convert: Callable[[str], Any]
    python_type: type
    match: Callable[[str], Any]
    to_string: Callable[[Any], str] = str


def _match_str(text: str) -> Any:
    return text


def _match_int(text: str) -> Any:
    # PERF: isascii+isdigit is ~10x cheaper than a regex (benchmarks/bench_routing.py).
    return int(text) if text.isascii() and text.isdigit() else _NO_MATCH


_FLOAT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _match_float(text: str) -> Any:
    return float(text) if _FLOAT.fullmatch(text) is not None else _NO_MATCH


def _match_uuid(text: str) -> Any:
    return uuid.UUID(text) if _UUID.fullmatch(text) is not None else _NO_MATCH


CONVERTERS: dict[str, Converter] = {
    "str": Converter("str", r"[^/]+", str, str, _match_str),
    "path": Converter("path", r".*", str, str, _match_str),
    "int": Converter("int", r"[0-9]+", int, int, _match_int),
    "float": Converter("float", _FLOAT.pattern, float, float, _match_float),
    "uuid": Converter("uuid", _UUID.pattern, uuid.UUID, uuid.UUID, _match_uuid),
}

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")


@dataclass(frozen=True)
class _Segment:
    """One compiled segment: literal text, a whole-segment parameter, or a pattern."""

    literal: str | None = None
    template: str = ""  # the segment as written, for url_path_for
    key: str = ""  # identity of the edge in the tree for non-literal segments
    pattern: re.Pattern[str] | None = None
    converters: tuple[Converter, ...] = ()
    names: tuple[str, ...] = ()
    is_tail: bool = False
    single: Callable[[str], Any] | None = None  # set when the segment is one parameter alone

    def match(self, text: str) -> tuple[Any, ...] | None:
        """Converted values for this segment, or None when it does not match."""
        pattern = self.pattern
        assert pattern is not None
        found = pattern.fullmatch(text)
        if found is None:
            return None
        try:
            return tuple(c.convert(v) for c, v in zip(self.converters, found.groups(), strict=True))
        except ValueError:
            return None


def compile_path(path: str) -> tuple[list[_Segment], dict[str, Converter]]:
    """Split a template into segments; return them and the converter of each parameter."""
    if not path.startswith("/"):
        raise ValueError(f"route path {path!r} must start with '/'")
    params: dict[str, Converter] = {}
    segments: list[_Segment] = []
    parts = path[1:].split("/")
    for index, part in enumerate(parts):
        found = list(_PARAM.finditer(part))
        if not found:
            if "{" in part or "}" in part:
                raise ValueError(f"route path {path!r}: malformed parameter in {part!r}")
            segments.append(_Segment(literal=part))
            continue
        regex: list[str] = []
        converters: list[Converter] = []
        names: list[str] = []
        position = 0
        for match in found:
            name, conv_name = match.group(1), match.group(2) or "str"
            converter = CONVERTERS.get(conv_name)
            if converter is None:
                raise ValueError(
                    f"route path {path!r}: unknown converter {conv_name!r} "
                    f"(use one of {', '.join(sorted(CONVERTERS))})"
                )
            if name in params:
                raise ValueError(f"route path {path!r}: parameter {name!r} appears twice")
            params[name] = converter
            regex.append(re.escape(part[position : match.start()]))
            regex.append(f"({converter.regex})")
            converters.append(converter)
            names.append(name)
            position = match.end()
        regex.append(re.escape(part[position:]))
        is_tail = any(c.name == "path" for c in converters)
        if is_tail and (index != len(parts) - 1 or len(found) != 1 or part != found[0].group(0)):
            raise ValueError(
                f"route path {path!r}: a {{name:path}} parameter must be the whole last segment"
            )
        source = "".join(regex)
        segments.append(
            _Segment(
                template=part,
                key=source,
                pattern=re.compile(source, re.DOTALL),
                converters=tuple(converters),
                names=tuple(names),
                is_tail=is_tail,
                single=converters[0].match if part == found[0].group(0) else None,
            )
        )
    return segments, params


# -- routes -------------------------------------------------------------------------


class Route:
    """One path template, its methods, and the compiled plan that answers it."""

    __slots__ = (
        "bare",
        "dependencies",
        "endpoint",
        "explicit_methods",
        "handle",
        "max_body_size",
        "methods",
        "name",
        "param_converters",
        "path",
        "response_class",
        "segments",
        "status_code",
    )

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Iterable[str],
        response_class: type[Response] | None = None,
        status_code: int | None = None,
        name: str | None = None,
        max_body_size: int | None = None,
        default_response_class: type[Response] = JSONResponse,
        dependencies: Sequence[Any] = (),
    ) -> None:
        self.path = path
        self.dependencies = list(dependencies)
        self.endpoint = endpoint
        self.explicit_methods = frozenset(m.upper() for m in methods)
        # Every GET route answers HEAD too (the response drops the body).
        self.methods = (
            self.explicit_methods | {"HEAD"}
            if "GET" in self.explicit_methods
            else self.explicit_methods
        )
        self.response_class = response_class
        self.status_code = status_code
        self.name = name if name is not None else getattr(endpoint, "__name__", path)
        self.max_body_size = max_body_size
        self.segments, self.param_converters = compile_path(path)
        # A handler without parameters gets a plan that needs no Request at all.
        self.bare = compile_bare_endpoint(
            endpoint,
            response_class=response_class or default_response_class,
            status_code=status_code,
            dependencies=self.dependencies,
        )
        self.handle = compile_endpoint(
            endpoint,
            path_params={k: c.python_type for k, c in self.param_converters.items()},
            response_class=response_class or default_response_class,
            status_code=status_code,
            dependencies=self.dependencies,
        )

    def url_path(self, **params: Any) -> str:
        if set(params) != set(self.param_converters):
            raise NoMatchFound(
                f"route {self.name!r} takes parameters {sorted(self.param_converters)}, "
                f"got {sorted(params)}"
            )
        converters = self.param_converters

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            return converters[name].to_string(params[name])

        parts = [
            segment.literal if segment.literal is not None else _PARAM.sub(fill, segment.template)
            for segment in self.segments
        ]
        return "/" + "/".join(parts)

    def __repr__(self) -> str:
        return f"Route(path={self.path!r}, methods={sorted(self.methods)}, name={self.name!r})"


@dataclass
class Mount:
    """An ASGI app served under a path prefix."""

    prefix: str
    app: ASGIApp
    name: str | None = None


# -- the table ----------------------------------------------------------------------


@dataclass
class _Leaf:
    """Every route of one template shape, by method, plus the Allow header value."""

    by_method: dict[str, tuple[Route, tuple[str, ...]]] = field(default_factory=dict)
    explicit: set[str] = field(default_factory=set)
    allow: str = ""

    def add(self, route: Route, names: tuple[str, ...]) -> None:
        for method in route.explicit_methods:
            if method in self.explicit:
                raise ValueError(
                    f"duplicate route: {method} {route.path!r} is already handled by "
                    f"{self.by_method[method][0].name!r}"
                )
        for method in route.explicit_methods:
            self.by_method[method] = (route, names)
            self.explicit.add(method)
        # The implicit HEAD of a GET route never displaces an explicit HEAD route.
        if "HEAD" in route.methods and "HEAD" not in self.by_method:
            self.by_method["HEAD"] = (route, names)
        self.allow = ", ".join(sorted(self.by_method))


@dataclass
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    params: list[tuple[_Segment, _Node]] = field(default_factory=list)
    leaf: _Leaf | None = None


class RouteTable:
    """Static dict + segment tree; see the module docstring."""

    def __init__(self) -> None:
        self.static: dict[str, _Leaf] = {}
        self.root = _Node()

    def add(self, route: Route) -> None:
        node = self.root
        names: list[str] = []
        for segment in route.segments:
            if segment.literal is not None:
                node = node.literal.setdefault(segment.literal, _Node())
                continue
            names.extend(segment.names)
            for existing, child in node.params:
                if existing.key == segment.key:
                    node = child
                    break
            else:
                child = _Node()
                node.params.append((segment, child))
                node = child
        if node.leaf is None:
            node.leaf = _Leaf()
        node.leaf.add(route, tuple(names))
        if not route.param_converters:
            self.static[route.path] = node.leaf

    def lookup(
        self, path: str, method: str
    ) -> tuple[Route | None, dict[str, Any] | None, str | None]:
        """``(route, params, None)`` on a match, ``(None, None, allow)`` on 405, all None on 404."""
        leaf = self.static.get(path)
        if leaf is not None:
            hit = leaf.by_method.get(method)
            if hit is not None:
                return hit[0], {}, None
        partial: list[_Leaf] = []
        values: list[Any] = []
        found = _walk(self.root, path[1:].split("/"), 0, method, values, partial)
        if found is not None:
            route, names = found
            if len(names) == 1:  # PERF: dict(zip(...)) costs ~0.3 us more
                return route, {names[0]: values[0]}, None
            return route, dict(zip(names, values, strict=True)), None
        if partial:
            methods: set[str] = set()
            for item in partial:
                methods.update(item.by_method)
            return None, None, ", ".join(sorted(methods))
        return None, None, None


def _walk(
    node: _Node,
    parts: list[str],
    index: int,
    method: str,
    values: list[Any],
    partial: list[_Leaf],
) -> tuple[Route, tuple[str, ...]] | None:
    if index == len(parts):
        leaf = node.leaf
        if leaf is None:
            return None
        hit = leaf.by_method.get(method)
        if hit is None:
            partial.append(leaf)
        return hit
    part = parts[index]
    child = node.literal.get(part)
    if child is not None:
        found = _walk(child, parts, index + 1, method, values, partial)
        if found is not None:
            return found
    for segment, child in node.params:
        if segment.is_tail:
            leaf = child.leaf
            if leaf is None:
                continue
            hit = leaf.by_method.get(method)
            if hit is None:
                partial.append(leaf)
                continue
            values.append("/".join(parts[index:]))
            return hit
        if not part:
            continue
        single = segment.single
        if single is not None:
            value = single(part)
            if value is _NO_MATCH:
                continue
            values.append(value)
            found = _walk(child, parts, index + 1, method, values, partial)
            if found is not None:
                return found
            values.pop()
            continue
        converted = segment.match(part)
        if converted is None:
            continue
        values.extend(converted)
        found = _walk(child, parts, index + 1, method, values, partial)
        if found is not None:
            return found
        del values[len(values) - len(converted) :]
    return None


# -- routers ------------------------------------------------------------------------


class Router:
    """A collection of routes with FastAPI's decorators; ``App`` holds one."""

    def __init__(
        self,
        *,
        prefix: str = "",
        default_response_class: type[Response] = JSONResponse,
        max_body_size: int | None = None,
        dependencies: Sequence[Any] | None = None,
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"router prefix {prefix!r} must start with '/' and not end with '/'")
        self.prefix = prefix
        self.dependencies = list(dependencies or [])
        self.default_response_class = default_response_class
        self.max_body_size = max_body_size
        self.routes: list[Route] = []
        self.mounts: list[Mount] = []
        self.table = RouteTable()
        self._names: dict[str, Route] = {}

    def add_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Iterable[str] = ("GET",),
        response_class: type[Response] | None = None,
        status_code: int | None = None,
        name: str | None = None,
        max_body_size: int | None = None,
        dependencies: Sequence[Any] | None = None,
        **docs: Any,
    ) -> Route:
        unknown = set(docs) - _DOC_ONLY
        if unknown:
            raise TypeError(
                f"unsupported route option(s) {sorted(unknown)} for {path!r}; asgiweb accepts "
                "status_code, response_class, name, max_body_size and documentation-only keywords"
            )
        route = Route(
            self.prefix + path,
            endpoint,
            methods=methods,
            response_class=response_class,
            status_code=status_code,
            name=name,
            max_body_size=max_body_size if max_body_size is not None else self.max_body_size,
            default_response_class=self.default_response_class,
            dependencies=[*self.dependencies, *(dependencies or [])],
        )
        self.table.add(route)
        self.routes.append(route)
        self._names.setdefault(route.name, route)
        return route

    def route(
        self,
        path: str,
        methods: Sequence[str] = ("GET",),
        *,
        status_code: int | None = None,
        response_class: type[Response] | None = None,
        name: str | None = None,
        max_body_size: int | None = None,
        **docs: Any,
    ) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.add_route(
                path,
                func,
                methods=methods,
                response_class=response_class,
                status_code=status_code,
                name=name,
                max_body_size=max_body_size,
                **docs,
            )
            return func

        return decorator

    def _method(self, method: str) -> Callable[..., Callable[[F], F]]:
        def register(
            path: str,
            *,
            status_code: int | None = None,
            response_class: type[Response] | None = None,
            name: str | None = None,
            max_body_size: int | None = None,
            **docs: Any,
        ) -> Callable[[F], F]:
            return self.route(
                path,
                [method],
                status_code=status_code,
                response_class=response_class,
                name=name,
                max_body_size=max_body_size,
                **docs,
            )

        return register

    def get(self, path: str, **options: Any) -> Callable[[F], F]:
        return self._method("GET")(path, **options)

    def post(self, path: str, **options: Any) -> Callable[[F], F]:
        return self._method("POST")(path, **options)

    def put(self, path: str, **options: Any) -> Callable[[F], F]:
        return self._method("PUT")(path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[F], F]:
        return self._method("PATCH")(path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[F], F]:
        return self._method("DELETE")(path, **options)

    def head(self, path: str, **options: Any) -> Callable[[F], F]:
        return self._method("HEAD")(path, **options)

    def options(self, path: str, **options: Any) -> Callable[[F], F]:
        return self._method("OPTIONS")(path, **options)

    def include_router(
        self, router: Router, prefix: str = "", *, dependencies: Sequence[Any] | None = None
    ) -> None:
        """Copy ``router``'s routes here under ``prefix`` (compiled again for this router)."""
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(
                f"include_router prefix {prefix!r} must start with '/', not end with '/'"
            )
        for route in router.routes:
            path = prefix + route.path
            if path == "":
                path = "/"
            self.add_route(
                path,
                route.endpoint,
                methods=route.explicit_methods,
                response_class=route.response_class,
                status_code=route.status_code,
                name=route.name,
                max_body_size=route.max_body_size,
                dependencies=[*(dependencies or []), *route.dependencies],
            )
        for mount in router.mounts:
            self.mount(prefix + mount.prefix, mount.app, name=mount.name)

    def mount(self, prefix: str, app: ASGIApp, name: str | None = None) -> None:
        prefix = self.prefix + prefix.rstrip("/")
        if prefix and not prefix.startswith("/"):
            raise ValueError(f"mount prefix {prefix!r} must start with '/'")
        self.mounts.append(Mount(prefix, app, name))

    def find_mount(self, path: str) -> Mount | None:
        for mount in self.mounts:
            prefix = mount.prefix
            if not prefix or path == prefix or path.startswith(prefix + "/"):
                return mount
        return None

    def url_path_for(self, name: str, /, **params: Any) -> str:
        route = self._names.get(name)
        if route is None:
            raise NoMatchFound(f"no route named {name!r}")
        return route.url_path(**params)
