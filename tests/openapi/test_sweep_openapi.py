"""A sweep of service-shaped apps: our OpenAPI document against FastAPI's.

Each app below is written once, against :class:`tests.oracle.sidebyside.Framework`,
and built on both frameworks; the two documents (after a JSON round trip) must be
equal, and a difference is reported as a path into the document.  The shapes are
those of typical services (CRUD with every parameter source, constraints, bodies
of dataclasses, TypedDicts and pydantic models, response models, extra responses,
routers, security, forms); tests/test_openapi_oracle.py keeps the corpus of single
features.  The example service of ``examples/`` is compared too: the loader
below imports its source a second time with ``asgiweb`` swapped for FastAPI.
Then hypothesis writes handlers of its own (parameters of every source with
constraints and documentation, bodies of generated classes, form fields and
files) and each is compared the same way; ``SWEEP_EXAMPLES`` sets how many.

A known difference left in place (docs/openapi.md lists it): ``T = Query(...)``
with constraints in ``T``'s own ``Annotated`` metadata is validated and
documented by asgiweb, ignored by FastAPI.
"""

import dataclasses
import datetime
import enum
import importlib
import importlib.abc
import importlib.util
import json
import os
import pathlib
import re
import sys
import types
import typing
import uuid
import warnings
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired, Required

import pydantic
import pydantic.dataclasses
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypedDict

from tests.oracle.sidebyside import (
    Call,
    Framework,
    documents,
    frameworks,
    json_differences,
    same_answers,
    same_document,
)

# -- comparing two documents ------------------------------------------------------------


# -- models ------------------------------------------------------------------------------


class Category(enum.StrEnum):
    """What kind of thing an item is."""

    tool = "tool"
    food = "food"


class Dimensions(BaseModel):
    width: float = Field(gt=0, description="Centimetres")
    height: float = Field(gt=0)
    depth: float | None = None


class ItemCreate(BaseModel):
    """A new item."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Hammer", "price": 9.5}]})

    name: str = Field(min_length=1, max_length=50, examples=["Hammer"])
    price: float = Field(ge=0, title="Unit price")
    category: Category = Category.tool
    tags: list[str] = []
    dimensions: Dimensions | None = None
    sku: str | None = Field(None, alias="SKU", pattern=r"^[A-Z]{3}-\d+$")
    discount: Annotated[float, Field(ge=0, le=1)] = 0.0


class ItemRead(BaseModel):
    id: int
    name: str
    price: float
    category: Category
    tags: list[str]
    dimensions: Dimensions | None = None
    created: datetime.datetime


class ItemUpdate(BaseModel):
    name: str | None = None
    price: float | None = Field(None, ge=0)
    category: Category | None = None


class Message(BaseModel):
    detail: str


class ItemList(BaseModel):
    items: list[ItemRead]
    total: int
    next: str | None = None


@dataclasses.dataclass
class Point:
    x: float
    y: float = 0.0


@dataclasses.dataclass
class Shape:
    """A polygon."""

    name: str
    points: list[Point]
    closed: bool = True
    label: str | None = None
    meta: dict[str, str] = dataclasses.field(default_factory=dict)
    revision: int = dataclasses.field(init=False, default=1)  # listed: it has a default
    scratch: list[int] = dataclasses.field(init=False, repr=False)  # left out


class Contact(TypedDict):
    email: str
    phone: NotRequired[str]


class Customer(TypedDict):
    name: str
    contacts: list[Contact]


class Cat(BaseModel):
    kind: Literal["cat"] = "cat"
    meows: bool = True


class Dog(BaseModel):
    kind: Literal["dog"] = "dog"
    barks: int = 0


class Bird(BaseModel):
    kind: Literal["parrot", "crow"] = Field(alias="type")
    talks: bool = False


class Fish(BaseModel):
    kind: Literal["fish"] = Field(alias="type")


@dataclasses.dataclass
class Circle:
    shape: Literal["circle"]
    radius: float


@dataclasses.dataclass
class Square:
    shape: Literal["square"]
    side: float


Pet = Annotated[Cat | Dog, Field(discriminator="kind")]


@dataclasses.dataclass
class Drawing:
    figures: list[Annotated[Circle | Square, Field(discriminator="shape")]]


# -- apps ----------------------------------------------------------------------------------


def crud_pydantic(fw: Framework) -> Any:
    """A CRUD service on pydantic models, every parameter source."""
    Path, Query, Header, Cookie, Body = fw.Path, fw.Query, fw.Header, fw.Cookie, fw.Body
    app = fw.App(title="Shop", version="1.2.3", description="Sells things.")
    router = fw.Router(prefix="/items", tags=["items"], responses={404: {"model": Message}})

    @router.get("", response_model=ItemList, summary="List items")
    def list_items(
        skip: Annotated[int, Query(ge=0, description="How many to skip")] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        q: Annotated[str | None, Query(min_length=3, max_length=50, pattern="^[a-z ]+$")] = None,
        sort: Literal["name", "price", "-price"] = "name",
        category: Category | None = None,
        tag: Annotated[list[str] | None, Query(description="Any of these")] = None,
        x_request_id: Annotated[str | None, Header()] = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> Any:
        """List the items.

        Paginated.
        """
        return {}

    @router.post(
        "",
        response_model=ItemRead,
        status_code=201,
        responses={409: {"model": Message, "description": "Already there"}},
    )
    def create_item(item: ItemCreate, x_idempotency_key: Annotated[str, Header()]) -> Any:
        return {}

    @router.get("/{item_id}", response_model=ItemRead, operation_id="getItem")
    def read_item(
        item_id: Annotated[int, Path(gt=0, title="Item ID", examples=[7])],
        fields: Annotated[str | None, Query(deprecated=True)] = None,
    ) -> Any:
        return {}

    @router.put("/{item_id}", response_model=ItemRead)
    def replace_item(item_id: int, item: ItemCreate) -> Any:
        return {}

    @router.patch("/{item_id}", response_model=ItemRead, response_model_exclude_unset=True)
    def update_item(item_id: int, patch: ItemUpdate, note: Annotated[str, Body()] = "") -> Any:
        return {}

    @router.delete("/{item_id}", status_code=204, deprecated=True)
    def delete_item(item_id: int) -> None:
        return None

    @router.get("/{item_id}/price", response_model=float, tags=["prices"])
    def price_of(item_id: int, currency: Annotated[str, Query(min_length=3, max_length=3)]) -> Any:
        return 1.0

    app.include_router(router)

    @app.get("/health", include_in_schema=False)
    def health() -> Any:
        return {}

    @app.get("/", response_model=dict[str, str])
    def root() -> Any:
        return {}

    return app


def crud_dataclasses(fw: Framework) -> Any:
    """Dataclass and TypedDict bodies, response models of lists, unions and optionals."""
    Body, Query = fw.Body, fw.Query
    app = fw.App()

    @app.post("/shapes", status_code=201)
    def create_shape(shape: Shape) -> Shape:
        return shape

    @app.get("/shapes")
    def list_shapes(closed: bool | None = None) -> list[Shape]:
        return []

    @app.get("/shapes/{name}", response_model=Shape | None)
    def find_shape(name: str) -> Any:
        return None

    @app.post("/customers")
    def add_customer(customer: Customer, vip: Annotated[bool, Body()] = False) -> Customer:
        return customer

    @app.get("/points", response_model=Point | list[Point])
    def points(many: bool = False) -> Any:
        return []

    @app.post("/points/batch")
    def batch(points: list[Point], dry_run: Annotated[bool, Query()] = False) -> dict[str, int]:
        return {}

    @app.put("/shapes/{name}/points/{index}")
    def move_point(name: str, index: int, point: Annotated[Point, Body(embed=True)]) -> Point:
        return point

    @app.get("/pets", response_model=list[Cat | Dog])
    def pets() -> Any:
        return []

    @app.post("/pets")
    def add_pet(pet: Annotated[Cat | Dog, Field(discriminator="kind")]) -> Cat | Dog:
        return pet

    return app


def routers(fw: Framework) -> Any:
    """Routers with prefixes, tags, dependencies that declare parameters, and nesting."""
    Depends, Header, Query = fw.Depends, fw.Header, fw.Query

    def tenant(x_tenant: Annotated[str, Header(description="The tenant")]) -> str:
        return x_tenant

    def paging(
        page: Annotated[int, Query(ge=1)] = 1,
        size: Annotated[int, Query(ge=1, le=50)] = 10,
    ) -> dict[str, int]:
        return {}

    class Pager:
        def __init__(self, cursor: str | None = None, reverse: bool = False) -> None:
            self.cursor = cursor

    app = fw.App(dependencies=[Depends(tenant)], openapi_tags=[{"name": "users"}])
    users = fw.Router(prefix="/users", tags=["users"], dependencies=[Depends(paging)])
    posts = fw.Router(tags=["posts"], deprecated=True, responses={418: {"description": "Tea"}})

    @users.get("/")
    def list_users(pager: Annotated[Pager, Depends()]) -> Any:
        return []

    @users.get("/{user_id}")
    def get_user(user_id: int) -> Any:
        return {}

    @posts.get("/{post_id}")
    def get_post(user_id: int, post_id: int, p: Annotated[dict[str, int], Depends(paging)]) -> Any:
        return {}

    @posts.post("/", status_code=201)
    def add_post(user_id: int, title: Annotated[str, fw.Body(embed=True, max_length=80)]) -> Any:
        return {}

    users.include_router(posts, prefix="/{user_id}/posts")
    app.include_router(users)
    app.include_router(users, prefix="/v2", tags=["v2"], include_in_schema=True)
    hidden = fw.Router(prefix="/internal")

    @hidden.get("/state")
    def state() -> Any:
        return {}

    app.include_router(hidden, include_in_schema=False)

    @app.get("/ping", tags=["ops"], response_description="Pong")
    async def ping() -> str:
        return "pong"

    return app


def duplicates(fw: Framework) -> Any:
    """The same handler name on two paths; three classes named ``Thing`` in three modules,
    two of them alike: pydantic's naming gives ``mod__Thing`` and ``Thing-Output``."""
    app = fw.App()
    first = same_named_model("tests.openapi.first", value=(int, ...))
    second = same_named_model("tests.openapi.second", value=(str, "x"))
    third = same_named_model("tests.openapi.third", value=(int, ...))

    @app.get("/a/{x}")
    def read(x: int) -> Any:
        return {}

    @app.get("/b/{x}")  # type: ignore[no-redef]
    def read(x: int) -> Any:  # noqa: F811
        return {}

    # (A route of several methods is left out: FastAPI names its operations after the
    # first method of a set, whose order changes from one process to the next.)

    @app.post("/first")
    def take_first(body: first) -> Any:  # type: ignore[valid-type]
        return {}

    @app.post("/second")
    def take_second(body: second) -> second:  # type: ignore[valid-type]
        return body

    @app.post("/third")
    def take_third(body: third) -> Any:  # type: ignore[valid-type]
        return {}

    return app


def same_named_model(module: str, **fields: Any) -> Any:
    """A pydantic model named ``Thing`` that says it was defined in ``module``."""
    return pydantic.create_model("Thing", __module__=module, **fields)


def security(fw: Framework) -> Any:
    """Schemes on routers and routes, scopes gathered through nested dependencies."""
    Depends, Security = fw.Depends, fw.Security
    sec = fw.security
    oauth2 = sec.OAuth2PasswordBearer(
        tokenUrl="/auth/token",
        scopes={"me": "Read yourself", "items": "Read items", "admin": "Everything"},
        description="Log in for a token",
    )
    bearer = sec.HTTPBearer(auto_error=False)
    key = sec.APIKeyHeader(name="X-API-Key", scheme_name="ApiKey", description="A key")

    def current_user(scopes: sec.SecurityScopes, token: Annotated[str, Depends(oauth2)]) -> str:
        return token

    def active_user(user: Annotated[str, Security(current_user, scopes=["me"])]) -> str:
        return user

    app = fw.App()
    admin = fw.Router(prefix="/admin", dependencies=[Security(current_user, scopes=["admin"])])

    @admin.get("/users")
    def admin_users(k: Annotated[str, Depends(key)]) -> Any:
        return []

    app.include_router(admin)

    @app.post("/auth/token")
    def login(form: Annotated[sec.OAuth2PasswordRequestForm, Depends()]) -> Any:
        return {}

    @app.get("/me")
    def me(user: Annotated[str, Depends(active_user)]) -> Any:
        return {}

    @app.get("/me/items")
    def my_items(user: Annotated[str, Security(active_user, scopes=["items"])]) -> Any:
        return []

    @app.get("/either")
    def either(b: Annotated[Any, Depends(bearer)], k: Annotated[str, Depends(key)]) -> Any:
        return {}

    return app


def forms_and_files(fw: Framework) -> Any:
    Form, File, UploadFile = fw.Form, fw.File, fw.UploadFile
    app = fw.App()

    @app.post("/profile")
    def profile(
        name: Annotated[str, Form(min_length=2, description="Shown to others")],
        age: Annotated[int, Form(ge=0)],
        bio: Annotated[str | None, Form()] = None,
        newsletter: Annotated[bool, Form()] = False,
        interests: Annotated[list[str], Form()] = [],  # noqa: B006
    ) -> Any:
        return {}

    @app.post("/avatar")
    def avatar(
        image: Annotated[UploadFile, File(description="PNG or JPEG")],
        caption: Annotated[str, Form(max_length=100)] = "",
    ) -> Any:
        return {}

    @app.post("/documents")
    def documents(
        files: Annotated[list[bytes], File()],
        title: Annotated[str, Form()],
    ) -> Any:
        return {}

    @app.post("/raw")
    def raw(blob: Annotated[bytes, File()]) -> Any:
        return {}

    @app.put("/settings", status_code=204)
    def settings(theme: Annotated[Literal["light", "dark"], Form()] = "light") -> None:
        return None

    return app


def documented_params(fw: Framework) -> Any:
    """Titles, descriptions, examples, openapi_examples, deprecated, aliases, extras."""
    Query, Header, Cookie, Path = fw.Query, fw.Header, fw.Cookie, fw.Path
    app = fw.App(separate_input_output_schemas=False)

    @app.get("/search/{scope}")
    def search(
        scope: Annotated[Literal["all", "mine"], Path(description="Where to look")],
        text: Annotated[
            str,
            Query(
                title="Search text",
                description="Words to find",
                examples=["hammer"],
                openapi_examples={
                    "short": {"summary": "One word", "value": "hammer"},
                    "long": {"summary": "Two words", "value": "claw hammer"},
                },
            ),
        ],
        min_price: Annotated[Decimal | None, Query(alias="min-price", ge=0)] = None,
        when: Annotated[datetime.date | None, Query(description="Listed on")] = None,
        ids: Annotated[list[uuid.UUID], Query()] = [],  # noqa: B006
        step: Annotated[int, Query(multiple_of=5)] = 10,
        accept_language: Annotated[str, Header(deprecated=True)] = "en",
        prefs: Annotated[str | None, Cookie(alias="user-prefs", description="JSON")] = None,
        strict: Annotated[bool, Query(json_schema_extra={"x-flag": True})] = False,
    ) -> Any:
        return {}

    return app


def tagged_unions(fw: Framework) -> Any:
    """Unions with a discriminator field: ``oneOf`` and a ``discriminator`` mapping."""
    Body = fw.Body
    app = fw.App()

    @app.post("/pets/maybe")
    def maybe_pet(pet: Pet | None = None) -> list[Pet]:
        return []

    @app.post("/pets/many")
    def many_pets(pets: list[Pet], owner: Annotated[str, Body()]) -> Any:
        return {}

    @app.post("/figures")
    def figure(
        figure: Annotated[Circle | Square, Field(discriminator="shape")],
    ) -> Drawing:
        return Drawing([])

    @app.post("/animals")
    def animal(
        animal: Annotated[Fish | Bird, Body(discriminator="kind")],
    ) -> Any:
        return {}

    @app.get("/animal", response_model=Annotated[Dog | Cat, Field(discriminator="kind")])
    def one_animal() -> Any:
        return {}

    return app


def extra_responses(fw: Framework) -> Any:
    """``responses=`` with models, headers, links, examples; status codes; response classes."""
    r = fw.responses
    app = fw.App(default_response_class=r.ORJSONResponse)
    router = fw.Router(
        prefix="/orders",
        tags=["orders"],
        responses={401: {"description": "Log in first"}, 404: {"model": Message}},
        default_response_class=r.JSONResponse,
    )

    @router.post(
        "",
        status_code=201,
        response_model=ItemRead,
        responses={
            201: {
                "description": "Created",
                "headers": {"Location": {"schema": {"type": "string"}, "description": "URL"}},
            },
            400: {
                "model": Message,
                "content": {"application/json": {"example": {"detail": "Bad"}}},
            },
            404: {"description": "No such customer"},
            "default": {"model": Message},
        },
    )
    def create_order(item: ItemCreate) -> Any:
        return {}

    @router.get(
        "/{order_id}",
        responses={
            200: {
                "content": {"image/png": {}},
                "description": "The order, or its picture",
            },
            301: {"description": "Moved", "links": {"self": {"operationId": "getItem"}}},
        },
    )
    def get_order(order_id: int) -> ItemRead:
        return ItemRead.model_construct()

    @router.get("/{order_id}/text", response_class=r.PlainTextResponse, responses={404: {}})
    def order_text(order_id: int) -> str:
        return ""

    @router.get("/{order_id}/page", response_class=r.HTMLResponse, status_code=203)
    def order_page(order_id: int) -> Any:
        return ""

    @router.delete("/{order_id}", status_code=204, response_model=None)
    def cancel(order_id: int) -> None:
        return None

    @router.post("/{order_id}/ship", status_code=202, response_model=Message | None)
    def ship(order_id: int) -> Any:
        return None

    app.include_router(router)

    @app.get("/fast", response_model=list[ItemRead])
    def fast() -> Any:
        return []

    @app.get("/redirect", response_class=r.RedirectResponse, status_code=302)
    def redirect() -> Any:
        return "/"

    @app.get("/stream", response_class=r.StreamingResponse)
    def stream() -> Any:
        return None

    @app.get("/file", response_class=r.FileResponse)
    def file() -> Any:
        return None

    return app


class Settings(BaseModel):
    """Preferences.

    Stored per user.\fInternal notes."""

    model_config = ConfigDict(title="User settings")

    theme: Literal["light", "dark"] = "light"
    page_size: int = Field(20, ge=5, le=100, description="Rows", deprecated=True)
    labels: dict[str, str] = Field(default_factory=dict)
    history: list[datetime.date] = []
    ratio: Decimal = Decimal("0.5")
    nickname: str | None = Field(None, json_schema_extra={"x-private": True})


class Tree(BaseModel):
    name: str
    children: list["Tree"] = []


class Wrapper(BaseModel):
    settings: Settings
    tree: Tree | None = None
    when: datetime.datetime | None = None
    span: datetime.timedelta = datetime.timedelta(0)
    ident: uuid.UUID | None = None


def pydantic_details(fw: Framework) -> Any:
    """Model titles, docstrings, deprecated fields, factories, recursion, input/output splits."""
    Body = fw.Body
    app = fw.App()

    @app.put("/settings")
    def put_settings(settings: Settings) -> Settings:
        return settings

    @app.post("/wrapped")
    def wrapped(
        w: Annotated[
            Wrapper,
            Body(
                examples=[{"settings": {}}],
                openapi_examples={"empty": {"summary": "Nothing set", "value": {"settings": {}}}},
            ),
        ],
    ) -> Wrapper:
        return w

    @app.post("/trees")
    def trees(tree: Tree, extra: Annotated[list[Tree], Body()] = []) -> list[Tree]:  # noqa: B006
        return []

    @app.get("/settings/default")
    def default_settings() -> Settings:
        return Settings()

    @app.post("/aliased")
    def aliased(
        item: Annotated[ItemCreate, Body(alias="payload", embed=True, title="The item")],
        count: Annotated[int, Body(gt=0, examples=[3])] = 1,
    ) -> ItemCreate:
        return item

    return app


def forms_models(fw: Framework) -> Any:
    """A form model, the strict OAuth2 form, file lists with optional members."""
    Form, File, UploadFile, Depends = fw.Form, fw.File, fw.UploadFile, fw.Depends
    sec = fw.security

    class Signup(BaseModel):
        email: str = Field(pattern=r"^[^@]+@[^@]+$")
        password: str = Field(min_length=8)
        plan: Literal["free", "pro"] = "free"

    app = fw.App()

    @app.post("/signup")
    def signup(form: Annotated[Signup, Form()]) -> Any:
        return {}

    @app.post("/token")
    def token(form: Annotated[sec.OAuth2PasswordRequestFormStrict, Depends()]) -> Any:
        return {}

    @app.post("/gallery")
    def gallery(
        pictures: Annotated[list[UploadFile], File(description="Up to ten")],
        cover: Annotated[UploadFile | None, File()] = None,
        tags: Annotated[list[str] | None, Form()] = None,
    ) -> Any:
        return {}

    @app.put("/avatar/{user}")
    async def avatar(user: int, image: UploadFile) -> Any:
        return {}

    return app


def app_metadata(fw: Framework) -> Any:
    """App-level fields: tags with external docs, servers, contact, webhooks, callbacks."""
    app = fw.App(
        title="Inventory",
        version="3.0.0",
        description="# Inventory\n\nKeeps **stock**.",
        openapi_tags=[
            {"name": "items", "description": "Stock", "externalDocs": {"url": "https://x.io"}},
            {"name": "ops"},
        ],
        servers=[{"url": "https://{env}.example.com", "variables": {"env": {"default": "api"}}}],
        contact={"name": "Ops", "url": "https://example.com"},
        license_info={"name": "Apache 2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
        swagger_ui_parameters={"deepLinking": False},
        openapi_external_docs={"description": "Guide", "url": "https://example.com/guide"},
    )

    @app.webhooks.post("item-sold")
    def item_sold(item: ItemRead) -> None:
        """A sale happened."""

    @app.get("/items", tags=["items"], summary="All", description="Every item.\n\nSorted.")
    def items() -> list[ItemRead]:
        return []

    @app.get("/ops/ping", tags=["ops"], operation_id="ping", deprecated=True)
    async def ping() -> dict[str, str]:
        return {}

    callbacks = fw.Router()

    @callbacks.post("{$callback_url}/invoices/{$request.body.id}", response_model=Message)
    def invoice_notification(body: Message) -> None:
        """FastAPI's own spelling: a runtime expression, never a route to serve."""

    @callbacks.post("/events/{event_id}", response_model=Message, status_code=202)
    def event_received(event_id: int, event: ItemRead, x_signature: Annotated[str, fw.Header()]):
        """The app posts each event to the subscriber's URL."""

    @app.post("/subscriptions", tags=["ops"], callbacks=callbacks.routes)
    def subscribe(url: str) -> Message:
        return Message(detail="ok")

    @app.post("/items/{item_id}/notes", openapi_extra={"x-audit": {"level": 2}, "parameters": []})
    def note(item_id: int, text: Annotated[str, fw.Body(media_type="text/plain")]) -> Any:
        return {}

    return app


def security_variants(fw: Framework) -> Any:
    """Every scheme class with its options, optional schemes, scopes on routers."""
    Depends, Security = fw.Depends, fw.Security
    sec = fw.security
    oauth2 = sec.OAuth2PasswordBearer(
        tokenUrl="token", refreshUrl="refresh", scopes={"a": "A", "b": "B"}, auto_error=False
    )
    basic = sec.HTTPBasic(realm="shop", description="Staff login")
    bearer = sec.HTTPBearer(scheme_name="jwt", bearerFormat="JWT")
    query_key = sec.APIKeyQuery(name="api_key", scheme_name="QueryKey")
    cookie_key = sec.APIKeyCookie(name="sid")
    header_key = sec.APIKeyHeader(name="X-Key", auto_error=False)

    def scoped(scopes: sec.SecurityScopes, token: Annotated[str | None, Depends(oauth2)]) -> Any:
        return token

    app = fw.App(dependencies=[Depends(cookie_key)])
    staff = fw.Router(prefix="/staff", dependencies=[Depends(basic)], tags=["staff"])

    @staff.get("/report")
    def report(k: Annotated[str | None, Depends(header_key)]) -> Any:
        return {}

    app.include_router(staff)
    app.include_router(
        staff, prefix="/v2", dependencies=[Security(scoped, scopes=["b"])], tags=["v2"]
    )

    @app.get("/data")
    def data(
        a: Annotated[Any, Security(scoped, scopes=["a"])],
        b: Annotated[Any, Security(scoped, scopes=["b", "a"])],
        key: Annotated[str, Depends(query_key)],
    ) -> Any:
        return {}

    @app.get("/jwt", dependencies=[Depends(bearer)])
    def with_jwt() -> Any:
        return {}

    return app


def dependency_shapes(fw: Framework) -> Any:
    """Parameters declared by class dependencies, yield dependencies, shared
    sub-dependencies, ``use_cache=False``, and dependencies with bodies."""
    Depends, Query, Header, Body = fw.Depends, fw.Query, fw.Header, fw.Body

    class Paging:
        def __init__(self, page: Annotated[int, Query(ge=1)] = 1, size: int = 10) -> None:
            self.page = page

    def db(x_db: Annotated[str, Header()] = "main") -> Iterator[str]:
        yield x_db

    def repo(conn: Annotated[str, Depends(db)], table: str = "items") -> str:
        return conn

    def audited(note: Annotated[str, Body(embed=True)] = "") -> str:
        return note

    app = fw.App()

    @app.get("/list")
    def listing(
        paging: Annotated[Paging, Depends()],
        r: Annotated[str, Depends(repo)],
        again: Annotated[str, Depends(db, use_cache=False)],
    ) -> Any:
        return {}

    @app.post("/change")
    def change(
        item: ItemUpdate,
        note: Annotated[str, Depends(audited)],
        r: Annotated[str, Depends(repo)],
    ) -> Any:
        return {}

    @app.delete("/things/{thing_id}", dependencies=[Depends(repo)], status_code=204)
    def remove(thing_id: int) -> None:
        return None

    return app


def router_callbacks(fw: Framework) -> Any:
    """``callbacks=`` and ``generate_unique_id_function=`` given to routers and to
    ``include_router``, merged with the routes' own as FastAPI merges them."""
    hooks = fw.Router()

    @hooks.post("/paid/{invoice}")
    def invoice_paid(invoice: int, body: Message) -> None:
        return None

    more = fw.Router()

    @more.put("/refunded/{invoice}", status_code=204)
    def invoice_refunded(invoice: int) -> None:
        return None

    def tagged(route: Any) -> str:
        return f"{route.tags[0] if route.tags else 'none'}-{route.name}"

    app = fw.App()
    billing = fw.Router(
        prefix="/billing",
        tags=["billing"],
        callbacks=hooks.routes,
        generate_unique_id_function=tagged,
    )

    @billing.post("/invoices")
    def create_invoice(item: ItemCreate) -> Message:
        return Message(detail="")

    @billing.post("/refunds", callbacks=more.routes, operation_id="refund")
    def refund(invoice: int) -> Message:
        return Message(detail="")

    @billing.get("/plain", generate_unique_id_function=lambda route: "plain-one")
    def plain() -> Any:
        return {}

    app.include_router(billing)
    app.include_router(
        billing,
        prefix="/v2",
        callbacks=more.routes,
        generate_unique_id_function=lambda route: "never-used",
    )
    loose = fw.Router()

    @loose.get("/loose")
    def loose_route() -> Any:
        return {}

    app.include_router(
        loose, callbacks=hooks.routes, generate_unique_id_function=lambda r: f"x-{r.name}"
    )
    return app


def grab_bag(fw: Framework) -> Any:
    """Less travelled corners: status enums, bare Response classes, websockets and
    mounts (never in the document), HTML default responses with models."""
    r = fw.responses
    status = fw.status
    app = fw.App(default_response_class=r.HTMLResponse)

    @app.post("/made", status_code=status.HTTP_201_CREATED, response_class=r.JSONResponse)
    def made(item: ItemCreate) -> ItemRead:
        return ItemRead.model_construct()

    @app.get("/page", response_model=Message)
    def page() -> Any:
        return "<p>"

    @app.get("/raw", response_class=r.Response, responses={200: {"description": "Bytes"}})
    def raw() -> Any:
        return r.Response(b"")

    @app.get("/accepted", status_code=202, response_class=r.JSONResponse)
    def accepted(
        x_trace: Annotated[list[str] | None, fw.Header(alias="X-Trace-Ids")] = None,
        level: Grade = Grade.low,
        size: Size | None = None,
    ) -> dict[str, int]:
        return {}

    @app.websocket("/ws")
    async def ws(websocket: Any) -> None:
        return None

    sub = fw.App()

    @sub.get("/inner")
    def inner() -> Any:
        return {}

    app.mount("/sub", sub)

    @app.head("/exists/{key}", status_code=200)
    def exists(key: str) -> None:
        return None

    @app.options("/exists/{key}")
    def options(key: str) -> Any:
        return {}

    @app.trace("/trace")
    def trace() -> Any:
        return {}

    return app


# -- models that mix kinds ----


@dataclasses.dataclass
class Price:
    amount: Decimal
    currency: Literal["EUR", "USD"] = "EUR"


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: str
    price: Price
    size: Category | None = None


@dataclasses.dataclass
class Basket:
    lines: list[Line]
    note: str | None = None


T = typing.TypeVar("T")


class PageOf(BaseModel, typing.Generic[T]):
    items: list[T]
    total: int


class Tags(pydantic.RootModel[list[str]]):
    pass


def mixed_models(fw: Framework) -> Any:
    """Dataclasses inside pydantic models and back, generic and root models, a
    class used as input and output whose split comes from a nested decimal."""
    Query, Form = fw.Query, fw.Form
    app = fw.App()

    @app.post("/baskets")
    def add_basket(basket: Basket) -> Basket:
        return basket

    @app.get("/prices")
    def prices(kind: Category = Category.food) -> list[Price]:
        return []

    @app.post("/lines")
    def add_line(line: Line) -> PageOf[Line]:
        return PageOf[Line](items=[], total=0)

    @app.get("/pages", response_model=PageOf[ItemRead])
    def pages(kind: Annotated[Literal["a", "b"] | None, Query()] = None) -> Any:
        return {}

    @app.put("/tags")
    def put_tags(tags: Tags) -> Tags:
        return tags

    @app.post("/line-form")
    def line_form(data: Annotated[Dimensions, Form()]) -> Any:
        return {}

    return app


def examples_everywhere(fw: Framework) -> Any:
    """``example=`` (the old spelling), ``examples=`` and ``openapi_examples=`` on every
    kind of marker, single and several bodies, forms."""
    Query, Header, Body, Form, File, Path = (
        fw.Query,
        fw.Header,
        fw.Body,
        fw.Form,
        fw.File,
        fw.Path,
    )
    app = fw.App()
    named = {"one": {"summary": "One", "description": "The first", "value": 1}}

    @app.put("/a/{key}")
    def a(
        key: Annotated[str, Path(example="k1")],
        q: Annotated[int, Query(example=3, examples=[1, 2])] = 0,
        h: Annotated[str | None, Header(openapi_examples={"x": {"value": "y"}})] = None,
        body: Annotated[ItemUpdate, Body(example={"name": "n"})] = None,  # type: ignore[assignment]
    ) -> Any:
        return {}

    @app.post("/b")
    def b(
        first: Annotated[int, Body(examples=[1], openapi_examples=named)],
        second: Annotated[str, Body(example="s")],
    ) -> Any:
        return {}

    @app.post("/c")
    def c(
        name: Annotated[str, Form(examples=["n"], openapi_examples={"n": {"value": "n"}})],
        blob: Annotated[bytes, File(example="b")],
    ) -> Any:
        return {}

    @app.post("/d")
    def d(only: Annotated[ItemCreate, Body(openapi_examples=named, embed=True)]) -> Any:
        return {}

    @app.post("/e")
    def e(note: Annotated[str, Form(openapi_examples=named, example="x")]) -> Any:
        return {}

    @app.post("/f")
    def f(item: Annotated[ItemCreate, Body(openapi_examples=named)]) -> Any:
        return {}

    return app


class HeaderFields(BaseModel):
    x_plain: str = "a"
    x_aliased: str = Field("b", alias="X_Aliased_Name")
    x_val: str = Field("c", validation_alias="x_val_alias", description="Read by its alias")


class QueryFields(BaseModel):
    first: str = Field(validation_alias="firstIn", description="d")
    other_name: int = Field(0, alias="otherName", title="Given")


def aliases_and_descriptions(fw: Framework) -> Any:
    """Parameter models read by their aliases (a string ``validation_alias`` first; an
    aliased header is not hyphenated); descriptions cut at a form feed and stripped."""
    Header, Query, Cookie = fw.Header, fw.Query, fw.Cookie
    app = fw.App()
    router = fw.Router(prefix="/r", tags=[Category.food], deprecated=True)

    @router.get(
        "/models",
        description="  Given here.\n\fNot for the docs.  ",
        summary="",
        name="named_thing",
        deprecated=False,
    )
    def models(
        h: Annotated[HeaderFields, Header()],
        q: Annotated[QueryFields, Query()],
        c: Annotated[QueryFields, Cookie()],
    ) -> Any:
        """Not used: description= wins."""
        return {}

    @router.get("/raw-headers")
    def raw_headers(h: Annotated[HeaderFields, Header(convert_underscores=False)]) -> Any:
        """Summary line.

            Indented more than the rest.
        \f
        Hidden.
        """
        return {}

    app.include_router(router, responses={500: {"model": Message}, "4XX": {"description": "C"}})
    return app


class Options(TypedDict, total=False):
    """Options."""

    a: Required[int]
    b: str
    c: Annotated[int, Field(ge=1, description="C")]


@dataclasses.dataclass
class AnnotatedFields:
    x: Annotated[int, Field(ge=1, description="X", title="Ex")] = 2
    y: Annotated[list[str], Field(max_length=3)] = dataclasses.field(default_factory=list)
    z: Annotated[str | None, Field(examples=["z"])] = None


@pydantic.dataclasses.dataclass
class PydanticDataclass:
    """A pydantic dataclass."""

    k: int = Field(3, ge=0)


class Holder(BaseModel):
    o: Options
    d: AnnotatedFields
    p: PydanticDataclass | None = None


def more_class_kinds(fw: Framework) -> Any:
    """total=False TypedDicts, Annotated dataclass fields, pydantic dataclasses (as a
    body, and inside a model)."""
    app = fw.App()

    @app.post("/a")
    def a(o: Options, d: AnnotatedFields) -> AnnotatedFields:
        return d

    @app.post("/b")
    def b(h: Holder) -> Holder:
        return h

    @app.post("/c")
    def c(p: PydanticDataclass) -> PydanticDataclass:
        return p

    return app


APPS: dict[str, Callable[[Framework], Any]] = {
    "crud_pydantic": crud_pydantic,
    "crud_dataclasses": crud_dataclasses,
    "routers": routers,
    "duplicates": duplicates,
    "security": security,
    "forms_and_files": forms_and_files,
    "documented_params": documented_params,
    "tagged_unions": tagged_unions,
    "extra_responses": extra_responses,
    "pydantic_details": pydantic_details,
    "forms_models": forms_models,
    "app_metadata": app_metadata,
    "security_variants": security_variants,
    "dependency_shapes": dependency_shapes,
    "router_callbacks": router_callbacks,
    "grab_bag": grab_bag,
    "mixed_models": mixed_models,
    "examples_everywhere": examples_everywhere,
    "aliases_and_descriptions": aliases_and_descriptions,
    "more_class_kinds": more_class_kinds,
}


@pytest.mark.parametrize("name", sorted(APPS))
def test_same_document_as_fastapi(name: str) -> None:
    same_document(APPS[name])


# -- the example service, on both frameworks ----------------------------------------------------

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "service"
SWAPPED_PACKAGE = "fastapi_spelled_service"
SHIM = "fastapi_spelled_asgiweb"
_IMPORT = re.compile(r"^(\s*)from asgiweb(?:\.[\w.]+)? import", re.MULTILINE)


def _fastapi_shim() -> types.ModuleType:
    """One module holding FastAPI's names under asgiweb's spelling: what the example
    service imports from ``asgiweb`` and its subpackages."""
    import fastapi
    import fastapi.middleware
    import fastapi.middleware.cors
    import fastapi.middleware.gzip
    import fastapi.responses
    import fastapi.sse
    import fastapi.staticfiles

    class Router(fastapi.APIRouter):
        """``max_body_size=`` is asgiweb's own route option: FastAPI has no such limit."""

    def dropping_body_limit(verb: Callable[..., Any]) -> Callable[..., Any]:
        def route(self: Any, *args: Any, max_body_size: int | None = None, **kw: Any) -> Any:
            return verb(self, *args, **kw)

        return route

    for name in ("get", "post", "put", "patch", "delete"):
        setattr(Router, name, dropping_body_limit(getattr(fastapi.APIRouter, name)))

    class XMLResponse(fastapi.responses.Response):
        media_type = "application/xml"

    shim = types.ModuleType(SHIM)
    for source in (
        fastapi,
        fastapi.responses,
        fastapi.middleware,
        fastapi.middleware.cors,
        fastapi.middleware.gzip,
        fastapi.sse,
        fastapi.staticfiles,
    ):
        for name in dir(source):
            if not name.startswith("_"):
                setattr(shim, name, getattr(source, name))
    shim.App = fastapi.FastAPI  # type: ignore[attr-defined]
    shim.Router = Router  # type: ignore[attr-defined]
    shim.XMLResponse = XMLResponse  # type: ignore[attr-defined]
    return shim


class _SwappedSource(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``examples/service`` again as ``fastapi_spelled_service``, each
    ``from asgiweb... import`` read as an import from the FastAPI shim."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != SWAPPED_PACKAGE and not fullname.startswith(SWAPPED_PACKAGE + "."):
            return None
        base = EXAMPLE.joinpath(*fullname.split(".")[1:])
        if base.is_dir():
            return importlib.util.spec_from_file_location(
                fullname, base / "__init__.py", loader=self, submodule_search_locations=[str(base)]
            )
        file = base.with_suffix(".py")
        return importlib.util.spec_from_file_location(fullname, file, loader=self)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        origin = str(module.__spec__.origin)  # type: ignore[union-attr]
        text = _IMPORT.sub(rf"\1from {SHIM} import", pathlib.Path(origin).read_text())
        exec(compile(text, origin, "exec"), module.__dict__)


@pytest.fixture(scope="module")
def swapped_service() -> Iterator[types.ModuleType]:
    """The example service's ``app`` module, written against FastAPI."""
    finder = _SwappedSource()
    sys.modules[SHIM] = _fastapi_shim()
    sys.meta_path.insert(0, finder)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield importlib.import_module(f"{SWAPPED_PACKAGE}.app")
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n.split(".")[0] in (SWAPPED_PACKAGE, SHIM)]:
            del sys.modules[name]


def test_the_example_service_has_fastapis_document(
    swapped_service: types.ModuleType, tmp_path: pathlib.Path
) -> None:
    from examples.service import app as service_app

    ours_app = service_app.create_app(service_app.Settings(data_dir=tmp_path, database=":memory:"))
    settings = swapped_service.Settings(data_dir=tmp_path, database=":memory:")
    theirs_app = swapped_service.create_app(settings)
    assert type(theirs_app).__module__.startswith("fastapi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = json.loads(json.dumps(ours_app.openapi()))
        theirs = json.loads(json.dumps(theirs_app.openapi()))
    found = json_differences(ours, theirs)
    assert not found, "\n".join(found)
    assert len(ours["paths"]) >= 10


def test_the_sweep_reaches_what_it_means_to_compare() -> None:
    """The apps really produce the parts of the document they are here for."""
    text = json.dumps([documents(build)[0] for build in APPS.values()])
    for needle in (
        '"webhooks"',
        '"item-sold"',
        '"callbacks"',
        '"event_received"',
        '"{$callback_url}/invoices/{$request.body.id}"',
        '"discriminator"',
        '"oneOf"',
        '"Thing-Output"',
        '"tests__openapi__second__Thing"',
        '"https://example.com/"',
        '"links"',
        '"headers"',
        '"multipart/form-data"',
        '"application/x-www-form-urlencoded"',
        '"securitySchemes"',
        '"deprecated": true',
        '"Settings-Input"',
        '"Tree"',
        '"x-audit"',
        '"x-private"',
        '"externalDocs"',
        '"revision"',
    ):
        assert needle in text, needle


# -- generated parameter declarations ------------------------------------------------------------


class Size(enum.Enum):
    small = "s"
    large = "l"


class Grade(enum.IntEnum):
    low = 1
    high = 2


# (annotation source, values for a default, kind of constraints it takes, where it may go)
_SCALARS: list[tuple[str, list[str], str]] = [
    ("int", ["0", "7", "-3"], "number"),
    ("float", ["0.5", "2.0"], "number"),
    ("Decimal", ["Decimal('1.5')"], "number"),
    ("str", ["'x'", "'abc'"], "string"),
    ("bool", ["True", "False"], "none"),
    ("datetime.date", ["datetime.date(2024, 1, 2)"], "none"),
    ("uuid.UUID", ["uuid.UUID(int=5)"], "none"),
    ("Size", ["Size.small"], "none"),
    ("Grade", ["Grade.high"], "none"),
    ("Literal['a', 'b']", ["'a'"], "none"),
    ("Literal[1, 2]", ["2"], "none"),
]
_CONSTRAINTS = {
    "number": st.fixed_dictionaries(
        {},
        optional={
            "ge": st.integers(-5, 5),
            "le": st.integers(10, 20),
            "gt": st.sampled_from([-1, 0]),
            "lt": st.sampled_from([100, 99]),
            "multiple_of": st.sampled_from([2, 5]),
        },
    ),
    "string": st.fixed_dictionaries(
        {},
        optional={
            "min_length": st.integers(0, 3),
            "max_length": st.integers(5, 9),
            "pattern": st.sampled_from(["^[a-z]+$", r"^\d{3}$"]),
        },
    ),
    "none": st.just({}),
}
_DOCS = st.fixed_dictionaries(
    {},
    optional={
        "title": st.sampled_from(["Nice title", "Other"]),
        "description": st.sampled_from(["Some words", "More *words*"]),
        "deprecated": st.booleans(),
        "include_in_schema": st.booleans(),
    },
)


@st.composite
def declaration(draw: st.DrawFn, index: int) -> tuple[str, str, str]:
    """(source name, parameter text, path segment or ""): one generated parameter."""
    source = draw(st.sampled_from(["Query", "Header", "Cookie", "Path"]))
    base, defaults, kind = draw(st.sampled_from(_SCALARS))
    keywords: dict[str, Any] = {**draw(_CONSTRAINTS[kind]), **draw(_DOCS)}
    if source == "Path":
        keywords.pop("include_in_schema", None)
        arguments = ", ".join(f"{k}={v!r}" for k, v in keywords.items())
        text = f"p{index}: Annotated[{base}, fw.Path({arguments})]"
        return source, text, f"/{{p{index}}}"
    annotation = base
    container = source in ("Query", "Header") and draw(st.booleans())
    if container:
        annotation = draw(st.sampled_from([f"list[{base}]", f"set[{base}]", f"tuple[{base}, ...]"]))
    optional = draw(st.booleans())
    if optional:
        annotation = f"{annotation} | None"
    if draw(st.booleans()):
        keywords["alias"] = f"the-{index}"
    default = draw(
        st.sampled_from(
            ["..."] + (["None"] if optional else []) + (["[]", "()"] if container else defaults)
        )
    )
    arguments = ", ".join(f"{k}={v!r}" for k, v in keywords.items())
    if draw(st.booleans()):  # Annotated[T, Query(...)] = default
        text = f"p{index}: Annotated[{annotation}, fw.{source}({arguments})]"
        if default != "...":
            text += f" = {default}"
    else:  # T = Query(default, ...)
        text = f"p{index}: {annotation} = fw.{source}({default}, {arguments})"
    return source, text, ""


@st.composite
def handler_source(draw: st.DrawFn) -> str:
    """The source of ``build(fw)``: an App with one route of generated parameters."""
    count = draw(st.integers(1, 6))
    found = [draw(declaration(i)) for i in range(count)]
    method = draw(st.sampled_from(["get", "post", "put", "delete"]))
    path = "/things" + "".join(segment for _, _, segment in found)
    # Parameters without a default first, as Python wants them.
    texts = sorted((text for _, text, _ in found), key=lambda t: " = " in t)
    lines = [
        "def build(fw):",
        "    app = fw.App()",
        f"    @app.{method}({path!r})",
        "    def handler(",
        *(f"        {text}," for text in texts),
        "    ):",
        "        return {}",
        "    return app",
    ]
    return "\n".join(lines)


def assert_generated_app_documented_alike(source: str, namespace: dict[str, Any]) -> None:
    """Run a generated app's source (it defines ``build(fw)``) and compare the two
    documents; the names every generated source may use are added to ``namespace``."""
    names = {"Annotated": Annotated, "Literal": Literal, "Decimal": Decimal}
    namespace = {**names, "datetime": datetime, "Size": Size, **namespace}
    exec(compile(source, "<generated>", "exec"), namespace)
    ours, theirs = documents(namespace["build"])
    theirs["info"]["title"] = ours["info"]["title"]
    found = json_differences(ours, theirs)
    assert not found, source + "\n" + "\n".join(found)


@settings(max_examples=int(os.environ.get("SWEEP_EXAMPLES", "100")))
@given(handler_source())
def test_generated_parameters_are_documented_as_fastapi_does(source: str) -> None:
    namespace: dict[str, Any] = {"uuid": uuid, "Grade": Grade}
    assert_generated_app_documented_alike(source, namespace)


# -- generated bodies and response models ----------------------------------------------------------

_FIELD_TYPES = [
    ("int", "3"),
    ("float", "1.5"),
    ("str", "'x'"),
    ("bool", "False"),
    ("Decimal", "Decimal('2.5')"),
    ("datetime.datetime", "datetime.datetime(2024, 1, 2, 3, 4)"),
    ("Size", "Size.large"),
    ("Literal['on', 'off']", "'on'"),
    ("list[int]", "None"),
    ("dict[str, float]", "None"),
    ("bytes", "b'x'"),
]


@st.composite
def class_source(draw: st.DrawFn, name: str, earlier: list[str]) -> str:
    """A dataclass, TypedDict or pydantic model ``name`` with generated fields (which
    may name the classes ``earlier``)."""
    style = draw(st.sampled_from(["dataclass", "typeddict", "pydantic"]))
    choices = _FIELD_TYPES + [(other, "None") for other in earlier]
    required: list[str] = []
    optional: list[str] = []
    for index in range(draw(st.integers(1, 4))):
        tp, default = draw(st.sampled_from(choices))
        if draw(st.booleans()):
            tp, default = f"{tp} | None", "None"
        field = f"f{index}"
        if style == "pydantic" and draw(st.booleans()):
            keywords = draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "alias": st.just(f"F{index}"),
                        "description": st.just("About it"),
                        "title": st.just("Custom"),
                        "examples": st.just([1]),
                        "deprecated": st.booleans(),
                    },
                )
            )
            given = ", ".join(f"{k}={v!r}" for k, v in keywords.items())
            text = f"    {field}: Annotated[{tp}, Field({given})]"
        else:
            text = f"    {field}: {tp}"
        if style == "typeddict":
            if draw(st.booleans()):
                text = f"    {field}: NotRequired[{tp}]"
            required.append(text)
        elif (default != "None" or "None" in tp) and draw(st.booleans()):
            optional.append(f"{text} = {default}")
        else:
            required.append(text)
    body = required + optional or ["    pass"]
    if style == "dataclass":
        return "\n".join(["@dataclasses.dataclass", f"class {name}:", *body])
    if style == "typeddict":
        return "\n".join([f"class {name}(TypedDict):", *body])
    return "\n".join([f"class {name}(BaseModel):", *body])


@st.composite
def body_app_source(draw: st.DrawFn) -> str:
    names: list[str] = []
    classes: list[str] = []
    for index in range(draw(st.integers(1, 3))):
        name = f"Model{index}"
        classes.append(draw(class_source(name, list(names))))
        names.append(name)
    bodies: list[str] = []
    for index in range(draw(st.integers(1, 3))):
        tp = draw(st.sampled_from([*names, f"list[{names[0]}]", f"{names[-1]} | None", "int"]))
        marker = draw(
            st.sampled_from(["", "fw.Body()", "fw.Body(embed=True)", "fw.Body(title='T')"])
        )
        if tp == "int" and not marker:
            marker = "fw.Body(ge=0)"
        text = f"b{index}: Annotated[{tp}, {marker}]" if marker else f"b{index}: {tp}"
        if tp.endswith("| None") and draw(st.booleans()):
            text += " = None"
        bodies.append(text)
    bodies.sort(key=lambda t: " = " in t)
    response = draw(st.sampled_from([*names, f"list[{names[-1]}]", f"{names[0]} | None", "None"]))
    status = draw(st.sampled_from(["200", "201"]))
    separate = draw(st.booleans())
    lines = [
        *classes,
        "def build(fw):",
        f"    app = fw.App(separate_input_output_schemas={separate})",
        f"    @app.post('/things', status_code={status}, response_model={response})",
        "    def handler(",
        *(f"        {text}," for text in bodies),
        "    ):",
        "        return {}",
        "    return app",
    ]
    return "\n".join(lines)


@settings(max_examples=int(os.environ.get("SWEEP_EXAMPLES", "100")))
@given(body_app_source())
def test_generated_bodies_are_documented_as_fastapi_does(source: str) -> None:
    namespace: dict[str, Any] = {
        "__name__": "generated_bodies",
        "dataclasses": dataclasses,
        "TypedDict": TypedDict,
        "NotRequired": NotRequired,
        "BaseModel": BaseModel,
        "Field": Field,
    }
    assert_generated_app_documented_alike(source, namespace)


def test_a_duplicate_operation_id_warns_in_fastapis_words() -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/one", operation_id="same")
        def one() -> Any:
            return {}

        @app.get("/two", operation_id="same")
        def two() -> Any:
            return {}

        return app

    messages = []
    for fw in frameworks():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            build(fw).openapi()
        messages.append([str(w.message) for w in caught if "Duplicate" in str(w.message)])
    assert messages[0] == messages[1]
    assert messages[0] == [f"Duplicate Operation ID same for function two at {__file__}"]


@st.composite
def form_app_source(draw: st.DrawFn) -> str:
    """A route of generated form fields and files."""
    texts: list[str] = []
    for index in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Form", "File"]))
        if kind == "Form":
            base, defaults, limits = draw(st.sampled_from(_SCALARS))
            keywords = {**draw(_CONSTRAINTS[limits]), **draw(_DOCS)}
            keywords.pop("include_in_schema", None)
            if draw(st.booleans()):
                base = f"list[{base}]"
                defaults = ["[]"]
        else:
            base = draw(st.sampled_from(["bytes", "UploadFile", "list[UploadFile]", "list[bytes]"]))
            defaults = ["None"]
            keywords = draw(_DOCS)
            keywords.pop("include_in_schema", None)
        if draw(st.booleans()):
            base, defaults = f"{base} | None", ["None"]
        arguments = ", ".join(f"{k}={v!r}" for k, v in keywords.items())
        text = f"f{index}: Annotated[{base}, fw.{kind}({arguments})]"
        if draw(st.booleans()):
            text += f" = {draw(st.sampled_from(defaults))}"
        texts.append(text)
    texts.sort(key=lambda t: " = " in t)
    return "\n".join(
        [
            "def build(fw):",
            "    UploadFile = fw.UploadFile",
            "    app = fw.App()",
            "    @app.post('/form')",
            "    def handler(",
            *(f"        {text}," for text in texts),
            "    ):",
            "        return {}",
            "    return app",
        ]
    )


@settings(max_examples=int(os.environ.get("SWEEP_EXAMPLES", "100")))
@given(form_app_source())
def test_generated_forms_are_documented_as_fastapi_does(source: str) -> None:
    namespace: dict[str, Any] = {"uuid": uuid, "Grade": Grade}
    assert_generated_app_documented_alike(source, namespace)


def test_parameter_models_read_the_names_the_document_gives() -> None:
    """The names in the document are the ones the request is read by, on both."""

    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.get("/models")
        def models(
            h: Annotated[HeaderFields, fw.Header()], q: Annotated[QueryFields, fw.Query()]
        ) -> Any:
            return {"h": h.model_dump(), "q": q.model_dump()}

        return app

    headers = {"X_Aliased_Name": "B", "x_val_alias": "C", "x-plain": "A"}
    (answer,) = same_answers(build, [Call.get("/models?firstIn=f&otherName=3", headers=headers)])
    assert answer["body"] == {
        "h": {"x_plain": "A", "x_aliased": "B", "x_val": "C"},
        "q": {"first": "f", "other_name": 3},
    }


def test_a_runtime_expression_route_is_documented_never_served() -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.post("{$callback_url}/events")
        def event(body: Message) -> None:
            return None

        @app.get("/")
        def root() -> Any:
            return {"root": True}

        return app

    answers = same_answers(build, [Call.post("/events", json={"detail": "x"}), "/"])
    assert [a["status"] for a in answers] == [404, 200]
    document = same_document(build)
    assert "{$callback_url}/events" in document["paths"]
