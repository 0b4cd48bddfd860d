"""Our own take on FastAPI's "Response Model" tutorial page, compared with FastAPI."""

import dataclasses
from typing import Any

import pytest

from tests.oracle.sidebyside import Call, Framework, same_answers

pydantic = pytest.importorskip("pydantic")


class Gadget(pydantic.BaseModel):
    name: str
    cost: float
    notes: str | None = None
    levy: float = 5.0
    labels: list[str] = []


class AccountIn(pydantic.BaseModel):
    login: str
    secret: str
    email: str
    display_name: str | None = None


class AccountOut(pydantic.BaseModel):
    login: str
    email: str
    display_name: str | None = None


class PublicAccount(pydantic.BaseModel):
    login: str
    display_name: str | None = None


class FullAccount(PublicAccount):
    secret: str


@dataclasses.dataclass
class Shelf:
    label: str
    rows: int = 3


GADGETS = {
    "drill": {"name": "Drill", "cost": 40.5},
    "lathe": {"name": "Lathe", "notes": "Heavy", "cost": 900, "levy": 20.5},
    "saw": {"name": "Saw", "notes": None, "cost": 30.0, "levy": 5.0, "labels": []},
}


def build(fw: Framework) -> Any:
    app = fw.App()
    responses = fw.responses

    @app.post("/gadgets/")
    async def add_gadget(gadget: Gadget) -> Gadget:
        return gadget

    @app.get("/gadgets/")
    async def list_gadgets() -> list[Gadget]:
        return [Gadget(name="Pliers", cost=8), Gadget(name="Clamp", cost=12.5, labels=["x"])]

    @app.post("/accounts/", response_model=AccountOut)
    async def open_account(account: AccountIn) -> Any:
        return account

    @app.post("/accounts/inherit/")
    async def open_inherited(account: FullAccount) -> PublicAccount:
        return account

    @app.get("/gadgets/{key}", response_model=Gadget, response_model_exclude_unset=True)
    async def gadget(key: str) -> Any:
        return GADGETS[key]

    @app.get("/gadgets/{key}/name", response_model=Gadget, response_model_include={"name", "notes"})
    async def gadget_name(key: str) -> Any:
        return GADGETS[key]

    @app.get("/gadgets/{key}/public", response_model=Gadget, response_model_exclude={"levy"})
    async def gadget_public(key: str) -> Any:
        return GADGETS[key]

    @app.get("/shelf")
    async def shelf() -> Shelf:
        return Shelf("top")

    @app.get("/portal")
    async def portal(teleport: bool = False) -> responses.Response:  # type: ignore[name-defined]
        if teleport:
            return responses.RedirectResponse(url="https://example.com/elsewhere")
        return responses.JSONResponse(content={"message": "Here is your interdimensional portal."})

    @app.get("/teleport")
    async def teleport() -> responses.RedirectResponse:  # type: ignore[name-defined]
        return responses.RedirectResponse(url="https://example.com/away")

    @app.get("/anything", response_model=None)
    async def anything(redirect: bool = False) -> responses.Response | dict[str, Any]:  # type: ignore[name-defined]
        if redirect:
            return responses.RedirectResponse(url="https://example.com/else")
        return {"message": "plain data"}

    return app


def test_response_model_tutorial() -> None:
    location = ("location", "content-type")
    answers = same_answers(
        build,
        [
            Call("POST", "/gadgets/", json={"name": "Hammer", "cost": "3.5", "labels": ["a"]}),
            Call("POST", "/gadgets/", json={"name": "Hammer"}),
            "/gadgets/",
            Call("POST", "/accounts/", json={"login": "ann", "secret": "s3", "email": "a@x"}),
            Call("POST", "/accounts/inherit/", json={"login": "ann", "secret": "s3"}),
            "/gadgets/drill",
            "/gadgets/lathe",
            "/gadgets/saw",
            "/gadgets/lathe/name",
            "/gadgets/lathe/public",
            "/shelf",
            "/portal",
            Call("GET", "/portal?teleport=true", compare_headers=location),
            Call("GET", "/teleport", compare_headers=location),
            "/anything",
            Call("GET", "/anything?redirect=1", compare_headers=location),
        ],
    )
    assert "secret" not in answers[3]["body"]
    assert "secret" not in answers[4]["body"]
    assert answers[5]["body"] == {"name": "Drill", "cost": 40.5}
