"""ISO 8601 date, time and datetime parsing with pydantic v2's acceptance rules and wording.

Pydantic (through the ``speedate`` crate) accepts, for a string:
- a date ``YYYY-MM-DD`` (exactly), a time ``HH:MM[:SS[.fraction]][Z|±HH[:]MM]``,
  and a datetime ``date`` + one of ``T t _ space`` + ``time``;
- a number (``-1``, ``1700000000.5``) as a Unix timestamp: seconds, or
  milliseconds when its magnitude exceeds 2e10.
Fractions longer than microseconds are truncated.  Each failure has one message
("input is too short", "invalid character in year"...): ``DateTimeError`` carries
it, and the caller chooses the error type (``datetime_from_date_parsing``...).
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = [
    "DateTimeError",
    "YearZeroError",
    "is_number_text",
    "parse_date",
    "parse_datetime",
    "parse_time",
    "timestamp_to_datetime",
]

_UTC = _dt.UTC
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)\Z")
_MS_THRESHOLD = 20_000_000_000
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_number_text(text: str) -> bool:
    """A timestamp spelling: digits with an optional fraction, whole part within i64."""
    if _NUMBER.match(text) is None:
        return False
    whole = text.partition(".")[0]
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("+-").lstrip("0")
    if len(digits) > 19:  # beyond i64 (and maybe int()'s length limit)
        return False
    return -(2**63) <= int(sign + (digits or "0")) < 2**63


class DateTimeError(ValueError):
    """A parse failure; ``str(exc)`` is speedate's message."""


class YearZeroError(DateTimeError):
    """Well-formed but year 0, which Python's datetime cannot hold (pydantic reports it
    under another error type)."""

    def __init__(self) -> None:
        super().__init__("year 0 is out of range")


# speedate works on UTF-8 bytes: lengths and positions below are byte counts.


def _digits(data: bytes, start: int, count: int, what: str) -> int:
    chunk = data[start : start + count]
    if len(chunk) != count or not chunk.isdigit():
        raise DateTimeError(what if what.startswith("invalid") else f"invalid character in {what}")
    return int(chunk)


def _parse_date_part(data: bytes) -> tuple[int, int, int]:
    """The first ten bytes as (year, month, day); the caller checks what follows."""
    if len(data) < 10:
        raise DateTimeError("input is too short")
    year = _digits(data, 0, 4, "year")
    if data[4:5] != b"-":
        raise DateTimeError("invalid date separator, expected `-`")
    month = _digits(data, 5, 2, "month")
    if data[7:8] != b"-":
        raise DateTimeError("invalid date separator, expected `-`")
    day = _digits(data, 8, 2, "day")
    if not 1 <= month <= 12:
        raise DateTimeError("month value is outside expected range of 1-12")
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    max_day = 29 if month == 2 and leap else (28 if month == 2 else _DAYS_IN_MONTH[month])
    if not 1 <= day <= max_day:
        raise DateTimeError("day value is outside expected range")
    return year, month, day


def _parse_time_part(data: bytes, pos: int) -> tuple[_dt.time, int]:
    """A time starting at ``pos``; returns it and the position after it."""
    end = len(data)
    if end - pos < 5:
        raise DateTimeError("input is too short")
    hour = _digits(data, pos, 2, "hour")
    if data[pos + 2 : pos + 3] != b":":
        raise DateTimeError("invalid time separator, expected `:`")
    minute = _digits(data, pos + 3, 2, "minute")
    if hour > 23:
        raise DateTimeError("hour value is outside expected range of 0-23")
    if minute > 59:
        raise DateTimeError("minute value is outside expected range of 0-59")
    pos += 5
    second = micro = 0
    if data[pos : pos + 1] == b":":
        second = _digits(data, pos + 1, 2, "second")
        if second > 59:
            raise DateTimeError("second value is outside expected range of 0-59")
        pos += 3
        if data[pos : pos + 1] in (b".", b","):
            start = pos = pos + 1
            while pos < end and 48 <= data[pos] <= 57:
                pos += 1
            if pos == start:
                raise DateTimeError("second fraction digits missing after `.`")
            # Digits beyond microseconds are dropped, not rounded.
            micro = int(data[start : min(pos, start + 6)].ljust(6, b"0"))
    tzinfo: _dt.tzinfo | None = None
    if pos < end:
        sign = data[pos : pos + 1]
        if sign in (b"Z", b"z"):
            tzinfo = _UTC
            pos += 1
        elif sign in (b"+", b"-"):
            hours = _digits(data, pos + 1, 2, "invalid timezone hour")
            pos += 3
            if data[pos : pos + 1] == b":":
                pos += 1
            minutes = _digits(data, pos, 2, "invalid timezone minute")
            pos += 2
            if hours > 23:
                raise DateTimeError("timezone offset must be less than 24 hours")
            if minutes > 59:
                raise DateTimeError("timezone minute value is outside expected range of 0-59")
            offset = hours * 3600 + minutes * 60
            tzinfo = _dt.timezone(_dt.timedelta(seconds=-offset if sign == b"-" else offset))
        else:
            raise DateTimeError("invalid timezone sign")
    return _dt.time(hour, minute, second, micro, tzinfo=tzinfo), pos


_MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
_MIN_SECONDS = -62_167_219_200  # 0000-01-01T00:00:00Z
_YEAR_ONE = -62_135_596_800


def timestamp_to_datetime(value: float, *, date_only: bool = False) -> _dt.datetime:
    """Seconds (or milliseconds beyond 2e10) since the epoch, in UTC, as speedate reads them.

    With ``date_only`` a timestamp that is not midnight is reported before its range
    (pydantic's order for ``date`` fields) by returning a non-midnight datetime or
    raising the range error.
    """
    if value != value:
        raise DateTimeError("NaN values not permitted")
    if abs(value) > _MS_THRESHOLD:
        value = value / 1000
    if value > _MAX_SECONDS:
        raise DateTimeError("dates after 9999 are not supported as unix timestamps")
    if value < _MIN_SECONDS:
        raise DateTimeError("dates before 0000 are not supported as unix timestamps")
    whole = int(value) if value >= 0 else -int(-value)
    micro = round((value - whole) * 1_000_000)
    if value < _YEAR_ONE:
        if date_only and (whole % 86400 or micro):
            return _EPOCH + _dt.timedelta(
                seconds=1
            )  # non-midnight stand-in: the caller reports "inexact"
        raise YearZeroError()
    return _EPOCH + _dt.timedelta(seconds=whole, microseconds=micro)


def _date(year: int, month: int, day: int) -> _dt.date:
    if year == 0:
        raise YearZeroError()
    return _dt.date(year, month, day)


# PERF: the common spellings are matched by one regex and built directly (about 1 µs
# instead of 7 for the byte-by-byte parser; bench_params "path+2 query+body").  Anything
# else, and any out-of-range value, takes the full parser, which words the error.
_CANONICAL = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt_ ][0-9]{2}:[0-9]{2}"
    r"(?::[0-9]{2}(?:[.,][0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?\Z"
)


def _fast_datetime(text: str) -> _dt.datetime | None:
    if _CANONICAL.match(text) is None:
        return None
    try:
        # Within the shapes the regex admits, Python's parser agrees with speedate
        # (year 0 and out-of-range fields raise, and take the slow path).
        return _dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_datetime(text: str, *, date_only: bool = False) -> _dt.datetime:
    """A datetime string, or a number string taken as a timestamp."""
    fast = _fast_datetime(text)
    if fast is not None:
        return fast
    if is_number_text(text):
        return timestamp_to_datetime(float(text), date_only=date_only)
    data = text.encode("utf-8", "surrogatepass")
    year, month, day = _parse_date_part(data)
    if len(data) == 10:
        return _dt.datetime.combine(_date(year, month, day), _dt.time())
    if data[10:11] not in (b"T", b"t", b"_", b" "):
        raise DateTimeError("invalid datetime separator, expected `T`, `t`, `_` or space")
    clock, pos = _parse_time_part(data, 11)
    if pos != len(data):
        raise DateTimeError("unexpected extra characters at the end of the input")
    if year == 0 and date_only and clock.replace(tzinfo=None) != _dt.time():
        return _EPOCH + _dt.timedelta(seconds=1)  # non-midnight stand-in: "inexact" wins
    return _dt.datetime.combine(_date(year, month, day), clock)


def parse_date(text: str) -> _dt.date:
    """Exactly ``YYYY-MM-DD``; anything longer must parse as a datetime (checked by the caller)."""
    if len(text) == 10 and text.isascii() and text[4] == text[7] == "-":
        try:
            quick = _dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            if text[:4].isdigit() and text[5:7].isdigit() and text[8:].isdigit():
                return quick
    data = text.encode("utf-8", "surrogatepass")
    year, month, day = _parse_date_part(data)
    if len(data) != 10:
        raise DateTimeError("unexpected extra characters at the end of the input")
    return _date(year, month, day)


def parse_time(text: str) -> _dt.time:
    data = text.encode("utf-8", "surrogatepass")
    clock, pos = _parse_time_part(data, 0)
    if pos != len(data):
        raise DateTimeError("unexpected extra characters at the end of the input")
    return clock


_ISO_DURATION = re.compile(
    r"([+-])?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?\Z"
)
_CLOCK_DURATION = re.compile(r"([+-])?(?:(\d+) days?,? ?)?(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)\Z")
_UNIT_SECONDS = (365 * 86400, 30 * 86400, 7 * 86400, 86400, 3600, 60, 1)


def parse_duration(text: str) -> _dt.timedelta:
    """ISO 8601 ``P1DT2H``, or ``[-][D days, ]HH:MM:SS[.f]`` as pydantic accepts them."""
    try:
        return _parse_duration(text)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, DateTimeError):
            raise
        # A number too long for int() or a total beyond timedelta's range.
        raise DateTimeError("a numeric value in the duration is too large") from None


def _parse_duration(text: str) -> _dt.timedelta:
    match = _ISO_DURATION.match(text)
    if match and text not in ("P", "+P", "-P") and not text.endswith("T"):
        seconds = sum(
            float(v) * unit for v, unit in zip(match.groups()[1:], _UNIT_SECONDS, strict=True) if v
        )
        delta = _dt.timedelta(seconds=seconds)
        return -delta if match.group(1) == "-" else delta
    match = _CLOCK_DURATION.match(text)
    if match:
        sign, days, hours, minutes, secs = match.groups()
        # pydantic's limits, by digit count first (no int() of a huge string).
        if days and len(days.lstrip("0")) > 10:
            raise DateTimeError("a numeric value in the duration is too large")
        if days and int(days) > 999_999_999:
            raise DateTimeError("durations may not exceed 999,999,999 days")
        if hours and len(hours.lstrip("0")) > 10:
            raise DateTimeError("durations may not exceed 999,999,999 hours")
        delta = _dt.timedelta(
            days=int(days or 0),
            hours=int(hours or 0),
            minutes=int(minutes),
            seconds=float(secs),
        )
        return -delta if sign == "-" else delta
    if not text:
        raise DateTimeError("input is too short")
    raise DateTimeError("invalid digit in duration")
