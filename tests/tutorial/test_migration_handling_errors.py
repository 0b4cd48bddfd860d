"""FastAPI's "Handling Errors" page, ported: each example runs on asgiweb and on
FastAPI and must answer the same (status, content-type, the headers that matter,
body bytes)."""

from typing import Any

from pydantic import BaseModel

from tests.oracle.sidebyside import Call, Framework, compare

ITEMS = {"foo": "The Foo Wrestlers"}


def raise_http_exception(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/items/{item_id}")
    async def read_item(item_id: str):  # type: ignore[no-untyped-def]
        if item_id not in ITEMS:
            raise fw.mod.HTTPException(status_code=404, detail="Item not found")
        return {"item": ITEMS[item_id]}

    return app


def test_raise_an_http_exception() -> None:
    answers = compare(raise_http_exception, [Call.get("/items/foo"), Call.get("/items/bar")])
    assert answers[0].json() == {"item": "The Foo Wrestlers"}
    assert answers[1].json() == {"detail": "Item not found"}


def custom_headers(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/items-header/{item_id}")
    async def read_item_header(item_id: str):  # type: ignore[no-untyped-def]
        if item_id not in ITEMS:
            raise fw.mod.HTTPException(
                status_code=404,
                detail="Item not found",
                headers={"X-Error": "There goes my error"},
            )
        return {"item": ITEMS[item_id]}

    return app


def test_add_custom_headers() -> None:
    calls = [Call.get("/items-header/foo"), Call.get("/items-header/bar")]
    answers = compare(custom_headers, calls, headers=("content-type", "x-error"))
    assert answers[1].headers["x-error"] == "There goes my error"


def custom_exception_handler(fw: Framework) -> Any:
    app = fw.App()
    JSONResponse = fw.sub("responses").JSONResponse
    Request = fw.mod.Request

    class UnicornException(Exception):
        def __init__(self, name: str) -> None:
            self.name = name

    @app.exception_handler(UnicornException)
    async def unicorn_exception_handler(request: Request, exc: UnicornException):  # type: ignore[no-untyped-def]
        return JSONResponse(
            status_code=418,
            content={"message": f"Oops! {exc.name} did something. There goes a rainbow..."},
        )

    @app.get("/unicorns/{name}")
    async def read_unicorn(name: str):  # type: ignore[no-untyped-def]
        if name == "yolo":
            raise UnicornException(name=name)
        return {"unicorn_name": name}

    return app


def test_install_custom_exception_handlers() -> None:
    answers = compare(
        custom_exception_handler, [Call.get("/unicorns/yolo"), Call.get("/unicorns/x")]
    )
    assert answers[0].status_code == 418
    assert answers[0].json() == {"message": "Oops! yolo did something. There goes a rainbow..."}


def override_default_handlers(fw: Framework) -> Any:
    app = fw.App()
    PlainTextResponse = fw.sub("responses").PlainTextResponse
    RequestValidationError = fw.sub("exceptions").RequestValidationError

    @app.exception_handler(fw.BaseHTTPException)
    async def http_exception_handler(request, exc):  # type: ignore[no-untyped-def]
        return PlainTextResponse(str(exc.detail), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def validation_exception_handler(request, exc):  # type: ignore[no-untyped-def]
        message = "Validation errors:"
        for error in exc.errors():
            message += f"\nField: {error['loc']}, Error: {error['msg']}"
        return PlainTextResponse(message, status_code=400)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int):  # type: ignore[no-untyped-def]
        if item_id == 3:
            raise fw.mod.HTTPException(status_code=418, detail="Nope! I don't like 3.")
        return {"item_id": item_id}

    return app


def test_override_the_default_exception_handlers() -> None:
    calls = [
        Call.get("/items/2"),
        Call.get("/items/3"),
        Call.get("/items/foo"),
        Call.get("/nowhere"),  # the router's own 404 goes through the same handler
        Call.post("/items/2"),  # and its 405
    ]
    answers = compare(override_default_handlers, calls, headers=("content-type", "allow"))
    assert answers[1].text == "Nope! I don't like 3."
    assert answers[2].status_code == 400
    assert answers[2].text.startswith("Validation errors:\nField: ('path', 'item_id')")
    assert (answers[3].status_code, answers[3].text) == (404, "Not Found")


def validation_error_body(fw: Framework) -> Any:
    app = fw.App()
    JSONResponse = fw.sub("responses").JSONResponse
    RequestValidationError = fw.sub("exceptions").RequestValidationError
    jsonable_encoder = fw.sub("encoders").jsonable_encoder
    status = fw.mod.status

    @app.exception_handler(RequestValidationError)
    async def validation_exception_handler(request, exc):  # type: ignore[no-untyped-def]
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content=jsonable_encoder({"detail": exc.errors(), "body": exc.body}),
        )

    class Item(BaseModel):
        title: str
        size: int

    @app.post("/items/")
    async def create_item(item: Item):  # type: ignore[no-untyped-def]
        return item

    @app.get("/query")
    async def query(limit: int):  # type: ignore[no-untyped-def]
        return limit

    return app


def test_use_the_request_validation_error_body() -> None:
    calls = [
        Call.post("/items/", json={"title": "towel", "size": "XL"}),
        Call.post("/items/", json={"title": "towel", "size": 5}),
        Call.post("/items/", json=[1, 2]),
        Call.post("/items/"),  # no body at all
        Call.post("/items/", content=b"title=towel", headers={"content-type": "text/plain"}),
        Call.get("/query?limit=x"),  # no body read: None
    ]
    answers = compare(validation_error_body, calls)
    assert answers[0].json()["body"] == {"title": "towel", "size": "XL"}
    assert answers[0].json()["detail"][0]["loc"] == ["body", "size"]
    assert answers[2].json()["body"] == [1, 2]
    assert answers[3].json()["body"] is None
    assert answers[4].json()["body"] == "title=towel"
    assert answers[5].json()["body"] is None


def reuse_default_handlers(fw: Framework) -> Any:
    app = fw.App()
    handlers = fw.sub("exception_handlers")
    RequestValidationError = fw.sub("exceptions").RequestValidationError
    seen: list[str] = []
    app.state.seen = seen

    @app.exception_handler(fw.BaseHTTPException)
    async def custom_http_exception_handler(request, exc):  # type: ignore[no-untyped-def]
        seen.append(f"OMG! An HTTP error!: {exc!r}")
        return await handlers.http_exception_handler(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_exception_handler(request, exc):  # type: ignore[no-untyped-def]
        seen.append(f"OMG! The client sent invalid data!: {len(exc.errors())} error(s)")
        return await handlers.request_validation_exception_handler(request, exc)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int):  # type: ignore[no-untyped-def]
        if item_id == 3:
            raise fw.mod.HTTPException(status_code=418, detail="Nope! I don't like 3.")
        return {"item_id": item_id}

    return app


def test_reuse_fastapis_exception_handlers() -> None:
    calls = [Call.get("/items/2"), Call.get("/items/3"), Call.get("/items/foo")]
    answers = compare(reuse_default_handlers, calls)
    assert answers[1].json() == {"detail": "Nope! I don't like 3."}
    assert answers[2].json()["detail"][0]["type"] == "int_parsing"
