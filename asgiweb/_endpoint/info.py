"""What the plan learned about a handler, kept for tools that describe the route.

``compile_endpoint`` classifies every parameter of the handler and of its
dependencies once, at registration (``asgiweb._endpoint.parameters``,
``asgiweb._endpoint.dependencies``); it records the result here so that the
OpenAPI document (``asgiweb.openapi``) is a view of the plan and never reads a
handler's signature again.  Nothing here runs per request.
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from asgiweb.params import Param

if TYPE_CHECKING:
    from asgiweb._endpoint.dependencies import Dependant

__all__ = [
    "EndpointInfo",
    "ParamInfo",
    "attach_info",
    "describe_graph",
    "documented_response_model",
    "info_of",
    "stream_of",
]

H = TypeVar("H", bound=Callable[..., Any])


@dataclasses.dataclass(frozen=True, slots=True)
class ParamInfo:
    """One value parameter: where it comes from and how it is declared."""

    name: str
    # "path" | "query" | "header" | "cookie" | "body" | "form" (Form(), File(), UploadFile)
    source: str
    key: str  # the query key, header name, cookie name or body field (alias applied)
    annotation: Any
    marker: Param | None
    required: bool
    default: Any  # params.REQUIRED when there is none
    default_factory: Callable[[], Any] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class EndpointInfo:
    """A route's value parameters (the handler's and its dependencies', each dependency
    once, in FastAPI's order), its body layout, response model and security schemes."""

    params: tuple[ParamInfo, ...] = ()
    body_embedded: bool = False  # the body is an object with one key per body parameter
    response_model: Any = None  # the type returned values are fitted to, or None
    # (security scheme, OAuth2 scopes) for every security dependency, in graph order.
    security: tuple[tuple[Any, tuple[str, ...]], ...] = ()
    generator: bool = False  # the handler yields: a stream (docs/streaming.md)
    stream_item: Any = None  # the item type its return annotation names, if any

    @property
    def body(self) -> tuple[ParamInfo, ...]:
        """The body's fields; a JSON one named again further down the graph is the
        same field (FastAPI reads and documents it once), so the first stands for it.
        Form fields are all kept: the OpenAPI document joins a repeated key's schemas
        (docs/openapi.md)."""
        found: dict[str, ParamInfo] = {}
        fields: list[ParamInfo] = []
        for p in self.params:
            if p.source == "form":
                fields.append(p)
            elif p.source == "body" and p.key not in found:
                found[p.key] = p
                fields.append(p)
        return tuple(fields)


_KEY = "asgiweb_endpoint_info"
EMPTY = EndpointInfo()


def describe_graph(
    root: Dependant,
    embed: bool,
    response_model: Any,
    stream: tuple[bool, Any] = (False, None),
) -> EndpointInfo:
    """The info of a compiled dependency graph: depth first, the root's own parameters
    before its dependencies', and a dependency met again (same call, scopes and exit
    scope) not visited twice, as FastAPI walks it for its document."""
    from asgiweb.security.base import SecurityBase

    params: list[ParamInfo] = []
    security: list[tuple[Any, tuple[str, ...]]] = []
    seen: set[Any] = set()

    def visit(dependant: Dependant, is_root: bool) -> None:
        if dependant.key in seen:
            return
        seen.add(dependant.key)
        params.extend(dependant.params.infos)
        if not is_root and isinstance(dependant.call, SecurityBase):
            security.append((dependant.call, tuple(dependant.scopes)))
        for sub in dependant.subs:
            visit(sub, False)

    visit(root, True)
    generator, item = stream
    return EndpointInfo(tuple(params), embed, response_model, tuple(security), generator, item)


def documented_response_model(
    endpoint: Callable[..., Any], response_model: Any, fitted: Any
) -> Any:
    """The response model as FastAPI documents it: the one the plan fits values to
    (``fitted``), else ``Any`` when that is what ``response_model=`` or the return
    annotation says (no fitting, but FastAPI still writes a titled ``{}`` schema)."""
    if fitted is not None:
        return fitted
    from asgiweb._endpoint.parameters import hints_target
    from asgiweb._endpoint.response import FROM_ANNOTATION

    if response_model is FROM_ANNOTATION:
        try:
            response_model = typing.get_type_hints(hints_target(endpoint)).get("return")
        except Exception:
            return None
    return Any if response_model is Any else None


_STREAMS = frozenset(
    {
        cabc.AsyncIterator,
        cabc.AsyncIterable,
        cabc.AsyncGenerator,
        cabc.Iterator,
        cabc.Iterable,
        cabc.Generator,
    }
)


def stream_of(endpoint: Callable[..., Any]) -> tuple[bool, Any]:
    """(the handler is a generator function, the item type of its return annotation:
    ``AsyncIterator[Item]`` -> ``Item``; None when not named or a ``ServerSentEvent``)."""
    from asgiweb._endpoint.parameters import hints_target
    from asgiweb._endpoint.streams import is_stream_endpoint
    from asgiweb.sse import ServerSentEvent

    if not is_stream_endpoint(endpoint):
        return False, None
    try:
        annotation = typing.get_type_hints(hints_target(endpoint)).get("return")
    except Exception:
        return True, None
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) not in _STREAMS or not args:
        return True, None
    item = args[0]
    if isinstance(item, type) and issubclass(item, ServerSentEvent):
        return True, None
    return True, item


def attach_info(handle: H, info: EndpointInfo) -> H:
    setattr(handle, _KEY, info)
    return handle


def info_of(handle: Callable[..., Any]) -> EndpointInfo:
    """The info ``compile_endpoint`` attached to ``handle`` (empty if none)."""
    found = getattr(handle, _KEY, None)
    return found if isinstance(found, EndpointInfo) else EMPTY
