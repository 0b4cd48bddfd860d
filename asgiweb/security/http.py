"""The ``Authorization`` header's own schemes: Basic (RFC 7617), Bearer
(RFC 6750) and Digest (RFC 7616: found, not verified, as in FastAPI)."""

from __future__ import annotations

import binascii
import json
from base64 import b64decode
from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import Any

from asgiweb.requests import Request
from asgiweb.security.base import SecurityBase
from asgiweb.security.utils import get_authorization_scheme_param

__all__ = [
    "HTTPAuthorizationCredentials",
    "HTTPBase",
    "HTTPBasic",
    "HTTPBasicCredentials",
    "HTTPBearer",
    "HTTPDigest",
]


class _Dumps:
    """pydantic's ``model_dump``/``model_dump_json`` on a credentials dataclass: in
    FastAPI these classes are pydantic models, and handlers dump them (docs/api.md,
    "Dependencies, security, response models")."""

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Collection[str] | None = None,
        exclude: Collection[str] | None = None,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        if mode not in ("python", "json"):
            raise ValueError(f"mode must be 'python' or 'json', not {mode!r}")
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)  # type: ignore[arg-type]
            if (include is None or field.name in include)
            and (exclude is None or field.name not in exclude)
            and not (exclude_none and getattr(self, field.name) is None)
        }

    def model_dump_json(
        self,
        *,
        indent: int | None = None,
        include: Collection[str] | None = None,
        exclude: Collection[str] | None = None,
        exclude_none: bool = False,
    ) -> str:
        dumped = self.model_dump(include=include, exclude=exclude, exclude_none=exclude_none)
        separators = (",", ":") if indent is None else None
        return json.dumps(dumped, indent=indent, separators=separators, ensure_ascii=False)


@dataclass
class HTTPBasicCredentials(_Dumps):
    """User name and password decoded from ``Authorization: Basic ...``."""

    username: str
    password: str


@dataclass
class HTTPAuthorizationCredentials(_Dumps):
    """An ``Authorization`` header split at its first space: ``scheme`` and ``credentials``."""

    scheme: str
    credentials: str


class HTTPBase(SecurityBase):
    """Any ``Authorization: <scheme> <credentials>`` header; the challenge names ``scheme``."""

    def __init__(
        self,
        *,
        scheme: str,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(scheme_name=scheme_name, description=description, auto_error=auto_error)
        self.scheme = scheme
        self.challenge = scheme.title()

    def _absent(self) -> None:
        if self.auto_error:
            raise self.make_not_authenticated_error()

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        authorization = request.headers.get("authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials):
            self._absent()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)

    def _credentials_of_scheme(self, request: Request) -> HTTPAuthorizationCredentials | None:
        """The credentials when the header names this class's own ``scheme``
        (case-insensitive), else the 401 (or None with ``auto_error=False``)."""
        authorization = request.headers.get("authorization")
        scheme, credentials = get_authorization_scheme_param(authorization)
        if not (authorization and scheme and credentials) or scheme.lower() != self.scheme:
            self._absent()
            return None
        return HTTPAuthorizationCredentials(scheme=scheme, credentials=credentials)


class HTTPBearer(HTTPBase):
    """``Authorization: Bearer <token>``, given as ``HTTPAuthorizationCredentials``."""

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme="bearer", scheme_name=scheme_name, description=description, auto_error=auto_error
        )
        self.bearer_format = bearerFormat

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self._credentials_of_scheme(request)


class HTTPDigest(HTTPBase):
    """``Authorization: Digest <credentials>`` (RFC 7616), given unchecked as
    ``HTTPAuthorizationCredentials``: as FastAPI's, this class only finds the
    header and documents the scheme; verifying the digest is the application's."""

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme="digest", scheme_name=scheme_name, description=description, auto_error=auto_error
        )

    async def __call__(self, request: Request) -> HTTPAuthorizationCredentials | None:
        return self._credentials_of_scheme(request)


class HTTPBasic(HTTPBase):
    """``Authorization: Basic base64(user:password)``, given as ``HTTPBasicCredentials``.

    A header that is present but cannot be decoded is a 401 even with
    ``auto_error=False``, as in FastAPI: the client did try to authenticate.
    """

    def __init__(
        self,
        *,
        scheme_name: str | None = None,
        realm: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        super().__init__(
            scheme="basic", scheme_name=scheme_name, description=description, auto_error=auto_error
        )
        self.realm = realm

    def make_authenticate_headers(self) -> dict[str, str]:
        if self.realm:
            return {"WWW-Authenticate": f'Basic realm="{self.realm}"'}
        return {"WWW-Authenticate": "Basic"}

    async def __call__(self, request: Request) -> HTTPBasicCredentials | None:  # type: ignore[override]
        authorization = request.headers.get("authorization")
        scheme, encoded = get_authorization_scheme_param(authorization)
        if not authorization or scheme.lower() != "basic":
            self._absent()
            return None
        try:
            text = b64decode(encoded).decode("ascii")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise self.make_not_authenticated_error() from None
        username, separator, password = text.partition(":")
        if not separator:
            raise self.make_not_authenticated_error()
        return HTTPBasicCredentials(username=username, password=password)
