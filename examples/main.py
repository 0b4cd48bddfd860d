"""The example service `make run` starts: a tiny in-memory item store.

Run it with ``make run`` (or ``uvicorn --app-dir examples main:app``) and try:

    curl http://127.0.0.1:8000/items/1
    curl -X PUT http://127.0.0.1:8000/items/2 -H 'content-type: application/json' \\
         -d '{"name": "Bar", "price": 4.5}'
    curl 'http://127.0.0.1:8000/items?limit=1'
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from asgiweb import App, HTTPException, Query, Request
from asgiweb.responses import PlainTextResponse


@dataclass
class Item:
    name: str
    price: float
    description: str | None = None


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
    # What the lifespan yields becomes each request's state.
    yield {"items": {1: Item(name="Foo", price=3.5)}}


app = App(lifespan=lifespan)


@app.get("/", response_class=PlainTextResponse)
async def index() -> str:
    return "asgiweb example service: try /items/1\n"


@app.get("/items")
async def list_items(request: Request, limit: int = Query(10, ge=1)) -> list[dict[str, Any]]:
    items = request.state.items
    return [{"item_id": key, "item": item} for key, item in list(items.items())[:limit]]


@app.get("/items/{item_id}")
async def read_item(request: Request, item_id: int, q: str | None = None) -> dict[str, Any]:
    item = request.state.items.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"item_id": item_id, "q": q, "item": item}


@app.put("/items/{item_id}")
def update_item(request: Request, item_id: int, item: Item) -> dict[str, Any]:
    # A plain `def` handler runs in a worker thread, as in FastAPI.
    request.state.items[item_id] = item
    return {"item_id": item_id, "item": item}
