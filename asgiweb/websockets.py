"""The WebSocket connection a handler talks to (docs/websockets.md).

A ``WebSocket`` is an ``HTTPConnection`` (headers, query, cookies, path
parameters, url, client, state, app: all lazy, as on a ``Request``) plus the
two halves of the ASGI WebSocket conversation, each with its own state:

- ``client_state``: CONNECTING until the ``websocket.connect`` message has
  been received, CONNECTED until a ``websocket.disconnect`` arrives, then
  DISCONNECTED (receiving again is an error);
- ``application_state``: CONNECTING until the app sends ``websocket.accept``
  (CONNECTED) or ``websocket.close`` (DISCONNECTED: closing before accepting
  is how a server is told to refuse with HTTP 403), then DISCONNECTED after
  ``websocket.close``; sending after that is an error.

ASGI WebSocket spec rules kept here: ``accept`` waits for the connect message
first if nobody has received it; a ``websocket.receive`` message carries
either ``text`` or ``bytes``; from spec 2.4 on a server raises ``OSError``
from ``send()`` once the client is gone, which becomes
``WebSocketDisconnect(1006)`` (abnormal closure, RFC 6455 section 7.4.1).
"""

from __future__ import annotations

import enum
import json
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

from asgiweb._foreign import also_theirs
from asgiweb.exceptions import WebSocketDisconnect, WebSocketException
from asgiweb.requests import HTTPConnection
from asgiweb.types import Message, Receive, Scope, Send

if TYPE_CHECKING:
    from asgiweb.responses import Response

__all__ = [
    "DISCONNECTS_EXTENSION",
    "WebSocket",
    "WebSocketClose",
    "WebSocketDisconnect",
    "WebSocketDisconnected",
    "WebSocketException",
    "WebSocketState",
    "websocket_class_for",
]

# A scope extension (a list) where the router puts a ``WebSocketDisconnect`` a
# handler left uncaught; asgiweb's TestClient sets it, to re-raise the error when the
# session ends as Starlette's TestClient does (docs/websockets.md).
DISCONNECTS_EXTENSION = "asgiweb.disconnects"


class WebSocketState(enum.Enum):
    """Where one side of the conversation stands (FastAPI's names and values)."""

    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


_CONNECTING = WebSocketState.CONNECTING
_CONNECTED = WebSocketState.CONNECTED
_DISCONNECTED = WebSocketState.DISCONNECTED
_RESPONSE = WebSocketState.RESPONSE


class WebSocketDisconnected(RuntimeError):
    """A receive or send the conversation's state no longer allows: before
    ``accept``, after the client's disconnect, after the close (Starlette's class:
    a ``RuntimeError``, so ``except RuntimeError`` catches it too)."""


_NOT_ACCEPTED = 'WebSocket is not connected. Need to call "accept" first.'


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise RuntimeError('The "mode" argument should be "text" or "binary".')


class WebSocket(HTTPConnection):
    """One WebSocket connection, given to a ``@app.websocket`` handler."""

    __slots__ = ("_receive", "_send", "application_state", "client_state")

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        path_params: dict[str, Any] | None = None,
    ) -> None:
        if scope["type"] != "websocket":
            raise ValueError(f"a WebSocket needs a 'websocket' scope, not {scope['type']!r}")
        self.scope = scope
        self.path_params = {} if path_params is None else path_params
        self._headers = None
        self._query_params = None
        self._cookies = None
        self._url = None
        self._state = None
        self._receive = receive
        self._send = send
        self.client_state = _CONNECTING
        self.application_state = _CONNECTING

    # -- raw ASGI messages -----------------------------------------------------------

    async def receive(self) -> Message:
        """The next ASGI message from the client, with the state checks of the module docstring."""
        state = self.client_state
        if state is _CONNECTED:
            message = await self._receive()
            kind = message["type"]
            if kind == "websocket.disconnect":
                self.client_state = _DISCONNECTED
            elif kind != "websocket.receive":
                raise RuntimeError(
                    'Expected ASGI message "websocket.receive" or "websocket.disconnect", '
                    f"but got {kind!r}"
                )
            return message
        if state is _CONNECTING:
            message = await self._receive()
            kind = message["type"]
            if kind != "websocket.connect":
                raise RuntimeError(f'Expected ASGI message "websocket.connect", but got {kind!r}')
            self.client_state = _CONNECTED
            return message
        raise WebSocketDisconnected(
            'Cannot call "receive" once a disconnect message has been received.'
        )

    async def send(self, message: Message) -> None:
        """Send one ASGI message, with the state checks of the module docstring."""
        kind = message["type"]
        state = self.application_state
        if state is _CONNECTED:
            if kind == "websocket.close":
                self.application_state = _DISCONNECTED
            elif kind != "websocket.send":
                raise RuntimeError(
                    f'Expected ASGI message "websocket.send" or "websocket.close", but got {kind!r}'
                )
            try:
                await self._send(message)
            except OSError:
                # ASGI spec 2.4: the client is gone.
                self.application_state = _DISCONNECTED
                raise WebSocketDisconnect(1006) from None
            return
        if state is _CONNECTING:
            if kind == "websocket.accept":
                self.application_state = _CONNECTED
            elif kind == "websocket.close":
                self.application_state = _DISCONNECTED
            elif kind == "websocket.http.response.start":
                # The ASGI WebSocket Denial Response extension: an HTTP answer instead.
                self.application_state = _RESPONSE
            else:
                raise RuntimeError(
                    'Expected ASGI message "websocket.accept", "websocket.close" or '
                    f'"websocket.http.response.start", but got {kind!r}'
                )
            await self._send(message)
            return
        if state is _RESPONSE:
            if kind != "websocket.http.response.body":
                raise RuntimeError(
                    f'Expected ASGI message "websocket.http.response.body", but got {kind!r}'
                )
            if not message.get("more_body", False):
                self.application_state = _DISCONNECTED
            await self._send(message)
            return
        raise WebSocketDisconnected('Cannot call "send" once a close message has been sent.')

    # -- handshake and close ---------------------------------------------------------

    async def accept(
        self,
        subprotocol: str | None = None,
        headers: Iterable[tuple[bytes, bytes]] | None = None,
    ) -> None:
        """Accept the connection, choosing ``subprotocol`` among those the client offered."""
        if self.client_state is _CONNECTING:
            await self.receive()  # the websocket.connect message nobody has read yet
        await self.send(
            {"type": "websocket.accept", "subprotocol": subprotocol, "headers": list(headers or ())}
        )

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close with ``code``; before ``accept`` this refuses the handshake (HTTP 403)."""
        await self.send({"type": "websocket.close", "code": code, "reason": reason or ""})

    async def send_denial_response(self, response: Response) -> None:
        """Refuse the handshake with ``response`` (any status, headers and body) where
        the server offers the ASGI WebSocket Denial Response extension; without it a
        ``RuntimeError``, as in Starlette.  Only before ``accept``."""
        if "websocket.http.response" not in (self.scope.get("extensions") or {}):
            raise RuntimeError(
                "The server doesn't support the Websocket Denial Response extension."
            )
        if self.client_state is _CONNECTING:
            await self.receive()  # the handshake message nobody has read yet
        send = self.send

        async def as_denial(message: Message) -> None:
            # A response speaks HTTP; the extension's messages carry the prefix.
            await send({**message, "type": "websocket." + message["type"]})

        await response(self.scope, self._receive, as_denial)

    # -- messages --------------------------------------------------------------------

    async def _receive_data(self) -> Message:
        if self.application_state is not _CONNECTED:
            raise WebSocketDisconnected(_NOT_ACCEPTED)
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1005), message.get("reason"))
        return message

    async def receive_text(self) -> str:
        # PERF: the common case (accepted, connected, a text message) in one frame;
        # anything else takes the general path, which raises or records the state.
        if self.application_state is _CONNECTED and self.client_state is _CONNECTED:
            message = await self._receive()
            if message["type"] == "websocket.receive":
                text: str | None = message.get("text")
                if text is not None:
                    return text
                raise WebSocketException(1003, "Expected a text message")
            return self._text_or_raise(self._received(message))
        return self._text_or_raise(await self._receive_data())

    def _received(self, message: Message) -> Message:
        """The state checks of ``receive`` for a message read while CONNECTED."""
        kind = message["type"]
        if kind == "websocket.disconnect":
            self.client_state = _DISCONNECTED
            raise WebSocketDisconnect(message.get("code", 1005), message.get("reason"))
        if kind != "websocket.receive":
            raise RuntimeError(
                'Expected ASGI message "websocket.receive" or "websocket.disconnect", '
                f"but got {kind!r}"
            )
        return message

    @staticmethod
    def _text_or_raise(message: Message) -> str:
        text: str | None = message.get("text")
        if text is None:
            raise WebSocketException(1003, "Expected a text message")
        return text

    async def receive_bytes(self) -> bytes:
        message = await self._receive_data()
        data: bytes | None = message.get("bytes")
        if data is None:
            raise WebSocketException(1003, "Expected a binary message")
        return data

    async def receive_json(self, mode: str = "text") -> Any:
        """One message decoded as JSON; ``mode="binary"`` reads it from a binary frame."""
        _check_mode(mode)
        if mode == "text":
            return json.loads(await self.receive_text())
        return json.loads((await self.receive_bytes()).decode("utf-8"))

    async def iter_text(self) -> AsyncIterator[str]:
        """Text messages until the client disconnects."""
        # PERF: receive_text's fast path inlined (one coroutine less per message); the
        # states are read again for every message, as the handler may close in between.
        receive = self._receive
        try:
            while True:
                if self.application_state is _CONNECTED and self.client_state is _CONNECTED:
                    message = await receive()
                    if message["type"] != "websocket.receive":
                        message = self._received(message)
                    text: str | None = message.get("text")
                    if text is None:
                        raise WebSocketException(1003, "Expected a text message")
                    yield text
                else:
                    yield self._text_or_raise(await self._receive_data())
        except WebSocketDisconnect:
            return

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Binary messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            return

    async def iter_json(self) -> AsyncIterator[Any]:
        """JSON text messages until the client disconnects."""
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            return

    async def send_text(self, data: str) -> None:
        # PERF: send's CONNECTED branch inlined; other states take send's checks.
        if self.application_state is _CONNECTED:
            try:
                await self._send({"type": "websocket.send", "text": data})
            except OSError:
                self.application_state = _DISCONNECTED
                raise WebSocketDisconnect(1006) from None
        else:
            await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        if self.application_state is _CONNECTED:
            try:
                await self._send({"type": "websocket.send", "bytes": data})
            except OSError:
                self.application_state = _DISCONNECTED
                raise WebSocketDisconnect(1006) from None
        else:
            await self.send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, mode: str = "text") -> None:
        """Send ``data`` as compact JSON in a text (or, with ``mode="binary"``, binary) frame."""
        _check_mode(mode)
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            await self.send({"type": "websocket.send", "text": text})
        else:
            await self.send({"type": "websocket.send", "bytes": text.encode("utf-8")})

    def __repr__(self) -> str:
        return f"<WebSocket {self.scope.get('path')!r} {self.application_state.name}>"


class WebSocketClose:
    """An ASGI app that closes a WebSocket with ``code`` and ``reason`` (Starlette's):
    what a router or middleware answers a connection it refuses."""

    __slots__ = ("code", "reason")

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.close", "code": self.code, "reason": self.reason})


def websocket_class_for(endpoint: Any) -> type[WebSocket]:
    """The class of the ``WebSocket`` made for a route whose handler is ``endpoint``:
    also Starlette's ``WebSocket`` when the handler is behind a decorator and
    Starlette is loaded, as ``requests.request_class_for`` decides for a Request
    (docs/api.md, "WebSockets")."""
    if not hasattr(endpoint, "__wrapped__"):
        return WebSocket
    return also_theirs(WebSocket, "starlette.websockets", "WebSocket")
