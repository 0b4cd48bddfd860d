"""WebSocket echo and Server-Sent Events throughput, asgiweb beside FastAPI, under uvicorn.

    python -m benchmarks.bench_realtime [--seconds 1] [--rounds 7] [--ws websockets] [--only ws]
    python -m benchmarks.bench_realtime --in-process [--rounds 9] [--messages 20000]

Both apps (``asgiweb_app`` and ``fastapi_app`` below, the same handlers written
each framework's way) run at once in uvicorn (one worker, ``--ws`` as given,
pinned to core 0 when there are two or more cores; the client runs on the
others).  Each round measures, for each framework in turn, back to back (the
order alternates between rounds):

- ``ws echo x1``: one WebSocket connection, send a 32-byte text message, wait
  for the echo, repeat: round trips per second;
- ``ws echo x50``: the same on 50 connections at once: total round trips per second;
- ``sse x1``: one ``GET`` of a handler that yields small events as fast as it
  can: events per second received;
- ``sse x50``: 50 such streams at once: total events per second.

The client is asyncio in this process (the ``websockets`` package for the
WebSocket side, a raw socket counting blank-line event terminators for SSE),
so its own cost is in every figure, the same for both frameworks.  On a shared
machine the rates drift with other load, so the comparison is the median of the
per-round ratios (each round's two runs are seconds apart), with their spread
(min..max); the rates quoted are medians over rounds.  ``--only ws`` runs the
WebSocket measures alone; ``--in-process`` times the apps through the ASGI
interface with no server and no client (µs per echo, beside a raw ASGI echo).
Every wait is bounded: server start, each measurement (``--seconds``),
connection set-up, and the servers are killed in a ``finally``.  Not part of ``benchmarks/run.py``.
"""

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = "m" * 32
MAX_EVENTS = 10_000_000  # a bound on each SSE stream; the client leaves long before
FRAMEWORKS = ("asgiweb", "fastapi")


# -- the apps -------------------------------------------------------------------------


def asgiweb_app() -> Any:
    from asgiweb import App, WebSocket
    from asgiweb.sse import EventSourceResponse

    app = App()

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    @app.get("/sse", response_class=EventSourceResponse)
    async def events() -> AsyncIterator[int]:
        for i in range(MAX_EVENTS):
            yield i

    return app


def fastapi_app() -> Any:
    from fastapi import FastAPI, WebSocket
    from fastapi.sse import EventSourceResponse

    app = FastAPI()

    @app.websocket("/echo")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    @app.get("/sse", response_class=EventSourceResponse)
    async def events() -> AsyncIterator[int]:
        for i in range(MAX_EVENTS):
            yield i

    return app


# -- in process: the apps through the ASGI interface, no server, no client ---------------


async def raw_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The floor: a hand-written ASGI echo, no framework."""
    await receive()
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            return
        await send({"type": "websocket.send", "text": message["text"]})


async def echo_in_process(app: Any, messages: int) -> float:
    """µs per echo: one connection, ``messages`` text messages, then a disconnect.

    ``receive`` builds a fresh message dict each time, as a server does; nothing
    ever waits, so what is timed is the app's own per-message work.
    """
    left = messages
    connected = False
    sent = 0

    async def receive() -> dict[str, Any]:
        nonlocal left, connected
        if not connected:
            connected = True
            return {"type": "websocket.connect"}
        if left == 0:
            return {"type": "websocket.disconnect", "code": 1000}
        left -= 1
        return {"type": "websocket.receive", "text": MESSAGE}

    async def send(message: dict[str, Any]) -> None:
        nonlocal sent
        sent += 1

    scope = {
        "type": "websocket", "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1", "scheme": "ws", "path": "/echo", "raw_path": b"/echo",
        "root_path": "", "query_string": b"", "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000), "subprotocols": [],
    }  # fmt: skip
    started = time.perf_counter()
    await app(scope, receive, send)
    elapsed = time.perf_counter() - started
    if sent != messages + 1:  # the accept and one echo per message
        raise RuntimeError(f"expected {messages + 1} messages sent, got {sent}")
    return elapsed / messages * 1e6


def in_process(rounds: int, messages: int) -> None:
    apps = {"raw ASGI": raw_echo, "asgiweb": asgiweb_app(), "fastapi": fastapi_app()}

    async def measure() -> dict[str, list[float]]:
        for app in apps.values():  # warm-up
            await echo_in_process(app, 1000)
        times: dict[str, list[float]] = {name: [] for name in apps}
        for round_ in range(rounds):
            order = list(apps) if round_ % 2 == 0 else list(apps)[::-1]
            for name in order:
                times[name].append(await echo_in_process(apps[name], messages))
        return times

    times = asyncio.run(measure())
    ratios = [f / a for f, a in zip(times["fastapi"], times["asgiweb"], strict=True)]
    print(f"in process, WebSocket echo, {rounds} interleaved rounds of {messages} messages")
    print(f"load average {os.getloadavg()[0]:.2f}")
    for name, values in times.items():
        print(
            f"{name:9} {statistics.median(values):6.3f} µs/echo (median; "
            f"min {min(values):.3f}, max {max(values):.3f})"
        )
    print(
        f"FastAPI/asgiweb time per echo: {statistics.median(ratios):.2f}x "
        f"(per-round ratios {min(ratios):.2f}..{max(ratios):.2f})"
    )


# -- servers --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(factory: str, ws: str, pin: bool) -> Iterator[int]:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", f"benchmarks.bench_realtime:{factory}", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--ws", ws,
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    if pin:
        command = ["taskset", "-c", "0", *command]
    # Server output is dropped: FastAPI logs an error for every SSE client that leaves.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn for {factory} exited ({process.returncode})")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn for {factory} did not start") from None
                time.sleep(0.05)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


# -- clients --------------------------------------------------------------------------


async def ws_echo(port: int, connections: int, seconds: float) -> float:
    from websockets.asyncio.client import connect

    async def one(deadline: float) -> int:
        count = 0
        async with connect(
            f"ws://127.0.0.1:{port}/echo", open_timeout=10, close_timeout=2, compression=None
        ) as ws:
            while time.monotonic() < deadline:
                await ws.send(MESSAGE)
                await asyncio.wait_for(ws.recv(), 10)
                count += 1
        return count

    started = time.monotonic()
    deadline = started + seconds
    counts = await asyncio.wait_for(
        asyncio.gather(*(one(deadline) for _ in range(connections))), seconds + 30
    )
    return sum(counts) / (time.monotonic() - started)


async def sse_events(port: int, connections: int, seconds: float) -> float:
    async def one(deadline: float) -> int:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
        writer.write(b"GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        count = 0
        last = b""
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    data = await asyncio.wait_for(reader.read(65536), left)
                except TimeoutError:
                    break
                if not data:
                    break
                count += data.count(b"\n\n") + (last == b"\n" and data[:1] == b"\n")
                last = data[-1:]
        finally:
            writer.close()
        return count

    started = time.monotonic()
    deadline = started + seconds
    counts = await asyncio.wait_for(
        asyncio.gather(*(one(deadline) for _ in range(connections))), seconds + 30
    )
    return sum(counts) / (time.monotonic() - started)


MEASURES: dict[str, Callable[[int, float], Awaitable[float]]] = {
    "ws echo x1 (round trips/s)": lambda port, s: ws_echo(port, 1, s),
    "ws echo x50 (round trips/s)": lambda port, s: ws_echo(port, 50, s),
    "sse x1 (events/s)": lambda port, s: sse_events(port, 1, s),
    "sse x50 (events/s)": lambda port, s: sse_events(port, 50, s),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="per measurement (1)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--only", nargs="+", default=["ws", "sse"], help="measures whose name has one of these"
    )
    parser.add_argument("--ws", default="websockets", choices=["websockets", "wsproto"])
    parser.add_argument("--no-pin", action="store_true", help="do not pin server and client")
    parser.add_argument(
        "--in-process", action="store_true", help="time the apps through ASGI alone, no server"
    )
    parser.add_argument("--messages", type=int, default=20_000, help="per round, --in-process")
    args = parser.parse_args()
    if args.in_process:
        in_process(args.rounds, args.messages)
        return
    cores = os.cpu_count() or 1
    pin = not args.no_pin and cores >= 2 and shutil.which("taskset") is not None
    if pin and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(1, cores)))
    measures = {k: v for k, v in MEASURES.items() if any(o in k for o in args.only)}
    results: dict[tuple[str, str], list[float]] = {}
    loads = [os.getloadavg()[0]]
    with contextlib.ExitStack() as stack:
        ports = {
            name: stack.enter_context(serve(f"{name}_app", args.ws, pin)) for name in FRAMEWORKS
        }
        for name in FRAMEWORKS:  # warm-up: first connections, imports on first use
            for run in measures.values():
                asyncio.run(run(ports[name], 0.2))
        for round_ in range(args.rounds):
            for measure, run in measures.items():
                # Each round runs the two back to back, in alternating order, so a burst
                # of load from other work on the machine falls on both alike.
                order = FRAMEWORKS if round_ % 2 == 0 else FRAMEWORKS[::-1]
                for name in order:
                    rate = asyncio.run(run(ports[name], args.seconds))
                    results.setdefault((measure, name), []).append(rate)
                    print(f"round {round_ + 1} {measure:30} {name:8} {rate:12,.0f}", flush=True)
            loads.append(os.getloadavg()[0])
    print()
    print(
        f"uvicorn --ws {args.ws}, {args.rounds} rounds of {args.seconds:g}s each, alternating; "
        f"load average {min(loads):.2f}..{max(loads):.2f}"
    )
    print("rates: medians over rounds; ratio: median of the per-round asgiweb/FastAPI ratios")
    print(f"| {'measure':30} | {'asgiweb':>10} | {'FastAPI':>10} | {'ratio':>6} | {'spread':>11} |")
    print(f"|{'-' * 32}|{'-' * 12}|{'-' * 12}|{'-' * 8}|{'-' * 13}|")
    for measure in measures:
        ours_all = results[(measure, "asgiweb")]
        theirs_all = results[(measure, "fastapi")]
        ratios = [a / f for a, f in zip(ours_all, theirs_all, strict=True)]
        ours = statistics.median(ours_all)
        theirs = statistics.median(theirs_all)
        ratio = statistics.median(ratios)
        spread = f"{min(ratios):.2f}..{max(ratios):.2f}"
        print(f"| {measure:30} | {ours:10,.0f} | {theirs:10,.0f} | {ratio:5.2f}x | {spread:>11} |")


if __name__ == "__main__":
    main()
