"""Load each app over real HTTP: uvicorn on one core, wrk on the other.

Rules this module keeps:
- Servers bind 127.0.0.1 only, on a port the kernel just handed out, and run in their own
  process group; they are always killed (SIGTERM, then SIGKILL) in a ``finally``. On
  Linux they also get ``PR_SET_PDEATHSIG``, so even a ``kill -9`` of the harness takes
  them down.
- uvicorn runs 1 worker pinned with ``taskset -c 0``; ``wrk -t1 -c64`` runs pinned to
  core 1, so the two never compete for a core.
- Before an endpoint is loaded, one real request checks its status and body; during the
  load, wrk's counts of non-2xx responses, socket errors and timeouts are reported.
- Apps are alternated in short bursts: all servers of one configuration are up at once
  (idle ones cost nothing); endpoint by endpoint, every round loads each app once for
  one short wrk run, in a shuffled order, so the apps compared in a round ran within a
  few seconds of each other.  On a shared machine outside load comes and goes in bursts:
  the figure quoted for a comparison is the median over rounds of the per-round ratio
  (app req/s / raw req/s in the same round), with its interquartile range; req/s
  medians are shown too.
- Every wait is bounded (server start, requests, wrk runs).
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.inprocess import APPS
from benchmarks.records import ENDPOINTS, Endpoint, check_response

ROOT = Path(__file__).resolve().parent.parent
SERVER_START_TIMEOUT_S = 20.0

# name -> uvicorn options; h11 keeps uvicorn's default loop ("auto": uvloop when installed)
SERVERS: dict[str, list[str]] = {
    "httptools": ["--http", "httptools", "--loop", "uvloop"],
    "h11": ["--http", "h11"],
}


def _apt_get(*args: str) -> None:
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        subprocess.run(
            ["apt-get", *args],
            check=False,
            timeout=300,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )


def find_wrk(log: Callable[[str], None]) -> str | None:
    """wrk's path; installs it with apt-get when running as root and it is missing."""
    path = shutil.which("wrk")
    if path is not None:
        return path
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        log("wrk not found; trying `apt-get install -y wrk`")
        _apt_get("install", "-y", "wrk")
        if shutil.which("wrk") is None:  # stale package lists: refresh, then try once more
            _apt_get("update")
            _apt_get("install", "-y", "wrk")
        return shutil.which("wrk")
    return None


def pin_prefix(core: int) -> list[str]:
    """``taskset -c core`` when there are at least two cores to split, else nothing."""
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        return []
    return ["taskset", "-c", str(core)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking Linux to SIGKILL the child when the harness dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved here, not in the child
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def setup() -> None:
        prctl(pr_set_pdeathsig, signal.SIGKILL)

    return setup


@dataclass
class Server:
    app: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            log = server.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"uvicorn for {server.app} exited: {log}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"uvicorn for {server.app} did not start in {SERVER_START_TIMEOUT_S} s")


def _start(app: str, options: list[str], log_dir: Path) -> Server:
    spec = APPS[app][0]
    last_error: Exception | None = None
    for _attempt in range(3):  # the port may be taken between free_port() and bind
        port = free_port()
        log_path = log_dir / f"uvicorn-{app}-{port}.log"
        cmd = [
            *pin_prefix(0),
            sys.executable, "-m", "uvicorn", spec,
            "--app-dir", str(ROOT),
            "--host", "127.0.0.1", "--port", str(port),
            "--workers", "1", "--no-access-log", "--log-level", "warning",
            *options,
        ]  # fmt: skip
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent(),
            )
        server = Server(app, port, proc, log_path)
        try:
            _wait_ready(server)
            return server
        except Exception as exc:
            _stop(proc)
            last_error = exc
    raise RuntimeError(str(last_error))


@contextlib.contextmanager
def servers(
    apps: list[str], options: list[str], log_dir: Path
) -> Iterator[tuple[dict[str, Server], dict[str, str]]]:
    """Start one uvicorn per app; all of them are killed on the way out, whatever happens.

    Yields the running servers and, for apps whose server would not start, why.
    """
    started: dict[str, Server] = {}
    failed: dict[str, str] = {}
    try:
        for app in apps:
            try:
                started[app] = _start(app, options, log_dir)
            except RuntimeError as exc:
                failed[app] = str(exc)[-500:]
        yield started, failed
    finally:
        for server in started.values():
            _stop(server.proc)


def verify(port: int, ep: Endpoint) -> str | None:
    """One real request; returns what is wrong with the answer, or None."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {k.decode(): v.decode() for k, v in ep.request_headers}
        conn.request(ep.method, ep.target, body=ep.body or None, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        return check_response(ep, resp.status, resp.getheader("content-type", ""), body)
    except (OSError, http.client.HTTPException) as exc:
        return f"{ep.name}: {exc!r}"
    finally:
        conn.close()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    rps: float
    p99_ms: float
    errors: int  # non-2xx/3xx responses plus connect/read/write errors: something broke
    timeouts: int  # requests wrk gave up on after its 2 s timeout: a slow server


def parse_wrk(text: str) -> WrkResult:
    """Read req/s, the 99th percentile latency and error counts from ``wrk --latency``."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s*99(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\b", text, re.MULTILINE)
    if rps is None or p99 is None:
        raise ValueError(f"unexpected wrk output: {text[-500:]!r}")
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    timeouts = 0
    if sock:
        errors += sum(int(g) for g in sock.groups()[:3])
        timeouts = int(sock.group(4))
    p99_ms = float(p99.group(1)) * _UNITS[p99.group(2)]
    return WrkResult(float(rps.group(1)), p99_ms, errors, timeouts)


def run_wrk(wrk: str, url: str, seconds: float) -> WrkResult:
    cmd = [*pin_prefix(1), wrk, "-t1", "-c64", f"-d{max(1, round(seconds))}s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=False)
    return parse_wrk(out.stdout + out.stderr)


@dataclass
class HttpCell:
    rps: float = float("nan")
    p99_ms: float = float("nan")
    errors: int = 0
    timeouts: int = 0
    spread: float = float("nan")  # interquartile range / median of the rounds' req/s
    error: str | None = None
    samples: list[WrkResult] = field(default_factory=list)
    # this app's req/s over the raw app's in the same round, one per round with both
    ratios: list[float] = field(default_factory=list)
    ratio: float = float("nan")  # median of ratios
    ratio_iqr: float = float("nan")  # interquartile range of ratios


def iqr(values: list[float]) -> float:
    """Interquartile range (for fewer than 4 values: the whole range)."""
    if not values:
        return float("nan")
    if len(values) < 4:
        return max(values) - min(values)
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[2] - q[0]


def summarise(cells: dict[tuple[str, str], HttpCell], reference: str = "raw") -> None:
    """Fill each cell's medians from its samples (and ratios, already per round)."""
    for cell in cells.values():
        if cell.samples:
            cell.rps = statistics.median(s.rps for s in cell.samples)
            if cell.rps > 0:
                cell.spread = iqr([s.rps for s in cell.samples]) / cell.rps
            cell.p99_ms = statistics.median(s.p99_ms for s in cell.samples)
            cell.errors = sum(s.errors for s in cell.samples)
            cell.timeouts = sum(s.timeouts for s in cell.samples)
        if cell.ratios:
            cell.ratio = statistics.median(cell.ratios)
            cell.ratio_iqr = iqr(cell.ratios)


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][-300:] if lines else "(no output)"


def bench_server(
    wrk: str,
    server_name: str,
    apps: list[str],
    endpoints: list[str],
    rounds: int,
    seconds: float,
    log_dir: Path,
    log: Callable[[str], None],
) -> dict[tuple[str, str], HttpCell]:
    """All apps under one uvicorn configuration; cells keyed (app, endpoint)."""
    cells = {(app, ep): HttpCell() for app in apps for ep in endpoints}
    startable: list[str] = []
    for app in apps:  # an app that cannot even be imported gets one clear message
        probe = subprocess.run(
            [sys.executable, "-c", f"import {APPS[app][0].partition(':')[0]}"],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if probe.returncode == 0:
            startable.append(app)
        else:
            for ep in endpoints:
                cells[app, ep].error = "import failed: " + _last_line(probe.stderr)
    with servers(startable, SERVERS[server_name], log_dir) as (running, failed):
        for app, why in failed.items():
            for ep in endpoints:
                cells[app, ep].error = "server did not start: " + why
        live: list[tuple[str, str]] = []
        for app, server in running.items():
            for ep in endpoints:
                problem = verify(server.port, ENDPOINTS[ep])
                if problem is None:
                    live.append((app, ep))
                else:
                    cells[app, ep].error = problem
            if any(a == app for a, _ in live):  # warm up: lazy imports, caches
                with contextlib.suppress(ValueError, subprocess.SubprocessError):
                    run_wrk(wrk, f"http://127.0.0.1:{server.port}/plaintext", 1)
        rng = random.Random(4321)
        for ep in endpoints:
            apps_here = [app for app in apps if (app, ep) in live]
            for r in range(rounds):
                rng.shuffle(apps_here)
                got: dict[str, float] = {}
                for app in apps_here:
                    url = f"http://127.0.0.1:{running[app].port}{ENDPOINTS[ep].target}"
                    try:
                        result = run_wrk(wrk, url, seconds)
                    except (ValueError, subprocess.SubprocessError) as exc:
                        cells[app, ep].error = repr(exc)
                        continue
                    cells[app, ep].samples.append(result)
                    got[app] = result.rps
                    if running[app].proc.poll() is not None:
                        cells[app, ep].error = f"uvicorn for {app} died during the load"
                if got.get("raw"):
                    for app, rps in got.items():
                        cells[app, ep].ratios.append(rps / got["raw"])
                log(f"  {server_name} {ep}: round {r + 1}/{rounds} done")
    summarise(cells)
    return cells
