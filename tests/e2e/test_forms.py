"""Uploads through a real uvicorn: a multipart body streamed in chunks, spooled to
disk, answered, and the temporary files gone afterwards (also when the client
leaves mid-upload)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import h11
import pytest

from tests.e2e.serverutil import Client, Server, http_implementations, run_server

pytest.importorskip("python_multipart")

BOUNDARY = "e2e-boundary-7f3a"
MIB = 1024 * 1024


def open_files_under(pid: int, directory: Path) -> list[str]:
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


def wait_until_no_files(pid: int, directory: Path, timeout: float = 5.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        left = open_files_under(pid, directory) + os.listdir(directory)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def body_parts(payload_size: int) -> tuple[bytes, Iterator[bytes], bytes]:
    """(head, the file's bytes in 64 KiB chunks, tail) of one multipart body."""
    head = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="note"\r\n\r\nstreamed\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="doc"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    block = bytes(range(256)) * 256  # 64 KiB

    def chunks() -> Iterator[bytes]:
        sent = 0
        while sent < payload_size:
            piece = block[: payload_size - sent]
            sent += len(piece)
            yield piece

    return head, chunks(), f"\r\n--{BOUNDARY}--\r\n".encode()


def start_chunked_upload(client: Client) -> None:
    request = h11.Request(
        method="POST",
        target="/upload",
        headers=[
            ("host", "127.0.0.1"),
            ("content-type", f"multipart/form-data; boundary={BOUNDARY}"),
            ("transfer-encoding", "chunked"),
        ],
    )
    data = client.conn.send(request)
    assert data is not None
    client.sock.sendall(data)


def send_data(client: Client, data: bytes) -> None:
    out = client.conn.send(h11.Data(data=data))
    assert out is not None
    client.sock.sendall(out)


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    with run_server(
        "apps.forms_app:app", http=request.param, env={"TMPDIR": str(tmp_path)}
    ) as running:
        yield running


@pytest.mark.parametrize("server", http_implementations(), indirect=True)
def test_streamed_upload_through_uvicorn(server: Server, tmp_path: Path) -> None:
    size = 5 * MIB + 123
    head, chunks, tail = body_parts(size)
    expected = hashlib.sha256()
    with Client(server.port, timeout=30) as client:
        start_chunked_upload(client)
        send_data(client, head)
        for chunk in chunks:
            expected.update(chunk)
            send_data(client, chunk)
        send_data(client, tail)
        end = client.conn.send(h11.EndOfMessage())
        assert end is not None
        client.sock.sendall(end)
        reply = client.read_response(timeout=30)
    assert reply.status == 200, reply.body
    assert json.loads(reply.body) == {
        "filename": "big.bin",
        "size": size,
        "sha256": expected.hexdigest(),
        "on_disk": True,
        "note": "streamed",
    }
    assert wait_until_no_files(server.process.pid, tmp_path) == []


@pytest.mark.parametrize("server", ["h11"], indirect=True)
def test_client_leaving_mid_upload_leaves_no_file(server: Server, tmp_path: Path) -> None:
    head, chunks, _ = body_parts(20 * MIB)
    with Client(server.port, timeout=30) as client:
        start_chunked_upload(client)
        send_data(client, head)
        for _, chunk in zip(range(48), chunks, strict=False):  # 3 MiB: past the spool
            send_data(client, chunk)
        # The server has the file open on disk now.
        deadline = time.monotonic() + 5
        while not open_files_under(server.process.pid, tmp_path):
            assert time.monotonic() < deadline, "the upload never reached the disk"
            time.sleep(0.02)
    assert wait_until_no_files(server.process.pid, tmp_path) == []
    # The server is still fine for the next client.
    with Client(server.port) as client:
        small_head, small_chunks, small_tail = body_parts(10)
        body = small_head + b"".join(small_chunks) + small_tail
        reply = client.request(
            "POST",
            "/upload",
            headers=[("content-type", f"multipart/form-data; boundary={BOUNDARY}")],
            body=body,
        )
    assert reply.status == 200 and json.loads(reply.body)["size"] == 10
