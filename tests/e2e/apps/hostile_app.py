"""The app uvicorn serves in tests/test_e2e_hostile.py.

Both streams build their body in memory and never await: without the
streaming loop's own checkpoints they would hold the worker's event loop until
the last chunk, and a disconnect would go unseen.  Each one records how it
ended in ``HOSTILE_MARKERS/<name>-<marker>`` (the async generator from its
``finally``, the list stream from its background task); each is bounded in
time so that a failing test cannot leave a server spinning.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path

from asgiweb import App, BackgroundTasks
from asgiweb.responses import PlainTextResponse, StreamingResponse

app = App()
MARKERS = Path(os.environ.get("HOSTILE_MARKERS", "."))
LIMIT_SECONDS = 20.0
ROW = b"12345,some text,3.25,2026-11-30\n"


def write_marker(name: str, text: str) -> None:
    path = MARKERS / name
    path.with_suffix(".tmp").write_text(text)
    path.with_suffix(".tmp").replace(path)


@app.get("/export")
async def export(marker: str) -> StreamingResponse:
    async def rows() -> AsyncIterator[bytes]:
        produced = 0
        stop = time.monotonic() + LIMIT_SECONDS
        try:
            while time.monotonic() < stop:
                # A CSV page built from memory: no await anywhere.
                yield b"".join(ROW for _ in range(2000))
                produced += 1
        finally:
            write_marker(f"export-{marker}", f"{produced} {time.monotonic()!r}")

    return StreamingResponse(rows(), media_type="text/csv")


@app.get("/export-list")
async def export_list(marker: str, background: BackgroundTasks) -> StreamingResponse:
    page = ROW * 2000
    background.add_task(write_marker, f"list-{marker}", repr(time.monotonic()))
    return StreamingResponse([page] * 300_000, media_type="text/csv")


@app.get("/ping")
async def ping() -> PlainTextResponse:
    return PlainTextResponse("pong")
