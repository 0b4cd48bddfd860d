"""What every security scheme shares: a name, a ``auto_error`` switch, one 401."""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgiweb.exceptions import HTTPException

if TYPE_CHECKING:
    from asgiweb.requests import Request

__all__ = ["SecurityBase"]


class SecurityBase:
    """A callable dependency that reads credentials from the request.

    With ``auto_error=True`` (the default) missing or malformed credentials are a
    401 with a ``WWW-Authenticate`` challenge (RFC 9110 section 11.6.1); with
    ``auto_error=False`` the dependency returns None instead, so a handler can
    serve anonymous users too.
    """

    challenge = "Bearer"

    def __init__(
        self, *, scheme_name: str | None, description: str | None, auto_error: bool
    ) -> None:
        self.scheme_name = scheme_name or type(self).__name__
        self.description = description
        self.auto_error = auto_error

    def make_authenticate_headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": self.challenge}

    def make_not_authenticated_error(self) -> HTTPException:
        return HTTPException(401, "Not authenticated", headers=self.make_authenticate_headers())

    def whole_authorization(self, request: Request) -> str | None:
        """The whole ``Authorization`` value, as the OAuth2 and OpenID Connect base
        schemes give it: missing or empty is the 401, or None without ``auto_error``."""
        authorization: str | None = request.headers.get("authorization")
        if not authorization:
            if self.auto_error:
                raise self.make_not_authenticated_error()
            return None
        return authorization
