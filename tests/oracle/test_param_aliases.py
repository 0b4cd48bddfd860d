"""Which key a parameter is read by, side by side with FastAPI.

``alias`` names the key; a string ``validation_alias`` wins over it (pydantic
validates by it, so FastAPI reads, documents and reports errors by it); and a
pydantic ``Field(alias=..., validation_alias=...)`` written beside the marker in
``Annotated`` (or alone, for an unmarked parameter) counts the same way when the
marker sets neither.  Each app is written once and must answer as FastAPI does:
the values, the 422's ``loc``, and the OpenAPI parameter names.
"""

from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field

from tests.oracle.sidebyside import Call, Framework, frameworks, same_answers

SOURCES = ("query", "header", "cookie", "form", "body")


def marker(fw: Framework, source: str, **options: Any) -> Any:
    if source == "body":
        return fw.Body(embed=True, **options)
    return {"query": fw.Query, "header": fw.Header, "cookie": fw.Cookie, "form": fw.Form}[
        source
    ](**options)


def send(source: str, url: str, values: dict[str, str]) -> Call:
    if source == "query":
        return Call.post(url, params=values)
    if source == "header":
        return Call.post(url, headers=values)
    if source == "cookie":
        return Call.post(url, cookies=values)
    if source == "form":
        return Call.post(url, data=values)
    return Call.post(url, json=values)


def alias_app(fw: Framework, source: str) -> Any:
    app = fw.App()

    @app.post("/validation-alias")
    def by_validation_alias(
        p: Annotated[str, marker(fw, source, validation_alias="p_val")],
    ) -> Any:
        return {"p": p}

    @app.post("/both")
    def by_both(
        p: Annotated[str, marker(fw, source, alias="p_alias", validation_alias="p_val")],
    ) -> Any:
        return {"p": p}

    @app.post("/optional")
    def optional(
        p: Annotated[str | None, marker(fw, source, validation_alias="p_val")] = None,
    ) -> Any:
        return {"p": p}

    @app.post("/field")
    def from_field(p: Annotated[int, Field(alias="wire"), marker(fw, source)]) -> Any:
        return {"p": p}

    @app.post("/field-validation")
    def from_field_validation(
        p: Annotated[int, Field(alias="unused", validation_alias="wire"), marker(fw, source)],
    ) -> Any:
        return {"p": p}

    return app


@pytest.mark.parametrize("source", SOURCES)
def test_validation_alias_and_field_aliases_name_the_key_as_in_fastapi(source: str) -> None:
    calls = []
    for url in ("/validation-alias", "/both", "/optional"):
        for values in ({"p_val": "v"}, {"p": "v"}, {"p_alias": "v"}, {}):
            calls.append(send(source, url, values))
    for url in ("/field", "/field-validation"):
        for values in ({"wire": "5"}, {"p": "5"}, {"unused": "5"}, {"wire": "x"}):
            calls.append(send(source, url, values))
    answers = same_answers(lambda fw: alias_app(fw, source), calls)
    assert answers[0]["body"] == {"p": "v"}
    where = "body" if source == "form" else source  # a form field's 422 says "body"
    assert answers[1]["body"]["detail"][0]["loc"] == [where, "p_val"]


@pytest.mark.parametrize("source", ("query", "header", "cookie"))
def test_the_document_names_parameters_by_the_key_as_fastapi(source: str) -> None:
    ours, theirs = frameworks()
    mine = alias_app(ours, source).openapi()["paths"]
    reference = alias_app(theirs, source).openapi()["paths"]
    for path, item in reference.items():
        names = [p["name"] for p in item["post"]["parameters"]]
        assert [p["name"] for p in mine[path]["post"]["parameters"]] == names, path
    assert mine["/both"]["post"]["parameters"][0]["name"] == "p_val"


def unmarked_and_path_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/items/{wire}")
    def path_alias(value: Annotated[int, Field(alias="wire"), fw.Path()]) -> Any:
        return value

    @app.get("/count")
    def unmarked(count: Annotated[int, Field(alias="n")] = 10) -> Any:
        return count

    return app


def test_an_unmarked_or_path_parameter_takes_a_field_alias_as_in_fastapi() -> None:
    calls = ["/items/5", "/items/x", "/count?n=3", "/count?count=3", "/count?n=x"]
    answers = same_answers(unmarked_and_path_app, calls)
    assert [a["body"] for a in answers[:1]] == [5]
    assert answers[2]["body"] == 3 and answers[3]["body"] == 10


@settings(max_examples=30, deadline=None)
@given(
    key=st.sampled_from(("p_val", "p", "p_alias", "P_VAL", "other")),
    value=st.text("abc019-", max_size=4),
)
def test_generated_query_keys_read_as_fastapi_reads_them(key: str, value: str) -> None:
    same_answers(lambda fw: alias_app(fw, "query"), [Call.post("/both", params={key: value})])
