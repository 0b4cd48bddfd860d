"""The floor: the service as a hand-written ASGI app, no framework.

It does per request the work any framework must do (parse the path and query, read and
validate the body, encode the records), and nothing else: no routing table, no
disconnect watching, no threads (``/json-sync`` runs inline, as a raw app would).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from benchmarks.records import CHUNKS, HELLO, RECORDS, USERS, encode_records

# Local aliases, not asgiweb's: the floor must not depend on the framework it measures.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_TEXT = b"text/plain; charset=utf-8"
_JSON = b"application/json"
_HELLO = HELLO.encode()


# One encoder for the process: json.dumps with non-default options builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def _dumps(value: Any) -> bytes:
    return _encode(value).encode()


async def _send(send: Send, status: int, content_type: bytes, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None when the client went away first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _validate_item(data: Any) -> dict[str, Any] | None:
    if not isinstance(data, dict):
        return None
    title, stamp, description = data.get("title"), data.get("timestamp"), data.get("description")
    if not isinstance(title, str) or not isinstance(stamp, str):
        return None
    if description is not None and not isinstance(description, str):
        return None
    try:
        parsed = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return {"title": title, "timestamp": parsed.isoformat(), "description": description}


async def _chunks() -> AsyncIterator[bytes]:
    for chunk in CHUNKS:
        yield chunk


async def _stream(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/octet-stream")],
        }
    )
    async for chunk in _chunks():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


async def _deps(scope: Scope, path: str, send: Send) -> None:
    """What the three dependencies of ``/deps/{item_id}`` do, written out."""
    try:
        item_id = int(path[6:])
    except ValueError:
        await _send(send, 422, _JSON, b'{"detail":"bad item_id"}')
        return
    query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
    try:
        skip = int(query.get("skip", "0"))
    except ValueError:
        await _send(send, 422, _JSON, b'{"detail":"bad skip"}')
        return
    token = None
    for name, value in scope["headers"]:
        if name == b"x-token":
            token = value.decode("latin-1")
    if token is None:
        await _send(send, 422, _JSON, b'{"detail":"missing x-token"}')
        return
    user = USERS.get(token)
    if user is None:
        await _send(send, 401, _JSON, b'{"detail":"Invalid token"}')
        return
    session = {"state": "open"}
    try:
        answer = {"item_id": item_id, "q": query.get("q"), "skip": skip, "user": user}
        answer["session"] = session["state"]
        await _send(send, 200, _JSON, _dumps(answer))
    finally:
        session["state"] = "closed"


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    path: str = scope["path"]
    method: str = scope["method"]
    if method == "GET":
        if path == "/plaintext":
            await _send(send, 200, _TEXT, _HELLO)
            return
        if path == "/json" or path == "/json-sync":
            await _send(send, 200, _JSON, _dumps({"message": HELLO}))
            return
        if path == "/encoded" or path == "/model":
            await _send(send, 200, _JSON, _dumps(encode_records(RECORDS)))
            return
        if path == "/stream":
            await _stream(send)
            return
    if path.startswith("/deps/") and method == "GET":
        await _deps(scope, path, send)
        return
    if path.startswith("/items/") and method in ("GET", "PUT"):
        try:
            item_id = int(path[7:])
        except ValueError:
            await _send(send, 422, _JSON, b'{"detail":"bad item_id"}')
            return
        if method == "GET":
            q = dict(parse_qsl(scope["query_string"].decode("latin-1"))).get("q")
            await _send(send, 200, _JSON, _dumps({"item_id": item_id, "q": q}))
            return
        body = await _read_body(receive)
        if body is None:
            return
        try:
            item = _validate_item(json.loads(body))
        except ValueError:
            item = None
        if item is None:
            await _send(send, 422, _JSON, b'{"detail":"bad item"}')
            return
        await _send(send, 200, _JSON, _dumps({"item_id": item_id, "item": item}))
        return
    await _send(send, 404, _JSON, b'{"detail":"Not Found"}')
