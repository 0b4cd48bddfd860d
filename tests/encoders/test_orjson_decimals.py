"""Decimal fields of dataclasses under render_orjson: a short plain Decimal goes out
as its own digits (an ``orjson.Fragment``), which must be byte for byte what orjson
writes for the float FastAPI's jsonable_encoder makes of it; every other Decimal
takes the float/int path (asgiweb/encoders/plans.py, ``_emit``).
"""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from asgiweb.encoders import plans, render_orjson

orjson = pytest.importorskip("orjson")
fastapi_encoders = pytest.importorskip("fastapi.encoders")


@dataclasses.dataclass
class Priced:
    price: Any
    label: str = "x"


def by_float_path(value: Decimal) -> bytes:
    """What the converter wrote before fragments: orjson on FastAPI's number (an int
    past 64 bits, which orjson refuses, is left to render_json by render_orjson)."""
    number = fastapi_encoders.jsonable_encoder(value)
    try:
        return bytes(orjson.dumps({"price": number, "label": "x"}))
    except orjson.JSONEncodeError:
        return b"refused"


def by_generated_converter(values: list[Decimal]) -> list[bytes]:
    """Each value through a fresh orjson target with fragments, the first one the
    sample the converter is specialised on (a Decimal, so the guard is there)."""
    target = plans.orjson_target(native_datetimes=True, fragment=orjson.Fragment)
    target.default(Priced(Decimal("1.5")))  # specialise: price holds a Decimal
    convert = target.dataclasses[Priced]
    option = orjson.OPT_PASSTHROUGH_DATACLASS
    out = []
    for v in values:
        try:
            out.append(
                bytes(orjson.dumps(convert(Priced(v)), default=target.default, option=option))
            )
        except orjson.JSONEncodeError:
            out.append(b"refused")
    return out


finite_decimals = st.decimals(allow_nan=False, allow_infinity=False)
short_decimals = st.builds(
    lambda whole, fraction, places, negative: Decimal(
        f"{'-' if negative else ''}{whole}.{fraction:0{places}d}"
    ),
    st.integers(0, 10**12),
    st.integers(0, 10**6),  # at most 7 digits after the point, whatever ``places``
    st.integers(1, 7),
    st.booleans(),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(finite_decimals, short_decimals), min_size=1, max_size=8))
@example([Decimal("1.01"), Decimal("0.00001"), Decimal("0.000012"), Decimal("1.10")])
@example([Decimal("999999999999999.9"), Decimal("-0.5"), Decimal("12"), Decimal("-0")])
@example([Decimal("0.000001"), Decimal("1E-7"), Decimal("1E+2"), Decimal("123456789.123")])
@example([Decimal("0.0000000"), Decimal("-0.0000000"), Decimal("0E-7")])
def test_fragment_bytes_equal_the_float_path(values: list[Decimal]) -> None:
    assert by_generated_converter(values) == [by_float_path(v) for v in values]


@pytest.mark.parametrize(
    "value", ["NaN", "-NaN", "Infinity", "-Infinity", "1.5E+3", "1E-400", "-0.0", "1E+5"]
)
def test_special_decimals_keep_their_path(value: str) -> None:
    # NaN and infinities (null for orjson, docs/encoder.md), exponent forms and
    # negative zero never go out as a fragment.
    option = orjson.OPT_PASSTHROUGH_DATACLASS
    bodies = []
    for fragment in (None, orjson.Fragment):
        target = plans.orjson_target(native_datetimes=True, fragment=fragment)
        target.default(Priced(Decimal("1.5")))
        convert = target.dataclasses[Priced]
        data = convert(Priced(Decimal(value)))
        assert not isinstance(data["price"], orjson.Fragment)
        bodies.append(orjson.dumps(data, default=target.default, option=option))
    assert bodies[0] == bodies[1]
    # and through the response renderer, on a list (the converted-first path)
    body = render_orjson([Priced(Decimal("2.5")), Priced(Decimal(value))])
    assert json.loads(body)[1] == json.loads(bodies[0])
