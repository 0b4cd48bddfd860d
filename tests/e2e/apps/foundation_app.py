"""Apps served by uvicorn in the end-to-end tests (tests/e2e/test_app.py)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from asgiweb import App, Request


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[dict[str, Any]]:
    yield {"greeting": "hello"}


app = App(lifespan=lifespan)


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None) -> dict[str, Any]:
    return {"item_id": item_id, "q": q}


@app.get("/state")
async def state(request: Request) -> str:
    return str(request.state.greeting)


@app.post("/echo")
async def echo(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}


@app.get("/boom")
def boom() -> None:
    raise RuntimeError("internal detail")


@asynccontextmanager
async def failing_lifespan(app: App) -> AsyncIterator[None]:
    raise RuntimeError(os.environ.get("FAIL_MESSAGE", "startup exploded"))
    yield


failing_app = App(lifespan=failing_lifespan)
