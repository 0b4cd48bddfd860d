"""``Set-Cookie`` header values (RFC 6265 §4.1, RFC 6265bis for SameSite).

Rules enforced here; breaking one raises ``ValueError`` where the cookie is set:

- The name is an RFC 9110 ``token`` (RFC 6265 §4.1.1 ``cookie-name``).
- The value may not hold control characters (CR, LF, NUL... and DEL): no
  response splitting through a cookie.  A value made only of ``cookie-octet``
  (``%x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E``) goes out as it is.
  Anything else (space, ``"``, ``,``, ``;``, ``\\``, latin-1 letters) is
  wrapped in double quotes with Python's ``http.cookies`` escapes (``\\"``,
  ``\\\\``, ``\\ooo`` octal for the rest), the convention Starlette, FastAPI
  and ``http.cookies.SimpleCookie`` read back.  Characters beyond latin-1 have
  no agreed representation and are refused: percent-encode them first.
- ``Path`` and ``Domain`` may not hold ``;`` or control characters.
- ``Max-Age`` is an integer number of seconds; ``Expires`` is an HTTP date
  (RFC 9110 §5.6.7, always GMT) built from a datetime (naive means UTC) or a
  number of seconds from now; a string is sent as given after the same checks.
- ``SameSite`` is ``lax``, ``strict`` or ``none`` (any case; sent lower-case)
  or ``None`` to leave it out.

Attributes come in the order ``http.cookies.Morsel`` writes them (Domain,
expires, HttpOnly, Max-Age, Partitioned, Path, SameSite, Secure), so a header
is byte-for-byte what FastAPI sends for the same call whenever the value needs
no quoting.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

__all__ = ["build_set_cookie", "http_date"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_COOKIE_OCTETS = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ATTRIBUTE_BAD = re.compile(r"[\x00-\x1f\x7f;]")
_SAMESITE = frozenset({"lax", "strict", "none"})
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(moment: datetime | float) -> str:
    """An RFC 9110 IMF-fixdate; a naive datetime is taken as UTC, a number as a Unix time.

    Written out by hand because ``strftime``'s ``%a``/``%b`` follow the locale.
    """
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        t = moment.timetuple()
    else:
        t = time.gmtime(moment)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


def _escape(char: str) -> str:
    if char == '"' or char == "\\":
        return "\\" + char
    return f"\\{ord(char):03o}"


def quote_cookie_value(value: str) -> str:
    """The value as it goes on the wire: bare when RFC 6265 allows, else quoted (see top)."""
    if _COOKIE_OCTETS.fullmatch(value) is not None:
        return value
    if _CONTROL.search(value) is not None:
        raise ValueError("cookie value may not contain control characters (CR, LF, NUL...)")
    out = []
    for char in value:
        if ord(char) > 0xFF:
            raise ValueError(
                f"cookie value character {char!r} is not latin-1; "
                "percent-encode the value (urllib.parse.quote) before setting it"
            )
        out.append(char if _COOKIE_OCTETS.fullmatch(char) else _escape(char))
    return '"' + "".join(out) + '"'


def _attribute(name: str, value: str) -> str:
    if not isinstance(value, str) or _ATTRIBUTE_BAD.search(value) is not None:
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
    if not isinstance(key, str) or _TOKEN.fullmatch(key) is None:
        raise ValueError(f"invalid cookie name {key!r}: must be an RFC 9110 token")
    if not isinstance(value, str):
        raise ValueError(f"cookie {key!r} value must be str, not {type(value).__name__}")
    parts = [f"{key}={quote_cookie_value(value)}"]
    if domain is not None:
        parts.append(f"Domain={_attribute('domain', domain)}")
    if expires is not None:
        if isinstance(expires, datetime):
            parts.append(f"expires={http_date(expires)}")
        elif isinstance(expires, int | float) and not isinstance(expires, bool):
            parts.append(f"expires={http_date(time.time() + expires)}")
        elif isinstance(expires, str):
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
    if path is not None:
        parts.append(f"Path={_attribute('path', path)}")
    if samesite is not None:
        lowered = samesite.lower() if isinstance(samesite, str) else None
        if lowered not in _SAMESITE:
            raise ValueError(f"cookie samesite must be 'lax', 'strict' or 'none', not {samesite!r}")
        parts.append(f"SameSite={lowered}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)
