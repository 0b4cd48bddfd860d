"""FastAPI's "Behind a Proxy", "Bigger Applications" and "Testing" pages, ported:
each app runs on asgiweb and on FastAPI, answers compared.

"Bigger Applications" is ported without its ``dependencies=[Depends(...)]``
token checks (asgiweb has no ``Depends`` yet); every router option the page
uses besides (prefix, tags, responses, the same router included twice) is kept.
"Testing" is ported without ``response_model=Item``, which asgiweb does not
apply; the page's data passes through the model unchanged anyway.
"""

import warnings
from typing import Annotated, Any

from pydantic import BaseModel

from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, both, compare

# -- Behind a Proxy -------------------------------------------------------------------


def proxy_app(fw: Framework, root_path: str = "") -> Any:
    with warnings.catch_warnings():  # FastAPI 0.165 deprecates App(root_path=...)
        warnings.simplefilter("ignore")
        app = fw.App(root_path=root_path) if root_path else fw.App()
    Request = fw.mod.Request

    @app.get("/app")
    def read_main(request: Request):  # type: ignore[no-untyped-def]
        return {"message": "Hello World", "root_path": request.scope.get("root_path")}

    @app.get("/items/")
    def items(request: Request):  # type: ignore[no-untyped-def]
        return {"url": str(request.url), "secure": request.url.is_secure}

    return app


def test_root_path_given_by_the_server() -> None:
    calls = [Call.get("/app"), Call.get("/items/"), Call.get("/nope")]
    answers = compare(proxy_app, calls, client_options={"root_path": "/api/v1"})
    assert answers[0].json() == {"message": "Hello World", "root_path": "/api/v1"}
    assert answers[1].json()["url"] == "http://testserver/api/v1/items/"
    # A slash redirect names the path under the root path; FastAPI's location is
    # absolute (http://testserver/api/v1/items/), asgiweb's is the same path alone.
    for app in both(proxy_app):
        moved = TestClient(app, root_path="/api/v1").get("/items", follow_redirects=False)
        assert moved.status_code == 307
        assert moved.headers["location"].endswith("/api/v1/items/")


def test_root_path_set_on_the_app() -> None:
    def app(fw: Framework) -> Any:
        return proxy_app(fw, root_path="/api/v1")

    calls = [Call.get("/app"), Call.get("/api/v1/app"), Call.get("/items/")]
    answers = compare(app, calls)
    assert answers[0].json() == {"message": "Hello World", "root_path": "/api/v1"}


def test_redirects_keep_the_scheme_the_client_used() -> None:
    # Behind a TLS-terminating proxy that says so (X-Forwarded-Proto, read by the
    # server into scope["scheme"]), a slash redirect stays on https.
    calls = [Call.get("/items"), Call.get("/items?x=1")]
    answers = compare(proxy_app, calls, client_options={"base_url": "https://example.com"})
    assert answers[0].json() == {"url": "https://example.com/items/", "secure": True}
    assert [r.status_code for r in answers[0].history] == [307]
    assert answers[1].json()["url"] == "https://example.com/items/?x=1"


# -- Bigger Applications --------------------------------------------------------------


def bigger_app(fw: Framework) -> Any:
    HTTPException = fw.mod.HTTPException

    users = fw.Router()

    @users.get("/users/", tags=["users"])
    async def read_users():  # type: ignore[no-untyped-def]
        return [{"username": "Rick"}, {"username": "Morty"}]

    @users.get("/users/me", tags=["users"])
    async def read_user_me():  # type: ignore[no-untyped-def]
        return {"username": "fakecurrentuser"}

    @users.get("/users/{username}", tags=["users"])
    async def read_user(username: str):  # type: ignore[no-untyped-def]
        return {"username": username}

    items = fw.Router(
        prefix="/items",
        tags=["items"],
        responses={404: {"description": "Not found"}},
    )
    fake_items_db = {"plumbus": {"name": "Plumbus"}, "gun": {"name": "Portal Gun"}}

    @items.get("/")
    async def read_items():  # type: ignore[no-untyped-def]
        return fake_items_db

    @items.get("/{item_id}")
    async def read_item(item_id: str):  # type: ignore[no-untyped-def]
        if item_id not in fake_items_db:
            raise HTTPException(status_code=404, detail="Item not found")
        return {"name": fake_items_db[item_id]["name"], "item_id": item_id}

    @items.put("/{item_id}", tags=["custom"], responses={403: {"description": "Forbidden"}})
    async def update_item(item_id: str):  # type: ignore[no-untyped-def]
        if item_id != "plumbus":
            raise HTTPException(status_code=403, detail="You can only update the item: plumbus")
        return {"item_id": item_id, "name": "The great Plumbus"}

    admin = fw.Router()

    @admin.post("/")
    async def update_admin():  # type: ignore[no-untyped-def]
        return {"message": "Admin getting schwifty"}

    app = fw.App()
    app.include_router(users)
    app.include_router(items)
    app.include_router(
        admin, prefix="/admin", tags=["admin"], responses={418: {"description": "I'm a teapot"}}
    )
    app.include_router(users, prefix="/v2")  # the same router under a second prefix

    @app.get("/")
    async def root():  # type: ignore[no-untyped-def]
        return {"message": "Hello Bigger Applications!"}

    return app


def test_bigger_applications() -> None:
    calls = [
        Call.get("/"),
        Call.get("/users/"),
        Call.get("/users/me"),
        Call.get("/users/rick"),
        Call.get("/v2/users/morty"),
        Call.get("/items/"),
        Call.get("/items/plumbus"),
        Call.get("/items/bar"),
        Call.put("/items/plumbus"),
        Call.put("/items/gun"),
        Call.post("/admin/"),
        Call.get("/admin/"),  # 405
        Call.post("/admin"),  # slash redirect, then 200 (307 keeps POST)
        Call.get("/items"),
    ]
    answers = compare(bigger_app, calls, headers=("content-type", "allow"))
    assert answers[0].json() == {"message": "Hello Bigger Applications!"}
    assert answers[9].status_code == 403
    assert answers[12].json() == {"message": "Admin getting schwifty"}


def test_included_routes_merge_their_options_as_fastapi_documents() -> None:
    # FastAPI 0.165 keeps included routers unflattened in app.routes, so this
    # checks asgiweb's flattened routes against what the page says they get.
    ours, _ = both(bigger_app)
    routes = {(r.path, min(r.methods)): r for r in ours.routes}
    put = routes["/items/{item_id}", "PUT"]
    assert put.tags == ["items", "custom"]
    assert set(put.responses) == {404, 403}
    post = routes["/admin/", "POST"]
    assert post.tags == ["admin"] and set(post.responses) == {418}
    assert routes["/v2/users/{username}", "GET"].tags == ["users"]


# -- Testing --------------------------------------------------------------------------


def page_testing_app(fw: Framework) -> Any:
    Header = fw.mod.Header
    HTTPException = fw.mod.HTTPException
    fake_secret_token = "coneofsilence"
    fake_db = {
        "foo": {"id": "foo", "title": "Foo", "description": "There goes my hero"},
        "bar": {"id": "bar", "title": "Bar", "description": "The bartenders"},
    }

    class Item(BaseModel):
        id: str
        title: str
        description: str | None = None

    app = fw.App()

    @app.get("/")
    async def read_main():  # type: ignore[no-untyped-def]
        return {"msg": "Hello World"}

    @app.get("/items/{item_id}")
    async def read_item(item_id: str, x_token: Annotated[str, Header()]):  # type: ignore[no-untyped-def]
        if x_token != fake_secret_token:
            raise HTTPException(status_code=400, detail="Invalid X-Token header")
        if item_id not in fake_db:
            raise HTTPException(status_code=404, detail="Item not found")
        return fake_db[item_id]

    @app.post("/items/")
    async def create_item(item: Item, x_token: Annotated[str, Header()]):  # type: ignore[no-untyped-def]
        if x_token != fake_secret_token:
            raise HTTPException(status_code=400, detail="Invalid X-Token header")
        if item.id in fake_db:
            raise HTTPException(status_code=409, detail="Item already exists")
        fake_db[item.id] = item.model_dump()
        return item

    return app


def test_testing_page() -> None:
    token = {"X-Token": "coneofsilence"}
    calls = [
        Call.get("/"),
        Call.get("/items/foo", headers=token),
        Call.get("/items/foo", headers={"X-Token": "hailhydra"}),
        Call.get("/items/baz", headers=token),
        Call.get("/items/foo"),
        Call.post(
            "/items/",
            headers=token,
            json={"id": "foobar", "title": "Foo Bar", "description": "The Foo Barters"},
        ),
        Call.post("/items/", headers=token, json={"id": "foobar", "title": "Again"}),
        Call.post("/items/", headers={"X-Token": "hailhydra"}, json={"id": "x", "title": "X"}),
        Call.post("/items/", headers=token, json={"id": "bazz"}),
        Call.get("/items/foobar", headers=token),
    ]
    answers = compare(page_testing_app, calls)
    assert answers[0].json() == {"msg": "Hello World"}
    assert answers[5].json()["id"] == "foobar"
    assert answers[6].status_code == 409
    assert answers[8].status_code == 422


def test_testclient_as_the_page_uses_it() -> None:
    ours, _ = both(page_testing_app)
    client = TestClient(ours)
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"msg": "Hello World"}
