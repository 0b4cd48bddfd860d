"""A NaN or an infinity in a streamed item, side by side with FastAPI.

A JSON response refuses them (JSON has no such numbers), but FastAPI writes a
streamed item as pydantic does: a NaN or an infinity is null, and as a mapping key
it is written "NaN", "Infinity" or "-Infinity".  The stream goes on.  Items are
compared decoded: asgiweb writes compact JSON where FastAPI's untyped stream writes
``json.dumps``'s spaced form (docs/streaming.md, "Differences from FastAPI").
"""

import json
from typing import Any

import pytest

from tests.oracle.sidebyside import Framework, ask, frameworks

VALUES = [float("nan"), float("inf"), float("-inf")]
ITEMS: list[Any] = [
    1.5,
    *VALUES,
    {"nested": [VALUES, {"value": VALUES[0]}], "keys": {float("inf"): 1, None: 2}},
    {"finite": 2.5, "text": "NaN"},
]


def streams_app(fw: Framework) -> Any:
    from fastapi.sse import EventSourceResponse as FastAPIEvents

    from asgiweb.sse import EventSourceResponse, ServerSentEvent

    events = FastAPIEvents if fw.name == "fastapi" else EventSourceResponse
    event = fw.sub("sse").ServerSentEvent if fw.name == "fastapi" else ServerSentEvent
    app = fw.App()

    @app.get("/jsonl")
    async def jsonl() -> Any:
        for item in ITEMS:
            yield item

    @app.get("/jsonl-sync")
    def jsonl_sync() -> Any:
        yield from ITEMS

    @app.get("/sse", response_class=events)
    async def sse() -> Any:
        for item in ITEMS:
            yield item

    @app.get("/sse-events", response_class=events)
    async def sse_events() -> Any:
        for item in ITEMS:
            yield event(data=item)

    return app


@pytest.mark.parametrize("url", ["/jsonl", "/jsonl-sync", "/sse", "/sse-events"])
def test_non_finite_numbers_in_streams_are_written_as_fastapi_writes_them(url: str) -> None:
    decoded = []
    for fw in frameworks():
        (answer,) = ask(streams_app(fw), [url])
        assert answer["status"] == 200
        lines = [line.removeprefix("data: ") for line in answer["body"].splitlines() if line]
        decoded.append([json.loads(line) for line in lines])
    assert decoded[0] == decoded[1]
    assert decoded[0][1:4] == [None, None, None]
    assert decoded[0][4]["keys"] == {"Infinity": 1, "null": 2}
