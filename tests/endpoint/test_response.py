"""Response models: the return value validated and reduced to the model, as in FastAPI."""

import dataclasses
import datetime
import decimal
import logging
from typing import Any, Generic, TypeVar

import pytest
from typing_extensions import TypedDict

from asgiweb import App
from asgiweb._endpoint.response import FROM_ANNOTATION, response_model_of
from asgiweb.exceptions import ResponseValidationError
from asgiweb.responses import Response
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, same_answers


@dataclasses.dataclass
class BaseUser:
    username: str
    email: str
    full_name: str | None = None


@dataclasses.dataclass
class UserIn(BaseUser):
    password: str = ""


@dataclasses.dataclass
class Item:
    name: str
    price: float
    tags: list[str] = dataclasses.field(default_factory=list)
    description: str | None = None
    tax: float = 10.5


class Point(TypedDict):
    x: int
    y: int


def build_dataclasses(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/user")
    async def user() -> BaseUser:
        return UserIn("ann", "ann@example.com", None, "secret")

    @app.get("/user-dict", response_model=BaseUser)
    async def user_dict() -> Any:
        return {"username": "bob", "email": "b@x", "password": "hunter2", "extra": 1}

    @app.get("/items", response_model=list[Item])
    async def items() -> Any:
        return [
            {"name": "a", "price": "1.5", "secret": True},
            Item("b", 2, ["t"], "desc", 1.0),
        ]

    @app.get("/bad", response_model=Item)
    async def bad() -> Any:
        return {"name": "a", "price": "lots"}

    @app.get("/missing")
    async def missing() -> Item:
        return {"price": 1}  # type: ignore[return-value]

    @app.get("/points")
    async def points() -> list[Point]:
        return [{"x": 1, "y": "2", "z": 3}]  # type: ignore[list-item]

    @app.get("/mapping")
    async def mapping() -> dict[str, Item]:
        return {"k": {"name": "n", "price": 3, "hidden": 1}}  # type: ignore[dict-item]

    @app.get("/union")
    async def union() -> BaseUser | Item:
        return Item("i", 1.0)

    @app.get("/optional")
    async def optional() -> Item | None:
        return None

    @app.get("/scalar")
    async def scalar() -> int:
        return "5"  # type: ignore[return-value]

    @app.get("/off", response_model=None)
    async def off() -> BaseUser:
        return UserIn("carl", "c@x", None, "pw")

    plain_text = fw.responses.PlainTextResponse

    @app.get("/response")
    async def response() -> plain_text:  # type: ignore[valid-type]
        return plain_text("plain")

    @app.get("/passes", response_model=BaseUser)
    async def passes() -> Any:
        return fw.responses.JSONResponse({"password": "shown: a Response is sent as it is"})

    return app


def test_dataclass_typeddict_and_container_models_match_fastapi() -> None:
    answers = same_answers(
        build_dataclasses,
        [
            "/user",
            "/user-dict",
            "/items",
            Call("GET", "/bad", compare_headers=()),
            Call("GET", "/missing", compare_headers=()),
            "/points",
            "/mapping",
            "/union",
            "/optional",
            "/scalar",
            "/off",
            "/response",
            "/passes",
        ],
        client_options={"raise_server_exceptions": False},  # /bad and /missing answer 500
    )
    assert "password" not in answers[0]["body"]
    assert answers[3]["status"] == 500
    assert answers[10]["body"]["password"] == "pw"


def build_options(fw: Framework) -> Any:
    app = fw.App()
    stored = {
        "foo": {"name": "Foo", "price": 50.2},
        "bar": {"name": "Bar", "description": "The bartenders", "price": 62, "tax": 20.2},
        "baz": {"name": "Baz", "description": None, "price": 50.2, "tax": 10.5, "tags": []},
    }

    @app.get("/unset/{key}", response_model=Item, response_model_exclude_unset=True)
    async def unset(key: str) -> Any:
        return stored[key]

    @app.get("/defaults/{key}", response_model=Item, response_model_exclude_defaults=True)
    async def defaults(key: str) -> Any:
        return stored[key]

    @app.get("/none/{key}", response_model=Item, response_model_exclude_none=True)
    async def none(key: str) -> Any:
        return stored[key]

    @app.get("/include/{key}", response_model=Item, response_model_include={"name", "tax"})
    async def include(key: str) -> Any:
        return stored[key]

    @app.get("/exclude/{key}", response_model=Item, response_model_exclude={"tax", "tags"})
    async def exclude(key: str) -> Any:
        return stored[key]

    return app


def test_serialisation_options_match_fastapi_for_dataclasses() -> None:
    same_answers(
        build_options,
        [
            f"/{kind}/{key}"
            for kind in ("unset", "defaults", "none", "include", "exclude")
            for key in ("foo", "bar", "baz")
        ],
    )


def test_pydantic_models_match_fastapi() -> None:
    pydantic = pytest.importorskip("pydantic")

    class PUserBase(pydantic.BaseModel):
        username: str
        full_name: str | None = None

    class PUserIn(PUserBase):
        password: str

    class PItem(pydantic.BaseModel):
        name: str
        price: float
        tax: float = 10.5
        tags: list[str] = []
        alias_field: int = pydantic.Field(0, alias="aliasField")

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.post("/user")
        async def create(user: PUserIn) -> PUserBase:
            return user

        @app.get("/items/{name}", response_model=PItem, response_model_exclude_unset=True)
        async def item(name: str) -> Any:
            return {"name": name, "price": 3}

        @app.get("/all", response_model=list[PItem], response_model_by_alias=False)
        async def every() -> Any:
            return [PItem(name="x", price=1, aliasField=5)]

        @app.get("/fail", response_model=PItem)
        async def fail() -> Any:
            return {"name": "x"}

        return app

    same_answers(
        build,
        [
            Call("POST", "/user", json={"username": "u", "password": "p"}),
            "/items/foo",
            "/all",
            Call("GET", "/fail", compare_headers=()),
        ],
        client_options={"raise_server_exceptions": False},  # /fail answers 500
    )


def test_response_validation_error_is_logged_and_a_500(caplog: pytest.LogCaptureFixture) -> None:
    app = App()

    @app.get("/bad")
    async def bad() -> Item:
        return {"name": 1}  # type: ignore[return-value]

    with TestClient(app) as client, pytest.raises(ResponseValidationError) as info:
        client.get("/bad")
    errors = info.value.errors()
    assert [e["loc"] for e in errors] == [("response", "name"), ("response", "price")]
    assert info.value.body == {"name": 1}
    with (
        caplog.at_level(logging.ERROR, logger="asgiweb"),
        TestClient(app, raise_server_exceptions=False) as client,
    ):
        r = client.get("/bad")
    assert (r.status_code, r.text) == (500, "Internal Server Error")
    assert "ResponseValidationError" in caplog.text


def test_return_annotation_rules() -> None:
    async def plain() -> dict[str, int]:
        return {}

    async def response() -> Response:
        return Response()

    async def nothing() -> None:
        return None

    async def unknown() -> object:
        return None

    class Opaque:
        pass

    async def opaque() -> Opaque:
        return Opaque()

    assert response_model_of(plain, FROM_ANNOTATION) == dict[str, int]
    assert response_model_of(response, FROM_ANNOTATION) is None
    assert response_model_of(nothing, FROM_ANNOTATION) is None
    assert response_model_of(opaque, FROM_ANNOTATION) is None
    assert response_model_of(unknown, None) is None
    with pytest.raises(TypeError, match="response_model"):
        response_model_of(plain, Opaque)


def test_exact_instances_are_handed_on_without_a_copy() -> None:
    from asgiweb._endpoint.response import _fitter

    items = [Item("a", 1.0, ["x"]), Item("b", 2.0)]
    assert _fitter(list[Item])(items) is items
    converted = _fitter(list[Item])([Item("a", 1, ["x"])])  # an int price becomes a float
    expected = {"name": "a", "price": 1.0, "tags": ["x"], "description": None, "tax": 10.5}
    assert converted == [expected]
    assert type(converted[0]["price"]) is float


def test_handler_without_parameters_gets_its_return_model_applied() -> None:
    app = App()

    @app.get("/me")
    def me() -> BaseUser:
        return UserIn("d", "d@x", "D", "pw")

    with TestClient(app) as client:
        assert client.get("/me").json() == {"username": "d", "email": "d@x", "full_name": "D"}


# -- property: fitting agrees with pydantic (FastAPI's validator) ------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

FIELD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=5),
    st.lists(st.text(max_size=3), max_size=3),
)


@hypothesis.given(
    st.dictionaries(
        st.sampled_from(["name", "price", "tags", "description", "tax", "extra"]),
        FIELD_VALUES,
        max_size=6,
    )
)
def test_fitting_a_dict_agrees_with_pydantic(data: dict[str, Any]) -> None:
    pydantic = pytest.importorskip("pydantic")
    from asgiweb._endpoint.response import _fitter
    from asgiweb._validation.compiler import Invalid
    from asgiweb.encoders import jsonable_encoder

    adapter = pydantic.TypeAdapter(Item)
    try:
        expected = adapter.dump_python(adapter.validate_python(data), mode="json")
    except pydantic.ValidationError as exc:
        expected_errors = sorted((e["type"], e["loc"]) for e in exc.errors())
        with pytest.raises(Invalid) as info:
            _fitter(Item)(data)
        assert sorted((e["type"], e["loc"]) for e in info.value.errors) == expected_errors
        return
    assert jsonable_encoder(_fitter(Item)(data)) == expected


@dataclasses.dataclass
class Stamped:
    when: datetime.datetime
    price: decimal.Decimal
    span: datetime.timedelta
    pair: tuple[int, str]
    tags: set[str]


def test_dataclass_model_differs_from_fastapi_only_in_the_documented_spellings() -> None:
    from tests.oracle.sidebyside import ask

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/stamped")
        async def stamped() -> Stamped:
            data = {"when": "2024-01-02T03:04:05Z", "price": "1.50", "span": 90}
            return {**data, "pair": ["1", "x"], "tags": ["t"]}  # type: ignore[return-value]

        return app

    ours, theirs = (
        ask(build(Framework(name)), [Call("GET", "/stamped")])[0]["body"]
        for name in ("asgiweb", "fastapi")
    )
    spelled = {"when", "price", "span"}  # docs/dependencies.md, "Differences from FastAPI"
    assert {k: v for k, v in ours.items() if k not in spelled} == {
        k: v for k, v in theirs.items() if k not in spelled
    }
    assert (ours["when"], theirs["when"]) == ("2024-01-02T03:04:05+00:00", "2024-01-02T03:04:05Z")
    assert (ours["price"], theirs["price"]) == (1.5, "1.50")
    assert (ours["span"], theirs["span"]) == (90.0, "PT1M30S")


_T = TypeVar("_T")


@dataclasses.dataclass
class _PublicItem:
    name: str


@dataclasses.dataclass
class _StoredItem(_PublicItem):
    secret: str


@dataclasses.dataclass
class _Page(Generic[_T]):
    items: list[_T]
    total: int


def test_generic_dataclass_model_filters_its_items_as_fastapi() -> None:
    # Page[_PublicItem]: the type variable is the model of each item, so the stored
    # item's secret never reaches the wire (it did when T was read as Any).
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/annotated")
        def annotated() -> _Page[_PublicItem]:
            return _Page(items=[_StoredItem(name="a", secret="s")], total=1)

        @app.get("/declared", response_model=_Page[_PublicItem])
        def declared() -> Any:
            return {"items": [{"name": "b", "secret": "x"}], "total": 2}

        return app

    answers = same_answers(build, ["/annotated", "/declared"])
    assert [a["body"] for a in answers] == [
        {"items": [{"name": "a"}], "total": 1},
        {"items": [{"name": "b"}], "total": 2},
    ]
