"""Per-class encoding plans shared by ``jsonable_encoder`` and the render hooks.

A plan says, once per exact class, what FastAPI's ``jsonable_encoder`` does to
an instance of it (checked in FastAPI 0.165's order, first match wins):

1. pydantic v2 model -> ``model_dump(mode="json", ...)``
2. dataclass -> dict of its fields (never ``dataclasses.asdict``: it deep-copies)
3. Enum -> its value, itself encoded
4. PurePath -> ``str()``
5. str, int, float, None (and subclasses) -> as they are
6. pydantic's ``PydanticUndefined`` -> None
7. dict -> dict, keys encoded too
8. list, set, frozenset, generator, tuple, deque -> list
9. bytes -> utf-8 str; UUID, IP addresses/interfaces/networks, Path and
   pydantic's url/secret/color/name-email types -> ``str()``; date, datetime,
   time -> ``isoformat()``; timedelta -> total seconds; Decimal -> int when its
   exponent is >= 0, else float (deliberately: its string when too long for
   either, where FastAPI fails); ``re.Pattern`` -> its pattern
10. anything else -> ``dict(obj)``, else ``vars(obj)``, else ValueError

Plans are chosen by the exact class, which is what ``isinstance`` sees for any
ordinary object.  An object whose ``__class__`` claims another class than its
type (a lazy proxy reporting ``UUID``) passes FastAPI's ``isinstance`` checks;
only when its exact class has no plan of its own (rule 10) is the claimed class
consulted (``by_instance``), its conversions then called through the instance
(``str(obj)``, ``obj.isoformat()``...).  A claimed dataclass is not one for
FastAPI either (``dataclasses.is_dataclass`` looks at the type): rule 10.

Classes are recognised without importing their modules: a class can only be a
UUID (or a pydantic model...) if ``uuid`` (or ``pydantic.main``) is already in
``sys.modules``, so importing asgiweb pulls in none of them.
"""

from __future__ import annotations

import keyword
import operator
import sys
from collections.abc import Callable
from types import GeneratorType
from typing import Any

from asgiweb._foreign import loaded_class

# Plan kinds: what ``jsonable_encoder`` does with the converter's result.
IDENTITY = 0  # JSON-native already (str/int/float/None and subclasses)
FINAL = 1  # converter returns a JSON scalar
AGAIN = 2  # converter returns a value to encode in turn (Enum value, pattern)
MODEL = 3  # pydantic model: model_dump, options passed through
DATACLASS = 4  # converter returns {field: value}; include/exclude apply
MAPPING = 5  # dict and subclasses
SEQUENCE = 6  # list/tuple/set/frozenset/deque and subclasses
GENERATOR = 7  # generators: one pass only
OTHER = 8  # converter tries dict(obj), then vars(obj)

Converter = Callable[[Any], Any]
Plan = tuple[int, Converter]


class Retry(Exception):
    """Raised by a render hook when only the reference path gives the right bytes.

    Generators (and iterators reached through ``dict(obj)``) can be walked only
    once; a hook raises this *before* consuming one, so the caller can restart
    on ``jsonable_encoder`` with the data untouched.
    """


# Exact class -> plan. PERF: deciding a UUID's plan walks the rules below in
# 4.4 µs; the cached lookup is 40 ns, paid per value instead.
PLANS: dict[type, Plan] = {}

_STR_TYPES = (
    ("pydantic.color", "Color"),
    ("pydantic_extra_types.color", "Color"),
    ("ipaddress", "IPv4Address"),
    ("ipaddress", "IPv4Interface"),
    ("ipaddress", "IPv4Network"),
    ("ipaddress", "IPv6Address"),
    ("ipaddress", "IPv6Interface"),
    ("ipaddress", "IPv6Network"),
    ("pydantic.networks", "NameEmail"),
    ("pathlib", "Path"),
    ("pydantic.types", "SecretBytes"),
    ("pydantic.types", "SecretStr"),
    ("uuid", "UUID"),
    ("pydantic_core", "Url"),
    ("pydantic.networks", "AnyUrl"),
)

_enum_value: Converter = operator.attrgetter("value")


def _is(cls: type, module: str, name: str) -> bool:
    base = loaded_class(module, name)
    return base is not None and issubclass(cls, base)


def _unbound(cls: type, name: str) -> Converter:
    """The class's own function for ``name``: honours overrides, skips ``str()``'s dispatch."""
    method: Converter = getattr(cls, name)
    return method


def _through_instance(_cls: type, name: str) -> Converter:
    """``obj.name()``: for an object that only claims the class (a proxy)."""
    return operator.methodcaller(name)


def _none(_obj: object) -> None:
    return None


def _pattern(obj: Any) -> Any:
    return obj.pattern


def _decimal(value: Any) -> int | float | str:
    _, digits, exponent = value.as_tuple()
    if isinstance(exponent, int) and exponent >= 0:
        limit = sys.get_int_max_str_digits()
        if limit and len(digits) + exponent > limit:
            # Deliberately unlike FastAPI (a 500): an int this long cannot be
            # written by json (nor built cheaply: 1E+999999999), so the number
            # goes out as its Decimal string.
            return str(value)
        return int(value)
    number = float(value)
    if number - number != 0.0 and value.is_finite():
        return str(value)  # beyond float's range: as above, its Decimal string
    return number


def _exact_decimal(value: Any) -> int | float | str:
    # PERF: float() first (what the hand-written floor of bench_encoder (b)
    # pays anyway): a finite float with a fraction can only come from a
    # negative exponent, so the usual price-like Decimal costs one test more
    # than float(); as_tuple() alone costs 3x float() (670 vs 220 ns).
    number: float = value.__float__()
    if number.is_integer() or number - number != 0.0:  # integral, inf or nan
        text = value.__str__()
        if "E" in text or not text[-1].isdigit() or len(text) > 4000 or number - number != 0.0:
            return _decimal(value)  # scientific notation, NaN, Infinity, very long
        return number if "." in text else int(text)
    return number


def as_dict(obj: Any, sqlalchemy_safe: bool = True) -> Any:
    """FastAPI's last resort: ``dict(obj)``, else ``vars(obj)``, else ValueError;
    ``sqlalchemy_safe``: without the str keys starting with ``_sa``, which FastAPI's
    ``jsonable_encoder`` drops (an ORM row's ``_sa_instance_state``)."""
    try:
        found = dict(obj)
    except Exception as first:
        try:
            found = vars(obj)
        except Exception:
            cls = type(obj)
            raise ValueError(
                f"Object of type {cls.__module__}.{cls.__qualname__} is not JSON "
                f"serializable (dict() failed: {first}; it has no __dict__); pass "
                "custom_encoder={type: function} or convert it first"
            ) from first
    if sqlalchemy_safe and any(type(k) is str and k.startswith("_sa") for k in found):
        return {k: v for k, v in found.items() if not (type(k) is str and k.startswith("_sa"))}
    return found


def _field_names(cls: type) -> tuple[str, ...]:
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(cls))


# A guard: (class, converter), or (class, None, nested guards) to convert a nested
# dataclass of that class inline, its own guards applied to its fields.
Guard = tuple[type, Converter] | tuple[type, None, dict[int, Any]]


def _identifiers(names: tuple[str, ...]) -> bool:
    return all(n.isidentifier() and not keyword.iskeyword(n) for n in names)


def _emit(
    lines: list[str],
    namespace: dict[str, Any],
    source: str,
    prefix: str,
    names: tuple[str, ...],
    guards: dict[int, Guard],
    indent: str,
) -> None:
    """Append the lines that load ``source``'s fields into ``{prefix}0``, ``{prefix}1``...,
    apply the guards, and build the dict: returned at the top level, assigned to the
    outer variable (``prefix`` without its "_") for a nested dataclass."""
    for index, name in enumerate(names):
        var = f"{prefix}{index}"
        lines.append(f"{indent}{var} = {source}.{name}")
        guard = guards.get(index)
        if guard is None:
            continue
        namespace[f"T{var}"] = guard[0]
        if guard[1] is _exact_decimal:
            # PERF: the usual fractional Decimal inline, no call (bench_encoder (b):
            # ~2 µs of 23 for 20 records). A finite float with a fraction can only
            # come from a negative exponent: FastAPI's float(). Integral values,
            # infinities and NaN (x % 1.0 is 0 or NaN) go to the converter.
            namespace[f"C{var}"], namespace["_float"] = guard[1], float
            lines.append(f"{indent}if _type({var}) is T{var}:")
            inner = indent + "    "
            if "_fragment" in namespace:
                # PERF: a serializer that takes pre-written JSON (orjson's Fragment)
                # gets a short plain Decimal as its own digits: the float it would
                # write has those very digits (at most 15 significant ones, no
                # trailing zero, written plainly above 1e-5), without float()'s
                # string round trip (bench_encoder (b): ~100 ns per Decimal;
                # tests/encoders/test_orjson_decimals.py checks the bytes).
                namespace["_str"] = guard[0].__str__  # Decimal's own
                lines.append(f"{inner}s = _str({var})")
                lines.append(
                    f'{inner}if len(s) < 17 and s[-1] in "123456789" and "E" not in s'
                    ' and "0.0000" not in s:'
                )
                lines.append(f"{inner}    {var} = _fragment(s)")
                lines.append(f"{inner}else:")
                inner += "    "
            lines.append(f"{inner}f = _float({var})")
            lines.append(f"{inner}{var} = f if 0.0 < f % 1.0 else C{var}({var})")
            continue
        if guard[1] is not None:
            namespace[f"C{var}"] = guard[1]
            lines.append(f"{indent}if _type({var}) is T{var}: {var} = C{var}({var})")
            continue
        nested: dict[int, Any] = guard[2]
        lines.append(f"{indent}if _type({var}) is T{var}:")
        inner_names = _field_names(guard[0])
        _emit(lines, namespace, var, f"{var}_", inner_names, nested, indent + "    ")
    body = ", ".join(f"{name!r}: {prefix}{index}" for index, name in enumerate(names))
    if indent == "    ":
        lines.append(f"{indent}return {{{body}}}")
    else:  # nested: the dict replaces the dataclass in the outer variable
        lines.append(f"{indent}{prefix[:-1]} = {{{body}}}")


def _generate(
    cls: type, guards: dict[int, Guard], fragment: Callable[[str], Any] | None = None
) -> Converter:
    """Build ``convert(obj) -> {field: value}`` for a dataclass, as straight-line code.

    ``guards`` maps a field's index to (class, converter): when that field
    holds exactly that class, the converter is applied here instead of in a
    serializer hook; (class, None, nested guards) converts a nested dataclass
    of that class inline, to a dict of its fields. Any other value is left as
    it is, for the serializer to write or hook, so a guard can only save work,
    never change the result.
    """
    names = _field_names(cls)
    if not _identifiers(names):

        def convert_slow(obj: Any) -> dict[str, Any]:
            return {name: getattr(obj, name) for name in names}

        return convert_slow
    # PERF: a generated dict display with plain attribute loads is ~2.5x faster
    # than a comprehension over getattr (160 vs 410 ns for 5 fields); guards
    # cut the C-to-Python hook calls of bench_encoder (b) from 6 per record to
    # 1, and its time from 94 to 84 µs; a nested dataclass converted inline
    # saves a call per record (12.5 -> 11.7 µs for the 20 records' conversion).
    lines = ["def convert(obj):"]
    namespace: dict[str, Any] = {"_type": type}
    if fragment is not None:
        namespace["_fragment"] = fragment
    _emit(lines, namespace, "obj", "v", names, guards, "    ")
    exec("\n".join(lines), namespace)
    convert: Converter = namespace["convert"]
    convert.__qualname__ = f"fields_of[{cls.__qualname__}]"
    return convert


def _decide(cls: type, method: Callable[[type, str], Converter] = _unbound) -> Plan:
    if _is(cls, "pydantic.main", "BaseModel"):
        return MODEL, _model_dumper(cls)
    if hasattr(cls, "__dataclass_fields__"):
        return DATACLASS, _generate(cls, {})
    if _is(cls, "enum", "Enum"):
        return AGAIN, _enum_value
    if _is(cls, "pathlib", "PurePath"):
        return FINAL, method(cls, "__str__")
    if issubclass(cls, str):
        return IDENTITY, str.__str__  # the hooks' exact-str copy of a subclass
    if issubclass(cls, int):
        return IDENTITY, int.__int__
    if issubclass(cls, float):
        return IDENTITY, float.__float__
    if cls is type(None):
        return IDENTITY, _none
    if _is(cls, "pydantic_core", "PydanticUndefinedType"):
        return FINAL, _none
    if issubclass(cls, dict):
        return MAPPING, dict
    if issubclass(cls, GeneratorType):
        return GENERATOR, list
    if issubclass(cls, list | set | frozenset | tuple) or _is(cls, "collections", "deque"):
        return SEQUENCE, list
    if issubclass(cls, bytes):
        return FINAL, method(cls, "decode")
    if any(_is(cls, module, name) for module, name in _STR_TYPES):
        return FINAL, method(cls, "__str__")
    if _is(cls, "datetime", "date") or _is(cls, "datetime", "time"):
        return FINAL, method(cls, "isoformat")
    if _is(cls, "datetime", "timedelta"):
        return FINAL, method(cls, "total_seconds")
    if _is(cls, "decimal", "Decimal"):
        return FINAL, _exact_decimal if cls is loaded_class("decimal", "Decimal") else _decimal
    if _is(cls, "re", "Pattern"):
        return AGAIN, _pattern
    return OTHER, as_dict


def _dump_model(obj: Any) -> Any:
    return obj.model_dump(mode="json", by_alias=True)


def _serialize_model(obj: Any) -> Any:
    return obj.__pydantic_serializer__.to_python(obj, mode="json", by_alias=True)


def _model_dumper(cls: type) -> Converter:
    # PERF: BaseModel.model_dump only forwards to the serializer; calling it
    # directly saves ~25% per model (940 vs 1270 ns for a 3-field model). A
    # class that overrides model_dump keeps its override, as in FastAPI.
    base = loaded_class("pydantic.main", "BaseModel")
    overridden = base is None or getattr(cls, "model_dump", None) is not vars(base).get(
        "model_dump"
    )
    return _dump_model if overridden else _serialize_model


def _retry(_obj: object) -> Any:
    raise Retry


def plan(cls: type) -> Plan:
    """Compute, cache and return the plan for ``cls``."""
    decided = PLANS[cls] = _decide(cls)
    return decided


# Claimed class -> plan for an object that is not really an instance of it.
BY_INSTANCE: dict[type, Plan] = {}


def by_instance(claimed: type) -> Plan:
    """The plan for an object whose ``__class__`` is ``claimed`` but whose type is
    not: ``FINAL`` (the converter's result is JSON), ``AGAIN`` (encode the
    result in turn) or ``OTHER`` (rule 10, as for any unknown object)."""
    found = BY_INSTANCE.get(claimed)
    if found is not None:
        return found
    kind, convert = _decide(claimed, _through_instance)
    if kind == IDENTITY:  # the JSON value the claim stands for, as a real one
        kind = FINAL
        convert = next((b for b in (bool, str, int, float) if issubclass(claimed, b)), _none)
    elif kind == MODEL:
        kind, convert = AGAIN, _dump_model
    elif kind in (MAPPING, SEQUENCE):
        kind = AGAIN
    elif kind in (DATACLASS, GENERATOR):
        kind, convert = OTHER, as_dict
    elif convert is _exact_decimal:
        convert = _decimal
    BY_INSTANCE[claimed] = kind, convert
    return kind, convert


def as_claimed(obj: Any) -> Any:
    """Rule 10 for the render hooks: the claimed class's conversion when ``obj``
    claims one (see the module docstring), else ``dict(obj)``/``vars(obj)``."""
    claimed = obj.__class__
    if claimed is not type(obj) and isinstance(claimed, type):
        kind, convert = by_instance(claimed)
        if kind != OTHER:
            return convert(obj)
    return as_dict(obj)


class Target:
    """One serializer's hook table: what it writes itself needs no converting.

    A dataclass's render converter is specialised on the first instance seen:
    a field holding a class the serializer cannot write gets a guard that
    converts it inline (see ``_generate``).
    """

    def __init__(
        self, writes_itself: Callable[[type], bool], fragment: Callable[[str], Any] | None = None
    ) -> None:
        self.writes_itself = writes_itself
        # the serializer's wrapper for text it writes as is (orjson.Fragment), if any
        self.fragment = fragment
        self.building: set[type] = set()  # dataclasses being specialised
        hooks: dict[type, Converter] = {}
        self.hooks = hooks
        # the dataclasses among them: a list of those can be converted before the
        # serializer walks it (see ``encoders.render_orjson``)
        self.dataclasses: dict[type, Converter] = {}
        compute = self.hook

        def default(obj: Any) -> Any:
            """The serializer's ``default=`` hook: one level, by exact class.

            The serializer walks containers itself and calls this only for what
            it cannot write; what this returns is written (and hooked) in turn.
            """
            cls = type(obj)
            try:
                convert = hooks[cls]
            except KeyError:
                convert = compute(cls, obj)
            return convert(obj)

        self.default = default

    def hook(self, cls: type, sample: Any) -> Converter:
        kind, convert = PLANS.get(cls) or plan(cls)
        if kind == GENERATOR or (kind == OTHER and hasattr(cls, "__next__")):
            convert = _retry
        elif kind == OTHER:
            convert = as_claimed
        elif kind == DATACLASS:
            convert = self.dataclasses[cls] = self._specialise(cls, sample)
        self.hooks[cls] = convert
        return convert

    def _specialise(self, cls: type, sample: Any) -> Converter:
        return _generate(cls, self._guards(cls, sample, inline=True), self.fragment)

    def _guards(self, cls: type, sample: Any, inline: bool) -> dict[int, Guard]:
        guards: dict[int, Guard] = {}
        self.building.add(cls)
        try:
            for index, name in enumerate(_field_names(cls)):
                value = getattr(sample, name, None)
                field_cls = type(value)
                if self.writes_itself(field_cls):
                    continue
                kind, convert = PLANS.get(field_cls) or plan(field_cls)
                if kind == FINAL:
                    guards[index] = field_cls, convert
                elif kind == DATACLASS and field_cls not in self.building:
                    if inline and _identifiers(_field_names(field_cls)):
                        # one level deep: the nested class's fields get guards, not inlining
                        guards[index] = field_cls, None, self._guards(field_cls, value, False)
                        continue
                    # PERF: the nested converter itself, not the dispatching
                    # hook: ~80 ns per record of bench_encoder (b).
                    nested = self.hooks.get(field_cls) or self.hook(field_cls, value)
                    guards[index] = field_cls, nested
                elif kind in (AGAIN, MODEL, DATACLASS):
                    guards[index] = field_cls, self.default  # found per call: cycles are fine
        finally:
            self.building.discard(cls)
        return guards


_NATIVE = (str, int, float, list, tuple, dict, type(None))


def _json_writes(cls: type) -> bool:
    return issubclass(cls, _NATIVE)


_ORJSON_UUID = {("uuid", "UUID")}
# Not time: orjson 3.13 mis-writes some (see encoders.require_orjson), and a
# time in a dataclass field costs no more converted inline.
_ORJSON_DATETIMES = {("datetime", "datetime"), ("datetime", "date")}


def orjson_target(
    native_datetimes: bool, fragment: Callable[[str], Any] | None = None
) -> Target:
    """The hook table for orjson, with or without its own datetime writer;
    ``fragment`` is ``orjson.Fragment`` where this orjson has it."""
    exact = _ORJSON_UUID | _ORJSON_DATETIMES if native_datetimes else _ORJSON_UUID

    def writes_itself(cls: type) -> bool:
        # Exact classes only: orjson hooks subclasses of UUID and datetime;
        # dataclasses always go through the hook (see encoders.py).
        if issubclass(cls, str | int | list | dict) or cls in (float, tuple, type(None)):
            return True
        return (cls.__module__, cls.__qualname__) in exact or _is(cls, "enum", "Enum")

    return Target(writes_itself, fragment)


JSON = Target(_json_writes)  # the standard library's C encoder, and ujson
