"""Per-request cost of handler parameters: asgiweb's compiled plans next to FastAPI's.

The endpoint: ``PUT /items/{item_id}?q=..&limit=..`` with an int path parameter, two
query parameters and a JSON body validated into a dataclass (asgiweb) or the
equivalent pydantic model (FastAPI).  Also timed, to separate the parameter
machinery from the rest: the same handler with no parameters (``GET /ping``), and
the parameterised one as a plain ``def`` (the worker-thread hop).

Both ASGI apps are driven in-process in one event loop with hand-written
receive/send (``spec_version`` 2.3, as uvicorn sends).  Apps and cases are
interleaved round by round in a shuffled order and the figure is the median over
rounds; every response's status and body is checked, so a broken endpoint cannot
look fast.  Run: ``.venv/bin/python benchmarks/bench_params.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import BaseModel

ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]
BODY = json.dumps(
    {"title": "Foo", "timestamp": "2024-01-02T03:04:05", "description": "bar", "price": 4.5}
).encode()


@dataclass
class Item:
    """The body as asgiweb users write it (module level, so string annotations resolve)."""

    title: str
    timestamp: datetime
    price: float
    description: str | None = None


class Model(BaseModel):
    """The same body as FastAPI's docs write it."""

    title: str
    timestamp: datetime
    price: float
    description: str | None = None


EXPECTED_ITEM = {"item_id": 5, "q": "x", "limit": 3, "title": "Foo", "price": 4.5}


def asgiweb_app() -> ASGIApp:
    from asgiweb import App

    app = App()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"message": "pong"}

    @app.put("/items/{item_id}")
    async def update(item_id: int, item: Item, q: str | None = None, limit: int = 10) -> Any:
        return {
            "item_id": item_id,
            "q": q,
            "limit": limit,
            "title": item.title,
            "price": item.price,
        }

    @app.put("/sync/{item_id}")
    def update_sync(item_id: int, item: Item, q: str | None = None, limit: int = 10) -> Any:
        return {
            "item_id": item_id,
            "q": q,
            "limit": limit,
            "title": item.title,
            "price": item.price,
        }

    return app


def fastapi_app() -> ASGIApp:
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"message": "pong"}

    @app.put("/items/{item_id}")
    async def update(item_id: int, item: Model, q: str | None = None, limit: int = 10) -> Any:
        return {
            "item_id": item_id,
            "q": q,
            "limit": limit,
            "title": item.title,
            "price": item.price,
        }

    @app.put("/sync/{item_id}")
    def update_sync(item_id: int, item: Model, q: str | None = None, limit: int = 10) -> Any:
        return {
            "item_id": item_id,
            "q": q,
            "limit": limit,
            "title": item.title,
            "price": item.price,
        }

    return app


@dataclass
class Case:
    name: str
    method: str
    path: str
    query: bytes
    body: bytes
    expected: Any


CASES = [
    Case("no params", "GET", "/ping", b"", b"", {"message": "pong"}),
    Case("path+2 query+body", "PUT", "/items/5", b"q=x&limit=3", BODY, EXPECTED_ITEM),
    Case("same, plain def", "PUT", "/sync/5", b"q=x&limit=3", BODY, EXPECTED_ITEM),
]


async def one_request(app: ASGIApp, case: Case) -> tuple[int, bytes]:
    headers = [(b"host", b"testserver")]
    if case.body:
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(case.body)).encode()),
        ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": case.method,
        "scheme": "http",
        "path": case.path,
        "raw_path": case.path.encode(),
        "root_path": "",
        "query_string": case.query,
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    done = asyncio.Event()
    sent_body = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": case.body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def time_batch(app: ASGIApp, case: Case, count: int) -> float:
    results = []
    start = time.perf_counter()
    for _ in range(count):
        results.append(await one_request(app, case))
    elapsed = time.perf_counter() - start
    for status, body in results:
        if status != 200 or json.loads(body) != case.expected:
            raise AssertionError(f"{case.name}: bad response {status} {body[:200]!r}")
    return elapsed / count * 1e6


async def run(rounds: int, batch: int) -> dict[tuple[str, str], list[float]]:
    apps = {"asgiweb": asgiweb_app(), "FastAPI": fastapi_app()}
    samples: dict[tuple[str, str], list[float]] = {
        (app, case.name): [] for app in apps for case in CASES
    }
    for app in apps.values():  # warm-up: first calls compile and fill caches
        for case in CASES:
            await time_batch(app, case, 50)
    jobs = [(a, c) for a in apps for c in CASES]
    for _ in range(rounds):
        random.shuffle(jobs)
        for app_name, case in jobs:
            gc.collect()
            samples[(app_name, case.name)].append(
                await asyncio.wait_for(time_batch(apps[app_name], case, batch), 120)
            )
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        uvloop.install()
    samples = asyncio.run(run(args.rounds, args.batch))
    print(f"µs per request, median of {args.rounds} interleaved rounds of {args.batch}")
    print(f"{'case':<22}{'asgiweb':>10}{'FastAPI':>10}{'ratio':>8}")
    for case in CASES:
        ours = statistics.median(samples[("asgiweb", case.name)])
        theirs = statistics.median(samples[("FastAPI", case.name)])
        print(f"{case.name:<22}{ours:>10.1f}{theirs:>10.1f}{theirs / ours:>7.1f}x")


if __name__ == "__main__":
    main()
