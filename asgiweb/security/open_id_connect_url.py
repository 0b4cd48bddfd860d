"""OpenID Connect (``fastapi.security.open_id_connect_url``'s one class)."""

from __future__ import annotations

from asgiweb.requests import Request
from asgiweb.security.base import SecurityBase

__all__ = ["OpenIdConnect"]


class OpenIdConnect(SecurityBase):
    """Documents an OpenID Connect scheme (``openIdConnectUrl``, the provider's
    discovery document) and gives the whole ``Authorization`` header value.

    As FastAPI's, it neither fetches the discovery document nor checks the token:
    without an ``Authorization`` header the answer is a 401 with
    ``WWW-Authenticate: Bearer`` (or None with ``auto_error=False``).
    """

    def __init__(
        self,
        *,
        openIdConnectUrl: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.open_id_connect_url = openIdConnectUrl

    async def __call__(self, request: Request) -> str | None:
        return self.whole_authorization(request)
