"""The credentials the HTTP schemes give dump as FastAPI's pydantic models dump."""

from typing import Any

import pytest

from tests.oracle.sidebyside import Framework, frameworks

DUMPS: list[dict[str, Any]] = [
    {},
    {"mode": "json"},
    {"include": {"scheme"}},
    {"exclude": {"scheme"}},
    {"exclude_none": True},
]


def credentials(fw: Framework, kind: str) -> Any:
    if kind == "bearer":
        return fw.security.HTTPAuthorizationCredentials(scheme="Bearer", credentials="tok é")
    return fw.security.HTTPBasicCredentials(username="ada", password="p:w")


@pytest.mark.parametrize("kind", ["bearer", "basic"])
@pytest.mark.parametrize("options", DUMPS)
def test_model_dump_as_fastapi(kind: str, options: dict[str, Any]) -> None:
    ours, theirs = (credentials(fw, kind) for fw in frameworks())
    if kind == "basic" and ("include" in options or "exclude" in options):
        options = {key: {"username"} for key in options}
    assert ours.model_dump(**options) == theirs.model_dump(**options)


@pytest.mark.parametrize("kind", ["bearer", "basic"])
@pytest.mark.parametrize("indent", [None, 2])
def test_model_dump_json_as_fastapi(kind: str, indent: int | None) -> None:
    ours, theirs = (credentials(fw, kind) for fw in frameworks())
    assert ours.model_dump_json(indent=indent) == theirs.model_dump_json(indent=indent)


def test_a_websocket_handler_can_send_the_dumped_credentials() -> None:
    from asgiweb import App, Depends, WebSocket
    from asgiweb.security import HTTPAuthorizationCredentials, HTTPBearer
    from asgiweb.testclient import TestClient

    app = App()
    bearer = HTTPBearer()

    @app.websocket("/me")
    async def me(
        websocket: WebSocket, credentials: HTTPAuthorizationCredentials = Depends(bearer)
    ) -> None:
        await websocket.accept()
        await websocket.send_json(credentials.model_dump())
        await websocket.close()

    with TestClient(app).websocket_connect("/me", headers={"authorization": "Bearer t"}) as ws:
        assert ws.receive_json() == {"scheme": "Bearer", "credentials": "t"}
