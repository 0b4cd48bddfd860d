"""The OpenAPI Security Scheme Object of each ``asgiweb.security`` scheme (docs/openapi.md).

FastAPI keeps a model of the scheme on every scheme object; asgiweb's schemes
keep only what they need to check a request, and the document is written from
those attributes here, in FastAPI's shape:

- ``APIKeyHeader/Query/Cookie``: ``{"type": "apiKey", "in": ..., "name": ...}``;
- ``HTTPBearer``, ``HTTPBasic``, ``HTTPBase``: ``{"type": "http", "scheme": ...}``
  (with ``bearerFormat`` when given);
- ``OAuth2PasswordBearer``: ``{"type": "oauth2", "flows": {"password": ...}}``
  with its ``tokenUrl``, ``refreshUrl`` and ``scopes``; a bare ``OAuth2``, its
  ``flows`` (none by default);

each with ``description`` when the scheme has one.
"""

from __future__ import annotations

from typing import Any

from asgiweb.security.api_key import APIKeyCookie, APIKeyHeader, APIKeyQuery
from asgiweb.security.base import SecurityBase
from asgiweb.security.http import HTTPBase, HTTPBearer
from asgiweb.security.oauth2 import OAuth2, OAuth2PasswordBearer

__all__ = ["security_scheme"]

_API_KEY_PLACES: tuple[tuple[type[SecurityBase], str], ...] = (
    (APIKeyHeader, "header"),
    (APIKeyQuery, "query"),
    (APIKeyCookie, "cookie"),
)


def security_scheme(scheme: SecurityBase) -> dict[str, Any]:
    """The Security Scheme Object for ``scheme`` (filed under ``scheme.scheme_name``)."""
    found: dict[str, Any]
    for cls, place in _API_KEY_PLACES:
        if isinstance(scheme, cls):
            found = {"type": "apiKey", "in": place, "name": getattr(scheme, "name", "")}
            break
    else:
        if isinstance(scheme, HTTPBase):
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
        else:
            model = getattr(scheme, "model", None)  # a scheme written for FastAPI's shape
            found = dict(model) if isinstance(model, dict) else {"type": "http"}
    if scheme.description:
        found["description"] = scheme.description
    return found
