"""Run a real uvicorn in a subprocess and talk to it with the h11 library.

Every wait here is bounded; the server runs in its own process group and is
killed in a ``finally``, so a failing test cannot leave it behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import h11

REPO = Path(__file__).resolve().parents[2]
APP_DIR = Path(__file__).resolve().parent  # holds apps/, the apps these tests serve


def http_implementations() -> list[str]:
    """``h11`` always; ``httptools`` when it is installed."""
    found = ["h11"]
    try:
        import httptools  # noqa: F401
    except ImportError:
        pass
    else:
        found.append("httptools")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    output: list[bytes] = field(default_factory=list)

    def connect(self, timeout: float = 5.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


@contextlib.contextmanager
def run_server(
    app: str,
    *,
    app_dir: Path | str = APP_DIR,
    http: str = "h11",
    extra: Sequence[str] = (),
    env: dict[str, str] | None = None,
    startup_timeout: float = 15.0,
) -> Iterator[Server]:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", app,
        "--app-dir", str(app_dir),
        "--host", "127.0.0.1", "--port", str(port),
        "--http", http, "--loop", "asyncio", "--log-level", "warning",
        *extra,
    ]  # fmt: skip
    with run_command(command, port, env=env, startup_timeout=startup_timeout) as server:
        yield server


@contextlib.contextmanager
def run_command(
    command: Sequence[str],
    port: int,
    *,
    env: dict[str, str] | None = None,
    startup_timeout: float = 15.0,
) -> Iterator[Server]:
    """Start any server ``command`` listening on ``port``; stop its process group on exit."""
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, **(env or {})},
        cwd=str(REPO),
    )
    server = Server(port, process)
    name = command[2] if len(command) > 2 and command[1] == "-m" else command[0]
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                out = process.stdout.read() if process.stdout else b""
                raise RuntimeError(f"{name} exited early ({process.returncode}): {out.decode()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start in time") from None
                time.sleep(0.05)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)
    if process.stdout is not None:
        process.stdout.close()


@dataclass
class Reply:
    status: int
    headers: list[tuple[bytes, bytes]]
    chunks: list[bytes]

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: str) -> str | None:
        key = name.lower().encode()
        for k, v in self.headers:
            if k == key:
                return v.decode("latin-1")
        return None


class Client:
    """One keep-alive HTTP/1.1 connection driven by h11."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.conn = h11.Connection(our_role=h11.CLIENT)

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_request(
        self,
        method: str,
        target: str,
        headers: Sequence[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> None:
        all_headers = [("host", "127.0.0.1"), *headers]
        if body or method in ("POST", "PUT", "PATCH"):
            all_headers.append(("content-length", str(len(body))))
        data = self.conn.send(h11.Request(method=method, target=target, headers=all_headers))
        if body:
            data += self.conn.send(h11.Data(data=body))
        data += self.conn.send(h11.EndOfMessage())
        assert data is not None
        self.sock.sendall(data)

    def next_event(self, deadline: float) -> object:
        while True:
            event = self.conn.next_event()
            if event is not h11.NEED_DATA:
                return event
            if time.monotonic() > deadline:
                raise TimeoutError("no reply from the server in time")
            self.conn.receive_data(self.sock.recv(65536))

    def read_response(self, timeout: float = 5.0, max_chunks: int = 100_000) -> Reply:
        deadline = time.monotonic() + timeout
        event = self.next_event(deadline)
        while isinstance(event, h11.InformationalResponse):
            event = self.next_event(deadline)
        assert isinstance(event, h11.Response), event
        reply = Reply(event.status_code, list(event.headers), [])
        for _ in range(max_chunks):
            event = self.next_event(deadline)
            if isinstance(event, h11.Data):
                reply.chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                return reply
            else:
                raise AssertionError(f"unexpected h11 event {event!r}")
        raise AssertionError("response body too long")

    def request(
        self,
        method: str,
        target: str,
        headers: Sequence[tuple[str, str]] = (),
        body: bytes = b"",
        timeout: float = 5.0,
    ) -> Reply:
        self.send_request(method, target, headers, body)
        reply = self.read_response(timeout)
        if self.conn.our_state is h11.DONE and self.conn.their_state is h11.DONE:
            self.conn.start_next_cycle()
        return reply


def fetch(port: int, method: str, target: str, **kwargs: object) -> Reply:
    with Client(port) as client:
        return client.request(method, target, **kwargs)  # type: ignore[arg-type]
