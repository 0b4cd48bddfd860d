"""The app uvicorn serves in tests/e2e/test_responses.py.

``RESPONSES_FILE`` names the file the FileResponse routes send; a stream's
``marker`` query parameter names the file its generator writes in ``finally``.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from asgiweb import App
from asgiweb.responses import FileResponse, StreamingResponse

app = App()


@app.get("/chunks")
async def chunks(count: int = 5, delay: float = 0.05) -> StreamingResponse:
    async def produce() -> AsyncIterator[bytes]:
        for i in range(count):
            yield f"chunk-{i};{time.monotonic()!r}\n".encode()
            await asyncio.sleep(delay)

    return StreamingResponse(produce(), media_type="text/plain")


@app.get("/forever")
async def forever(marker: str) -> StreamingResponse:
    async def produce() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick\n"
                await asyncio.sleep(0.01)
        finally:
            Path(marker).write_text("closed")

    return StreamingResponse(produce(), media_type="text/plain")


@app.get("/forever-sync")
def forever_sync(marker: str) -> StreamingResponse:
    def produce() -> Iterator[bytes]:
        try:
            while True:
                yield b"tick\n"
                time.sleep(0.01)
        finally:
            Path(marker).write_text("closed")

    return StreamingResponse(produce(), media_type="text/plain")


@app.get("/broken")
async def broken() -> StreamingResponse:
    async def produce() -> AsyncIterator[bytes]:
        yield b"partial"
        await asyncio.sleep(0.01)
        raise RuntimeError("stream failed on purpose")

    return StreamingResponse(produce(), media_type="text/plain")


@app.get("/file")
async def file() -> FileResponse:
    return FileResponse(os.environ["RESPONSES_FILE"], filename="data file.bin")
