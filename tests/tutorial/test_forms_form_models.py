"""Tutorial "Form Models": one model gathers the whole form, as FastAPI does."""

from typing import Annotated, Any

import pytest

from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, same_answers

pydantic = pytest.importorskip("pydantic")


class Signup(pydantic.BaseModel):
    email: str
    password: str = pydantic.Field(min_length=6)
    newsletter: bool = False
    interests: list[str] = []


class StrictSignup(Signup):
    model_config = pydantic.ConfigDict(extra="forbid")


def build(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/signup")
    async def signup(data: Annotated[Signup, fw.Form()]) -> Signup:
        return data

    @app.post("/strict")
    async def strict(data: Annotated[StrictSignup, fw.Form()]) -> StrictSignup:
        return data

    @app.post("/maybe")
    async def maybe(data: Annotated[Signup | None, fw.Form()] = None) -> dict[str, Any]:
        return {"given": data is not None}

    return app


def test_form_models_answer_as_fastapi_does() -> None:
    # FastAPI parses forms with python-multipart: without it there is no oracle.
    pytest.importorskip("python_multipart")
    replies = same_answers(
        build,
        [
            Call.post("/signup", data={"email": "a@b.c", "password": "secret!"}),
            Call.post("/signup", data={"email": "a@b.c", "password": "abc", "x": "1"}),
            Call.post(
                "/signup",
                data={
                    "email": "a@b.c",
                    "password": "secret!",
                    "interests": ["tea", "go"],
                    "newsletter": "on",
                },
            ),
            Call.post("/signup"),
            Call.post("/strict", data={"email": "a@b.c", "password": "secret!"}),
            Call.post(
                "/strict",
                data={
                    "email": "a@b.c",
                    "password": "secret!",
                    "extra": "no",
                    "more": ["1", "2"],
                },
            ),
            Call.post("/maybe"),
            Call.post("/maybe", data={"unrelated": "1"}),
            Call.post("/maybe", data={"email": "a@b.c", "password": "secret!"}),
            Call.post("/maybe", data={"email": "a@b.c"}),
        ],
    )
    answers = [(reply["status"], reply["body"]) for reply in replies]
    assert answers[0][0] == 200
    assert answers[2][1]["interests"] == ["tea", "go"] and answers[2][1]["newsletter"] is True
    assert [e["type"] for e in answers[5][1]["detail"]] == ["extra_forbidden", "extra_forbidden"]
    assert answers[6] == (200, {"given": False})


def test_a_dataclass_form_model() -> None:
    # FastAPI takes only pydantic models as form models; asgiweb also gathers a
    # dataclass (or TypedDict) from the form, with the same locations.
    import dataclasses

    fw = Framework("asgiweb")

    @dataclasses.dataclass
    class Filter:
        name: str
        limit: int = 10
        kinds: list[str] = dataclasses.field(default_factory=list)

    app = fw.App()

    @app.post("/filter")
    async def search(f: Annotated[Filter, fw.Form()]) -> dict[str, Any]:
        return dataclasses.asdict(f)

    client = TestClient(app)
    ok = client.post("/filter", data={"name": "x", "limit": "3", "kinds": ["a", "b"]})
    assert ok.json() == {"name": "x", "limit": 3, "kinds": ["a", "b"]}
    bad = client.post("/filter", data={"limit": "many"})
    assert bad.status_code == 422
    assert [(e["type"], e["loc"]) for e in bad.json()["detail"]] == [
        ("missing", ["body", "name"]),
        ("int_parsing", ["body", "limit"]),
    ]
