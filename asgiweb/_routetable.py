"""The route table: path templates compiled into a static dict and a segment tree.

Theory of operation.  Every route template is compiled when it is registered.
A template with no parameters goes into a dict keyed by its path: one lookup
answers it.  Every template also goes into a segment tree whose edges are
literal segments (a dict per node) or converters (a short ordered list per
node, one entry per distinct converter, shared by templates that agree on it).
A lookup walks the tree once, trying the literal edge before the converters
and backtracking only when a branch dies, so its cost depends on the depth of
the path, not on how many routes exist.

Matching rules (docs/api.md):
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

import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

__all__ = [
    "CONVERTERS",
    "NO_MATCH",
    "Converter",
    "Routable",
    "RouteTable",
    "Segment",
    "compile_path",
    "fill_path",
]


class Routable(Protocol):
    """What the table needs of a route (``routing.Route`` and ``WebSocketRoute``)."""

    path: str
    name: str
    segments: list[Segment]
    param_converters: dict[str, Converter]
    explicit_methods: frozenset[str]
    methods: frozenset[str]


# -- converters ---------------------------------------------------------------------


NO_MATCH: Any = object()


@dataclass(frozen=True)
class Converter:
    """Matches one path segment (or the rest of the path) and converts it.

    ``match`` returns the converted value, or ``NO_MATCH``; it is what the
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
    if text.isascii() and text.isdigit():
        try:
            return int(text)
        except ValueError:  # longer than sys.get_int_max_str_digits(): no route, a 404
            return NO_MATCH
    return NO_MATCH


_FLOAT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# Hyphens are optional, each on its own, as in Starlette's convertor: 32 hex digits
# in one run also name a UUID.
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


def _match_float(text: str) -> Any:
    return float(text) if _FLOAT.fullmatch(text) is not None else NO_MATCH


def _match_uuid(text: str) -> Any:
    return uuid.UUID(text) if _UUID.fullmatch(text) is not None else NO_MATCH


# url_path_for refuses a value its converter would not match back (as Starlette's
# convertors do, with ValueError where Starlette asserts): a path made from it
# would reach another route, or none (docs/api.md, "url_path_for, state").


def _str_to_string(value: Any) -> str:
    text = str(value)
    if "/" in text:
        raise ValueError(f"path parameter value {text!r} may not contain '/' (use {{name:path}})")
    if not text:
        raise ValueError("path parameter value may not be empty")
    return text


def _int_to_string(value: Any) -> str:
    number = int(value)
    if number < 0:
        raise ValueError(f"path parameter value {number} is negative: {{name:int}} has no sign")
    return str(number)


def _float_to_string(value: Any) -> str:
    number = float(value) + 0.0  # -0.0 as 0.0: a "-" has no match (Starlette writes it)
    if number != number or number in (math.inf, -math.inf) or number < 0:
        raise ValueError(f"path parameter value {number} has no {{name:float}} form")
    # Positional notation (never 1e+20), written as Starlette writes it.
    return f"{number:.20f}".rstrip("0").rstrip(".")


CONVERTERS: dict[str, Converter] = {
    "str": Converter("str", r"[^/]+", str, str, _match_str, _str_to_string),
    "path": Converter("path", r".*", str, str, _match_str),
    "int": Converter("int", r"[0-9]+", int, int, _match_int, _int_to_string),
    "float": Converter("float", _FLOAT.pattern, float, float, _match_float, _float_to_string),
    "uuid": Converter("uuid", _UUID.pattern, uuid.UUID, uuid.UUID, _match_uuid),
}

_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")


@dataclass(frozen=True)
class Segment:
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


def compile_path(path: str) -> tuple[list[Segment], dict[str, Converter]]:
    """Split a template into segments; return them and the converter of each parameter."""
    if not path.startswith("/"):
        raise ValueError(f"route path {path!r} must start with '/'")
    params: dict[str, Converter] = {}
    segments: list[Segment] = []
    parts = path[1:].split("/")
    for index, part in enumerate(parts):
        found = list(_PARAM.finditer(part))
        if not found:
            if "{" in part or "}" in part:
                raise ValueError(f"route path {path!r}: malformed parameter in {part!r}")
            segments.append(Segment(literal=part))
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
            Segment(
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


def fill_path(
    segments: list[Segment], converters: Mapping[str, Converter], params: Mapping[str, Any]
) -> str:
    """The path a template gives for ``params`` (each converter's ``to_string``)."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return converters[name].to_string(params[name])

    parts = [
        segment.literal if segment.literal is not None else _PARAM.sub(fill, segment.template)
        for segment in segments
    ]
    return "/" + "/".join(parts)


# -- the table ----------------------------------------------------------------------


@dataclass
class _Leaf:
    """Every route of one template shape, by method, plus the Allow header value."""

    by_method: dict[str, tuple[Routable, tuple[str, ...]]] = field(default_factory=dict)
    explicit: set[str] = field(default_factory=set)
    allow: str = ""

    def add(self, route: Routable, names: tuple[str, ...]) -> None:
        # A second route for a path and method it already has is shadowed: the first
        # one registered answers, as in FastAPI (docs/api.md, "Routing").
        for method in route.explicit_methods:
            if method in self.explicit:
                continue
            self.by_method[method] = (route, names)
            self.explicit.add(method)
        # The implicit HEAD of a GET route never displaces an explicit HEAD route.
        if "HEAD" in route.methods and "HEAD" not in self.by_method:
            self.by_method["HEAD"] = (route, names)
        self.allow = ", ".join(sorted(self.by_method))


@dataclass
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    params: list[tuple[Segment, _Node]] = field(default_factory=list)
    leaf: _Leaf | None = None


R = TypeVar("R", bound=Routable)


class RouteTable(Generic[R]):
    """Static dict + segment tree; see the module docstring."""

    def __init__(self) -> None:
        self.static: dict[str, _Leaf] = {}
        self.root = _Node()

    def add(self, route: R) -> None:
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

    def lookup(self, path: str, method: str) -> tuple[R | None, dict[str, Any] | None, str | None]:
        """``(route, params, None)`` on a match, ``(None, None, allow)`` on 405, all None on 404."""
        leaf = self.static.get(path)
        if leaf is not None:
            hit = leaf.by_method.get(method)
            if hit is not None:
                return hit[0], {}, None  # type: ignore[return-value]
        parts = path[1:].split("/")
        direct = _descend(self.root, parts, method)
        if direct is not None:
            return direct  # type: ignore[return-value]
        partial: list[_Leaf] = []
        values: list[Any] = []
        found = _walk(self.root, parts, 0, method, values, partial)
        if found is not None:
            route, names = found
            if len(names) == 1:  # PERF: dict(zip(...)) costs ~0.3 us more
                return route, {names[0]: values[0]}, None  # type: ignore[return-value]
            return route, dict(zip(names, values, strict=True)), None  # type: ignore[return-value]
        if partial:
            methods: set[str] = set()
            for item in partial:
                methods.update(item.by_method)
            return None, None, ", ".join(sorted(methods))
        return None, None, None


def _descend(
    root: _Node, parts: list[str], method: str
) -> tuple[Routable, dict[str, Any], None] | None:
    """The first path :func:`_walk` tries, without recursion or backtracking.

    At each segment the walk tries the literal child first, then the parameter
    segments in order; following those first choices down to a leaf that has the
    method is therefore the walk's own answer. Anything else (a dead end, a
    multi-value or tail segment, a 405) returns None and the full walk decides.
    PERF: the common dynamic route (``/items/{id}``) without the recursive calls.
    """
    node = root
    values: list[Any] = []
    for part in parts:
        child = node.literal.get(part)
        if child is None:
            if not part:
                return None
            for segment, param_child in node.params:
                single = segment.single
                if single is None or segment.is_tail:
                    return None
                value = single(part)
                if value is not NO_MATCH:
                    values.append(value)
                    child = param_child
                    break
            else:
                return None
        node = child
    leaf = node.leaf
    if leaf is None:
        return None
    hit = leaf.by_method.get(method)
    if hit is None:
        return None
    route, names = hit
    if len(names) == 1:
        return route, {names[0]: values[0]}, None
    return route, dict(zip(names, values, strict=True)), None


def _walk(
    node: _Node,
    parts: list[str],
    index: int,
    method: str,
    values: list[Any],
    partial: list[_Leaf],
) -> tuple[Routable, tuple[str, ...]] | None:
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
            if value is NO_MATCH:
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
