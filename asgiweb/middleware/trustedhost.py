"""Answer only requests whose ``Host`` is one of the allowed host names.

Rules (as Starlette's middleware of the same name, docs/api.md "Middleware"):
- ``allowed_hosts`` holds exact names and ``*.example.com`` wildcards (any
  subdomain, not the bare domain); ``"*"`` allows every host; names are
  compared without the port and case-insensitively (RFC 9110 §4.2.3);
- a request for another host answers 400 ``Invalid host header`` (a
  WebSocket is refused before it is accepted);
- ``www_redirect``: a request for ``example.com`` when only
  ``www.example.com`` is allowed is redirected there (307).
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from functools import partial

from asgiweb.datastructures import Headers
from asgiweb.exceptions import marking_start
from asgiweb.middleware import PlainMiddleware
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

    def _allowed(self, host: str) -> bool:
        for pattern in self.allowed_hosts:
            if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
                return True
        return False

    def serve(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        kind = scope["type"]
        if self.allow_any or kind not in ("http", "websocket"):
            return self._call_app(scope, receive, send)
        header = Headers(scope=scope).get("host") or ""
        host = _without_port(header).lower()
        if self._allowed(host):
            return self._call_app(scope, receive, send)
        if kind == "websocket":
            return _close(receive, send)
        response: Response
        if self.www_redirect and self._allowed("www." + host):
            scheme = scope.get("scheme", "http")
            port = header[len(_without_port(header)) :]
            raw_path = scope.get("raw_path")
            path = raw_path.decode("latin-1") if raw_path else scope["path"]
            query = scope.get("query_string", b"").decode("latin-1")
            url = f"{scheme}://www.{host}{port}{path}" + (f"?{query}" if query else "")
            response = RedirectResponse(url, status_code=307)
        else:
            response = PlainTextResponse("Invalid host header", status_code=400)
        return marking_start(partial(response, scope, receive), send)


async def _close(receive: Receive, send: Send) -> None:
    """Refuse a WebSocket before it is accepted."""
    await receive()  # websocket.connect
    await send({"type": "websocket.close", "code": 1008, "reason": "invalid host"})


def _without_port(host: str) -> str:
    if host.startswith("["):  # an IPv6 literal: [::1]:8000
        end = host.find("]")
        return host[: end + 1] if end >= 0 else host
    return host.rsplit(":", 1)[0] if ":" in host else host
