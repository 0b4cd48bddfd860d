"""JSONResponse, ORJSONResponse and UJSONResponse: the same JSON whichever renders it."""

from __future__ import annotations

import dataclasses
import datetime
import json
import sys
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb.encoders import jsonable as encoders
from asgiweb.responses import (
    JSONResponse,
    ORJSONResponse,
    Response,
    UJSONResponse,
)
from tests.harness import drive

pytestmark = pytest.mark.anyio


@dataclasses.dataclass
class Record:
    id: uuid.UUID
    when: datetime.datetime
    price: Decimal
    tags: tuple[str, ...]


VALUES: list[Any] = [
    None,
    {"message": "Hello, World!"},
    [1, 2.5, "três", True, None],
    {"nested": {"list": [{"a": 1}], "empty": {}}},
    Record(
        uuid.UUID(int=7),
        datetime.datetime(2026, 1, 1, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        Decimal("1.50"),
        ("a", "b"),
    ),
    {"date": datetime.date(2026, 2, 3), "delta": datetime.timedelta(seconds=90)},
    {1: "int key", "s": {3}},
    {"big": 2**70, "neg": -(2**65)},
    "a \u2028 line separator / slash",
]


@pytest.mark.parametrize("cls", [ORJSONResponse, UJSONResponse])
@pytest.mark.parametrize("value", VALUES)
async def test_orjson_ujson_give_the_same_json(cls: type[Response], value: Any) -> None:
    expected = json.loads(JSONResponse(value).body)
    peer = await drive(cls(value))
    assert peer.header("content-type") == "application/json"
    assert json.loads(peer.body) == expected
    assert peer.header("content-length") == str(len(peer.body))


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=60)
@given(_JSON)
def test_orjson_ujson_match_jsonresponse_property(value: Any) -> None:
    expected = json.loads(JSONResponse(value).body)
    assert json.loads(ORJSONResponse(value).body) == expected
    assert json.loads(UJSONResponse(value).body) == expected


@pytest.mark.parametrize(
    ("cls", "package", "cache"),
    [(ORJSONResponse, "orjson", "_orjson"), (UJSONResponse, "ujson", "_ujson")],
)
def test_missing_package_is_named_at_construction(
    monkeypatch: pytest.MonkeyPatch, cls: type[Response], package: str, cache: str
) -> None:
    monkeypatch.setitem(sys.modules, package, None)  # makes `import package` fail
    monkeypatch.setattr(encoders, cache, None)
    with pytest.raises(ImportError, match=package) as info:
        cls({"a": 1})
    assert f"pip install {package}" in str(info.value)
