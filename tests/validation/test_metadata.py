"""Validators inside Annotated: pydantic's are honoured, unknown metadata is refused."""

import dataclasses
from typing import Annotated, Any

import pytest

from asgiweb import App, Query
from asgiweb._validation.compiler import compile_converter
from tests.oracle.sidebyside import Call, Framework, same_answers

pydantic = pytest.importorskip("pydantic")
pydantic_core = pytest.importorskip("pydantic_core")
AfterValidator = pydantic.AfterValidator
BeforeValidator = pydantic.BeforeValidator
PlainValidator = pydantic.PlainValidator
WrapValidator = pydantic.WrapValidator


def check_id(value: str) -> str:
    if not value.startswith(("isbn-", "imdb-")):
        raise ValueError('Invalid ID format, it must start with "isbn-" or "imdb-"')
    return value


def positive(value: int) -> int:
    assert value > 0, "must be positive"
    return value


def strip_prefix(value: Any) -> Any:
    return value.removeprefix("n=") if isinstance(value, str) else value


def double(value: int, handler: Any) -> int:
    result: int = handler(value)
    return result * 2


def custom(value: str) -> str:
    if value == "no":
        raise pydantic_core.PydanticCustomError("not_yes", "Say {word}", {"word": "yes"})
    return value


def shout(value: Any, info: Any) -> str:
    return f"{value}!".upper()


@dataclasses.dataclass
class Tagged:
    name: Annotated[str, AfterValidator(str.title)]
    size: Annotated[int, AfterValidator(positive)] = 1


def build(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/items/")
    async def items(id: Annotated[str | None, AfterValidator(check_id)] = None) -> Any:
        return {"id": id}

    @app.get("/positive")
    async def is_positive(n: Annotated[int, AfterValidator(positive)]) -> Any:
        return {"n": n}

    @app.get("/before")
    async def before(n: Annotated[int, BeforeValidator(strip_prefix), fw.Query(gt=2)]) -> Any:
        return {"n": n}

    @app.get("/wrap")
    async def wrap(n: Annotated[int, WrapValidator(double)]) -> Any:
        return {"n": n}

    @app.get("/plain")
    async def plain(n: Annotated[int, PlainValidator(lambda v: len(v))]) -> Any:
        return {"n": n}

    @app.get("/custom")
    async def custom_error(word: Annotated[str, AfterValidator(custom)]) -> Any:
        return {"word": word}

    @app.get("/info")
    async def with_info(word: Annotated[str, AfterValidator(shout)]) -> Any:
        return {"word": word}

    @app.post("/tagged")
    async def tagged(item: Tagged) -> Any:
        return item

    return app


def test_pydantic_validators_in_annotated_match_fastapi() -> None:
    same_answers(
        build,
        [
            "/items/",
            "/items/?id=isbn-9781529046137",
            "/items/?id=wtf",
            "/positive?n=3",
            "/positive?n=-1",
            "/positive?n=x",
            "/before?n=n=5",
            "/before?n=n=1",
            "/before?n=x",
            "/wrap?n=4",
            "/wrap?n=x",
            "/plain?n=abc",
            "/custom?word=no",
            "/custom?word=ok",
            "/info?word=hey",
            Call("POST", "/tagged", json={"name": "big box", "size": 3}),
            Call("POST", "/tagged", json={"name": "x", "size": 0}),
        ],
    )


def test_query_with_after_validator_answers_422() -> None:
    answers = same_answers(build, ["/items/?id=wtf"])
    assert answers[0]["status"] == 422
    assert answers[0]["body"]["detail"][0]["type"] == "value_error"


def test_metadata_nobody_reads_is_ignored_as_fastapi_ignores_it() -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/noted")
        async def noted(q: Annotated[str, "just a note", object()]):
            return q

        return app

    answers = same_answers(build, ["/noted?q=hi", "/noted"])
    assert [a["status"] for a in answers] == [200, 422]


def test_known_metadata_is_accepted() -> None:
    import annotated_types

    convert = compile_converter(
        Annotated[int, annotated_types.Gt(1), pydantic.Field(lt=10), Query(), AfterValidator(int)]
    )
    assert convert("5") == 5
    app = App()

    @app.get("/ok")
    async def ok(q: Annotated[int, Query(ge=0), annotated_types.Le(9)] = 0) -> int:
        return q
