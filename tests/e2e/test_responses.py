"""Streaming and file responses against a real uvicorn, through raw h11 sockets."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import h11
import pytest

from tests.e2e.serverutil import Client, Server, http_implementations, run_server

pytestmark = pytest.mark.timeout(60)

DATA = bytes(range(256)) * 1024  # 256 KiB: several chunks


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "data.bin"
    path.write_bytes(DATA)
    return path


@pytest.fixture(scope="module", params=http_implementations())
def server(request: pytest.FixtureRequest, data_file: Path) -> Iterator[Server]:
    with run_server(
        "apps.responses_app:app", http=request.param, env={"RESPONSES_FILE": str(data_file)}
    ) as running:
        yield running


def read_start(client: Client, deadline: float) -> h11.Response:
    event = client.next_event(deadline)
    assert isinstance(event, h11.Response), event
    return event


def test_streamed_chunks_arrive_as_sent(server: Server) -> None:
    with Client(server.port) as client:
        client.send_request("GET", "/chunks?count=5&delay=0.15")
        deadline = time.monotonic() + 10
        start = read_start(client, deadline)
        headers = dict(start.headers)
        assert start.status_code == 200
        assert headers.get(b"transfer-encoding") == b"chunked"
        assert b"content-length" not in headers
        arrivals: list[tuple[float, bytes]] = []
        for _ in range(1000):
            event = client.next_event(deadline)
            if isinstance(event, h11.EndOfMessage):
                break
            assert isinstance(event, h11.Data), event
            arrivals.append((time.monotonic(), bytes(event.data)))
    body = b"".join(data for _, data in arrivals)
    lines = body.decode().splitlines()
    assert [line.split(";")[0] for line in lines] == [f"chunk-{i}" for i in range(5)]
    # Each chunk came on its own, as the generator produced it: the first one
    # was in hand long before the last one was even made.
    assert len(arrivals) >= 5
    assert arrivals[-1][0] - arrivals[0][0] >= 0.4


@pytest.mark.parametrize("route", ["/forever", "/forever-sync"])
def test_client_disconnect_runs_the_generators_finally(
    server: Server, tmp_path: Path, route: str
) -> None:
    marker = tmp_path / "closed.txt"
    client = Client(server.port)
    try:
        client.send_request("GET", f"{route}?marker={marker}")
        deadline = time.monotonic() + 5
        assert read_start(client, deadline).status_code == 200
        received = 0
        while received < 3:
            if isinstance(client.next_event(deadline), h11.Data):
                received += 1
        assert not marker.exists()
    finally:
        client.close()
    deadline = time.monotonic() + 2
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), "the generator's finally did not run within 2 s of the disconnect"
    assert marker.read_text() == "closed"


def test_error_mid_stream_drops_the_connection(server: Server) -> None:
    with Client(server.port) as client:
        client.send_request("GET", "/broken")
        deadline = time.monotonic() + 5
        assert read_start(client, deadline).status_code == 200
        body = b""
        with pytest.raises(h11.RemoteProtocolError):
            for _ in range(100):
                event = client.next_event(deadline)
                assert not isinstance(event, h11.EndOfMessage), "stream wrongly ended cleanly"
                if isinstance(event, h11.Data):
                    body += bytes(event.data)
        assert body == b"partial"
    # The server itself is fine.
    with Client(server.port) as client:
        assert client.request("GET", "/chunks?count=1&delay=0").status == 200


def test_file_whole_and_headers(server: Server) -> None:
    with Client(server.port) as client:
        reply = client.request("GET", "/file")
    assert reply.status == 200
    assert reply.body == DATA
    assert reply.header("content-length") == str(len(DATA))
    assert reply.header("content-type") == "application/octet-stream"
    assert reply.header("accept-ranges") == "bytes"
    assert reply.header("content-disposition") == 'attachment; filename="data file.bin"'
    assert reply.header("etag") and reply.header("last-modified")


def test_file_ranges_over_the_wire(server: Server) -> None:
    with Client(server.port) as client:
        single = client.request("GET", "/file", headers=[("range", "bytes=1000-1999")])
        suffix = client.request("GET", "/file", headers=[("range", "bytes=-10")])
        multi = client.request("GET", "/file", headers=[("range", "bytes=0-9,100-109")])
        unsatisfiable = client.request("GET", "/file", headers=[("range", "bytes=999999-")])
    assert single.status == 206
    assert single.body == DATA[1000:2000]
    assert single.header("content-range") == f"bytes 1000-1999/{len(DATA)}"
    assert suffix.status == 206 and suffix.body == DATA[-10:]
    assert multi.status == 206
    content_type = multi.header("content-type") or ""
    match = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", content_type)
    assert match is not None
    boundary = match.group(1).encode()
    assert multi.body.count(b"--" + boundary) == 3
    assert DATA[0:10] in multi.body and DATA[100:110] in multi.body
    assert multi.header("content-length") == str(len(multi.body))
    assert unsatisfiable.status == 416
    assert unsatisfiable.header("content-range") == f"bytes */{len(DATA)}"


def test_file_head_and_conditional_over_the_wire(server: Server) -> None:
    with Client(server.port) as client:
        head = client.request("HEAD", "/file")
        ranged_head = client.request("HEAD", "/file", headers=[("range", "bytes=0-9")])
        etag = head.header("etag") or ""
        not_modified = client.request("GET", "/file", headers=[("if-none-match", etag)])
        after = client.request("GET", "/file")  # the connection is still usable
    assert head.status == 200
    assert head.body == b""
    assert head.header("content-length") == str(len(DATA))
    assert ranged_head.status == 206 and ranged_head.body == b""
    assert ranged_head.header("content-length") == "10"
    assert not_modified.status == 304 and not_modified.body == b""
    assert not_modified.header("etag") == etag
    assert after.status == 200 and after.body == DATA
