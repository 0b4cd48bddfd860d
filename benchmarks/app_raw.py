"""The floor: the service as a hand-written ASGI app, no framework.

It does per request the work any framework must do (parse the path and query, read and
validate the body, encode the records), and nothing else: no routing table, no
disconnect watching, no threads (``/json-sync`` runs inline, as a raw app would).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from benchmarks.records import (
    BIG_TEXT,
    CHUNKS,
    EVENTS,
    HELLO,
    RECORDS,
    USERS,
    encode_records,
)

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


async def _events(send: Send, media_type: bytes, sse: bool) -> None:
    """Ten events, one body message each: SSE frames or JSON lines."""
    headers = [(b"content-type", media_type)]
    if sse:
        headers += [(b"cache-control", b"no-cache"), (b"x-accel-buffering", b"no")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    for event in EVENTS:
        data = _dumps(event)
        frame = b"data: " + data + b"\n\n" if sse else data + b"\n"
        await send({"type": "http.response.body", "body": frame, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _form_fields(scope: Scope, body: bytes) -> dict[str, str] | None:
    """The three urlencoded fields, or None when one is missing."""
    fields = dict(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
    try:
        return {"name": fields["name"], "age": fields["age"], "city": fields["city"]}
    except KeyError:
        return None


def _upload(scope: Scope, body: bytes) -> dict[str, Any] | None:
    """A minimal multipart reader: the first part's filename and size, nothing more."""
    boundary = b""
    for name, value in scope["headers"]:
        if name == b"content-type":
            boundary = value.partition(b"boundary=")[2]
    if not boundary:
        return None
    for part in body.split(b"--" + boundary)[1:-1]:
        head, _, content = part.partition(b"\r\n\r\n")
        marker = head.find(b'filename="')
        if marker < 0:
            continue
        filename = head[marker + 10 : head.index(b'"', marker + 10)].decode()
        return {"filename": filename, "size": len(content) - 2}  # minus the CRLF before --
    return None


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


async def _echo(receive: Receive, send: Send) -> None:
    """A hand-written WebSocket echo: accept, send each text back, stop at disconnect."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return
        await send({"type": "websocket.send", "text": message.get("text")})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] == "websocket":
        if scope["path"] == "/ws":
            await _echo(receive, send)
        else:
            await send({"type": "websocket.close", "code": 1000})
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
        if path == "/sse":
            await _events(send, b"text/event-stream; charset=utf-8", sse=True)
            return
        if path == "/jsonl":
            await _events(send, b"application/jsonl", sse=False)
            return
    if method == "POST" and (path == "/form" or path == "/upload"):
        body = await _read_body(receive)
        if body is None:
            return
        answer = _form_fields(scope, body) if path == "/form" else _upload(scope, body)
        if answer is None:
            await _send(send, 422, _JSON, b'{"detail":"bad form"}')
            return
        await _send(send, 200, _JSON, _dumps(answer))
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


# -- the middleware variants: what each middleware adds, written into the handler --------


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return bytes(value)
    return None


async def app_cors(scope: Scope, receive: Receive, send: Send) -> None:
    """/plaintext answering a simple CORS request for any origin."""
    if scope["type"] != "http" or scope["path"] != "/plaintext":
        await app(scope, receive, send)
        return
    headers = [(b"content-type", _TEXT), (b"content-length", str(len(_HELLO)).encode())]
    if _header(scope, b"origin") is not None:
        headers.append((b"access-control-allow-origin", b"*"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _HELLO})


_BIG = BIG_TEXT.encode()


async def app_gzip(scope: Scope, receive: Receive, send: Send) -> None:
    """/big compressed per request when the client accepts gzip (as GZipMiddleware does)."""
    if scope["type"] != "http" or scope["path"] != "/big":
        await app(scope, receive, send)
        return
    body, headers = _BIG, [(b"content-type", _TEXT)]
    if b"gzip" in (_header(scope, b"accept-encoding") or b""):
        body = gzip.compress(_BIG, compresslevel=9)
        headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def app_funcmw(scope: Scope, receive: Receive, send: Send) -> None:
    """/plaintext with the header the function middleware adds."""
    if scope["type"] != "http" or scope["path"] != "/plaintext":
        await app(scope, receive, send)
        return
    headers = [
        (b"content-type", _TEXT),
        (b"content-length", str(len(_HELLO)).encode()),
        (b"x-process", b"1"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": _HELLO})
