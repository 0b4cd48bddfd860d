"""Helpers for reading credentials, under FastAPI's names (``fastapi.security.utils``)."""

from __future__ import annotations

__all__ = ["get_authorization_scheme_param"]


def get_authorization_scheme_param(authorization_header_value: str | None) -> tuple[str, str]:
    """``("Bearer", "abc")`` from ``"Bearer abc"``: split at the first space, the rest
    stripped; ``("", "")`` for a missing or empty value (RFC 9110 section 11.4)."""
    if not authorization_header_value:
        return "", ""
    scheme, _, rest = authorization_header_value.partition(" ")
    return scheme, rest.strip()
