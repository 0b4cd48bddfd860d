"""API keys in a header, the query string or a cookie."""

from __future__ import annotations

from asgiweb.requests import Request
from asgiweb.security.base import SecurityBase

__all__ = ["APIKeyCookie", "APIKeyHeader", "APIKeyQuery"]


class _APIKey(SecurityBase):
    """Reads one named value; missing or empty is a 401 (``WWW-Authenticate: APIKey``)."""

    challenge = "APIKey"
    where = ""

    def __init__(
        self,
        *,
        name: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.name = name

    def check_api_key(self, api_key: str | None) -> str | None:
        if not api_key:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return api_key


class APIKeyHeader(_APIKey):
    """The key is the value of header ``name``."""

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.headers.get(self.name))


class APIKeyQuery(_APIKey):
    """The key is the query parameter ``name``."""

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.query_params.get(self.name))


class APIKeyCookie(_APIKey):
    """The key is the cookie ``name``."""

    async def __call__(self, request: Request) -> str | None:
        return self.check_api_key(request.cookies.get(self.name))
