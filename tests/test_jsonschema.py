"""Our JSON Schema generator against pydantic's, type by type and in both modes.

asgiweb describes dataclasses, TypedDicts, enums and scalars itself (pydantic
need not be installed); where pydantic is installed it must say the same
thing.  ``bytes`` is compared with FastAPI's spelling (a content media type),
which ``pydantic_schema_generator`` applies to pydantic too.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType, Optional, Union

import annotated_types as at
import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb._validation.jsonschema import (
    SchemaGenerator,
    field_title,
    json_schema,
    pydantic_schema_generator,
    resolve_refs,
)

pydantic = pytest.importorskip("pydantic")
typing_extensions = pytest.importorskip("typing_extensions")
TypedDict = typing_extensions.TypedDict
NotRequired = typing_extensions.NotRequired


class Plain(enum.Enum):
    a = 1


class Documented(enum.Enum):
    """Doc of Documented."""

    a = "x"
    b = 2


class Named(str, enum.Enum):  # noqa: UP042 - the str mixin is what is tested
    first = "first"


@dataclasses.dataclass
class Small:
    x: int


SEVEN = uuid.UUID(int=7)


@dataclasses.dataclass
class Rich:
    """Doc of Rich.

    More\fhidden."""

    x: Annotated[int, at.Gt(1)] = 5
    pair: tuple[int, str] = (1, "a")
    level: Plain = Plain.a
    maybe: Plain | None = None
    amount: Decimal = Decimal("1.5")
    span: datetime.timedelta = datetime.timedelta(days=1, seconds=5, microseconds=5)
    described: Annotated[int | None, pydantic.Field(description="fd", ge=2)] = None
    items: list[str] = dataclasses.field(default_factory=list)
    when: datetime.datetime = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    local: datetime.datetime = datetime.datetime(2020, 1, 2, 3, 4, 5, 6)
    ident: uuid.UUID = SEVEN
    raw: bytes = b"ab"
    mapping: dict[str, float] = dataclasses.field(default_factory=lambda: {"a": 1.0})


class Total(TypedDict):
    """A TypedDict."""

    a: int
    b: NotRequired[str]


class Partial(TypedDict, total=False):
    a: int


@dataclasses.dataclass
class Tree:
    value: int
    kids: list[Tree] = dataclasses.field(default_factory=list)
    small: Small | None = None


class Model(pydantic.BaseModel):
    tree: Tree
    amount: Decimal
    blob: bytes = b"x"


class Recursive(pydantic.BaseModel):
    again: Recursive | None = None
    models: list[Model] = []


UserId = NewType("UserId", int)

TYPES: list[Any] = [
    int,
    float,
    str,
    bool,
    bytes,
    Decimal,
    uuid.UUID,
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    None,
    Any,
    list[int],
    set[str],
    frozenset[int],
    tuple[int, ...],
    tuple[int, str],
    tuple[()],
    dict[str, int],
    dict[int, Any],
    dict,
    list,
    Literal["a"],
    Literal[1, 2],
    Literal["a", 1],
    Literal[True],
    Literal[None],
    Literal["a", None],
    Optional[int],  # noqa: UP045 - the spelling is part of what is compared
    Union[int, str, None],  # noqa: UP007
    Optional[Decimal],  # noqa: UP045
    Plain,
    Documented,
    Named,
    Small,
    Rich,
    Total,
    Partial,
    UserId,
    Annotated[str, at.MinLen(2), at.MaxLen(5)],
    Annotated[list[int], at.MinLen(1)],
    Annotated[float, at.Ge(0), at.Lt(1), at.MultipleOf(0.5)],
    Annotated[int | None, at.Gt(0)],
    Annotated[bytes, at.MaxLen(3)],
    Annotated[Decimal, at.Gt(0)],
    Annotated[dict[str, int], at.MinLen(1)],
    Annotated[set[int], at.MaxLen(2)],
    Annotated[str, at.MinLen(1), pydantic.Field(pattern="^a")],
    list[Small],
    Small | None,
    Small | Total,
    Tree,
    list[Tree],
    Model,
    Recursive,
    dict[str, Model],
]


@pytest.mark.parametrize("mode", ["validation", "serialization"])
@pytest.mark.parametrize("tp", TYPES, ids=repr)
def test_same_schema_as_pydantic(tp: Any, mode: Any) -> None:
    expected = pydantic.TypeAdapter(tp).json_schema(
        mode=mode, schema_generator=pydantic_schema_generator()
    )
    assert json_schema(tp, mode) == expected


def test_input_and_output_names_only_where_the_modes_differ() -> None:
    generator = SchemaGenerator()
    used = [
        generator.schema(Rich, "validation"),  # Decimal: a number or a string in, a string out
        generator.schema(Rich, "serialization"),
        generator.schema(Small, "validation"),  # the same both ways
        generator.schema(Small, "serialization"),
        generator.schema(Tree, "serialization"),  # only one way
    ]
    names = sorted(generator.definitions())
    assert names == ["Plain", "Rich-Input", "Rich-Output", "Small", "Tree"]
    refs = [resolve_refs(schema, generator)["$ref"] for schema in used]
    assert refs == [
        "#/components/schemas/Rich-Input",
        "#/components/schemas/Rich-Output",
        "#/components/schemas/Small",
        "#/components/schemas/Small",
        "#/components/schemas/Tree",
    ]


def test_one_schema_when_input_and_output_are_not_separated() -> None:
    generator = SchemaGenerator(separate_input_output_schemas=False)
    generator.schema(Rich, "validation")
    generator.schema(Rich, "serialization")
    assert sorted(generator.definitions()) == ["Plain", "Rich"]
    assert generator.definitions()["Rich"]["properties"]["amount"]["anyOf"]


def test_two_classes_with_one_name_get_their_module_path() -> None:
    def make() -> type:
        @dataclasses.dataclass
        class Small:
            y: str

        return Small

    other = make()
    generator = SchemaGenerator()
    generator.schema(Small)
    generator.schema(other)
    names = sorted(generator.definitions())
    assert names == [
        "tests__test_jsonschema__Small",
        "tests__test_jsonschema__test_two_classes_with_one_name_get_their_module_path__"
        "_locals___make___locals___Small",
    ]


def test_field_titles_follow_pydantic() -> None:
    assert field_title("item_id") == "Item Id"
    assert field_title("x-token") == "X-Token"


def test_an_undescribable_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cannot describe"):
        json_schema(type("Opaque", (), {}))  # neither asgiweb nor pydantic knows it


BOTH: list[Any] = ["validation", "serialization"]
DOCUMENTS: list[list[tuple[Any, Any]]] = [
    [(Rich, mode) for mode in BOTH],
    [(Tree, mode) for mode in BOTH],  # refers to itself: stays split, as in pydantic
    [(Small, mode) for mode in BOTH],
    [(Model, mode) for mode in BOTH],
    [(Recursive, mode) for mode in BOTH],
    [(list[Small], "validation"), (Small | None, "serialization"), (Total, "serialization")],
    [(dict[str, Rich], "validation"), (Rich, "validation")],
]


@pytest.mark.parametrize("inputs", DOCUMENTS, ids=lambda inputs: repr(inputs)[:60])
def test_shared_definitions_as_pydantic_names_them(inputs: list[tuple[Any, Any]]) -> None:
    """Several schemas sharing one set of definitions, as a document has them."""
    generator = pydantic_schema_generator()(ref_template="#/components/schemas/{model}")
    mapping, expected = generator.generate_definitions(
        [
            (index, mode, pydantic.TypeAdapter(tp).core_schema)
            for index, (tp, mode) in enumerate(inputs)
        ]
    )
    ours = SchemaGenerator()
    schemas = [ours.schema(tp, mode) for tp, mode in inputs]
    assert resolve_refs(ours.definitions(), ours) == expected
    resolved = [resolve_refs(schema, ours) for schema in schemas]
    assert resolved == [mapping[(index, mode)] for index, (_, mode) in enumerate(inputs)]


# -- random compositions ---------------------------------------------------------------

_SCALAR_TYPES = st.sampled_from(
    [int, float, str, bool, bytes, Decimal, uuid.UUID, datetime.date, datetime.timedelta]
)
_COUNTER = iter(range(10**9))


def _dataclass_of(fields: list[tuple[Any, bool]]) -> type:
    spec = []
    for index, (tp, optional) in enumerate(fields):
        if optional:
            spec.append((f"field_{index}", tp | None, dataclasses.field(default=None)))
        else:
            spec.append((f"field_{index}", tp))
    required_first = sorted(spec, key=lambda item: len(item))
    return dataclasses.make_dataclass(f"Made{next(_COUNTER)}", required_first)


def _enum_of(values: list[str]) -> type:
    return enum.Enum(f"Choice{next(_COUNTER)}", {f"v{i}": v for i, v in enumerate(values)})


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        children.map(lambda tp: list[tp]),  # type: ignore[valid-type]
        children.map(lambda tp: tp | None),
        children.map(lambda tp: dict[str, tp]),  # type: ignore[valid-type]
        st.tuples(children, children).map(lambda pair: tuple[pair[0], pair[1]]),  # type: ignore[misc]
        st.lists(st.tuples(children, st.booleans()), min_size=1, max_size=3).map(_dataclass_of),
        children.map(lambda tp: Annotated[list[tp], at.MinLen(1)]),  # type: ignore[valid-type]
    )


_TYPES = st.recursive(
    st.one_of(
        _SCALAR_TYPES,
        st.lists(st.text("abc", min_size=1, max_size=3), min_size=1, max_size=3, unique=True).map(
            _enum_of
        ),
        st.sampled_from(
            [
                Literal["x", "y"],
                Annotated[int, at.Ge(0), at.Lt(10)],
                Annotated[str, at.MaxLen(4)],
                Small,
                Rich,
            ]
        ),
    ),
    _extend,
    max_leaves=6,
)


@given(tp=_TYPES, mode=st.sampled_from(["validation", "serialization"]))
def test_random_compositions_match_pydantic(tp: Any, mode: Any) -> None:
    expected = pydantic.TypeAdapter(tp).json_schema(
        mode=mode, schema_generator=pydantic_schema_generator()
    )
    assert json_schema(tp, mode) == expected
