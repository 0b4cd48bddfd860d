"""asgiweb.security: the schemes answer as FastAPI 0.165's do; Security() and SecurityScopes."""

import base64
from typing import Annotated, Any

import pytest

from asgiweb import App, Depends, Security
from asgiweb.params import Security as SecurityMarker
from asgiweb.security import (
    APIKeyHeader,
    HTTPAuthorizationCredentials,
    HTTPBasicCredentials,
    SecurityScopes,
)
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, same_answers


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def build_schemes(fw: Framework) -> Any:
    s = fw.security
    app = fw.App()
    schemes = {
        "bearer": s.OAuth2PasswordBearer(tokenUrl="token"),
        "bearer-opt": s.OAuth2PasswordBearer(tokenUrl="token", auto_error=False),
        "http-bearer": s.HTTPBearer(),
        "http-bearer-opt": s.HTTPBearer(auto_error=False),
        "basic": s.HTTPBasic(),
        "basic-realm": s.HTTPBasic(realm="simple"),
        "basic-opt": s.HTTPBasic(auto_error=False),
        "key-header": s.APIKeyHeader(name="x-key"),
        "key-query": s.APIKeyQuery(name="key"),
        "key-cookie": s.APIKeyCookie(name="session"),
        "key-opt": s.APIKeyHeader(name="x-key", auto_error=False),
    }

    def route(name: str, scheme: Any) -> None:
        async def endpoint(found: Any = fw.Depends(scheme)) -> Any:
            if found is None or isinstance(found, str):
                return {"found": found}
            return {
                "found": {
                    k: getattr(found, k)
                    for k in ("scheme", "credentials", "username", "password")
                    if hasattr(found, k)
                }
            }

        app.get(f"/{name}")(endpoint)

    for name, scheme in schemes.items():
        route(name, scheme)
    return app


AUTH_VALUES = [
    None,
    "Bearer abc",
    "bearer  spaced ",
    "Bearer",
    "Token abc",
    basic("ann", "pw:with:colons"),
    "Basic !!notbase64",
    "Basic " + base64.b64encode(b"nocolon").decode(),
    "Basic " + base64.b64encode("é:x".encode()).decode(),
    "Basic",
]


@pytest.mark.parametrize(
    "name",
    [
        "bearer",
        "bearer-opt",
        "http-bearer",
        "http-bearer-opt",
        "basic",
        "basic-realm",
        "basic-opt",
    ],
)
def test_authorization_header_schemes_match_fastapi(name: str) -> None:
    calls = [
        Call("GET", f"/{name}", headers={} if value is None else {"authorization": value})
        for value in AUTH_VALUES
    ]
    same_answers(build_schemes, calls)


def test_api_key_schemes_match_fastapi() -> None:
    same_answers(
        build_schemes,
        [
            "/key-header",
            Call("GET", "/key-header", headers={"x-key": "k1"}),
            Call("GET", "/key-header", headers={"x-key": ""}),
            "/key-query",
            "/key-query?key=k2",
            "/key-query?key=",
            "/key-cookie",
            Call("GET", "/key-cookie", cookies={"session": "k3"}),
            "/key-opt",
            Call("GET", "/key-opt", headers={"x-key": "k4"}),
        ],
    )


def build_scopes(fw: Framework) -> Any:
    s = fw.security
    app = fw.App()
    oauth2 = s.OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read", "items": "Items"})
    tokens = {"full": ["me", "items"], "me-only": ["me"]}

    async def current_user(
        security_scopes: s.SecurityScopes, token: Annotated[str, fw.Depends(oauth2)]
    ) -> dict[str, Any]:
        if security_scopes.scopes:
            challenge = f'Bearer scope="{security_scopes.scope_str}"'
        else:
            challenge = "Bearer"
        granted = tokens.get(token)
        if granted is None:
            raise fw.HTTPException(
                401, "Could not validate credentials", {"WWW-Authenticate": challenge}
            )
        for scope in security_scopes.scopes:
            if scope not in granted:
                raise fw.HTTPException(
                    401, "Not enough permissions", {"WWW-Authenticate": challenge}
                )
        return {"token": token, "scopes": security_scopes.scopes}

    async def active_user(
        user: Annotated[dict[str, Any], fw.Security(current_user, scopes=["me"])],
    ) -> dict[str, Any]:
        return user

    @app.get("/me")
    async def me(user: Annotated[dict[str, Any], fw.Depends(active_user)]) -> Any:
        return user

    @app.get("/items")
    async def items(
        user: Annotated[dict[str, Any], fw.Security(active_user, scopes=["items"])],
    ) -> Any:
        return user

    @app.get("/status")
    async def status(user: Annotated[dict[str, Any], fw.Depends(current_user)]) -> Any:
        return user

    return app


def test_security_scopes_accumulate_outermost_first_as_in_fastapi() -> None:
    answers = same_answers(
        build_scopes,
        [
            "/me",
            Call("GET", "/me", headers={"authorization": "Bearer me-only"}),
            Call("GET", "/items", headers={"authorization": "Bearer me-only"}),
            Call("GET", "/items", headers={"authorization": "Bearer full"}),
            Call("GET", "/items", headers={"authorization": "Bearer nobody"}),
            Call("GET", "/status", headers={"authorization": "Bearer nobody"}),
            Call("GET", "/status", headers={"authorization": "Bearer me-only"}),
        ],
    )
    assert answers[3]["body"]["scopes"] == ["items", "me"]


def test_cache_is_per_scope_set() -> None:
    calls: list[list[str]] = []

    async def who(scopes: SecurityScopes) -> list[str]:
        calls.append(list(scopes.scopes))
        return scopes.scopes

    app = App()

    @app.get("/both")
    async def both(
        a: list[str] = Security(who, scopes=["a"]),
        b: list[str] = Security(who, scopes=["a"]),
        c: list[str] = Security(who, scopes=["c"]),
        d: list[str] = Depends(who),
    ) -> Any:
        return [a, b, c, d]

    with TestClient(app) as client:
        assert client.get("/both").json() == [["a"], ["a"], ["c"], []]
    assert calls == [["a"], ["c"], []]


def test_security_marker_and_credentials_types() -> None:
    marker = Security(len, scopes=["x", "y"])
    assert isinstance(marker, SecurityMarker) and marker.scopes == ("x", "y")
    assert SecurityScopes(["a", "b"]).scope_str == "a b"
    assert HTTPBasicCredentials("u", "p").username == "u"
    assert HTTPAuthorizationCredentials("Bearer", "t").credentials == "t"
    header = APIKeyHeader(name="x-api-key")
    assert (header.name, header.scheme_name, header.auto_error) == (
        "x-api-key",
        "APIKeyHeader",
        True,
    )
