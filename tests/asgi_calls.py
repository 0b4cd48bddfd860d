"""Drive a response as a bare ASGI app with hand-written receive/send (Starlette's way)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio

from asgiweb.types import Message

__all__ = ["Message", "Peer", "call", "make_scope"]


def make_scope(
    method: str = "GET",
    path: str = "/",
    headers: Iterable[tuple[str, str]] = (),
    spec_version: str = "2.3",
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    if extensions is not None:
        scope["extensions"] = extensions
    return scope


class Peer:
    """A client that never leaves unless told to: ``receive()`` gives the (empty) request,
    then blocks until ``disconnect()``."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.gone = anyio.Event()
        self._request_given = False

    def disconnect(self) -> None:
        self.gone.set()

    async def receive(self) -> Message:
        if not self._request_given:
            self._request_given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.sent.append(dict(message))

    @property
    def start(self) -> Message:
        assert self.sent and self.sent[0]["type"] == "http.response.start", self.sent
        return self.sent[0]

    @property
    def status(self) -> int:
        status: int = self.start["status"]
        return status

    def header(self, name: str) -> str | None:
        for key, value in self.start["headers"]:
            if key == name.encode():
                text: str = value.decode("latin-1")
                return text
        return None

    def header_list(self, name: str) -> list[str]:
        return [v.decode("latin-1") for k, v in self.start["headers"] if k == name.encode()]

    @property
    def chunks(self) -> list[bytes]:
        return [m["body"] for m in self.sent[1:] if m["type"] == "http.response.body"]

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def finished(self) -> bool:
        last = self.sent[-1] if self.sent else {}
        return last.get("type") == "http.response.body" and not last.get("more_body", False)


async def call(
    app: Callable[[Any, Any, Any], Awaitable[None]],
    scope: dict[str, Any] | None = None,
    peer: Peer | None = None,
    timeout: float = 5.0,
) -> Peer:
    peer = peer or Peer()
    with anyio.fail_after(timeout):
        await app(scope or make_scope(), peer.receive, peer.send)
    return peer
