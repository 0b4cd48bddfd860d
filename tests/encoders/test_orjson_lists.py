"""render_orjson on lists of dataclasses: converted before orjson walks the list
(benchmarks/bench_encoder.py (b)), with the same JSON value as FastAPI's
jsonable_encoder, on the first call (through orjson's hook) and on later ones.

Also the reasons orjson's own dataclass writer is not used: it drops fields
whose name starts with "_" and init=False fields that live on the class, and
writes instance attributes that are not fields; FastAPI does the opposite.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb.encoders import render_json, render_orjson

orjson = pytest.importorskip("orjson")
fastapi_encoders = pytest.importorskip("fastapi.encoders")

TZ = datetime.timezone(datetime.timedelta(hours=2))


@dataclasses.dataclass
class Inner:
    day: datetime.date
    at: datetime.time


@dataclasses.dataclass
class Row:
    id: uuid.UUID
    created: datetime.datetime
    price: Decimal
    tags: list[Any]
    inner: Any


@dataclasses.dataclass
class Hazards:
    x: int
    _private: int = 2
    on_class: int = dataclasses.field(init=False, default=5)

    def __post_init__(self) -> None:
        self.not_a_field = "extra"


def reference(value: Any) -> Any:
    return json.loads(json.dumps(fastapi_encoders.jsonable_encoder(value)))


def rows(n: int) -> list[Row]:
    return [
        Row(
            id=uuid.UUID(int=i * 7919),
            created=datetime.datetime(2026, 1, 2, 3, 4, 5, i * 1000, tzinfo=TZ),
            price=Decimal(i) if i % 2 else Decimal(f"{i}.{i:02d}"),
            tags=["a", i, None],
            inner=Inner(datetime.date(2026, 1, 1 + i), datetime.time(1, 2, 3, 10_000 + i)),
        )
        for i in range(n)
    ]


def test_first_and_later_calls_give_fastapis_value() -> None:
    data = rows(5)
    expected = reference(data)
    for _ in range(3):  # the first goes through orjson's hook, later ones are converted first
        assert json.loads(render_orjson(data)) == expected
    assert json.loads(render_json(data)) == expected


def test_mixed_lists_keep_their_other_items() -> None:
    data: list[Any] = rows(2)
    render_orjson(data)  # Row's converter is known from now on
    other = Inner(datetime.date(2020, 2, 2), datetime.time(0))
    mixed = [data[0], other, {"k": data[1]}, 3, data[1]]
    assert json.loads(render_orjson(mixed)) == reference(mixed)


def test_fields_holding_other_types_than_the_first_row() -> None:
    data = rows(2)
    render_orjson(data)
    odd = rows(3)
    odd[1].price = Decimal("1.5E+3")  # type: ignore[assignment]
    odd[1].inner = [Inner(datetime.date(2021, 3, 4), datetime.time(5))]
    odd[2].inner = {"nested": odd[0]}
    odd[2].created = "not a datetime"  # type: ignore[assignment]
    assert json.loads(render_orjson(odd)) == reference(odd)


def test_a_generator_inside_takes_the_standard_path() -> None:
    data = rows(2)
    render_orjson(data)
    data[1].tags = (t for t in ["x", "y"])  # type: ignore[assignment]
    assert json.loads(render_orjson(data))[1]["tags"] == ["x", "y"]


def test_orjsons_own_dataclass_writer_is_not_fastapis() -> None:
    value = Hazards(1)
    native = json.loads(orjson.dumps(value))
    assert native == {"x": 1, "not_a_field": "extra"}  # the claims, checked
    expected = {"x": 1, "_private": 2, "on_class": 5}
    assert reference(value) == expected
    for _ in range(2):
        assert json.loads(render_orjson([value, value])) == [expected, expected]
        assert json.loads(render_orjson(value)) == expected


@dataclasses.dataclass
class Priced:
    price: Decimal


# finite ones: orjson writes infinities and NaN as null, where FastAPI's json.dumps
# writes Infinity/NaN (docs/api.md); sNaN fails in both
FINITE = {"allow_nan": False, "allow_infinity": False}


@settings(max_examples=300)
@given(st.decimals(**FINITE) | st.decimals(places=2, **FINITE))
def test_a_decimal_field_converted_inline_is_fastapis_number(price: Decimal) -> None:
    render_orjson([Priced(Decimal("1.50"))])  # Priced's converter, with its inline Decimal
    value = [Priced(price)]
    assert json.loads(render_orjson(value)) == reference(value)
