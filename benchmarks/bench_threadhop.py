"""The thread hop for a plain ``def`` handler: what one call in a worker thread costs.

Designs, each awaited from one event-loop task, one call at a time (what a sync
handler does per request), on a function that returns at once:

- ``anyio to_thread.run_sync``: what asgiweb used before ``run_in_threadpool``;
- ``run_in_executor (bare)``: ``loop.run_in_executor`` with a 40-thread
  ThreadPoolExecutor: no ``anyio.from_thread`` inside, no contextvars, no shield;
- ``run_in_executor + context``: the same with ``copy_context().run``: contextvars,
  still no ``from_thread`` and no shield;
- ``asgiweb run_in_threadpool``: ours (``asgiweb/_concurrency.py``): from_thread works
  inside, at most 40 at once, shielded until the function returns, contextvars copied.

Only the first and the last keep all of those semantics.  Designs are interleaved
round by round in a shuffled order (the machine may be shared: noise comes in
bursts, a median over many short rounds shrugs it off); the table gives the median
µs per call, the interquartile range, and the ratio to the cheapest design that
keeps the semantics.  Run: ``python benchmarks/bench_threadhop.py [--rounds N]
[--calls N] [--uvloop]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import functools
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `asgiweb` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio.to_thread

from asgiweb._concurrency import run_in_threadpool

Hop = Callable[[Callable[[], int]], Awaitable[int]]
KEEPS_SEMANTICS = {"anyio to_thread.run_sync", "asgiweb run_in_threadpool"}


def work() -> int:
    return 1


def designs(executor: ThreadPoolExecutor) -> dict[str, Hop]:
    async def anyio_hop(fn: Callable[[], int]) -> int:
        return await anyio.to_thread.run_sync(fn)

    async def executor_hop(fn: Callable[[], int]) -> int:
        return await asyncio.get_running_loop().run_in_executor(executor, fn)

    async def executor_ctx_hop(fn: Callable[[], int]) -> int:
        ctx = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(executor, ctx.run, fn)

    async def ours(fn: Callable[[], int]) -> int:
        return await run_in_threadpool(fn)

    return {
        "anyio to_thread.run_sync": anyio_hop,
        "run_in_executor (bare)": executor_hop,
        "run_in_executor + context": executor_ctx_hop,
        "asgiweb run_in_threadpool": ours,
    }


Samples = dict[str, list[float]]


async def measure(rounds: int, calls: int) -> tuple[Samples, Samples]:
    """Wall µs per call and CPU µs per call (all threads of the process), per design."""
    executor = ThreadPoolExecutor(max_workers=40)
    hops = designs(executor)
    wall: Samples = {name: [] for name in hops}
    cpu: Samples = {name: [] for name in hops}
    for hop in hops.values():  # warm up: threads started, lazy imports done
        for _ in range(50):
            assert await hop(work) == 1
    rng = random.Random(1234)
    names = list(hops)
    clock, cpu_clock = time.perf_counter, time.process_time
    for _ in range(rounds):
        rng.shuffle(names)
        for name in names:
            hop = hops[name]
            start, cpu_start = clock(), cpu_clock()
            for _ in range(calls):
                await hop(work)
            cpu[name].append((cpu_clock() - cpu_start) / calls * 1e6)
            wall[name].append((clock() - start) / calls * 1e6)
    executor.shutdown(wait=True)
    return wall, cpu


def iqr(values: list[float]) -> float:
    if len(values) < 4:
        return max(values) - min(values)
    q = statistics.quantiles(values, n=4)
    return q[2] - q[0]


def _ratios(samples: Samples, name: str, ref: str) -> list[float]:
    return [a / b for a, b in zip(samples[name], samples[ref], strict=True)]


def table(wall: Samples, cpu: Samples) -> str:
    """Medians and, against the reference, the median of the per-round ratios (the
    designs ran back to back within a round, so a burst of outside load hits both)."""
    med = {name: statistics.median(v) for name, v in wall.items()}
    cmed = {name: statistics.median(v) for name, v in cpu.items()}
    ref = min((n for n in KEEPS_SEMANTICS if n in cmed), key=cmed.__getitem__)
    head = ["design", "wall µs", "ratio", "IQR", "CPU µs", "ratio", "IQR", "semantics"]
    lines = ["{:<28} {:>8} {:>6} {:>5} {:>7} {:>6} {:>5}  {}".format(*head)]
    for name in sorted(med, key=cmed.__getitem__):
        keeps = "all" if name in KEEPS_SEMANTICS else "partial"
        wr, cr = _ratios(wall, name, ref), _ratios(cpu, name, ref)
        lines.append(
            f"{name:<28} {med[name]:>8.1f} {statistics.median(wr):>5.2f}x {iqr(wr):>5.2f}"
            f" {cmed[name]:>7.1f} {statistics.median(cr):>5.2f}x {iqr(cr):>5.2f}  {keeps}"
        )
    lines.append(
        f"ratio: median over rounds of (design / {ref}) in the same round, IQR of those "
        "ratios; reference: the design keeping all the semantics with the lowest CPU time. "
        "CPU: process CPU time (every thread) per call, less sensitive than wall time to "
        "other load on the machine."
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=201)
    parser.add_argument("--calls", type=int, default=20, help="calls per design per round")
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop")
    parser.add_argument("--quick", action="store_true", help="11 rounds of 20 calls")
    args = parser.parse_args()
    rounds, calls = (11, 20) if args.quick else (args.rounds, args.calls)
    runner: Any = asyncio.run
    loop_name = "asyncio"
    if args.uvloop:
        import uvloop

        runner, loop_name = functools.partial(uvloop.run), "uvloop"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    wall, cpu = runner(measure(rounds, calls))
    print(
        f"Thread hop, {loop_name}, {rounds} interleaved rounds x {calls} sequential calls, "
        f"medians (load average at end {load}):"
    )
    print(table(wall, cpu))
    return 0


if __name__ == "__main__":
    sys.exit(main())
