"""FastAPI's "Query Parameters and String Validations" page, ported: one app with
each example as a route, run on asgiweb and on FastAPI, answers compared."""

from typing import Annotated, Any

import pytest

from tests.oracle.sidebyside import Call, Framework, compare

ITEMS = {"items": [{"item_id": "Foo"}, {"item_id": "Bar"}]}


def string_validations(fw: Framework) -> Any:
    app = fw.App()
    Query = fw.mod.Query

    def answer(q: Any) -> dict[str, Any]:
        results: dict[str, Any] = dict(ITEMS)
        if q:
            results.update({"q": q})
        return results

    @app.get("/optional/")
    async def optional(q: str | None = None):  # type: ignore[no-untyped-def]
        return answer(q)

    @app.get("/max-length/")
    async def max_length(q: Annotated[str | None, Query(max_length=50)] = None):  # type: ignore[no-untyped-def]
        return answer(q)

    @app.get("/old-style/")
    async def old_style(q: str | None = Query(default=None, max_length=50)):  # type: ignore[no-untyped-def]
        return answer(q)

    @app.get("/min-max/")
    async def min_max(  # type: ignore[no-untyped-def]
        q: Annotated[str | None, Query(min_length=3, max_length=50)] = None,
    ):
        return answer(q)

    @app.get("/pattern/")
    async def pattern(  # type: ignore[no-untyped-def]
        q: Annotated[str | None, Query(min_length=3, max_length=50, pattern="^fixedquery$")] = None,
    ):
        return answer(q)

    @app.get("/default/")
    async def default(q: Annotated[str, Query(min_length=3)] = "fixedquery"):  # type: ignore[no-untyped-def]
        return answer(q)

    @app.get("/required/")
    async def required(q: Annotated[str, Query(min_length=3)]):  # type: ignore[no-untyped-def]
        return answer(q)

    @app.get("/required-or-none/")
    async def required_or_none(q: Annotated[str | None, Query(min_length=3)]):  # type: ignore[no-untyped-def]
        return answer(q)

    @app.get("/list/")
    async def as_list(q: Annotated[list[str] | None, Query()] = None):  # type: ignore[no-untyped-def]
        return {"q": q}

    @app.get("/list-default/")
    async def list_default(q: Annotated[list[str], Query()] = ["foo", "bar"]):  # type: ignore[no-untyped-def]  # noqa: B006
        return {"q": q}

    @app.get("/bare-list/")
    async def bare_list(q: Annotated[list, Query()] = []):  # type: ignore[no-untyped-def,type-arg]  # noqa: B006
        return {"q": q}

    @app.get("/metadata/")
    async def metadata(  # type: ignore[no-untyped-def]
        q: Annotated[
            str | None,
            Query(
                title="Query string",
                description="Query string for the items to search in the database",
                min_length=3,
            ),
        ] = None,
    ):
        return answer(q)

    @app.get("/alias/")
    async def alias(q: Annotated[str | None, Query(alias="item-query")] = None):  # type: ignore[no-untyped-def]
        return answer(q)

    @app.get("/deprecated/")
    async def deprecated(  # type: ignore[no-untyped-def]
        q: Annotated[
            str | None,
            Query(
                alias="item-query",
                title="Query string",
                min_length=3,
                max_length=50,
                pattern="^fixedquery$",
                deprecated=True,
            ),
        ] = None,
    ):
        return answer(q)

    @app.get("/hidden/")
    async def hidden(  # type: ignore[no-untyped-def]
        hidden_query: Annotated[str | None, Query(include_in_schema=False)] = None,
    ):
        if hidden_query:
            return {"hidden_query": hidden_query}
        return {"hidden_query": "Not found"}

    return app


PATHS = [
    "/optional/",
    "/max-length/",
    "/old-style/",
    "/min-max/",
    "/pattern/",
    "/default/",
    "/required/",
    "/required-or-none/",
    "/metadata/",
]
QUERIES = ["", "?q=fixedquery", "?q=fo", "?q=" + "x" * 51, "?q=other", "?q=", "?q=a&q=bcd"]


@pytest.mark.parametrize("path", PATHS)
def test_string_validations(path: str) -> None:
    compare(string_validations, [Call.get(path + query) for query in QUERIES])


def test_lists_aliases_deprecated_and_hidden() -> None:
    calls = [
        Call.get("/list/"),
        Call.get("/list/?q=foo&q=bar"),
        Call.get("/list-default/"),
        Call.get("/list-default/?q=baz"),
        Call.get("/bare-list/?q=1&q=2"),
        Call.get("/bare-list/"),
        Call.get("/alias/?item-query=foobar"),
        Call.get("/alias/?q=foobar"),
        Call.get("/deprecated/?item-query=fixedquery"),
        Call.get("/deprecated/?item-query=nope"),
        Call.get("/hidden/"),
        Call.get("/hidden/?hidden_query=yes"),
    ]
    answers = compare(string_validations, calls)
    assert answers[1].json() == {"q": ["foo", "bar"]}
    assert answers[2].json() == {"q": ["foo", "bar"]}
    assert answers[6].json()["q"] == "foobar"
    assert answers[9].json()["detail"][0]["loc"] == ["query", "item-query"]


def custom_validation(fw: Framework) -> Any:
    import random

    from pydantic import AfterValidator

    app = fw.App()
    data = {
        "isbn-9781529046137": "The Hitchhiker's Guide to the Galaxy",
        "imdb-tt0371724": "The Hitchhiker's Guide to the Galaxy",
        "isbn-9781439512982": "Isaac Asimov: The Complete Stories, Vol. 2",
    }

    def check_valid_id(id: str) -> str:
        if not id.startswith(("isbn-", "imdb-")):
            raise ValueError('Invalid ID format, it must start with "isbn-" or "imdb-"')
        return id

    @app.get("/items/")
    async def read_items(id: Annotated[str | None, AfterValidator(check_valid_id)] = None):  # type: ignore[no-untyped-def]
        if id:
            item = data.get(id)
        else:
            id, item = random.Random(0).choice(list(data.items()))
        return {"id": id, "name": item}

    return app


def test_custom_validation_with_after_validator() -> None:
    calls = [
        Call.get("/items/?id=isbn-9781529046137"),
        Call.get("/items/?id=imdb-tt0371724"),
        Call.get("/items/?id=isbn-nope"),
        Call.get("/items/"),
        Call.get("/items/?id=bad"),
    ]
    answers = compare(custom_validation, calls)
    assert answers[0].json()["name"] == "The Hitchhiker's Guide to the Galaxy"
    assert answers[4].status_code == 422


def functional_validators(fw: Framework) -> Any:
    from pydantic import AfterValidator, BeforeValidator, PlainValidator, WrapValidator

    app = fw.App()
    Query = fw.mod.Query
    steps: list[str] = []

    def strip(value: Any) -> Any:
        steps.append(f"before {value!r}")
        return value.strip() if isinstance(value, str) else value

    def even(value: int) -> int:
        steps.append(f"after {value!r}")
        assert value % 2 == 0, "must be even"
        return value

    def double(value: int) -> int:
        steps.append(f"double {value!r}")
        return value * 2

    def plain(value: Any) -> str:
        if value == "boom":
            raise ValueError("no booms")
        return f"plain:{value}"

    def wrapped(value: Any, handler: Any) -> Any:
        if value == "skip":
            return -1
        return handler(value) + 1

    @app.get("/chain")
    async def chain(  # type: ignore[no-untyped-def]
        n: Annotated[int, BeforeValidator(strip), AfterValidator(even), AfterValidator(double)],
    ):
        return {"n": n, "steps": steps[-3:]}

    @app.get("/plain")
    async def plain_route(p: Annotated[str, PlainValidator(plain)] = "d"):  # type: ignore[no-untyped-def]
        return {"p": p}

    @app.get("/wrap")
    async def wrap_route(w: Annotated[int, WrapValidator(wrapped), Query(ge=0)]):  # type: ignore[no-untyped-def]
        return {"w": w}

    return app


def test_functional_validators_on_parameters() -> None:
    calls = [
        Call.get("/chain?n=%204%20"),
        Call.get("/chain?n=3"),
        Call.get("/chain?n=x"),
        Call.get("/plain?p=a"),
        Call.get("/plain?p=boom"),
        Call.get("/plain"),
        Call.get("/wrap?w=3"),
        Call.get("/wrap?w=skip"),
        Call.get("/wrap?w=-5"),
        Call.get("/wrap?w=nope"),
    ]
    answers = compare(functional_validators, calls)
    assert answers[0].json() == {"n": 8, "steps": ["before ' 4 '", "after 4", "double 4"]}
    assert answers[1].json()["detail"][0]["type"] == "assertion_error"
    assert answers[4].json()["detail"][0]["msg"] == "Value error, no booms"
