"""A corpus of apps whose OpenAPI documents are compared with FastAPI's.

Each factory takes the framework module (``fastapi`` or ``asgiweb``) and
builds the same app on it, so one source describes both sides of the
comparison (tests/test_openapi_oracle.py).  Together they cover every kind of
parameter, body and response the document describes (docs/openapi.md).
"""

import dataclasses
import datetime
import enum
import importlib
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from decimal import Decimal
from types import ModuleType
from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, Field, computed_field
from typing_extensions import TypedDict

__all__ = ["CORPUS", "make_app"]


def make_app(fw: ModuleType, **keywords: Any) -> Any:
    """``fastapi.FastAPI(...)`` or ``asgiweb.App(...)``."""
    factory = getattr(fw, "FastAPI", None) or fw.App
    return factory(**keywords)


def responses_of(fw: ModuleType) -> ModuleType:
    return importlib.import_module(f"{fw.__name__}.responses")


def router_of(fw: ModuleType, **keywords: Any) -> Any:
    factory = getattr(fw, "APIRouter", None) or fw.Router
    return factory(**keywords)


class Color(enum.Enum):
    """A colour by name."""

    red = "red"
    green = "green"


class Level(int, enum.Enum):
    low = 1
    high = 2


@dataclasses.dataclass
class Item:
    name: str
    price: float = 1.0
    tags: list[str] = dataclasses.field(default_factory=list)
    color: Color | None = None


@dataclasses.dataclass
class Priced:
    """An amount of money.

    Shown in the docs.\fHidden from them."""

    amount: Decimal
    currency: str = "EUR"


@dataclasses.dataclass
class Node:
    value: int
    children: list["Node"] = dataclasses.field(default_factory=list)


class Address(TypedDict):
    street: str
    number: NotRequired[int]


class Pet(BaseModel):
    name: str = Field(description="The pet's name", max_length=20)
    age: int | None = None
    owner: "Owner | None" = None


class Owner(BaseModel):
    name: str
    pets: list[Pet] = []


Pet.model_rebuild()


class Money(BaseModel):
    value: Decimal
    note: bytes = b""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def doubled(self) -> Decimal:
        return self.value * 2


class CommonHeaders(BaseModel):
    user_agent: str | None = None
    x_request_id: str = Field(description="Trace id")


class Filters(BaseModel):
    limit: int = Field(10, gt=0, le=100)
    order: Literal["asc", "desc"] = "asc"
    tags: list[str] = []


def parameters(fw: ModuleType) -> Any:
    Path, Query, Header, Cookie = fw.Path, fw.Query, fw.Header, fw.Cookie
    app = make_app(fw)

    @app.get("/items/{item_id}")
    def read_item(
        item_id: Annotated[int, Path(ge=1, description="The item id", title="Item")],
        q: str | None = None,
        limit: int = Query(10, le=100, alias="lim"),
        x_token: Annotated[str | None, Header()] = None,
        session: Annotated[str, Cookie()] = "anon",
        tags: list[str] = Query([]),
        color: Color = Color.red,
        level: Level = Level.low,
        mode: Literal["a", "b"] = "a",
        when: datetime.datetime | None = None,
        day: datetime.date | None = None,
        ident: uuid.UUID | None = None,
        ratio: Annotated[float, Query(gt=0, lt=1)] = 0.5,
        name: Annotated[str, Query(min_length=2, max_length=5, pattern="^[a-z]+$")] = "ab",
        old: Annotated[int | None, Query(deprecated=True)] = None,
        hidden: Annotated[str | None, Query(include_in_schema=False)] = None,
        shown: Annotated[str, Query(examples=["x", "y"], description="Shown")] = "x",
        flag: bool = False,
        amount: Decimal | None = None,
        span: datetime.timedelta | None = None,
        raw_header: Annotated[str | None, Header(convert_underscores=False)] = None,
        maybe: Color | None = None,
    ) -> Any:
        """Read one item.

        More words.
        \f
        Not for the docs.
        """
        return {}

    @app.get("/files/{file_path:path}")
    def read_file(file_path: str, offset: int = 0) -> Any:
        return {}

    @app.get("/users/{user_id}/posts/{post_id}")
    async def post_of(post_id: uuid.UUID, user_id: int, required_q: str) -> Any:
        return {}

    @app.get("/aliases/{kind}")
    def aliases(
        kind: Color,
        agent: Annotated[str | None, Header(alias="X-Agent", title="Agent")] = None,
        crumb: Annotated[int | None, Cookie(alias="crumb-id")] = None,
        page: Annotated[
            int,
            Query(openapi_examples={"first": {"summary": "The first page", "value": 1}}),
        ] = 1,
        ids: Annotated[list[int] | None, Query(max_length=3)] = None,
    ) -> Any:
        return {}

    @app.get("/filtered")
    def filtered(filters: Annotated[Filters, Query()]) -> Any:
        return {}

    @app.get("/headers")
    def headers(
        common: Annotated[CommonHeaders, Header()],
        maybe: Annotated[Filters | None, Cookie()] = None,
    ) -> Any:
        return {}

    return app


def bodies(fw: ModuleType) -> Any:
    Body = fw.Body
    app = make_app(fw)

    @app.post("/items")
    def create_item(item: Item) -> Any:
        return {}

    @app.put("/items/{item_id}")
    def update_item(item_id: int, item: Item, importance: Annotated[int, Body(gt=0)]) -> Any:
        return {}

    @app.post("/embedded")
    def embedded(item: Annotated[Item, Body(embed=True)]) -> Any:
        return {}

    @app.post("/address")
    def address(addr: Address, note: Annotated[str | None, Body()] = None) -> Any:
        return {}

    @app.post("/mapping")
    def mapping(data: dict[str, int]) -> Any:
        return {}

    @app.post("/many")
    def many(items: list[Item]) -> Any:
        return {}

    @app.post("/tree")
    def tree(node: Node) -> Any:
        return {}

    @app.post("/pets")
    def pets(pet: Pet, owner: Owner) -> Any:
        return {}

    @app.post("/optional")
    def optional(item: Item | None = None) -> Any:
        return {}

    @app.post("/scalar")
    def scalar(value: Annotated[int, Body(ge=0, description="A count")]) -> Any:
        return {}

    @app.post("/custom-media")
    def custom_media(item: Annotated[Item, Body(media_type="application/vnd.item+json")]) -> Any:
        return {}

    @app.post("/money")
    def money(m: Money, p: Priced) -> Any:
        return {}

    return app


def responses(fw: ModuleType) -> Any:
    r = responses_of(fw)
    app = make_app(fw)

    @app.get("/item")
    def get_item() -> Item:
        return Item("x")

    @app.get("/items")
    def list_items() -> list[Item]:
        return []

    @app.post("/items", status_code=201, response_description="Created it")
    def make_item(item: Item) -> Item:
        return item

    @app.delete("/items/{item_id}", status_code=204)
    def delete_item(item_id: int) -> None:
        return None

    @app.get("/page", response_class=r.HTMLResponse)
    def page() -> Any:
        return "<p>hi</p>"

    @app.get("/text", response_class=r.PlainTextResponse)
    def text() -> Any:
        return "hi"

    @app.get("/go", response_class=r.RedirectResponse)
    def go() -> Any:
        return "/"

    @app.get(
        "/with-extra",
        responses={
            404: {"model": Priced, "description": "Not found"},
            418: {"description": "A teapot"},
            "5XX": {"description": "Server trouble"},
            409: {"content": {"text/plain": {"schema": {"type": "string"}}}},
        },
    )
    def with_extra() -> Priced:
        return Priced(Decimal(1))

    @app.post("/reprice")
    def reprice(priced: Priced) -> Priced:
        return priced

    @app.put("/owners")
    def owners(owner: Owner, money: Money) -> Owner:
        return owner

    @app.get("/money")
    def money_out() -> Money:
        return Money(value=Decimal(1))

    @app.get("/pets")
    def pets_out() -> list[Pet]:
        return []

    @app.get("/tree")
    def tree_out() -> Node:
        return Node(1)

    @app.get("/mapping")
    def mapping_out() -> dict[str, Level]:
        return {}

    @app.get("/plain")
    def plain() -> Any:
        return {}

    @app.get("/response")
    def response_obj() -> r.JSONResponse:
        return r.JSONResponse({})

    return app


def metadata(fw: ModuleType) -> Any:
    app = make_app(
        fw,
        title="Shop",
        version="2.5.0",
        summary="A small shop",
        description="Sells **things**.",
        terms_of_service="https://example.com/terms",
        contact={"name": "Ops", "email": "ops@example.com"},
        license_info={"name": "MIT", "identifier": "MIT"},
        openapi_tags=[{"name": "items", "description": "Things to buy"}],
        servers=[{"url": "https://api.example.com", "description": "Production"}],
    )
    router = router_of(fw, prefix="/admin", tags=["admin"], responses={403: {"description": "No"}})

    @router.get("/stats", tags=["stats"], summary="Statistics", deprecated=True)
    def stats() -> Any:
        return {}

    @router.post("/reset", operation_id="reset_everything", description="Start over.")
    def reset() -> Any:
        return {}

    app.include_router(router)

    @app.get("/items", tags=["items"], name="all_items")
    def list_items() -> Any:
        """Every item."""
        return []

    @app.get("/hidden", include_in_schema=False)
    def hidden() -> Any:
        return {}

    @app.put("/items/{item_id}", openapi_extra={"x-internal": True})
    def put_item(item_id: int) -> Any:
        return {}

    @app.api_route("/either", methods=["POST"])
    def either() -> Any:
        return {}

    @app.get(
        "/custom-id",
        generate_unique_id_function=lambda route: f"custom-{route.name}",
    )
    def custom_id(value: Annotated[int, fw.Body(embed=True)]) -> Any:
        return {}

    @app.get("/defaults", responses={"default": {"description": "Anything else"}})
    def with_default(q: int = 0) -> Any:
        return {}

    @app.patch("/items/{item_id}/name")
    def rename(item_id: int, name: str) -> Any:
        return {}

    return app


def shared_schemas(fw: ModuleType) -> Any:
    """No input/output split: every class has one schema."""
    app = make_app(fw, separate_input_output_schemas=False)

    @app.post("/money")
    def money(m: Money) -> Money:
        return m

    @app.post("/priced")
    def priced(p: Priced) -> Priced:
        return p

    return app


class Tag(enum.Enum):
    public = "public"


class Renamed(BaseModel):
    full_name: str = Field(alias="fullName")
    tags: set[str] = set()


def edges(fw: ModuleType) -> Any:
    """Less common spellings: convertors, enum tags, aliases, factories, ranges."""
    r = responses_of(fw)
    Body, Header, Query = fw.Body, fw.Header, fw.Query
    app = make_app(fw)
    hidden = router_of(fw, include_in_schema=False)

    @hidden.get("/internal")
    def internal() -> Any:
        return {}

    app.include_router(hidden)

    @app.get("/numbers/{n:int}", tags=[Tag.public])
    def number(n: int, colors: Annotated[list[Color], Query()] = [Color.red]) -> Any:  # noqa: B006
        return {}

    @app.post("/renamed", response_class=r.ORJSONResponse)
    def renamed(
        body: Annotated[Renamed, Body(alias="payload", embed=True)],
        hits: Annotated[list[str] | None, Header()] = None,
    ) -> Renamed | None:
        return None

    @app.post("/pair")
    def pair(
        point: Annotated[tuple[int, str], Body()],
        many: Annotated[set[int] | None, Query()] = None,
    ) -> Any:
        return {}

    @app.put("/optional-body")
    def optional_body(value: Annotated[int | None, Body()] = None) -> dict[str, Any]:
        return {}

    @app.get("/factory")
    def factory(
        items: Annotated[list[int], Query(default_factory=list)],
        created: Annotated[datetime.date, Query()] = datetime.date(2020, 1, 2),
    ) -> Any:
        return {}

    @app.delete("/nothing", status_code=204, responses={"4XX": {"model": Priced}})
    def nothing() -> None:
        return None

    @app.get("/ranges", responses={200: {"description": "Mine"}, 302: {}})
    def ranges() -> list[Item] | None:
        return None

    return app


def security_of(fw: ModuleType) -> ModuleType:
    return importlib.import_module(f"{fw.__name__}.security")


def dependencies(fw: ModuleType) -> Any:
    """Parameters of dependencies (each dependency once), security schemes and scopes."""
    Depends, Security, Query, Header, Cookie = (
        fw.Depends,
        fw.Security,
        fw.Query,
        fw.Header,
        fw.Cookie,
    )
    sec = security_of(fw)
    oauth2 = sec.OAuth2PasswordBearer(
        tokenUrl="token", scopes={"items:read": "Read items", "items:write": "Write items"}
    )
    bearer = sec.HTTPBearer(bearerFormat="JWT", description="A signed token")
    basic = sec.HTTPBasic(scheme_name="Basic login")
    key_header = sec.APIKeyHeader(name="X-Key")
    key_query = sec.APIKeyQuery(name="key", auto_error=False)
    key_cookie = sec.APIKeyCookie(name="session", description="The session cookie")

    def paging(skip: int = 0, limit: Annotated[int, Query(le=50)] = 10) -> dict[str, int]:
        return {"skip": skip, "limit": limit}

    def tenant(x_tenant: Annotated[str, Header()]) -> str:
        return x_tenant

    def scoped(page: Annotated[dict[str, int], Depends(paging)], who: str = Depends(tenant)) -> Any:
        return page

    def current_user(token: Annotated[str, Depends(oauth2)]) -> str:
        return token

    def tracked(trace: Annotated[str | None, Cookie()] = None) -> None:
        return None

    app = make_app(fw, dependencies=[Depends(tracked)])
    router = router_of(fw, prefix="/admin", dependencies=[Depends(key_header)])

    @router.get("/audit")
    def audit(page: Annotated[dict[str, int], Depends(paging)]) -> Any:
        return page

    app.include_router(router)

    @app.get("/items")
    def list_items(
        page: Annotated[dict[str, int], Depends(paging)],
        again: Annotated[Any, Depends(scoped)],
        q: str | None = None,
    ) -> Any:
        return page

    @app.get("/me")
    def me(user: Annotated[str, Security(current_user, scopes=["items:read"])]) -> Any:
        return user

    @app.post("/items")
    def add_item(
        item: Item,
        user: Annotated[str, Security(current_user, scopes=["items:write", "items:read"])],
    ) -> Any:
        return item

    @app.get("/bearer")
    def with_bearer(credentials: Annotated[Any, Depends(bearer)]) -> Any:
        return {}

    @app.get("/basic", dependencies=[Depends(basic)])
    def with_basic() -> Any:
        return {}

    @app.post("/token")
    def token(form: Annotated[sec.OAuth2PasswordRequestForm, Depends()]) -> Any:
        return {}

    @app.get("/keys")
    def with_keys(
        one: Annotated[str | None, Depends(key_query)],
        two: Annotated[str, Depends(key_cookie)],
    ) -> Any:
        return {}

    return app


def response_models(fw: ModuleType) -> Any:
    app = make_app(fw)

    @app.get("/item", response_model=Item)
    def get_item() -> Any:
        return Item("x")

    @app.get("/items", response_model=list[Item], status_code=200)
    def list_items() -> Any:
        return []

    @app.post("/owners", response_model=Owner, status_code=201)
    def add_owner(owner: Owner) -> Any:
        return owner

    @app.get("/none", response_model=None)
    def no_model() -> Item:
        return Item("x")

    @app.get("/maybe", response_model=Item | None)
    def maybe() -> Any:
        return None

    @app.get("/scalar", response_model=int)
    def scalar() -> Any:
        return 1

    @app.get("/anything", response_model=Any)
    def anything() -> Any:
        return 1

    @app.get("/priced", response_model=Priced, responses={404: {"model": Item}})
    def priced() -> Any:
        return Priced(Decimal(1))

    return app


def forms(fw: ModuleType) -> Any:
    Form, File, UploadFile = fw.Form, fw.File, fw.UploadFile
    app = make_app(fw)

    @app.post("/login")
    def login(
        username: Annotated[str, Form()],
        password: Annotated[str, Form(min_length=8)],
        remember: Annotated[bool, Form()] = False,
    ) -> Any:
        return {}

    @app.post("/one-field")
    def one_field(note: Annotated[str, Form()]) -> Any:
        return {}

    @app.post("/upload")
    def upload(
        data: Annotated[bytes, File()],
        doc: UploadFile,
        label: Annotated[str, Form()] = "",
    ) -> Any:
        return {}

    @app.post("/uploads")
    def uploads(
        files: Annotated[list[UploadFile], File(description="Several files")],
        maybe: Annotated[UploadFile | None, File()] = None,
    ) -> Any:
        return {}

    @app.post("/filters")
    def form_model(filters: Annotated[Filters, Form()]) -> Any:
        return {}

    return app


def streams(fw: ModuleType) -> Any:
    """Handlers that yield: JSON Lines and Server-Sent Events."""
    sse = importlib.import_module(f"{fw.__name__}.sse")
    app = make_app(fw)

    @app.get("/items")
    async def item_lines() -> AsyncIterator[Item]:
        yield Item("a")

    @app.get("/numbers")
    def number_lines() -> Iterator[int]:
        yield 1

    @app.get("/anything")
    async def anything_lines():  # type: ignore[no-untyped-def]
        yield {"a": 1}

    @app.get("/events", response_class=sse.EventSourceResponse)
    async def events() -> AsyncIterable[Item]:
        yield Item("a")

    @app.post("/raw-events", response_class=sse.EventSourceResponse)
    async def raw_events(q: int = 0) -> AsyncIterator[sse.ServerSentEvent]:
        yield sse.ServerSentEvent(data="x")

    return app


CORPUS: dict[str, Callable[[ModuleType], Any]] = {
    "streams": streams,
    "dependencies": dependencies,
    "response_models": response_models,
    "forms": forms,
    "edges": edges,
    "parameters": parameters,
    "bodies": bodies,
    "responses": responses,
    "metadata": metadata,
    "shared_schemas": shared_schemas,
}
