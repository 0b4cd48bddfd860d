"""Custom route classes (FastAPI's ``route_class`` and ``get_route_handler``) side by side.

A route class overrides ``get_route_handler`` and wraps what the base class gives:
it may change the response, catch what the handler raises, or hand the plan a
``Request`` subclass of its own.  The same app is built on asgiweb and on FastAPI
and must answer alike.
"""

import gzip
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from tests.oracle.sidebyside import Call, Framework, same_answers

HEADERS = ("content-type", "x-route", "x-status")

Handler = Callable[[Any], Awaitable[Any]]


def route_classes(fw: Framework) -> tuple[type, type, type]:
    route_base = fw.sub("routing").APIRoute if fw.name == "fastapi" else fw.sub("routing").Route
    request_base = fw.Request

    class TaggedRoute(route_base):  # type: ignore[misc, valid-type]
        def get_route_handler(self) -> Handler:
            original = super().get_route_handler()

            async def tagged(request: Any) -> Any:
                response = await original(request)
                response.headers["x-route"] = request.url.path
                response.headers["x-status"] = str(response.status_code)
                return response

            return tagged

    class BodyOnErrorRoute(route_base):  # type: ignore[misc, valid-type]
        def get_route_handler(self) -> Handler:
            original = super().get_route_handler()

            async def keeping_body(request: Any) -> Any:
                try:
                    return await original(request)
                except fw.exceptions.RequestValidationError as exc:
                    body = await request.body()
                    detail = {"errors": exc.errors(), "body": body.decode()}
                    raise fw.HTTPException(status_code=422, detail=detail) from None

            return keeping_body

    class GzipRequest(request_base):  # type: ignore[misc, valid-type]
        async def body(self) -> bytes:
            if not hasattr(self, "_body"):
                body = await super().body()
                if "gzip" in self.headers.getlist("content-encoding"):
                    body = gzip.decompress(body)
                self._body = body
            return self._body  # type: ignore[no-any-return]

    class GzipRoute(route_base):  # type: ignore[misc, valid-type]
        def get_route_handler(self) -> Handler:
            original = super().get_route_handler()

            async def unzipping(request: Any) -> Any:
                return await original(GzipRequest(request.scope, request.receive))

            return unzipping

    return TaggedRoute, BodyOnErrorRoute, GzipRoute


def route_class_app(fw: Framework) -> Any:
    app = fw.App()
    tagged_route, body_route, gzip_route = route_classes(fw)
    tagged = fw.Router(prefix="/t", route_class=tagged_route)

    @tagged.get("/fixed")
    def fixed() -> Any:
        return {"fixed": True}

    @tagged.get("/items/{item_id}")
    def item(item_id: int, q: str = "") -> Any:
        return {"item_id": item_id, "q": q}

    @tagged.post("/created", status_code=201)
    def created(payload: dict[str, int]) -> Any:
        return payload

    @tagged.get("/missing")
    def missing() -> Any:
        raise fw.HTTPException(404, "nope")

    app.include_router(tagged)
    app.include_router(tagged, prefix="/again")

    checked = fw.Router(route_class=body_route)

    @checked.post("/sum")
    def total(numbers: list[int]) -> Any:
        return sum(numbers)

    app.include_router(checked)

    unzipped = fw.Router(route_class=gzip_route)

    @unzipped.post("/sum/{start}")
    def zipped_sum(start: int, numbers: Annotated[list[int], fw.Body()]) -> Any:
        return start + sum(numbers)

    app.include_router(unzipped)

    @app.get("/plain")
    def plain() -> Any:
        return "not wrapped"

    return app


def test_route_classes_wrap_handlers_as_in_fastapi() -> None:
    packed = gzip.compress(json.dumps([1, 2, 3]).encode())
    calls = [
        "/t/fixed",
        "/t/items/3?q=x",
        "/t/items/three",
        Call.post("/t/created", json={"a": 1}),
        "/t/missing",
        "/again/t/items/4",
        Call.post("/sum", json=[1, 2]),
        Call.post("/sum", json={"numbers": [1, 2]}),
        Call.post("/sum", content=b"{bad", headers={"content-type": "application/json"}),
        Call.post(
            "/sum/10",
            content=packed,
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        ),
        Call.post("/sum/10", json=[4]),
        Call.post("/sum/x", json=[4]),
        "/plain",
    ]
    answers = same_answers(route_class_app, calls, headers=HEADERS)
    assert answers[0]["headers"] == {
        "content-type": "application/json",
        "x-route": "/t/fixed",
        "x-status": "200",
    }
    assert answers[3]["headers"]["x-status"] == "201"
    assert answers[7]["status"] == 422 and answers[7]["body"]["detail"]["body"] == (
        '{"numbers":[1,2]}'
    )
    assert [answers[9]["body"], answers[10]["body"]] == [16, 14]
    assert answers[12]["headers"]["x-route"] is None


def app_router_route_class_app(fw: Framework) -> Any:
    app = fw.App()
    tagged_route, _, _ = route_classes(fw)
    app.router.route_class = tagged_route

    @app.get("/a/{name}")
    def a(name: str) -> Any:
        return name

    @app.post("/form")
    def form(name: Annotated[str, fw.Form()]) -> Any:
        return {"name": name}

    return app


def test_the_apps_own_router_takes_a_route_class_as_in_fastapi() -> None:
    calls = ["/a/rick", Call.post("/form", data={"name": "morty"}), Call.post("/form")]
    answers = same_answers(app_router_route_class_app, calls, headers=HEADERS)
    assert [a["headers"].get("x-route") for a in answers] == ["/a/rick", "/form", None]
