"""Redirect plain ``http`` (and ``ws``) requests to their ``https`` (``wss``) URL.

Rules (as Starlette's middleware of the same name, docs/api.md "Middleware"):
- an ``http`` request answers 307 to the same URL with the scheme ``https``;
  the port is dropped when it is 80 or 443, kept otherwise;
- the host is the ``Host`` header's; a missing or malformed one (RFC 9110 §7.2)
  gives way to the scope's ``server``, and with neither the answer is 400
  ``Invalid host header`` (never a redirect to a made-up host);
- a ``ws`` handshake gets the same 307 (to ``wss``) through the ASGI WebSocket
  Denial Response extension when the server offers it; without the extension
  it is refused before it is accepted (HTTP 403 to the client);
- requests already on ``https``/``wss`` pass through untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable
from functools import partial

from asgiweb._http import parse_host
from asgiweb.exceptions import marking_start
from asgiweb.middleware import PlainMiddleware
from asgiweb.responses import PlainTextResponse, RedirectResponse, Response
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HTTPSRedirectMiddleware", "deny_websocket"]


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
            return marking_start(partial(_answer(scope), scope, receive), send)
        if kind == "websocket" and scheme == "ws":
            return deny_websocket(_answer(scope), scope, receive, send, "use wss")
        return self._call_app(scope, receive, send)


def _answer(scope: Scope) -> Response:
    """The redirect to the secure URL, or 400 when the request names no host."""
    url = _secure_url(scope)
    if url is None:
        return PlainTextResponse("Invalid host header", status_code=400)
    return RedirectResponse(url, status_code=307)


async def deny_websocket(
    response: Response, scope: Scope, receive: Receive, send: Send, reason: str
) -> None:
    """Refuse a WebSocket handshake before it is accepted: with ``response`` when
    the server offers the WebSocket Denial Response extension (its messages go out
    as ``websocket.http.response.*``), else with a close (``reason``), which the
    server turns into HTTP 403."""
    await receive()  # websocket.connect
    if "websocket.http.response" not in (scope.get("extensions") or {}):
        await send({"type": "websocket.close", "code": 1008, "reason": reason})
        return

    async def denial(message: Message) -> None:
        await send({**message, "type": "websocket." + message["type"]})

    await response(scope, receive, denial)


def _secure_url(scope: Scope) -> str | None:
    host = None
    for name, value in scope["headers"]:
        if name == b"host":
            host = parse_host(value.decode("latin-1"))
            break
    if host is None:
        server = scope.get("server")
        if not server:
            return None
        name, port = str(server[0]), str(server[1])
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"  # an IPv6 address, written as a URI's IP-literal
    else:
        name, port = host
    netloc = name if port in ("", "80", "443") else f"{name}:{port}"
    raw_path = scope.get("raw_path")
    # ASGI: ``path`` already holds the root path; ``raw_path`` keeps the escapes as sent.
    path = raw_path.decode("latin-1") if raw_path else scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    secure = "wss" if scope["type"] == "websocket" else "https"
    return f"{secure}://{netloc}{path}" + (f"?{query}" if query else "")
