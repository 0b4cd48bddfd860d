"""A large multipart upload, streamed: server memory growth and throughput.

Starts uvicorn twice (1 worker each, same options, 127.0.0.1 on free ports, own
process groups, always stopped): one serving an asgiweb app, one a FastAPI app,
each with one route ``POST /upload`` taking an ``UploadFile`` and answering its
size.  A raw socket client then streams a ``multipart/form-data`` body carrying one
file of ``--size`` MiB (default 100) in 64 KiB ``sendall`` calls, alternating
between the two servers for ``--rounds`` rounds.

Per upload it reports:
- **RSS growth**: the server's peak RSS during the upload (``VmHWM`` of
  ``/proc/<pid>/status``, reset before each upload through ``/proc/<pid>/clear_refs``)
  minus its ``VmRSS`` just before it; what the upload costs in memory;
- **MiB/s**: payload size over the time from the first byte sent to the answer read.

Medians over rounds are quoted (and the largest RSS growth), and for throughput
the median of the per-round asgiweb/FastAPI ratios with their spread (min..max):
each round's two uploads are seconds apart, so on a shared machine the ratio
drifts less than either rate.  Targets for asgiweb
(docs/forms.md): RSS growth < 20 MiB, throughput >= FastAPI's.  Needs Linux
(``/proc``), FastAPI and python-multipart.  Not part of ``run.py``:

    .venv/bin/python benchmarks/bench_upload.py [--size 100] [--rounds 7]
    .venv/bin/python benchmarks/bench_upload.py --in-process [--size 100] [--rounds 7]

``--in-process`` times the multipart parsers alone (asgiweb's ``MultiPartParser``
and UploadFile writes against Starlette's, which FastAPI uses), interleaved, on
the same body fed in 64 KiB chunks.
"""

# No `from __future__ import annotations`: the handlers below import their framework
# inside the factory, and their annotations must resolve there.

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
CHUNK = 64 * 1024
BOUNDARY = "bench-upload-boundary-5d1c"
START_TIMEOUT_S = 20.0
UPLOAD_TIMEOUT_S = 300.0


# -- the two apps (uvicorn --factory: each server imports only its own framework) --------


def make_asgiweb_app() -> Any:
    from asgiweb import App, UploadFile

    app = App()

    @app.post("/upload", max_body_size=1 << 40)  # the 1 MiB default is for JSON APIs
    async def upload(file: UploadFile) -> dict[str, Any]:
        return {"size": file.size, "filename": file.filename}

    return app


def make_fastapi_app() -> Any:
    from fastapi import FastAPI, UploadFile

    app = FastAPI()

    @app.post("/upload")
    async def upload(file: UploadFile) -> dict[str, Any]:
        return {"size": file.size, "filename": file.filename}

    return app


FACTORIES = {"asgiweb": "make_asgiweb_app", "fastapi": "make_fastapi_app"}


# -- servers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    tmpdir: Path
    growth_mib: list[float] = field(default_factory=list)
    speed_mib_s: list[float] = field(default_factory=list)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


@contextlib.contextmanager
def serve(name: str, workdir: Path) -> Iterator[Server]:
    port = free_port()
    tmpdir = workdir / name
    tmpdir.mkdir()
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else []
    command = [
        *pin, sys.executable, "-m", "uvicorn", f"benchmarks.bench_upload:{FACTORIES[name]}",
        "--factory", "--host", "127.0.0.1", "--port", str(port),
        "--workers", "1", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    proc = subprocess.Popen(
        command,
        cwd=str(ROOT),
        env={**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(name, port, proc, tmpdir)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"uvicorn for {name} exited with {proc.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn for {name} did not start") from None
                time.sleep(0.05)
        yield server
    finally:
        _stop(proc)


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {key} in /proc/{pid}/status")


def _reset_peak(pid: int) -> None:
    # "5" resets VmHWM to the current RSS (Linux >= 4.0; see proc(5), clear_refs).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


# -- the client ---------------------------------------------------------------------------


def _recv_response(sock: socket.socket) -> tuple[int, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise RuntimeError(f"connection closed before the answer: {data!r}")
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            break
        body += piece
    return status, body


def upload(port: int, size: int) -> tuple[float, dict[str, Any]]:
    """Stream one multipart upload of ``size`` bytes; (seconds, JSON answer)."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="payload.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    request = (
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(head) + size + len(tail)}\r\n\r\n"
    ).encode()
    block = (bytes(range(256)) * (CHUNK // 256))[:CHUNK]
    with socket.create_connection(("127.0.0.1", port), timeout=UPLOAD_TIMEOUT_S) as sock:
        start = time.perf_counter()
        sock.sendall(request + head)
        sent = 0
        while sent < size:
            piece = block if size - sent >= CHUNK else block[: size - sent]
            sock.sendall(piece)
            sent += len(piece)
        sock.sendall(tail)
        status, body = _recv_response(sock)
        elapsed = time.perf_counter() - start
    if status != 200:
        raise RuntimeError(f"upload answered {status}: {body[:300]!r}")
    answer: dict[str, Any] = json.loads(body)
    if answer.get("size") != size:
        raise RuntimeError(f"server saw {answer.get('size')} bytes, sent {size}")
    return elapsed, answer


def measure(server: Server, size: int) -> None:
    pid = server.proc.pid
    _reset_peak(pid)
    before = _status_kib(pid, "VmRSS")
    elapsed, _ = upload(server.port, size)
    peak = _status_kib(pid, "VmHWM")
    server.growth_mib.append((peak - before) / 1024)
    server.speed_mib_s.append(size / MIB / elapsed)
    leftovers = os.listdir(server.tmpdir)
    if leftovers:
        raise RuntimeError(f"{server.name} left temporary files: {leftovers}")


# -- in process: the two multipart parsers alone, no server ------------------------------


def parse_in_process(framework: str, size: int) -> float:
    """MiB/s of one parser on a ``size``-byte file part fed in 64 KiB chunks.

    The parser and UploadFile writes (spooled, then on disk in TMPDIR) are all
    that is timed: no HTTP, no server, no client.
    """
    import asyncio

    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="payload.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    block = (bytes(range(256)) * (CHUNK // 256))[:CHUNK]
    content_type = f"multipart/form-data; boundary={BOUNDARY}"

    async def body() -> Any:
        yield head
        left = size
        while left > 0:
            yield block[: min(CHUNK, left)]
            left -= CHUNK
        yield tail

    async def run() -> float:
        parser: Any
        if framework == "asgiweb":
            from asgiweb.datastructures import Headers
            from asgiweb.formparsers import MultiPartParser

            parser = MultiPartParser(Headers({"content-type": content_type}), body())
        else:
            from starlette.datastructures import Headers as StarletteHeaders
            from starlette.formparsers import MultiPartParser as StarletteParser

            parser = StarletteParser(StarletteHeaders({"content-type": content_type}), body())
        started = time.perf_counter()
        form = await parser.parse()
        elapsed = time.perf_counter() - started
        if form["file"].size != size:
            raise RuntimeError(f"{framework} parsed {form['file'].size} bytes, sent {size}")
        await form.close()
        return size / MIB / elapsed

    return asyncio.run(run())


def in_process(size_mib: int, rounds: int) -> None:
    speeds: dict[str, list[float]] = {name: [] for name in FACTORIES}
    for name in FACTORIES:  # warm-up
        parse_in_process(name, 2 * MIB)
    loads = [os.getloadavg()[0]]
    for index in range(rounds):
        order = list(FACTORIES) if index % 2 == 0 else list(FACTORIES)[::-1]
        for name in order:
            speeds[name].append(parse_in_process(name, size_mib * MIB))
        loads.append(os.getloadavg()[0])
    ratios = [a / f for a, f in zip(speeds["asgiweb"], speeds["fastapi"], strict=True)]
    print(
        f"in process, {size_mib} MiB file part, {rounds} interleaved rounds; "
        f"load average {min(loads):.2f}..{max(loads):.2f}"
    )
    for name, values in speeds.items():
        print(
            f"{name:8} {statistics.median(values):8.1f} MiB/s "
            f"(median; {min(values):.0f}..{max(values):.0f})"
        )
    print(
        f"asgiweb/Starlette parser: median of per-round ratios {statistics.median(ratios):.2f}x "
        f"(spread {min(ratios):.2f}..{max(ratios):.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=100, help="MiB per upload (100)")
    parser.add_argument("--rounds", type=int, default=7, help="uploads per app (7)")
    parser.add_argument(
        "--in-process", action="store_true", help="time the two multipart parsers alone"
    )
    args = parser.parse_args(argv)
    if args.in_process:
        in_process(args.size, args.rounds)
        return 0
    if not Path("/proc/self/status").exists():
        print("needs Linux /proc", file=sys.stderr)
        return 2
    size = args.size * MIB
    loads = [os.getloadavg()[0]]
    with contextlib.ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-upload-")))
        servers = [stack.enter_context(serve(name, workdir)) for name in FACTORIES]
        for server in servers:  # warm-up: imports, first-request paths, parser loaded
            upload(server.port, 2 * MIB)
        for index in range(args.rounds):
            # Each round uploads to both, back to back, the order alternating between
            # rounds: load from other work on the machine falls on both alike.
            order = servers if index % 2 == 0 else servers[::-1]
            for server in order:
                measure(server, size)
                print(
                    f"round {index + 1} {server.name:8} "
                    f"{server.speed_mib_s[-1]:8.1f} MiB/s  "
                    f"RSS +{server.growth_mib[-1]:.1f} MiB",
                    flush=True,
                )
            loads.append(os.getloadavg()[0])
    print(
        f"\n{args.size} MiB multipart upload, {args.rounds} rounds, alternating; "
        f"load average {min(loads):.2f}..{max(loads):.2f}"
    )
    print(f"{'app':10}{'MiB/s (median)':>16}{'RSS growth (median)':>22}{'(max)':>10}")
    for server in servers:
        print(
            f"{server.name:10}{statistics.median(server.speed_mib_s):16.1f}"
            f"{statistics.median(server.growth_mib):20.1f} MiB"
            f"{max(server.growth_mib):6.1f} MiB"
        )
    ours, theirs = servers
    ratios = [a / f for a, f in zip(ours.speed_mib_s, theirs.speed_mib_s, strict=True)]
    print(
        f"throughput asgiweb/FastAPI: median of per-round ratios {statistics.median(ratios):.2f}x "
        f"(spread {min(ratios):.2f}..{max(ratios):.2f}; ahead in "
        f"{sum(r > 1 for r in ratios)} of {len(ratios)} rounds)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
