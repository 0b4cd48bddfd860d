"""``Set-Cookie`` header values (RFC 6265 §4.1, RFC 6265bis for SameSite).

Rules enforced here; breaking one raises ``ValueError`` where the cookie is set:

- The name is an RFC 9110 ``token`` (RFC 6265 §4.1.1 ``cookie-name``).
- The value is written as Python's
  ``http.cookies`` writes it, as Starlette and FastAPI do (bare, or
  double-quoted with escapes: ``"hello world"``, a control character as an
  octal escape, so no value can split the header); the rules and the quoting
  live in ``asgiweb._http`` (``quote_cookie_value``).  Characters beyond
  latin-1 are refused: percent-encode them first.
- ``Path`` and ``Domain`` may not hold ``;`` or control characters; an empty
  ``Path``, ``Domain`` or ``Expires`` string is left out (as ``http.cookies``).
- ``Max-Age`` is an integer number of seconds; ``Expires`` is an HTTP date
  (RFC 9110 §5.6.7, always GMT) built from a datetime (naive means UTC) or a
  number of seconds from now; a string is sent as given after the same checks.
- ``SameSite`` is ``lax``, ``strict`` or ``none`` (any case, sent as given, as
  Starlette sends it) or ``None`` to leave it out.

Attributes come in the order ``http.cookies.Morsel`` writes them (Domain,
expires, HttpOnly, Max-Age, Partitioned, Path, SameSite, Secure), so a header
is byte-for-byte what FastAPI sends for the same call.
"""

from __future__ import annotations

import time
from datetime import datetime

from asgiweb._http import CONTROL_CHARACTER, TOKEN, http_date, quote_cookie_value

__all__ = ["build_set_cookie", "http_date", "quote_cookie_value"]

_SAMESITE = frozenset({"lax", "strict", "none"})


def _attribute(name: str, value: str) -> str:
    if not isinstance(value, str) or ";" in value or CONTROL_CHARACTER.search(value):
        raise ValueError(f"cookie {name} {value!r} may not contain ';' or control characters")
    return value


def build_set_cookie(
    key: str,
    value: str = "",
    *,
    max_age: int | None = None,
    expires: datetime | str | int | float | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = "lax",
    partitioned: bool = False,
) -> str:
    """One ``Set-Cookie`` header value; raises ``ValueError`` on anything the rules refuse."""
    if not isinstance(key, str) or TOKEN.fullmatch(key) is None:
        raise ValueError(f"invalid cookie name {key!r}: must be an RFC 9110 token")
    if not isinstance(value, str):
        raise ValueError(f"cookie {key!r} value must be str, not {type(value).__name__}")
    parts = [f"{key}={quote_cookie_value(value)}"]
    if domain:  # an empty one is left out, as http.cookies (and so Starlette) does
        parts.append(f"Domain={_attribute('domain', domain)}")
    if expires is not None:
        if isinstance(expires, datetime):
            parts.append(f"expires={http_date(expires)}")
        elif isinstance(expires, int | float) and not isinstance(expires, bool):
            parts.append(f"expires={http_date(time.time() + expires)}")
        elif isinstance(expires, str):
            if expires:
                parts.append(f"expires={_attribute('expires', expires)}")
        else:
            raise ValueError(f"cookie expires must be a datetime, seconds or str, not {expires!r}")
    if httponly:
        parts.append("HttpOnly")
    if max_age is not None:
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            raise ValueError(f"cookie max_age must be an int number of seconds, not {max_age!r}")
        parts.append(f"Max-Age={max_age}")
    if partitioned:
        parts.append("Partitioned")
    if path:
        parts.append(f"Path={_attribute('path', path)}")
    if samesite is not None:
        lowered = samesite.lower() if isinstance(samesite, str) else None
        if lowered not in _SAMESITE:
            raise ValueError(f"cookie samesite must be 'lax', 'strict' or 'none', not {samesite!r}")
        parts.append(f"SameSite={samesite}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)
