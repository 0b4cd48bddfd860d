"""Tutorial "Request Forms and Files": form fields and files in one multipart body."""

from typing import Annotated, Any

import pytest

from tests.oracle.sidebyside import Call, Framework, same_answers


def build(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/submit")
    async def submit(
        report: Annotated[bytes, fw.File()],
        attachment: Annotated[fw.UploadFile, fw.File()],
        title: Annotated[str, fw.Form(min_length=1)],
        pages: Annotated[int, fw.Form(gt=0)] = 1,
    ) -> dict[str, Any]:
        return {
            "report_size": len(report),
            "attachment_type": attachment.content_type,
            "attachment": (await attachment.read()).decode(),
            "title": title,
            "pages": pages,
        }

    return app


def test_forms_and_files_answer_as_fastapi_does() -> None:
    # FastAPI parses forms with python-multipart: without it there is no oracle.
    pytest.importorskip("python_multipart")
    files = {"report": ("r.pdf", b"%PDF-1.7 ..."), "attachment": ("a.json", b'{"k": 1}')}
    replies = same_answers(
        build,
        [
            Call.post("/submit", data={"title": "Q3", "pages": "12"}, files=files),
            Call.post("/submit", data={"title": "Q3"}, files=files),
            Call.post("/submit", data={"title": "Q3", "pages": "0"}, files=files),
            Call.post("/submit", data={"pages": "x"}, files={"report": ("r", b"1")}),
            # Urlencoded fields cannot carry files: those are missing or wrong.
            Call.post("/submit", data={"title": "Q3", "report": "abc", "attachment": "z"}),
            Call.post("/submit"),
        ],
    )
    answers = [(reply["status"], reply["body"]) for reply in replies]
    assert answers[0] == (
        200,
        {
            "report_size": 12,
            "attachment_type": "application/json",
            "attachment": '{"k": 1}',
            "title": "Q3",
            "pages": 12,
        },
    )
    assert [e["loc"] for e in answers[3][1]["detail"]] == [
        ["body", "attachment"],
        ["body", "title"],
        ["body", "pages"],
    ]
