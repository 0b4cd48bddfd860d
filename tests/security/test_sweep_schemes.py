"""The schemes added by the names sweep (HTTPDigest, OAuth2AuthorizationCodeBearer,
OpenIdConnect, APIKeyBase, get_authorization_scheme_param), side by side with FastAPI
0.165: the answers (401, WWW-Authenticate, None with auto_error=False) and the OpenAPI
Security Scheme Objects and operation ``security`` lists."""

import base64
from typing import Annotated, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, frameworks, json_differences, same_answers


def build_new_schemes(fw: Framework) -> Any:
    s = fw.security
    oidc = fw.sub("security.open_id_connect_url")
    app = fw.App()
    schemes = {
        "digest": s.HTTPDigest(),
        "digest-opt": s.HTTPDigest(auto_error=False),
        "code": s.OAuth2AuthorizationCodeBearer(
            authorizationUrl="https://auth.example/authorize",
            tokenUrl="https://auth.example/token",
            scopes={"read": "Read things"},
        ),
        "code-opt": s.OAuth2AuthorizationCodeBearer(
            "https://auth.example/authorize",
            "https://auth.example/token",
            "https://auth.example/refresh",
            "CodeFlow",
            {"write": "Write things"},
            "the code flow",
            False,
        ),
        "oidc": s.OpenIdConnect(openIdConnectUrl="https://auth.example/.well-known"),
        "oidc-opt": oidc.OpenIdConnect(
            openIdConnectUrl="/oidc", description="OpenID", scheme_name="OIDC", auto_error=False
        ),
        "digest-named": s.HTTPDigest(scheme_name="Dig", description="digest auth"),
    }

    def route(name: str, scheme: Any) -> None:
        async def endpoint(found: Annotated[Any, fw.Depends(scheme)]) -> Any:
            if found is None or isinstance(found, str):
                return {"found": found}
            return {"scheme": found.scheme, "credentials": found.credentials}

        app.get(f"/{name}")(endpoint)

    for name, scheme in schemes.items():
        route(name, scheme)

    scoped = s.OAuth2AuthorizationCodeBearer(
        authorizationUrl="/authorize", tokenUrl="/token", scopes={"a": "A", "b": "B"}
    )

    @app.get("/scoped")
    async def scoped_route(token: Annotated[str, fw.Security(scoped, scopes=["a", "b"])]):
        return {"token": token}

    return app


AUTH_VALUES = [
    None,
    "",
    'Digest username="ann", realm="r", nonce="n"',
    "digest abc",
    "DIGEST  spaced ",
    "Digest",
    "Bearer tok",
    "bearer  tok2 ",
    "Bearer",
    "Basic " + base64.b64encode(b"a:b").decode(),
    "Token x",
]


@pytest.mark.parametrize(
    "name", ["digest", "digest-opt", "code", "code-opt", "oidc", "oidc-opt", "digest-named"]
)
def test_new_schemes_answer_as_fastapi(name: str) -> None:
    calls = [
        Call("GET", f"/{name}", headers={} if value is None else {"authorization": value})
        for value in AUTH_VALUES
    ]
    answers = same_answers(build_new_schemes, calls)
    assert any(a["status"] == 200 for a in answers)  # each scheme lets something through


def test_scoped_code_flow_answers_as_fastapi() -> None:
    same_answers(
        build_new_schemes,
        ["/scoped", Call("GET", "/scoped", headers={"authorization": "Bearer t"})],
    )


def test_challenges_and_auto_error() -> None:
    ours, _ = frameworks()
    client = TestClient(build_new_schemes(ours))
    for path, challenge in (("/digest", "Digest"), ("/code", "Bearer"), ("/oidc", "Bearer")):
        r = client.get(path)
        assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})
        assert r.headers["www-authenticate"] == challenge
    for path in ("/digest-opt", "/code-opt", "/oidc-opt"):
        assert client.get(path).json() == {"found": None}
    r = client.get("/digest", headers={"authorization": "Digest x=1"})
    assert r.json() == {"scheme": "Digest", "credentials": "x=1"}
    r = client.get("/oidc", headers={"authorization": "Anything at all"})
    assert r.json() == {"found": "Anything at all"}


def test_security_schemes_in_openapi_match_fastapi() -> None:
    ours, theirs = frameworks()
    mine = TestClient(build_new_schemes(ours)).get("/openapi.json").json()
    fastapi_doc = TestClient(build_new_schemes(theirs)).get("/openapi.json").json()
    assert json_differences(mine["components"], fastapi_doc["components"]) == []
    assert json_differences(mine["paths"], fastapi_doc["paths"]) == []
    schemes = mine["components"]["securitySchemes"]
    assert schemes["CodeFlow"] == {
        "type": "oauth2",
        "description": "the code flow",
        "flows": {
            "authorizationCode": {
                "refreshUrl": "https://auth.example/refresh",
                "scopes": {"write": "Write things"},
                "authorizationUrl": "https://auth.example/authorize",
                "tokenUrl": "https://auth.example/token",
            }
        },
    }
    assert schemes["OIDC"] == {
        "type": "openIdConnect",
        "openIdConnectUrl": "/oidc",
        "description": "OpenID",
    }
    assert schemes["Dig"] == {"type": "http", "scheme": "digest", "description": "digest auth"}
    assert mine["paths"]["/scoped"]["get"]["security"] == [
        {"OAuth2AuthorizationCodeBearer": ["a", "b"]}
    ]


def build_api_key_base(fw: Framework) -> Any:
    """A scheme of the user's own on FastAPI's public base class: its location and name
    reach the document; check_api_key gives the 401 with the APIKey challenge."""
    base = fw.sub("security.api_key").APIKeyBase

    class HeaderOrQueryKey(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__("header", "x-api-key", "a key", None, True)

        async def __call__(self, request: fw.Request) -> Any:
            return self.check_api_key(
                request.headers.get("x-api-key") or request.query_params.get("key")
            )

    app = fw.App()

    @app.get("/k")
    async def k(key: Annotated[str, fw.Depends(HeaderOrQueryKey())]):
        return {"key": key}

    return app


def test_api_key_base_subclass_matches_fastapi() -> None:
    same_answers(
        build_api_key_base,
        ["/k", "/k?key=q", Call("GET", "/k", headers={"x-api-key": "h"})],
    )
    ours, theirs = frameworks()
    mine = TestClient(build_api_key_base(ours)).get("/openapi.json").json()
    fastapi_doc = TestClient(build_api_key_base(theirs)).get("/openapi.json").json()
    assert mine["components"] == fastapi_doc["components"]
    assert mine["paths"] == fastapi_doc["paths"]


@given(st.one_of(st.none(), st.text(max_size=20)))
def test_get_authorization_scheme_param_matches_fastapi(value: str | None) -> None:
    from fastapi.security.utils import get_authorization_scheme_param as theirs

    from asgiweb.security.utils import get_authorization_scheme_param as ours

    assert ours(value) == theirs(value)
