"""The static route must cost no more per request than a handler returning FileResponse.

Three apps serve the same 1 KiB files, ``site.css`` and ``css/site.css``, from a
temporary directory:

- ``asgiweb StaticFiles``: ``app.mount("/static", StaticFiles(directory=...))``;
- ``asgiweb StaticFiles, follow_symlink``: the same with ``follow_symlink=True``
  (one ``stat`` per request, no link check: what the check costs);
- ``asgiweb FileResponse handler``: one ``@app.get`` route per file returning
  ``FileResponse(path)``, the baseline (no containment checks at all);
- ``Starlette StaticFiles``: Starlette's own app and ``Mount``, for contrast.

Four requests each: a whole GET (the body is read in a worker thread, which
dominates), a HEAD, and conditional GETs answered 304 (``If-Modified-Since`` in
the future), which isolate what the route itself costs, for the nested file and
for the top-level one (StaticFiles checks each directory level under its root
for symbolic links: one ``lstat`` per level).

Each cell shows two medians: wall-clock (the shared driver, which also checks
every answer) and CPU time of this process (its own interleaved rounds), which
stays comparable on a machine shared with other work. Timed in-process with
the driver of ``benchmarks/inprocess.py``: interleaved rounds, median per request.

Run alone: ``.venv/bin/python benchmarks/bench_static.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asgiweb.responses import FileResponse
from benchmarks.inprocess import ASGIApp, Case, Cell, Exchange, measure, run, scope_template
from benchmarks.records import Endpoint

CONTENT = (b"body { margin: 0; padding: 0; color: #222; }\n" * 24)[:1024]
REQUESTS = ("GET", "HEAD", "GET 304", "GET 304 top-level")


def make_directory() -> str:
    root = tempfile.mkdtemp(prefix="asgiweb-bench-static-")
    os.mkdir(os.path.join(root, "css"))
    for path in (("css", "site.css"), ("site.css",)):
        with open(os.path.join(root, *path), "wb") as file:
            file.write(CONTENT)
    return root


def asgiweb_static(root: str) -> ASGIApp:
    from asgiweb import App
    from asgiweb.staticfiles import StaticFiles

    app = App()
    app.mount("/static", StaticFiles(directory=root), name="static")
    served: ASGIApp = app
    return served


def asgiweb_static_follow(root: str) -> ASGIApp:
    from asgiweb import App
    from asgiweb.staticfiles import StaticFiles

    app = App()
    app.mount("/static", StaticFiles(directory=root, follow_symlink=True), name="static")
    served: ASGIApp = app
    return served


def asgiweb_handler(root: str) -> ASGIApp:
    from asgiweb import App

    app = App()
    nested = os.path.join(root, "css", "site.css")
    top = os.path.join(root, "site.css")

    @app.get("/static/css/site.css")
    async def site_css() -> FileResponse:
        return FileResponse(nested)

    @app.get("/static/site.css")
    async def top_css() -> FileResponse:
        return FileResponse(top)

    served: ASGIApp = app
    return served


def starlette_static(root: str) -> ASGIApp:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    served: ASGIApp = Starlette(routes=[Mount("/static", StaticFiles(directory=root))])
    return served


def endpoints() -> dict[str, Endpoint]:
    future = formatdate(2**31 - 1, usegmt=True).encode("ascii")
    path = "/static/css/site.css"
    return {
        "GET": Endpoint("GET", "GET", path, "", 200, "text/css", CONTENT),
        "HEAD": Endpoint("HEAD", "HEAD", path, "", 200, "text/css", b""),
        "GET 304": Endpoint(
            "GET 304", "GET", path, "", 304, "", b"",
            request_headers=((b"if-modified-since", future),),
        ),
        "GET 304 top-level": Endpoint(
            "GET 304 top-level", "GET", "/static/site.css", "", 304, "", b"",
            request_headers=((b"if-modified-since", future),),
        ),
    }  # fmt: skip


Key = tuple[str, str]


def bench(quick: bool) -> tuple[dict[Key, Cell], dict[Key, float], list[str]]:
    root = make_directory()
    frameworks: dict[str, Callable[[str], ASGIApp]] = {
        "asgiweb StaticFiles": asgiweb_static,
        "asgiweb StaticFiles, follow_symlink": asgiweb_static_follow,
        "asgiweb FileResponse handler": asgiweb_handler,
    }
    try:
        import starlette  # noqa: F401
    except ImportError:
        pass
    else:
        frameworks["Starlette StaticFiles"] = starlette_static
    cases: list[Case] = []
    errors: list[str] = []
    for label, factory in frameworks.items():
        try:
            app = factory(root)
        except Exception as exc:  # one app failing must not stop the others
            errors.append(f"{label}: {type(exc).__name__}: {exc}")
            continue
        for name, ep in endpoints().items():
            cases.append(Case((label, name), app, ep))
    rounds, target_s = (3, 0.005) if quick else (15, 0.05)
    try:
        cells = run(measure(cases, rounds, target_s))
        live = [case for case in cases if cells[case.key].error is None]
        cpu = run(measure_cpu(live, rounds, 50 if quick else 2000))
    finally:
        import shutil

        shutil.rmtree(root)
    return cells, cpu, errors


async def measure_cpu(cases: list[Case], rounds: int, n: int) -> dict[Key, float]:
    """Median CPU time (all threads of this process) per request over interleaved rounds.

    On a shared machine the wall clock also counts other processes' time slices;
    CPU time counts only the work done here, so it stays comparable between apps.
    """
    import random
    import statistics

    samples: dict[Key, list[float]] = {case.key: [] for case in cases}
    order = list(cases)
    rng = random.Random(4321)
    for _ in range(rounds):
        rng.shuffle(order)
        for case in order:
            template = scope_template(case.endpoint)
            exchanges = [Exchange(case.endpoint.body) for _ in range(n)]
            start = time.process_time_ns()
            for ex in exchanges:
                scope = template.copy()
                scope["state"] = {}
                await case.app(scope, ex.receive, ex.send)
            spent = time.process_time_ns() - start
            for ex in exchanges:
                ex.release()
            problem = exchanges[-1].problem(case.endpoint)
            if problem is not None:
                raise AssertionError(problem)
            samples[case.key].append(spent / n / 1000.0)
    return {key: statistics.median(values) for key, values in samples.items()}


def table(cells: dict[Key, Cell], cpu: dict[Key, float], errors: list[str]) -> str:
    lines = [
        "| µs per request, median: wall / CPU | " + " | ".join(REQUESTS) + " |",
        "|---|" + "---:|" * len(REQUESTS),
    ]
    for row in dict.fromkeys(row for row, _ in cells):
        values = []
        for column in REQUESTS:
            cell = cells.get((row, column))
            if cell is None or cell.error:
                values.append(f"error: {cell.error if cell else 'missing'}")
            else:
                spent = cpu.get((row, column))
                values.append(f"{cell.us:.1f}" + ("" if spent is None else f" / {spent:.1f}"))
        lines.append(f"| {row} | " + " | ".join(values) + " |")
    lines.extend(f"\nnot measured: {e}" for e in errors)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller batches")
    args = parser.parse_args(argv)
    cells, cpu, errors = bench(args.quick)
    print(table(cells, cpu, errors))
    return 0 if not errors and all(c.error is None for c in cells.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
