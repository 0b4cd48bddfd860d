"""The upload hot path of this round (benchmarks/compare.py upload):

- an ``UploadFile`` of a multipart body split whole holds its bytes in an
  in-memory buffer and makes its ``SpooledTemporaryFile`` around that buffer the
  first time ``.file`` is read: whoever touches ``.file`` gets the real file object,
  at the position the async methods left it, and every sequence of async and file
  calls answers as Starlette's ``UploadFile`` over a spooled file does;
- a form route without dependencies may answer with its two messages
  (``forms.closing_answer``): its files are closed after they are sent, when
  sending fails, when the handler fails, and with a Response, background tasks or
  HEAD as before;
- 422s for missing or wrong parts stay FastAPI's, bodies in several messages too.
"""

# No `from __future__ import annotations`: handlers are defined inside tests.

import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb import App, BackgroundTasks, Form, UploadFile
from asgiweb.datastructures import FormData
from asgiweb.requests import Request
from asgiweb.responses import JSONResponse
from asgiweb.testclient import TestClient, encode_multipart
from asgiweb.types import Message
from tests.harness import Peer, drive, http_scope, multipart_body, record_uploads

pytest.importorskip("python_multipart")

BOUNDARY = "lazy0b0und"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def body_with(*parts: tuple[str, str | None, bytes], boundary: str = BOUNDARY) -> bytes:
    """A multipart body of these parts, this file's boundary by default."""
    return multipart_body(*parts, boundary=boundary)


def upload_scope(path: str = "/upload", method: str = "POST", size: int = 0) -> dict[str, Any]:
    return http_scope(
        method,
        path,
        [("content-type", CONTENT_TYPE), ("content-length", str(size))],
    )


async def lazy_upload(data: bytes) -> UploadFile:
    """The UploadFile a one-message body with one file part gives (its file not made)."""
    body = body_with(("f", "a.txt", data))
    scope = upload_scope(size=len(body))
    peer = Peer(body, disconnect_when_done=True)
    form = await Request(scope, peer.receive).form()
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload._buffer is not None  # held as bytes: the path under test
    return upload


# -- the file made on first touch --------------------------------------------------------


@pytest.mark.anyio
async def test_file_is_a_real_spooled_file_where_the_async_calls_left_it() -> None:
    upload = await lazy_upload(b"0123456789")
    assert upload.size == 10 and upload._in_memory
    assert await upload.read(4) == b"0123"
    file: Any = upload.file
    assert isinstance(file, tempfile.SpooledTemporaryFile)
    assert (file.tell(), file._rolled, file.mode, file.closed) == (4, False, "w+b", False)
    assert upload.file is file  # made once
    assert file.read() == b"456789"
    await upload.seek(2)
    assert file.tell() == 2 and await upload.read() == b"23456789"
    await upload.close()
    assert file.closed


@pytest.mark.anyio
async def test_the_file_serves_what_users_do_with_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    upload = await lazy_upload(b"abc" * 10)
    out = io.BytesIO()
    shutil.copyfileobj(upload.file, out)  # what FastAPI users do with file.file
    assert out.getvalue() == b"abc" * 10
    upload.file.seek(0)
    assert isinstance(upload.file.fileno(), int)  # rolls over to disk
    assert upload.file._rolled  # type: ignore[attr-defined]
    assert not upload._in_memory
    assert await upload.read() == b"abc" * 10  # now through a worker thread
    await upload.close()
    assert upload.file.closed


@pytest.mark.anyio
async def test_closed_before_touched_is_a_closed_file() -> None:
    upload = await lazy_upload(b"data")
    await upload.close()
    assert upload.file.closed
    with pytest.raises(ValueError, match="closed file"):
        await upload.read()
    other = await lazy_upload(b"data")
    form = FormData([("f", other)])
    await form.close()  # FormData.close closes a held buffer too
    assert other.file.closed


@pytest.mark.anyio
async def test_write_makes_the_file_and_rolls_over_as_before(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    upload = await lazy_upload(b"abc")
    await upload.seek(3)
    await upload.write(b"def")
    assert upload._buffer is None and upload.size == 6
    upload.file._max_size = 8  # type: ignore[attr-defined]
    await upload.write(b"0123456789")  # past max_size: rolls over, in a thread
    assert not upload._in_memory and upload.size == 16
    await upload.seek(0)
    assert await upload.read() == b"abcdef0123456789"
    await upload.close()


def test_assigning_file_replaces_the_held_bytes() -> None:
    async def main() -> None:
        upload = await lazy_upload(b"old")
        upload.file = io.BytesIO(b"new")
        assert upload._buffer is None and await upload.read() == b"new"

    anyio.run(main)


# Operations on an upload: async calls, and calls on its .file as users make them.
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.integers(-1, 12)),
        st.tuples(st.just("seek"), st.integers(0, 14)),
        st.tuples(st.just("write"), st.binary(max_size=6)),
        st.tuples(st.just("file.read"), st.integers(-1, 12)),
        st.tuples(st.just("file.tell"), st.just(0)),
        st.tuples(st.just("file.seek"), st.integers(0, 14)),
        st.tuples(st.just("size"), st.just(0)),
        st.tuples(st.just("close"), st.just(0)),
        st.tuples(st.just("closed"), st.just(0)),
    ),
    max_size=8,
)


async def apply(upload: Any, operations: list[tuple[str, Any]]) -> list[Any]:
    out: list[Any] = []
    for name, argument in operations:
        try:
            if name == "read":
                out.append(await upload.read(argument))
            elif name == "seek":
                out.append(await upload.seek(argument))
            elif name == "write":
                out.append(await upload.write(argument))
            elif name == "file.read":
                out.append(upload.file.read(argument))
            elif name == "file.tell":
                out.append(upload.file.tell())
            elif name == "file.seek":
                out.append(upload.file.seek(argument))
            elif name == "size":
                out.append(upload.size)
            elif name == "close":
                out.append(await upload.close())
            else:
                out.append(upload.file.closed)
        except ValueError as exc:
            out.append(("ValueError", str(exc)))
    return out


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=10), operations=OPERATIONS)
def test_any_sequence_of_calls_answers_as_starlettes_upload_file(
    data: bytes, operations: list[tuple[str, Any]]
) -> None:
    """Starlette's UploadFile over a SpooledTemporaryFile holding the same bytes is
    the oracle: same results, same errors, same size, touched early or late."""
    starlette = pytest.importorskip("starlette.datastructures")

    async def main() -> tuple[list[Any], list[Any]]:
        ours = await lazy_upload(data)
        spooled = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - closed
        spooled.write(data)
        spooled.seek(0)
        theirs = starlette.UploadFile(spooled, size=len(data), filename="a.txt")
        try:
            return await apply(ours, operations), await apply(theirs, operations)
        finally:
            await ours.close()
            await theirs.close()

    ours, theirs = anyio.run(main)
    assert ours == theirs


# -- through a route: the files closed after the answer is sent --------------------------


def upload_app(seen: list[UploadFile]) -> App:
    app = App()

    @app.post("/upload")
    async def upload(file: UploadFile) -> dict[str, Any]:
        seen.append(file)
        return {"filename": file.filename, "size": len(await file.read())}

    @app.get("/head")
    async def head(file: UploadFile) -> dict[str, Any]:
        seen.append(file)
        return {"size": file.size}

    @app.post("/tasks")
    async def tasks(file: UploadFile, background: BackgroundTasks) -> dict[str, Any]:
        seen.append(file)

        async def later() -> None:
            seen.append(file)  # the task still sees the file open
            assert not file.file.closed and await file.read() == b"abc"

        background.add_task(later)
        return {"size": file.size}

    @app.post("/response")
    async def response(file: UploadFile) -> JSONResponse:
        seen.append(file)
        return JSONResponse({"size": file.size}, status_code=201)

    @app.post("/fields")
    async def fields(a: str = Form(), b: str = Form()) -> dict[str, Any]:
        return {"a": a, "b": b}

    return app


class WatchingPeer(Peer):
    """A peer that records, at each message sent, whether the handler's files are open."""

    def __init__(self, body: bytes, seen: list[UploadFile], *, fail: bool = False) -> None:
        super().__init__(body, disconnect_when_done=True)
        self.seen = seen
        self.fail = fail
        self.open_at_send: list[bool] = []

    async def send(self, message: Message) -> None:
        self.open_at_send.append(all(not upload.file.closed for upload in self.seen))
        if self.fail:
            raise OSError("the client went away")
        await super().send(message)


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/upload", "/tasks", "/response"])
async def test_files_closed_after_the_answer_is_sent(path: str) -> None:
    seen: list[UploadFile] = []
    body = body_with(("file", "a.txt", b"abc"))
    peer = WatchingPeer(body, seen)
    await drive(upload_app(seen), upload_scope(path, size=len(body)), peer)
    assert peer.status in (200, 201) and peer.finished
    assert peer.open_at_send == [True, True]
    assert seen and all(upload.file.closed for upload in seen)


@pytest.mark.anyio
async def test_files_closed_when_sending_fails() -> None:
    seen: list[UploadFile] = []
    body = body_with(("file", "a.txt", b"abc"))
    peer = WatchingPeer(body, seen, fail=True)
    with pytest.raises(OSError, match="went away"):
        await drive(upload_app(seen), upload_scope(size=len(body)), peer, conform=False)
    assert peer.open_at_send == [True]
    assert seen[0].file.closed


@pytest.mark.anyio
async def test_head_of_a_form_route_sends_no_body_and_closes_the_files() -> None:
    seen: list[UploadFile] = []
    body = body_with(("file", "a.txt", b"abcd"))
    get = await drive(upload_app(seen), upload_scope("/head", "GET", len(body)), Peer(body))
    head = await drive(upload_app(seen), upload_scope("/head", "HEAD", len(body)), Peer(body))
    assert get.body == b'{"size":4}' and head.body == b""
    assert head.status == 200 and head.header("content-length") == "10"
    assert len(seen) == 2 and all(upload.file.closed for upload in seen)


def test_a_form_without_files_and_a_body_in_pieces() -> None:
    seen: list[UploadFile] = []
    client = TestClient(upload_app(seen))
    assert client.post("/fields", data={"a": "1", "b": "2"}).json() == {"a": "1", "b": "2"}
    body, content_type = encode_multipart({"a": "x", "b": "y"}, {})
    answer = client.post("/fields", content=body, headers={"content-type": content_type})
    assert answer.json() == {"a": "x", "b": "y"}

    async def in_pieces() -> Peer:
        data = body_with(("file", "a.txt", b"0123456789" * 3))
        messages = [
            {"type": "http.request", "body": data[i : i + 7], "more_body": i + 7 < len(data)}
            for i in range(0, len(data), 7)
        ]
        peer = Peer(messages=messages, disconnect_when_done=True)
        return await drive(upload_app(seen), upload_scope(size=len(data)), peer)

    peer = anyio.run(in_pieces)
    assert peer.body == b'{"filename":"a.txt","size":30}'
    assert seen[-1].file.closed


# -- 422s side by side with FastAPI ------------------------------------------------------


def build_upload(fw: Any) -> Any:
    app = fw.App()

    @app.post("/upload")
    async def upload(file: fw.UploadFile) -> Any:
        return {"filename": file.filename, "size": len(await file.read())}

    @app.post("/two")
    async def two(file: fw.UploadFile, note: str = fw.Form()) -> Any:
        return {"filename": file.filename, "note": note}

    return app


@pytest.mark.parametrize(
    "body",
    [
        body_with(("file", "notes.txt", b"hello")),
        body_with(("other", "notes.txt", b"hello")),  # the file part is missing
        body_with(("file", None, b"not a file")),  # a field where a file is expected
        body_with(("file", "", b"")),  # an unselected file input: absent
        body_with(("note", None, b"n"), ("file", "a.txt", b"x")),
    ],
)
def test_answers_as_fastapi(body: bytes) -> None:
    from tests.oracle.sidebyside import Call, same_answers

    headers = {"content-type": CONTENT_TYPE}
    same_answers(
        build_upload,
        [
            Call.post("/upload", content=body, headers=headers),
            Call.post("/two", content=body, headers=headers),
        ],
    )


# -- the whole-body split: its boundary cache and a subclass's files ---------------------


def test_bodies_with_other_boundaries_in_turn() -> None:
    """The delimiters kept for the last boundary never serve another one."""
    from asgiweb.formparsers import whole_body_form

    multipart = pytest.importorskip("python_multipart")

    def body(boundary: bytes, data: bytes) -> bytes:
        return (
            b"--" + boundary + b'\r\nContent-Disposition: form-data; name="a"\r\n\r\n'
            + data + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip

    limits = (multipart, 10, 10, 1000, 1000)
    for boundary in (b"one", b"two", b"one", b"x" * 256, b"one"):
        form = whole_body_form(body(boundary, boundary), boundary, "utf-8", *limits)
        assert form is not None and form["a"] == boundary.decode()
        assert whole_body_form(body(b"other", b"v"), boundary, "utf-8", *limits) is None
    # Over python-multipart's boundary length: never split whole (it refuses those).
    assert whole_body_form(body(b"y" * 257, b"v"), b"y" * 257, "utf-8", *limits) is None


@pytest.mark.anyio
async def test_a_subclass_gets_its_files_once_the_body_is_found_plain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = record_uploads(monkeypatch)
    import asgiweb.formparsers

    recorded = asgiweb.formparsers.UploadFile  # the recording subclass
    assert recorded is not UploadFile and issubclass(recorded, UploadFile)
    plain = body_with(("f", "a.txt", b"abc"), ("g", "b.txt", b"de"))
    form = await Request(upload_scope(size=len(plain)), Peer(plain).receive).form()
    assert [type(value) for value in form.values()] == [recorded, recorded]
    assert isinstance(created[0].file, tempfile.SpooledTemporaryFile)  # made at once
    assert [await value.read() for value in form.values()] == [b"abc", b"de"]
    await form.close()
    assert all(upload.file.closed for upload in created)
    # A body that is not plain (its second file cut short, no closing delimiter): the
    # whole-body split makes no file, python-multipart makes both and drops the cut one.
    created.clear()
    whole = body_with(("ok", "1.txt", b"done"), ("cut", "2.txt", b"half"))
    cut = whole[: -len(f"\r\n--{BOUNDARY}--\r\n")]
    form = await Request(upload_scope(size=len(cut)), Peer(cut).receive).form()
    assert list(form) == ["ok"] and await form["ok"].read() == b"done"  # type: ignore[union-attr]
    assert [upload.file.closed for upload in created] == [False, True]
    await form.close()


@pytest.mark.anyio
async def test_a_file_in_memory_never_goes_to_a_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """As Starlette does: a worker thread only once the file is on disk (or a write
    is about to roll it over), whether the file is held as bytes or made already."""
    import asgiweb.datastructures

    async def no_thread(func: Any, *args: Any) -> Any:
        raise AssertionError(f"{func!r} sent to a worker thread")

    monkeypatch.setattr(asgiweb.datastructures, "_in_thread", no_thread)
    held = await lazy_upload(b"abcdef")
    made = await lazy_upload(b"abcdef")
    assert made.file.tell() == 0  # made now, still in memory
    for upload in (held, made):
        assert await upload.read(2) == b"ab"
        await upload.seek(0)
        await upload.write(b"XY")
        await upload.seek(0)
        assert await upload.read() == b"XYcdef"
        await upload.close()
        assert upload.file.closed
