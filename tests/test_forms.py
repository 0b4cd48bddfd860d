"""Form parameters: markers, registration rules, request.form() and FormData."""

# No `from __future__ import annotations`: handlers are defined inside tests.

import sys
from typing import Annotated, Any

import pytest

import asgiweb
import tests.formparity as tests_formparity
from asgiweb import App, Body, File, Form, Request, UploadFile
from asgiweb.datastructures import FormData, ImmutableMultiDict
from asgiweb.params import FileParam, FormParam
from asgiweb.testclient import TestClient
from tests.formparity import same_answers

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

    answers = same_answers(
        build,
        [
            ("POST", "/form", {"data": {"a": ["1", "2"], "b": "x y", "c": ""}}),
            (
                "POST",
                "/form",
                {"data": {"a": ["1", "2"]}, "files": [("f", ("n.txt", b"hi")), ("a", ("m", b"3"))]},
            ),
            (
                "POST",
                "/form",
                {
                    "content": "a=1&&b&=v&a=%zz+%41",
                    "headers": {"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
                },
            ),
            ("POST", "/form", {"content": "a=1", "headers": {"content-type": "text/plain"}}),
            ("POST", "/form", {"json": {"a": 1}}),
            ("POST", "/form", {}),
        ],
    )
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


def test_every_code_block_of_docs_forms_runs() -> None:
    import re
    from pathlib import Path

    pytest.importorskip("pydantic")
    text = (Path(__file__).resolve().parent.parent / "docs" / "forms.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) >= 6
    namespace: dict[str, Any] = {}
    for index, block in enumerate(blocks):
        if block.startswith(("from ", "import ")):
            namespace = {"__name__": f"docs_forms_{index}"}
        exec(compile(block, f"docs/forms.md block {index}", "exec"), namespace)


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
    fastapi = TestClient(build(tests_formparity.fastapi_framework()))
    ours = TestClient(build(tests_formparity.asgiweb_framework()))
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
