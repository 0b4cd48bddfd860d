"""A small app with yield dependencies, served by a real uvicorn in the e2e tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio

from asgiweb import App, Depends
from asgiweb.responses import StreamingResponse

app = App()
EVENTS: list[str] = []


async def resource(name: str = "r") -> AsyncIterator[str]:
    EVENTS.append(f"open {name}")
    try:
        yield name
    finally:
        EVENTS.append(f"closed {name}")


@app.get("/plain")
async def plain(value: Annotated[str, Depends(resource)]) -> dict[str, str]:
    return {"value": value}


@app.get("/stream")
async def stream(value: Annotated[str, Depends(resource)]) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20_000):  # bounded: ~20 s at most if nobody hangs up
            yield b"x" * 1024
            await anyio.sleep(0.001)

    return StreamingResponse(chunks(), media_type="application/octet-stream")


@app.get("/events")
async def events() -> list[str]:
    return list(EVENTS)
