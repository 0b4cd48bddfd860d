"""Constraints from markers, ``annotated_types`` or pydantic's ``Field``, checked like pydantic.

``gt ge lt le multiple_of`` apply to numbers, ``min_length max_length`` to
strings, bytes and collections, ``pattern`` to strings (searched, not anchored:
pydantic's default regex engine matches anywhere).  Each failure carries
pydantic v2's error ``type``, wording and ``ctx``, and the *raw* input, as
pydantic reports it.  The checks run after conversion, so ``"5"`` meets
``gt=3`` as the integer 5.
"""

from __future__ import annotations

import collections.abc as cabc
import math
import re
import typing
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from asgiweb._validation.annotations import unwrap
from asgiweb._validation.scalars import Converter, fail, to_decimal_allowing_inf_nan

__all__ = ["ConstraintError", "constrain", "constraints_of", "plural"]


class ConstraintError(TypeError):
    """A constraint given for a type it cannot apply to (found at registration)."""


_DICT_ORIGINS = {dict, cabc.Mapping, cabc.MutableMapping}


_CONSTRAINT_NAMES = (
    "gt",
    "ge",
    "lt",
    "le",
    "multiple_of",
    "min_length",
    "max_length",
    "pattern",
    "max_digits",
    "decimal_places",
    "allow_inf_nan",
)


def constraints_of(objects: Iterable[Any]) -> dict[str, Any]:
    """Collect constraint values from markers, ``annotated_types`` objects and pydantic
    ``FieldInfo`` (whose ``metadata`` list holds ``annotated_types`` objects)."""
    found: dict[str, Any] = {}
    for obj in objects:
        for name in _CONSTRAINT_NAMES:
            value = getattr(obj, name, None)
            if value is not None and not callable(value):
                found[name] = value
        nested = getattr(obj, "metadata", None)
        if isinstance(nested, list):
            found.update(constraints_of(nested))
    return found


def _number_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _inf_nan(
    convert: Converter,
    base: Any,
    nullable: bool,
    allow: bool,
    checks: list[Callable[[Any, Any], None]],
) -> Converter:
    """Apply ``allow_inf_nan``: a float check (pydantic allows them by default), or the
    Decimal converter that lets them through (pydantic refuses them by default)."""
    if base is float:
        if not allow:

            def finite(value: Any, raw: Any) -> None:
                if not math.isfinite(value):
                    fail("finite_number", "Input should be a finite number", raw)

            checks.append(finite)
        return convert
    if base is Decimal:
        if not allow:
            return convert
        if not nullable:
            return to_decimal_allowing_inf_nan

        def optional_decimal(value: Any) -> Any:
            return None if value is None else to_decimal_allowing_inf_nan(value)

        return optional_decimal
    if base is int:
        return convert  # pydantic accepts the keyword on int and has nothing to check
    raise ConstraintError(f"allow_inf_nan applies to float and Decimal values, not {base!r}")


def _digit_count(value: Decimal) -> tuple[int, int]:
    """(digits, decimal places) of a finite Decimal, trailing zeros ignored, as pydantic
    counts them: ``100.00`` has 3 digits and no decimal place, ``0.001`` 3 and 3."""
    _, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0:
        return len(digits) + exponent, 0
    return max(len(digits), -exponent), -exponent


def _decimal_digits(
    base: Any, max_digits: int | None, decimal_places: int | None
) -> Callable[[Any, Any], None]:
    """The ``max_digits``/``decimal_places`` check, with pydantic's three error types."""
    if base is not Decimal:
        raise ConstraintError(
            f"max_digits and decimal_places apply to Decimal values, not {base!r}"
        )
    whole = None
    if max_digits is not None and decimal_places is not None:
        whole = max(max_digits - decimal_places, 0)

    def digits(value: Any, raw: Any) -> None:
        if not value.is_finite():
            return
        count, places = _digit_count(value)
        if max_digits is not None and count > max_digits:
            fail(
                "decimal_max_digits",
                f"Decimal input should have no more than {plural(max_digits, 'digit')} in total",
                raw,
                {"max_digits": max_digits},
            )
        if decimal_places is not None and places > decimal_places:
            fail(
                "decimal_max_places",
                f"Decimal input should have no more than {plural(decimal_places, 'decimal place')}",
                raw,
                {"decimal_places": decimal_places},
            )
        if whole is not None and count - places > whole:
            fail(
                "decimal_whole_digits",
                f"Decimal input should have no more than {plural(whole, 'digit')} "
                "before the decimal point",
                raw,
                {"whole_digits": whole},
            )

    return digits


def constrain(convert: Converter, tp: Any, limits: dict[str, Any]) -> Converter:
    """Wrap ``convert`` so its result is checked against ``limits`` (pydantic's wording)."""
    if not limits:
        return convert
    checks: list[Callable[[Any, Any], None]] = []
    base, _, nullable = unwrap(tp)  # a None value is never checked
    as_float = base is float
    if "allow_inf_nan" in limits:
        convert = _inf_nan(convert, base, nullable, bool(limits["allow_inf_nan"]), checks)
    if "max_digits" in limits or "decimal_places" in limits:
        checks.append(_decimal_digits(base, limits.get("max_digits"), limits.get("decimal_places")))

    def bound(name: str, kind: str, words: str, ok: Callable[[Any, Any], bool]) -> None:
        if name not in limits:
            return
        limit = float(limits[name]) if as_float else limits[name]
        msg = f"Input should be {words} {_number_text(limit)}"

        def check(value: Any, raw: Any) -> None:
            if not ok(value, limit):
                fail(kind, msg, raw, {name: limit})

        checks.append(check)

    bound("gt", "greater_than", "greater than", lambda v, lim: v > lim)
    bound("ge", "greater_than_equal", "greater than or equal to", lambda v, lim: v >= lim)
    bound("lt", "less_than", "less than", lambda v, lim: v < lim)
    bound("le", "less_than_equal", "less than or equal to", lambda v, lim: v <= lim)
    bound("multiple_of", "multiple_of", "a multiple of", lambda v, lim: v % lim == 0)

    origin = typing.get_origin(base) or base
    if origin in (str, bytes):
        unit = "String" if origin is str else "Data"
        noun = "character" if origin is str else "byte"
        if "min_length" in limits:
            low = limits["min_length"]
            short_msg = f"{unit} should have at least {plural(low, noun)}"
            short_kind = "string_too_short" if origin is str else "bytes_too_short"

            def too_short(value: Any, raw: Any) -> None:
                if len(value) < low:
                    fail(short_kind, short_msg, raw, {"min_length": low})

            checks.append(too_short)
        if "max_length" in limits:
            high = limits["max_length"]
            long_msg = f"{unit} should have at most {plural(high, noun)}"
            long_kind = "string_too_long" if origin is str else "bytes_too_long"

            def too_long(value: Any, raw: Any) -> None:
                if len(value) > high:
                    fail(long_kind, long_msg, raw, {"max_length": high})

            checks.append(too_long)
    elif "min_length" in limits or "max_length" in limits:
        field_type = {list: "List", set: "Set", frozenset: "Frozenset", tuple: "Tuple"}.get(
            origin, "Dictionary" if origin in _DICT_ORIGINS else "List"
        )
        low = limits.get("min_length")
        high = limits.get("max_length")
        # pydantic stops filling a set at its limit, so it reports no length.
        counted = origin not in (set, frozenset)

        def sized(value: Any, raw: Any) -> None:
            size = len(value)
            if low is not None and size < low:
                fail(
                    "too_short",
                    f"{field_type} should have at least {plural(low, 'item')} after validation, "
                    f"not {size}",
                    raw,
                    {"field_type": field_type, "min_length": low, "actual_length": size},
                )
            if high is not None and size > high:
                fail(
                    "too_long",
                    f"{field_type} should have at most {plural(high, 'item')} after validation, "
                    f"not {size if counted else 'more'}",
                    raw,
                    {
                        "field_type": field_type,
                        "max_length": high,
                        "actual_length": size if counted else None,
                    },
                )

        checks.append(sized)
    if "pattern" in limits:
        pattern_text = limits["pattern"]
        compiled = re.compile(pattern_text)
        pattern_msg = f"String should match pattern '{pattern_text}'"

        def matches(value: Any, raw: Any) -> None:
            if isinstance(value, str) and compiled.search(value) is None:
                fail("string_pattern_mismatch", pattern_msg, raw, {"pattern": pattern_text})

        checks.append(matches)

    def constrained(value: Any) -> Any:
        result = convert(value)
        if result is not None:
            for check in checks:
                check(result, value)
        return result

    return constrained
