"""Types only pydantic knows, side by side with FastAPI (the oracle).

A parameter annotated with ``HttpUrl``, ``EmailStr``, ``SecretStr``, ``Json[...]``,
``UUID4``, a ``constr``/``conint``, pydantic-extra-types, a class with its own
``__get_pydantic_core_schema__`` or ``Annotated`` metadata asgiweb does not read is
validated by a pydantic ``TypeAdapter`` built at registration
(``asgiweb._validation.pydantic_types``).  Each app here is written once
(``build(fw)``, see ``tests/oracle/sidebyside.py``) and served by asgiweb and by
FastAPI: the answers (value handed to the handler and encoded back, or the 422
body) and the OpenAPI documents must be equal.
"""

import dataclasses
import ipaddress
import subprocess
import sys
import uuid
from typing import Annotated, Any

import annotated_types
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import (
    UUID4,
    AnyUrl,
    AwareDatetime,
    ByteSize,
    EmailStr,
    FutureDate,
    HttpUrl,
    IPvAnyAddress,
    Json,
    NegativeFloat,
    PastDate,
    PositiveInt,
    SecretStr,
    Strict,
    StringConstraints,
    conint,
    constr,
)
from pydantic_core import core_schema
from pydantic_extra_types.color import Color
from pydantic_extra_types.coordinate import Latitude
from pydantic_extra_types.mac_address import MacAddress
from typing_extensions import TypedDict

from asgiweb import Body
from asgiweb._validation import pydantic_types
from asgiweb._validation.compiler import compile_converter
from asgiweb._validation.scalars import Invalid
from asgiweb.testclient import TestClient
from tests.oracle.sidebyside import Call, Framework, frameworks, json_differences, same_answers


class Slug(str):
    """A class that tells pydantic how to validate it (and nothing to asgiweb)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return core_schema.no_info_after_validator_function(
            cls._check, core_schema.str_schema(min_length=2, max_length=12)
        )

    @classmethod
    def _check(cls, value: str) -> "Slug":
        if not value.replace("-", "").isalnum() or value.lower() != value:
            raise ValueError("a slug is lower-case letters, digits and dashes")
        return cls(value)


class Celsius:
    """Not a str: a float-backed class, validated and described through pydantic."""

    def __init__(self, degrees: float) -> None:
        self.degrees = degrees

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.float_schema(ge=-273.15)
        )


def _echo(value: Any) -> Any:
    """What a handler hands back: the value's class name and the value itself."""
    if isinstance(value, Celsius):
        value = value.degrees
    return {"class": type(value).__name__, "value": value}


def scalars_app(fw: Framework) -> Any:
    app = fw.App(title="Scalars")
    query, header, cookie, path = fw.Query, fw.Header, fw.Cookie, fw.Path

    @app.get("/url")
    def url(callback_url: HttpUrl):
        return _echo(callback_url)

    @app.get("/any-url")
    def any_url(target: AnyUrl | None = None):
        return _echo(target)

    @app.get("/email")
    def email(address: EmailStr):
        return _echo(address)

    @app.get("/secret")
    def secret(token: SecretStr):
        return {"shown": token, "length": len(token.get_secret_value())}

    @app.get("/ip/{address}")
    def ip(address: Annotated[IPvAnyAddress, path()]):
        return _echo(address)

    @app.get("/constr")
    def constrained_str(code: constr(min_length=2, max_length=5, pattern=r"^[a-z]+$")):  # type: ignore[valid-type]
        return _echo(code)

    @app.get("/conint")
    def constrained_int(n: conint(gt=0, lt=10, multiple_of=3) = 3):  # type: ignore[valid-type]
        return _echo(n)

    @app.get("/json")
    def json_value(data: Annotated[Json[list[int]], query()]):
        return _echo(data)

    @app.get("/positive")
    def positive(n: PositiveInt, f: NegativeFloat = -1.0):
        return {"n": n, "f": f}

    @app.get("/uuid4")
    def uuid4(key: UUID4):
        return _echo(key)

    @app.get("/dates")
    def dates(before: PastDate, after: FutureDate | None = None, at: AwareDatetime | None = None):
        return {"before": before, "after": after, "at": at}

    @app.get("/size")
    def size(limit: ByteSize = ByteSize(1024)):
        return {"bytes": limit, "human": limit.human_readable()}

    @app.get("/strict")
    def strict(n: Annotated[int, Strict()] = 0):
        return _echo(n)

    @app.get("/lower")
    def lower(word: Annotated[str, annotated_types.Predicate(str.islower)]):
        return _echo(word)

    @app.get("/extras")
    def extras(
        color: Color,
        mac: MacAddress | None = None,
        latitude: Latitude = 0.0,
    ):
        return {"color": color, "hex": color.as_hex(), "mac": mac, "latitude": latitude}

    @app.get("/custom")
    def custom(slug: Slug, temperature: Celsius | None = None):
        return {"slug": _echo(slug), "temperature": _echo(temperature)}

    @app.get("/header")
    def from_header(x_callback: Annotated[HttpUrl, header()], x_trace: UUID4 | None = header(None)):
        return {"callback": x_callback, "trace": x_trace}

    @app.get("/cookie")
    def from_cookie(session: Annotated[SecretStr, cookie()]):
        return {"session": session}

    @app.get("/marker-limits")
    def marker_limits(
        short: Annotated[HttpUrl, query(max_length=24)],
        mail: EmailStr = query("a@example.com", min_length=10),
    ):
        return {"short": short, "mail": mail}

    return app


SCALAR_CALLS = [
    "/url?callback_url=https://www.example.com/events",
    "/url?callback_url=example.com",
    "/url?callback_url=ftp://example.com",
    "/url?callback_url=",
    "/url",
    "/any-url",
    "/any-url?target=ftp://files.example.com/a%20b",
    "/any-url?target=nope",
    "/email?address=Someone@Example.COM",
    "/email?address=someone",
    "/email?address=a@b",
    "/secret?token=hunter2",
    "/ip/192.168.0.1",
    "/ip/::1",
    "/ip/300.1.1.1",
    "/constr?code=abc",
    "/constr?code=a",
    "/constr?code=ABC",
    "/constr?code=abcdef",
    "/conint",
    "/conint?n=6",
    "/conint?n=0",
    "/conint?n=4",
    "/conint?n=12",
    "/conint?n=x",
    "/json?data=[1,2,3]",
    "/json?data=[1,",
    '/json?data=["a"]',
    "/json?data=7",
    "/positive?n=3&f=-2.5",
    "/positive?n=0&f=1",
    "/uuid4?key=7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "/uuid4?key=a8098c1a-f86e-11da-bd1a-00112444be1e",
    "/uuid4?key=nope",
    "/dates?before=2001-02-03",
    "/dates?before=2999-01-01&after=2001-01-01",
    "/dates?before=2001-02-03&after=2999-12-31&at=2020-01-01T10:00:00%2B02:00",
    "/dates?before=2001-02-03&at=2020-01-01T10:00:00",
    "/size",
    "/size?limit=1.5%20MiB",
    "/size?limit=12kb",
    "/size?limit=lots",
    "/strict?n=3",
    "/strict",
    "/lower?word=quiet",
    "/lower?word=LOUD",
    "/extras?color=red",
    "/extras?color=%23ff8000&mac=00:1B:44:11:3A:B7&latitude=45.5",
    "/extras?color=nocolor&mac=zz&latitude=91",
    "/custom?slug=my-post",
    "/custom?slug=My%20Post",
    "/custom?slug=x",
    "/custom?slug=ok&temperature=21.5",
    "/custom?slug=ok&temperature=-300",
    Call.get("/header", headers={"x-callback": "https://hooks.example.org/x"}),
    Call.get("/header", headers={"x-callback": "hooks", "x-trace": "nope"}),
    "/header",
    Call.get("/cookie", cookies={"session": "s3cr3t"}),
    "/cookie",
    "/marker-limits?short=https://a.example.com",
    "/marker-limits?short=https://a-much-longer-name.example.com",
    "/marker-limits?short=https://a.example.com&mail=b@c.io",
    "/marker-limits?short=https://a.example.com&mail=someone@example.com",
]


def test_scalar_parameters_answer_as_fastapi() -> None:
    answers = same_answers(scalars_app, SCALAR_CALLS)
    assert answers[0]["body"] == {"class": "HttpUrl", "value": "https://www.example.com/events"}
    assert answers[1]["status"] == 422
    assert answers[1]["body"]["detail"][0]["loc"] == ["query", "callback_url"]
    assert "url" not in answers[1]["body"]["detail"][0]
    shown = next(a for call, a in zip(SCALAR_CALLS, answers, strict=True) if "/secret" in call)
    assert shown["body"] == {"shown": "**********", "length": 7}


def collections_app(fw: Framework) -> Any:
    app = fw.App(title="Collections")
    query, form = fw.Query, fw.Form

    @dataclasses.dataclass
    class Hook:
        url: HttpUrl
        owner: EmailStr
        key: UUID4 | None = None
        tags: list[Slug] = dataclasses.field(default_factory=list)

    class Contact(TypedDict):
        site: HttpUrl
        address: IPvAnyAddress
        since: PastDate

    @dataclasses.dataclass
    class Shown:
        token: SecretStr
        site: HttpUrl
        key: UUID4

    @app.get("/urls")
    def urls(u: Annotated[list[HttpUrl], query()]):
        return {"urls": u, "classes": sorted({type(x).__name__ for x in u})}

    @app.get("/few-urls")
    def few_urls(u: Annotated[list[AnyUrl], query(min_length=1, max_length=2)] = []):  # noqa: B006
        return {"urls": u}

    @app.get("/union")
    def union(v: int | HttpUrl):
        return _echo(v)

    @app.post("/hooks")
    def hooks(hook: Hook):
        return {"class": type(hook).__name__, "url": type(hook.url).__name__, "hook": hook}

    @app.post("/contacts")
    def contacts(contact: Contact):
        return {"site": type(contact["site"]).__name__, "contact": contact}

    @app.post("/embedded")
    def embedded(site: Annotated[HttpUrl, fw.Body(embed=True)], key: Annotated[UUID4, fw.Body()]):
        return {"site": site, "key": key}

    @app.post("/form")
    def form_fields(email: Annotated[EmailStr, form()], site: Annotated[AnyUrl, form()]):
        return {"email": email, "site": site}

    @app.get("/shown", response_model=Shown)
    def shown(broken: bool = False):
        key = "not-a-uuid" if broken else "7c9e6679-7425-40de-944b-e07fc1f90ae7"
        return {"token": "abc", "site": "https://example.com", "key": key}

    @app.get("/returned")
    def returned() -> HttpUrl:
        return "https://example.com/a/../b"  # type: ignore[return-value]

    return app


GOOD_HOOK = {"url": "https://example.com/hook", "owner": "me@example.com"}
COLLECTION_CALLS = [
    "/urls?u=https://a.example.com&u=http://b.example.com/x",
    "/urls?u=https://a.example.com&u=nope&u=ftp://c",
    "/urls",
    "/few-urls",
    "/few-urls?u=https://a.example.com",
    "/few-urls?u=a:b&u=c:d&u=e:f",
    "/few-urls?u=nope",
    "/union?v=3",
    "/union?v=https://example.com",
    "/union?v=nope",
    Call.post("/hooks", json=GOOD_HOOK),
    Call.post(
        "/hooks",
        json={**GOOD_HOOK, "key": "7c9e6679-7425-40de-944b-e07fc1f90ae7", "tags": ["a-b", "ok"]},
    ),
    Call.post("/hooks", json={"url": "nope", "owner": "nobody", "key": "x", "tags": ["A B"]}),
    Call.post("/hooks", json={}),
    Call.post("/hooks", json=["not", "an", "object"]),
    Call.post(
        "/contacts",
        json={"site": "https://example.com", "address": "10.0.0.1", "since": "2000-01-01"},
    ),
    Call.post("/contacts", json={"site": "x", "address": "10.0.0", "since": "3000-01-01"}),
    Call.post(
        "/embedded",
        json={"site": "https://example.com", "key": "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
    ),
    Call.post("/embedded", json={"site": "example.com", "key": 5}),
    Call.post("/form", data={"email": "me@example.com", "site": "https://example.com"}),
    Call.post("/form", data={"email": "me", "site": "example"}),
    "/shown",
    "/returned",
]


def test_collections_bodies_forms_and_responses_answer_as_fastapi() -> None:
    answers = same_answers(collections_app, COLLECTION_CALLS)
    assert answers[0]["body"]["classes"] == ["HttpUrl"]
    assert [e["loc"] for e in answers[1]["body"]["detail"]] == [
        ["query", "u", 1],
        ["query", "u", 2],
    ]
    assert answers[10]["body"]["url"] == "HttpUrl"


def more_places_app(fw: Framework) -> Any:
    app = fw.App(title="More places")

    @app.get("/optional-json")
    def optional_json(d: Json[list[int]] | None = None):
        return d

    @app.post("/form-list")
    def form_list(e: Annotated[list[EmailStr], fw.Form()]):
        return e

    @app.get("/ip/{ip}")
    def ip(ip: IPvAnyAddress):
        return _echo(ip)

    @app.get("/lowered")
    def lowered(s: constr(min_length=2, to_lower=True, strip_whitespace=True)):  # type: ignore[valid-type]
        return s

    @app.get("/strict-field")
    def strict_field(n: Annotated[int, pydantic.Field(strict=True, gt=0)] = 1):
        return n

    @app.get("/string-constraints")
    def string_constraints(
        s: Annotated[str, StringConstraints(strip_whitespace=True)] = "x",
        t: Annotated[str, StringConstraints(max_length=3, to_upper=True)] = "y",
    ):
        return [s, t]

    @app.get("/returned-list")
    def returned_list() -> list[HttpUrl]:
        return ["http://a.com", "https://b.org/x"]  # type: ignore[list-item]

    def hook(url: HttpUrl, key: UUID4 | None = None):
        return {"url": url, "key": key}

    @app.get("/dependency")
    def with_dependency(found: Annotated[dict[str, Any], fw.Depends(hook)]):
        return found

    @app.get("/header-list")
    def header_list(x_ip: Annotated[list[IPvAnyAddress], fw.Header()] = []):  # noqa: B006
        return x_ip

    return app


MORE_CALLS = [
    "/optional-json?d=[1,2]",
    "/optional-json",
    Call.post("/form-list", data={"e": ["a@b.co", "bad"]}),
    Call.post("/form-list", data={"e": ["a@b.co"]}),
    "/ip/1.2.3.4",
    "/ip/x",
    "/lowered?s=%20ABC%20",
    "/lowered?s=%20A%20",
    "/strict-field?n=3",
    "/strict-field",
    "/string-constraints?s=%20a%20&t=ab",
    "/string-constraints?t=abcd",
    "/returned-list",
    "/dependency?url=http://a.com&key=7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "/dependency?url=x&key=y",
    Call.get("/header-list", headers=[("x-ip", "1.2.3.4"), ("x-ip", "::1")]),
    Call.get("/header-list", headers=[("x-ip", "nope")]),
]


def test_more_places_answer_as_fastapi() -> None:
    answers = same_answers(more_places_app, MORE_CALLS)
    assert answers[6]["body"] == "abc"  # StringConstraints' transforms are applied
    assert answers[8]["status"] == 422  # and a Field's strict=True


class Item(pydantic.BaseModel):
    name: str
    n: int = 0


TEN_BYTES = ByteSize(10)


@dataclasses.dataclass
class Box:
    kind: int | HttpUrl
    size: ByteSize = TEN_BYTES


class Shown(TypedDict):
    site: HttpUrl
    secret: SecretStr


def json_and_schemas_app(fw: Framework) -> Any:
    app = fw.App(title="Json", separate_input_output_schemas=False)

    @app.get("/json-model")
    def json_model(q: Annotated[Json[Item], fw.Query()]):
        return q

    @app.post("/items")
    def items(item: Item, also: Annotated[Json[Item], fw.Query()]):
        return [item, also]

    @app.get("/json-any")
    def json_any(q: Json = None):
        return {"q": q}

    @app.post("/box")
    def box(b: Box):
        return b

    @app.post("/form-json")
    def form_json(x: Annotated[Json[Item], fw.Form()], note: Annotated[str, fw.Form()]):
        return [x, note]

    @app.get("/shown", response_model=Shown)
    def shown():
        return {"site": "http://a.com", "secret": "zzz"}

    return app


JSON_CALLS = [
    '/json-model?q={"name":"a","n":2}',
    '/json-model?q={"n":"x"}',
    "/json-model?q=[",
    "/json-any?q=[1,{}]",
    "/json-any",
    Call.post("/box", json={"kind": 3}),
    Call.post("/box", json={"kind": "https://x.org", "size": "1kb"}),
    Call.post("/box", json={"kind": "zz", "size": "x"}),
    Call.post("/form-json", data={"x": '{"name": "f"}', "note": "z"}),
    Call.post("/form-json", data={"x": '{"name": 1}', "note": "z"}),
    "/shown",
    Call.post("/items", json={"name": "a"}),
    Call.post('/items?also={"name":"c","n":1}', json={"name": "a"}),
    Call.post('/items?also={"n":1}', json={"name": "a"}),
]


def test_json_values_unions_in_bodies_and_typeddict_responses_answer_as_fastapi() -> None:
    answers = same_answers(json_and_schemas_app, JSON_CALLS)
    assert answers[0]["body"] == {"name": "a", "n": 2}
    assert answers[7]["body"]["detail"][0]["loc"] == ["body", "kind", "int"]


def test_a_lone_json_model_form_field_is_read_as_the_field() -> None:
    """FastAPI takes the whole form as the value of a lone ``Json[Model]`` form field
    (a ``json_type`` error, whatever is sent); asgiweb reads the field (docs/forms.md)."""
    app = frameworks()[0].App()

    @app.post("/one")
    def one(x: Annotated[Json[Item], frameworks()[0].Form()]):
        return x

    client = TestClient(app)
    assert client.post("/one", data={"x": '{"name": "f"}'}).json() == {"name": "f", "n": 0}
    wrong = client.post("/one", data={"x": '{"name": 1}'})
    assert wrong.json()["detail"][0]["loc"] == ["body", "x", "name"]


def test_a_websocket_parameter_is_checked_as_in_fastapi() -> None:
    def build(fw: Framework) -> Any:
        app = fw.App()

        @app.websocket("/ws")
        async def ws(websocket: fw.WebSocket, url: HttpUrl):
            await websocket.accept()
            await websocket.send_json({"url": url.host, "class": type(url).__name__})
            await websocket.close()

        return app

    for fw in frameworks():
        client = TestClient(build(fw))
        with client.websocket_connect("/ws?url=http://Example.com") as session:
            assert session.receive_json() == {"url": "example.com", "class": "HttpUrl"}
        with pytest.raises(Exception) as info, client.websocket_connect("/ws?url=zz") as session:
            session.receive_json()
        assert getattr(info.value, "code", None) == 1008
        assert "url_parsing" in str(getattr(info.value, "reason", ""))


def test_a_response_that_does_not_fit_is_a_500_in_both() -> None:
    for fw in frameworks():
        client = TestClient(collections_app(fw), raise_server_exceptions=False)
        assert client.get("/shown?broken=true").status_code == 500


@pytest.mark.parametrize(
    "build", [scalars_app, collections_app, more_places_app, json_and_schemas_app]
)
def test_openapi_documents_match_fastapi(build: Any) -> None:
    ours, theirs = (TestClient(build(fw)).get("/openapi.json").json() for fw in frameworks())
    assert json_differences(ours, theirs) == []


def test_the_callback_url_schema_is_pydantic_s() -> None:
    document = TestClient(scalars_app(frameworks()[0])).get("/openapi.json").json()
    (parameter,) = document["paths"]["/url"]["get"]["parameters"]
    assert parameter["schema"] == {
        "type": "string",
        "format": "uri",
        "minLength": 1,
        "maxLength": 2083,
        "title": "Callback Url",
    }


# -- generated inputs ---------------------------------------------------------------


def property_app(fw: Framework) -> Any:
    app = fw.App()

    @app.get("/url")
    def url(v: HttpUrl):
        return _echo(v)

    @app.get("/email")
    def email(v: EmailStr):
        return _echo(v)

    @app.get("/ip")
    def ip(v: IPvAnyAddress):
        return _echo(v)

    @app.get("/size")
    def size(v: ByteSize):
        return _echo(v)

    @app.get("/urls")
    def urls(v: Annotated[list[AnyUrl], fw.Query(max_length=3)]):
        return {"v": v}

    return app


_CLIENTS: list[TestClient] = []


def _clients() -> list[TestClient]:
    if not _CLIENTS:
        _CLIENTS.extend(TestClient(property_app(fw)) for fw in frameworks())
    return _CLIENTS


PIECES = st.sampled_from(
    ["http", "https", "ftp", "://", ":", "/", "@", ".", "example", "com", "a", "1", "0",
     "255", "::", "%", "#", "?", "[", "]", " ", "kb", "MiB", "é", "-", "_", "+", "xn--"]
)  # fmt: skip
GENERATED = st.one_of(
    st.lists(PIECES, max_size=8).map("".join),
    st.text(max_size=12),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    endpoint=st.sampled_from(["/url", "/email", "/ip", "/size", "/urls"]),
    values=st.lists(GENERATED, min_size=1, max_size=4),
)
def test_generated_values_get_the_same_answer(endpoint: str, values: list[str]) -> None:
    params = [("v", value) for value in (values if endpoint == "/urls" else values[:1])]
    ours, theirs = (client.get(endpoint, params=params) for client in _clients())
    assert ours.status_code == theirs.status_code, (params, ours.text, theirs.text)
    assert ours.json() == theirs.json(), params


# -- registration ---------------------------------------------------------------------


def test_the_adapter_is_built_once_per_annotation() -> None:
    tp = Annotated[HttpUrl, annotated_types.MaxLen(40)]
    first = pydantic_types.pydantic_adapter(tp)
    assert first is not None and pydantic_types.pydantic_adapter(tp) is first
    convert = compile_converter(tp)
    assert str(convert("https://example.com")) == "https://example.com/"
    with pytest.raises(Invalid) as info:
        convert("https://" + "x" * 40 + ".com")
    assert [e["type"] for e in info.value.errors] == ["too_long"]


def test_types_pydantic_validates_since_asgiweb_does_not() -> None:
    assert compile_converter(complex)("1+2j") == complex(1, 2)
    assert compile_converter(Annotated[int, Strict()])(3) == 3
    with pytest.raises(Invalid) as info:
        compile_converter(Annotated[int, Strict()])("3")
    assert info.value.errors[0]["type"] == "int_type"
    assert compile_converter(ipaddress.IPv4Address)("1.2.3.4") == ipaddress.IPv4Address("1.2.3.4")
    network = compile_converter(ipaddress.IPv6Network | None)
    assert network(None) is None and network("2001:db8::/32").prefixlen == 32


def test_a_class_holding_such_a_field_keeps_asgiweb_s_plan_around_it() -> None:
    """Only the field goes to pydantic, whether the class is compiled first inside a
    union or an ``Annotated`` or on its own (the plan is cached per class)."""

    @dataclasses.dataclass
    class Ping:
        url: HttpUrl

    for tp in (int | Ping, Annotated[Ping, Body(embed=True)], Ping, int | Ping):
        compile_converter(tp)
        assert tp not in pydantic_types._ADAPTERS
    with pytest.raises(Invalid) as info:
        compile_converter(int | Ping)({"url": "x"})
    assert [e["loc"] for e in info.value.errors] == [("int",), ("Ping", "url")]


def test_metadata_nobody_reads_is_ignored_beside_a_pydantic_type() -> None:
    convert = compile_converter(Annotated[HttpUrl, "a note"])
    assert str(convert("https://example.com/a")) == "https://example.com/a"
    with pytest.raises(Invalid):
        convert("not a url")


def test_without_pydantic_the_registration_error_names_the_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pydantic", None)  # import pydantic: ImportError
    monkeypatch.setattr(pydantic_types, "_ADAPTERS", {})
    with pytest.raises(TypeError, match="cannot validate values of type <class 'complex'>"):
        compile_converter(complex)
    with pytest.raises(TypeError, match="cannot validate values of type <class 'complex'>"):
        compile_converter(list[complex])
    with pytest.raises(TypeError, match="only pydantic applies"):
        compile_converter(Annotated[uuid.UUID, Strict()])


def test_importing_asgiweb_and_registering_plain_routes_never_loads_pydantic() -> None:
    code = (
        "import sys\n"
        "from typing import Annotated\n"
        "import asgiweb\n"
        "app = asgiweb.App()\n"
        "@app.get('/x/{n}')\n"
        "def x(n: int, q: Annotated[str | None, asgiweb.Query(max_length=3)] = None,"
        " when: list[float] = asgiweb.Query([])):\n"
        "    return n\n"
        "app.openapi()\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
