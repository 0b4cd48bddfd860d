"""A pydantic dataclass with computed fields as a response model, side by side with
FastAPI: pydantic writes it, computed fields included (the annotation, the
``response_model=`` and nested in a list); returned without a model it is written as
its fields, as ``jsonable_encoder`` writes a dataclass."""

from typing import Any

import pytest
from pydantic import computed_field
from pydantic.dataclasses import dataclass

from tests.oracle.sidebyside import Framework, same_answers


@dataclass
class Rect:
    w: int
    h: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def area(self) -> int:
        return self.w * self.h


def rect_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/annotated")
    def annotated() -> Rect:
        return Rect(w=2, h=3)

    @app.get("/model", response_model=Rect)
    def model() -> Any:
        return {"w": 2, "h": "4"}

    @app.get("/many")
    def many() -> list[Rect]:
        return [Rect(w=1, h=1), {"w": 2, "h": 5}]  # type: ignore[list-item]

    @app.get("/bad", response_model=Rect)
    def bad() -> Any:
        return {"w": "x"}

    @app.get("/untyped")
    def untyped():  # type: ignore[no-untyped-def]
        return Rect(w=2, h=3)

    return app


def test_computed_fields_are_written_as_fastapi_writes_them() -> None:
    answers = same_answers(rect_app, ["/annotated", "/model", "/many", "/untyped"])
    assert answers[0]["body"] == {"w": 2, "h": 3, "area": 6}
    assert answers[1]["body"] == {"w": 2, "h": 4, "area": 8}
    assert answers[2]["body"] == [{"w": 1, "h": 1, "area": 1}, {"w": 2, "h": 5, "area": 10}]
    assert answers[3]["body"] == {"w": 2, "h": 3}


def test_a_value_that_does_not_fit_is_a_response_validation_error() -> None:
    from asgiweb.exceptions import ResponseValidationError
    from asgiweb.testclient import TestClient

    with pytest.raises(ResponseValidationError) as raised:
        TestClient(rect_app(Framework("asgiweb"))).get("/bad")
    assert [(e["type"], e["loc"]) for e in raised.value.errors()] == [
        ("int_parsing", ("response", "w")),
        ("missing", ("response", "h")),
    ]
