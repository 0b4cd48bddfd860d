"""The remaining response classes: ORJSON, UJSON, XML and redirects.

Rules kept here:
- ``ORJSONResponse``/``UJSONResponse`` render the same JSON value as
  ``JSONResponse`` (the shared encoder handles what those packages cannot),
  and fail when constructed if their package is missing, naming it.
- ``XMLResponse`` sends ``str``/``bytes`` untouched and serialises data with
  ``asgiweb._xml`` (escaping and name rules stated there).
- ``RedirectResponse`` sets ``location`` to the URL percent-encoded (RFC 3986
  §2.1): characters outside the URI syntax (spaces, non-ASCII) are encoded,
  reserved characters and existing ``%XX`` escapes are kept, so an encoded URL
  is not encoded twice; a ``%`` that does not start an escape becomes
  ``%25``.  A non-ASCII host name is IDNA-encoded instead (RFC 5891).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from asgiweb.background import BackgroundTask, BackgroundTasks
from asgiweb.encoders import render_orjson, render_ujson
from asgiweb.responses import JSONResponse, Response

__all__ = ["ORJSONResponse", "RedirectResponse", "UJSONResponse", "XMLResponse", "quote_url"]

# RFC 3986 gen-delims and sub-delims, "%" for existing escapes, "~" unreserved.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class ORJSONResponse(JSONResponse):
    """JSON through orjson: the same value as JSONResponse; needs ``pip install orjson``."""

    # render() runs at construction, so a missing package fails there, by name.

    def render(self, content: Any) -> bytes:
        return render_orjson(content)


class UJSONResponse(JSONResponse):
    """JSON through ujson: the same value as JSONResponse; needs ``pip install ujson``."""

    # render() runs at construction, so a missing package fails there, by name.

    def render(self, content: Any) -> bytes:
        return render_ujson(content)


class XMLResponse(Response):
    """An XML document: ``str``/``bytes`` as they are, data serialised (see ``asgiweb._xml``)."""

    media_type = "application/xml"

    def render(self, content: Any) -> bytes:
        if content is None or isinstance(content, str | bytes | bytearray | memoryview):
            return super().render(content)  # a document already: sent as it is
        from asgiweb._xml import to_xml

        return to_xml(content)


def quote_url(url: str) -> str:
    """Percent-encode what cannot appear in a URI, keeping its structure and escapes."""
    if url.isascii():
        return quote(_LONE_PERCENT.sub("%25", url), safe=_URL_SAFE)
    from urllib.parse import urlsplit, urlunsplit

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
