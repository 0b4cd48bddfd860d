"""The app uvicorn serves in tests/test_e2e_websockets.py, test_e2e_streams.py and
test_browser_sse.py.

A ``marker`` query parameter names a file the handler writes when it ends
(``finally``), with the time it ended, so a test can see that the server
stopped it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from asgiweb import App, Header, WebSocket, WebSocketDisconnect
from asgiweb.middleware.cors import CORSMiddleware
from asgiweb.middleware.gzip import GZipMiddleware
from asgiweb.responses import HTMLResponse
from asgiweb.sse import EventSourceResponse, ServerSentEvent

app = App()
app.add_middleware(GZipMiddleware, minimum_size=1)
app.add_middleware(CORSMiddleware, allow_origins=["*"])


def mark(marker: str | None, text: str) -> None:
    if marker:
        Path(marker).write_text(f"{text} {time.monotonic()!r}")


@app.websocket("/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        if message.get("text") is not None:
            await websocket.send_text(message["text"])
        else:
            await websocket.send_bytes(message["bytes"])


@app.websocket("/json/{factor:int}")
async def json_double(websocket: WebSocket, factor: int, offset: int = 0) -> None:
    await websocket.accept()
    async for data in websocket.iter_json():
        await websocket.send_json({"value": data["value"] * factor + offset})


@app.websocket("/chat")
async def chat(websocket: WebSocket) -> None:
    offered = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol="chat.v2" if "chat.v2" in offered else None)
    await websocket.send_text(",".join(offered))
    await websocket.receive_text()


@app.websocket("/server-close")
async def server_close(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("bye soon")
    await websocket.close(4001, "server says bye")


@app.websocket("/client-close")
async def client_close(websocket: WebSocket, marker: str) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.receive_text()
    except WebSocketDisconnect as exc:
        mark(marker, f"disconnect {exc.code}")


@app.websocket("/firehose")
async def firehose(websocket: WebSocket, marker: str) -> None:
    """Sends until the client is gone; the marker says when it noticed."""
    await websocket.accept()
    try:
        while True:
            await websocket.send_text("x" * 100)
            await asyncio.sleep(0.005)
    except WebSocketDisconnect as exc:
        mark(marker, f"disconnect {exc.code}")
        raise
    finally:
        mark(marker, "ended")


@app.websocket("/token")
async def token(websocket: WebSocket, x_token: str = Header()) -> None:
    await websocket.accept()
    await websocket.send_text(x_token)
    await websocket.close()


@app.websocket("/fail")
async def fail(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.receive_text()
    raise RuntimeError("handler failed on purpose")


# -- streams ----------------------------------------------------------------------------


@app.get("/sse/count", response_class=EventSourceResponse)
async def sse_count(n: int = 5, delay: float = 0.0) -> AsyncIterator[ServerSentEvent]:
    for i in range(n):
        yield ServerSentEvent(data={"i": i}, id=str(i), event="tick")
        if delay:
            await asyncio.sleep(delay)


@app.get("/sse/forever", response_class=EventSourceResponse)
async def sse_forever(marker: str) -> AsyncIterator[int]:
    try:
        i = 0
        while True:
            yield i
            i += 1
            await asyncio.sleep(0.01)
    finally:
        mark(marker, "closed")


@app.get("/sse/busy", response_class=EventSourceResponse)
async def sse_busy(marker: str) -> AsyncIterator[str]:
    """Never awaits: only the disconnect handling can stop it."""
    try:
        while True:
            yield "x" * 1000
    finally:
        mark(marker, "closed")


@app.get("/jsonl/forever")
async def jsonl_forever(marker: str) -> AsyncIterator[dict[str, int]]:
    try:
        i = 0
        while True:
            yield {"i": i}
            i += 1
            await asyncio.sleep(0.01)
    finally:
        mark(marker, "closed")


@app.get("/jsonl/busy")
async def jsonl_busy(marker: str) -> AsyncIterator[str]:
    """Never awaits: only the disconnect handling can stop it."""
    try:
        while True:
            yield "x" * 1000
    finally:
        mark(marker, "closed")


@app.get("/jsonl/sync")
def jsonl_sync(marker: str) -> Iterator[int]:
    try:
        i = 0
        while True:
            yield i
            i += 1
            time.sleep(0.01)
    finally:
        mark(marker, "closed")


# -- the browser's EventSource ------------------------------------------------------------


@app.get("/sse/resume", response_class=EventSourceResponse)
async def sse_resume(
    last_event_id: str | None = Header(None),
) -> AsyncIterator[ServerSentEvent]:
    """Three events a connection, then the stream ends and the browser reconnects with
    ``Last-Event-ID``; the ids go on from there, and each event says which id the
    browser sent."""
    start = int(last_event_id) + 1 if last_event_id else 0
    for i in range(start, start + 3):
        yield ServerSentEvent(
            data={"n": i, "last": last_event_id}, id=str(i), event="tick", retry=100
        )


PAGE = """<!doctype html>
<html><body><pre id="out">waiting</pre>
<script>
const got = [];
const out = document.getElementById("out");
const source = new EventSource("/sse/resume");
source.addEventListener("tick", (event) => {
  got.push({id: event.lastEventId, data: JSON.parse(event.data)});
  if (got.length >= 6) {
    source.close();
    out.textContent = "RESULT " + JSON.stringify(got);
  }
});
</script></body></html>
"""


@app.get("/page", response_class=HTMLResponse)
async def page() -> str:
    return PAGE
