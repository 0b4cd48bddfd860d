"""Running blocking code from async code: FastAPI's ``fastapi.concurrency`` names.

``run_in_threadpool(func, *args, **kwargs)`` runs ``func`` in one of asgiweb's worker
threads (at most 40 at once) and awaits its result; inside the thread
``anyio.from_thread.run`` works, contextvars are a copy of the caller's, and a
cancelled caller waits for the function to return (docs/handlers.md). It is the
hop asgiweb itself uses for plain ``def`` handlers and dependencies
(benchmarks/bench_threadhop.py).
"""

from asgiweb._concurrency import run_in_threadpool

__all__ = ["run_in_threadpool"]
