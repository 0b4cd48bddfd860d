"""Redirect plain ``http`` (and ``ws``) requests to their ``https`` (``wss``) URL.

Rules (as Starlette's middleware of the same name, docs/api.md "Middleware"):
- an ``http`` request answers 307 to the same URL with the scheme ``https``;
  the port is dropped when it is 80 or 443, kept otherwise;
- a ``ws`` connection is refused before it is accepted (a 403 to the client):
  a WebSocket handshake cannot follow a redirect;
- requests already on ``https``/``wss`` pass through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial

from asgiweb.datastructures import Headers
from asgiweb.exceptions import marking_start
from asgiweb.middleware import PlainMiddleware
from asgiweb.responses import RedirectResponse
from asgiweb.types import ASGIApp, Receive, Scope, Send

__all__ = ["HTTPSRedirectMiddleware"]


class HTTPSRedirectMiddleware(PlainMiddleware):
    """A :class:`~asgiweb.middleware.PlainMiddleware`: a request already on
    ``https`` is the wrapped app's own coroutine, with nothing in between."""

    marks_response_start = True
    """It sends only through the app it wraps, save its own redirects, whose
    failures after the start it marks (``asgiweb.middleware.marks_response_start``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def serve(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        kind = scope["type"]
        scheme = scope.get("scheme", "http")
        if kind == "http" and scheme == "http":
            redirect = RedirectResponse(_secure_url(scope), status_code=307)
            return marking_start(partial(redirect, scope, receive), send)
        if kind == "websocket" and scheme == "ws":
            return _close(receive, send)
        return self._call_app(scope, receive, send)


async def _close(receive: Receive, send: Send) -> None:
    """Refuse a ``ws`` connection before it is accepted: a handshake cannot follow
    a redirect."""
    await receive()  # websocket.connect
    await send({"type": "websocket.close", "code": 1008, "reason": "use wss"})


def _secure_url(scope: Scope) -> str:
    host = Headers(scope=scope).get("host")
    if not host:
        server = scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    name, _, port = host.rpartition(":") if not host.endswith("]") else (host, "", "")
    if not name:  # no port in the header
        name, port = host, ""
    netloc = name if port in ("", "80", "443") else f"{name}:{port}"
    raw_path = scope.get("raw_path")
    # ASGI: ``path`` already holds the root path; ``raw_path`` keeps the escapes as sent.
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    return f"https://{netloc}{path}" + (f"?{query}" if query else "")
