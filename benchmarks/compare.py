"""A quick side-by-side of a few endpoints, in process, for working on one hot path.

Usage: ``.venv/bin/python benchmarks/compare.py deps items [--apps raw,asgiweb,fastapi]
[--rounds 9] [--target-ms 40]``. Same driver, checks and interleaving as the full run
(``benchmarks/run.py``), fewer rounds; it prints µs per request and the ratio of each
app to the first one named in ``--apps``. Quote figures from the full run, not this.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.inprocess import bench_apps, run
from benchmarks.records import ENDPOINTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("endpoints", nargs="+", choices=sorted(ENDPOINTS))
    parser.add_argument("--apps", default="raw,asgiweb,fastapi")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--target-ms", type=float, default=40.0, help="wall time per batch")
    args = parser.parse_args(argv)
    names = args.apps.split(",")
    cells, errors = run(bench_apps(names, args.endpoints, args.rounds, args.target_ms / 1e3))
    for name, error in errors.items():
        print(f"{name}: {error}")
    head = ["endpoint", *names, *(f"{n}/{names[0]}" for n in names[1:])]
    print(" | ".join(head))
    for ep in args.endpoints:
        row = [ep]
        base = cells.get((names[0], ep))
        for name in names:
            cell = cells.get((name, ep))
            row.append("-" if cell is None else cell.error or f"{cell.us:.2f} ±{cell.spread:.0%}")
        for name in names[1:]:
            cell = cells.get((name, ep))
            ok = cell is not None and base is not None and not (cell.error or base.error)
            row.append(f"{cell.us / base.us:.2f}x" if ok and cell and base else "-")
        print(" | ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
