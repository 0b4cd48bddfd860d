"""The service in asgiweb, written the way a FastAPI user would write it.

Only the public API of ``docs/api.md`` is used: the Item body is a dataclass, handlers
return dicts and dataclasses and the default JSONResponse encodes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asgiweb import App
from asgiweb.responses import PlainTextResponse, StreamingResponse
from benchmarks.records import CHUNKS, HELLO, RECORDS, Record

__all__ = ["app"]

app = App()


@dataclass
class Item:
    title: str
    timestamp: datetime
    description: str | None = None


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext() -> str:
    return HELLO


@app.get("/json")
async def json_endpoint() -> dict[str, str]:
    return {"message": HELLO}


@app.get("/json-sync")
def json_sync() -> dict[str, str]:
    return {"message": HELLO}


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
    return {"item_id": item_id, "q": q}


@app.get("/encoded")
async def encoded() -> list[Record]:
    return RECORDS


@app.put("/items/{item_id}")
async def update_item(item_id: int, item: Item) -> dict[str, Any]:
    return {"item_id": item_id, "item": item}


async def _chunks() -> AsyncIterator[bytes]:
    for chunk in CHUNKS:
        yield chunk


@app.get("/stream")
async def stream() -> StreamingResponse:
    return StreamingResponse(_chunks(), media_type="application/octet-stream")
