"""Where an app's time goes on one endpoint: cProfile over in-process requests.

Usage: ``.venv/bin/python benchmarks/profile_endpoint.py [ENDPOINT ...] [--app asgiweb]
[-n 5000] [--top 25] [--sort tottime]``. Requests go through the same driver as the
benchmark (uvicorn-like scope and receive), every response is checked, and the report
lists the top functions. cProfile slows Python code several times over, so read the
shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.inprocess import APPS, ASGIApp, Exchange, lifespan, load_app, run, scope_template
from benchmarks.records import ENDPOINTS, Endpoint


async def _drive(app: ASGIApp, ep: Endpoint, n: int, profiler: cProfile.Profile | None) -> None:
    async with lifespan(app) as state:
        template = scope_template(ep)
        exchanges = [Exchange(ep.body) for _ in range(n)]
        if profiler is not None:
            profiler.enable()
        try:
            for ex in exchanges:
                scope = template.copy()
                scope["state"] = state.copy()
                await app(scope, ex.receive, ex.send)
        finally:
            if profiler is not None:
                profiler.disable()
        for ex in exchanges:
            problem = ex.problem(ep)
            ex.release()
            if problem is not None:
                raise AssertionError(problem)


def profile(app_name: str, endpoint: str, n: int, top: int, sort: str) -> str:
    ep = ENDPOINTS[endpoint]
    app = load_app(APPS[app_name][0], ep.variant)  # a middleware variant: its own app
    run(_drive(app, ep, min(n, 500), None))  # warm up: lazy imports, caches
    profiler = cProfile.Profile()
    run(_drive(app, ep, n, profiler))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    return (
        f"## {app_name} {ep.method} {ep.target} ({n} requests, sorted by {sort})\n{out.getvalue()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cProfile one app's endpoints in-process")
    parser.add_argument("endpoints", nargs="*", help=f"any of {', '.join(ENDPOINTS)}")
    parser.add_argument("--app", default="asgiweb", choices=list(APPS))
    parser.add_argument("-n", type=int, default=5000, help="requests to profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative", "ncalls"])
    args = parser.parse_args(argv)
    unknown = [e for e in args.endpoints if e not in ENDPOINTS]
    if unknown:
        parser.error(f"unknown endpoint(s) {unknown}; choose from {list(ENDPOINTS)}")
    for endpoint in args.endpoints or ["plaintext"]:
        print(profile(args.app, endpoint, args.n, args.top, args.sort))
    return 0


if __name__ == "__main__":
    sys.exit(main())
