"""Uploaded files: spooling, closing and deleting, limits, and what UploadFile offers."""

# No `from __future__ import annotations`: the handlers are defined inside tests and
# their annotations must resolve to real classes.

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import anyio
import anyio.to_thread
import pytest

import asgiweb.formparsers
from asgiweb import App, File, Form, HTTPException, Request, UploadFile
from asgiweb.datastructures import FormData, Headers
from asgiweb.testclient import TestClient
from asgiweb.types import Message

pytest.importorskip("python_multipart")

MIB = 1024 * 1024


def make_scope(method: str, path: str, headers: list[tuple[str, str]]) -> dict[str, Any]:
    """A bare ASGI HTTP scope, for driving the app without the TestClient."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


class Recorder:
    """Every UploadFile the multipart parser creates, to check that it was closed."""

    def __init__(self) -> None:
        self.files: list[UploadFile] = []

    @property
    def all_closed(self) -> bool:
        return all(f.file.closed for f in self.files)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    record = Recorder()

    class RecordedUpload(UploadFile):
        __slots__ = ()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            record.files.append(self)

    monkeypatch.setattr(asgiweb.formparsers, "UploadFile", RecordedUpload)
    return record


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Spooled files roll over into this directory; the test checks nothing stays."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield tmp_path


def open_temp_files(directory: Path) -> list[str]:
    """Files of ``directory`` still open in this process (deleted ones included)."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


def no_temp_file_left(directory: Path) -> bool:
    return not os.listdir(directory) and not open_temp_files(directory)


def test_upload_file_metadata_and_content(recorder: Recorder) -> None:
    app = App()

    @app.post("/up")
    async def up(doc: UploadFile) -> dict[str, Any]:
        first = await doc.read(3)
        await doc.seek(0)
        whole = await doc.read()
        return {
            "filename": doc.filename,
            "content_type": doc.content_type,
            "size": doc.size,
            "first": first.decode(),
            "whole": whole.decode(),
            "header": doc.headers["x-extra"],
            "in_memory": not doc.file._rolled,  # type: ignore[attr-defined]
        }

    client = TestClient(app)
    response = client.post(
        "/up", files={"doc": ("a.txt", b"hello there", "text/x-note", {"X-Extra": "yes"})}
    )
    assert response.json() == {
        "filename": "a.txt",
        "content_type": "text/x-note",
        "size": 11,
        "first": "hel",
        "whole": "hello there",
        "header": "yes",
        "in_memory": True,
    }
    assert recorder.all_closed


def test_large_upload_spools_to_disk_and_is_deleted_after_the_response(
    recorder: Recorder, private_tmp: Path
) -> None:
    seen: dict[str, Any] = {}
    app = App(max_body_size=None)

    @app.post("/up")
    async def up(doc: UploadFile) -> dict[str, Any]:
        seen["rolled"] = doc.file._rolled  # type: ignore[attr-defined]
        seen["open_during"] = len(open_temp_files(private_tmp))
        data = await doc.read()
        return {"size": doc.size, "read": len(data), "closed": doc.file.closed}

    payload = os.urandom(3 * MIB + 17)
    response = TestClient(app).post("/up", files={"doc": ("big.bin", payload)})
    assert response.json() == {"size": len(payload), "read": len(payload), "closed": False}
    assert seen == {"rolled": True, "open_during": 1}
    assert len(recorder.files) == 1 and recorder.all_closed
    assert no_temp_file_left(private_tmp)


def test_files_closed_after_a_validation_error(recorder: Recorder, private_tmp: Path) -> None:
    app = App(max_body_size=None)
    called = []

    @app.post("/up")
    async def up(doc: UploadFile, count: Annotated[int, Form()]) -> None:
        called.append(doc)

    response = TestClient(app).post(
        "/up", data={"count": "many"}, files={"doc": ("d", b"x" * (2 * MIB))}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "count"]
    assert not called
    assert len(recorder.files) == 1 and recorder.all_closed
    assert no_temp_file_left(private_tmp)


def test_files_closed_when_the_handler_fails(recorder: Recorder, private_tmp: Path) -> None:
    app = App(max_body_size=None)

    @app.post("/teapot")
    async def teapot(doc: UploadFile) -> None:
        raise HTTPException(418, "no files here")

    @app.post("/boom")
    def boom(doc: UploadFile) -> None:
        raise RuntimeError("handler bug")

    client = TestClient(app, raise_server_exceptions=False)
    big = ("d", b"y" * (2 * MIB))
    assert client.post("/teapot", files={"doc": big}).status_code == 418
    assert client.post("/boom", files={"doc": big}).status_code == 500
    assert len(recorder.files) == 2 and recorder.all_closed
    assert no_temp_file_left(private_tmp)


def test_files_stay_open_for_streaming_responses_and_background_tasks(
    recorder: Recorder,
) -> None:
    from asgiweb import BackgroundTasks
    from asgiweb.responses import StreamingResponse

    app = App()
    seen: list[bool] = []

    @app.post("/echo")
    async def echo(doc: UploadFile, tasks: BackgroundTasks) -> StreamingResponse:
        async def chunks() -> Any:
            await doc.seek(0)
            while chunk := await doc.read(4):
                yield chunk

        tasks.add_task(lambda: seen.append(doc.file.closed))
        return StreamingResponse(chunks())

    response = TestClient(app).post("/echo", files={"doc": ("d", b"0123456789")})
    assert response.content == b"0123456789"
    assert seen == [False]
    assert len(recorder.files) == 1 and recorder.all_closed


def multipart_body(boundary: str, size: int) -> bytes:
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="doc"; filename="d.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + b"z" * size + f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.anyio
async def test_client_disconnect_mid_upload_closes_files(
    recorder: Recorder, private_tmp: Path
) -> None:
    app = App(max_body_size=None)
    called = []

    @app.post("/up")
    async def up(doc: UploadFile) -> None:
        called.append(doc)

    body = multipart_body("b0und", 4 * MIB)[: 3 * MIB]  # the client leaves after 3 MiB
    messages: list[Message] = [
        {"type": "http.request", "body": body[i : i + 65536], "more_body": True}
        for i in range(0, len(body), 65536)
    ]
    messages.append({"type": "http.disconnect"})
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope = make_scope(
        "POST", "/up", headers=[("content-type", "multipart/form-data; boundary=b0und")]
    )
    with anyio.fail_after(10):
        await app(scope, receive, send)
    assert not called and not sent  # nobody to answer
    assert len(recorder.files) == 1 and recorder.all_closed
    assert no_temp_file_left(private_tmp)


def test_body_size_limits_answer_413_and_close_files(recorder: Recorder, private_tmp: Path) -> None:
    app = App()  # max_body_size: 1 MiB by default

    @app.post("/small")
    async def small(doc: UploadFile) -> int | None:
        return doc.size

    @app.post("/big", max_body_size=8 * MIB)
    async def big(doc: UploadFile) -> int | None:
        return doc.size

    client = TestClient(app)
    assert client.post("/small", files={"doc": ("d", b"a" * 1000)}).json() == 1000
    too_big = client.post("/small", files={"doc": ("d", b"a" * (2 * MIB))})
    assert too_big.status_code == 413
    assert too_big.json() == {"detail": "Request body too large"}
    assert client.post("/big", files={"doc": ("d", b"a" * (2 * MIB))}).json() == 2 * MIB
    # Chunked (no content-length): the limit is enforced while streaming, after the
    # parser has already spooled part of the file.
    body = multipart_body("zz", 9 * MIB)
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    streamed = client.post(
        "/big",
        content=iter(chunks),
        headers={"content-type": "multipart/form-data; boundary=zz"},
    )
    assert streamed.status_code == 413
    assert len(recorder.files) == 3 and recorder.all_closed
    assert no_temp_file_left(private_tmp)


@pytest.mark.parametrize(
    ("limits", "files", "data", "message"),
    [
        ({"max_files": 2}, 3, 0, "Too many files. Maximum number of files is 2."),
        ({"max_fields": 2}, 1, 3, "Too many fields. Maximum number of fields is 2."),
        ({"max_part_size": 100}, 1, 1, "Part exceeded maximum size of 0KB."),
        ({"max_part_size": 2048}, 1, 1, "Part exceeded maximum size of 2KB."),
    ],
)
def test_request_form_limits(
    recorder: Recorder,
    limits: dict[str, int],
    files: int,
    data: int,
    message: str,
) -> None:
    app = App()

    @app.post("/form")
    async def read(request: Request) -> int:
        form = await request.form(**limits)
        return len(form)

    client = TestClient(app)
    response = client.post(
        "/form",
        data={f"field{i}": "v" * 3000 for i in range(data)},
        files=[(f"file{i}", (f"f{i}", b"1")) for i in range(files)],
    )
    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert recorder.all_closed


def test_default_limits_match_fastapi(recorder: Recorder) -> None:
    app = App(max_body_size=None)

    @app.post("/form")
    async def read(note: Annotated[str, Form()] = "") -> int:
        return len(note)

    client = TestClient(app)
    at_limit = {"note": (None, "n" * MIB)}
    assert client.post("/form", files=at_limit).json() == MIB
    over = client.post("/form", files={"note": (None, "n" * (MIB + 1))})
    assert over.json() == {"detail": "Part exceeded maximum size of 1024KB."}
    many = [(f"f{i}", (f"f{i}", b"")) for i in range(1001)]
    assert client.post("/form", files=many).json() == {
        "detail": "Too many files. Maximum number of files is 1000."
    }
    assert recorder.all_closed
    fields = {f"k{i}": "1" for i in range(1001)}
    assert client.post("/form", data=fields).json() == {
        "detail": "Too many fields. Maximum number of fields is 1000."
    }


@pytest.mark.anyio
async def test_upload_file_io_uses_a_thread_only_on_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = anyio.to_thread.run_sync

    async def counting(func: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(getattr(func, "__name__", "?"))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    spooled = tempfile.SpooledTemporaryFile(max_size=1024)  # noqa: SIM115 - closed below
    upload = UploadFile(spooled, size=0, filename="x")
    await upload.write(b"a" * 100)
    await upload.seek(0)
    assert await upload.read() == b"a" * 100
    assert calls == [] and upload.size == 100
    await upload.write(b"b" * 2000)  # rolls over to disk
    assert spooled._rolled  # type: ignore[attr-defined]
    await upload.seek(0)
    assert len(await upload.read()) == 2100
    await upload.close()
    assert calls == ["write", "seek", "read", "close"]
    assert upload.size == 2100 and spooled.closed


@pytest.mark.anyio
async def test_upload_file_without_a_spooled_file() -> None:
    # Any binary file works; it is treated as on disk (its I/O goes to a thread).
    import io

    upload = UploadFile(io.BytesIO(b"abc"), headers=Headers({"content-type": "text/plain"}))
    assert upload.content_type == "text/plain" and upload.size is None
    assert await upload.read() == b"abc"
    await upload.write(b"d")
    assert upload.size is None
    await upload.close()
    assert upload.file.closed
    assert repr(UploadFile(io.BytesIO(), filename="f")).startswith("UploadFile(filename='f'")


@pytest.mark.anyio
async def test_async_with_request_form_closes_its_files() -> None:
    boundary = "bb"
    body = multipart_body(boundary, 10)
    messages: list[Message] = [{"type": "http.request", "body": body}]

    async def receive() -> Message:
        return messages.pop(0)

    scope = make_scope(
        "POST", "/", headers=[("content-type", f"multipart/form-data; boundary={boundary}")]
    )
    request = Request(scope, receive)
    async with request.form() as form:
        assert isinstance(form, FormData)
        doc = form["doc"]
        assert isinstance(doc, UploadFile)
        assert await doc.read() == b"z" * 10
        assert not doc.file.closed
        assert await request.form() is form  # parsed once
    assert doc.file.closed


def test_bytes_and_upload_parameters_share_one_file() -> None:
    app = App()

    @app.post("/both")
    async def both(raw: Annotated[bytes, File(alias="doc")], doc: UploadFile) -> dict[str, Any]:
        return {"raw": raw.decode(), "again": (await doc.read()).decode()}

    response = TestClient(app).post("/both", files={"doc": ("d", b"same bytes")})
    assert response.json() == {"raw": "same bytes", "again": "same bytes"}


def test_upload_benchmark_apps_answer_alike() -> None:
    # benchmarks/bench_upload.py serves these two apps; a small upload must get the
    # same answer from both before their figures mean anything.
    pytest.importorskip("fastapi")
    from benchmarks import bench_upload

    files = {"file": ("payload.bin", b"x" * 5000)}
    ours = TestClient(bench_upload.make_asgiweb_app()).post("/upload", files=files)
    theirs = TestClient(bench_upload.make_fastapi_app()).post("/upload", files=files)
    assert ours.json() == theirs.json() == {"size": 5000, "filename": "payload.bin"}
