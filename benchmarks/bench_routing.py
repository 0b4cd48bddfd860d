"""Route lookup must not grow with the number of routes.

Two asgiweb apps, one with 10 routes and one with 1,000, half static
(``/api/v1/static{i}``) and half dynamic (``/api/v1/res{i}/{id:int}``), all sharing the
``/api/v1/`` prefix so a lookup cannot stop at the first segment. The request goes to
the last-registered static route and to the last dynamic route: the worst case for a
router that scans its routes in order. Timed in-process, interleaved, medians; the
ratio 1000/10 should stay near 1. FastAPI gets the same treatment for contrast when it
is installed (it matches routes one regex at a time), except with ``--quick``.

Run alone: ``.venv/bin/python benchmarks/bench_routing.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.inprocess import ASGIApp, Case, Cell, measure, run
from benchmarks.records import Endpoint, reference_json

SIZES = (10, 1000)


def _static_handler(i: int) -> Callable[[], Any]:
    async def handler() -> dict[str, int]:
        return {"route": i}

    return handler


def _dynamic_handler(i: int) -> Callable[..., Any]:
    async def handler(id: int) -> dict[str, int]:
        return {"route": i, "id": id}

    return handler


def route_paths(n: int) -> list[str]:
    return [f"/api/v1/static{i}" if i % 2 == 0 else f"/api/v1/res{i}/{{id:int}}" for i in range(n)]


def asgiweb_app(n: int) -> ASGIApp:
    from asgiweb import App

    app = App()
    for i, path in enumerate(route_paths(n)):
        handler = _static_handler(i) if i % 2 == 0 else _dynamic_handler(i)
        app.get(path, name=f"r{i}")(handler)
    routed: ASGIApp = app
    return routed


def fastapi_app(n: int) -> ASGIApp:
    from fastapi import FastAPI

    app = FastAPI()
    for i, path in enumerate(route_paths(n)):
        handler = _static_handler(i) if i % 2 == 0 else _dynamic_handler(i)
        app.get(path.replace(":int", ""), name=f"r{i}")(handler)
    routed: ASGIApp = app
    return routed


def targets(n: int) -> dict[str, Endpoint]:
    """The last static and the last dynamic route of an n-route app, with their answers."""
    last_static = max(i for i in range(n) if i % 2 == 0)
    last_dynamic = max(i for i in range(n) if i % 2 == 1)
    return {
        "static": Endpoint(
            "static", "GET", f"/api/v1/static{last_static}", "", 200, "application/json",
            reference_json({"route": last_static}),
        ),
        "dynamic": Endpoint(
            "dynamic", "GET", f"/api/v1/res{last_dynamic}/42", "", 200, "application/json",
            reference_json({"route": last_dynamic, "id": 42}),
        ),
    }  # fmt: skip


def build_cases(frameworks: dict[str, Callable[[int], ASGIApp]]) -> tuple[list[Case], list[str]]:
    cases: list[Case] = []
    errors: list[str] = []
    for label, factory in frameworks.items():
        for n in SIZES:
            try:
                app = factory(n)
            except Exception as exc:  # a framework under construction must not stop the rest
                errors.append(f"{label}: {type(exc).__name__}: {exc}")
                break
            for kind, ep in targets(n).items():
                cases.append(Case((f"{label} {kind}", str(n)), app, ep))
    return cases, errors


def bench(quick: bool) -> tuple[dict[tuple[str, str], Cell], list[str]]:
    frameworks: dict[str, Callable[[int], ASGIApp]] = {"asgiweb": asgiweb_app}
    if not quick:  # FastAPI takes seconds to register 1,000 routes: too slow for a smoke test
        try:
            import fastapi  # noqa: F401
        except ImportError:
            pass
        else:
            frameworks["FastAPI"] = fastapi_app
    cases, errors = build_cases(frameworks)
    rounds, target_s = (3, 0.005) if quick else (15, 0.02)
    cells = run(measure(cases, rounds, target_s))
    return cells, errors


def table(cells: dict[tuple[str, str], Cell], errors: list[str]) -> str:
    lines = [
        "| route | µs, 10 routes | µs, 1,000 routes | ratio 1000/10 |",
        "|---|---:|---:|---:|",
    ]
    rows = sorted({row for row, _ in cells}, key=lambda r: (not r.startswith("asgiweb"), r))
    for row in rows:
        small, big = cells.get((row, "10")), cells.get((row, "1000"))
        if small is None or big is None or small.error or big.error:
            why = (small and small.error) or (big and big.error) or "missing"
            lines.append(f"| {row} | error: {why} | | |")
            continue
        lines.append(f"| {row} | {small.us:.2f} | {big.us:.2f} | {big.us / small.us:.2f} |")
    lines.extend(f"\nnot measured: {e}" for e in errors)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller batches")
    args = parser.parse_args(argv)
    cells, errors = bench(args.quick)
    print(table(cells, errors))
    return 0 if not errors and all(c.error is None for c in cells.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
