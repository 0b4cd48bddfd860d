"""What the middleware tests share: a fixed-response endpoint and readers for sent messages.

``sent_by`` runs one request through the harness driver and checks the messages
follow ASGI order (one start, body messages, the last one final, nothing after it
but trailers).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import pytest

from asgiweb import App
from asgiweb.testclient import TestClient
from asgiweb.types import ASGIApp, Message, Receive, Scope, Send
from tests.harness import run_asgi


def sent_by(app: ASGIApp, scope: Scope) -> list[Message]:
    """Run ``app`` for one request and return every message it sent."""
    # drive() checks every http message against the ASGI spec as it is sent.
    return run_asgi(app, scope).sent


def header(message: Message, name: str) -> str | None:
    values = headers_of(message, name)
    return values[0] if values else None


def headers_of(message: Message, name: str) -> list[str]:
    key = name.encode()
    return [v.decode("latin-1") for k, v in message.get("headers", ()) if k == key]


def body_of(messages: Sequence[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


class Endpoint:
    """An ASGI app that sends a fixed response and remembers whether it ran."""

    def __init__(
        self,
        body: bytes | Sequence[bytes] = b"hello",
        status: int = 200,
        headers: Sequence[tuple[bytes, bytes]] = ((b"content-type", b"text/plain"),),
        content_length: bool = True,
        head: bool = False,
    ) -> None:
        self.chunks = [body] if isinstance(body, bytes) else list(body)
        self.status = status
        self.headers = list(headers)
        if content_length:
            size = sum(len(c) for c in self.chunks)
            self.headers.append((b"content-length", str(size).encode()))
        self.head = head
        self.calls: list[Scope] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls.append(scope)
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        if self.head:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        last = len(self.chunks) - 1
        for index, chunk in enumerate(self.chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": index < last})


def items_app(middleware: Any, **options: Any) -> App:
    """An App answering ``GET /items/{name}`` with the name, behind ``middleware``."""
    app = App()
    app.add_middleware(middleware, **options)

    @app.get("/items/{name}")
    async def item(name: str) -> str:
        return name

    return app


def starlette_items_app(module: str, name: str, **options: Any) -> Any:
    """The same app on Starlette, behind ``starlette.middleware.<module>.<name>``."""
    pytest.importorskip("starlette")
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    middleware = getattr(importlib.import_module(f"starlette.middleware.{module}"), name)

    async def item(request: Any) -> Any:
        return JSONResponse(request.path_params["name"])

    app = Starlette(routes=[Route("/items/{name}", item)])
    app.add_middleware(middleware, **options)
    return app


def answers(
    app: Any, base_url: str, requests: Sequence[tuple[str, dict[str, str]]]
) -> list[tuple[int, str | None, str]]:
    """(status, location, text) for each request, redirects not followed."""
    out = []
    with TestClient(app, base_url=base_url) as client:
        for path, headers in requests:
            reply = client.get(path, headers=headers, follow_redirects=False)
            out.append((reply.status_code, reply.headers.get("location"), reply.text))
    return out
