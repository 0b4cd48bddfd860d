from __future__ import annotations

import os
import re
from email.utils import formatdate
from pathlib import Path

import anyio
import pytest

from asgiweb.background import BackgroundTask
from asgiweb.responses.files import CHUNK_SIZE, FileResponse, content_disposition
from tests.harness import Message, Peer, drive, http_scope

pytestmark = pytest.mark.anyio

DATA = bytes(range(256)) * 800  # 204 800 bytes: four chunks


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(DATA)
    os.utime(path, (1_700_000_000.25, 1_700_000_000.25))
    return path


async def test_whole_file_with_validators(data_file: Path) -> None:
    peer = await drive(FileResponse(data_file))
    assert peer.status == 200
    assert peer.body == DATA
    assert peer.finished
    assert max(len(c) for c in peer.chunks) == CHUNK_SIZE
    assert peer.header("content-length") == str(len(DATA))
    assert peer.header("last-modified") == formatdate(1_700_000_000, usegmt=True)
    etag = peer.header("etag")
    assert etag is not None and re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', etag)
    assert peer.header("accept-ranges") == "bytes"
    assert peer.header("content-disposition") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("notes.txt", "text/plain; charset=utf-8"),
        ("page.html", "text/html; charset=utf-8"),
        ("logo.png", "image/png"),
        ("data.json", "application/json"),
        ("no-extension", "application/octet-stream"),
    ],
)
async def test_media_type_is_guessed_from_the_name(
    tmp_path: Path, name: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"x")
    assert FileResponse(path).headers["content-type"] == expected


async def test_explicit_media_type_and_filename_guess(data_file: Path) -> None:
    assert FileResponse(data_file, media_type="video/mp4").headers["content-type"] == "video/mp4"
    response = FileResponse(data_file, filename="report.pdf")
    assert response.headers["content-type"] == "application/pdf"


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("attachment", "report.pdf", 'attachment; filename="report.pdf"'),
        ("inline", "a b.txt", 'inline; filename="a b.txt"'),
        ("attachment", 'say "hi".txt', 'attachment; filename="say \\"hi\\".txt"'),
        ("attachment", "back\\slash", 'attachment; filename="back\\\\slash"'),
        (
            "attachment",
            "résumé.pdf",
            "attachment; filename=\"r_sum_.pdf\"; filename*=utf-8''r%C3%A9sum%C3%A9.pdf",
        ),
        (
            "inline",
            "日本 語.txt",
            "inline; filename=\"__ _.txt\"; filename*=utf-8''%E6%97%A5%E6%9C%AC%20%E8%AA%9E.txt",
        ),
    ],
)
def test_content_disposition_table(kind: str, name: str, expected: str) -> None:
    assert content_disposition(kind, name) == expected


async def test_filename_sets_content_disposition(data_file: Path) -> None:
    response = FileResponse(data_file, filename="café.bin", content_disposition_type="inline")
    assert response.headers["content-disposition"] == (
        "inline; filename=\"caf_.bin\"; filename*=utf-8''caf%C3%A9.bin"
    )


async def test_filename_with_newline_cannot_split_the_header(data_file: Path) -> None:
    response = FileResponse(data_file, filename="a\r\nset-cookie: x=1")
    assert response.headers.getlist("set-cookie") == []
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"a__set-cookie: x=1\"; "
        "filename*=utf-8''a%0D%0Aset-cookie%3A%20x%3D1"
    )


async def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match=r"nope\.txt"):
        FileResponse(missing)
    with pytest.raises(IsADirectoryError, match="not a regular file"):
        FileResponse(tmp_path)


async def test_head_sends_headers_only(data_file: Path) -> None:
    peer = await drive(FileResponse(data_file), http_scope("HEAD"))
    assert peer.status == 200
    assert peer.header("content-length") == str(len(DATA))
    assert peer.body == b"" and peer.finished
    # A response told it answers HEAD sends no body whatever the scope says (so the
    # content-length it announces is not followed by those bytes: not conformance-checked).
    peer = await drive(FileResponse(data_file, method="HEAD"), conform=False)
    assert peer.body == b""


async def test_single_range(data_file: Path) -> None:
    peer = await drive(FileResponse(data_file), http_scope(headers=[("range", "bytes=10-19")]))
    assert peer.status == 206
    assert peer.header("content-range") == f"bytes 10-19/{len(DATA)}"
    assert peer.header("content-length") == "10"
    assert peer.body == DATA[10:20]


async def test_suffix_range_across_chunks(data_file: Path) -> None:
    peer = await drive(FileResponse(data_file), http_scope(headers=[("range", "bytes=-100000")]))
    assert peer.status == 206
    assert peer.body == DATA[-100000:]
    assert peer.header("content-range") == f"bytes {len(DATA) - 100000}-{len(DATA) - 1}/{len(DATA)}"


async def test_overlapping_ranges_are_merged_into_one_part(data_file: Path) -> None:
    peer = await drive(
        FileResponse(data_file), http_scope(headers=[("range", "bytes=0-9,5-19,20-29")])
    )
    assert peer.status == 206
    assert peer.header("content-range") == f"bytes 0-29/{len(DATA)}"
    assert peer.body == DATA[:30]


def parse_multipart(content_type: str, body: bytes) -> list[tuple[dict[str, str], bytes]]:
    match = re.fullmatch(r"multipart/byteranges; boundary=(\S+)", content_type)
    assert match is not None, content_type
    boundary = match.group(1).encode()
    assert body.startswith(b"--" + boundary + b"\r\n")
    assert body.endswith(b"\r\n--" + boundary + b"--\r\n")
    inner = body[len(boundary) + 4 : -(len(boundary) + 8)]
    parts = []
    for raw in inner.split(b"\r\n--" + boundary + b"\r\n"):
        head, _, payload = raw.partition(b"\r\n\r\n")
        headers = dict(line.decode().split(": ", 1) for line in head.split(b"\r\n"))
        parts.append((headers, payload))
    return parts


async def test_several_ranges_give_multipart_byteranges(data_file: Path) -> None:
    scope = http_scope(headers=[("range", "bytes=100-199, 0-9, -5")])
    response = FileResponse(data_file, media_type="text/plain")
    peer = await drive(response, scope)
    assert peer.status == 206
    assert peer.header("content-length") == str(len(peer.body))
    content_type = peer.header("content-type")
    assert content_type is not None
    parts = parse_multipart(content_type, peer.body)
    size = len(DATA)
    assert [p[0]["content-range"] for p in parts] == [
        f"bytes 0-9/{size}",
        f"bytes 100-199/{size}",
        f"bytes {size - 5}-{size - 1}/{size}",
    ]
    assert all(p[0]["content-type"] == "text/plain; charset=utf-8" for p in parts)
    assert [p[1] for p in parts] == [DATA[0:10], DATA[100:200], DATA[-5:]]


async def test_multipart_head_has_the_same_length(data_file: Path) -> None:
    scope = http_scope("HEAD", headers=[("range", "bytes=0-9,20-29")])
    peer = await drive(FileResponse(data_file), scope)
    get_peer = await drive(
        FileResponse(data_file), http_scope(headers=[("range", "bytes=0-9,20-29")])
    )
    assert peer.status == 206 and peer.body == b""
    assert peer.header("content-length") == str(len(get_peer.body))


async def test_unsatisfiable_range_is_416(data_file: Path) -> None:
    peer = await drive(
        FileResponse(data_file), http_scope(headers=[("range", f"bytes={len(DATA)}-")])
    )
    assert peer.status == 416
    assert peer.header("content-range") == f"bytes */{len(DATA)}"
    assert peer.body == b'{"detail":"Range Not Satisfiable"}'  # a 4xx like the others
    assert peer.header("content-type") == "application/json"


@pytest.mark.parametrize(
    "header", ["bytes=5-1", "lines=1-2", "bytes=x", ",".join(["bytes=0-0"] + ["2-2"] * 100)]
)
async def test_ignored_range_sends_the_whole_file(data_file: Path, header: str) -> None:
    peer = await drive(FileResponse(data_file), http_scope(headers=[("range", header)]))
    assert peer.status == 200
    assert peer.body == DATA


async def test_range_ignored_for_other_statuses(data_file: Path) -> None:
    peer = await drive(
        FileResponse(data_file, status_code=404), http_scope(headers=[("range", "bytes=0-1")])
    )
    assert peer.status == 404
    assert peer.body == DATA


async def test_if_none_match_and_if_modified_since_give_304(data_file: Path) -> None:
    response = FileResponse(data_file, headers={"cache-control": "max-age=60"})
    etag = response.headers["etag"]
    for headers in (
        [("if-none-match", etag)],
        [("if-none-match", f'"nope", W/{etag}')],
        [("if-none-match", "*")],
        [("if-modified-since", formatdate(1_700_000_000, usegmt=True))],
        [("if-modified-since", formatdate(1_800_000_000, usegmt=True))],
    ):
        peer = await drive(response, http_scope(headers=headers))
        assert peer.status == 304, headers
        assert peer.body == b""
        assert peer.header("etag") == etag
        assert peer.header("cache-control") == "max-age=60"
        assert peer.header("content-length") is None


async def test_stale_validators_give_200(data_file: Path) -> None:
    response = FileResponse(data_file)
    for headers in (
        [("if-none-match", '"other"')],
        [("if-modified-since", formatdate(1_600_000_000, usegmt=True))],
        [("if-none-match", '"other"'), ("if-modified-since", formatdate(1_800_000_000))],
    ):
        peer = await drive(response, http_scope(headers=headers))
        assert peer.status == 200, headers
        assert peer.body == DATA


async def test_if_range(data_file: Path) -> None:
    response = FileResponse(data_file)
    etag = response.headers["etag"]
    last_modified = response.headers["last-modified"]
    for validator, status in (
        (etag, 206),
        (last_modified, 206),
        ('"old"', 200),
        (f"W/{etag}", 200),
        (formatdate(1_600_000_000, usegmt=True), 200),
    ):
        scope = http_scope(headers=[("range", "bytes=0-3"), ("if-range", validator)])
        peer = await drive(response, scope)
        assert peer.status == status, validator
        assert peer.body == (DATA[:4] if status == 206 else DATA)


async def test_pathsend_is_used_when_the_server_offers_it(data_file: Path) -> None:
    scope = http_scope(extensions={"http.response.pathsend": {}})
    peer = await drive(FileResponse(data_file), scope)
    assert [m["type"] for m in peer.sent] == ["http.response.start", "http.response.pathsend"]
    assert peer.sent[1]["path"] == str(data_file.resolve())
    ranged = http_scope(headers=[("range", "bytes=0-1")], extensions={"http.response.pathsend": {}})
    peer = await drive(FileResponse(data_file), ranged)
    assert "http.response.pathsend" not in [m["type"] for m in peer.sent]
    assert peer.body == DATA[:2]


async def test_background_runs_after_the_file(data_file: Path) -> None:
    ran: list[int] = []
    peer = Peer()

    async def send(message: Message) -> None:
        peer.sent.append(dict(message))
        if message["type"] == "http.response.body" and not message.get("more_body"):
            ran.append(len(peer.sent))

    response = FileResponse(data_file, background=BackgroundTask(ran.append, -1))
    with anyio.fail_after(5):
        await response(http_scope(), peer.receive, send)
    assert ran[-1] == -1 and len(ran) == 2


async def test_disconnect_stops_reading(data_file: Path) -> None:
    peer = Peer()

    async def send(message: Message) -> None:
        peer.sent.append(dict(message))
        if len(peer.sent) == 2:
            peer.disconnect()
            await anyio.sleep(0.01)  # let the watcher see it

    with anyio.fail_after(5):
        await FileResponse(data_file)(http_scope(), peer.receive, send)
    assert len(peer.sent) <= 3
    assert not peer.finished


async def test_oserror_from_send_under_spec_2_4_stops_quietly(data_file: Path) -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(dict(message))
        if message["type"] == "http.response.body":
            raise OSError("connection reset")

    with anyio.fail_after(5):
        await FileResponse(data_file)(http_scope(spec_version="2.4"), Peer().receive, send)
    assert len(sent) == 2
    with pytest.raises(OSError), anyio.fail_after(5):
        await FileResponse(data_file)(http_scope(spec_version="2.3"), Peer().receive, send)


async def test_file_that_shrinks_while_sent_is_an_error(data_file: Path) -> None:
    response = FileResponse(data_file)
    data_file.write_bytes(b"short")
    with pytest.raises(RuntimeError, match="changed size"):
        await drive(response)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
async def test_one_gigabyte_streams_in_bounded_memory(tmp_path: Path) -> None:
    # tmpfs when there is one: reading its holes costs no disk work (0.1 s for
    # 1 GiB here against 2 s on the disk), so the test measures FileResponse.
    shm = Path("/dev/shm")
    folder = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp_path
    path = folder / f"asgiweb-sparse-{os.getpid()}.bin"
    try:
        await _stream_sparse_gigabyte(path)
    finally:
        path.unlink(missing_ok=True)


async def _stream_sparse_gigabyte(path: Path) -> None:
    with open(path, "wb") as file:
        file.truncate(1 << 30)  # sparse: no disk space, reads give zeros
    baseline = _rss_bytes()
    peak = baseline
    received = 0
    messages = 0

    async def send(message: Message) -> None:
        nonlocal peak, received, messages
        if message["type"] == "http.response.body":
            received += len(message["body"])  # count, never keep
            messages += 1
            if messages % 256 == 0:
                peak = max(peak, _rss_bytes())

    with anyio.fail_after(50):
        await FileResponse(path)(http_scope(), Peer().receive, send)
    assert received == 1 << 30
    assert peak - baseline < 20 * 1024 * 1024
