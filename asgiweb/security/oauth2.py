"""OAuth2 bearer tokens (RFC 6750), the password flow's token request (RFC 6749
section 4.3) and the scopes a route asks of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated

from asgiweb.params import Form
from asgiweb.requests import Request
from asgiweb.security.base import SecurityBase
from asgiweb.security.utils import get_authorization_scheme_param

__all__ = [
    "OAuth2",
    "OAuth2AuthorizationCodeBearer",
    "OAuth2PasswordBearer",
    "OAuth2PasswordRequestForm",
    "OAuth2PasswordRequestFormStrict",
    "SecurityScopes",
]


def bearer_token(scheme: SecurityBase, request: Request) -> str | None:
    """The token of ``Authorization: Bearer <token>`` (scheme case-insensitive), else
    ``scheme``'s 401, or None when it does not ``auto_error``."""
    kind, token = get_authorization_scheme_param(request.headers.get("authorization"))
    if kind.lower() != "bearer":
        if scheme.auto_error:
            raise scheme.make_not_authenticated_error()
        return None
    return token


class OAuth2PasswordRequestForm:
    """The form a client posts to the token URL of OAuth2's password flow.

    Used as a dependency, ``form: Annotated[OAuth2PasswordRequestForm, Depends()]``,
    it reads the form fields ``username`` and ``password`` (required), ``scope``
    (space-separated, given as the list ``scopes``), ``grant_type`` (if sent, it
    must be ``"password"``), ``client_id`` and ``client_secret``.  RFC 6749 wants
    ``grant_type``; this class lets it be left out, ``OAuth2PasswordRequestFormStrict``
    does not.  Needs the ``forms`` extra (a multipart parser), as any ``Form()`` does.
    """

    def __init__(
        self,
        *,
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        username: Annotated[str, Form()],
        password: Annotated[str, Form(json_schema_extra={"format": "password"})],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        self.grant_type = grant_type
        self.username = username
        self.password = password
        self.scopes = scope.split()
        self.client_id = client_id
        self.client_secret = client_secret


class OAuth2PasswordRequestFormStrict(OAuth2PasswordRequestForm):
    """``OAuth2PasswordRequestForm`` with ``grant_type=password`` required, as RFC 6749 says.

    Its ``password`` and ``client_secret`` carry no ``format: password`` in the
    OpenAPI document, as FastAPI's strict form does not.
    """

    def __init__(
        self,
        grant_type: Annotated[str, Form(pattern="^password$")],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form()] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


class OAuth2(SecurityBase):
    """Any OAuth2 flow whose token arrives as ``Authorization: Bearer <token>``.

    ``flows`` is the OpenAPI OAuth Flows Object as a dict (``{"password": {"tokenUrl":
    ...}}``), shown in the schema; the request only needs an ``Authorization`` header.
    """

    def __init__(
        self,
        *,
        flows: Mapping[str, Mapping[str, object]] | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.flows = {name: dict(flow) for name, flow in (flows or {}).items()}

    async def __call__(self, request: Request) -> str | None:
        return self.whole_authorization(request)


class OAuth2PasswordBearer(OAuth2):
    """The token of OAuth2's password flow: the string after ``Bearer``.

    ``tokenUrl`` is where clients get a token (kept for the user's own tools; asgiweb
    serves no schema).  Without a bearer ``Authorization`` header the answer is a 401
    with ``WWW-Authenticate: Bearer`` (or None with ``auto_error=False``).
    """

    def __init__(
        self,
        tokenUrl: str,
        scheme_name: str | None = None,
        scopes: Mapping[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
        refreshUrl: str | None = None,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.token_url = tokenUrl
        self.refresh_url = refreshUrl
        self.scopes = dict(scopes or {})

    async def __call__(self, request: Request) -> str | None:
        return bearer_token(self, request)


class OAuth2AuthorizationCodeBearer(OAuth2):
    """The bearer token of OAuth2's authorization code flow (RFC 6749 section 4.1).

    ``authorizationUrl``, ``tokenUrl``, ``refreshUrl`` and ``scopes`` describe the
    flow in the OpenAPI document; the request only needs ``Authorization: Bearer
    <token>``, whose token is given (else a 401 with ``WWW-Authenticate: Bearer``,
    or None with ``auto_error=False``).
    """

    def __init__(
        self,
        authorizationUrl: str,
        tokenUrl: str,
        refreshUrl: str | None = None,
        scheme_name: str | None = None,
        scopes: Mapping[str, str] | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        flow: dict[str, object] = {}
        if refreshUrl is not None:
            flow["refreshUrl"] = refreshUrl
        flow["scopes"] = dict(scopes or {})
        flow["authorizationUrl"] = authorizationUrl
        flow["tokenUrl"] = tokenUrl
        super().__init__(
            flows={"authorizationCode": flow},
            scheme_name=scheme_name,
            description=description,
            auto_error=auto_error,
        )

    async def __call__(self, request: Request) -> str | None:
        return bearer_token(self, request)


class SecurityScopes:
    """The OAuth2 scopes required along the chain of ``Security(...)`` that led here.

    A dependency with a parameter annotated ``SecurityScopes`` receives one; the
    scopes of every ``Security(..., scopes=[...])`` from the route down to it are
    listed outermost first, without repeats. ``scope_str`` is them joined by spaces,
    as a ``WWW-Authenticate`` header's ``scope=`` wants them (RFC 6750 section 3).
    """

    __slots__ = ("scope_str", "scopes")

    def __init__(self, scopes: Sequence[str] | None = None) -> None:
        self.scopes: list[str] = list(scopes or [])
        self.scope_str: str = " ".join(self.scopes)

    def __repr__(self) -> str:
        return f"SecurityScopes(scopes={self.scopes!r})"
