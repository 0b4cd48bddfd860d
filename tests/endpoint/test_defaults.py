"""A parameter's default is the handler's own for one request only.

A handler that changes the default it was given (appends to a default list, edits a
default model) must not change what the next request gets: every default that is
not an immutable value is deep-copied per request, as FastAPI copies it.
"""

from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import BaseModel, Field

from tests.oracle.sidebyside import Call, Framework, same_answers


class Filters(BaseModel):
    term: str = "all"
    tags: list[str] = Field(default_factory=list)


@dataclass
class Page:
    size: int = 10
    seen: list[int] = field(default_factory=list)


def defaults_app(fw: Framework) -> Any:
    app = fw.App()
    model_default = Filters(term="default")
    list_default: list[str] = []

    @app.get("/model")
    def model(filters: Annotated[Filters | None, fw.Query()] = model_default) -> Any:
        assert filters is not None
        filters.tags.append("new")
        return filters

    @app.get("/list")
    def listing(q: Annotated[list[str], fw.Query()] = list_default) -> Any:
        q.append("added")
        return q

    @app.post("/body")
    def body(payload: dict[str, list[int]] = {"n": [1]}) -> Any:  # noqa: B006
        payload["n"].append(2)
        return payload

    @app.get("/defaults")
    def defaults() -> Any:
        return {"model": model_default.tags, "list": list_default}

    return app


def test_a_default_changed_by_one_request_is_fresh_for_the_next_as_in_fastapi() -> None:
    calls = [
        "/model",
        "/model",
        "/list",
        "/list",
        Call.post("/body"),
        Call.post("/body"),
        "/defaults",
    ]
    answers = same_answers(defaults_app, calls)
    assert answers[1]["body"] == {"term": "default", "tags": ["new"]}
    assert answers[3]["body"] == ["added"]
    assert answers[5]["body"] == {"n": [1, 2]}
    assert answers[6]["body"] == {"model": [], "list": []}


def test_a_dataclass_default_is_copied_too() -> None:
    from asgiweb import App
    from asgiweb.testclient import TestClient

    app = App()
    default = Page()

    @app.post("/page")
    def page(p: Page = default) -> Any:
        p.seen.append(p.size)
        return p.seen

    client = TestClient(app)
    assert [client.post("/page").json() for _ in range(2)] == [[10], [10]]
    assert default.seen == []
