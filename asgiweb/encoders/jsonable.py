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
from typing import Any, NamedTuple

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

__all__ = [
    "MissingDependencyError",
    "jsonable_encoder",
    "render_json",
    "render_orjson",
    "render_ujson",
    "require_orjson",
    "require_ujson",
]

IncEx = set[int] | set[str] | Mapping[int, Any] | Mapping[str, Any]


class _Options(NamedTuple):
    by_alias: bool
    exclude_unset: bool
    exclude_defaults: bool
    exclude_none: bool
    custom: Mapping[Any, Callable[[Any], Any]] | None


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
) -> Any:
    """Convert ``obj`` to plain JSON-compatible data, as FastAPI's function does.

    Use it to store or compare what a response would carry; responses do not
    call it (``render_json`` writes the same JSON without building this tree).
    """
    options = _Options(
        by_alias, exclude_unset, exclude_defaults, exclude_none, custom_encoder or None
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
    if kind in (DATACLASS, OTHER):
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
    plain = _Options(True, False, options.exclude_defaults, options.exclude_none, None)
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
    encoded: dict[Any, Any] = {}
    for key, value in data.items():
        if (value is None and drop_none) or (allowed is not None and key not in allowed):
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


def render_json(content: Any) -> bytes:
    """Compact UTF-8 JSON of ``content``, byte for byte FastAPI's JSONResponse body.

    Deliberately unlike FastAPI (which fails): a lone surrogate is written as a
    ``\\uXXXX`` escape, and an integral Decimal too long for ``int()`` as a
    string (see ``plans``).
    """
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
        target = plans.orjson_target(native_datetimes=True)
        _orjson = _Orjson(
            orjson.dumps,
            orjson.JSONEncodeError,
            option,
            target.default,
            suspect,
            exact,
            plans.orjson_target(native_datetimes=False).default,
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
        text = _ujson(
            content,
            ensure_ascii=False,
            escape_forward_slashes=False,
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
