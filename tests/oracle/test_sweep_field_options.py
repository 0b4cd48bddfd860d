"""pydantic's field options on request parameters, side by side with FastAPI (the oracle).

``validation_alias=AliasChoices(...)`` / ``AliasPath(...)``, ``validate_default``,
``union_mode`` and ``fail_fast`` given to a marker (or to a pydantic ``Field`` beside
it in ``Annotated``): which key is read, where a 422 entry is located, what the
OpenAPI document names, and which values come out.  Each app is written once
(``build(fw)``, see ``tests/oracle/sidebyside.py``) and served by both frameworks.
"""

from typing import Annotated, Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.oracle.sidebyside import Call, Framework, ask, frameworks, same_answers

pydantic = pytest.importorskip("pydantic")
AliasChoices, AliasPath, Field = pydantic.AliasChoices, pydantic.AliasPath, pydantic.Field
BeforeValidator = pydantic.BeforeValidator


def _document(build: Any, *, skip: tuple[str, ...] = ()) -> None:
    """Both apps document the same paths and component schemas (but ``skip``'s)."""
    ours, theirs = (ask(build(fw), ["/openapi.json"])[0]["body"] for fw in frameworks())
    for doc in (ours, theirs):
        for path in skip:
            del doc["paths"][path]
        schemas = doc.get("components", {}).get("schemas", {})
        ends = tuple(f"_{path[1:].replace('/', '_')}_post" for path in skip)
        for name in [name for name in schemas if name.endswith(ends)]:
            del schemas[name]
    assert ours["paths"] == theirs["paths"]
    assert ours.get("components") == theirs.get("components")


# -- AliasChoices on query, header and cookie parameters -----------------------------


def flat_app(fw: Framework) -> Any:
    app = fw.App()
    Query, Header, Cookie = fw.Query, fw.Header, fw.Cookie

    @app.get("/query")
    def query(
        number: Annotated[int, Query(alias="unused", validation_alias=AliasChoices("n", "num"))],
        tags: Annotated[
            list[str], Query(validation_alias=AliasChoices("tag", "label"), title="Tags")
        ] = ["none"],  # noqa: B006 - FastAPI copies it per request, as asgiweb does
        maybe: Annotated[int | None, Query(validation_alias=AliasChoices("m", "mm"))] = None,
    ):
        return {"number": number, "tags": tags, "maybe": maybe}

    @app.get("/inferred")
    def inferred(value: Annotated[int, Field(validation_alias=AliasChoices("a", "b"))] = 0):
        return value

    @app.get("/header")
    def header(
        token: Annotated[int, Header(validation_alias=AliasChoices("X-Token", "X-Legacy"))],
        codes: Annotated[list[str], Header(validation_alias=AliasChoices("x_code", "X-C"))] = [],  # noqa: B006
    ):
        return {"token": token, "codes": codes}

    @app.get("/cookie")
    def cookie(
        session: Annotated[
            str, Cookie(alias="unused", validation_alias=AliasChoices("sid", "old_sid"))
        ] = "anonymous",
        count: Annotated[int | None, Cookie(validation_alias=AliasChoices("c1", "c2"))] = None,
    ):
        return {"session": session, "count": count}

    @app.get("/alias-path")
    def alias_path(value: Annotated[int, Query(validation_alias=AliasPath("items", 0))] = 7):
        return value

    @app.get("/empty-choice")
    def empty_choice(value: Annotated[int, Query(validation_alias=AliasChoices("", "other"))]):
        return value

    return app


def test_query_choices() -> None:
    same_answers(
        flat_app,
        [
            "/query?n=1",
            "/query?num=2",
            "/query?num=2&n=1",  # declaration order, not request order
            "/query?num=1&num=3",  # a repeated scalar: the last value
            "/query?n=x&num=2",  # the first present is the one validated
            "/query?n=&num=2",  # an empty value is a sent value
            "/query?num=x",
            "/query",  # missing: reported under the first choice
            "/query?number=1&unused=2",  # neither the name nor the alias is read
            "/query?n=1&label=a&label=b&tag=c",
            "/query?n=1&label=a&label=b",
            "/query?n=1&label=",
            "/query?n=1&mm=x",
            "/query?n=1&mm=4&m=5",
            "/inferred?b=3",
            "/inferred?b=x",
            "/inferred?a=1&b=2",
            "/inferred",
            "/alias-path?items=1&items=2",  # AliasPath: not a key of a flat source
            "/alias-path?value=5",
            "/empty-choice?=1&other=2",
            "/empty-choice?other=x",
        ],
    )


def test_header_and_cookie_choices() -> None:
    same_answers(
        flat_app,
        [
            Call.get("/header", headers={"x-token": "1"}),
            Call.get("/header", headers={"X-LEGACY": "2"}),
            Call.get("/header", headers={"x-legacy": "2", "x-token": "x"}),
            Call.get("/header", headers={"x-legacy": "x"}),
            Call.get("/header"),
            Call.get("/header", headers=[("x-token", "1"), ("x_code", "a"), ("x_code", "b")]),
            Call.get("/header", headers=[("x-token", "1"), ("x-c", "a"), ("x-code", "b")]),
            Call.get("/cookie"),
            Call.get("/cookie", headers={"cookie": "old_sid=abc"}),
            Call.get("/cookie", headers={"cookie": "old_sid=abc; sid=def"}),
            Call.get("/cookie", headers={"cookie": "session=abc; unused=1"}),
            Call.get("/cookie", headers={"cookie": "c2=x"}),
            Call.get("/cookie", headers={"cookie": "c2=1; c1=x"}),
        ],
    )


def test_flat_choices_documented() -> None:
    _document(flat_app)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(["n", "num", "number", "m", "mm"]),
            st.sampled_from(["1", "-2", "x", ""]),
        ),
        max_size=5,
    )
)
def test_query_choices_property(pairs: list[tuple[str, str]]) -> None:
    """Any mix of the choice keys, repeated or not, valid or not: FastAPI's answer."""
    query = "&".join(f"{key}={value}" for key, value in pairs)
    same_answers(flat_app, [f"/query?{query}"])


# -- AliasChoices on path parameters ---------------------------------------------------


def path_app(fw: Framework) -> Any:
    app = fw.App()
    Path = fw.Path
    identifier = Path(alias="unused", validation_alias=AliasChoices("item_id", "id"), ge=1)

    def get_identifier(value: Annotated[int, identifier]) -> int:
        return value

    @app.get("/items/{item_id}")
    def by_item(value: Annotated[int, fw.Depends(get_identifier)]):
        return value

    @app.get("/legacy/{id}")
    def by_legacy(value: Annotated[int, fw.Depends(get_identifier)]):
        return value

    @app.get("/both/{second}/{first}")
    def both(
        value: Annotated[
            int, Path(alias="second", validation_alias=AliasChoices("first", "second"))
        ],
        second: str,
    ):
        return {"value": value, "second": second}

    @app.get("/fallback/{legacy}")
    def fallback(
        value: Annotated[int, Path(alias="legacy", validation_alias=AliasChoices("a", "b"))],
    ):
        return value

    return app


def test_path_choices() -> None:
    same_answers(
        path_app,
        [
            "/items/3",
            "/items/x",
            "/items/0",
            "/legacy/4",
            "/legacy/x",
            "/legacy/0",
            "/both/2/1",
            "/both/2/x",
            "/fallback/5",
            "/fallback/x",
        ],
    )
    _document(path_app)


# -- AliasChoices on body parameters ---------------------------------------------------


def body_app(fw: Framework) -> Any:
    app = fw.App()
    Body = fw.Body

    @app.post("/embedded")
    def embedded(
        value: Annotated[
            int, Body(embed=True, alias="unused", validation_alias=AliasChoices("a", "b"))
        ],
    ):
        return value

    @app.post("/several")
    def several(
        items: Annotated[
            list[int], Body(default_factory=list, validation_alias=AliasChoices("items", "tags"))
        ],
        value: Annotated[int | None, Body(validation_alias=AliasChoices("a", "b"))] = 10,
    ):
        return {"items": items, "value": value}

    @app.post("/whole")
    def whole(value: Annotated[int, Body(validation_alias=AliasChoices("a", "b"))]):
        return value

    @app.post("/path")
    def path(
        value: Annotated[
            int, Body(embed=True, validation_alias=AliasChoices("a", AliasPath("n", "v")))
        ],
    ):
        return value

    return app


def test_body_choices() -> None:
    same_answers(
        body_app,
        [
            Call.post("/embedded", json={"a": 1}),
            Call.post("/embedded", json={"b": 2}),
            Call.post("/embedded", json={"b": 2, "a": 0}),
            Call.post("/embedded", json={"a": "x", "b": 2}),
            Call.post("/embedded", json={"b": "x"}),
            Call.post("/embedded", json={}),
            Call.post("/embedded", json={"value": 1, "unused": 2}),
            Call.post("/embedded", json=[1]),
            Call.post("/embedded"),
            Call.post("/several", json={}),
            Call.post("/several", json={"b": 2, "tags": [3, 4]}),
            Call.post("/several", json={"a": None, "b": 2}),
            Call.post("/several", json={"tags": [1, "x"]}),
            Call.post("/several", json={"items": [], "tags": [3]}),
            Call.post("/several", json={"b": None}),
            Call.post("/whole", json=3),
            Call.post("/whole", json={"a": 3}),
            Call.post("/path", json={"value": 1, "a": 2, "n": {"v": 3}}),
            Call.post("/path", json={"a": 2}),
        ],
    )
    # Deliberate differences (docs/api.md, "Markers"): a lone body parameter with
    # choices is titled by its first choice (FastAPI: by its name), and choices
    # holding an AliasPath are documented by the name they are read by (FastAPI
    # documents the first choice, though it reads the name).
    _document(body_app, skip=("/whole", "/path"))
    ours = ask(body_app(frameworks()[0]), ["/openapi.json"])[0]["body"]
    schemas = ours["components"]["schemas"]
    assert list(schemas["Body_path_path_post"]["properties"]) == ["value"]
    whole = ours["paths"]["/whole"]["post"]["requestBody"]["content"]["application/json"]
    assert whole["schema"] == {"type": "integer", "title": "A"}


# -- validate_default -------------------------------------------------------------------


def _double(value: Any) -> int:
    return 0 if value is None else int(value) * 2


Doubled = Annotated[int | None, BeforeValidator(_double)]


def defaults_app(fw: Framework) -> Any:
    app = fw.App()
    calls: list[int] = []

    def factory() -> int:
        calls.append(1)
        return 10

    for name, marker in (
        ("query", fw.Query),
        ("header", fw.Header),
        ("cookie", fw.Cookie),
        ("form", fw.Form),
    ):

        def plain(value: Annotated[Doubled, marker(validate_default=True)] = 10):
            return value

        def none(value: Annotated[Doubled, marker(validate_default=True)] = None):
            return value

        def made(value: Annotated[Doubled, marker(default_factory=factory, validate_default=True)]):
            return {"value": value, "calls": len(calls)}

        def unvalidated(value: Annotated[Doubled, marker()] = 10):
            return value

        app.post(f"/{name}/plain")(plain)
        app.post(f"/{name}/none")(none)
        app.post(f"/{name}/made")(made)
        app.post(f"/{name}/unvalidated")(unvalidated)

    @app.post("/body/plain")
    def body_plain(value: Annotated[Doubled, fw.Body(embed=True, validate_default=True)] = 10):
        return value

    @app.post("/body/whole")
    def body_whole(value: Annotated[Doubled, fw.Body(validate_default=True)] = 10):
        return value

    @app.get("/invalid")
    def invalid(value: Annotated[int, fw.Query(gt=0, validate_default=True)] = -1):
        return value

    @app.get("/field")
    def field(value: Annotated[Doubled, Field(validate_default=True), fw.Query()] = 10):
        return value

    @app.get("/field-off")
    def field_off(
        value: Annotated[
            Doubled, Field(validate_default=True), fw.Query(validate_default=False)
        ] = 10,
    ):
        return value

    @app.get("/field-factory")
    def field_factory(value: Annotated[int, Field(default_factory=factory), fw.Query()]):
        return {"value": value, "calls": len(calls)}

    @app.post("/inferred")
    def inferred(
        values: Annotated[
            list[int], Field(default_factory=list, min_length=1, validate_default=True)
        ],
        count: Annotated[int, Field(gt=0, validate_default=True)] = -1,
    ):
        return {"count": count, "values": values}

    return app


def test_validate_default() -> None:
    calls: list[Call | str] = []
    for name in ("query", "header", "cookie", "form"):
        for route in ("plain", "none", "made", "unvalidated"):
            calls.append(Call.post(f"/{name}/{route}"))
    calls += [
        Call.post("/query/plain?value=3"),
        Call.post("/body/plain", json={}),
        Call.post("/body/plain", json={"value": 4}),
        Call.post("/body/whole"),
        "/invalid",
        "/invalid?value=1",
        "/field",
        "/field-off",
        "/field-factory",
        "/field-factory?value=5",
        Call.post("/inferred"),
        Call.post("/inferred?count=2", json=[1, 2]),
    ]
    same_answers(defaults_app, calls)


# -- union_mode and fail_fast -----------------------------------------------------------


def options_app(fw: Framework) -> Any:
    app = fw.App()

    for name, marker in (
        ("query", fw.Query),
        ("header", fw.Header),
        ("cookie", fw.Cookie),
        ("body", fw.Body),
        ("form", fw.Form),
    ):
        for mode in ("smart", "left_to_right"):

            def union(value: Annotated[int | str, marker(union_mode=mode)]):
                return value

            app.post(f"/{name}/{mode}")(union)

    @app.post("/path/{value}")
    def path(value: Annotated[int | str, fw.Path(union_mode="left_to_right")]):
        return value

    for name, marker in (
        ("query", fw.Query),
        ("header", fw.Header),
        ("body", fw.Body),
        ("form", fw.Form),
    ):
        for fast in (True, False):

            def many(value: Annotated[list[int], marker(fail_fast=fast)]):
                return value

            app.post(f"/{name}/fast-{fast}")(many)

    @app.post("/override")
    def override(
        number: Annotated[
            int | str, Field(union_mode="left_to_right"), fw.Query(union_mode="smart")
        ],
        values: Annotated[list[int], Field(fail_fast=True), fw.Body(fail_fast=False)],
    ):
        return {"number": number, "values": values}

    @app.get("/documented")
    def documented(
        value: Annotated[
            int | str, fw.Query(union_mode="left_to_right", title="V", description="d")
        ],
        items: Annotated[list[int], fw.Query(fail_fast=True, deprecated=True)],
        count: Annotated[int, fw.Query(validate_default=True, examples=[1])] = 1,
    ):
        return {"value": value, "items": items, "count": count}

    return app


def test_union_mode_and_fail_fast() -> None:
    calls: list[Call | str] = []
    for mode in ("smart", "left_to_right"):
        calls += [
            Call.post(f"/query/{mode}?value=123"),
            Call.post(f"/header/{mode}", headers={"value": "123"}),
            Call.post(f"/cookie/{mode}", headers={"cookie": "value=123"}),
            Call.post(f"/body/{mode}", json="123"),
            Call.post(f"/form/{mode}", data={"value": "123"}),
            Call.post(f"/query/{mode}?value=abc"),
        ]
    calls.append(Call.post("/path/123"))
    for fast in (True, False):
        calls += [
            Call.post(f"/query/fast-{fast}?value=x&value=y"),
            Call.post(f"/query/fast-{fast}?value=1&value=2"),
            Call.post(f"/header/fast-{fast}", headers=[("value", "x"), ("value", "y")]),
            Call.post(f"/body/fast-{fast}", json=["x", "y"]),
            Call.post(f"/body/fast-{fast}", json=[1, 2]),
            Call.post(f"/form/fast-{fast}", data={"value": ["x", "y"]}),
        ]
    calls += [
        Call.post("/override?number=123", json=[1, 2]),
        Call.post("/override?number=123", json=["x", "y"]),
        "/documented?value=123&items=1&items=2",
        "/documented?value=abc&items=x&items=y",
    ]
    same_answers(options_app, calls)


def test_field_options_documented() -> None:
    """The options change validation only: the documents are FastAPI's."""
    _document(options_app)
    # A form field defaulting to None: FastAPI writes no "default" (the forms
    # sweep's subject, validate_default or not).
    _document(defaults_app, skip=("/form/none",))


# -- AliasChoices in parameter models --------------------------------------------------


class ChoiceModel(pydantic.BaseModel):
    value: Annotated[int, Field(alias="unused", validation_alias=AliasChoices("first", "second"))]
    items: Annotated[
        list[str], Field(validation_alias=AliasChoices("item_values", "X-Tag"), title="Items")
    ] = ["none"]


class StrictChoiceModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    value: Annotated[int, Field(validation_alias=AliasChoices("first", "second"))]


class SharedChoiceModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    names: Annotated[list[str], Field(validation_alias=AliasChoices("names", "legacy"))] = []
    text: Annotated[str, Field(validation_alias=AliasChoices("text", "legacy"))] = ""


class ByNameModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(populate_by_name=True)
    x_items: Annotated[list[int], Field(validation_alias=AliasChoices("item", "tag"))] = []


class NameOnlyModel(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(validate_by_alias=False, extra="forbid")
    x_items: Annotated[list[str], Field(alias="tag")] = []


class PathAliasModel(pydantic.BaseModel):
    value: Annotated[int, Field(validation_alias=AliasChoices("first", AliasPath("items", 0)))]


def models_app(fw: Framework) -> Any:
    app = fw.App()
    for source, marker in (("query", fw.Query), ("header", fw.Header), ("cookie", fw.Cookie)):
        for name, model in (
            ("choice", ChoiceModel),
            ("strict", StrictChoiceModel),
            ("shared", SharedChoiceModel),
            ("byname", ByNameModel),
            ("nameonly", NameOnlyModel),
        ):

            def read(data: Annotated[model, marker()]):  # type: ignore[valid-type]
                return data.model_dump()

            app.get(f"/{source}/{name}")(read)

    @app.get("/query/path")
    def path(data: Annotated[PathAliasModel, fw.Query()]):
        return data.model_dump()

    return app


def test_model_choices() -> None:
    calls: list[Call | str] = [
        "/query/choice?first=1",
        "/query/choice?second=2&first=1",
        "/query/choice?second=1&second=2",
        "/query/choice?first=x&second=2",
        "/query/choice?second=x",
        "/query/choice",
        "/query/choice?first=1&X-Tag=a&X-Tag=b",
        "/query/choice?first=1&item_values=a&X-Tag=b",
        "/query/strict?second=1",
        "/query/strict?first=1&second=2",
        "/query/shared?legacy=a&legacy=b&text=t",
        "/query/shared?names=a&names=b&legacy=u",
        "/query/byname?x_items=1",
        "/query/byname?x_items=1&item=2",
        "/query/byname?x_items=x",
        "/query/byname?x_items=1&tag=x",
        "/query/nameonly?x_items=a",
        "/query/nameonly?x_items=a&tag=b",
        "/query/path?items=1&items=2",
        "/query/path?first=3&items=1",
        Call.get("/header/choice", headers={"second": "2"}),
        Call.get("/header/choice", headers={"first": "x", "second": "2"}),
        Call.get("/header/choice", headers=[("first", "1"), ("x-tag", "a"), ("x-tag", "b")]),
        Call.get("/header/choice", headers=[("first", "1"), ("item_values", "a")]),
        Call.get("/header/choice", headers=[("first", "1"), ("item-values", "a")]),
        Call.get("/header/strict", headers={"second": "1"}),
        Call.get("/header/strict", headers={"first": "1", "second": "2"}),
        Call.get("/header/shared", headers=[("legacy", "a"), ("text", "t")]),
        Call.get("/header/byname", headers={"x-items": "1"}),
        Call.get("/header/byname", headers={"x-items": "1", "tag": "x"}),
        Call.get("/header/nameonly", headers={"x-items": "a", "tag": "b"}),
        Call.get("/cookie/choice", headers={"cookie": "second=2"}),
        Call.get("/cookie/choice", headers={"cookie": "second=2; first=x"}),
        Call.get("/cookie/strict", headers={"cookie": "first=1; second=2"}),
        Call.get("/cookie/strict", headers={"cookie": "second=2"}),
    ]
    same_answers(models_app, calls)
    _document(models_app)


# -- a pydantic Field beside the marker --------------------------------------------------


class Cat(pydantic.BaseModel):
    kind: Literal["cat"]


class Dog(pydantic.BaseModel):
    kind: Literal["dog"]


Counted = Annotated[int, Field(alias="original", title="Original")]


def field_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/pet")
    def pet(value: Annotated[Annotated[Cat | Dog, Field(discriminator="kind")], fw.Body()]):
        return value

    for name, marker in (("query", fw.Query), ("header", fw.Header), ("body", fw.Body)):

        def read(
            kept: Annotated[Counted, marker()],
            replaced: Annotated[Counted, marker(alias="replacement")],
            cleared: Annotated[Counted, marker(alias=None)],
        ):
            return {"kept": kept, "replaced": replaced, "cleared": cleared}

        app.post(f"/{name}")(read)

    return app


def test_field_beside_marker() -> None:
    values = {"original": "1", "replacement": "2", "cleared": "3"}
    same_answers(
        field_app,
        [
            Call.post("/pet", json={"kind": "cat"}),
            Call.post("/pet", json={"kind": "fish"}),
            Call.post("/pet", json={}),
            Call.post("/query", params=values),
            Call.post("/query", params={"original": "1", "replaced": "2", "original_": "3"}),
            Call.post("/header", headers=values),
            Call.post("/body", json=values),
            Call.post("/body", json={"original": 1}),
        ],
    )


# -- forms and files -------------------------------------------------------------------


def forms_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/form")
    def form(
        value: Annotated[int, fw.Form(alias="unused", validation_alias=AliasChoices("a", "b"))],
        tags: Annotated[list[str], fw.Form(validation_alias=AliasChoices("t1", "t2"))] = [],  # noqa: B006
    ):
        return {"value": value, "tags": tags}

    @app.post("/file")
    def file(value: Annotated[bytes, fw.File(min_length=2, validate_default=True)] = b"x"):
        return value

    @app.post("/file-unvalidated")
    def file_unvalidated(value: Annotated[bytes, fw.File(min_length=2)] = b"x"):
        return value

    return app


def test_form_choices_and_file_default() -> None:
    same_answers(
        forms_app,
        [
            Call.post("/form", data={"a": "1"}),
            Call.post("/form", data={"b": "2"}),
            Call.post("/form", data={"b": "2", "a": "x"}),
            Call.post("/form", data={"b": "x"}),
            Call.post("/form", data={"a": "", "b": "2"}),
            Call.post("/form", data={"value": "1"}),
            Call.post("/form", data={"a": "1", "t2": ["p", "q"]}),
            Call.post("/form", data={"a": "1", "t2": ["p"], "t1": ["r"]}),
            Call.post("/file"),
            Call.post("/file", files={"value": ("f.txt", b"abc")}),
            Call.post("/file-unvalidated"),
        ],
    )
    _document(forms_app)


# -- markers -------------------------------------------------------------------------------


def test_marker_reports_its_validation_alias() -> None:
    """``marker.validation_alias`` as FastAPI's markers report it (the alias when unset)."""
    for fw in frameworks():
        choices = AliasChoices("a", "b")
        assert fw.Path(alias="unused", validation_alias=choices).validation_alias == choices
        assert fw.Query(alias="x").validation_alias == "x"
        assert fw.Header().validation_alias is None


def test_path_choices_need_the_template() -> None:
    """docs/api.md, "Markers": a Path() none of whose keys the route's template names
    is reported missing under its name, as FastAPI reports it; a router
    given the prefix reads it."""
    from asgiweb import App, Depends, Path, Router

    identifier = Path(validation_alias=AliasChoices("item_id", "id"))

    def get_identifier(value: Annotated[int, identifier]) -> int:
        return value

    def unprefixed(value: Annotated[int, Depends(get_identifier)]) -> int:
        return value

    bare = Router()
    bare.get("/bare")(unprefixed)
    [answer] = ask(bare, ["/bare"])
    assert answer["status"] == 422
    assert answer["body"]["detail"][0]["loc"] == ["path", "value"]  # as FastAPI reports it
    router = Router(prefix="/legacy/{id}")

    @router.get("/")
    def read(value: Annotated[int, Depends(get_identifier)]):
        return value

    app = App()
    app.include_router(router)
    assert ask(app, ["/legacy/4/", "/legacy/x/"]) == [
        {
            "status": 200,
            "body": 4,
            "headers": {"content-type": "application/json", "www-authenticate": None},
        },
        {
            "status": 422,
            "body": {
                "detail": [
                    {
                        "type": "int_parsing",
                        "loc": ["path", "id"],
                        "msg": "Input should be a valid integer, unable to parse string as "
                        "an integer",
                        "input": "x",
                    }
                ]
            },
            "headers": {"content-type": "application/json", "www-authenticate": None},
        },
    ]


def bad_defaults_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/flat")
    def flat(
        q: int = fw.Query(None, validate_default=True),
        s: Annotated[int, fw.Header(validate_default=True)] = "5",
        many: Annotated[list[int], fw.Query(validate_default=True)] = ["1", "x"],  # noqa: B006
    ):
        return [q, s, many]

    @app.post("/body")
    def body(
        q: Annotated[int, fw.Body(embed=True, validate_default=True)] = "x",
        r: Annotated[int, fw.Body(validate_default=True, gt=3)] = 1,
    ):
        return [q, r]

    return app


def test_validate_default_of_any_shape() -> None:
    """A default of the wrong type (None for an int, a list with a bad item, a string
    to coerce) is judged like a sent value, errors of several parameters together."""
    same_answers(
        bad_defaults_app,
        [
            "/flat",
            "/flat?q=1&many=2",
            Call.get("/flat?q=1&many=2", headers={"s": "x"}),
            Call.post("/body"),
            Call.post("/body", json={}),
            Call.post("/body", json={"q": 1, "r": 4}),
            Call.post("/body", json=[]),
        ],
    )


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    body=st.dictionaries(
        st.sampled_from(["a", "b", "value", "unused", "items", "tags"]),
        st.sampled_from([1, "2", "x", None, [], [1, "y"]]),
        max_size=4,
    )
)
def test_body_choices_property(body: dict[str, Any]) -> None:
    """Any object of choice keys and values, to a one-parameter embedded body and to
    a body of several parameters: FastAPI's answer."""
    same_answers(body_app, [Call.post("/embedded", json=body), Call.post("/several", json=body)])


def _mark_schema(schema: dict[str, Any]) -> None:
    schema["x-marked"] = sorted(schema)


def extra_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/")
    def read(
        label: Annotated[str, fw.Query(pattern="^a", json_schema_extra=_mark_schema)] = "a",
        count: Annotated[int, fw.Body(json_schema_extra=_mark_schema)] = 1,
        other: Annotated[int, Field(json_schema_extra=_mark_schema), fw.Body()] = 2,
    ):
        return [label, count, other]

    return app


def test_callable_json_schema_extra() -> None:
    """A callable json_schema_extra edits the parameter's schema, once it is made."""
    same_answers(extra_app, [Call.post("/", json={"count": 3})])
    _document(extra_app)


Documented = Annotated[
    int,
    Field(
        alias="original",
        title="Original",
        description="From Field",
        examples=[1],
        deprecated=True,
        json_schema_extra={"x-source": "field", "x-kept": True},
    ),
]


def overrides_app(fw: Framework) -> Any:
    app = fw.App()
    for name, marker in (("query", fw.Query), ("body", fw.Body)):

        def read(
            kept: Annotated[Documented, marker()],
            replaced: Annotated[
                Documented,
                marker(
                    alias="replacement",
                    title="Replacement",
                    description="From marker",
                    examples=[2],
                    deprecated=False,
                    json_schema_extra={"x-source": "marker"},
                ),
            ],
            cleared: Annotated[
                Documented,
                marker(
                    alias=None,
                    title=None,
                    description=None,
                    examples=None,
                    deprecated=None,
                    json_schema_extra=None,
                ),
            ],
        ):
            return [kept, replaced, cleared]

        app.post(f"/{name}")(read)
    return app


def test_marker_documentation_over_field() -> None:
    """A marker's documentation keywords replace a Field's beside it, an explicit None
    (or deprecated=False) clearing it; the schemas are FastAPI's."""
    same_answers(
        overrides_app,
        [
            Call.post("/query", params={"original": "1", "replacement": "2", "cleared": "3"}),
            Call.post("/body", json={"original": 1, "replacement": 2, "cleared": 3}),
        ],
    )
    ours, theirs = (ask(overrides_app(fw), ["/openapi.json"])[0]["body"] for fw in frameworks())
    for doc in (ours, theirs):
        doc["parameters"] = [p["schema"] for p in doc["paths"]["/query"]["post"]["parameters"]]
    assert ours["parameters"] == theirs["parameters"]
    body = "Body_read_body_post"
    assert ours["components"]["schemas"][body] == theirs["components"]["schemas"][body]
