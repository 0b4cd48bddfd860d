"""Our own take on FastAPI's "Security" tutorial pages (first steps, the current user,
simple OAuth2 with password and bearer, its form-based token endpoint included),
compared with FastAPI."""

from typing import Annotated, Any

import pytest

from tests.oracle.sidebyside import Call, Framework, same_answers

pydantic = pytest.importorskip("pydantic")


class Member(pydantic.BaseModel):
    login: str
    email: str | None = None
    display_name: str | None = None
    suspended: bool | None = None


class StoredMember(Member):
    password_hash: str


MEMBERS = {
    "ada": {
        "login": "ada",
        "display_name": "Ada L.",
        "email": "ada@example.com",
        "password_hash": "hashed:engine",
        "suspended": False,
    },
    "bob": {
        "login": "bob",
        "display_name": "Bob",
        "email": "bob@example.com",
        "password_hash": "hashed:builder",
        "suspended": True,
    },
}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# -- first steps: the bearer token itself ------------------------------------------------


def build_first_steps(fw: Framework) -> Any:
    app = fw.App()
    scheme = fw.security.OAuth2PasswordBearer(tokenUrl="login")

    @app.get("/notes/")
    async def notes(token: Annotated[str, fw.Depends(scheme)]) -> Any:
        return {"token": token}

    return app


def test_first_steps() -> None:
    answers = same_answers(
        build_first_steps,
        [
            "/notes/",
            Call("GET", "/notes/", headers=bearer("abc")),
            Call("GET", "/notes/", headers={"authorization": "Basic abc"}),
            Call("GET", "/notes/", headers={"authorization": "bearer"}),
        ],
    )
    assert answers[0]["headers"]["www-authenticate"] == "Bearer"


# -- get the current user -----------------------------------------------------------------


def build_current_user(fw: Framework) -> Any:
    app = fw.App()
    scheme = fw.security.OAuth2PasswordBearer(tokenUrl="login")

    def decode(token: str) -> Member:
        return Member(login=token + "-decoded", email="someone@example.com", display_name="Someone")

    async def current_member(token: Annotated[str, fw.Depends(scheme)]) -> Member:
        return decode(token)

    @app.get("/members/me")
    async def me(member: Annotated[Member, fw.Depends(current_member)]) -> Any:
        return member

    return app


def test_get_current_user() -> None:
    same_answers(
        build_current_user, ["/members/me", Call("GET", "/members/me", headers=bearer("x"))]
    )


# -- OAuth2 with password and bearer: users, inactive users, 401 with a challenge ---------


def build_password_bearer(fw: Framework) -> Any:
    app = fw.App()
    scheme = fw.security.OAuth2PasswordBearer(tokenUrl="login")

    def lookup(login: str) -> StoredMember | None:
        record = MEMBERS.get(login)
        return StoredMember(**record) if record else None

    async def current_member(token: Annotated[str, fw.Depends(scheme)]) -> Member:
        # In this simple scheme the token is the login itself.
        member = lookup(token)
        if member is None:
            raise fw.HTTPException(
                status_code=401,
                detail="Invalid authentication credentials",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return member

    async def active_member(member: Annotated[Member, fw.Depends(current_member)]) -> Member:
        if member.suspended:
            raise fw.HTTPException(status_code=400, detail="Suspended member")
        return member

    @app.get("/members/me")
    async def me(member: Annotated[Member, fw.Depends(active_member)]) -> Member:
        return member

    @app.post("/login")
    async def login(
        form: Annotated[fw.security.OAuth2PasswordRequestForm, fw.Depends()],
    ) -> dict[str, str]:
        member = lookup(form.username)
        # A stand-in for a real password hash check.
        if member is None or member.password_hash != "hashed:" + form.password:
            raise fw.HTTPException(status_code=400, detail="Incorrect login or password")
        # In this simple scheme the token is the login itself.
        return {"access_token": member.login, "token_type": "bearer"}

    return app


def test_simple_oauth2_with_password_and_bearer() -> None:
    answers = same_answers(
        build_password_bearer,
        [
            "/members/me",
            Call("GET", "/members/me", headers=bearer("ada")),
            Call("GET", "/members/me", headers=bearer("bob")),
            Call("GET", "/members/me", headers=bearer("nobody")),
        ],
    )
    assert "password_hash" not in answers[1]["body"]
    assert answers[3]["headers"]["www-authenticate"] == "Bearer"


def login_form(**fields: str) -> Call:
    return Call("POST", "/login", data=fields)


def test_the_token_endpoint_reads_the_oauth2_password_form() -> None:
    pytest.importorskip("python_multipart")
    answers = same_answers(
        build_password_bearer,
        [
            login_form(username="ada", password="engine"),
            login_form(username="ada", password="engine", grant_type="password", scope="a b"),
            login_form(username="ada", password="wrong"),
            login_form(username="nobody", password="engine"),
            login_form(username="ada"),
            login_form(),
            login_form(username="ada", password="engine", grant_type="client_credentials"),
            login_form(username="", password=""),
            Call("POST", "/login", json={"username": "ada", "password": "engine"}),
            Call("POST", "/login"),
        ],
    )
    assert answers[0]["body"] == {"access_token": "ada", "token_type": "bearer"}
    assert answers[2]["status"] == answers[3]["status"] == 400
    assert [e["loc"] for e in answers[5]["body"]["detail"]] == [
        ["body", "username"],
        ["body", "password"],
    ]
    assert answers[6]["body"]["detail"][0]["type"] == "string_pattern_mismatch"


def test_the_token_is_then_the_bearer_of_the_member_pages() -> None:
    pytest.importorskip("python_multipart")
    same_answers(
        build_password_bearer,
        [
            login_form(username="bob", password="builder"),
            Call("GET", "/members/me", headers=bearer("bob")),
        ],
    )


def build_password_forms(fw: Framework) -> Any:
    app = fw.App()

    def fields(form: Any) -> dict[str, Any]:
        return {
            "grant_type": form.grant_type,
            "username": form.username,
            "password": form.password,
            "scopes": form.scopes,
            "client_id": form.client_id,
            "client_secret": form.client_secret,
        }

    @app.post("/relaxed")
    def relaxed(form: Annotated[fw.security.OAuth2PasswordRequestForm, fw.Depends()]) -> Any:
        return fields(form)

    @app.post("/strict")
    def strict(
        form: Annotated[fw.security.OAuth2PasswordRequestFormStrict, fw.Depends()],
    ) -> Any:
        return fields(form)

    return app


def test_the_password_forms_relaxed_and_strict() -> None:
    pytest.importorskip("python_multipart")
    full = {
        "grant_type": "password",
        "username": "u",
        "password": "p",
        "scope": "items:read  items:write me",
        "client_id": "cid",
        "client_secret": "secret",
    }
    answers = same_answers(
        build_password_forms,
        [
            Call("POST", "/relaxed", data=full),
            Call("POST", "/strict", data=full),
            Call("POST", "/relaxed", data={"username": "u", "password": "p"}),
            Call("POST", "/strict", data={"username": "u", "password": "p"}),
            Call("POST", "/strict", data={**full, "grant_type": "refresh_token"}),
        ],
    )
    assert answers[0]["body"]["scopes"] == ["items:read", "items:write", "me"]
    assert answers[1]["body"] == answers[0]["body"]
    assert answers[2]["body"]["grant_type"] is None and answers[2]["body"]["scopes"] == []
    assert answers[3]["status"] == 422
    assert answers[3]["body"]["detail"][0]["loc"] == ["body", "grant_type"]
