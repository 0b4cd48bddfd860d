"""Where a parameter without a marker is read from, against FastAPI (the oracle).

FastAPI takes an unmarked parameter (not in the path) from the JSON body unless
its annotation is a scalar: ``list[int]``, ``set[str]``, ``tuple[int, ...]``,
``Sequence[int]``, ``int | list[int]``, dicts and models are body parameters; a
list comes from the query string only under ``Query()``.  An ``UploadFile`` list
and a bare ``list``/``tuple`` are an inferred ``File()``.  Each case serves the
same handler on ``asgiweb.App`` and ``fastapi.FastAPI`` and asserts the same
status and JSON for the same requests, for the parameter alone (the whole body),
with a default, next to another body parameter (embedded), in a dependency
function, in a class dependency, for GET and POST; and the OpenAPI documents of
the two apps agree on ``parameters``, ``requestBody`` and the body schemas.
"""

from __future__ import annotations

import collections
import collections.abc as cabc
import dataclasses
import enum
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, NewType, Optional, Union

import pytest

from tests.oracle.sidebyside import Call, Framework, frameworks, same_answers

pytest.importorskip("fastapi")
annotated_types = pytest.importorskip("annotated_types")
pydantic = pytest.importorskip("pydantic")
typing_extensions = pytest.importorskip("typing_extensions")


@dataclasses.dataclass
class Other:
    a: int


@dataclasses.dataclass
class Point:
    x: int
    y: int = 0


class Shape(pydantic.BaseModel):  # type: ignore[misc,name-defined]
    name: str
    sides: int = 3


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


Ids = NewType("Ids", list[int])

# name -> (the annotation, a JSON body that validates).  Built per framework only
# for the UploadFile shapes (FILE_SHAPES); these do not depend on it.
BODY_SHAPES: dict[str, tuple[Any, Any]] = {
    "list[int]": (list[int], [1, 2]),
    "list[str]": (list[str], ["a", "b"]),
    "typing.List[int]": (typing.List[int], [1, 2]),  # noqa: UP006
    "set[int]": (set[int], [3, 1, 2]),
    "frozenset[int]": (frozenset[int], [2, 1]),
    "tuple[int, ...]": (tuple[int, ...], [1, 2, 3]),
    "tuple[int, str]": (tuple[int, str], [1, "a"]),
    "Sequence[int]": (cabc.Sequence[int], [1, 2]),
    "typing.Sequence[int]": (typing.Sequence[int], [1, 2]),
    "MutableSequence[int]": (cabc.MutableSequence[int], [1, 2]),
    "deque[int]": (collections.deque[int], [1, 2]),
    "list[list[int]]": (list[list[int]], [[1], [2, 3]]),
    "list[Color]": (list[Color], ["red", "blue"]),
    "list[Literal]": (list[Literal["a", "b"]], ["a"]),
    "list[Point]": (list[Point], [{"x": 1}]),
    "list[int] | None": (list[int] | None, [1, 2]),
    "list[str] | None": (list[str] | None, ["a"]),
    "Optional[list[int]]": (Optional[list[int]], [1]),  # noqa: UP045
    "Union[set[str], None]": (Union[set[str], None], ["a"]),  # noqa: UP007
    "int | list[int]": (int | list[int], [1, 2]),
    "list[int] | str": (list[int] | str, [1, 2]),
    "Annotated[list[int], MinLen]": (Annotated[list[int], annotated_types.MinLen(1)], [1]),
    "Annotated[list[int], Field]": (Annotated[list[int], pydantic.Field(min_length=1)], [1]),
    "Annotated[list[int], Doc]": (Annotated[list[int], typing_extensions.Doc("ids")], [1]),
    "Annotated[list[int] | None, MaxLen]": (
        Annotated[list[int] | None, annotated_types.MaxLen(2)],
        [1],
    ),
    "dict[str, int]": (dict[str, int], {"a": 1}),
    "Mapping[str, int]": (cabc.Mapping[str, int], {"a": 1}),
    "dict[str, list[int]]": (dict[str, list[int]], {"a": [1]}),
    "dataclass": (Point, {"x": 1, "y": 2}),
    "pydantic model": (Shape, {"name": "tri"}),
    "pydantic model | None": (Shape | None, {"name": "sq", "sides": 4}),
}

# Scalars to FastAPI: the query string, also for the collections it does not count
# as sequences (an abstract Set, a NewType).
QUERY_SHAPES: dict[str, tuple[Any, Any]] = {
    "int": (int, 1),
    "str | None": (str | None, "a"),
    "Literal": (Literal["a", "b"], "a"),
    "Color": (Color, "red"),
    "bytes": (bytes, "a"),
    "AbstractSet[int]": (typing.AbstractSet[int], [1]),
    "NewType(list[int])": (Ids, [1]),
}

SHAPES = {**BODY_SHAPES, **QUERY_SHAPES}


def _plain(value: Any) -> Any:
    """A JSON-able, order-stable view of what the handler received."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, tuple | collections.deque):
        return list(value)
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _with_annotations(func: Callable[..., Any], **annotations: Any) -> Callable[..., Any]:
    func.__annotations__ = dict(annotations)
    return func


_NO_DEFAULT = object()


def _handler(how: str, annotation: Any, fw: Framework) -> Callable[..., Any]:
    """The handler for one way of declaring ``p: annotation`` (no marker)."""
    if how == "alone":

        def alone(p):  # type: ignore[no-untyped-def]
            return {"p": _plain(p)}

        return _with_annotations(alone, p=annotation)
    if how == "default":

        def with_default(p=None):  # type: ignore[no-untyped-def]
            return {"p": _plain(p)}

        return _with_annotations(with_default, p=annotation)
    if how == "with_body":

        def two_bodies(p, other):  # type: ignore[no-untyped-def]
            return {"p": _plain(p), "other": other.a}

        return _with_annotations(two_bodies, p=annotation, other=Other)
    if how == "dependency":

        def dependency(p):  # type: ignore[no-untyped-def]
            return p

        _with_annotations(dependency, p=annotation)

        def through_dependency(v=fw.Depends(dependency)):  # type: ignore[no-untyped-def]
            return {"p": _plain(v)}

        return through_dependency
    if how == "dependency_with_body":

        def inner(p):  # type: ignore[no-untyped-def]
            return p

        _with_annotations(inner, p=annotation)

        def dependency_and_body(other, v=fw.Depends(inner)):  # type: ignore[no-untyped-def]
            return {"p": _plain(v), "other": other.a}

        return _with_annotations(dependency_and_body, other=Other)
    if how == "class_dependency":

        class Holder:
            def __init__(self, p):  # type: ignore[no-untyped-def]
                self.p = p

        _with_annotations(Holder.__init__, p=annotation)

        def through_class(holder=fw.Depends(Holder)):  # type: ignore[no-untyped-def]
            return {"p": _plain(holder.p)}

        return through_class
    raise AssertionError(how)


HOWS = ("alone", "default", "with_body", "dependency", "dependency_with_body", "class_dependency")


def _app(fw: Framework, handler: Callable[..., Any]) -> Any:
    app = fw.App()
    app.get("/f")(handler)
    app.post("/f")(handler)
    return app


def _calls(sample: Any) -> list[Call | str]:
    json_headers = {"content-type": "application/json"}
    return [
        "/f?p=1&p=2",
        "/f?p=a",
        Call.get("/f", json=sample),
        Call.post("/f", json=sample),
        Call.post("/f", json={"p": sample, "other": {"a": 7}}),
        Call.post("/f?p=1&p=2"),
        Call.post("/f?p=1&p=2", json={"other": {"a": 7}}),
        Call.post("/f"),
        Call.post("/f", json="x"),
        Call.post("/f", json=5),
        Call.post("/f", json=None),
        Call.post("/f", json=[]),
        Call.post("/f", json={"a": 1}),
        Call.post("/f", content=b"[1, 2]"),  # no content-type: not read as JSON
        Call.post("/f", content=b"[1, ", headers=json_headers),
    ]


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_same_source_and_answers_as_fastapi(shape: str, how: str) -> None:
    annotation, sample = SHAPES[shape]
    same_answers(lambda fw: _app(fw, _handler(how, annotation, fw)), _calls(sample))


def test_a_bare_list_is_a_body_of_its_own_and_a_query_list_needs_query() -> None:
    """The example of the brief: POST a JSON list to ``ids: list[int]``."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.post("/bare")
        async def bare(ids: list[int]):  # type: ignore[no-untyped-def]
            return ids

        @app.post("/query")
        async def query(ids: list[int] = fw.Query()):  # type: ignore[no-untyped-def]
            return ids

        return app

    answers = same_answers(
        build,
        [
            Call.post("/bare", json=[1, 2]),
            Call.post("/bare?ids=1&ids=2"),
            Call.post("/query?ids=1&ids=2"),
            Call.post("/query", json=[1, 2]),
        ],
    )
    assert answers[0]["status"] == 200 and answers[0]["body"] == [1, 2]
    assert answers[1]["body"]["detail"] == [
        {"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}
    ]
    assert answers[2]["body"] == [1, 2]
    assert answers[3]["body"]["detail"][0]["loc"] == ["query", "ids"]


@pytest.mark.parametrize(
    "shape",
    [
        "list[int]",
        "set[int]",
        "tuple[int, ...]",
        "Sequence[int]",
        "typing.Sequence[int]",
        "MutableSequence[int]",
        "deque[int]",
        "list[int] | None",
        "int | list[int]",
        "Annotated[list[int], MinLen]",
        "AbstractSet[int]",
        "NewType(list[int])",
    ],
)
def test_under_query_a_sequence_takes_the_repeated_keys_as_in_fastapi(shape: str) -> None:
    """The other half of the rule: with ``Query()`` (or ``Header()``) the same shapes
    read the query string, every repeated key for what FastAPI counts as a sequence."""
    annotation, _ = SHAPES[shape]

    def build(fw: Framework) -> Any:
        def query(p=fw.Query()):  # type: ignore[no-untyped-def]
            return {"p": _plain(p)}

        def header(p=fw.Header()):  # type: ignore[no-untyped-def]
            return {"p": _plain(p)}

        app = fw.App()
        app.get("/q")(_with_annotations(query, p=annotation))
        app.get("/h")(_with_annotations(header, p=annotation))
        return app

    same_answers(
        build,
        [
            "/q?p=1&p=2",
            "/q?p=3",
            "/q?p=x",
            "/q",
            Call.get("/h", headers=[("p", "1"), ("p", "2")]),
            Call.get("/h", headers={"p": "4"}),
            "/h",
        ],
    )


# -- files: an UploadFile list, and a bare sequence class (FastAPI's inferred File()) --


def _file_shapes(fw: Framework) -> dict[str, Any]:
    return {
        "list[UploadFile]": list[fw.UploadFile],
        "list[UploadFile] | None": list[fw.UploadFile] | None,
        "Sequence[UploadFile]": cabc.Sequence[fw.UploadFile],
        "list[UploadFile | None]": list[fw.UploadFile | None],
        "UploadFile": fw.UploadFile,
        "UploadFile | None": fw.UploadFile | None,
        "UploadFile | str": fw.UploadFile | str,
        "int | list[UploadFile]": int | list[fw.UploadFile],
        "list": list,
        "tuple": tuple,
        "set": set,
        "Sequence": cabc.Sequence,
        "list | None": list | None,
    }


def _describe(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset | collections.deque):
        return sorted((_describe(item) for item in value), key=repr)
    if hasattr(value, "filename") and hasattr(value, "read"):
        return f"file {value.filename}"
    if isinstance(value, bytes):
        return f"bytes {value.decode()}"
    return value


FILE_CALLS: list[Call | str] = [
    "/f",
    Call.post("/f"),
    Call.post("/f", files=[("p", ("a.txt", b"one")), ("p", ("b.txt", b"two"))]),
    Call.post("/f", files=[("p", ("a.txt", b"one"))]),
    Call.post("/f", data={"p": ["x", "y"]}),
    Call.post("/f", json=[1, 2]),
    Call.post("/f?p=1&p=2"),
]


# A union member's error loc names it: pydantic calls Starlette's UploadFile after its
# validator function ("function-plain[_validate()]"), asgiweb "UploadFile"; the call
# whose answer is that error is left out for this shape.
_UPLOAD_UNION_TAG = "int | list[UploadFile]"


@pytest.mark.parametrize("how", ["alone", "default", "dependency", "class_dependency"])
@pytest.mark.parametrize("shape", list(_file_shapes(frameworks()[0])))
def test_file_shapes_read_the_form_as_in_fastapi(shape: str, how: str) -> None:
    def build(fw: Framework) -> Any:
        annotation = _file_shapes(fw)[shape]
        if how in ("alone", "default"):

            def handler(p=None):  # type: ignore[no-untyped-def]
                return {"p": _describe(p)}

            if how == "alone":
                handler.__defaults__ = None
            _with_annotations(handler, p=annotation)
        else:

            def dependency(p):  # type: ignore[no-untyped-def]
                return p

            _with_annotations(dependency, p=annotation)
            if how == "class_dependency":

                class Holder:
                    def __init__(self, p):  # type: ignore[no-untyped-def]
                        self.p = p

                _with_annotations(Holder.__init__, p=annotation)

                def handler(holder=fw.Depends(Holder)):  # type: ignore[no-untyped-def]
                    return {"p": _describe(holder.p)}

            else:

                def handler(v=fw.Depends(dependency)):  # type: ignore[no-untyped-def]
                    return {"p": _describe(v)}

        return _app(fw, handler)

    calls = FILE_CALLS
    if shape == _UPLOAD_UNION_TAG:
        calls = [c for c in FILE_CALLS if not (isinstance(c, Call) and "data" in c.options)]
    same_answers(build, calls)


# -- the OpenAPI document ---------------------------------------------------------


def _operations(document: dict[str, Any]) -> dict[str, Any]:
    """What the source of a parameter shows in: each operation's parameters and request
    body, and the schemas (the Body_... ones hold the embedded fields)."""
    out: dict[str, Any] = {}
    for method, operation in document["paths"]["/f"].items():
        out[method] = {
            "parameters": operation.get("parameters"),
            "requestBody": operation.get("requestBody"),
        }
    out["schemas"] = document.get("components", {}).get("schemas")
    return out


@pytest.mark.parametrize("how", HOWS)
@pytest.mark.parametrize("shape", list(SHAPES))
def test_openapi_puts_the_parameter_where_fastapi_does(shape: str, how: str) -> None:
    annotation, _ = SHAPES[shape]
    ours, theirs = (_app(fw, _handler(how, annotation, fw)).openapi() for fw in frameworks())
    mine, reference = _operations(ours), _operations(theirs)
    assert mine == reference
    where = reference["post"]
    if shape in BODY_SHAPES:
        assert where["requestBody"] is not None
        assert not any(p["name"] == "p" for p in where["parameters"] or [])
    else:
        assert any(p["name"] == "p" and p["in"] == "query" for p in where["parameters"])


@pytest.mark.parametrize("how", ["alone", "default", "dependency", "class_dependency"])
@pytest.mark.parametrize("shape", list(_file_shapes(frameworks()[0])))
def test_openapi_of_file_shapes_is_fastapis(shape: str, how: str) -> None:
    documents = []
    for fw in frameworks():
        annotation = _file_shapes(fw)[shape]

        def dependency(p):  # type: ignore[no-untyped-def]
            return p

        _with_annotations(dependency, p=annotation)

        def handler(v=fw.Depends(dependency)):  # type: ignore[no-untyped-def]
            return v

        if how in ("alone", "default"):

            def handler(p=None):  # type: ignore[no-untyped-def]
                return None

            if how == "alone":
                handler.__defaults__ = None
            _with_annotations(handler, p=annotation)
        elif how == "class_dependency":

            class Holder:
                def __init__(self, p):  # type: ignore[no-untyped-def]
                    self.p = p

            _with_annotations(Holder.__init__, p=annotation)

            def handler(holder=fw.Depends(Holder)):  # type: ignore[no-untyped-def]
                return None

        documents.append(_operations(_app(fw, handler).openapi()))
    ours, theirs = documents
    assert ours == theirs
    content = theirs["post"]["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]
