"""Redirects.

``RedirectResponse`` sets ``location`` to the URL percent-encoded (RFC 3986
§2.1): characters outside the URI syntax (spaces, non-ASCII) are encoded,
reserved characters and existing ``%XX`` escapes are kept, so an encoded URL
is not encoded twice; a ``%`` that does not start an escape becomes ``%25``.
A non-ASCII host name is IDNA-encoded instead (RFC 5891).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from asgiweb.background import BackgroundTask, BackgroundTasks
from asgiweb.responses.base import Response

__all__ = ["RedirectResponse", "quote_url"]

# RFC 3986 gen-delims and sub-delims, "%" for existing escapes, "~" unreserved.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def quote_url(url: str) -> str:
    """Percent-encode what cannot appear in a URI, keeping its structure and escapes."""
    if url.isascii():
        return quote(_LONE_PERCENT.sub("%25", url), safe=_URL_SAFE)
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[é": no host to IDNA-encode, percent-encoding below
        return quote(_LONE_PERCENT.sub("%25", url), safe=_URL_SAFE)
    netloc = parts.netloc
    # Where the netloc is in the string as given (urlsplit drops tabs and newlines,
    # so it may not be there; then the whole URL is percent-encoded).
    start = len(parts.scheme) + 3 if parts.scheme else 2
    if netloc and not netloc.isascii() and url[start - 2 : start + len(netloc)] == "//" + netloc:
        userinfo, at, hostport = netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        with contextlib.suppress(UnicodeError):  # else percent-encoding below
            host = host.encode("idna").decode("ascii")
        # The rest of the string is kept as it is (urlunsplit would drop an empty
        # "?" or "#").
        url = f"{url[:start]}{userinfo}{at}{host}{colon}{port}{url[start + len(netloc) :]}"
    return quote(_LONE_PERCENT.sub("%25", url), safe=_URL_SAFE)


class RedirectResponse(Response):
    """A redirect to ``url`` (307 by default: the method and body are kept)."""

    def __init__(
        self,
        url: Any,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
    ) -> None:
        super().__init__(b"", status_code=status_code, headers=headers, background=background)
        self.headers["location"] = quote_url(str(url))
