"""Routing and the error path side by side with FastAPI (the oracle), round four.

Each app is written once (``build(fw)``, see ``tests/oracle/sidebyside.py``) and
served by asgiweb and by FastAPI; the answers must be equal, unless a test says
the difference is deliberate (docs/api.md, "Routes" and "Errors") and asserts
asgiweb's own answer.
"""

from typing import Any

import pytest

from asgiweb import App, Router
from asgiweb.exception_handlers import request_validation_exception_handler
from asgiweb.exceptions import RequestValidationError, WebSocketDisconnect
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, frameworks, same_answers

# -- endpoint_ctx on validation errors -------------------------------------------------


def located_app(fw: Framework) -> Any:
    """Each validation error's location, answered by the handlers as JSON."""
    exceptions = fw.exceptions

    def where(exc: Any) -> dict[str, Any]:
        return {
            "ctx": dict(exc.endpoint_ctx or {}),
            "attributes": [
                exc.endpoint_function,
                exc.endpoint_path,
                exc.endpoint_file,
                exc.endpoint_line,
            ],
            "tail": str(exc).splitlines()[-2:],
        }

    def install(app: Any) -> None:
        @app.exception_handler(exceptions.RequestValidationError)
        async def bad_request(request: Any, exc: Any):
            return fw.responses.JSONResponse(where(exc), status_code=422)

        @app.exception_handler(exceptions.ResponseValidationError)
        async def bad_response(request: Any, exc: Any):
            return fw.responses.JSONResponse(where(exc), status_code=500)

    app = fw.App()
    install(app)
    router = fw.Router(prefix="/r")

    @router.api_route("/users/{user_id}", methods=["GET", "POST"])
    def read_user(user_id: int):
        return user_id

    @router.get("/checked", response_model=dict[str, int])
    def checked_answer():
        return {"n": "not a number"}

    app.include_router(router, prefix="/outer")

    @app.get("/plain")
    def plain(q: int):
        return q

    sub = fw.App()
    install(sub)

    @sub.get("/deep/{n}")
    def deep(n: int):
        return n

    app.mount("/mounted", sub)
    return app


def test_validation_errors_carry_the_endpoint_location() -> None:
    answers = same_answers(
        located_app,
        [
            "/outer/r/users/x",
            Call.post("/outer/r/users/x"),
            "/outer/r/checked",
            "/plain?q=no",
            "/mounted/deep/no",
        ],
    )
    first = answers[0]["body"]
    assert first["ctx"]["function"] == "read_user"
    assert first["ctx"]["path"] == "GET /outer/r/users/{user_id}"
    assert first["ctx"]["file"] == __file__
    assert first["attributes"][0] == "read_user"
    assert first["tail"][1] == "    GET /outer/r/users/{user_id}"
    assert answers[1]["body"]["ctx"]["path"] == "POST /outer/r/users/{user_id}"
    assert answers[2]["body"]["ctx"]["function"] == "checked_answer"
    assert answers[4]["body"]["ctx"]["path"] == "GET /mounted/deep/{n}"


def test_websocket_validation_error_carries_the_endpoint_location() -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()
        seen: list[Any] = []

        @app.exception_handler(fw.exceptions.WebSocketRequestValidationError)
        async def refuse(websocket: Any, exc: Any):
            seen.append(dict(exc.endpoint_ctx))
            await websocket.close(code=1008)

        @app.websocket("/ws/{n}")
        async def numbers(websocket: Any, n: int):
            await websocket.accept()  # pragma: no cover

        app.state.seen = seen
        return app

    found = []
    for fw in frameworks():
        app = build(fw)
        client = TestClient(app)
        with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws/x") as ws:
            ws.receive_text()
        found.append(app.state.seen)
    assert found[0] == found[1]
    assert found[0][0]["path"] == "WS /ws/{n}"
    assert found[0][0]["function"] == "numbers"


def test_endpoint_location_in_the_logged_error(caplog: pytest.LogCaptureFixture) -> None:
    """Without a handler of the user's, a response validation error is a 500 whose
    log names the endpoint's file, line and function."""
    app = App()

    @app.get("/wrong", response_model=int)
    def wrong_answer():
        return "x"

    response = TestClient(app, raise_server_exceptions=False).get("/wrong")
    assert response.status_code == 500
    logged = "\n".join(r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in caplog.records)
    assert "wrong_answer" in logged
    assert "GET /wrong" in logged


def test_a_validation_error_raised_with_a_location_keeps_it() -> None:
    app = App()
    seen: list[Any] = []

    @app.exception_handler(RequestValidationError)
    async def keep(request: Any, exc: RequestValidationError):
        seen.append(exc.endpoint_ctx)
        return await request_validation_exception_handler(request, exc)

    @app.get("/given")
    def given():
        raise RequestValidationError([], endpoint_ctx={"path": "elsewhere"})

    assert TestClient(app).get("/given").status_code == 422
    assert seen == [{"path": "elsewhere"}]


# -- include_router ------------------------------------------------------------------


def test_a_router_cannot_include_itself() -> None:
    """FastAPI refuses with an AssertionError; asgiweb with a ValueError (docs/api.md,
    "include_router, mount"), and neither loops."""
    router = Router()

    @router.get("/a")
    def a():
        return "a"  # pragma: no cover

    with pytest.raises(ValueError, match="cannot include itself"):
        router.include_router(router)
    assert [r.path for r in router.routes] == ["/a"]
