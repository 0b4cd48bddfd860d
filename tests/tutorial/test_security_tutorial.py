"""Our own take on FastAPI's "Security" tutorial pages (first steps, the current user,
OAuth2 with password and bearer; not the form-based token endpoint), compared with FastAPI."""

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
