"""asgiweb against FastAPI and a raw ASGI floor: ``make bench``.

Parts (``--only`` picks one): ``inprocess`` (every app's ASGI callable driven directly,
then the routing benchmark), ``http`` (uvicorn + wrk), ``import`` (import time and RSS),
``encoder`` (``bench_encoder.py``), ``params`` (``bench_params.py``: a handler with a
path parameter, two query parameters and a body, next to FastAPI's), ``threadhop``
(``bench_threadhop.py``: running a plain ``def`` in a worker thread), ``funcmw``
(``bench_funcmw_floor.py``: what the function-middleware contract costs). A full run prints
every table and writes them to ``benchmarks/RESULTS.md``, led by two charts drawn from
the same data (``inprocess.png``, ``http.png`` next to it; needs matplotlib, in the
``bench`` extra); ``--quick`` or ``--only`` runs print only, unless ``--output`` names a
file. A full run takes about 6 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import bench_routing, http_load, import_cost, inprocess, report
from benchmarks.records import ENDPOINTS

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APPS = ["raw", "asgiweb", "fastapi", "fastapi-model"]
HTTP_ENDPOINTS = ["plaintext", "json", "items", "encoded"]
PARTS = ("inprocess", "routing", "http", "import", "encoder", "params", "threadhop", "funcmw")


@dataclass
class Settings:
    rounds: int  # in-process rounds
    batch_s: float  # in-process batch wall time
    http: dict[str, tuple[int, list[str]]]  # server -> (rounds, endpoints)
    http_seconds: float  # per wrk run
    import_runs: int


# Short, many interleaved rounds: on a shared 2-core machine noise comes in bursts, and a
# median over many short samples shrugs them off better than one long sample.
FULL = Settings(31, 0.012, {"httptools": (7, HTTP_ENDPOINTS), "h11": (5, HTTP_ENDPOINTS)}, 1.0, 11)
QUICK = Settings(3, 0.003, {s: (1, ["plaintext", "json"]) for s in http_load.SERVERS}, 1.0, 2)


@dataclass
class Summary:
    """What the targets are checked against."""

    inprocess: dict[tuple[str, str], inprocess.Cell] | None = None
    http: dict[str, dict[tuple[str, str], http_load.HttpCell]] | None = None
    http_endpoints: dict[str, list[str]] | None = None  # server -> endpoints loaded
    imports: dict[str, import_cost.ImportCell] | None = None


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn SIGTERM into an exception so every `finally` runs and no server is left behind.
    raise SystemExit(128 + signum)


def part_inprocess(s: Settings, out: list[str], summary: Summary) -> None:
    log(f"in-process: {len(APPS)} apps x {len(ENDPOINTS)} endpoints, {s.rounds} rounds")
    cells, errors = inprocess.run(
        inprocess.bench_apps(APPS, list(ENDPOINTS), s.rounds, s.batch_s, log)
    )
    summary.inprocess = cells
    out += [
        "## In-process",
        "",
        f"Each app's ASGI callable driven directly in one {inprocess.loop_name()} event loop, "
        "pinned to one CPU with the worker threads it starts (as uvicorn is in the HTTP part), "
        "with uvicorn's scope (ASGI spec_version 2.3) and a receive() that blocks until the "
        "response is complete; apps interleaved over "
        f"{s.rounds} rounds, every response checked (status, content-type, body).",
        "",
        report.inprocess_tables(cells, APPS, list(ENDPOINTS)),
        report.problems(
            [f"{report.label(a)} not loaded: {e}" for a, e in errors.items()]
            + [
                f"{report.label(a)} {ep}: {c.error}"
                for (a, ep), c in cells.items()
                if c.error is not None
            ]
        ),
        "",
    ]


def part_routing(s: Settings, out: list[str], quick: bool) -> None:
    log("routing: 10 vs 1,000 routes")
    cells, errors = bench_routing.bench(quick)
    out += [
        "## Routing: 10 vs 1,000 routes",
        "",
        "Request to the last-registered static route and the last dynamic (`{id:int}`) "
        "route, in-process; the ratio should stay near 1.",
        "",
        bench_routing.table(cells, errors),
        "",
    ]


def part_http(s: Settings, out: list[str], summary: Summary) -> None:
    out += ["## Over HTTP (uvicorn, 1 worker)", ""]
    wrk = http_load.find_wrk(log)
    if wrk is None:
        msg = (
            "wrk is not installed and could not be installed (as root, the bench runs "
            "`apt-get install -y wrk`): HTTP part skipped. Install wrk to run it."
        )
        log(msg)
        out += [msg, ""]
        return
    pin = "`taskset -c 0`" if http_load.pin_prefix(0) else "unpinned (fewer than 2 cores)"
    out += [
        f"uvicorn {pin}, load from `taskset -c 1 wrk -t1 -c64 -d{s.http_seconds:g}s --latency`; "
        "each endpoint checked with one real request first. Endpoint by endpoint, every "
        "round loads each app once in a shuffled order (short bursts, so the apps of a "
        "round ran seconds apart); a comparison is the median over rounds of the ratio "
        "within each round, with its interquartile range (IQR).",
        "",
    ]
    results: dict[str, dict[tuple[str, str], http_load.HttpCell]] = {}
    with tempfile.TemporaryDirectory(prefix="asgiweb-bench-") as tmp:
        for server, (rounds, endpoints) in s.http.items():
            opts = " ".join(http_load.SERVERS[server])
            log(f"http: {server} ({opts}): {len(APPS)} apps x {len(endpoints)} endpoints")
            cells = http_load.bench_server(
                wrk, server, APPS, endpoints, rounds, s.http_seconds, Path(tmp), log
            )
            results[server] = cells
            out += [
                f"### uvicorn {opts} ({rounds} rounds)",
                "",
                report.http_tables(server, cells, APPS, endpoints),
                report.problems(
                    [
                        f"{report.label(a)} {ep}: {c.error}"
                        for (a, ep), c in cells.items()
                        if c.error is not None
                    ]
                ),
                "",
            ]
    summary.http = results
    summary.http_endpoints = {server: eps for server, (_, eps) in s.http.items()}


def part_import(s: Settings, out: list[str], summary: Summary) -> None:
    log(f"import: {len(import_cost.TARGETS)} targets x {s.import_runs} runs")
    cells = import_cost.measure(s.import_runs, log=log)
    summary.imports = cells
    out += [
        "## Import cost",
        "",
        f"Fresh interpreter per sample, median of {s.import_runs}: time of the import "
        "statement alone, wall time of the whole process, peak RSS (VmHWM) after the "
        "import, modules loaded.",
        "",
        report.import_table(cells, import_cost.TARGETS),
        "",
    ]


def part_script(name: str, title: str, quick_args: list[str], out: list[str]) -> None:
    """Run a standalone benchmark script and put its printed table in the report."""
    script = HERE / f"{name}.py"
    if not script.exists():
        log(f"{name}: benchmarks/{name}.py not present, skipped")
        return
    cmd = [sys.executable, str(script), *quick_args]
    log(f"{name}: {shlex.join(cmd)}")
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
            start_new_session=True,
        )  # fmt: skip
        text = proc.stdout.strip() or proc.stderr.strip()[-2000:]
        status = "" if proc.returncode == 0 else f" (exit status {proc.returncode})"
    except subprocess.TimeoutExpired:
        text, status = "", " (timed out after 300 s)"
    out += [f"## {title} (`benchmarks/{name}.py`){status}", "", "```text", text, "```", ""]


def _load() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def charts(summary: Summary, folder: Path) -> list[str]:
    """Write the charts next to the report; markdown lines that show them first."""
    lines: list[str] = []
    if summary.inprocess is not None:
        path = folder / "inprocess.png"
        if report.inprocess_chart(summary.inprocess, APPS, list(ENDPOINTS), path):
            lines += [f"![µs per request, in-process]({path.name})", ""]
    if summary.http and summary.http_endpoints:
        path = folder / "http.png"
        if report.http_chart(summary.http, APPS, summary.http_endpoints, path):
            lines += [f"![requests per second over HTTP]({path.name})", ""]
    if not lines and (summary.inprocess is not None or summary.http):
        log("charts skipped: matplotlib is not installed (pip install 'asgiweb[bench]')")
    return lines


def header(args: argparse.Namespace, argv: list[str]) -> list[str]:
    m = report.machine()
    v = report.versions()
    now = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        "# asgiweb benchmarks",
        "",
        f"Run {now} with `{shlex.join(['python', 'benchmarks/run.py', *argv])}`"
        + (" (quick: small counts, not for quoting)" if args.quick else "")
        + ".",
        "",
        f"Machine: {m['nproc']} CPUs, {m['cpu']}; {m['system']}; load average at start "
        f"{_load()} (other work on the machine shows up as noise).",
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        "Apps (`benchmarks/`): `app_raw.py` (hand-written ASGI, the floor), `app_asgiweb.py`, "
        "`app_fastapi.py` twice: `app_dict` (handlers return dicts and dataclasses: "
        "jsonable_encoder + json.dumps) and `app_model` (typed returns: pydantic-core). "
        "Compare ratios within one run, not absolute numbers across runs. The raw app "
        "answers `/json-sync` inline: a raw ASGI app has no thread pool to hop to.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small counts (smoke test)")
    parser.add_argument("--only", choices=PARTS, help="run one part (inprocess includes routing)")
    parser.add_argument("--output", type=Path, help="write the tables here (default: "
                        "benchmarks/RESULTS.md on a full run, nothing otherwise)")  # fmt: skip
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    wanted = {args.only} if args.only else set(PARTS)
    if "inprocess" in wanted:
        wanted.add("routing")
    started = time.monotonic()
    out = header(args, argv)
    summary = Summary()
    targets_at = len(out)
    if "inprocess" in wanted:
        part_inprocess(settings, out, summary)
    if "routing" in wanted:
        part_routing(settings, out, args.quick)
    if "http" in wanted:
        part_http(settings, out, summary)
    if "import" in wanted:
        part_import(settings, out, summary)
    if "encoder" in wanted:
        part_script("bench_encoder", "Encoder", ["--quick"] if args.quick else [], out)
    if "params" in wanted:
        quick_params = ["--rounds", "3", "--batch", "50"] if args.quick else ["--uvloop"]
        part_script("bench_params", "Handler parameters", quick_params, out)
    if "threadhop" in wanted:
        quick_hop = ["--quick", "--uvloop"] if args.quick else ["--uvloop"]
        part_script("bench_threadhop", "Thread hop for a plain def", quick_hop, out)
    if "funcmw" in wanted:
        quick_floor = ["--quick"] if args.quick else []
        part_script("bench_funcmw_floor", "What function middleware costs", quick_floor, out)
    checks = report.targets(summary.inprocess, summary.http, summary.imports)
    if checks:
        out[targets_at:targets_at] = [
            "## asgiweb's targets",
            "",
            '"FastAPI" is the faster of its two paths on each endpoint.',
            "",
            report.targets_table(checks),
            "",
        ]
    out.append(
        f"Total run time: {time.monotonic() - started:.0f} s; load average at end {_load()}."
    )
    target = args.output or (None if args.quick or args.only else HERE / "RESULTS.md")
    if target is not None:  # the pictures lead: right under the title
        out[2:2] = charts(summary, target.parent)
    text = "\n".join(out) + "\n"
    print(text)
    if target is not None:
        target.write_text(text)
        log(f"wrote {target}")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    signal.signal(signal.SIGTERM, _sigterm)
    sys.exit(main())
