"""What the function-middleware contract costs on its own, beside asgiweb's.

``@app.middleware("http")`` promises the dispatch function a request object and a
``call_next`` coroutine that returns a response object whose headers it may edit
before the response is sent.  ``app_raw.app_funcmw`` (the floor of the ``funcmw``
row) writes the extra header inline and keeps none of that.  This part measures the
contract itself: ``contract`` is a hand-written ASGI app that keeps only what the
contract names, in the fewest objects plain Python allows (a three-slot request, the
dispatch and ``call_next`` coroutines, a response object with a header view; no
routing, no streaming, no errors, no request body), around the raw plaintext answer.

Rows, interleaved round by round with the driver of ``benchmarks/inprocess.py``:
``raw`` (``app_raw.app_funcmw``), ``contract``, ``asgiweb plaintext`` (the route
alone), ``asgiweb funcmw`` (the route behind ``@app.middleware("http")``).  The
contract's cost over the raw floor, added to asgiweb's plaintext route, is the least
a pure-Python function middleware over asgiweb's router can cost.  Run:
``python benchmarks/bench_funcmw_floor.py [--rounds N] [--quick]``.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import app_asgiweb, app_raw
from benchmarks.inprocess import Case, lifespan, measure, run
from benchmarks.records import ENDPOINTS

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_HELLO = b"Hello, World!"
_HEADERS = ((b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13"))


class _Request:
    __slots__ = ("receive", "scope", "send")

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send


class _HeaderView:
    __slots__ = ("raw",)

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw

    def __setitem__(self, name: str, value: str) -> None:
        self.raw.append((name.lower().encode("latin-1"), value.encode("latin-1")))


class _Response:
    __slots__ = ("body", "raw", "status_code")

    def __init__(self, status_code: int, raw: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code = status_code
        self.raw = raw
        self.body = body

    @property
    def headers(self) -> _HeaderView:
        return _HeaderView(self.raw)


async def _inner(request: _Request) -> _Response:
    return _Response(200, list(_HEADERS), _HELLO)


async def _dispatch(
    request: _Request, call_next: Callable[[_Request], Awaitable[_Response]]
) -> _Response:
    response = await call_next(request)  # the benchmark's dispatch function, as written
    response.headers["x-process"] = "1"
    return response


async def contract(scope: Scope, receive: Receive, send: Send) -> None:
    """The contract and nothing else, around the raw plaintext answer."""
    if scope["type"] != "http" or scope["path"] != "/plaintext":
        await app_raw.app(scope, receive, send)
        return
    response = await _dispatch(_Request(scope, receive, send), _inner)
    start = {"type": "http.response.start", "status": response.status_code}
    start["headers"] = response.raw
    await send(start)
    await send({"type": "http.response.body", "body": response.body})


ROWS: dict[str, tuple[Any, str]] = {
    "raw": (app_raw.app_funcmw, "funcmw"),
    "contract": (contract, "funcmw"),
    "asgiweb plaintext": (app_asgiweb.app, "plaintext"),
    "asgiweb funcmw": (app_asgiweb.app_funcmw, "funcmw"),
}


async def bench(rounds: int, target_s: float) -> dict[str, tuple[float, float]]:
    async with contextlib.AsyncExitStack() as stack:
        cases = []
        for name, (app, endpoint) in ROWS.items():
            state = await stack.enter_async_context(lifespan(app))
            cases.append(Case((name, endpoint), app, ENDPOINTS[endpoint], state))
        cells = await measure(cases, rounds, target_s)
    results: dict[str, tuple[float, float]] = {}
    for (name, _), cell in cells.items():
        if cell.error is not None:
            raise RuntimeError(f"{name}: {cell.error}")
        results[name] = (cell.us, cell.spread)
    return results


def table(results: dict[str, tuple[float, float]]) -> str:
    raw = results["raw"][0]
    lines = [f"{'row':20s} {'us/request':>11s} {'IQR':>5s} {'x raw':>6s}"]
    for name, (us, spread) in results.items():
        lines.append(f"{name:20s} {us:11.2f} {spread:5.0%} {us / raw:6.2f}")
    plaintext, contract_us = results["asgiweb plaintext"][0], results["contract"][0]
    least = plaintext + contract_us - raw
    ours = results["asgiweb funcmw"][0]
    lines += [
        "",
        f"contract over raw: {contract_us - raw:.2f} us; asgiweb plaintext + that: "
        f"{least:.2f} us = {least / raw:.2f}x raw (the least a function middleware "
        f"over asgiweb's router can cost); asgiweb funcmw: {ours / raw:.2f}x raw",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--target-ms", type=float, default=40.0, help="wall time per batch")
    parser.add_argument("--quick", action="store_true", help="3 rounds of short batches")
    args = parser.parse_args(argv)
    rounds, target_ms = (3, 5.0) if args.quick else (args.rounds, args.target_ms)
    results = run(bench(rounds, target_ms / 1e3))
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
