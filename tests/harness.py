"""The one way tests drive an ASGI app by hand.

- ``http_scope`` / ``websocket_scope`` / ``lifespan_scope`` build connection scopes
  (ASGI spec, "HTTP", "WebSocket" and "Lifespan" sections);
- ``Peer`` plays the server's side: ``receive()`` hands out the request (its body in
  the given chunks, or an explicit list of messages) and then either waits until
  ``disconnect()`` is called or reports the disconnect at once; ``send()`` records;
- ``drive`` runs an app against a peer inside a bounded timeout (async), and
  ``run_asgi`` does the same from synchronous code;
- ``get_request`` gives a ``Request`` for tests that call an endpoint plan directly.

Tests that need a server misbehaving in a particular way (a ``send`` that raises,
a ``receive`` that stalls) pass their own callables straight to the app; everything
else goes through here.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import anyio

from asgiweb.requests import Request
from asgiweb.types import Message
from tests.asgi_conformance import checked

__all__ = [
    "Message",
    "Peer",
    "answer_body",
    "drive",
    "get_request",
    "http_scope",
    "lifespan_scope",
    "run_asgi",
    "websocket_scope",
]

HeaderPairs = Iterable[tuple[str | bytes, str | bytes]]
ASGICallable = Callable[[Any, Any, Any], Awaitable[None]]


def _latin1(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def _raw_headers(headers: HeaderPairs) -> list[tuple[bytes, bytes]]:
    # Servers give lower-cased names (ASGI spec, "HTTP Connection Scope").
    return [(_latin1(name).lower(), _latin1(value)) for name, value in headers]


def http_scope(
    method: str = "GET",
    path: str = "/",
    headers: HeaderPairs = (),
    spec_version: str = "2.3",
    extensions: dict[str, Any] | None = None,
    *,
    query_string: bytes = b"",
    **overrides: Any,
) -> dict[str, Any]:
    """An ``http`` connection scope; ``overrides`` replace (or add) any key."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query_string,
        "root_path": "",
        "headers": _raw_headers(headers),
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    if extensions is not None:
        scope["extensions"] = extensions
    scope.update(overrides)
    return scope


def websocket_scope(path: str = "/", headers: HeaderPairs = (), **overrides: Any) -> dict[str, Any]:
    """A ``websocket`` connection scope; ``overrides`` replace (or add) any key."""
    scope = http_scope("GET", path, headers, **overrides)
    del scope["method"]
    scope["type"] = "websocket"
    scope["scheme"] = overrides.get("scheme", "ws")
    scope.setdefault("subprotocols", [])
    return scope


def lifespan_scope(state: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``lifespan`` scope with a fresh (or the given) state dict."""
    return {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {} if state is None else state}


class Peer:
    """The server's end of one connection.

    ``receive()`` first hands out ``messages`` if given, else the request body as
    ``http.request`` messages (one per chunk of ``body``).  After that it waits for
    ``disconnect()`` (the default: a client that stays), or, with
    ``disconnect_when_done=True``, reports the disconnect (``disconnect_type``) at once.
    """

    def __init__(
        self,
        body: bytes | Sequence[bytes] = b"",
        *,
        messages: Sequence[Message] | None = None,
        disconnect_when_done: bool = False,
        disconnect_type: str = "http.disconnect",
    ) -> None:
        if messages is None:
            chunks = [body] if isinstance(body, bytes) else list(body) or [b""]
            messages = [
                {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
                for i, chunk in enumerate(chunks)
            ]
        self._pending: list[Message] = [dict(m) for m in messages]
        self.sent: list[Message] = []
        self.receive_calls = 0
        self.disconnect_type = disconnect_type
        self.gone = anyio.Event()
        if disconnect_when_done:
            self.gone.set()

    def disconnect(self) -> None:
        self.gone.set()

    async def receive(self) -> Message:
        self.receive_calls += 1
        if self._pending:
            return self._pending.pop(0)
        await self.gone.wait()
        return {"type": self.disconnect_type}

    async def send(self, message: Message) -> None:
        self.sent.append(dict(message))

    # -- reading what was sent ----------------------------------------------------

    @property
    def start(self) -> Message:
        assert self.sent and self.sent[0]["type"] == "http.response.start", self.sent
        return self.sent[0]

    @property
    def status(self) -> int:
        status: int = self.start["status"]
        return status

    def header(self, name: str) -> str | None:
        values = self.header_list(name)
        return values[0] if values else None

    def header_list(self, name: str) -> list[str]:
        key = name.lower().encode()
        return [v.decode("latin-1") for k, v in self.start["headers"] if k == key]

    @property
    def chunks(self) -> list[bytes]:
        return [m.get("body", b"") for m in self.sent if m["type"] == "http.response.body"]

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def finished(self) -> bool:
        last = self.sent[-1] if self.sent else {}
        return last.get("type") == "http.response.body" and not last.get("more_body", False)


async def drive(
    app: ASGICallable,
    scope: dict[str, Any] | None = None,
    peer: Peer | None = None,
    timeout: float = 5.0,
    *,
    conform: bool = True,
) -> Peer:
    """Run ``app`` for one connection against ``peer`` (a fresh one if omitted).

    Every ``http`` message the app sends is checked against the ASGI spec as it is
    sent (``tests/asgi_conformance.checked``); ``conform=False`` is for the tests
    that feed a response a broken peer on purpose."""
    peer = Peer() if peer is None else peer
    target = checked(app) if conform else app
    with anyio.fail_after(timeout):
        await target(http_scope() if scope is None else scope, peer.receive, peer.send)
    return peer


def run_asgi(
    app: ASGICallable,
    scope: dict[str, Any] | None = None,
    peer: Peer | None = None,
    timeout: float = 5.0,
    *,
    conform: bool = True,
) -> Peer:
    """``drive`` from synchronous code (its own event loop)."""
    result: Peer = anyio.run(
        functools.partial(drive, app, scope, peer, timeout, conform=conform)
    )
    return result


def get_request(
    query: bytes = b"", headers: HeaderPairs = (), path_params: dict[str, Any] | None = None
) -> Request:
    """A ``Request`` for ``GET /`` with this query string and these headers (no body)."""
    scope = http_scope("GET", "/", headers, query_string=query)
    return Request(scope, path_params={} if path_params is None else path_params)


def answer_body(answer: Any) -> bytes:
    """The body of what a route's plan answered: a Response, or the two messages of
    a whole answer (``asgiweb.responses.base.answer_messages``)."""
    if isinstance(answer, tuple):
        start, body = answer
        assert start["type"] == "http.response.start" and body["type"] == "http.response.body"
        return bytes(body["body"])
    return bytes(answer.body)



def multipart_body(*parts: tuple[str, str | None, bytes], boundary: str) -> bytes:
    """A multipart body of ``(name, filename or None, data)`` parts, laid out plainly
    (a file part says ``Content-Type: text/plain``)."""
    out = b""
    for name, filename, data in parts:
        disposition = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"\r\nContent-Type: text/plain'
        out += f"--{boundary}\r\n{disposition}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def record_uploads(monkeypatch: Any) -> list[Any]:
    """Make the form parser build a recording ``UploadFile`` subclass: the list
    returned fills with every file it makes (``monkeypatch`` is pytest's)."""
    import asgiweb.formparsers
    from asgiweb.datastructures import UploadFile

    created: list[UploadFile] = []

    class Recorded(UploadFile):
        __slots__ = ()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    monkeypatch.setattr(asgiweb.formparsers, "UploadFile", Recorded)
    return created
