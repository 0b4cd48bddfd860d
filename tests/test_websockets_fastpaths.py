"""The per-message fast paths of ``WebSocket`` keep every state rule.

``receive_text``, ``iter_text``, ``send_text`` and ``send_bytes`` take a short path
while both sides are CONNECTED (benchmarks/bench_realtime.py ``--in-process``).
Each script below drives, with the same ASGI messages, our ``WebSocket``, a
reference built only on the general ``receive()``/``send()`` (what those methods
did before the fast paths) and Starlette's (FastAPI's), and asserts the same
outcome: the values returned, the exception raised (type and code), the messages
sent, the states left behind and the messages left unread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import starlette.websockets

from asgiweb.exceptions import WebSocketDisconnect, WebSocketException
from asgiweb.websockets import WebSocket

Script = Callable[[Any], Awaitable[Any]]

SCOPE: dict[str, Any] = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}
CONNECT = {"type": "websocket.connect"}
TEXT = {"type": "websocket.receive", "text": "hi"}
BYTES = {"type": "websocket.receive", "bytes": b"hi"}
BYE = {"type": "websocket.disconnect", "code": 1001, "reason": "gone"}


class GeneralPath(WebSocket):
    """Every message method composed from ``receive()`` and ``send()``, no fast path."""

    __slots__ = ()

    async def receive_text(self) -> str:
        if self.application_state.name != "CONNECTED":
            raise RuntimeError("not accepted")
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1005), message.get("reason"))
        text: str | None = message.get("text")
        if text is None:
            raise WebSocketException(1003, "Expected a text message")
        return text

    async def iter_text(self) -> Any:
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            return

    async def send_text(self, data: str) -> None:
        await self.send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        await self.send({"type": "websocket.send", "bytes": data})


def run(cls: Any, inbound: list[dict[str, Any]], script: Script, fail_send: bool) -> Any:
    queue = list(inbound)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    async def send(message: dict[str, Any]) -> None:
        if fail_send and message["type"] == "websocket.send":
            raise OSError("the client is gone")
        sent.append(message)

    websocket = cls(dict(SCOPE), receive, send)
    try:
        outcome: Any = ("returned", asyncio.run(script(websocket)))
    except Exception as exc:
        code = getattr(exc, "code", None)
        # Starlette's WebSocketDisconnected is a RuntimeError (ours is a plain one).
        name = "RuntimeError" if isinstance(exc, RuntimeError) else type(exc).__name__
        outcome = ("raised", name, code)
    states = (websocket.client_state.name, websocket.application_state.name)
    return outcome, [m["type"] for m in sent], states, len(queue)


async def accept_then_iter(ws: Any) -> list[str]:
    await ws.accept()
    return [text async for text in ws.iter_text()]


async def accept_receive_three(ws: Any) -> list[str]:
    await ws.accept()
    return [await ws.receive_text() for _ in range(3)]


async def receive_before_accept(ws: Any) -> str:
    await ws.receive()
    text: str = await ws.receive_text()
    return text


async def receive_after_close(ws: Any) -> str:
    await ws.accept()
    await ws.close()
    text: str = await ws.receive_text()
    return text


async def iter_after_close(ws: Any) -> list[str]:
    await ws.accept()
    got = []
    async for text in ws.iter_text():
        got.append(text)
        await ws.close()
    return got


async def receive_after_disconnect(ws: Any) -> list[str]:
    await ws.accept()
    got = []
    try:
        got.append(await ws.receive_text())
        got.append(await ws.receive_text())
    except starlette.websockets.WebSocketDisconnect:
        got.append("disconnect")
    except Exception as exc:
        if type(exc).__name__ != "WebSocketDisconnect":
            raise
        got.append("disconnect")
    got.append(await ws.receive_text())
    return got


async def echo_text(ws: Any) -> None:
    await ws.accept()
    await ws.send_text(await ws.receive_text())


async def echo_bytes(ws: Any) -> None:
    await ws.accept()
    await ws.send_bytes(await ws.receive_bytes())


async def send_before_accept(ws: Any) -> None:
    await ws.send_text("x")


async def send_after_close(ws: Any) -> None:
    await ws.accept()
    await ws.close()
    await ws.send_bytes(b"x")


CASES: list[tuple[str, list[dict[str, Any]], Script, bool]] = [
    ("iter to disconnect", [CONNECT, TEXT, TEXT, BYE], accept_then_iter, False),
    ("iter meets bytes", [CONNECT, TEXT, BYTES, BYE], accept_then_iter, False),
    ("iter meets a wrong type", [CONNECT, TEXT, {"type": "http.request"}], accept_then_iter, False),
    ("iter after close", [CONNECT, TEXT, TEXT, BYE], iter_after_close, False),
    ("receive three", [CONNECT, TEXT, TEXT, TEXT, BYE], accept_receive_three, False),
    ("receive meets bytes", [CONNECT, TEXT, BYTES, TEXT], accept_receive_three, False),
    ("receive meets disconnect", [CONNECT, TEXT, BYE], accept_receive_three, False),
    ("receive wrong type", [CONNECT, {"type": "websocket.connect"}], accept_receive_three, False),
    ("receive before accept", [CONNECT, TEXT], receive_before_accept, False),
    ("receive after close", [CONNECT, TEXT], receive_after_close, False),
    ("receive after disconnect", [CONNECT, TEXT, BYE, TEXT], receive_after_disconnect, False),
    ("echo text", [CONNECT, TEXT], echo_text, False),
    ("echo bytes", [CONNECT, BYTES], echo_bytes, False),
    ("send text to a gone client", [CONNECT, TEXT], echo_text, True),
    ("send bytes to a gone client", [CONNECT, BYTES], echo_bytes, True),
    ("send before accept", [CONNECT], send_before_accept, False),
    ("send after close", [CONNECT], send_after_close, False),
]


# Deliberately different from FastAPI 0.165 (docs/websockets.md): a binary message
# where text is expected is a WebSocketException(1003), not Starlette's KeyError.
NOT_LIKE_FASTAPI = {"iter meets bytes", "receive meets bytes"}


@pytest.mark.parametrize(
    ("inbound", "script", "fail_send"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_same_outcome_as_the_general_path(
    inbound: list[dict[str, Any]], script: Script, fail_send: bool
) -> None:
    ours = run(WebSocket, inbound, script, fail_send)
    assert ours == run(GeneralPath, inbound, script, fail_send)


@pytest.mark.parametrize(
    ("inbound", "script", "fail_send"),
    [case[1:] for case in CASES if case[0] not in NOT_LIKE_FASTAPI],
    ids=[case[0] for case in CASES if case[0] not in NOT_LIKE_FASTAPI],
)
def test_same_outcome_as_fastapi(
    inbound: list[dict[str, Any]], script: Script, fail_send: bool
) -> None:
    ours = run(WebSocket, inbound, script, fail_send)
    assert ours == run(starlette.websockets.WebSocket, inbound, script, fail_send)
