"""API keys in a header, the query string or a cookie."""

from __future__ import annotations

from typing import Literal

from asgiweb.requests import Request
from asgiweb.security.base import SecurityBase

__all__ = ["APIKeyBase", "APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]


class APIKeyBase(SecurityBase):
    """One named value read from ``location`` (``"query"``, ``"header"`` or ``"cookie"``);
    missing or empty is a 401 (``WWW-Authenticate: APIKey``). The OpenAPI document
    shows ``location`` and ``name`` (docs/openapi.md)."""

    challenge = "APIKey"

    def __init__(
        self,
        location: Literal["query", "header", "cookie"],
        name: str,
        description: str | None,
        scheme_name: str | None,
        auto_error: bool,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.location = location
        self.name = name

    def check_api_key(self, api_key: str | None) -> str | None:
        if not api_key:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return api_key


class APIKeyHeader(APIKeyBase):
    """The key is the value of header ``name``."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("header", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.headers.get(self.name))


class APIKeyQuery(APIKeyBase):
    """The key is the query parameter ``name``."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("query", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.query_params.get(self.name))


class APIKeyCookie(APIKeyBase):
    """The key is the cookie ``name``."""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__("cookie", name, description, scheme_name, auto_error)

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.cookies.get(self.name))
