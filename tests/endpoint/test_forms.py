"""Form parameters: markers, registration rules, request.form() and FormData; uploaded
files: spooling, closing and deleting, limits."""

# No `from __future__ import annotations`: handlers are defined inside tests.

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest

import asgiweb
import asgiweb.formparsers
from asgiweb import App, Body, File, Form, HTTPException, Request, UploadFile
from asgiweb.datastructures import FormData, ImmutableMultiDict
from asgiweb.params import FileParam, FormParam
from asgiweb.testclient import TestClient
from asgiweb.types import Message
from tests.harness import Peer, drive, http_scope
from tests.oracle.sidebyside import Call, Framework, same_answers

pytest.importorskip("python_multipart")


def test_markers_are_exported_like_fastapis() -> None:
    assert asgiweb.Form is Form and asgiweb.File is File
    assert asgiweb.UploadFile is UploadFile is asgiweb.datastructures.UploadFile
    assert isinstance(Form(), FormParam) and isinstance(File(), FileParam)
    assert isinstance(File(), FormParam)  # a file is a form field too
    assert Form().media_type == "application/x-www-form-urlencoded"
    assert File().media_type == "multipart/form-data"
    marker = Form("x", alias="y", min_length=2, description="d")
    assert (marker.default, marker.alias, marker.min_length) == ("x", "y", 2)
    assert File(...).required and not File(None).required


def test_form_and_json_body_parameters_cannot_share_a_route() -> None:
    app = App()
    with pytest.raises(TypeError, match="either Form"):

        @app.post("/mixed")
        async def mixed(name: Annotated[str, Form()], extra: Annotated[dict[str, Any], Body()]):
            return None

    with pytest.raises(TypeError, match="one body"):

        @app.post("/mixed-file")
        async def mixed_file(doc: UploadFile, item: dict[str, int]):
            return None


def test_declaring_a_form_without_the_parser_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "python_multipart", None)  # import now fails
    app = App()
    for marker in (Form(), File()):
        with pytest.raises(RuntimeError, match=r"asgiweb\[forms\]") as info:

            @app.post("/f")
            async def handler(field: str = marker) -> None:
                return None

        assert "'field'" in str(info.value) and "python-multipart" in str(info.value)
    with pytest.raises(RuntimeError, match=r"asgiweb\[forms\]"):

        @app.post("/u")
        async def upload(doc: UploadFile) -> None:
            return None

    # Urlencoded bodies need no parser package: request.form() still reads them.
    @app.post("/plain")
    async def plain(request: Request) -> dict[str, Any]:
        return dict((await request.form()).items())

    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/plain", data={"a": "1"}).json() == {"a": "1"}
    multipart = client.post("/plain", files={"doc": ("d", b"1")})
    assert multipart.status_code == 500  # the parser is missing at request time


def test_request_form_reads_both_encodings() -> None:
    def build(fw: Any) -> Any:
        app = fw.App()

        @app.post("/form")
        async def read(request: fw.Request) -> dict[str, Any]:
            form = await request.form()
            return {
                "items": [
                    [
                        k,
                        v
                        if isinstance(v, str)
                        else ["file", v.filename, (await v.read()).decode()],
                    ]
                    for k, v in form.multi_items()
                ],
                "keys": list(form.keys()),
                "last": form.get("a") if isinstance(form.get("a"), str | None) else "file",
                "missing": form.get("nope", "dflt"),
                "all": [v if isinstance(v, str) else "file" for v in form.getlist("a")],
                "len": len(form),
                "has": "a" in form,
            }

        return app

    replies = same_answers(
        build,
        [
            Call.post("/form", data={"a": ["1", "2"], "b": "x y", "c": ""}),
            Call.post(
                "/form", data={"a": ["1", "2"]}, files=[("f", ("n.txt", b"hi")), ("a", ("m", b"3"))]
            ),
            Call.post(
                "/form",
                content="a=1&&b&=v&a=%zz+%41",
                headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
            ),
            Call.post("/form", content="a=1", headers={"content-type": "text/plain"}),
            Call.post("/form", json={"a": 1}),
            Call.post("/form"),
        ],
    )
    answers = [(reply["status"], reply["body"]) for reply in replies]
    assert answers[0][1]["all"] == ["1", "2"] and answers[0][1]["last"] == "2"
    assert answers[1][1]["items"][2] == ["f", ["file", "n.txt", "hi"]]
    assert answers[3][1]["len"] == 0


def test_form_data_is_an_immutable_multidict() -> None:
    form = FormData([("a", "1"), ("b", "2"), ("a", "3")])
    assert isinstance(form, ImmutableMultiDict)
    assert form["a"] == "3" and form.get("a") == "3" and form.get("zz") is None
    assert form.getlist("a") == ["1", "3"] and form.getlist("zz") == []
    assert list(form.keys()) == ["a", "b"] and list(form) == ["a", "b"]
    assert list(form.items()) == [("a", "3"), ("b", "2")]
    assert list(form.values()) == ["3", "2"]
    assert form.multi_items() == [("a", "1"), ("b", "2"), ("a", "3")]
    assert len(form) == 2 and "b" in form and "c" not in form
    assert form == FormData([("b", "2"), ("a", "1"), ("a", "3")])
    assert form != FormData([("a", "1")]) and form != {"a": "3", "b": "2"}
    assert FormData({"x": "1"}, y="2").multi_items() == [("x", "1"), ("y", "2")]
    assert FormData(form) == form
    assert repr(FormData([("k", "v")])) == "FormData([('k', 'v')])"
    with pytest.raises(KeyError):
        form["zz"]
    with pytest.raises(TypeError):
        form["a"] = "x"  # type: ignore[index]


def test_form_parameters_read_multipart_and_urlencoded_alike() -> None:
    app = App()

    @app.post("/f")
    async def handler(
        name: str = Form(),
        count: Annotated[int, Form(ge=0)] = 0,
        tags: Annotated[list[str] | None, Form()] = None,
    ) -> dict[str, Any]:
        return {"name": name, "count": count, "tags": tags}

    client = TestClient(app)
    expected = {"name": "n", "count": 2, "tags": ["x", "y"]}
    fields = {"name": "n", "count": "2", "tags": ["x", "y"]}
    assert client.post("/f", data=fields).json() == expected
    assert client.post("/f", data=fields, files={"ignored": ("i", b"")}).json() == expected
    assert client.post("/f", data={"name": "n"}).json() == {"name": "n", "count": 0, "tags": None}


def test_route_reads_the_form_once_with_the_request_too() -> None:
    app = App()

    @app.post("/f")
    async def handler(request: Request, doc: UploadFile, note: str = Form("")) -> dict[str, Any]:
        form = await request.form()
        return {"same": form["doc"] is doc, "note": note}

    response = TestClient(app).post("/f", data={"note": "n"}, files={"doc": ("d", b"1")})
    assert response.json() == {"same": True, "note": "n"}


def test_a_file_where_a_field_is_expected_is_a_422_not_a_500() -> None:
    def build(fw: Any) -> Any:
        app = fw.App()

        @app.post("/text")
        def text(name: Annotated[str, fw.Form()]) -> str:
            return name

        @app.post("/raw")
        def raw(data: Annotated[bytes, fw.Form()]) -> int:
            return len(data)

        return app

    calls = [
        ("/text", {"files": {"name": ("x.txt", b"abc")}}),
        ("/raw", {"files": {"data": ("q.bin", b"1", "application/x-q")}}),
    ]
    fastapi = TestClient(build(Framework("fastapi")))
    ours = TestClient(build(Framework("asgiweb")))
    for path, options in calls:
        mine, theirs = ours.post(path, **options), fastapi.post(path, **options)
        assert mine.status_code == theirs.status_code == 422
        (error,) = mine.json()["detail"]
        (reference,) = theirs.json()["detail"]
        # FastAPI dumps the UploadFile's attributes, its file object's internals
        # included; asgiweb gives the same metadata without those.
        assert error.pop("input") == {
            key: reference["input"][key] for key in ("filename", "size", "headers")
        }
        reference.pop("input")
        assert error == reference


# -- uploaded files ---------------------------------------------------------------------------

MIB = 1024 * 1024


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
    scope = http_scope(
        "POST", "/up", headers=[("content-type", "multipart/form-data; boundary=b0und")]
    )
    peer = await drive(app, scope, Peer(messages=messages), timeout=10)
    assert not called and not peer.sent  # nobody to answer
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
    assert too_big.json() == {"detail": "Content Too Large"}
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
async def test_async_with_request_form_closes_its_files() -> None:
    boundary = "bb"
    body = multipart_body(boundary, 10)
    peer = Peer(messages=[{"type": "http.request", "body": body}])
    scope = http_scope(
        "POST", "/", headers=[("content-type", f"multipart/form-data; boundary={boundary}")]
    )
    request = Request(scope, peer.receive)
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
