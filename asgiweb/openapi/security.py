"""The OpenAPI Security Scheme Object of each ``asgiweb.security`` scheme (docs/openapi.md).

FastAPI keeps a model of the scheme on every scheme object; asgiweb's schemes
keep only what they need to check a request, and the document is written from
those attributes here, in FastAPI's shape:

- ``APIKeyHeader/Query/Cookie`` (any ``APIKeyBase``): ``{"type": "apiKey", "in":
  ..., "name": ...}``;
- ``HTTPBearer``, ``HTTPBasic``, ``HTTPDigest``, ``HTTPBase``: ``{"type": "http",
  "scheme": ...}`` (with ``bearerFormat`` when given);
- ``OAuth2PasswordBearer``: ``{"type": "oauth2", "flows": {"password": ...}}``
  with its ``tokenUrl``, ``refreshUrl`` and ``scopes``; any other ``OAuth2``
  (``OAuth2AuthorizationCodeBearer`` included), its ``flows`` (none by default);
- ``OpenIdConnect``: ``{"type": "openIdConnect", "openIdConnectUrl": ...}``;

each with ``description`` when the scheme has one.
"""

from __future__ import annotations

from typing import Any

from asgiweb.security.api_key import APIKeyBase
from asgiweb.security.base import SecurityBase
from asgiweb.security.http import HTTPBase, HTTPBearer
from asgiweb.security.oauth2 import OAuth2, OAuth2PasswordBearer
from asgiweb.security.open_id_connect_url import OpenIdConnect

__all__ = ["security_scheme"]


def security_scheme(scheme: SecurityBase) -> dict[str, Any]:
    """The Security Scheme Object for ``scheme`` (filed under ``scheme.scheme_name``)."""
    found: dict[str, Any]
    if isinstance(scheme, APIKeyBase):
        found = {"type": "apiKey", "in": scheme.location, "name": scheme.name}
    elif isinstance(scheme, HTTPBase):
        found = {"type": "http", "scheme": scheme.scheme}
        if isinstance(scheme, HTTPBearer) and scheme.bearer_format:
            found["bearerFormat"] = scheme.bearer_format
    elif isinstance(scheme, OAuth2PasswordBearer):
        flow: dict[str, Any] = {"tokenUrl": scheme.token_url}
        if scheme.refresh_url:
            flow["refreshUrl"] = scheme.refresh_url
        flow["scopes"] = dict(scheme.scopes)
        found = {"type": "oauth2", "flows": {"password": flow}}
    elif isinstance(scheme, OAuth2):
        found = {"type": "oauth2", "flows": dict(getattr(scheme, "flows", None) or {})}
    elif isinstance(scheme, OpenIdConnect):
        found = {"type": "openIdConnect", "openIdConnectUrl": scheme.open_id_connect_url}
    else:
        model = getattr(scheme, "model", None)  # a scheme written for FastAPI's shape
        found = dict(model) if isinstance(model, dict) else {"type": "http"}
    if scheme.description:
        found["description"] = scheme.description
    return found
