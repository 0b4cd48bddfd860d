"""run_in_threadpool keeps what anyio.to_thread.run_sync promises a sync handler.

Each semantic is checked on its own: anyio.from_thread inside the function, the bound
on calls running at once, the cancellation shield (anyio cancel scopes and a plain
asyncio ``Task.cancel``), contextvars copied in, exceptions carried out.  Where
anyio's own hop can run the same test, it does (``BOTH``): it is the oracle.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import time
from typing import Any

import anyio
import anyio.from_thread
import anyio.to_thread
import pytest

from asgiweb import _concurrency
from asgiweb._concurrency import THREAD_LIMIT, run_in_threadpool

WAIT_S = 10.0  # every wait below is bounded


async def anyio_hop(func: Any, *args: Any, **kwargs: Any) -> Any:
    """The oracle: anyio's own hop, which run_in_threadpool must behave like."""
    return await anyio.to_thread.run_sync(functools.partial(func, *args, **kwargs))


# tests that run on both: what passes for anyio must pass for ours
BOTH = pytest.mark.parametrize("hop", [run_in_threadpool, anyio_hop], ids=["asgiweb", "anyio"])


@BOTH
def test_returns_the_result_and_passes_arguments(hop: Any) -> None:
    def add(a: int, b: int, *, scale: int) -> tuple[int, str]:
        return (a + b) * scale, threading.current_thread().name

    async def main() -> tuple[int, str]:
        return await hop(add, 1, 2, scale=10)

    value, thread = asyncio.run(main())
    assert value == 30
    assert thread != threading.main_thread().name


@BOTH
def test_from_thread_run_and_run_sync_work_inside(hop: Any) -> None:
    async def on_loop(x: int) -> tuple[int, int]:
        await anyio.sleep(0)
        return x * 2, threading.get_ident()

    def on_loop_sync(x: int) -> tuple[int, int]:
        return x + 1, threading.get_ident()

    def handler() -> tuple[Any, ...]:
        anyio.from_thread.check_cancelled()  # inside a worker thread: no error
        return (
            anyio.from_thread.run(on_loop, 21),
            anyio.from_thread.run_sync(on_loop_sync, 41),
            threading.get_ident(),
        )

    async def main() -> tuple[tuple[Any, ...], int]:
        return await hop(handler), threading.get_ident()

    for (from_async, from_sync, worker), loop_thread in (asyncio.run(main()), anyio.run(main)):
        assert from_async == (42, loop_thread)
        assert from_sync == (42, loop_thread)
        assert worker != loop_thread


def test_at_most_thread_limit_calls_run_at_once() -> None:
    extra = 15
    lock = threading.Lock()
    running = 0
    peak = 0
    release = threading.Event()
    full = threading.Event()

    def blocking() -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            if running == THREAD_LIMIT:
                full.set()
        release.wait(WAIT_S)
        with lock:
            running -= 1
        return 1

    async def main() -> list[int]:
        calls = THREAD_LIMIT + extra
        tasks = [asyncio.ensure_future(run_in_threadpool(blocking)) for _ in range(calls)]
        await asyncio.get_running_loop().run_in_executor(None, full.wait, WAIT_S)
        await asyncio.sleep(0.05)  # give a 41st call every chance to start
        assert peak == THREAD_LIMIT
        release.set()
        return await asyncio.wait_for(asyncio.gather(*tasks), WAIT_S)

    assert asyncio.run(main()) == [1] * (THREAD_LIMIT + extra)
    assert peak == THREAD_LIMIT


def test_a_call_waiting_for_a_slot_can_be_cancelled_and_slots_stay_counted() -> None:
    release = threading.Event()

    def blocking() -> int:
        release.wait(WAIT_S)
        return 1

    async def main() -> None:
        busy = [asyncio.ensure_future(run_in_threadpool(blocking)) for _ in range(THREAD_LIMIT)]
        await asyncio.sleep(0.05)
        waiting = asyncio.ensure_future(run_in_threadpool(blocking))
        await asyncio.sleep(0.01)
        waiting.cancel()  # not started yet: cancelled at once, nothing to shield
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(waiting, WAIT_S)
        release.set()
        assert await asyncio.wait_for(asyncio.gather(*busy), WAIT_S) == [1] * THREAD_LIMIT
        pool = _concurrency._local.pool
        assert pool.busy == 0
        # every slot is free again: THREAD_LIMIT calls can run at once
        gate = threading.Barrier(THREAD_LIMIT, timeout=WAIT_S)
        again = [run_in_threadpool(gate.wait) for _ in range(THREAD_LIMIT)]
        assert len(await asyncio.wait_for(asyncio.gather(*again), WAIT_S)) == THREAD_LIMIT

    asyncio.run(main())


@BOTH
def test_anyio_cancellation_waits_until_the_function_returns(hop: Any) -> None:
    started = threading.Event()
    events: list[str] = []

    def slow() -> None:
        started.set()
        time.sleep(0.2)
        events.append("function returned")

    async def handler() -> None:
        try:
            await hop(slow)
        finally:
            events.append("caller resumed")

    async def main() -> None:
        with anyio.fail_after(WAIT_S):
            async with anyio.create_task_group() as tg:
                tg.start_soon(handler)
                await anyio.to_thread.run_sync(started.wait, WAIT_S)
                tg.cancel_scope.cancel()
        events.append("task group done")

    anyio.run(main)
    assert events == ["function returned", "caller resumed", "task group done"]


def test_asyncio_cancel_waits_until_the_function_returns_then_raises() -> None:
    started = threading.Event()
    events: list[str] = []

    def slow() -> str:
        started.set()
        time.sleep(0.2)
        events.append("function returned")
        return "value"

    async def main() -> None:
        task = asyncio.ensure_future(run_in_threadpool(slow))
        await asyncio.get_running_loop().run_in_executor(None, started.wait, WAIT_S)
        task.cancel()
        await asyncio.sleep(0.01)
        task.cancel()  # a second cancel while shielded changes nothing
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, WAIT_S)
        events.append("caller cancelled")
        assert _concurrency._local.pool.busy == 0

    asyncio.run(main())
    assert events == ["function returned", "caller cancelled"]


@BOTH
def test_check_cancelled_inside_sees_the_callers_cancel_scope(hop: Any) -> None:
    started = threading.Event()
    events: list[str] = []

    def cooperative() -> None:
        started.set()
        deadline = time.monotonic() + WAIT_S
        try:
            while time.monotonic() < deadline:
                anyio.from_thread.check_cancelled()
                time.sleep(0.005)
        except BaseException as exc:  # anyio's cancellation, raised in this thread
            events.append(f"function stopped: {type(exc).__name__}")
            raise
        events.append("function ran out of time")

    async def main() -> None:
        with anyio.fail_after(WAIT_S):
            async with anyio.create_task_group() as tg:
                tg.start_soon(hop, cooperative)
                await anyio.to_thread.run_sync(started.wait, WAIT_S)
                tg.cancel_scope.cancel()
        events.append("task group done")

    anyio.run(main)
    assert events == ["function stopped: CancelledError", "task group done"]


@BOTH
def test_contextvars_are_copied_into_the_thread(hop: Any) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

    def read_and_write() -> str:
        seen = var.get()
        var.set("set in thread")
        return seen

    async def main() -> tuple[str, str]:
        var.set("from caller")
        seen = await hop(read_and_write)
        return seen, var.get()

    assert asyncio.run(main()) == ("from caller", "from caller")


@BOTH
def test_the_functions_exception_is_raised_in_the_caller(hop: Any) -> None:
    error = ValueError("boom")

    def fail() -> None:
        raise error

    def stop() -> None:
        raise StopIteration

    async def main() -> None:
        with pytest.raises(ValueError) as info:
            await hop(fail)
        assert info.value is error
        with pytest.raises(RuntimeError) as stopped:  # a future cannot carry StopIteration
            await hop(stop)
        assert isinstance(stopped.value.__cause__, StopIteration)
        if hop is run_in_threadpool:
            assert _concurrency._local.pool.busy == 0

    asyncio.run(main())


def test_one_thread_may_run_several_loops_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_concurrency, "_IDLE_POLL_S", 0.02)

    def ident() -> int:
        return threading.get_ident()

    async def main() -> int:
        return await run_in_threadpool(ident)

    first = asyncio.run(main())
    second = asyncio.run(main())
    assert first != threading.get_ident() and second != threading.get_ident()
    # the first loop's worker notices its loop closed and exits
    deadline = time.monotonic() + WAIT_S
    while any(t.ident == first for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not any(t.ident == first for t in threading.enumerate())


@pytest.mark.anyio
async def test_public_import_path_is_fastapis() -> None:
    from asgiweb.concurrency import run_in_threadpool as public

    assert public is run_in_threadpool
    assert await public(sum, [1, 2, 3]) == 6


def _open_fds() -> int:
    import os

    return len(os.listdir("/proc/self/fd"))


def test_wake_descriptors_are_closed_once_a_loops_workers_are_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Workers report through a descriptor the loop reads; each pool's descriptor is
    # closed when the pool goes (its loop closed, its workers exited), so running
    # loop after loop does not pile up open files.
    import gc
    import os

    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts open descriptors through /proc")
    monkeypatch.setattr(_concurrency, "_IDLE_POLL_S", 0.02)

    async def main() -> int:
        return await run_in_threadpool(sum, [1, 2])

    before = _open_fds()
    for _ in range(10):
        assert asyncio.run(main()) == 3
    deadline = time.monotonic() + WAIT_S
    while _open_fds() - before > 2 and time.monotonic() < deadline:
        time.sleep(0.02)
        gc.collect()
    assert _open_fds() - before <= 2  # the last pool (kept per thread) and nothing else


def test_a_loop_without_readers_gets_results_through_call_soon_threadsafe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A loop that cannot watch descriptors (a proactor loop) still gets every result
    # and every exception, through loop.call_soon_threadsafe.
    def no_readers(self: Any, *args: Any) -> None:
        raise NotImplementedError

    monkeypatch.setattr(asyncio.SelectorEventLoop, "add_reader", no_readers)
    monkeypatch.setattr(_concurrency._local, "pool", None, raising=False)

    def fail() -> None:
        raise LookupError("from the thread")

    async def main() -> tuple[int, str]:
        results = [await run_in_threadpool(pow, 2, n) for n in range(5)]
        pool = _concurrency._local.pool
        assert pool is not None and pool.wake is None
        with pytest.raises(LookupError) as caught:
            await run_in_threadpool(fail)
        return sum(results), str(caught.value)

    loop = asyncio.SelectorEventLoop()
    try:
        assert loop.run_until_complete(main()) == (31, "from the thread")
    finally:
        loop.close()
