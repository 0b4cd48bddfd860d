"""What the plan learned about a handler, kept for tools that describe the route.

``compile_endpoint`` classifies every handler parameter once, at registration
(``asgiweb._endpoint.plan``); it records the result here so that the OpenAPI
document (``asgiweb.openapi``) is a view of the plan and never reads a handler's
signature again.  Nothing here runs per request.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from asgiweb.params import Param

__all__ = ["EndpointInfo", "ParamInfo", "attach_info", "info_of"]


@dataclasses.dataclass(frozen=True, slots=True)
class ParamInfo:
    """One value parameter: where it comes from and how it is declared."""

    name: str
    source: str  # "path" | "query" | "header" | "cookie" | "body"
    key: str  # the query key, header name, cookie name or body field (alias applied)
    annotation: Any
    marker: Param | None
    required: bool
    default: Any  # params.REQUIRED when there is none
    default_factory: Callable[[], Any] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class EndpointInfo:
    """A handler's value parameters, in declaration order, and its return annotation."""

    params: tuple[ParamInfo, ...] = ()
    body_embedded: bool = False  # the body is an object with one key per body parameter
    return_annotation: Any = None  # None when the handler declares none

    @property
    def body(self) -> tuple[ParamInfo, ...]:
        return tuple(p for p in self.params if p.source == "body")


_KEY = "asgiweb_endpoint_info"
EMPTY = EndpointInfo()


def attach_info(handle: Callable[..., Any], info: EndpointInfo) -> None:
    setattr(handle, _KEY, info)


def info_of(handle: Callable[..., Any]) -> EndpointInfo:
    """The info ``compile_endpoint`` attached to ``handle`` (empty if none)."""
    found = getattr(handle, _KEY, None)
    return found if isinstance(found, EndpointInfo) else EMPTY
