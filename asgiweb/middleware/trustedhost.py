"""Answer only requests whose ``Host`` is one of the allowed host names.

Rules (as Starlette's middleware of the same name, docs/api.md "Middleware"):
- ``allowed_hosts`` holds exact names and ``*.example.com`` wildcards (any
  subdomain, not the bare domain); ``"*"`` allows every host; names are
  compared without the port and case-insensitively (RFC 9110 §4.2.3);
- a request for another host, or without a well-formed ``Host`` (RFC 9110
  §7.2: a name or IP literal, then at most ``:`` and the port's digits),
  answers 400 ``Invalid host header``; a WebSocket handshake gets that answer
  through the WebSocket Denial Response extension when the server offers it,
  else it is refused before it is accepted;
- ``www_redirect``: a request for ``example.com`` when ``www.example.com`` is
  itself in ``allowed_hosts`` (an exact entry, not through a wildcard) is
  redirected there (307), its port, path and query kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from functools import partial

from asgiweb._http import parse_host
from asgiweb.exceptions import marking_start
from asgiweb.middleware import PlainMiddleware
from asgiweb.middleware.httpsredirect import deny_websocket
from asgiweb.responses import PlainTextResponse, RedirectResponse, Response
from asgiweb.types import ASGIApp, Receive, Scope, Send

__all__ = ["TrustedHostMiddleware"]


class TrustedHostMiddleware(PlainMiddleware):
    """A :class:`~asgiweb.middleware.PlainMiddleware`: an allowed request is the
    wrapped app's own coroutine, with nothing in between."""

    marks_response_start = True
    """It sends only through the app it wraps, save its own refusals, whose
    failures after the start it marks (``asgiweb.middleware.marks_response_start``)."""

    def __init__(
        self,
        app: ASGIApp,
        allowed_hosts: Sequence[str] | None = None,
        www_redirect: bool = True,
    ) -> None:
        hosts = ["*"] if allowed_hosts is None else [h.lower() for h in allowed_hosts]
        for pattern in hosts:
            if "*" in pattern[1:] or (
                pattern.startswith("*") and pattern != "*" and not pattern.startswith("*.")
            ):
                raise ValueError(f"host pattern {pattern!r}: a wildcard must be '*' or '*.domain'")
        self.app = app
        self.allowed_hosts = hosts
        self.allow_any = "*" in hosts
        self.www_redirect = www_redirect
        self._exact = frozenset(p for p in hosts if not p.startswith("*"))
        self._suffixes = tuple(p[1:] for p in hosts if p.startswith("*."))

    def serve(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        kind = scope["type"]
        if self.allow_any or kind not in ("http", "websocket"):
            return self._call_app(scope, receive, send)
        header = None
        for name, value in scope["headers"]:
            if name == b"host":
                header = value.decode("latin-1")
                break
        parsed = None if header is None else parse_host(header)
        host = "" if parsed is None else parsed[0].lower()
        if parsed is not None and (host in self._exact or host.endswith(self._suffixes)):
            return self._call_app(scope, receive, send)
        response: Response
        if parsed is not None and self.www_redirect and "www." + host in self._exact:
            scheme = scope.get("scheme", "http")
            raw_path = scope.get("raw_path")
            path = raw_path.decode("latin-1") if raw_path else scope["path"]
            query = scope.get("query_string", b"").decode("latin-1")
            url = f"{scheme}://www.{header}{path}" + (f"?{query}" if query else "")
            response = RedirectResponse(url, status_code=307)
        else:
            response = PlainTextResponse("Invalid host header", status_code=400)
        if kind == "websocket":
            return deny_websocket(response, scope, receive, send, "invalid host")
        return marking_start(partial(response, scope, receive), send)
