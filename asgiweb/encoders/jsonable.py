"""JSON encoding: FastAPI's ``jsonable_encoder`` and the bytes JSONResponse sends.

Rules (the contract in ``docs/api.md``, "jsonable_encoder"):

- ``jsonable_encoder`` returns what FastAPI 0.165's returns; the type rules
  and their order are listed at the top of ``asgiweb/encoders/plans.py``.
  ``include``/``exclude`` filter the keys of the top-level mapping (a
  dataclass's fields, a dict's keys, a model's fields) and of each item of a
  top-level list; ``exclude_none`` drops None values from every mapping;
  ``by_alias``/``exclude_unset``/``exclude_defaults`` go to pydantic.
  ``custom_encoder`` is consulted first at every level (exact type, then
  ``isinstance`` in the mapping's order) and its result is used as it is.
- ``render_json(x)`` gives exactly
  ``json.dumps(jsonable_encoder(x), ensure_ascii=False, separators=(",", ":"),
  allow_nan=False).encode("utf-8")``; NaN and infinities raise ValueError.
- ``render_orjson``/``render_ujson`` give the same JSON value (parsed, not
  byte for byte) through those packages, except where the packages decide:
  - orjson writes NaN/infinity as ``null`` (as FastAPI's ORJSONResponse does);
    where its own datetime writer is used (orjson versions that write times
    right, see ``require_orjson``), it writes a UTC offset without its seconds
    (only historical local-mean-time zones have any: +00:09:21 becomes
    +00:09) and an aware datetime whose ``utcoffset()`` is None with +00:00;
  - ujson writes a Decimal outside dataclass fields as a float (``5.0`` for
    ``Decimal("5")``), a non-str dict key with ``str()`` (so Enum, datetime and
    bytes keys differ), and uses an object's ``toDict()``/``__json__()``.
  Anything else those packages refuse (non-str keys and ints over 64 bits
  for orjson, generators) is rendered by ``render_json``.

Where asgiweb departs from FastAPI on purpose: keys starting with ``_sa`` are
kept (FastAPI drops them for SQLAlchemy), an Enum's value is encoded in turn
(FastAPI returns it raw, so a UUID-valued Enum then fails in ``json.dumps``),
and ``custom_encoder`` sees dataclasses nested in dataclasses (FastAPI turns
them into dicts with ``dataclasses.asdict`` before looking).

Theory of operation. ``render_json`` never builds the intermediate
``jsonable_encoder`` tree: the C encoder of the standard ``json`` module walks
the data and calls a hook only for what it cannot write (UUID, datetime,
Decimal, dataclass...). The hook converts one level, through a converter
chosen once per exact class (``plans.PLANS``), the same converters
``jsonable_encoder`` uses, so there is one implementation of each rule. The C
walk differs from the reference in two places, both handled by restarting on
the reference path (``jsonable_encoder`` then the same C encoder): a dict key
that is not str/int/float/bool/None (the C encoder raises TypeError, the
reference encodes the key), and generators (walkable once; the hook refuses
them before consuming anything). Enum members that subclass str/int/float are
written by the C encoder as their str/int/float content, which is their value
unless a custom ``__new__`` makes the two differ; likewise a dataclass or
model that subclasses dict, list or tuple is written as that container.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from asgiweb.encoders import plans
from asgiweb.encoders.plans import (
    AGAIN,
    DATACLASS,
    FINAL,
    GENERATOR,
    IDENTITY,
    MAPPING,
    OTHER,
    PLANS,
    SEQUENCE,
    Retry,
)

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "MissingDependencyError",
    "RenderedJSON",
    "decimal_encoder",
    "is_out_of_range",
    "json_text",
    "jsonable_encoder",
    "null_for_nan",
    "render_json",
    "render_json_after",
    "render_orjson",
    "render_ujson",
    "require_orjson",
    "require_ujson",
    "scalar_writer",
    "utf8_body",
    "writer_namespace",
]

IncEx = set[int] | set[str] | Mapping[int, Any] | Mapping[str, Any]


class _Options(NamedTuple):
    by_alias: bool
    exclude_unset: bool
    exclude_defaults: bool
    exclude_none: bool
    custom: Mapping[Any, Callable[[Any], Any]] | None
    sqlalchemy_safe: bool = True


def _as_filter(keys: Any) -> Any:
    if keys is None or isinstance(keys, set | dict):
        return keys
    return set(keys)


def jsonable_encoder(
    obj: Any,
    include: IncEx | None = None,
    exclude: IncEx | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
    custom_encoder: Mapping[Any, Callable[[Any], Any]] | None = None,
    sqlalchemy_safe: bool = True,
) -> Any:
    """Convert ``obj`` to plain JSON-compatible data, as FastAPI's function does.

    Use it to store or compare what a response would carry; responses do not
    call it (``render_json`` writes the same JSON without building this tree).
    ``sqlalchemy_safe`` leaves out every str key starting with ``_sa`` (SQLAlchemy's
    ``_sa_instance_state``), as FastAPI does.
    """
    options = _Options(
        by_alias,
        exclude_unset,
        exclude_defaults,
        exclude_none,
        custom_encoder or None,
        sqlalchemy_safe,
    )
    return _encode(obj, _as_filter(include), _as_filter(exclude), options)


def _encode(obj: Any, include: Any, exclude: Any, options: _Options) -> Any:
    custom = options.custom
    if custom is not None:
        encoder = custom.get(type(obj))
        if encoder is None:
            for cls, candidate in custom.items():
                if isinstance(obj, cls):
                    encoder = candidate
                    break
        if encoder is not None:
            return encoder(obj)
    cls = type(obj)
    plan = PLANS.get(cls) or plans.plan(cls)
    kind, convert = plan
    if kind == IDENTITY:
        return obj
    if kind == FINAL:
        return convert(obj)
    if kind == MAPPING:
        return _encode_mapping(obj, include, exclude, options)
    if kind == OTHER:
        claimed = obj.__class__  # a proxy claiming a class FastAPI's isinstance accepts
        if claimed is not cls and isinstance(claimed, type):
            kind, convert = plans.by_instance(claimed)
            if kind == FINAL:
                return convert(obj)
            if kind == AGAIN:
                return _encode(convert(obj), include, exclude, options)
    if kind == OTHER:  # the _sa keys are the mapping's to drop (or keep)
        return _encode_mapping(plans.as_dict(obj, False), include, exclude, options)
    if kind == DATACLASS:
        return _encode_mapping(convert(obj), include, exclude, options)
    if kind in (SEQUENCE, GENERATOR):
        return [_encode(item, include, exclude, options) for item in obj]
    if kind == AGAIN:
        return _encode(convert(obj), None, None, options)
    # A pydantic model: FastAPI dumps it, then re-encodes the dump with only
    # exclude_none/exclude_defaults (no custom encoder, aliases already applied).
    data = obj.model_dump(
        mode="json",
        include=include,
        exclude=exclude,
        by_alias=options.by_alias,
        exclude_unset=options.exclude_unset,
        exclude_defaults=options.exclude_defaults,
        exclude_none=options.exclude_none,
    )
    plain = _Options(
        True, False, options.exclude_defaults, options.exclude_none, None, options.sqlalchemy_safe
    )
    return _encode(data, None, None, plain)


def _encode_mapping(data: Any, include: Any, exclude: Any, options: _Options) -> dict[Any, Any]:
    allowed: set[Any] | None = None
    if include is not None or exclude is not None:
        allowed = set(data.keys())
        if include is not None:
            allowed &= set(include)
        if exclude is not None:
            allowed -= set(exclude)
    drop_none = options.exclude_none
    safe = options.sqlalchemy_safe
    encoded: dict[Any, Any] = {}
    for key, value in data.items():
        if (value is None and drop_none) or (allowed is not None and key not in allowed):
            continue
        if safe and isinstance(key, str) and key.startswith("_sa"):
            continue
        encoded[_encode(key, None, None, options)] = _encode(value, None, None, options)
    return encoded


# --- render_json ---------------------------------------------------------------

_NAN_MESSAGE = "Out of range float values are not JSON compliant"


def _make_encoder() -> Callable[[Any], str]:
    try:
        from _json import encode_basestring, make_encoder
    except ImportError:  # pragma: no cover - interpreters without the C accelerator
        import json

        return json.JSONEncoder(
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
            check_circular=False,
            default=plans.JSON.default,
        ).encode

    # PERF: one C encoder for the process instead of JSONEncoder.encode, which
    # rebuilds it (and a closure) on every call: 0.48 vs 1.14 µs on
    # bench_encoder (a) (json.dumps with these options: 2.1 µs). markers=None:
    # no circular check; a cycle ends in RecursionError, as it does in
    # jsonable_encoder (the reference's first step).
    encoder = make_encoder(
        None, plans.JSON.default, encode_basestring, None, ":", ",", False, False, False
    )

    def encode(obj: Any) -> str:
        return "".join(encoder(obj, 0))

    return encode


_encode_c = _make_encoder()


def _out_of_range(exc: ValueError) -> ValueError:
    return ValueError(
        f"{exc}: JSON has no NaN or Infinity; replace such floats (or Decimals) "
        "with None or a string before returning them"
    )


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (from a JSON "\ud800" escape in a request) has no
        # UTF-8 form; JSON spells it as an escape (RFC 8259 §7), which
        # round-trips through json.loads.  Only a str can hold one, so every
        # match sits inside a JSON string.
        return _SURROGATE.sub(_escape_surrogate, text).encode("utf-8")


def _escape_surrogate(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def is_out_of_range(exc: ValueError) -> bool:
    """True for the error ``render_json`` raises for a NaN or an infinity."""
    return str(exc).startswith(_NAN_MESSAGE)


def null_for_nan(content: Any) -> Any:
    """``content`` as ``jsonable_encoder``'s plain data, a NaN or an infinity as None:
    what pydantic's JSON serialisation writes for them (FastAPI's response models)."""
    return _finite(jsonable_encoder(content))


def render_json_after(exc: ValueError, content: Any) -> bytes:
    """What a streamed item is written as once ``render_json(content)`` raised
    ``exc``: for a NaN or an infinity, the JSON with them as null, as pydantic writes
    FastAPI's streamed items (JSON Lines, Server-Sent Events); any other error is
    raised again.  Only on that error path: the loops try ``render_json`` first."""
    if not is_out_of_range(exc):
        raise exc
    return render_json(null_for_nan(content))


def _finite_key(key: Any) -> Any:
    """A key JSON can hold: a NaN or an infinity as pydantic writes it as a key."""
    if isinstance(key, float) and key - key != 0.0:
        return "NaN" if key != key else ("Infinity" if key > 0 else "-Infinity")
    return key


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if data - data == 0.0 else None
    if isinstance(data, dict):
        return {_finite_key(key): _finite(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_finite(item) for item in data]
    return data


class RenderedJSON:
    """A body a compiled renderer already wrote (``render_json``'s bytes for a value).

    Made only by the response-model step (``asgiweb._endpoint.response``) for a
    response class that renders with ``render_json``: it hands the body on.
    """

    __slots__ = ("body",)

    def __init__(self, body: bytes) -> None:
        self.body = body


def render_json(content: Any) -> bytes:
    """Compact UTF-8 JSON of ``content``, byte for byte FastAPI's JSONResponse body.

    Deliberately unlike FastAPI (which fails): a lone surrogate is written as a
    ``\\uXXXX`` escape, and an integral Decimal too long for ``int()`` as a
    string (see ``plans``).
    """
    if type(content) is RenderedJSON:
        return content.body
    try:
        return _utf8(_encode_c(content))
    except (Retry, TypeError):
        pass  # an odd dict key or a generator: only the reference path is right
    except ValueError as exc:
        if str(exc).startswith(_NAN_MESSAGE):
            raise _out_of_range(exc) from None
        raise
    try:
        return _utf8(_encode_c(jsonable_encoder(content)))
    except ValueError as exc:
        if str(exc).startswith(_NAN_MESSAGE):
            raise _out_of_range(exc) from None
        raise


# --- compiled writers: JSON text of one exact-class value, as straight-line code ----
#
# The response-model step compiles, per model, a function that checks a value and
# writes its JSON text in one pass (``asgiweb._endpoint.response``).  What such a
# function writes must be exactly the text ``render_json`` writes for the same value
# before its UTF-8 step, so the value-level knowledge lives here, next to that path:
# ``json_text`` is the very encoder ``render_json`` uses, and ``scalar_writer`` gives
# code for the classes whose conversion costs most through the encoder's hook.


def json_text(content: Any) -> str:
    """The JSON text ``render_json`` encodes to UTF-8 (its first attempt).

    Raises TypeError or ``plans.Retry`` where ``render_json`` would restart on the
    reference path, and ValueError for NaN or infinities.
    """
    return _encode_c(content)


# ``render_json``'s last step: UTF-8, a lone surrogate written as an escape.
utf8_body = _utf8


_DIGITS2 = tuple(f"{n:02d}" for n in range(100))
_TZ_SUFFIXES: dict[Any, str] = {}
# Decimal strings below 0.001 (repr() may spell their float in exponent notation).
_SMALL_DECIMALS = ("0.000", "-0.000")


def _tz_suffix(zone: Any) -> str | None:
    """What ``isoformat`` appends for ``zone``, a ``datetime.timezone``: its offset
    is the same for every datetime, so it is worked out once per zone."""
    from datetime import datetime

    suffix = datetime(2000, 1, 1, tzinfo=zone).isoformat()[19:]
    if len(_TZ_SUFFIXES) < 256:
        _TZ_SUFFIXES[zone] = suffix
    return suffix


def writer_namespace() -> dict[str, Any]:
    """The names the code of ``scalar_writer`` refers to."""
    from datetime import timezone
    from json.encoder import encode_basestring

    return {
        "_wJT": _encode_c,
        "_wENC": encode_basestring,
        "_wTZ": _TZ_SUFFIXES,
        "_wTZONE": timezone,
        "_wTZSUFFIX": _tz_suffix,
        "_wD2": _DIGITS2,
        "_wSMALL": _SMALL_DECIMALS,
        "_wBOOL": ("false", "true"),
    }


# PERF (benchmarks/bench_encoder.py (b), per value): str(uuid) 500 ns, this 400;
# an aware datetime's isoformat() 790 ns, this 420 (format specs such as :04d cost
# 170 ns each: two-digit strings from a table instead); a Decimal through float()
# and repr() 450 ns, its str() checked 190.  Each keeps to the common case and hands
# anything else to ``_wJT`` (the encoder itself).
# Per class: code lines (may be empty), then the text as f-string pieces: literal
# text at even indices, expressions at odd ones ($v the value, $t a variable the code
# set, $k a prefix for temporaries).  A caller may splice the pieces into its own
# f-string (PERF: one string built per record instead of one per field).
_TEXT = ["", "$t", ""]
_WRITERS: dict[tuple[str, str], tuple[str, list[str]]] = {
    ("builtins", "str"): ("", ["", "_wENC($v)", ""]),
    ("builtins", "bool"): ("", ["", "_wBOOL[$v]", ""]),
    ("builtins", "NoneType"): ("", ["null"]),
    # int: an f-string writes an exact int as repr() does (and fails past 4300 digits,
    # as the encoder does); a float likewise, once NaN and infinities are ruled out.
    ("builtins", "int"): ("", ["", "$v", ""]),
    ("builtins", "float"): ("$t = f'{$v}' if $v - $v == 0.0 else _wJT($v)", _TEXT),
    ("uuid", "UUID"): (
        "$kh = $v.int.to_bytes(16).hex()",
        [
            '"',
            "$kh[:8]",
            "-",
            "$kh[8:12]",
            "-",
            "$kh[12:16]",
            "-",
            "$kh[16:20]",
            "-",
            "$kh[20:]",
            '"',
        ],
    ),
    ("datetime", "date"): ("", ['"', "$v.isoformat()", '"']),
    ("datetime", "datetime"): (
        "$kz = $v.tzinfo\n"
        "if $kz is None: $ks = ''\n"
        "elif type($kz) is _wTZONE: $ks = _wTZ.get($kz) or _wTZSUFFIX($kz)\n"
        "else: $ks = None\n"
        "if $ks is None: $t = _wJT($v)\n"
        "else:\n"
        "    $ku = $v.microsecond\n"
        "    $ky = $v.year\n"
        "    $kf = f'.{_wD2[$ku // 10000]}{_wD2[$ku // 100 % 100]}{_wD2[$ku % 100]}' "
        "if $ku else ''\n"
        "    $t = f'\"{_wD2[$ky // 100]}{_wD2[$ky % 100]}-{_wD2[$v.month]}-{_wD2[$v.day]}T"
        "{_wD2[$v.hour]}:{_wD2[$v.minute]}:{_wD2[$v.second]}{$kf}{$ks}\"'",
        _TEXT,
    ),
    # A plain decimal string of at most 14 digits, its fraction's trailing zeros
    # dropped, is what repr(float(d)) writes when a fraction remains (shortest round
    # trip, positional from 1e-4 up); one without a point is an integer, which the
    # encoder writes as int(d).
    ("decimal", "Decimal"): (
        "$t = str($v)\n"
        "if '.' not in $t:\n"
        "    if len($t) > 15 or not $t.isdigit(): $t = _wJT($v)\n"
        "else:\n"
        "    if $t[-1] == '0': $t = $t.rstrip('0')\n"
        "    if len($t) > 15 or 'E' in $t or 'e' in $t or $t[-1] == '.' "
        "or $t.startswith(_wSMALL): $t = _wJT($v)",
        _TEXT,
    ),
}


def scalar_writer(
    cls: type, value: str, text: str, prefix: str
) -> tuple[list[str], list[str]] | None:
    """How to write ``value``, an instance of exactly ``cls``, as ``render_json``
    does: code lines (which may set the variable ``text``; temporaries are named
    from ``prefix``, other names come from ``writer_namespace``) and the JSON text as
    f-string pieces (literal text at even indices, expressions at odd ones); None
    for a class without a writer of its own."""
    found = _WRITERS.get((cls.__module__, cls.__qualname__))
    if found is None:
        return None

    def fill(code: str) -> str:
        return code.replace("$v", value).replace("$t", text).replace("$k", prefix)

    code, pieces = found
    return ([fill(line) for line in code.split("\n")] if code else []), [fill(p) for p in pieces]


# --- orjson / ujson ----------------------------------------------------------------


class MissingDependencyError(ImportError):
    """An optional package a response class needs is not installed."""


class _Orjson(NamedTuple):
    dumps: Callable[..., bytes]
    error: type[Exception]
    option: int  # orjson writes datetimes itself...
    default: Callable[[Any], Any]
    suspect: Callable[[bytes], object] | None  # ...unless this finds a mis-written time
    exact_option: int  # every datetime through the hook
    exact_default: Callable[[Any], Any]
    dataclasses: dict[type, Callable[[Any], Any]]  # the hook's converters, by class


_orjson: _Orjson | None = None
_ujson: Callable[..., str] | None = None


def _import(package: str, user: str) -> Any:
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{user} needs the {package!r} package: pip install {package}", name=package
        ) from exc


def require_orjson() -> None:
    """Fail early (at response construction) when orjson is missing."""
    global _orjson
    if _orjson is None:
        orjson = _import("orjson", "ORJSONResponse")
        # Dataclasses always go through the hook: orjson's own writer skips
        # fields whose name starts with "_" and writes attributes that are not
        # fields. Datetimes are written by orjson (PERF: a hook per datetime and
        # date costs ~60% more on bench_encoder (b)), except that orjson 3.13
        # writes time(0, 0, 0, 10000) as "00:00:00.10000": where it does, a body
        # holding a 5-digit fraction at the end of a string (1.6 µs to look for
        # on bench (b)) is written again with every datetime through the hook.
        from datetime import time

        option = orjson.OPT_PASSTHROUGH_DATACLASS
        exact = option | orjson.OPT_PASSTHROUGH_DATETIME
        suspect = None
        if orjson.dumps(time(0, 0, 0, 10000)) != b'"00:00:00.010000"':
            import re

            suspect = re.compile(rb'\.\d{5}"').search
        fragment = getattr(orjson, "Fragment", None)  # orjson 3.9.?+: pre-written JSON
        target = plans.orjson_target(native_datetimes=True, fragment=fragment)
        _orjson = _Orjson(
            orjson.dumps,
            orjson.JSONEncodeError,
            option,
            target.default,
            suspect,
            exact,
            plans.orjson_target(native_datetimes=False, fragment=fragment).default,
            target.dataclasses,
        )


def require_ujson() -> None:
    """Fail early (at response construction) when ujson is missing."""
    global _ujson
    if _ujson is None:
        _ujson = _import("ujson", "UJSONResponse").dumps


def render_orjson(content: Any) -> bytes:
    """The same JSON value as ``render_json``, written by orjson."""
    if _orjson is None:
        require_orjson()
    assert _orjson is not None
    dumps, error, option, default, suspect, exact_option, exact_default, dataclasses = _orjson
    try:
        data = content
        if type(content) is list and content:
            # PERF: a list of dataclasses (a typical list endpoint) is converted
            # here, with the very converters the hook would call: orjson's call of
            # its default= hook costs more than the conversion's own Python call
            # (bench_encoder (b): 27.9 -> 22 µs for 20 records).
            cls = type(content[0])
            convert = dataclasses.get(cls)
            if convert is not None:
                data = [convert(item) if type(item) is cls else item for item in content]
        body = dumps(data, default=default, option=option)
        # PERF: `46 in body` (46 is ".") is 4x faster than `b"." in body`.
        if suspect is None or 46 not in body or suspect(body) is None:
            return body
        return dumps(content, default=exact_default, option=exact_option)
    except (error, Retry):
        # What orjson refuses (non-str keys, ints over 64 bits, a generator, a
        # tz-aware time...) gets the standard path, which is always right.
        return render_json(content)


def render_ujson(content: Any) -> bytes:
    """The same JSON value as ``render_json``, written by ujson (see module notes)."""
    if _ujson is None:
        require_ujson()
    assert _ujson is not None
    try:
        # ujson's own default escapes "/" as "\/", which FastAPI's UJSONResponse
        # keeps: the same bytes as FastAPI's for the same data (valid JSON either way).
        text = _ujson(
            content,
            ensure_ascii=False,
            allow_nan=False,
            default=plans.JSON.default,
        )
    except Retry:
        return render_json(content)
    except OverflowError as exc:
        if "encoding double" in str(exc):
            raise _out_of_range(ValueError(_NAN_MESSAGE)) from None
        raise
    return _utf8(text)


def decimal_encoder(dec_value: Decimal) -> int | float:
    """FastAPI's ``decimal_encoder``: an ``int`` when the Decimal has no negative
    exponent (``Decimal("1")`` -> 1), else a ``float`` (``Decimal("1.0")`` -> 1.0;
    NaN -> ``nan``). ``jsonable_encoder`` applies the same rule, keeping the Decimal's
    string where neither type can hold it (docs/api.md, "jsonable_encoder")."""
    exponent = dec_value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= 0:
        return int(dec_value)
    return float(dec_value)
