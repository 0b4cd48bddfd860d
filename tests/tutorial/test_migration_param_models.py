"""FastAPI's "Header Parameter Models" and "Cookie Parameter Models" pages, ported.

Each app is written once and run on asgiweb and on FastAPI 0.165; the answers
(status, content-type, body bytes) must be the same, 422s included.  FastAPI
takes pydantic models only; asgiweb also takes dataclasses, checked against the
answers of the equivalent pydantic model.
"""

import dataclasses
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, ConfigDict, Field

from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, compare

# -- Header Parameter Models ----------------------------------------------------------


def common_headers_app(fw: Framework, *, forbid: bool = False, convert: bool = True) -> Any:
    app = fw.App()
    Header = fw.mod.Header

    class CommonHeaders(BaseModel):
        if forbid:
            model_config = ConfigDict(extra="forbid")

        host: str
        save_data: bool
        if_modified_since: str | None = None
        traffic: list[str] = []
        x_tag: list[str] = []

    marker = Header() if convert else Header(convert_underscores=False)

    @app.get("/items/")
    async def read_items(headers: Annotated[CommonHeaders, marker]):  # type: ignore[no-untyped-def]
        return headers

    return app


HEADER_CALLS = [
    Call.get("/items/", headers={"save-data": "true"}),
    Call.get(
        "/items/",
        headers=[
            ("save-data", "false"),
            ("if-modified-since", "yesterday"),
            ("traffic", "a"),
            ("traffic", "b"),
            ("x-tag", "one"),
            ("x-tag", "two"),
        ],
    ),
    Call.get("/items/"),  # save-data missing
    Call.get("/items/", headers={"save-data": "maybe"}),  # not a bool
    Call.get("/items/", headers={"save_data": "true"}),  # underscores are not hyphens
    Call.get("/items/", headers={"save-data": "1", "tool": "plumbus"}),  # an extra header
]


def test_header_model() -> None:
    answers = compare(common_headers_app, HEADER_CALLS)
    assert answers[0].json()["save_data"] is True
    assert answers[1].json()["traffic"] == ["a", "b"]
    assert answers[2].status_code == 422
    assert answers[2].json()["detail"][0]["loc"] == ["header", "save-data"]


def test_header_model_forbids_extra_headers() -> None:
    def app(fw: Framework) -> Any:
        return common_headers_app(fw, forbid=True)

    answers = compare(app, HEADER_CALLS)
    extra = answers[-1].json()["detail"]
    assert {e["type"] for e in extra} == {"extra_forbidden"}
    assert ["header", "tool"] in [e["loc"] for e in extra]


def test_header_model_without_converting_underscores() -> None:
    def app(fw: Framework) -> Any:
        return common_headers_app(fw, convert=False)

    calls = [*HEADER_CALLS, Call.get("/items/", headers={"save_data": "yes", "x_tag": "t"})]
    answers = compare(app, calls)
    assert answers[-1].json()["x_tag"] == ["t"]


def aliased_headers_app(fw: Framework) -> Any:
    app = fw.App()

    class Aliased(BaseModel):
        param: str = Field(alias="param_alias")
        same_name: str = Field(default="", alias="same_name")  # alias == name: hyphenated
        other: str = Field(alias="X-Other")
        plain_name: int = 0
        picked: str | None = Field(default=None, validation_alias="the_pick")

    @app.get("/aliased")
    async def aliased(h: Annotated[Aliased, fw.mod.Header()]):  # type: ignore[no-untyped-def]
        return h

    return app


def test_header_model_alias_is_the_header_name_as_written() -> None:
    calls = [
        Call.get("/aliased", headers={"param_alias": "a", "x-other": "o"}),
        Call.get("/aliased", headers={"param-alias": "a", "x-other": "o"}),  # not the alias
        Call.get("/aliased", headers={"param_alias": "a", "X-Other": "o", "plain-name": "x"}),
        Call.get("/aliased", headers={"param_alias": "a", "x-other": "o", "the_pick": "p"}),
        Call.get("/aliased", headers={"param_alias": "a", "x-other": "o", "plain_name": "3"}),
        Call.get("/aliased", headers={"param_alias": "a", "x-other": "o", "same-name": "s"}),
        Call.get("/aliased", headers={"param_alias": "a", "x-other": "o", "same_name": "s"}),
        Call.get("/aliased"),
    ]
    answers = compare(aliased_headers_app, calls)
    assert answers[0].status_code == 200
    assert answers[1].json()["detail"][0]["loc"] == ["header", "param_alias"]
    assert answers[2].json()["detail"][0]["loc"] == ["header", "plain-name"]
    assert answers[3].json()["picked"] == "p"
    assert answers[5].json()["same_name"] == "s"
    assert answers[6].json()["same_name"] == ""


# -- Cookie Parameter Models ----------------------------------------------------------


def cookies_app(fw: Framework, *, forbid: bool = False) -> Any:
    app = fw.App()

    class Cookies(BaseModel):
        if forbid:
            model_config = ConfigDict(extra="forbid")

        session_id: str
        fatebook_tracker: str | None = None
        googall_tracker: str | None = None

    @app.get("/items/")
    async def read_items(cookies: Annotated[Cookies, fw.mod.Cookie()]):  # type: ignore[no-untyped-def]
        return cookies

    return app


COOKIE_CALLS = [
    Call.get("/items/", cookies={"session_id": "123", "fatebook_tracker": "456"}),
    Call.get("/items/", cookies={"fatebook_tracker": "456"}),  # session_id missing
    Call.get("/items/"),
    Call.get("/items/", cookies={"session_id": "1", "santa_tracker": "good-list-please"}),
    Call.get("/items/", cookies={"session-id": "1"}),  # no conversion for cookies
]


def test_cookie_model() -> None:
    answers = compare(cookies_app, COOKIE_CALLS)
    assert answers[0].json() == {
        "session_id": "123",
        "fatebook_tracker": "456",
        "googall_tracker": None,
    }
    assert answers[1].json()["detail"][0]["loc"] == ["cookie", "session_id"]


def test_cookie_model_forbids_extra_cookies() -> None:
    def app(fw: Framework) -> Any:
        return cookies_app(fw, forbid=True)

    answers = compare(app, COOKIE_CALLS)
    detail = answers[3].json()["detail"]
    assert detail[0]["type"] == "extra_forbidden"
    assert detail[0]["loc"] == ["cookie", "santa_tracker"]
    assert detail[0]["input"] == "good-list-please"


# -- dataclasses: asgiweb only, answered as the pydantic model is ----------------------


@pytest.mark.parametrize(
    "call",
    [
        Call.get("/items/", headers={"save-data": "true", "x-tag": "a"}),
        Call.get("/items/"),
        Call.get("/items/", headers={"save-data": "maybe"}),
    ],
)
def test_header_dataclass_answers_as_the_pydantic_model(call: Call) -> None:
    import fastapi

    import asgiweb

    @dataclasses.dataclass
    class CommonHeaders:
        save_data: bool
        if_modified_since: str | None = None
        x_tag: list[str] = dataclasses.field(default_factory=list)

    class CommonHeadersModel(BaseModel):
        save_data: bool
        if_modified_since: str | None = None
        x_tag: list[str] = []

    ours = asgiweb.App()

    @ours.get("/items/")
    async def read_ours(headers: Annotated[CommonHeaders, asgiweb.Header()]):  # type: ignore[no-untyped-def]
        return headers

    theirs = fastapi.FastAPI()

    @theirs.get("/items/")
    async def read_theirs(headers: Annotated[CommonHeadersModel, fastapi.Header()]):  # type: ignore[no-untyped-def]
        return headers

    a = TestClient(ours).request(call.method, call.url, **call.options)
    b = TestClient(theirs).request(call.method, call.url, **call.options)
    assert a.status_code == b.status_code
    if a.status_code == 200:
        assert a.json() == b.json()
    else:
        assert [(e["type"], e["loc"]) for e in a.json()["detail"]] == [
            (e["type"], e["loc"]) for e in b.json()["detail"]
        ]
