"""Drive ASGI apps directly, in one event loop, and time them.

What the driver does per request, and why:
- The scope is a fresh copy of what uvicorn sends for that request, ``spec_version``
  "2.3" included: frameworks take slower paths (disconnect watchers) below 2.4, and
  uvicorn says 2.3, so that is the case users get.
- ``receive()`` gives the request body once, then blocks until the response is complete
  and only then says ``http.disconnect``, as uvicorn does; a disconnect watcher therefore
  costs here what it costs under a real server.
- Every response is kept and checked (status, content-type, body) after its batch, so a
  broken endpoint fails the run instead of looking fast.
- Apps are interleaved: every round times one batch of every case, in a shuffled order,
  and the figure quoted is the median over rounds. Each batch is sized to take about the
  same wall time whatever the app's speed.

Every wait is bounded: a batch runs under a timeout, lifespan steps too.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import os
import random
import statistics
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    MutableMapping,
)
from dataclasses import dataclass, field
from typing import Any

from benchmarks.records import ENDPOINTS, WS_MESSAGES, Endpoint, check_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# name -> (import spec, label in tables)
APPS: dict[str, tuple[str, str]] = {
    "raw": ("benchmarks.app_raw:app", "raw ASGI"),
    "asgiweb": ("benchmarks.app_asgiweb:app", "asgiweb"),
    "fastapi": ("benchmarks.app_fastapi:app_dict", "FastAPI (dict)"),
    "fastapi-model": ("benchmarks.app_fastapi:app_model", "FastAPI (model)"),
}

BATCH_TIMEOUT_S = 60.0
LIFESPAN_TIMEOUT_S = 10.0


def load_app(spec: str, variant: str = "") -> ASGIApp:
    """The app at ``module:attr``; a variant is the attribute ``attr_variant`` beside it."""
    module_name, _, attr = spec.partition(":")
    if variant:
        attr = f"{attr}_{variant}"
    app: ASGIApp = getattr(importlib.import_module(module_name), attr)
    return app


def load_apps(names: Iterable[str]) -> tuple[dict[str, ASGIApp], dict[str, str]]:
    """Import what can be imported; an app that fails is reported, not fatal."""
    apps: dict[str, ASGIApp] = {}
    errors: dict[str, str] = {}
    for name in names:
        try:
            apps[name] = load_app(APPS[name][0])
        except Exception as exc:  # an app under construction must not stop the others
            errors[name] = f"{type(exc).__name__}: {exc}"
    return apps, errors


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (what uvicorn picks), else asyncio's loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


def loop_name() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"


def scope_template(ep: Endpoint) -> dict[str, Any]:
    """The scope uvicorn builds for this request (its keys and spec version)."""
    headers = [
        (b"host", b"127.0.0.1:8000"),
        (b"user-agent", b"asgiweb-bench"),
        (b"accept", b"*/*"),
        *ep.request_headers,
    ]
    if ep.websocket:
        return {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 54321),
            "scheme": "ws",
            "root_path": "",
            "path": ep.path,
            "raw_path": ep.path.encode(),
            "query_string": ep.query.encode(),
            "headers": [*headers[:3], (b"upgrade", b"websocket"), (b"connection", b"Upgrade")],
            "subprotocols": [],
        }
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 54321),
        "scheme": "http",
        "method": ep.method,
        "root_path": "",
        "path": ep.path,
        "raw_path": ep.path.encode(),
        "query_string": ep.query.encode(),
        "headers": headers,
    }


class Exchange:
    """One request's receive/send pair, and what the app sent."""

    __slots__ = (
        "body", "chunks", "content_type", "done", "headers", "released", "request_sent", "status",
        "waiter",
    )  # fmt: skip

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.request_sent = False
        self.done = False  # the last body message was sent
        self.released = False  # the driver is done with this request, complete or not
        self.status: int | None = None
        self.content_type = ""
        self.headers: Any = ()
        self.chunks: list[bytes] = []
        self.waiter: asyncio.Future[None] | None = None

    async def receive(self) -> Message:
        if not self.request_sent:
            self.request_sent = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        if not (self.done or self.released):
            # Like uvicorn: nothing more to read; wait until the response is complete.
            self.waiter = asyncio.get_running_loop().create_future()
            await self.waiter
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
            self.headers = message.get("headers", ())
            for name, value in self.headers:
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
        elif kind == "http.response.body":
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.done = True
                self._wake()

    def release(self) -> None:
        """Unblock a receive() the app left waiting, e.g. after it returned early."""
        self.released = True
        self._wake()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def problem(self, ep: Endpoint) -> str | None:
        if not self.done:
            return f"{ep.name}: the app returned before completing the response"
        body = b"".join(self.chunks)
        return check_response(ep, self.status, self.content_type, body, self.headers)


class Echo:
    """One WebSocket connection: the messages to send, and the echoes the app sent back."""

    __slots__ = ("accepted", "closed", "echoes", "inbox")

    def __init__(self, texts: list[str]) -> None:
        self.inbox: Iterator[Message] = iter(
            [
                {"type": "websocket.connect"},
                *({"type": "websocket.receive", "text": t} for t in texts),
                {"type": "websocket.disconnect", "code": 1000},
            ]
        )
        self.accepted = False
        self.closed = False
        self.echoes: list[str] = []

    async def receive(self) -> Message:
        # The app echoes each message before it asks for the next, so every receive()
        # is answered at once, as a client waiting for each echo would see it.
        message = next(self.inbox, None)
        if message is None:  # the app read past the disconnect
            raise RuntimeError("receive() after websocket.disconnect")
        return message

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted = True
        elif kind == "websocket.send":
            self.echoes.append(message["text"])
        elif kind == "websocket.close":
            self.closed = True


async def _echo_batch(case: Case, n: int) -> float:
    """n echoes over one connection; returns µs per echo. Raises on a wrong echo."""
    texts = [WS_MESSAGES[i % len(WS_MESSAGES)] for i in range(n)]
    scope = scope_template(case.endpoint)
    scope["state"] = case.state.copy()
    conn = Echo(texts)
    async with asyncio.timeout(BATCH_TIMEOUT_S):
        t0 = time.perf_counter_ns()
        await case.app(scope, conn.receive, conn.send)
        t1 = time.perf_counter_ns()
    if not conn.accepted:
        raise AssertionError(f"{case.endpoint.name}: the connection was not accepted")
    if conn.echoes != texts:
        raise AssertionError(f"{case.endpoint.name}: {len(conn.echoes)} echoes, wrong or missing")
    return (t1 - t0) / n / 1000.0


@contextlib.asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Run the app's lifespan like uvicorn's ``--lifespan auto``; yields the state."""
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    task = asyncio.ensure_future(app(scope, inbox.get, outbox.put))
    supported = True
    await inbox.put({"type": "lifespan.startup"})
    try:
        async with asyncio.timeout(LIFESPAN_TIMEOUT_S):
            got = asyncio.ensure_future(outbox.get())
            await asyncio.wait([got, task], return_when=asyncio.FIRST_COMPLETED)
            if not got.done():
                got.cancel()
                supported = False  # the app returned or raised: no lifespan support
            elif got.result()["type"] != "lifespan.startup.complete":
                raise RuntimeError(f"lifespan startup failed: {got.result()}")
        yield state
    finally:
        if supported and not task.done():
            await inbox.put({"type": "lifespan.shutdown"})
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(LIFESPAN_TIMEOUT_S):
                    await outbox.get()
        if not task.done():
            task.cancel()
        with contextlib.suppress(BaseException):
            await task


async def call(
    app: ASGIApp,
    ep: Endpoint,
    state: dict[str, Any] | None = None,
    timeout: float = BATCH_TIMEOUT_S,
) -> Exchange:
    """One request through the app, bounded in time."""
    scope = scope_template(ep)
    scope["state"] = dict(state or {})
    ex = Exchange(ep.body)
    try:
        async with asyncio.timeout(timeout):
            await app(scope, ex.receive, ex.send)
    finally:
        ex.release()  # release any watcher the app left behind
    return ex


async def check_endpoint(
    app_name: str, ep: Endpoint, timeout: float = BATCH_TIMEOUT_S
) -> str | None:
    """One request (or one echo connection) to the app that serves ``ep``: what is wrong, if any.

    The app is ``APPS[app_name]``, or its middleware variant when ``ep`` names one.
    """
    app = load_app(APPS[app_name][0], ep.variant)
    async with lifespan(app) as state:
        if ep.websocket:
            case = Case((app_name, ep.name), app, ep, state)
            try:
                async with asyncio.timeout(timeout):
                    await _echo_batch(case, len(WS_MESSAGES))
            except AssertionError as exc:
                return str(exc)
            return None
        ex = await call(app, ep, state, timeout)
        return ex.problem(ep)


@dataclass
class Case:
    """One timed cell: an app and the request it answers."""

    key: tuple[str, str]  # (row, column) in the report
    app: ASGIApp
    endpoint: Endpoint
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cell:
    us: float = float("nan")  # median microseconds per request
    spread: float = float("nan")  # interquartile range / median
    batch: int = 0
    byte_identical: bool = True  # every body equal to the reference bytes
    error: str | None = None
    samples: list[float] = field(default_factory=list)


async def _batch(case: Case, n: int, accepted: set[bytes], cell: Cell) -> float:
    """Time n requests; return µs per request. Raises AssertionError on a wrong response."""
    ep = case.endpoint
    if ep.websocket:
        return await _echo_batch(case, max(n, len(WS_MESSAGES)))
    template = scope_template(ep)
    state = case.state
    app = case.app
    exchanges = [Exchange(ep.body) for _ in range(n)]
    async with asyncio.timeout(BATCH_TIMEOUT_S):
        t0 = time.perf_counter_ns()
        for ex in exchanges:
            scope = template.copy()
            scope["state"] = state.copy()
            await app(scope, ex.receive, ex.send)
        t1 = time.perf_counter_ns()
    for ex in exchanges:
        ex.release()  # wake any receive() an app left waiting, so no task outlives the batch
    await asyncio.sleep(0)
    for ex in exchanges:
        body = b"".join(ex.chunks)
        if ex.done and ex.status == ep.status and body in accepted and not ep.expect_headers:
            continue
        problem = ex.problem(ep)
        if problem is not None:
            raise AssertionError(problem)
        accepted.add(body)
        if body != ep.expected and not ep.gunzip:
            cell.byte_identical = False
    return (t1 - t0) / n / 1000.0


def _describe(exc: Exception) -> str:
    if isinstance(exc, AssertionError):
        return str(exc)  # a wrong response: the message says which and how
    if isinstance(exc, TimeoutError):
        return f"no complete answer within {BATCH_TIMEOUT_S:g} s"
    return f"{type(exc).__name__}: {exc}"


async def measure(
    cases: list[Case],
    rounds: int,
    target_s: float,
    progress: Callable[[str], None] | None = None,
) -> dict[tuple[str, str], Cell]:
    """Time every case, interleaved round by round; a failing case is reported, not fatal."""
    cells = {case.key: Cell() for case in cases}
    accepted: dict[tuple[str, str], set[bytes]] = {case.key: set() for case in cases}
    sizes: dict[tuple[str, str], int] = {}
    for case in cases:  # check once, warm up, and size the batch
        cell = cells[case.key]
        try:
            per_us = await _batch(case, 1, accepted[case.key], cell)
            n, spent = 4, 0.0
            deadline = time.perf_counter() + 2.0
            while spent < target_s / 2 and time.perf_counter() < deadline and n <= 20_000:
                per_us = await _batch(case, n, accepted[case.key], cell)
                spent = per_us * n / 1e6
                n *= 2
            sizes[case.key] = max(3, min(50_000, int(target_s / (per_us / 1e6))))
        except Exception as exc:
            cell.error = _describe(exc)
    live = [case for case in cases if cells[case.key].error is None]
    rng = random.Random(1234)
    for r in range(rounds):
        order = list(live)
        rng.shuffle(order)
        for case in order:
            cell = cells[case.key]
            if cell.error is not None:
                continue
            gc.collect()
            try:
                cell.samples.append(await _batch(case, sizes[case.key], accepted[case.key], cell))
            except Exception as exc:
                cell.error = _describe(exc)
        if progress is not None:
            progress(f"round {r + 1}/{rounds}")
    for key, cell in cells.items():
        if cell.samples:
            cell.us = statistics.median(cell.samples)
            if len(cell.samples) >= 4:
                q = statistics.quantiles(cell.samples, n=4)
                cell.spread = (q[2] - q[0]) / cell.us
            cell.batch = sizes[key]
    return cells


async def bench_apps(
    app_names: list[str],
    endpoint_names: list[str],
    rounds: int,
    target_s: float,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[tuple[str, str], Cell], dict[str, str]]:
    """Every app x endpoint; returns cells keyed (app, endpoint) and apps that failed to load."""
    apps, errors = load_apps(app_names)
    async with contextlib.AsyncExitStack() as stack:
        states: dict[str, dict[str, Any]] = {}
        for name, app in apps.items():
            try:
                states[name] = await stack.enter_async_context(lifespan(app))
            except Exception as exc:
                errors[name] = f"lifespan: {exc!r}"
        cases = []
        variants: dict[tuple[str, str], tuple[ASGIApp, dict[str, Any]]] = {}
        for ep_name in endpoint_names:
            ep = ENDPOINTS[ep_name]
            for name in app_names:
                if name not in states or (ep.apps and name not in ep.apps):
                    continue
                if not ep.variant:
                    cases.append(Case((name, ep_name), apps[name], ep, states[name]))
                    continue
                if (name, ep.variant) not in variants:  # its own app, its own lifespan
                    variant_app = load_app(APPS[name][0], ep.variant)
                    state = await stack.enter_async_context(lifespan(variant_app))
                    variants[name, ep.variant] = (variant_app, state)
                variant_app, state = variants[name, ep.variant]
                cases.append(Case((name, ep_name), variant_app, ep, state))
        cells = await measure(cases, rounds, target_s, progress)
    return cells, errors


def run(coro: Awaitable[Any]) -> Any:
    """Run a coroutine in a fresh loop of the kind uvicorn would pick, on one core.

    The loop and every worker thread it starts share one CPU, as they do under the
    HTTP part (uvicorn pinned with ``taskset``): on a small shared machine a thread hop
    between two cores costs two to three times a hop within one, for every framework
    alike, and which case a run gets would otherwise be up to the scheduler.
    """
    with pinned(), asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(coro)  # type: ignore[arg-type]


@contextlib.contextmanager
def pinned() -> Iterator[str]:
    """Pin this thread (and the threads it starts) to the last CPU it may use."""
    setaffinity = getattr(os, "sched_setaffinity", None)
    if setaffinity is None:
        yield "not pinned"
        return
    allowed = os.sched_getaffinity(0)
    cpu = max(allowed)
    setaffinity(0, {cpu})
    try:
        yield f"CPU {cpu}"
    finally:
        setaffinity(0, allowed)
