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
from urllib.parse import quote, urlsplit, urlunsplit

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
    parts = urlsplit(url)
    netloc = parts.netloc
    if netloc and not netloc.isascii():
        userinfo, at, hostport = netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        with contextlib.suppress(UnicodeError):  # else percent-encoding below
            host = host.encode("idna").decode("ascii")
        netloc = f"{userinfo}{at}{host}{colon}{port}"
        url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
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
