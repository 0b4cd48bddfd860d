"""Scalar converters with pydantic v2's lax ("python") mode rules and error wording.

FastAPI validates query, path, header and cookie values (strings) and the
decoded JSON body (plain Python data) with pydantic in python lax mode, so one
converter per type serves every source: it checks the exact input type first
(the common case costs one ``type(...) is`` test) and falls back to the lax
rules.  Each converter takes the raw value and returns the converted one or
raises :class:`Invalid` carrying pydantic-shaped error dicts whose ``loc`` is
relative (the caller prefixes ``("query", name)`` or the field path).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import enum
import re
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from asgiweb._validation.datetimes import (
    DateTimeError,
    YearZeroError,
    is_number_text,
    parse_date,
    parse_datetime,
    parse_time,
    timestamp_to_datetime,
)

__all__ = [
    "SCALARS",
    "Converter",
    "ErrorDict",
    "Invalid",
    "enum_converter",
    "error",
    "fail",
    "literal_converter",
    "missing",
    "to_decimal",
    "to_decimal_allowing_inf_nan",
]

Converter = Callable[[Any], Any]
ErrorDict = dict[str, Any]


class Invalid(Exception):
    """One or more validation errors, each with a ``loc`` relative to the value checked."""

    __slots__ = ("errors",)

    def __init__(self, errors: list[ErrorDict]) -> None:
        super().__init__(errors)
        self.errors = errors


def error(kind: str, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> ErrorDict:
    err: ErrorDict = {"type": kind, "loc": (), "msg": msg, "input": value}
    if ctx is not None:
        err["ctx"] = ctx
    return err


def fail(kind: str, msg: str, value: Any, ctx: dict[str, Any] | None = None) -> NoReturn:
    if type(value) is str and kind in _STRING_UNICODE_FIRST and _lone_surrogate(value):
        # pydantic checks that a str is valid unicode before parsing it as
        # anything but a str or a Decimal (a lone surrogate from a JSON escape).
        kind, msg, ctx = "string_unicode", _STRING_UNICODE, None
    raise Invalid([error(kind, msg, value, ctx)])


def missing(loc: tuple[Any, ...], value: Any = None) -> ErrorDict:
    """pydantic's error for an absent required field or item, at ``loc``."""
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": value}


_STRING_UNICODE = "Input should be a valid string, unable to parse raw data as a unicode string"
_STRING_UNICODE_FIRST = frozenset(
    {
        "int_parsing", "int_parsing_size", "float_parsing", "bool_parsing", "date_parsing",
        "date_from_datetime_parsing", "datetime_parsing", "datetime_from_date_parsing",
        "time_parsing", "time_delta_parsing", "uuid_parsing", "enum", "literal_error",
    }
)  # fmt: skip


def _lone_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# -- numbers ------------------------------------------------------------------------


_I64_LIMIT = 2.0**63
# pydantic's longest integer string: Python's default int() limit (sys.int_info).
_MAX_INT_DIGITS = 4300
_LEADING_ZEROS = re.compile(r"0[0_]*(?=[0-9-])")


# pydantic trims what Rust's str::trim() does (Unicode White_Space); Python's
# strip(), int() and float() also drop the separators \x1c-\x1f, which pydantic
# keeps (so "0\x1f" is not a number there).
_WHITE_SPACE = " \t\n\x0b\x0c\r\x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
_WHITE_SPACE += "\u2028\u2029\u202f\u205f\u3000"
_SEPARATORS = "\x1c\x1d\x1e\x1f"


def _trimmed(value: str) -> str:
    """``value`` trimmed as pydantic trims it; ``"x"`` (never a number) when a
    separator is left at either end, which int() and float() would drop."""
    text = value.strip(_WHITE_SPACE)
    if text and (text[0] in _SEPARATORS or text[-1] in _SEPARATORS):
        return "x"
    return text


def _int_from_str(value: str) -> int:
    # Python's int() also takes non-ASCII digits ("٣"); pydantic does not.
    # PERF: int() first when there is nothing at either end for it to strip
    # (strip() gives the very same string back then).
    if value.isascii() and value.strip() is value:
        try:
            return int(value)
        except ValueError:
            pass
    text = _trimmed(value)
    if text.isascii():
        sign = text[:1] if text[:1] in ("+", "-") else ""
        body = text[len(sign) :]
        zeros = body.startswith("0")
        if zeros:
            # pydantic drops leading zeros and underscores among them ("0__1" is 1),
            # and then still takes a minus sign ("0-1" is -1).
            body = _LEADING_ZEROS.sub("", body, count=1)
            if body.startswith("-") and sign != "-":
                sign, body = "-", body[1:]
                if body.startswith("_"):
                    body = body[1:]
                if body.startswith("0") and body[1:2] not in ("", "."):
                    body = "x"  # no second run of leading zeros: "0-01" is refused
            text = sign + body
        try:
            return int(text)
        except ValueError:
            head, dot, tail = text.partition(".")
            if dot and head[-1:].isdigit() and tail and tail.strip("0") == "":
                try:
                    return int(head)
                except ValueError:
                    pass
        # Only int()'s own length limit can refuse what is left.  pydantic's
        # rule: a run of digits past its limit at the very start of the input
        # is "too big" (after leading zeros or spaces, merely not an integer).
        run = body[: len(body) - len(body.lstrip("0123456789"))]
        refused = False
        if len(run) <= _MAX_INT_DIGITS and body.isdigit():
            try:
                return int(text)
            except ValueError:  # a lower sys.set_int_max_str_digits()
                refused = True
        lead = value[1:] if value.startswith("-") else value
        if refused or (not zeros and len(lead) - len(lead.lstrip("0123456789")) > _MAX_INT_DIGITS):
            fail(
                "int_parsing_size",
                "Unable to parse input string as an integer, exceeded maximum size",
                value,
            )
    fail(
        "int_parsing",
        "Input should be a valid integer, unable to parse string as an integer",
        value,
    )


def to_int(value: Any) -> int:
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is str:
        return _int_from_str(value)
    if kind is bool:
        return int(value)
    if kind is float:
        if value != value or value in (float("inf"), float("-inf")):
            fail("finite_number", "Input should be a finite number", value)
        if not value.is_integer():
            fail(
                "int_from_float",
                "Input should be a valid integer, got a number with a fractional part",
                value,
            )
        if not -_I64_LIMIT < value < _I64_LIMIT:
            fail(
                "int_parsing_size",
                "Unable to parse input string as an integer, exceeded maximum size",
                value,
            )
        return int(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            fail("finite_number", "Input should be a finite number", value)
        if value != value.to_integral_value():
            fail(
                "int_from_float",
                "Input should be a valid integer, got a number with a fractional part",
                value,
            )
        return int(value)
    if isinstance(value, bytes | bytearray):
        return _int_from_str(value.decode("utf-8", "replace"))
    fail("int_type", "Input should be a valid integer", value)


def to_float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return float(value)
    if kind is int:
        try:
            return float(value)
        except OverflowError:  # pydantic's word for an int beyond float's range
            fail("float_type", "Input should be a valid number", value)
    if kind is str:
        text = value.strip()
        if text is not value:  # PERF: only input with something to trim
            text = _trimmed(value)
        if text.isascii():
            if "_" in text:
                # pydantic drops single underscores anywhere but at either end.
                # ...and not next to surrounding whitespace.
                if "__" in text or text[0] == "_" or text[-1] == "_" or text != value:
                    text = "x"
                text = text.replace("_", "")
            try:
                return float(text)
            except ValueError:
                pass
        fail(
            "float_parsing",
            "Input should be a valid number, unable to parse string as a number",
            value,
        )
    if isinstance(value, int | float | Decimal):
        try:
            return float(value)
        except OverflowError:  # an int beyond float's range: pydantic's word for it
            pass
    fail("float_type", "Input should be a valid number", value)


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def to_bool(value: Any) -> bool:
    kind = type(value)
    if kind is bool:
        return value  # type: ignore[no-any-return]
    if kind is str:
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        fail("bool_parsing", "Input should be a valid boolean, unable to interpret input", value)
    if kind is int or kind is float or isinstance(value, Decimal):
        if value == 1:
            return True
        if value == 0:
            return False
        if (kind is int or (kind is float and value.is_integer())) and (
            -_I64_LIMIT <= value < _I64_LIMIT
        ):
            fail(
                "bool_parsing", "Input should be a valid boolean, unable to interpret input", value
            )
    fail("bool_type", "Input should be a valid boolean", value)


def to_decimal(value: Any) -> Decimal:
    """A finite Decimal (pydantic's default for Decimal: ``allow_inf_nan=False``)."""
    result = to_decimal_allowing_inf_nan(value)
    if not result.is_finite():
        fail("finite_number", "Input should be a finite number", value)
    return result


def to_decimal_allowing_inf_nan(value: Any) -> Decimal:
    """A Decimal, infinities and NaN included (``allow_inf_nan=True``)."""
    kind = type(value)
    if kind is Decimal:
        result: Decimal = value
    elif kind is str or kind is int or kind is float:
        try:
            result = Decimal(
                value.strip() if kind is str else str(value) if kind is float else value
            )
        except InvalidOperation:
            fail("decimal_parsing", "Input should be a valid decimal", value)
    else:
        fail(
            "decimal_type",
            "Decimal input should be an integer, float, string or Decimal object",
            value,
        )
    return result


# -- text and identifiers -----------------------------------------------------------


def to_str(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if isinstance(value, enum.Enum) and isinstance(value.value, str):
        return value.value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            fail(
                "string_unicode",
                "Input should be a valid string, unable to parse raw data as a unicode string",
                value,
            )
    fail("string_type", "Input should be a valid string", value)


def to_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, from a JSON escape
            fail("string_unicode", _STRING_UNICODE, value)
    if isinstance(value, bytearray):
        return bytes(value)
    fail("bytes_type", "Input should be a valid bytes", value)


_HEX = frozenset("0123456789abcdefABCDEF")
_GROUP_STARTS = (0, 9, 14, 19, 24)
_GROUP_SIZES = (8, 4, 4, 4, 12)


def _uuid_problem(text: str) -> str | None:
    """Why ``text`` is not a UUID, in the ``uuid`` crate's words (pydantic's source), or
    None when it has the simple, hyphenated, braced or ``urn:uuid:`` shape."""
    body, offset, simple = text, 0, True
    if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
        body, offset, simple = text[1:-1], 1, False
    elif text.startswith("urn:uuid:"):
        body, offset, simple = text[9:], 9, False
    hyphens: list[int] = []
    for index, char in enumerate(body):
        if char == "-":
            hyphens.append(index)
        elif char not in _HEX:
            return f"invalid character: found `{char}` at {index + offset}"
    if not hyphens:
        if simple and len(body) == 32:
            return None
        if simple:
            return f"invalid length: found {len(text)}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    for group in range(4):
        if hyphens[group] != _GROUP_STARTS[group + 1] - 1:
            size = hyphens[group] - _GROUP_STARTS[group]
            expected = _GROUP_SIZES[group]
            return f"invalid group length in group {group}: expected {expected}, found {size}"
    if len(body) != 36:
        # The crate measures the last group against the whole input, prefix included.
        size = len(text) - _GROUP_STARTS[4]
        return f"invalid group length in group 4: expected 12, found {size}"
    return None


def to_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        problem = _uuid_problem(value)
        if problem is None:
            # Python's parser is laxer (hyphens anywhere), so it runs only on checked shapes.
            return uuid.UUID(value)
        fail("uuid_parsing", f"Input should be a valid UUID, {problem}", value, {"error": problem})
    if isinstance(value, bytes):
        if len(value) == 16:
            return uuid.UUID(bytes=value)
        try:
            return to_uuid(value.decode("ascii"))
        except (UnicodeDecodeError, Invalid):
            problem = f"invalid length: expected 16 bytes, found {len(value)}"
            fail(
                "uuid_parsing",
                f"Input should be a valid UUID, {problem}",
                value,
                {"error": problem},
            )
    fail("uuid_type", "UUID input should be a string, bytes or UUID object", value)


# -- dates and times ----------------------------------------------------------------


def _number(value: Any) -> bool:
    """A number that dates and durations take (not an int beyond float's range, as pydantic)."""
    kind = type(value)
    if kind is int:
        return -_FLOAT_RANGE < value < _FLOAT_RANGE  # type: ignore[no-any-return]
    return kind is float or isinstance(value, Decimal)


_FLOAT_RANGE = 2**1023  # within float's range with room for rounding


def _time_parsing(problem: str, value: Any) -> NoReturn:
    fail(
        "time_parsing",
        f"Input should be in a valid time format, {problem}",
        value,
        {"error": problem},
    )


def _time_delta_parsing(problem: str, value: Any) -> NoReturn:
    fail(
        "time_delta_parsing",
        f"Input should be a valid timedelta, {problem}",
        value,
        {"error": problem},
    )


def _datetime_parsing(exc: DateTimeError, value: Any) -> NoReturn:
    problem = str(exc)
    fail(
        "datetime_parsing",
        f"Input should be a valid datetime, {problem}",
        value,
        {"error": problem},
    )


def to_datetime(value: Any) -> _dt.datetime:
    if isinstance(value, _dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value)
        except YearZeroError as exc:
            _datetime_parsing(exc, value)
        except DateTimeError as exc:
            if is_number_text(value):
                # A timestamp out of range: pydantic words it as the date fallback's error.
                problem = str(exc)
                fail(
                    "datetime_from_date_parsing",
                    f"Input should be a valid datetime or date, {problem}",
                    value,
                    {"error": problem},
                )
        # pydantic then tries the value as a date and reports *that* failure.
        try:
            day = parse_date(value)
        except DateTimeError as exc:
            problem = str(exc)
            fail(
                "datetime_from_date_parsing",
                f"Input should be a valid datetime or date, {problem}",
                value,
                {"error": problem},
            )
        return _dt.datetime(day.year, day.month, day.day)
    if _number(value):
        try:
            return timestamp_to_datetime(float(value))
        except DateTimeError as exc:
            _datetime_parsing(exc, value)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    fail("datetime_type", "Input should be a valid datetime", value)


def _date_from_datetime(moment: _dt.datetime, value: Any) -> _dt.date:
    if moment.hour or moment.minute or moment.second or moment.microsecond:
        fail(
            "date_from_datetime_inexact",
            "Datetimes provided to dates should have zero time - e.g. be exact dates",
            value,
        )
    return moment.date()


def _date_parsing(exc: DateTimeError, value: Any) -> NoReturn:
    fail(
        "date_parsing",
        f"Input should be a valid date in the format YYYY-MM-DD, {exc}",
        value,
        {"error": str(exc)},
    )


def _date_from_datetime_parsing(exc: DateTimeError, value: Any) -> NoReturn:
    problem = str(exc)
    fail(
        "date_from_datetime_parsing",
        f"Input should be a valid date or datetime, {problem}",
        value,
        {"error": problem},
    )


def to_date(value: Any) -> _dt.date:
    if type(value) is _dt.date:
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except YearZeroError as exc:
            _date_parsing(exc, value)
        except DateTimeError:
            pass
        try:
            moment = parse_datetime(value, date_only=True)
        except YearZeroError as exc:
            _date_parsing(exc, value)
        except DateTimeError as exc:
            _date_from_datetime_parsing(exc, value)
        return _date_from_datetime(moment, value)
    if _number(value):
        try:
            moment = timestamp_to_datetime(float(value), date_only=True)
        except DateTimeError as exc:
            _date_from_datetime_parsing(exc, value)
        return _date_from_datetime(moment, value)
    if isinstance(value, _dt.datetime):
        return _date_from_datetime(value, value)
    if isinstance(value, _dt.date):
        return value
    fail("date_type", "Input should be a valid date", value)


def to_time(value: Any) -> _dt.time:
    if isinstance(value, _dt.time):
        return value
    if isinstance(value, str):
        try:
            return parse_time(value)
        except DateTimeError as exc:
            _time_parsing(str(exc), value)
    if _number(value):
        seconds = float(value)
        if seconds != seconds:
            _time_parsing("NaN values not permitted", value)
        if seconds < 0:
            _time_parsing("time in seconds should be positive", value)
        if seconds >= 86400:
            _time_parsing("numeric times may not exceed 86,399 seconds", value)
        return (_dt.datetime.min + _dt.timedelta(seconds=seconds)).time().replace(tzinfo=_dt.UTC)
    fail("time_type", "Input should be a valid time", value)


def to_timedelta(value: Any) -> _dt.timedelta:
    if isinstance(value, _dt.timedelta):
        return value
    if _number(value):
        seconds = float(value)
        if seconds != seconds:
            _time_delta_parsing("NaN values not permitted", value)
        try:
            return _dt.timedelta(seconds=seconds)
        except OverflowError:
            _time_delta_parsing("durations may not exceed 999,999,999 days", value)
    if isinstance(value, str):
        from asgiweb._validation.datetimes import parse_duration

        try:
            return parse_duration(value)
        except DateTimeError as exc:
            _time_delta_parsing(str(exc), value)
    fail("time_delta_type", "Input should be a valid timedelta", value)


# -- choices ------------------------------------------------------------------------


def expected_text(choices: Sequence[Any]) -> str:
    """pydantic's "'a', 'b' or 'c'" listing."""
    shown = [repr(c) for c in choices]
    if len(shown) <= 1:
        return "".join(shown)
    return f"{', '.join(shown[:-1])} or {shown[-1]}"


def enum_converter(cls: type[enum.Enum]) -> Converter:
    members = list(cls)
    by_value: dict[Any, enum.Enum] = {}
    for member in members:
        # An unhashable value cannot be looked up by value; it is simply skipped.
        with contextlib.suppress(TypeError):
            by_value.setdefault(member.value, member)
    expected = expected_text([m.value for m in members])
    msg = f"Input should be {expected}"
    ctx = {"expected": expected}
    numeric = bool(members) and all(
        type(m.value) is int for m in members
    )  # IntEnum-like: "1" and 1.0 find member 1

    def convert(value: Any) -> Any:
        if type(value) is cls:
            return value
        try:
            return by_value[value]
        except (KeyError, TypeError):
            pass
        if numeric and type(value) in (str, float):
            try:
                return by_value[to_int(value)]
            except (Invalid, KeyError):
                pass
        fail("enum", msg, value, dict(ctx))

    return convert


def literal_converter(choices: Sequence[Any]) -> Converter:
    allowed: dict[tuple[type, Any], Any] = {(type(c), c): c for c in choices}
    expected = expected_text(list(choices))
    msg = f"Input should be {expected}"
    enum_values = {(type(c.value), c.value): c for c in choices if isinstance(c, enum.Enum)}

    def convert(value: Any) -> Any:
        key = (type(value), value)
        try:
            if key in allowed:
                return allowed[key]
            if key in enum_values:
                return enum_values[key]
        except TypeError:
            pass
        fail("literal_error", msg, value, {"expected": expected})

    return convert


SCALARS: dict[Any, Converter] = {
    int: to_int,
    float: to_float,
    bool: to_bool,
    str: to_str,
    bytes: to_bytes,
    Decimal: to_decimal,
    uuid.UUID: to_uuid,
    _dt.datetime: to_datetime,
    _dt.date: to_date,
    _dt.time: to_time,
    _dt.timedelta: to_timedelta,
}
