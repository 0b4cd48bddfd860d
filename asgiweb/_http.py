"""The HTTP grammar asgiweb checks and writes, each rule in one place.

Every rule below quotes the ABNF it implements (RFC 9110, RFC 5234 core
rules, RFC 6265 for cookies) above the expression that implements it, so a
reader can check one against the other.  Everything else in the package
imports these names instead of writing its own copy: a header name checked by
:func:`asgiweb.datastructures.validate_header`, by the cookie builder and by
the test server is checked by the same expression.

The module is private (``asgiweb._http``), its names are not: any package of
asgiweb may import them.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import TypeAlias

__all__ = [
    "CHUNK_SIZE",
    "CONTROL_CHARACTER",
    "COOKIE_OCTETS",
    "DAY_NAMES",
    "FIELD_VALUE_FORBIDDEN",
    "FIELD_VALUE_FORBIDDEN_BYTES",
    "IMF_FIXDATE",
    "MONTH_NAMES",
    "TOKEN",
    "TOKEN_BYTES",
    "RawHeaders",
    "host_authority",
    "http_date",
    "parse_host",
    "parse_http_date",
    "quote_cookie_value",
    "quote_request_cookie_value",
    "unquote_cookie_value",
    "validate_header",
]

# The ASGI spec's header list: ``[(name, value), ...]``, both bytes, names lower-case.
RawHeaders: TypeAlias = list[tuple[bytes, bytes]]

# How much of a file or a file-like body is read at once (both ``FileResponse``
# and a ``StreamingResponse`` over a file object): large enough that a read is
# cheap next to the ASGI send around it, small enough to keep memory bounded.
CHUNK_SIZE = 64 * 1024

# -- the Host header (RFC 9110 §7.2, RFC 3986 §3.2.2-3.2.3) ------------------------
#
#   Host       = uri-host [ ":" port ]
#   uri-host   = IP-literal / IPv4address / reg-name
#   IP-literal = "[" ( IPv6address / IPvFuture ) "]"
#   IPvFuture  = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
#   reg-name   = *( unreserved / pct-encoded / sub-delims )
#   port       = *DIGIT
#
# (IPv4address is a reg-name as far as the characters go.)  A request URL takes its
# host from this header only when it fits, as Starlette's does; anything else (a
# space, a slash, a port past 65535) and the URL falls back to the scope's server.
_HOST = re.compile(
    r"(?P<host>[A-Za-z0-9\-._~%!$&'()*+,;=]+"
    r"|\[(?:(?P<ipv6>[0-9A-Fa-f]*:[0-9A-Fa-f.:]+)|v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\])"
    r"(?::(?P<port>[0-9]+))?"
)


# PERF: the verdicts on the Host values seen (a server sees few), bounded: a request
# reads its URL with a dict look-up instead of the expression (~0.2 us).
_HOSTS_SEEN: dict[str, str | None] = {}
_HOSTS_SEEN_LIMIT = 256


def host_authority(value: str) -> str | None:
    """The ``Host`` header's value as a URL's authority, or None when it is not one."""
    try:
        return _HOSTS_SEEN[value]
    except KeyError:
        pass
    verdict = _host_authority(value)
    if len(_HOSTS_SEEN) < _HOSTS_SEEN_LIMIT:
        _HOSTS_SEEN[value] = verdict
    return verdict


def _host_authority(value: str) -> str | None:
    found = _HOST.fullmatch(value)
    if found is None:
        return None
    ipv6 = found["ipv6"]
    if ipv6 is not None:
        from ipaddress import AddressValueError, IPv6Address  # rare: not at import time

        try:
            IPv6Address(ipv6)
        except AddressValueError:
            return None
    port = found["port"]
    if port is not None:
        significant = port.lstrip("0")
        if len(significant) > 5 or int(significant or "0") > 65535:
            return None
    return value


# -- tokens (RFC 9110 §5.6.2) ----------------------------------------------------
#
#   token          = 1*tchar
#   tchar          = "!" / "#" / "$" / "%" / "&" / "'" / "*"
#                  / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
#                  / DIGIT / ALPHA
#                  ; any VCHAR, except delimiters
#
# A field name (RFC 9110 §5.1) and a cookie name (RFC 6265 §4.1.1) are tokens.
_TCHAR = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
TOKEN = re.compile(_TCHAR + "+")
TOKEN_BYTES = re.compile(_TCHAR.encode("ascii") + b"+")

# -- field values (RFC 9110 §5.5) ------------------------------------------------
#
#   field-value    = *field-content
#   field-content  = field-vchar
#                    [ 1*( SP / HTAB / field-vchar ) field-vchar ]
#   field-vchar    = VCHAR / obs-text
#   obs-text       = %x80-FF
#
# "Field values containing CR, LF, or NUL characters are invalid and dangerous"
# (§5.5); asgiweb refuses every control character (RFC 5234: CTL = %x00-1F / %x7F)
# but horizontal tab, so no value can split a response.  Leading and trailing
# whitespace is not policed: servers strip it.
_FIELD_VALUE_FORBIDDEN = r"[\x00-\x08\x0a-\x1f\x7f]"
FIELD_VALUE_FORBIDDEN = re.compile(_FIELD_VALUE_FORBIDDEN)
FIELD_VALUE_FORBIDDEN_BYTES = re.compile(_FIELD_VALUE_FORBIDDEN.encode("ascii"))


def validate_header(name: str, value: str) -> tuple[bytes, bytes]:
    """Check one header against RFC 9110 and return it encoded for ASGI.

    Names are lower-cased (ASGI wants them so); values are latin-1, as HTTP/1.1
    carries them.
    """
    encoded = _VALID_NAMES.get(name) if type(name) is str else None
    if encoded is None:
        if not isinstance(name, str) or TOKEN.fullmatch(name) is None:
            raise ValueError(f"invalid header name {name!r}: must be an RFC 9110 token")
        encoded = name.lower().encode("latin-1")
        if len(_VALID_NAMES) < _VALID_NAMES_LIMIT:
            _VALID_NAMES[name] = encoded
    # PERF: a printable str holds no control character (each is Unicode category
    # Cc), so the common value skips the regex search (benchmarks: funcmw).
    if type(value) is not str or not value.isprintable():
        if not isinstance(value, str):
            raise ValueError(f"header {name!r} value must be str, not {type(value).__name__}")
        if FIELD_VALUE_FORBIDDEN.search(value) is not None:
            raise ValueError(
                f"invalid header value for {name!r}: control characters are not allowed"
            )
    return encoded, value.encode("latin-1")


# PERF: header names set by code repeat; a checked name is remembered, encoded
# (benchmarks: funcmw sets one per request).  Bounded: a name may come from a request.
_VALID_NAMES: dict[str, bytes] = {}
_VALID_NAMES_LIMIT = 256


#   CTL            = %x00-1F / %x7F            ; RFC 5234 appendix B.1
#
# Every control character, tab included: what a cookie value or attribute may
# never hold, even quoted (RFC 6265 §4.1.1 allows none of them).
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")

# -- cookies (RFC 6265 §4.1.1) ---------------------------------------------------
#
#   cookie-value      = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE )
#   cookie-octet      = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
#                         ; US-ASCII characters excluding CTLs,
#                         ; whitespace DQUOTE, comma, semicolon,
#                         ; and backslash
#
# A request's ``Cookie`` header (what a client writes) uses these octets bare.
#
# A ``Set-Cookie`` value is written the way Python's ``http.cookies`` writes it,
# which is what Starlette and FastAPI send and what browsers and ``SimpleCookie``
# read back: bare when it is a non-empty run of letters, digits and
# ``!#$%&'*+-.^_`|~:``; otherwise in double quotes, where space and
# ``()/<=>?@[]{}`` stay as they are, ``"`` and ``\`` get a backslash, and every
# other character (``,``, ``;``, latin-1 letters) becomes a ``\ooo`` octal escape.
# So ``hello world`` goes out as ``"hello world"`` and the empty value as ``""``.
COOKIE_OCTETS = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")
_SET_COOKIE_BARE = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~:]+")
_SET_COOKIE_QUOTED_AS_IS = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~: ()/<=>?@\[\]{}]")
_COOKIE_ESCAPE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))")


def _escape_cookie_char(char: str) -> str:
    if char == '"' or char == "\\":
        return "\\" + char
    if _SET_COOKIE_QUOTED_AS_IS.fullmatch(char) is not None:
        return char
    return f"\\{ord(char):03o}"


def quote_cookie_value(value: str) -> str:
    """The value as it goes on the wire in ``Set-Cookie`` (see above).

    Control characters are octal escapes like any other (``\\n`` is ``\\012``), as
    ``http.cookies`` writes them: nothing can split the header.  Characters beyond
    latin-1 (which have no agreed representation) raise ``ValueError``.
    """
    if _SET_COOKIE_BARE.fullmatch(value) is not None:
        return value
    for char in value:
        if ord(char) > 0xFF:
            raise ValueError(
                f"cookie value character {char!r} is not latin-1; "
                "percent-encode the value (urllib.parse.quote) before setting it"
            )
    return '"' + "".join(_escape_cookie_char(char) for char in value) + '"'


def quote_request_cookie_value(value: str) -> str:
    """A value for a ``Cookie`` request header: bare when RFC 6265 allows, else in double
    quotes with only ``"`` and ``\\`` escaped (the header itself is checked afterwards).

    This is the lighter form a client writes; :func:`unquote_cookie_value` reads
    both forms back.
    """
    if COOKIE_OCTETS.fullmatch(value) is not None:
        return value
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def unquote_cookie_value(value: str) -> str:
    """Undo :func:`quote_cookie_value`'s escapes inside a quoted value (quotes already off)."""
    if "\\" not in value:
        return value
    return _COOKIE_ESCAPE.sub(
        lambda m: chr(int(m.group(1), 8)) if m.group(1) else m.group(2), value
    )


# -- dates (RFC 9110 §5.6.7) -----------------------------------------------------
#
#   IMF-fixdate  = day-name "," SP date1 SP time-of-day SP GMT
#   day-name     = %s"Mon" / %s"Tue" / %s"Wed" / %s"Thu" / %s"Fri" / %s"Sat" / %s"Sun"
#   date1        = day SP month SP year      ; e.g., 02 Jun 1982
#   day          = 2DIGIT
#   month        = %s"Jan" / %s"Feb" / %s"Mar" / %s"Apr" / %s"May" / %s"Jun"
#                / %s"Jul" / %s"Aug" / %s"Sep" / %s"Oct" / %s"Nov" / %s"Dec"
#   year         = 4DIGIT
#   time-of-day  = hour ":" minute ":" second
#   GMT          = %s"GMT"
#
# Senders must generate IMF-fixdate; recipients must also accept the obsolete
# rfc850-date and asctime-date forms, left to ``email.utils`` below.  The
# names are case-sensitive (``%s``) and English whatever the locale, which is
# why dates are written by hand rather than with ``strftime``.
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
IMF_FIXDATE = re.compile(
    rf"(?:{'|'.join(DAY_NAMES)}), (\d\d) ({'|'.join(MONTH_NAMES)}) (\d{{4}}) "
    r"(\d\d):(\d\d):(\d\d) GMT"
)
_MONTH_NUMBERS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}


def http_date(moment: datetime | float) -> str:
    """An IMF-fixdate; a naive datetime is taken as UTC, a number as a Unix time."""
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
        t = moment.timetuple()
    else:
        t = time.gmtime(moment)
    return (
        f"{DAY_NAMES[t.tm_wday]}, {t.tm_mday:02d} {MONTH_NAMES[t.tm_mon - 1]} {t.tm_year:04d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


def parse_http_date(text: str) -> float | None:
    """An HTTP-date as a Unix time, or ``None`` when it does not parse or names no real day."""
    text = text.strip()
    match = IMF_FIXDATE.fullmatch(text)
    if match is not None:
        day, month, year, hour, minute, second = match.groups()
        fields = (int(year), _MONTH_NUMBERS[month], int(day), int(hour), int(minute), int(second))
        offset = 0
    else:
        # The two obsolete forms RFC 9110 §5.6.7 still requires recipients to accept.
        from email.utils import parsedate_tz

        parsed = parsedate_tz(text)
        if parsed is None:
            return None
        fields = tuple(parsed[:6])  # type: ignore[assignment]
        offset = parsed[9] or 0
    try:
        return datetime(*fields, tzinfo=UTC).timestamp() - offset
    except (ValueError, OverflowError):
        return None


# -- the Host header (RFC 9110 §7.2, RFC 3986 §3.2.2-3.2.3) --------------------------
#
#   Host        = uri-host [ ":" port ]
#   uri-host    = IP-literal / IPv4address / reg-name
#   IP-literal  = "[" ( IPv6address / IPvFuture ) "]"
#   IPvFuture   = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
#   reg-name    = *( unreserved / pct-encoded / sub-delims )
#   pct-encoded = "%" HEXDIG HEXDIG
#   port        = *DIGIT
#
# An IPv4address is a reg-name too.  An empty name, or a ":" with no digits
# after it, is refused here (no client sends either; Starlette refuses them too).
_HOST = re.compile(
    r"(?P<name>(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+"
    r"|\[(?P<ipv6>[0-9A-Fa-f:.]+)\]"
    r"|\[v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+\])"
    r"(?::(?P<port>[0-9]+))?"
)


def parse_host(value: str) -> tuple[str, str] | None:
    """A ``Host`` value as ``(host, port)``: the host as sent (an IP literal keeps
    its brackets), the port's digits or ``""``; None when it is no such value."""
    match = _HOST.fullmatch(value)
    if match is None:
        return None
    if match["ipv6"] is not None:
        import ipaddress  # PERF: lazy, only for an IP literal

        try:
            ipaddress.IPv6Address(match["ipv6"])
        except ValueError:
            return None
    return match["name"], match["port"] or ""
