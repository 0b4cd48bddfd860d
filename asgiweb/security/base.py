"""What every security scheme shares: a name, a ``auto_error`` switch, one 401."""

from __future__ import annotations

from asgiweb.exceptions import HTTPException

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
