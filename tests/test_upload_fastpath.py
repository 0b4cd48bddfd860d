"""The multipart upload hot path (benchmarks/compare.py upload).

- ``Request.form()`` splits a small multipart body that arrived in one message
  whole (``whole_body_form``), with no stream generator; a body in several
  messages, a big one or an unusual one streams through ``MultiPartParser`` as
  before, and both readings give the same form;
- Content-Type and Content-Length are read in one pass over the raw headers, with
  ``Headers.get``'s answer (first line, names compared case-insensitively);
- a file of a body split whole is a ``SpooledTemporaryFile`` filled in around the
  body's bytes (``spooled_file_with``), which must stay a real one;
- a route's files are closed after the response only when its form has files.
"""

# No `from __future__ import annotations`: handlers are defined inside tests.

import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

import anyio
import pytest

import asgiweb._spooled
from asgiweb import App, Form, Request, UploadFile
from asgiweb.exceptions import ClientDisconnect, HTTPException
from asgiweb.formparsers import (
    SPOOLED_ATTRIBUTES,
    MultiPartParser,
    spooled_file_with,
    spooled_layout_fits,
)
from asgiweb.testclient import TestClient, encode_multipart
from asgiweb.types import Message
from tests.harness import Peer, http_scope, multipart_body

pytest.importorskip("python_multipart")

BOUNDARY = "up7b0und"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def body_with(*parts: tuple[str, str | None, bytes], boundary: str = BOUNDARY) -> bytes:
    """A multipart body of these parts, this file's boundary by default."""
    return multipart_body(*parts, boundary=boundary)


def request_for(
    messages: list[Message],
    content_type: str | bytes = CONTENT_TYPE,
    headers: list[tuple[bytes, bytes]] | None = None,
    max_body_size: int | None = None,
) -> tuple[Request, Peer]:
    raw = headers if headers is not None else [(b"content-type", _latin1(content_type))]
    scope = http_scope("POST", "/", headers=raw)
    scope["headers"] = raw  # as given: names not lowered by the harness
    peer = Peer(messages=messages, disconnect_when_done=True)
    return Request(scope, peer.receive, max_body_size=max_body_size), peer


def _latin1(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def one_message(body: bytes) -> list[Message]:
    return [{"type": "http.request", "body": body, "more_body": False}]


def in_pieces(body: bytes, size: int) -> list[Message]:
    pieces = [body[i : i + size] for i in range(0, len(body), size)] or [b""]
    return [
        {"type": "http.request", "body": piece, "more_body": i < len(pieces) - 1}
        for i, piece in enumerate(pieces)
    ]


async def described(form: Any) -> list[Any]:
    out: list[Any] = []
    for key, value in form.multi_items():
        if isinstance(value, str):
            out.append((key, value))
        else:
            out.append(
                (
                    key,
                    value.filename,
                    value.size,
                    value.headers.multi_items(),
                    await value.read(),
                    value.file.closed,
                )
            )
            await value.seek(0)
    return out


class StreamCounter:
    """Counts the MultiPartParser.parse calls (the streaming path) while patched in."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = MultiPartParser.parse

        async def parse(parser: MultiPartParser) -> Any:
            self.calls += 1
            return await original(parser)

        monkeypatch.setattr(MultiPartParser, "parse", parse)


# -- the whole-body entry of Request.form() ---------------------------------------------


@pytest.mark.anyio
async def test_one_message_is_split_whole_and_answers_as_the_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = body_with(("title", None, "Hé".encode()), ("doc", "a.txt", b"hello\r\n--x"))
    counter = StreamCounter(monkeypatch)
    request, peer = request_for(one_message(body))
    whole = await request.form()
    assert counter.calls == 0 and peer.receive_calls == 1
    assert await request.form() is whole  # cached
    trailing: list[Message] = [
        {"type": "http.request", "body": body, "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]
    for messages in (in_pieces(body, 1), in_pieces(body, 7), in_pieces(body, 64), trailing):
        pieced, _ = request_for(messages)
        form = await pieced.form()
        assert await described(form) == await described(whole)
        await form.close()
    assert counter.calls == 4  # several messages (or one with more_body): the stream
    doc = whole["doc"]
    assert isinstance(doc, UploadFile)
    assert (doc.filename, doc.size, doc.content_type) == ("a.txt", 10, "text/plain")
    assert whole["title"] == "Hé"
    await request.close()
    assert doc.file.closed


@pytest.mark.anyio
async def test_unusual_or_big_bodies_in_one_message_still_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counter = StreamCounter(monkeypatch)
    big = body_with(("doc", "big.bin", b"z" * (MultiPartParser.whole_body_max + 1)))
    request, _ = request_for(one_message(big))
    form = await request.form()
    doc = form["doc"]
    assert isinstance(doc, UploadFile) and doc.size == MultiPartParser.whole_body_max + 1
    assert counter.calls == 1
    await form.close()
    # A preamble before the first boundary: python-multipart judges it (a 400, as
    # FastAPI answers), and a body cut short (an empty form, as FastAPI's).
    request, _ = request_for(one_message(b"preamble\r\n" + body_with(("a", None, b"1"))))
    with pytest.raises(HTTPException) as caught:
        await request.form()
    assert (caught.value.status_code, caught.value.detail) == (400, "Invalid multipart data.")
    request, _ = request_for(one_message(b"--up7b0und\r\nbroken"))
    assert list((await request.form()).multi_items()) == []
    assert counter.calls == 3


@pytest.mark.anyio
async def test_body_then_form_and_the_consumed_stream() -> None:
    body = body_with(("a", None, b"1"), ("f", "f.txt", b"data"))
    request, _ = request_for(one_message(body))
    assert await request.body() == body
    form = await request.form()
    assert form["a"] == "1"
    await form.close()
    request, _ = request_for(one_message(body))
    async for _ in request.stream():
        pass
    with pytest.raises(RuntimeError, match="consumed"):
        await request.form()


@pytest.mark.anyio
@pytest.mark.parametrize("split", [False, True])
async def test_limits_and_malformed_bodies_are_400s(split: bool) -> None:
    async def error(body: bytes, content_type: str = CONTENT_TYPE, **limits: Any) -> Any:
        messages = in_pieces(body, 5) if split else one_message(body)
        request, _ = request_for(messages, content_type)
        with pytest.raises(HTTPException) as caught:
            await request.form(**limits)
        return caught.value.status_code, caught.value.detail

    two_files = body_with(("f", "a", b"1"), ("g", "b", b"2"))
    assert await error(two_files, max_files=1) == (
        400,
        "Too many files. Maximum number of files is 1.",
    )
    two_fields = body_with(("a", None, b"1"), ("b", None, b"2"))
    assert await error(two_fields, max_fields=1) == (
        400,
        "Too many fields. Maximum number of fields is 1.",
    )
    assert await error(body_with(("a", None, b"x" * 2000)), max_part_size=1024) == (
        400,
        "Part exceeded maximum size of 1KB.",
    )
    preamble = b"preamble\r\n" + two_fields
    assert await error(preamble) == (400, "Invalid multipart data.")
    assert await error(two_fields, "multipart/form-data") == (
        400,
        "Missing boundary in multipart.",
    )


@pytest.mark.anyio
async def test_missing_boundary_comes_before_the_declared_length() -> None:
    headers = [(b"content-type", b"multipart/form-data"), (b"content-length", b"99999")]
    request, peer = request_for(one_message(b"x"), headers=headers, max_body_size=10)
    with pytest.raises(HTTPException) as caught:
        await request.form()
    assert (caught.value.status_code, caught.value.detail) == (
        400,
        "Missing boundary in multipart.",
    )
    assert peer.receive_calls == 0


@pytest.mark.anyio
async def test_body_size_limits() -> None:
    body = body_with(("f", "f.bin", b"q" * 100))
    declared = [
        (b"content-type", CONTENT_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    request, peer = request_for(one_message(body), headers=declared, max_body_size=50)
    with pytest.raises(HTTPException) as caught:
        await request.form()
    assert caught.value.status_code == 413 and peer.receive_calls == 0  # not a byte read
    bad = [(b"content-type", CONTENT_TYPE.encode()), (b"content-length", b"ten")]
    request, _ = request_for(one_message(body), headers=bad, max_body_size=50)
    with pytest.raises(HTTPException) as caught:
        await request.form()
    assert (caught.value.status_code, caught.value.detail) == (
        400,
        "Invalid Content-Length header",
    )
    request, _ = request_for(one_message(body), max_body_size=50)  # undeclared
    with pytest.raises(HTTPException) as caught:
        await request.form()
    assert caught.value.status_code == 413
    request, _ = request_for(one_message(body), headers=declared, max_body_size=len(body))
    assert (await request.form())["f"].size == 100  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_a_disconnect_before_the_body() -> None:
    request, _ = request_for([{"type": "http.disconnect"}])
    with pytest.raises(ClientDisconnect):
        await request.form()
    assert request.disconnected


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("charset", "expected"),
    [("", "é"), ("; charset=latin-1", "Ã©"), ("; charset=nope", "Ã©"), ('; charset="utf-8"', "é")],
)
async def test_charset_of_names_and_fields(charset: str, expected: str) -> None:
    body = body_with(("é", None, "é".encode()), ("f", "é.txt", b"x"))
    for messages in (one_message(body), in_pieces(body, 9)):
        request, _ = request_for(messages, CONTENT_TYPE + charset)
        form = await request.form()
        assert form[expected] == expected
        upload = form["f"]
        assert isinstance(upload, UploadFile) and upload.filename == expected + ".txt"
        await form.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    "headers",
    [
        [(b"Content-Type", CONTENT_TYPE.encode()), (b"Content-Length", b"5")],
        [(b"CONTENT-TYPE", CONTENT_TYPE.encode()), (b"content-type", b"text/plain")],
        [(b"x-content-type", b"text/plain"), (b"content-type", CONTENT_TYPE.encode())],
        [(b"content-length", b"1"), (b"content-length", b"99999")],
        [(b"Content-Lengt\xe9", b"99999"), (b"content-type", CONTENT_TYPE.encode())],
    ],
)
async def test_headers_read_in_one_pass_as_headers_get_reads_them(
    headers: list[tuple[bytes, bytes]],
) -> None:
    request, _ = request_for([], headers=headers)
    expected = (request.headers.get("content-type"), request.headers.get("content-length"))
    fresh, _ = request_for([], headers=headers)
    assert fresh._form_headers() == expected
    assert request._form_headers() == expected  # the headers already built


@pytest.mark.anyio
async def test_uppercase_header_names_still_parse_the_form() -> None:
    body = body_with(("a", None, b"1"))
    headers = [(b"Content-Type", CONTENT_TYPE.encode())]
    request, _ = request_for(one_message(body), headers=headers)
    assert (await request.form())["a"] == "1"


@pytest.mark.anyio
async def test_each_request_reads_its_own_content_type() -> None:
    """The last multipart Content-Type is remembered: a request with another one (or
    none, or a broken one) still gets its own answer."""
    for boundary, charset in [("one", ""), ("one", ""), ("two", ""), ("two", "; charset=latin-1")]:
        body = body_with(("é", None, b"v"), boundary=boundary)
        request, _ = request_for(
            one_message(body), f"multipart/form-data; boundary={boundary}{charset}"
        )
        assert list(await request.form()) == ["Ã©" if charset else "é"]
    for content_type, detail in [
        ("multipart/form-data", "Missing boundary in multipart."),
        ("multipart/form-data; boundary=one", "Invalid multipart data."),
    ]:
        request, _ = request_for(one_message(b"--two\r\n\r\n"), content_type)
        with pytest.raises(HTTPException) as caught:
            await request.form()
        assert caught.value.detail == detail
    request, _ = request_for(one_message(b"a=1"), "application/x-www-form-urlencoded")
    assert dict(await request.form()) == {"a": "1"}
    request, _ = request_for(one_message(b"a=1"), "text/plain")
    assert dict(await request.form()) == {}


# -- the spooled file filled in around the bytes ----------------------------------------


def test_the_spooled_layout_is_the_one_this_python_has() -> None:
    """Fails when tempfile's SpooledTemporaryFile changes under us: then review
    spooled_file_with (its fallback, the plain calls, keeps the answers right)."""
    assert spooled_layout_fits()
    with tempfile.SpooledTemporaryFile(max_size=10) as plain:
        built = spooled_file_with(b"abc", 10)
        assert vars(plain).keys() == vars(built).keys() == SPOOLED_ATTRIBUTES
        assert vars(built)["_TemporaryFileArgs"] == vars(plain)["_TemporaryFileArgs"]
        other = spooled_file_with(b"", 10)
        assert vars(built)["_TemporaryFileArgs"] is not vars(other)["_TemporaryFileArgs"]
        built.close()
        other.close()


@pytest.mark.parametrize("fits", [True, False])
def test_a_filled_in_spooled_file_is_a_real_one(
    fits: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if not fits:  # the fallback: as if the layout had changed
        monkeypatch.setattr(asgiweb._spooled, "_spooled_arguments", False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = b"0123456789"
    file = spooled_file_with(data, 16)
    assert isinstance(file, tempfile.SpooledTemporaryFile)
    assert type(file._file) is BytesIO and (file._file is not None)
    assert (file.tell(), file.read(), file._rolled, file.mode, file.closed) == (
        0,
        data,
        False,
        "w+b",
        False,
    )
    file.seek(4)
    file.write(b"xy")  # writing does not touch the caller's bytes
    assert data == b"0123456789"
    file.write(b"abcdefghijk")  # past max_size: rolls over to disk
    assert file._rolled and file.name is not None
    file.seek(0)
    assert file.read() == b"0123xyabcdefghijk"
    assert isinstance(file.fileno(), int)
    file.close()
    assert file.closed
    fresh = spooled_file_with(b"abc", 16)
    fresh.rollover()  # explicitly, as fileno() does
    assert fresh._rolled and fresh.tell() == 0 and fresh.read() == b"abc"
    fresh.close()
    empty = spooled_file_with(b"", 0)  # max_size 0: never rolls over
    assert (empty.read(), empty._max_size) == (b"", 0)
    empty.close()


def test_data_over_max_size_is_written_the_plain_way(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    file = spooled_file_with(b"x" * 20, 16)
    assert file._rolled and file.tell() == 0 and file.read() == b"x" * 20
    file.close()


@pytest.mark.anyio
async def test_upload_methods_on_a_filled_in_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    body = body_with(("doc", "d.bin", b"abc"))
    request, _ = request_for(one_message(body))
    form = await request.form()
    upload = form["doc"]
    assert isinstance(upload, UploadFile) and upload._in_memory
    assert await upload.read() == b"abc"
    upload.file._max_size = 8  # type: ignore[attr-defined]
    await upload.write(b"0123456789")  # rolls over: in a worker thread
    assert not upload._in_memory and upload.size == 13
    await upload.seek(0)
    assert await upload.read() == b"abc0123456789"
    await request.close()
    assert upload.file.closed


def test_an_upload_of_a_part_is_what_the_constructor_makes() -> None:
    """UploadFile._of_part fills the slots in by hand and leaves the file to be made
    on first use: it must give what the constructors give around a spooled file of
    the same bytes (a slot added to either class fails this test)."""
    from asgiweb.datastructures import Headers

    raw = [(b"content-disposition", b'form-data; name="f"; filename="a"'), (b"x-n", b"1")]
    made = UploadFile._of_part(b"abc", 16, "a", raw)
    expected = UploadFile(
        spooled_file_with(b"abc", 16), size=3, filename="a", headers=Headers(raw=raw)
    )
    assert type(made) is UploadFile and type(made.headers) is Headers
    assert (made.size, made.filename) == (expected.size, expected.filename) == (3, "a")
    for name in Headers.__slots__:
        assert getattr(made.headers, name) == getattr(expected.headers, name)
    assert made.headers.raw is raw and made.headers["X-N"] == "1"
    assert set(UploadFile.__slots__) == {
        "_buffer",
        "_file",
        "_spool_size",
        "filename",
        "headers",
        "size",
    }
    assert set(Headers.__slots__) == {"_index", "_raw"}
    file: Any = made.file  # made now, around the held bytes
    assert isinstance(file, tempfile.SpooledTemporaryFile)
    assert vars(file).keys() == vars(expected.file).keys() == SPOOLED_ATTRIBUTES
    assert (file.tell(), file.read(), file._max_size, file._rolled) == (0, b"abc", 16, False)
    assert made.file is file  # made once
    file.close()
    expected.file.close()

    class Recorded(UploadFile):
        __slots__ = ()
        made: list[UploadFile] = []

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.made.append(self)

    sub = Recorded._of_part(b"abc", 16, "a", raw)
    assert Recorded.made == [sub] and sub.headers.raw is raw and sub.size == 3
    assert isinstance(sub.file, tempfile.SpooledTemporaryFile) and sub.file.read() == b"abc"
    sub.file.close()


# -- through a route ---------------------------------------------------------------------


def test_upload_route_answers_and_closes_after_the_response(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = App()
    seen: list[UploadFile] = []

    @app.post("/upload")
    async def upload(file: UploadFile) -> dict[str, Any]:
        seen.append(file)
        return {"filename": file.filename, "size": len(await file.read())}

    @app.post("/fields")
    async def fields(request: Request, a: Any = Form()) -> dict[str, Any]:
        form = await request.form()
        return {"a": a, "keys": list(form)}

    client = TestClient(app)
    response = client.post("/upload", files={"file": ("notes.txt", b"hello upload\n" * 8)})
    assert response.json() == {"filename": "notes.txt", "size": 104}
    assert seen[0].file.closed
    # A multipart form without files, and an urlencoded one: nothing to close.
    body, content_type = encode_multipart({"a": "1"}, {})
    answer = client.post("/fields", content=body, headers={"content-type": content_type})
    assert answer.json() == {"a": "1", "keys": ["a"]}
    assert client.post("/fields", data={"a": "2"}).json() == {"a": "2", "keys": ["a"]}


def test_form_parameters_read_the_form_with_request_forms_limits() -> None:
    import inspect

    from asgiweb._endpoint.forms import FORM_LIMITS

    defaults = inspect.signature(Request.form).parameters
    names = ("max_files", "max_fields", "max_part_size")
    assert tuple(defaults[name].default for name in names) == FORM_LIMITS


def test_files_closed_when_the_handler_raises() -> None:
    app = App()
    seen: list[UploadFile] = []

    @app.post("/boom")
    async def boom(file: UploadFile) -> None:
        seen.append(file)
        raise RuntimeError("handler bug")

    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/boom", files={"file": ("a.txt", b"x")}).status_code == 500
    assert seen[0].file.closed


def test_benchmark_body_matches_the_streaming_reading() -> None:
    from benchmarks.records import UPLOAD_BODY, UPLOAD_TYPE

    async def main() -> tuple[Any, Any]:
        whole, _ = request_for(one_message(UPLOAD_BODY), UPLOAD_TYPE)
        pieced, _ = request_for(in_pieces(UPLOAD_BODY, 16), UPLOAD_TYPE)
        return await described(await whole.form()), await described(await pieced.form())

    whole, pieced = anyio.run(main)
    assert whole == pieced
    assert whole[0][1:3] == ("notes.txt", len(b"hello upload\n" * 8))


# -- side by side with FastAPI -----------------------------------------------------------


def build_uploads(fw: Any) -> Any:
    app = fw.App()

    @app.post("/upload")
    async def upload(file: fw.UploadFile) -> dict[str, Any]:
        return {"filename": file.filename, "size": len(await file.read())}

    @app.post("/echo")
    async def echo(request: fw.Request) -> Any:
        form = await request.form(max_files=2, max_fields=2, max_part_size=16)
        out = []
        for key, value in form.multi_items():
            if isinstance(value, str):
                out.append([key, value])
            else:
                content = await value.read()
                out.append([key, value.filename, value.size, content.decode("latin-1")])
        return out

    return app


UPLOAD_BODIES = [
    body_with(("file", "notes.txt", b"hello upload\n" * 8)),
    body_with(("file", "é.txt", b""), ("a", None, "é".encode())),
    body_with(("f", "a", b"1"), ("g", "b", b"2"), ("h", "c", b"3")),  # one file too many
    body_with(("a", None, b"1"), ("b", None, b"2"), ("c", None, b"3")),  # a field too many
    body_with(("a", None, b"x" * 17)),  # over max_part_size
    body_with(("file", "x", b"--up7b0und\r\n")),
    b"preamble\r\n" + body_with(("a", None, b"1")),
    b"--up7b0und\r\nbroken",
]


@pytest.mark.parametrize("body", UPLOAD_BODIES)
@pytest.mark.parametrize("charset", ["", "; charset=latin-1"])
def test_uploads_answer_as_fastapi(body: bytes, charset: str) -> None:
    from tests.oracle.sidebyside import Call, same_answers

    headers = {"content-type": CONTENT_TYPE + charset}
    same_answers(
        build_uploads,
        [
            Call.post("/upload", content=body, headers=headers),
            Call.post("/echo", content=body, headers=headers),
        ],
    )


def test_a_missing_boundary_answers_as_fastapi() -> None:
    from tests.oracle.sidebyside import Call, same_answers

    body = body_with(("file", "a.txt", b"x"))
    headers = {"content-type": "multipart/form-data"}
    same_answers(build_uploads, [Call.post("/upload", content=body, headers=headers)])
