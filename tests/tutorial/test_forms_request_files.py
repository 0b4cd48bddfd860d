"""Tutorial "Request Files": ``bytes`` and ``UploadFile`` parameters, single and many."""

from typing import Annotated, Any

import pytest

from tests.oracle.sidebyside import Call, Framework, same_answers


def build(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/raw")
    async def raw(blob: Annotated[bytes, fw.File()]) -> dict[str, Any]:
        return {"length": len(blob), "head": blob[:5].decode("latin-1")}

    @app.post("/upload")
    async def upload(doc: fw.UploadFile) -> dict[str, Any]:
        content = await doc.read()
        return {
            "filename": doc.filename,
            "content_type": doc.content_type,
            "size": doc.size,
            "read": len(content),
        }

    @app.post("/maybe-raw")
    async def maybe_raw(blob: Annotated[bytes | None, fw.File()] = None) -> dict[str, Any]:
        return {"length": None if blob is None else len(blob)}

    @app.post("/maybe-upload")
    async def maybe_upload(doc: fw.UploadFile | None = None) -> dict[str, Any]:
        return {"filename": None if doc is None else doc.filename}

    @app.post("/described")
    async def described(
        doc: Annotated[fw.UploadFile, fw.File(description="a document")],
    ) -> dict[str, Any]:
        return {"filename": doc.filename}

    @app.post("/many-raw")
    async def many_raw(blobs: Annotated[list[bytes], fw.File()]) -> list[int]:
        return [len(b) for b in blobs]

    @app.post("/many")
    async def many(docs: list[fw.UploadFile]) -> list[str | None]:
        return [d.filename for d in docs]

    @app.post("/aliased")
    async def aliased(doc: Annotated[fw.UploadFile, fw.File(alias="the-doc")]) -> str | None:
        return doc.filename

    return app


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_file_parameters_answer_as_fastapi_does() -> None:
    # FastAPI parses forms with python-multipart: without it there is no oracle.
    pytest.importorskip("python_multipart")
    replies = same_answers(
        build,
        [
            Call.post("/raw", files={"blob": ("pic.png", PNG, "image/png")}),
            Call.post("/raw", files={"other": ("pic.png", PNG)}),
            Call.post("/raw"),
            Call.post("/upload", files={"doc": ("notes.txt", b"hello world")}),
            Call.post("/upload", files={"doc": ("data.bin", PNG, "application/x-thing")}),
            Call.post("/upload", data={"doc": "not a file"}),
            # What a browser sends for an <input type=file> left empty.
            Call.post("/upload", files={"doc": ("", b"", "application/octet-stream")}),
            Call.post("/maybe-raw"),
            Call.post("/maybe-raw", files={"blob": ("b", b"12345")}),
            Call.post("/maybe-upload"),
            Call.post("/maybe-upload", files={"doc": ("", b"")}),
            Call.post("/maybe-upload", files={"doc": ("résumé.pdf", b"%PDF")}),
            Call.post("/described", files={"doc": ("d.txt", b"x")}),
            Call.post("/many-raw", files=[("blobs", ("a", b"1")), ("blobs", ("b", b"22"))]),
            Call.post("/many", files=[("docs", ("a.txt", b"1")), ("docs", ("b.txt", b"2"))]),
            Call.post("/many", data={"docs": ["x", "y"]}),
            Call.post("/many"),
            Call.post("/aliased", files={"the-doc": ("x.csv", b"a,b")}),
            Call.post("/aliased", files={"doc": ("x.csv", b"a,b")}),
        ],
    )
    answers = [(reply["status"], reply["body"]) for reply in replies]
    assert answers[0] == (200, {"length": len(PNG), "head": "\x89PNG\r"})
    assert answers[3] == (
        200,
        {"filename": "notes.txt", "content_type": "text/plain", "size": 11, "read": 11},
    )
    assert answers[5][1]["detail"][0]["type"] == "value_error"
    assert answers[11] == (200, {"filename": "résumé.pdf"})
    assert answers[14] == (200, ["a.txt", "b.txt"])
