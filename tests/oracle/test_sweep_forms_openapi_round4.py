"""Round four of the forms/files/OpenAPI sweep: asgiweb beside FastAPI 0.165.

Each case builds its app once (``def build(fw)``) and compares the two frameworks'
answers or OpenAPI documents; where we differ on purpose, the page that owns the
feature says so (docs/openapi.md, docs/api.md) and the test asserts our behaviour
(FastAPI's beside it).
"""

from typing import Annotated, Any, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
)

from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import (
    Call,
    Framework,
    documents,
    frameworks,
    same_answers,
    same_document,
)

pytest.importorskip("fastapi")


# --- marker reprs ---------------------------------------------------------------


MARKER_CASES = [
    (marker, args)
    for marker in ("Query", "Header", "Cookie", "Body", "Path", "Form", "File")
    for args in [(), (...,), ("text",), (None,), (7,), ([],)]
    if marker != "Path" or args in ((), (...,))  # FastAPI's Path takes no default
]


@pytest.mark.parametrize(("marker", "args"), MARKER_CASES)
def test_marker_repr_matches_fastapi(marker: str, args: tuple[Any, ...]) -> None:
    ours, theirs = frameworks()
    assert repr(getattr(ours, marker)(*args)) == repr(getattr(theirs, marker)(*args))


def test_marker_repr_with_default_factory_matches_fastapi() -> None:
    results = [repr(fw.Query(default_factory=list)) for fw in frameworks()]
    assert results[0] == results[1] == "Query(PydanticUndefined)"


# --- a form body's documented media type ------------------------------------------------

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
CHARSET = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (URLENCODED, URLENCODED),
        (MULTIPART, URLENCODED),
        (URLENCODED, MULTIPART),
        (CHARSET, CHARSET),
        (CHARSET, URLENCODED),
        (CHARSET, None),
        (None, None),
    ],
)
def test_form_fields_media_types_make_the_body_media_type(
    first: str | None, second: str | None
) -> None:
    def form(fw: Framework, media_type: str | None) -> Any:
        # None: the keyword left out (FastAPI's default, urlencoded).
        return fw.Form() if media_type is None else fw.Form(media_type=media_type)

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.post("/pair")
        def pair(
            name: Annotated[str, form(fw, first)], token: Annotated[str, form(fw, second)]
        ) -> Any:
            return [name, token]

        @app.post("/one")
        def one(name: Annotated[str, form(fw, first)]) -> Any:
            return name

        return app

    same_document(build)
    same_answers(
        build,
        [
            Call.post("/pair", data={"name": "n", "token": "t"}),
            Call.post("/pair", files={"name": (None, "n"), "token": (None, "t")}),
            Call.post("/one", data={"name": "n"}),
        ],
    )


def test_form_model_beside_a_multipart_field_and_in_a_dependency() -> None:
    class Profile(BaseModel):
        name: str

    class Limits(BaseModel):
        limit: int

    def build(fw: Framework) -> Any:
        app = fw.App()

        def limits_dep(limits: Annotated[Limits, fw.Form(media_type=MULTIPART)]) -> Any:
            return limits

        @app.post("/direct")
        def direct(
            profile: Annotated[Profile, fw.Form()],
            limits: Annotated[Limits, fw.Form(media_type=MULTIPART)],
            token: Annotated[str, fw.Form()],
        ) -> Any:
            return [profile, limits, token]

        @app.post("/dep")
        def via_dependency(
            profile: Annotated[Profile, fw.Form()],
            limits: Annotated[Limits, fw.Depends(limits_dep)],
            token: Annotated[str, fw.Form()],
        ) -> Any:
            return [profile, limits, token]

        return app

    document = same_document(build)
    for path in ("/direct", "/dep"):
        assert list(document["paths"][path]["post"]["requestBody"]["content"]) == [MULTIPART]
    parts = {"name": (None, "Ann"), "limit": (None, "2"), "token": (None, "t")}
    same_answers(build, [Call.post("/direct", files=parts), Call.post("/dep", files=parts)])


# --- sized sets under Query() --------------------------------------------------------


@pytest.mark.parametrize("kind", ["set", "frozenset", "list", "tuple"])
def test_sized_collection_errors_match_fastapi(kind: str) -> None:
    container = {"set": set, "frozenset": frozenset, "list": list, "tuple": tuple}[kind]
    item = container[str, ...] if kind == "tuple" else container[str]  # type: ignore[index]
    sized = Annotated[item, Field(min_length=2, max_length=3)]  # type: ignore[valid-type]

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/")
        def read(
            tags: Annotated[sized | None, fw.Query()] = None,
        ) -> Any:
            return sorted(tags) if tags is not None else None

        return app

    many = "/?tags=a&tags=b&tags=c&tags=d"
    same_answers(build, ["/", "/?tags=a", "/?tags=a&tags=b", many, "/?tags=a&tags=a&tags=a"])


# --- responses: Starlette's JSONResponse, keys that are not status codes ---------------


class Problem(BaseModel):
    code: int


def test_starlette_json_response_class_documents_the_model_in_callbacks() -> None:
    starlette_responses = pytest.importorskip("starlette.responses")

    def build(fw: Framework) -> Any:
        app = fw.App(default_response_class=starlette_responses.JSONResponse)
        hooks = fw.Router(default_response_class=starlette_responses.JSONResponse)

        @hooks.post("{$hook}/done", responses={400: {"model": Problem}})
        def done() -> Problem:  # type: ignore[empty-body]
            ...

        @app.post("/jobs", callbacks=hooks.routes, responses={409: {"model": Problem}})
        def start(hook: str) -> Problem:
            return Problem(code=1)

        return app

    document = same_document(build)
    ok = document["paths"]["/jobs"]["post"]["responses"]["200"]["content"]
    assert ok["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


@pytest.mark.parametrize("key", ["hello", "4xx0", ""])
def test_a_responses_key_that_is_no_status_fails_the_document(key: str) -> None:
    for fw in frameworks():
        app = fw.App()

        @app.get("/a", responses={key: {"description": "odd"}})
        def a() -> None:
            return None

        with pytest.raises(ValueError):
            app.openapi()


@pytest.mark.parametrize("key", ["default", "4XX", 404, "418"])
def test_status_keys_and_ranges_are_documented_alike(key: Any) -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/a", responses={key: {"model": Problem}})
        def a() -> None:
            return None

        return app

    same_document(build)


# --- discriminated unions in bodies; documentation from Field() beside a marker -----------


class First(BaseModel):
    kind: Literal["first"]
    price: int


class Other(BaseModel):
    kind: Literal["other"]
    price: float


class Cat(BaseModel):
    pet_type: str = "cat"
    meows: int


class Dog(BaseModel):
    pet_type: str = "dog"
    barks: float


def pet_type(value: Any) -> str:
    return str(value.get("pet_type", "")) if isinstance(value, dict) else ""


TaggedItem = Annotated[
    Annotated[First, Tag("first")] | Annotated[Other, Tag("other")],
    Field(discriminator="kind"),
]
TaggedPets = Annotated[Cat, Tag("cat")] | Annotated[Dog, Tag("dog")]
Pet = Annotated[TaggedPets, Discriminator(pet_type)]


def discriminated_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/items")
    def items(item: TaggedItem, q: Annotated[str, Field(description="a note")]) -> Any:
        return {"item": item, "q": q}

    @app.post("/pets")
    def pets(pet: Annotated[Pet, fw.Body()]) -> Any:
        return pet

    @app.post("/pets-marker")
    def pets_marker(
        pet: Annotated[TaggedPets, fw.Body(discriminator=Discriminator(pet_type))],
    ) -> Any:
        return pet

    return app


def test_discriminated_union_bodies_match_fastapi() -> None:
    document = same_document(discriminated_app)
    items = document["paths"]["/items"]["post"]
    body = items["requestBody"]["content"]["application/json"]["schema"]
    assert body["discriminator"]["propertyName"] == "kind"
    assert items["parameters"][0]["description"] == "a note"
    same_answers(
        discriminated_app,
        [
            Call.post("/items?q=x", json={"kind": "first", "price": 3}),
            Call.post("/items?q=x", json={"kind": "other", "price": 2.5}),
            Call.post("/items?q=x", json={"kind": "nope", "price": 1}),
            Call.post("/items?q=x", json={"price": 1}),
            Call.post("/pets", json={"pet_type": "cat", "meows": 2}),
            Call.post("/pets", json={"pet_type": "dog", "barks": 1.5}),
            Call.post("/pets", json={"pet_type": "cow"}),
            Call.post("/pets-marker", json={"pet_type": "dog", "barks": 1.5}),
            Call.post("/pets-marker", json={"pet_type": "cat"}),
        ],
    )


def test_a_callable_discriminator_behind_a_default_body_marker_is_still_documented() -> None:
    # Deliberate difference (docs/openapi.md): FastAPI drops the Discriminator of
    # ``pet: Pet = Body()`` from the document (anyOf); asgiweb documents it as it
    # does under Annotated (oneOf), which is what both validate by.
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.post("/pets")
        def pets(pet: Pet = fw.Body()) -> Any:
            return pet

        return app

    ours, theirs = documents(build)
    schema = ours["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]
    refs = [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]
    assert schema["schema"] == {"oneOf": refs, "title": "Pet"}
    their = theirs["paths"]["/pets"]["post"]["requestBody"]["content"]["application/json"]
    assert their["schema"] == {"anyOf": refs, "title": "Pet"}
    same_answers(build, [Call.post("/pets", json={"pet_type": "dog", "barks": 1.5})])


def test_parameter_documentation_merges_marker_and_field_in_order() -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/a")
        def a(
            plain: Annotated[str, Field(description="plain")],
            after: Annotated[int, fw.Query(description="m"), Field(description="f")] = 1,
            before: Annotated[int, Field(description="f"), fw.Query(description="m")] = 2,
            old: Annotated[int, fw.Query(), Field(deprecated=True)] = 3,
            head: Annotated[str | None, fw.Header(), Field(description="h", examples=["x"])] = None,
        ) -> Any:
            return [plain, after, before, old, head]

        return app

    document = same_document(build)
    described = [p.get("description") for p in document["paths"]["/a"]["get"]["parameters"]]
    assert described == ["plain", "f", "m", None, "h"]


# --- one form key read by several parameters, beside form models ---------------------------


class Profile(BaseModel):
    name: str


def shared_files_app(fw: Framework) -> Any:
    app = fw.App()

    def peek(
        profile: Annotated[Profile, fw.Form()], files: Annotated[list[bytes], fw.File()]
    ) -> Any:
        return {"profile": profile, "files": [f.decode() for f in files]}

    @app.post("/")
    async def submit(
        peeked: Annotated[dict[str, Any], fw.Depends(peek)],
        profile: Annotated[Profile, fw.Form()],
        files: Annotated[list[fw.UploadFile], fw.File()],
        last: Annotated[bytes, fw.File(alias="files")],
    ) -> Any:
        positions = [f.file.tell() for f in files]
        texts = [(await f.read()).decode() for f in files]
        return {
            "peeked": peeked,
            "profile": profile,
            "at": positions,
            "files": texts,
            "last": last.decode(),
        }

    @app.post("/plain")
    def plain(a: Annotated[str, fw.Form()], b: Annotated[str, fw.Form(alias="a")]) -> Any:
        return [a, b]

    return app


@pytest.mark.parametrize("second", [b"", b"two"])
def test_a_key_read_twice_beside_form_models_matches_fastapi(second: bytes) -> None:
    document = same_document(shared_files_app)
    body = document["components"]["schemas"]["Body_submit__post"]
    assert body["required"] == ["files"]
    parts = [("files", ("1.txt", b"one")), ("files", ("2.txt", second))]
    same_answers(
        shared_files_app,
        [
            Call.post("/", data={"name": "Ann"}, files=parts),
            Call.post("/", data={"name": "Ann"}),
            Call.post("/plain", data={"a": "x"}),
        ],
    )


# --- a file read as bytes by one parameter, as an UploadFile by another --------------------


def shared_upload_app(fw: Framework) -> Any:
    # asgiweb's default body limit is 1 MiB (docs/api.md); lifted to send a file that
    # spills to disk, which FastAPI takes with no limit.
    app = fw.App(max_body_size=None) if fw.name == "asgiweb" else fw.App()

    async def prefix(file: Annotated[fw.UploadFile, fw.File()]) -> str:
        return (await file.read(2)).decode()

    def rest(head: Annotated[str, fw.Depends(prefix)], file: Annotated[bytes, fw.File()]) -> Any:
        return {"head": head, "rest": len(file)}

    @app.post("/position")
    async def position(
        seen: Annotated[dict[str, Any], fw.Depends(rest)],
        file: Annotated[fw.UploadFile, fw.File()],
    ) -> Any:
        at = file.file.tell()
        return {"seen": seen, "at": at, "left": len(await file.read())}

    def whole(file: Annotated[bytes, fw.File()]) -> int:
        return len(file)

    @app.post("/twice")
    async def twice(
        seen: Annotated[int, fw.Depends(whole)], file: Annotated[fw.UploadFile, fw.File()]
    ) -> Any:
        first = await file.read()
        return [seen, len(first), len(await file.read())]

    def many(files: Annotated[list[bytes], fw.File()]) -> list[int]:
        return [len(f) for f in files]

    @app.post("/many")
    def many_twice(
        seen: Annotated[list[int], fw.Depends(many)], files: Annotated[list[bytes], fw.File()]
    ) -> Any:
        return [seen, [len(f) for f in files]]

    return app


@pytest.mark.parametrize("size", [5, 1024 * 1024 + 1], ids=["memory", "disk"])
def test_file_bytes_and_upload_positions_match_fastapi(size: int) -> None:
    content = b"h" * size
    same_answers(
        shared_upload_app,
        [
            Call.post("/position", files={"file": ("a.txt", content)}),
            Call.post("/twice", files={"file": ("a.txt", content)}),
            Call.post("/many", files=[("files", ("1", content)), ("files", ("2", b"xy"))]),
        ],
    )


# --- null defaults left out, whatever the property is called -----------------------------


class Oddly(BaseModel):
    value: int | None = None
    default: int | None = None
    example: str | None = None
    examples: list[int] | None = None
    enum: int | None = None
    const: int | None = None
    kept: dict[str, Any] | None = {"a": None}


def nullable_defaults_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/body")
    def body(value: Annotated[int | None, fw.Body(embed=True)] = None) -> Any:
        return value

    @app.post("/form")
    def form(
        value: Annotated[int | None, fw.Form()] = None, n: Annotated[int, fw.Form()] = 4
    ) -> Any:
        return [value, n]

    @app.post("/query")
    def query(value: Annotated[int | None, fw.Query()] = None) -> Any:
        return value

    @app.post("/model")
    def model(item: Oddly, form: Annotated[Oddly, fw.Body()]) -> Oddly:
        return item

    return app


def test_null_defaults_are_left_out_as_fastapi_leaves_them() -> None:
    document = same_document(nullable_defaults_app)
    schemas = document["components"]["schemas"]
    assert "default" not in schemas["Oddly"]["properties"]["value"]
    assert schemas["Oddly"]["properties"]["kept"]["default"] == {}
    same_answers(
        nullable_defaults_app,
        [
            Call.post("/body", json={"value": 0}),
            Call.post("/body", json={}),
            Call.post("/form", data={"value": "0"}),
            Call.post("/form"),
        ],
    )


def test_null_members_inside_defaults_and_examples_are_left_out_as_fastapi_does() -> None:
    class Kept(BaseModel):
        kept: dict[str, Any] | None = Field(
            {"a": None, "b": [None, {"c": None}]}, examples=[{"x": None}]
        )

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.post("/a")
        def a(
            m: Kept,
            q: Annotated[
                str | None,
                fw.Query(
                    examples=[{"y": None}, None],
                    openapi_examples={"one": {"value": {"z": None, "w": 1}, "summary": None}},
                ),
            ] = None,
        ) -> Any:
            return q

        return app

    document = same_document(build)
    assert document["components"]["schemas"]["Kept"]["properties"]["kept"]["default"] == {
        "b": [None, {}]
    }


# --- form models read by name, by alias choices, or by name only --------------------------


class ByNameToo(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    value: Annotated[int, Field(alias="input")] = 10


class ByNameOnly(BaseModel):
    model_config = ConfigDict(validate_by_alias=False, validate_by_name=True)
    value: Annotated[int, Field(alias="input")] = 10


class Choices(BaseModel):
    value: int = Field(10, validation_alias=AliasChoices("primary", "secondary"))
    other: str = "o"


class RequiredByName(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    value: int = Field(alias="first", description="First value")
    shared: int = 10


def form_keys_app(fw: Framework) -> Any:
    app = fw.App()

    def dumped(model: BaseModel) -> Any:
        return {"all": model.model_dump(), "set": model.model_dump(exclude_unset=True)}

    @app.post("/name-too")
    def name_too(p: Annotated[ByNameToo, fw.Form()]) -> Any:
        return dumped(p)

    @app.post("/name-only")
    def name_only(p: Annotated[ByNameOnly, fw.Form()]) -> Any:
        return dumped(p)

    @app.post("/choices")
    def choices(p: Annotated[Choices, fw.Form()]) -> Any:
        return dumped(p)

    @app.post("/optional")
    def optional(
        p: Annotated[Choices | None, fw.Form()] = None, t: Annotated[str, fw.Form()] = "x"
    ) -> Any:
        return [p, t]

    @app.post("/required")
    def required(p: Annotated[RequiredByName, fw.Form()], q: Annotated[Choices, fw.Form()]) -> Any:
        return [p, q]

    return app


FORMS = [
    {"value": "5"},
    {"value": ""},
    {"input": "6"},
    {"input": ""},
    {"primary": "7"},
    {"secondary": "8", "primary": ""},
    {},
    {"first": "1"},
    {"value": "2", "input": "3"},
]


@pytest.mark.parametrize("path", ["/name-too", "/name-only", "/choices", "/optional", "/required"])
def test_form_model_keys_by_name_and_alias_choices_match_fastapi(path: str) -> None:
    same_answers(form_keys_app, [Call.post(path, data=data) for data in FORMS])


def test_form_model_keys_are_documented_as_fastapi_documents_them() -> None:
    document = same_document(form_keys_app)
    body = document["components"]["schemas"]["Body_required_required_post"]
    inline = body["allOf"][0]
    assert set(inline["properties"]) == {"first", "shared"}
    assert inline["allOf"] == [{"anyOf": [{"required": ["first"]}, {"required": ["value"]}]}]
    assert "RequiredByName" in document["components"]["schemas"]  # the model's own, intact


class Legacy(BaseModel):
    model_config = ConfigDict(extra="allow")
    names: Annotated[list[str], Field(validation_alias=AliasChoices("names", "legacy-names"))]
    text: Annotated[str, Field(validation_alias=AliasChoices("text", "legacy-text"))]


class Shared(BaseModel):
    names: Annotated[list[str], Field(validation_alias=AliasChoices("names", "legacy"))]
    text: Annotated[str, Field(validation_alias=AliasChoices("text", "legacy"))] = "-"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Annotated[int, Field(validation_alias=AliasChoices("first", "second"))] = 10


def alias_choices_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/legacy")
    def legacy(p: Annotated[Legacy, fw.Form()]) -> Any:
        return p

    @app.post("/shared")
    def shared(p: Annotated[Shared, fw.Form()]) -> Any:
        return p

    @app.post("/strict")
    def strict(p: Annotated[Strict, fw.Form()]) -> Any:
        return p

    return app


ALIAS_CHOICE_FORMS = [
    {"names": ["a", "b"], "text": "t", "legacy-names": "", "legacy-text": ["", "u"]},
    {"names": ["a", "b"], "text": "t", "legacy-names": "old"},
    {"legacy-names": ["x", "y"], "legacy-text": "z"},
    {"names": "", "legacy-names": "x", "text": "", "legacy-text": "y"},
    {"legacy": ["one", "two"], "text": "hi"},
    {"legacy": ["one", "two"]},
    {"first": "", "second": ""},
    {"first": "", "second": "5"},
    {"first": "5", "second": ""},
    {"first": "5", "second": "6"},
    {},
]


@pytest.mark.parametrize("path", ["/legacy", "/shared", "/strict"])
def test_form_model_alias_choices_pick_and_pass_on_as_fastapi(path: str) -> None:
    calls = [Call.post(path, data=data) for data in ALIAS_CHOICE_FORMS]
    parts = [("legacy", (None, "one")), ("legacy", (None, "two")), ("text", (None, "hi"))]
    calls.append(Call.post(path, files=parts))
    same_answers(alias_choices_app, calls)


# --- unions of form models: union_mode, validators and discriminators on the union ---------


class Short(BaseModel):
    word: str


class Long(BaseModel):
    word: str
    times: int


class Note(BaseModel):
    kind: Literal["note"]
    body: str


class Tags(BaseModel):
    kind: Literal["tags"]
    body: list[str]


def renamed(data: Any) -> Any:
    # Old clients send "text"; the models call it "body".
    if isinstance(data, dict) and "text" in data:
        data = {**data, "body": data.pop("text")}
    return data


def kind_of(value: Any) -> Any:
    return value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)


def form_unions_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/mode-field")
    def mode_field(
        data: Annotated[Short | Long, Field(union_mode="left_to_right"), fw.Form()],
    ) -> Any:
        return type(data).__name__

    @app.post("/mode-marker")
    def mode_marker(data: Annotated[Short | Long, fw.Form(union_mode="left_to_right")]) -> Any:
        return type(data).__name__

    @app.post("/smart")
    def smart(data: Annotated[Short | Long, fw.Form()]) -> Any:
        return type(data).__name__

    @app.post("/before")
    def before(
        data: Annotated[Note | Tags, BeforeValidator(renamed), fw.Form()],
        token: Annotated[str, fw.Form()] = "-",
    ) -> Any:
        return [data.model_dump(exclude_unset=True), token]

    @app.post("/callable")
    def by_callable(
        data: Annotated[
            Annotated[Note, Tag("note")] | Annotated[Tags, Tag("tags")],
            Discriminator(kind_of),
            fw.Form(),
        ],
    ) -> Any:
        return data

    return app


def test_form_model_unions_with_pydantic_metadata_match_fastapi() -> None:
    both_fields = {"word": "w", "times": "2"}
    same_answers(
        form_unions_app,
        [
            Call.post("/mode-field", data=both_fields),
            Call.post("/mode-marker", data=both_fields),
            Call.post("/smart", data=both_fields),
            Call.post("/smart", data={"word": "w"}),
            Call.post("/before", data={"kind": "note", "text": "hi", "token": "t"}),
            Call.post("/before", data={"kind": "tags", "text": ["a", "b"]}),
            Call.post("/before", data={"kind": "tags", "body": "a"}),
            Call.post("/before", data={"kind": "zzz", "text": "a"}),
            Call.post("/callable", data={"kind": "tags", "body": ""}),
            Call.post("/callable", data={"kind": "note", "body": ""}),
            Call.post("/callable", data={"kind": "other", "body": "x"}),
        ],
    )


# --- single form and file parameters with AliasChoices ------------------------------------


def choice_params_app(fw: Framework) -> Any:
    app = fw.App()

    @app.post("/one")
    def one(
        value: Annotated[int, fw.Form(validation_alias=AliasChoices("first", "second"))],
    ) -> Any:
        return value

    @app.post("/optional")
    def optional(
        value: Annotated[int, fw.Form(validation_alias=AliasChoices("first", "second"))] = 10,
    ) -> Any:
        return value

    @app.post("/many")
    def many(
        values: Annotated[
            list[int], fw.Form(alias="old", validation_alias=AliasChoices("first", "second"))
        ],
        value: Annotated[int, fw.Form(validation_alias=AliasChoices("value", "second"))] = 0,
    ) -> Any:
        return [values, value]

    @app.post("/file")
    def file(
        data: Annotated[bytes, fw.File(validation_alias=AliasChoices("doc", "upload"))],
    ) -> Any:
        return len(data)

    return app


CHOICE_FORMS = [
    {"first": "", "second": "5"},
    {"first": "5", "second": "6"},
    {"first": "bad", "second": "6"},
    {"first": "", "second": ""},
    {},
    {"second": ["1", "2"]},
    {"second": ["1", "x"], "old": "3"},
]


@pytest.mark.parametrize("path", ["/one", "/optional", "/many"])
def test_single_form_parameter_alias_choices_match_fastapi(path: str) -> None:
    same_answers(choice_params_app, [Call.post(path, data=data) for data in CHOICE_FORMS])


def test_file_parameter_alias_choices_match_fastapi() -> None:
    same_answers(
        choice_params_app,
        [
            Call.post("/file", files={"upload": ("a", b"abc")}),
            Call.post("/file", files={"doc": ("a", b"ab"), "upload": ("b", b"abc")}),
            Call.post("/file", files={"doc": ("", b""), "upload": ("b", b"abc")}),
            Call.post("/file", files={"other": ("a", b"abc")}),
        ],
    )


def test_single_form_parameter_alias_choices_are_documented_as_fastapi() -> None:
    document = same_document(choice_params_app)
    assert document["components"]["schemas"]["Body_one_one_post"]["required"] == ["first"]


# --- generated forms against the alias-choice apps ----------------------------------------

_ALIAS_CLIENTS: dict[str, tuple[TestClient, TestClient]] = {}


def _alias_clients() -> tuple[TestClient, TestClient]:
    if "both" not in _ALIAS_CLIENTS:

        def build(fw: Framework) -> Any:
            app = alias_choices_app(fw)
            app.include_router(choice_params_app(fw).router)
            return app

        ours, theirs = frameworks()
        _ALIAS_CLIENTS["both"] = (TestClient(build(ours)), TestClient(build(theirs)))
    return _ALIAS_CLIENTS["both"]


_CHOICE_KEYS = st.sampled_from(["first", "second", "names", "legacy", "text", "old", "value"])
_CHOICE_VALUES = st.sampled_from(["", "5", "x", "-1"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.lists(st.tuples(_CHOICE_KEYS, _CHOICE_VALUES), max_size=6),
    path=st.sampled_from(["/legacy", "/shared", "/strict", "/one", "/optional", "/many"]),
    multipart=st.booleans(),
)
def test_generated_forms_read_alias_choices_as_fastapi(
    pairs: list[tuple[str, str]], path: str, multipart: bool
) -> None:
    answers = []
    for client in _alias_clients():
        if multipart and pairs:
            response = client.post(path, files=[(k, (None, v)) for k, v in pairs])
        else:
            response = client.post(path, data=pairs)
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1], (path, pairs)
