"""Form and file parameters of dependencies: read from the one parsed form of the
request, validated and reported like the handler's own, compared with FastAPI."""

from typing import Annotated, Any

import pytest

import asgiweb
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, same_answers

pytest.importorskip("python_multipart")


def build(fw: Framework) -> Any:
    app = fw.App()

    def credentials(
        user: Annotated[str, fw.Form(min_length=2)],
        pin: Annotated[int, fw.Form()] = 0,
    ) -> dict[str, Any]:
        return {"user": user, "pin": pin}

    @app.post("/signin")
    async def signin(
        who: Annotated[dict[str, Any], fw.Depends(credentials)],
        note: Annotated[str | None, fw.Form()] = None,
        page: int = 1,
    ) -> Any:
        return {**who, "note": note, "page": page}

    return app


def test_a_dependency_s_form_fields_are_filled_and_validated_like_the_handler_s() -> None:
    same_answers(
        build,
        [
            Call("POST", "/signin", data={"user": "ann", "pin": "42", "note": "hi"}),
            Call("POST", "/signin?page=2", data={"user": "ann"}),
            Call("POST", "/signin", data={"user": "a", "pin": "x"}),
            Call("POST", "/signin?page=x", data={"note": "only"}),
            Call("POST", "/signin"),
        ],
    )


def test_an_uploaded_file_of_a_dependency_is_closed_after_the_response() -> None:
    app = asgiweb.App()
    seen: list[Any] = []

    async def upload(doc: asgiweb.UploadFile) -> asgiweb.UploadFile:
        seen.append(doc)
        return doc

    @app.post("/files")
    async def files(doc: Annotated[asgiweb.UploadFile, asgiweb.Depends(upload)]) -> Any:
        return {"name": doc.filename, "size": len(await doc.read())}

    with TestClient(app) as client:
        response = client.post("/files", files={"doc": ("a.txt", b"hello")})
    assert response.json() == {"name": "a.txt", "size": 5}
    assert seen and seen[0].file.closed


def test_form_in_a_dependency_and_a_json_body_in_the_handler_is_a_registration_error() -> None:
    app = asgiweb.App()

    def login(user: Annotated[str, asgiweb.Form()]) -> str:
        return user

    with pytest.raises(TypeError, match="a request has one body"):

        @app.post("/mixed")
        async def mixed(
            who: Annotated[str, asgiweb.Depends(login)],
            item: Annotated[dict[str, Any], asgiweb.Body()],
        ) -> Any:
            return item  # pragma: no cover
