"""Tutorial "Form Data": fields of an urlencoded (or multipart) form, as FastAPI answers."""

# No `from __future__ import annotations`: the apps are built inside functions and
# their annotations name the framework's own classes.

from typing import Annotated, Any

import pytest

from tests.oracle.sidebyside import Call, Framework, same_answers


def build(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/session")
    async def open_session(
        user: Annotated[str, fw.Form()], secret: Annotated[str, fw.Form(min_length=4)]
    ) -> dict[str, Any]:
        return {"user": user, "secret_length": len(secret)}

    @app.post("/note")
    def leave_note(
        text: str = fw.Form(max_length=20),
        pinned: bool = fw.Form(False),
        priority: int = fw.Form(1, ge=1, le=5, alias="prio"),
    ) -> dict[str, Any]:
        return {"text": text, "pinned": pinned, "priority": priority}

    @app.post("/tags")
    async def tags(tag: Annotated[list[str], fw.Form()]) -> list[str]:
        return tag

    return app


def test_form_fields_answer_as_fastapi_does() -> None:
    # FastAPI parses forms with python-multipart: without it there is no oracle.
    pytest.importorskip("python_multipart")
    replies = same_answers(
        build,
        [
            Call.post("/session", data={"user": "ada", "secret": "lovelace"}),
            Call.post("/session", data={"user": "ada", "secret": "abc"}),
            Call.post("/session", data={"user": "ada"}),
            Call.post("/session"),
            Call.post("/session", data={"user": "", "secret": "lovelace"}),
            # JSON is not a form: the fields are missing.
            Call.post("/session", json={"user": "ada", "secret": "lovelace"}),
            # A multipart body carries form fields too.
            Call.post("/session", files={"user": (None, "ada"), "secret": (None, "12345")}),
            Call.post("/note", data={"text": "buy milk"}),
            Call.post("/note", data={"text": "x" * 21, "pinned": "maybe", "prio": "9"}),
            Call.post("/note", data={"text": "call", "pinned": "yes", "prio": "3"}),
            Call.post("/note", data={"text": "call", "priority": "3"}),
            Call.post("/tags", data={"tag": ["a", "b", "a"]}),
            Call.post("/tags", data={}),
            Call.post(
                "/tags",
                content="tag=%C3%A9t%C3%A9&tag=x+y",
                headers={"content-type": "application/x-www-form-urlencoded"},
            ),
        ],
    )
    answers = [(reply["status"], reply["body"]) for reply in replies]
    assert answers[0] == (200, {"user": "ada", "secret_length": 8})
    assert answers[1][0] == 422 and answers[1][1]["detail"][0]["loc"] == ["body", "secret"]
    assert answers[6] == (200, {"user": "ada", "secret_length": 5})
    assert answers[9] == (200, {"text": "call", "pinned": True, "priority": 3})
    assert answers[13] == (200, ["été", "x y"])
