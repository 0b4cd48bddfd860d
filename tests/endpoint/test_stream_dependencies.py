"""A handler that yields (JSON Lines) with a ``yield`` dependency: the dependency's
exit code runs after the last item has been sent, as in FastAPI."""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest

import asgiweb
from asgiweb.testclient import TestClient

fastapi = pytest.importorskip("fastapi")


def build(fw: Any, events: list[str]) -> Any:
    app = fw.FastAPI() if fw is fastapi else fw.App()

    async def counter(n: int) -> AsyncIterator[int]:
        events.append("open")
        yield n
        events.append("close")

    @app.get("/items")
    async def items(n: Annotated[int, fw.Depends(counter)]) -> AsyncIterator[dict[str, int]]:
        for i in range(n):
            events.append(f"item {i}")
            yield {"i": i}

    return app


@pytest.mark.parametrize("fw", [asgiweb, fastapi], ids=["asgiweb", "fastapi"])
def test_exit_code_runs_after_the_stream(fw: Any) -> None:
    events: list[str] = []
    client = TestClient(build(fw, events))
    response = client.get("/items?n=2")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jsonl"
    assert [json.loads(line) for line in response.text.splitlines()] == [{"i": 0}, {"i": 1}]
    assert events == ["open", "item 0", "item 1", "close"]
    missing = client.get("/items")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "n"]
