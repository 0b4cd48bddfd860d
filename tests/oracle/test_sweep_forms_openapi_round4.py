"""Round four of the forms/files/OpenAPI sweep: asgiweb beside FastAPI 0.165.

Each case builds its app once (``def build(fw)``) and compares the two frameworks'
answers or documents; where we differ on purpose, docs/api.md says so and the test
asserts our behaviour.
"""

import json
import warnings
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field

from tests.oracle.sidebyside import Call, Framework, frameworks, json_differences, same_answers

pytest.importorskip("fastapi")


def documents(build: Callable[[Framework], Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ours, FastAPI's) OpenAPI documents of ``build``'s app, through JSON."""
    out = []
    for fw in frameworks():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.append(json.loads(json.dumps(build(fw).openapi())))
    ours, theirs = out
    theirs["info"]["title"] = ours["info"]["title"]
    return ours, theirs


def same_document(build: Callable[[Framework], Any]) -> dict[str, Any]:
    ours, theirs = documents(build)
    found = json_differences(ours, theirs)
    assert not found, "\n".join(found)
    return ours


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
