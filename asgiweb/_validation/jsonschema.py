"""JSON Schema (draft 2020-12, as OpenAPI 3.1 uses it) for the annotations asgiweb validates.

The schema of a type is what pydantic v2 generates for the same type (with
FastAPI's spelling of ``bytes``), so an OpenAPI document reads the same
whether or not pydantic is installed (docs/openapi.md).  Scalars, ``Enum``,
``Literal``, unions, containers, ``Annotated`` constraints and documentation
keywords, dataclasses and TypedDicts are described here; a pydantic model
describes itself (``model_json_schema``), its nested classes included.

A class is a named definition, referred to by ``$ref``.  While a document is
being built a reference is a ``Ref`` placeholder (the class and the mode);
``SchemaGenerator.definitions()`` decides the names at the end, by pydantic's
rule (``_pick_names``): the class name, ``Name-Input`` / ``Name-Output`` when a
class is used in both modes and its two schemas differ, the module path when
classes with different schemas share a name.  ``resolve_refs`` then turns
placeholders into ``#/components/...`` strings.  Nothing here runs per request.
"""

from __future__ import annotations

import collections
import collections.abc as cabc
import dataclasses
import datetime
import enum
import inspect
import re
import types
import typing
import uuid
from decimal import Decimal
from typing import Any, Literal

from asgiweb._validation.annotations import substitute_type_vars
from asgiweb._validation.compiler import is_pydantic_model, is_typeddict
from asgiweb._validation.constraints import constraints_of
from asgiweb._validation.metadata import understood
from asgiweb._validation.pydantic_types import pydantic_adapter

__all__ = [
    "REF_TEMPLATE",
    "Mode",
    "Ref",
    "SchemaGenerator",
    "field_title",
    "json_schema",
    "pydantic_fields",
    "pydantic_schema_generator",
    "resolve_refs",
]

Mode = Literal["validation", "serialization"]
REF_TEMPLATE = "#/components/schemas/{model}"
_NONE_TYPE = type(None)
_LIST_ORIGINS = {
    list,
    collections.deque,
    cabc.Sequence,
    cabc.MutableSequence,
    cabc.Iterable,
    cabc.Collection,
}
_SET_ORIGINS = {set, frozenset, cabc.Set, cabc.MutableSet}
_DICT_ORIGINS = {dict, cabc.Mapping, cabc.MutableMapping}
_SCALARS: dict[Any, dict[str, Any]] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
    bytes: {"type": "string", "contentMediaType": "application/octet-stream"},
    uuid.UUID: {"type": "string", "format": "uuid"},
    datetime.datetime: {"type": "string", "format": "date-time"},
    datetime.date: {"type": "string", "format": "date"},
    datetime.time: {"type": "string", "format": "time"},
    datetime.timedelta: {"type": "string", "format": "duration"},
}
# Classes pydantic describes as strings of a format, by where they are defined (so no
# module is imported for them): a subclass (``PosixPath``) is found through its MRO.
_STRING_FORMATS: dict[tuple[str, str], str] = {
    ("pathlib", "PurePath"): "path",
    ("ipaddress", "IPv4Address"): "ipv4",
    ("ipaddress", "IPv6Address"): "ipv6",
    ("ipaddress", "IPv4Network"): "ipv4network",
    ("ipaddress", "IPv6Network"): "ipv6network",
    ("ipaddress", "IPv4Interface"): "ipv4interface",
    ("ipaddress", "IPv6Interface"): "ipv6interface",
    ("re", "Pattern"): "regex",
}
_NUMBER_KEYS = {
    "gt": "exclusiveMinimum",
    "ge": "minimum",
    "lt": "exclusiveMaximum",
    "le": "maximum",
    "multiple_of": "multipleOf",
}
_LENGTH_KEYS = {
    "string": ("minLength", "maxLength"),
    "array": ("minItems", "maxItems"),
    "object": ("minProperties", "maxProperties"),
}
# Documentation keywords a marker or pydantic ``Field`` carries into the schema.
_DOC_ATTRIBUTES = ("title", "description", "examples", "deprecated")


class Ref:
    """A ``$ref`` not yet named: the definition's key (a class) and the schema mode."""

    __slots__ = ("key", "mode")

    def __init__(self, key: Any, mode: Mode) -> None:
        self.key = key
        self.mode = mode

    def __repr__(self) -> str:
        return f"Ref({self.key!r}, {self.mode})"


def field_title(name: str) -> str:
    """pydantic's default title for a field or parameter name: ``item_id`` -> ``Item Id``."""
    return name.title().replace("_", " ")


def _strip(tp: Any) -> tuple[Any, list[Any]]:
    """The type under ``Annotated`` / ``Required`` / ``NotRequired``, and the metadata."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            metadata.extend(tp.__metadata__)
            tp = tp.__origin__
        elif origin in (typing.Required, typing.NotRequired):
            tp = typing.get_args(tp)[0]
        else:
            return tp, metadata


def _is_pydantic_class(item: Any, name: str) -> bool:
    """``item`` is an instance of pydantic's class ``name`` (pydantic is not imported)."""
    cls = type(item)
    return cls.__name__ == name and cls.__module__ == "pydantic.types"


def _untagged(tp: Any) -> Any:
    """A union member without pydantic's ``Tag`` (it names the member for a
    discriminator and leaves the member's own schema as it is)."""
    if typing.get_origin(tp) is not typing.Annotated:
        return tp
    metadata = [m for m in tp.__metadata__ if not _is_pydantic_class(m, "Tag")]
    if len(metadata) == len(tp.__metadata__):
        return tp
    return typing.Annotated[(tp.__origin__, *metadata)] if metadata else tp.__origin__


def _is_class_def(tp: Any) -> bool:
    return isinstance(tp, type) and (
        issubclass(tp, enum.Enum)
        or dataclasses.is_dataclass(tp)
        or is_typeddict(tp)
        or is_pydantic_model(tp)
    )


def _jsonable(value: Any) -> Any:
    """A default value as JSON, as pydantic writes it in a schema."""
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return _duration(value)
    if isinstance(value, datetime.date | datetime.time):
        text = value.isoformat()
        # pydantic writes UTC as "Z".
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, cabc.Mapping):
        return {str(_jsonable(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return value


def _duration(value: datetime.timedelta) -> str:
    """ISO 8601 duration as pydantic writes one: days, then seconds (``P1DT3600.5S``)."""
    sign = "-" if value < datetime.timedelta(0) else ""
    value = abs(value)
    out = f"{sign}P{value.days}D" if value.days else f"{sign}P"
    if value.seconds or value.microseconds or not value.days:
        number = f"{value.seconds}.{value.microseconds:06d}".rstrip("0").rstrip(".")
        out += f"T{number}S"
    return out


class SchemaGenerator:
    """Schemas for many annotations sharing one set of named definitions."""

    def __init__(
        self,
        *,
        separate_input_output_schemas: bool = True,
        known: dict[type, dict[str, Any]] | None = None,
    ) -> None:
        self.separate = separate_input_output_schemas
        # Types the caller describes itself (e.g. an uploaded file: a string of bytes).
        self.known = known or {}
        # (key, mode) -> schema with Ref placeholders; None while being built.
        self._defs: dict[tuple[Any, Mode], dict[str, Any] | None] = {}
        self._names: dict[Any, str] = {}
        self._handed_to_pydantic = 0  # schemas pydantic wrote (see _schema)

    def _mode(self, mode: Mode, tp: Any) -> Mode:
        # FastAPI: without separate schemas everything is "validation", except a
        # type whose pydantic models have computed fields (they exist only as output).
        if self.separate or mode == "validation" or _has_computed_fields(tp, set()):
            return mode
        return "validation"

    # -- public --------------------------------------------------------------------

    def schema(self, tp: Any, mode: Mode = "validation") -> dict[str, Any]:
        """The schema of ``tp``; a class is a ``Ref`` to its definition."""
        return self._schema(tp, self._mode(mode, tp))

    def field_schema(
        self,
        tp: Any,
        mode: Mode = "validation",
        *,
        name: str,
        default: Any = dataclasses.MISSING,
        markers: typing.Sequence[Any] = (),
        title_rule: Literal["field", "parameter"] = "field",
    ) -> dict[str, Any]:
        """``tp`` as a named field: its schema with title, default and documentation.

        ``title_rule="field"`` is pydantic's rule inside a class (no title on a
        class reference, even an optional one); ``"parameter"`` is FastAPI's for
        parameters, bodies and responses (no title only on a bare ``$ref``).
        """
        mode = self._mode(mode, tp)
        bare, metadata = _strip(tp)
        everything = _in_order(metadata, markers)
        result = self._schema(tp, mode, extra_constraints=markers)
        docs = _documentation(everything)
        if default is not dataclasses.MISSING:
            result["default"] = _jsonable(default)
        _call_schema_extra(everything, result, with_default=title_rule != "parameter")
        # pydantic omits a field's title on a class reference (even an optional one);
        # FastAPI, for parameters, bodies and responses, only on a bare $ref.
        wants_title = not _refers_to_class(bare) if title_rule == "field" else "$ref" not in result
        if not all(understood(item) for item in metadata):  # pydantic's schema (Json[Model])
            wants_title = "$ref" not in result
        title = docs.pop("title", None)
        if title is not None:
            result["title"] = title
        elif wants_title:
            result["title"] = field_title(name)
        result.update(docs)
        return result

    def definition(self, ref: Ref) -> dict[str, Any] | None:
        """The definition ``ref`` points at (its own refs still placeholders), if built."""
        return self._defs.get((ref.key, ref.mode))

    def definitions(self) -> dict[str, dict[str, Any]]:
        """Every definition met so far, under its final name (refs still placeholders)."""
        self._name_all()
        out: dict[str, dict[str, Any]] = {}
        for (key, mode), schema in self._defs.items():
            assert schema is not None
            out[self.name_of(key, mode)] = schema
        return out

    def name_of(self, key: Any, mode: Mode) -> str:
        self._name_all()
        return self._names[(key, mode)]

    def ref_string(self, ref: Ref) -> str:
        return REF_TEMPLATE.format(model=self.name_of(ref.key, ref.mode))

    # -- naming --------------------------------------------------------------------

    def _name_all(self) -> None:
        if len(self._names) == len(self._defs):
            return
        self._names = _pick_names(self._defs)

    # -- schemas -------------------------------------------------------------------

    def _schema(
        self, tp: Any, mode: Mode, extra_constraints: typing.Sequence[Any] = ()
    ) -> dict[str, Any]:
        bare, metadata = _strip(tp)
        if not all(understood(item) for item in metadata):  # metadata only pydantic reads
            return self._from_pydantic(tp, extra_constraints, mode)
        limits = constraints_of([*metadata, *extra_constraints])
        before = self._handed_to_pydantic
        result = self._constrained(bare, mode, limits) if limits else self._bare(bare, mode)
        if limits and self._handed_to_pydantic != before:
            # Constraints on a type only pydantic knows: pydantic places them.
            return self._from_pydantic(tp, extra_constraints, mode)
        for marker in (*metadata, *extra_constraints):
            field = getattr(marker, "discriminator", None)
            if field is None:  # an asgiweb marker keeps it with its other extras
                field = (getattr(marker, "extra", None) or {}).get("discriminator")
            if isinstance(field, str) and "anyOf" in result:
                result = _tagged_union(result, field, self._bare_members(bare))
            elif _is_pydantic_class(field, "Discriminator") and list(result) == ["anyOf"]:
                # A callable discriminator: pydantic writes the members as oneOf, no mapping.
                result = {"oneOf": result["anyOf"]}
        return result

    def _constrained(self, tp: Any, mode: Mode, limits: dict[str, Any]) -> dict[str, Any]:
        """``tp``'s schema with the constraints ``limits``, where pydantic puts them: on
        the member of an optional, on the schema itself otherwise (``_apply_constraints``)."""
        args = typing.get_args(tp)
        optional = len(args) == 2 and _NONE_TYPE in args
        if typing.get_origin(tp) in (typing.Union, types.UnionType) and optional:
            (inner,) = [arg for arg in args if arg is not _NONE_TYPE]
            inner_bare, inner_metadata = _strip(inner)
            merged = {**constraints_of(inner_metadata), **limits}
            member = self._constrained(inner_bare, mode, merged)
            members: list[dict[str, Any]] = []
            for arg in args:
                one: dict[str, Any] = member if arg is inner else {"type": "null"}
                members.extend(one["anyOf"] if list(one) == ["anyOf"] else [one])
            return {"anyOf": members}
        schema = self._bare(tp, mode)
        _apply_constraints(schema, limits, tp is Decimal)
        return schema

    def _bare_members(self, tp: Any) -> list[Any]:
        """The classes of a union, in order (``None`` and other members left out)."""
        return [arg for arg in typing.get_args(tp) if _is_class_def(_strip(arg)[0])]

    def _bare(self, tp: Any, mode: Mode) -> dict[str, Any]:
        if tp is Any or tp is object or isinstance(tp, typing.TypeVar):
            return {}  # a TypeVar: a bare generic class's own field, Any for pydantic
        if hasattr(tp, "__supertype__"):  # NewType
            return self._schema(tp.__supertype__, mode)
        if tp is None or tp is _NONE_TYPE:
            return {"type": "null"}
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin in (typing.Union, types.UnionType):
            members: list[dict[str, Any]] = []
            for arg in args:
                schema = self._schema(_untagged(arg), mode)
                if list(schema) == ["anyOf"]:
                    members.extend(schema["anyOf"])
                else:
                    members.append(schema)
            return {"anyOf": members}
        if origin is typing.Literal:
            return _literal(args)
        if isinstance(tp, type):
            if tp in self.known:
                return dict(self.known[tp])
            if _is_class_def(tp):
                return {"$ref": self._define(tp, mode)}
            if hasattr(tp, "__get_pydantic_core_schema__"):  # ByteSize, PastDate, extras
                return self._from_pydantic(tp, (), mode)
            if tp is Decimal:
                if mode == "serialization":
                    return {"type": "string"}
                return {"anyOf": [{"type": "number"}, {"type": "string"}]}
            for scalar, schema in _SCALARS.items():
                if tp is scalar:
                    return dict(schema)
            for scalar, schema in _SCALARS.items():
                if issubclass(tp, scalar):
                    return dict(schema)
            for base in tp.__mro__:
                string_format = _STRING_FORMATS.get((base.__module__, base.__qualname__))
                if string_format is not None:
                    return {"type": "string", "format": string_format}
        container = origin if origin is not None else tp
        if container in _LIST_ORIGINS:
            return {"type": "array", "items": self._schema(args[0], mode) if args else {}}
        if container in _SET_ORIGINS or container is typing.FrozenSet:  # noqa: UP006
            items = self._schema(args[0], mode) if args else {}
            return {"type": "array", "items": items, "uniqueItems": True}
        if container is tuple:
            if origin is None or (len(args) == 2 and args[1] is Ellipsis):
                return {"type": "array", "items": self._schema(args[0], mode) if args else {}}
            if args == ((),):
                args = ()
            out: dict[str, Any] = {"type": "array"}
            if args:
                out["prefixItems"] = [self._schema(a, mode) for a in args]
            out["minItems"] = out["maxItems"] = len(args)
            return out
        if container in _DICT_ORIGINS:
            value = args[1] if len(args) == 2 else Any
            value_schema = self._schema(value, mode)
            return {"type": "object", "additionalProperties": value_schema or True}
        if _generic_dataclass(tp):  # Page[Item]: its own definition, "Page_Item_"
            return {"$ref": self._define(tp, mode)}
        return self._from_pydantic(tp, (), mode)

    def _from_pydantic(self, tp: Any, markers: typing.Sequence[Any], mode: Mode) -> dict[str, Any]:
        """pydantic's schema for a type asgiweb validates through pydantic
        (``asgiweb._validation.pydantic_types``); its ``$defs`` become definitions here."""
        if markers:
            tp = typing.Annotated[(tp, *markers)]
        adapter = pydantic_adapter(tp)
        if adapter is None:
            raise TypeError(f"asgiweb cannot describe values of type {tp!r} in JSON Schema")
        self._handed_to_pydantic += 1
        full: dict[str, Any] = adapter.json_schema(
            mode=mode, ref_template="#/$defs/{model}", schema_generator=pydantic_schema_generator()
        )
        nested: dict[str, Any] = full.pop("$defs", {})
        by_name = _classes_by_name(tp)  # a class also used elsewhere is one definition
        keys = {name: by_name.get(name, ("pydantic", name)) for name in nested}
        for name, schema in nested.items():
            if (keys[name], mode) not in self._defs:
                self._defs[(keys[name], mode)] = _pydantic_refs(schema, keys, mode)
                self._names.clear()
        described: dict[str, Any] = _pydantic_refs(full, keys, mode)
        return described

    def _define(self, cls: type, mode: Mode) -> Ref:
        ref = Ref(cls, mode)
        if (cls, mode) in self._defs:
            return ref
        self._defs[(cls, mode)] = None  # a class that refers to itself finds it here
        if _generic_dataclass(cls):
            origin = typing.cast(type, typing.get_origin(cls))
            schema = self._dataclass(origin, mode, typing.get_args(cls))
        elif issubclass(cls, enum.Enum):
            schema = _enum_schema(cls)
        elif is_pydantic_model(cls):
            schema = self._pydantic(cls, mode)
        elif dataclasses.is_dataclass(cls):
            schema = self._dataclass(cls, mode)
        else:
            schema = self._typeddict(cls, mode)
        self._defs[(cls, mode)] = schema
        self._names.clear()
        return ref

    def _object(
        self,
        cls: type,
        mode: Mode,
        fields: list[tuple[str, Any, Any, bool]],
        description: str | None,
    ) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: list[str] = []
        for name, tp, default, is_required in fields:
            properties[name] = self.field_schema(tp, mode, name=name, default=default)
            if is_required:
                required.append(name)
        schema: dict[str, Any] = {"properties": properties}
        if required:
            schema["required"] = required
        schema["title"] = cls.__name__
        schema["type"] = "object"
        if description:
            schema["description"] = description
        return schema

    def _dataclass(self, cls: type, mode: Mode, args: tuple[Any, ...] = ()) -> dict[str, Any]:
        hints = typing.get_type_hints(cls, include_extras=True)
        if args:  # a generic dataclass's fields with its type variables replaced
            subst = dict(zip(getattr(cls, "__parameters__", ()), args, strict=False))
            hints = {name: substitute_type_vars(hint, subst) for name, hint in hints.items()}
        fields: list[tuple[str, Any, Any, bool]] = []
        for field in dataclasses.fields(cls):
            default: Any = field.default
            has_factory = field.default_factory is not dataclasses.MISSING
            if not field.init and default is dataclasses.MISSING and not has_factory:
                continue  # pydantic lists an init=False field only when it has a default
            required = default is dataclasses.MISSING and not has_factory
            fields.append((field.name, hints.get(field.name, Any), default, required))
        doc = cls.__doc__
        if doc and doc.startswith(f"{cls.__name__}("):  # the one dataclasses writes
            doc = None
        return self._object(cls, mode, fields, inspect.cleandoc(doc) if doc else None)

    def _typeddict(self, cls: type, mode: Mode) -> dict[str, Any]:
        hints = typing.get_type_hints(cls, include_extras=True)
        required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset(hints))
        fields: list[tuple[str, Any, Any, bool]] = []
        for name, tp in hints.items():
            origin = typing.get_origin(tp)
            required = name in required_keys
            if origin is typing.NotRequired:
                required = False
            elif origin is typing.Required:
                required = True
            fields.append((name, tp, dataclasses.MISSING, required))
        doc = cls.__doc__
        return self._object(cls, mode, fields, inspect.cleandoc(doc) if doc else None)

    def _pydantic(self, cls: type, mode: Mode) -> dict[str, Any]:
        """The model's own schema; its nested definitions become definitions here."""
        generator = pydantic_schema_generator()
        describe = getattr(cls, "model_json_schema", None)
        if describe is None:  # a pydantic dataclass describes itself through an adapter
            from pydantic import TypeAdapter

            describe = TypeAdapter(cls).json_schema
        full: dict[str, Any] = describe(
            ref_template="#/$defs/{model}", mode=mode, schema_generator=generator
        )
        nested: dict[str, Any] = full.pop("$defs", {})
        by_name = _classes_by_name(cls)
        keys = {name: by_name.get(name, ("pydantic", name)) for name in nested}
        own = full
        if "$ref" in full:  # a recursive model: pydantic puts itself under $defs
            own_name = full["$ref"].rsplit("/", 1)[-1]
            keys[own_name] = cls
            own = nested[own_name]
        for name, schema in nested.items():
            key = keys[name]
            if key is cls or (key, mode) in self._defs:
                continue
            self._defs[(key, mode)] = _pydantic_refs(schema, keys, mode)
        described: dict[str, Any] = _pydantic_refs(own, keys, mode)
        return described


def _base_name(key: Any) -> str:
    if isinstance(key, type):
        name = key.__name__
    elif _generic_dataclass(key):
        name = _display(key)
    else:
        name = str(key[1])
    return re.sub(r"[^a-zA-Z0-9.\-_]", "_", name)


def _generic_dataclass(tp: Any) -> bool:
    origin = typing.get_origin(tp)
    return isinstance(origin, type) and dataclasses.is_dataclass(origin)


def _display(tp: Any) -> str:
    """How pydantic spells a type in a generic class's definition name
    (``Page[Union[Item, NoneType]]``, made ``Page_Union_Item__NoneType__``)."""
    if tp is Any:
        return "Any"
    if tp is None or tp is _NONE_TYPE:
        return "NoneType"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return "Union[" + ", ".join(_display(a) for a in args) + "]"
    if origin is typing.Literal:
        return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        # A generic class's own arguments are joined with "," (Pair[int,Page[str]]),
        # the parameters of a typing form with ", " (dict[str, int]).
        joiner = "," if _generic_dataclass(tp) else ", "
        return f"{name}[" + joiner.join(_display(a) for a in args) + "]"
    return str(getattr(tp, "__name__", tp))




def pydantic_fields(tp: Any) -> dict[str, Any]:
    """The ``FieldInfo`` of each field of a pydantic model or pydantic dataclass."""
    fields = getattr(tp, "model_fields", None)
    if fields is None:
        fields = getattr(tp, "__pydantic_fields__", {})
    return dict(fields)


def _dataclass_computed_fields(tp: Any) -> bool:
    decorators = getattr(tp, "__pydantic_decorators__", None)
    return bool(getattr(decorators, "computed_fields", None))


def _has_computed_fields(tp: Any, seen: set[int]) -> bool:
    if id(tp) in seen:
        return False
    seen.add(id(tp))
    if is_pydantic_model(tp):
        if getattr(tp, "model_computed_fields", None) or _dataclass_computed_fields(tp):
            return True
        fields = pydantic_fields(tp).values()
        return any(_has_computed_fields(f.annotation, seen) for f in fields)
    return any(_has_computed_fields(arg, seen) for arg in typing.get_args(tp))


_MODE_TITLE = {"validation": "Input", "serialization": "Output"}


def _pick_names(defs: dict[tuple[Any, Mode], dict[str, Any] | None]) -> dict[Any, str]:
    """The name of each definition, by pydantic's rule (its ``GenerateJsonSchema``
    remapping), so one document names its classes as FastAPI's does.

    Each (class, mode) has choices from simple to exact: ``Name``, ``Name-Input`` /
    ``Name-Output``, the module path ``mod__Name``, the module path with the mode,
    then the same with an occurrence number (two classes of one module path).  A
    definition takes its first choice that no definition with a different schema
    could also take.  Schemas are compared with their references read under the
    names chosen so far, and the choosing repeats until the names stop changing:
    so a class used in both modes is one ``Name`` when its two schemas agree once
    the classes it refers to are merged, and ``Name-Input`` / ``Name-Output`` when
    they differ; two classes sharing a name keep it only where nothing else claims it.
    """
    choices: dict[tuple[Any, Mode], list[str]] = {}
    occurrences: dict[str, dict[int, int]] = {}
    for key, mode in defs:
        short = _base_name(key)
        long = _long_name(key)
        title = _MODE_TITLE[mode]
        seen = occurrences.setdefault(long, {})
        index = seen.setdefault(id(key), len(seen) + 1)
        choices[(key, mode)] = [
            short,
            f"{short}-{title}",
            long,
            f"{long}-{title}",
            f"{long}__{index}",
            f"{long}-{title}__{index}",
        ]
    current = {entry: names[-1] for entry, names in choices.items()}
    for _ in range(100):
        rendered = {entry: _canonical(schema, current) for entry, schema in defs.items()}
        claims: dict[str, set[Any]] = {}
        for entry, names in choices.items():
            for name in names:
                claims.setdefault(name, set()).add(rendered[entry])
        chosen = {
            entry: next(name for name in names if len(claims[name]) == 1)
            for entry, names in choices.items()
        }
        if chosen == current:
            break
        current = chosen
    return current


def _long_name(key: Any) -> str:
    if not isinstance(key, type):
        return _base_name(key)
    return re.sub(r"[^a-zA-Z0-9.\-_]", "_", f"{key.__module__}.{key.__qualname__}").replace(
        ".", "__"
    )


def _canonical(schema: Any, names: dict[tuple[Any, Mode], str]) -> Any:
    """A hashable form of ``schema``, each reference read as the name it has now."""
    if isinstance(schema, Ref):
        return ("$ref", names[(schema.key, schema.mode)])
    if isinstance(schema, dict):
        return ("{", tuple(sorted((k, _canonical(v, names)) for k, v in schema.items())))
    if isinstance(schema, list):
        return ("[", tuple(_canonical(v, names) for v in schema))
    return schema


def _tagged_union(schema: dict[str, Any], field: str, members: list[Any]) -> dict[str, Any]:
    """A union with a discriminator field, as pydantic writes it: ``oneOf`` the members
    and a ``discriminator`` naming the field and mapping each tag to its class."""
    mapping: dict[str, Any] = {}
    choices = [m for m in schema["anyOf"] if m != {"type": "null"}]
    if len(choices) < len(schema["anyOf"]):
        # An optional one: the tagged union of the classes, or null.
        rest = {k: v for k, v in schema.items() if k != "anyOf"}
        tagged = _tagged_union({"anyOf": choices}, field, members)
        if "oneOf" not in tagged:
            return schema
        return {"anyOf": [tagged, {"type": "null"}], **rest}
    refs = [m["$ref"] for m in schema["anyOf"] if isinstance(m.get("$ref"), Ref)]
    if len(refs) != len(schema["anyOf"]) or len(refs) != len(members):
        return schema  # not a union of classes only: pydantic's rule does not apply
    name = field
    for member, ref in zip(members, refs, strict=True):
        annotation, alias = _field_annotation(_strip(member)[0], field)
        name = alias or field
        tags = typing.get_args(_strip(annotation)[0])
        if typing.get_origin(_strip(annotation)[0]) is not typing.Literal:
            return schema
        for tag in tags:
            mapping[str(_jsonable(tag))] = ref
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {
        "oneOf": schema["anyOf"],
        "discriminator": {"propertyName": name, "mapping": mapping},
        **rest,
    }


def _field_annotation(cls: Any, field: str) -> tuple[Any, str | None]:
    """The annotation of ``cls``'s field ``field`` (a pydantic model, dataclass or
    TypedDict) and its alias, if any."""
    if is_pydantic_model(cls):
        info = pydantic_fields(cls).get(field)
        if info is None:
            return None, None
        alias = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        return info.annotation, alias
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception:
        return None, None
    return hints.get(field), None


def _refers_to_class(tp: Any) -> bool:
    """pydantic's "no title" rule for fields: a class, possibly optional or defaulted."""
    tp, _ = _strip(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(tp) if a is not _NONE_TYPE]
        if len(rest) == 1:
            return _refers_to_class(rest[0])
        return False
    return _is_class_def(tp) or _generic_dataclass(tp)


def _in_order(metadata: typing.Sequence[Any], markers: typing.Sequence[Any]) -> list[Any]:
    """The metadata, then the markers not already in it: a marker written inside
    ``Annotated`` keeps its place, so a later ``Field(description=...)`` wins over
    it, as pydantic merges them."""
    return [*metadata, *(m for m in markers if not any(m is item for item in metadata))]


def field_documentation(tp: Any, markers: typing.Sequence[Any] = ()) -> dict[str, Any]:
    """A field's title, description, examples and deprecation from its ``Annotated``
    metadata and ``markers`` (the later one winning), as its schema shows them."""
    return _documentation(_in_order(_strip(tp)[1], markers))


def _documentation(metadata: typing.Sequence[Any]) -> dict[str, Any]:
    """title / description / examples / deprecated / json_schema_extra from markers and
    pydantic ``FieldInfo`` objects."""
    docs: dict[str, Any] = {}
    extra_keys: set[str] = set()
    for item in metadata:
        if not (hasattr(item, "description") and hasattr(item, "examples")):
            continue
        # A marker's keyword given explicitly (even None, or deprecated=False)
        # replaces what a pydantic Field before it said, as FastAPI merges them.
        explicit: frozenset[str] = getattr(item, "explicit", frozenset())
        for attribute in _DOC_ATTRIBUTES:
            value = getattr(item, attribute, None)
            if not value and attribute in explicit:
                docs.pop(attribute, None)
            if value is None:
                continue
            if attribute == "deprecated":
                if value:
                    docs["deprecated"] = True
            elif attribute == "examples":
                docs["examples"] = [_jsonable(v) for v in value]
            else:
                docs[attribute] = value
        extra = getattr(item, "json_schema_extra", None)
        if extra is None:
            extra = (getattr(item, "extra", None) or {}).get("json_schema_extra")
        if extra is None and "json_schema_extra" in explicit:
            for key in extra_keys:
                docs.pop(key, None)
            extra_keys.clear()
        if isinstance(extra, dict):
            docs.update(extra)
            extra_keys.update(extra)
    return docs


def _apply_constraints(schema: dict[str, Any], limits: dict[str, Any], decimal: bool) -> None:
    """Write ``limits`` as pydantic writes them for a schema of this kind.

    A number limit (``gt``, ``ge``, ``lt``, ``le``, ``multiple_of``) is a JSON Schema
    keyword on a number (a decimal's number member) and is written under its own
    name anywhere else (``"ge": 1`` next to an array or a ``$ref``); a length limit is
    ``minItems``/``maxItems`` on an array, ``minProperties``/``maxProperties`` on an
    object and ``minLength``/``maxLength`` on anything else; ``pattern`` is kept on a
    plain string only.
    """
    kind = schema.get("type")
    plain = not ({"enum", "const", "format", "contentMediaType"} & set(schema))
    numeric = kind in ("integer", "number") and plain and "anyOf" not in schema
    number_target: dict[str, Any] | None = schema
    if decimal:  # its number member; none in serialization mode (a string)
        number_target = next((m for m in schema.get("anyOf", ()) if m["type"] == "number"), None)
        numeric = True
    shape = "" if "anyOf" in schema or not isinstance(kind, str) else kind
    for name, value in limits.items():
        if name in _NUMBER_KEYS:
            if numeric and number_target is not None:
                number_target[_NUMBER_KEYS[name]] = value
            elif not numeric:
                schema[name] = value
        elif name in ("min_length", "max_length"):
            low, high = _LENGTH_KEYS.get(shape, _LENGTH_KEYS["string"])
            schema[low if name == "min_length" else high] = value
        elif name == "pattern" and kind == "string" and plain:
            schema["pattern"] = value if isinstance(value, str) else value.pattern


def _literal(values: tuple[Any, ...]) -> dict[str, Any]:
    plain = [_jsonable(v) for v in values]
    kinds = {type(v) for v in plain}
    schema: dict[str, Any] = {"const": plain[0]} if len(plain) == 1 else {"enum": plain}
    if len(kinds) == 1:
        kind = kinds.pop()
        name = {str: "string", bool: "boolean", int: "integer", float: "number"}.get(kind)
        if kind is _NONE_TYPE:
            name = "null"
        if name is not None:
            schema["type"] = name
    return schema


def _enum_schema(cls: type[enum.Enum]) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": cls.__name__}
    doc = inspect.cleandoc(cls.__doc__) if cls.__doc__ else None
    if doc and doc != "An enumeration.":
        schema["description"] = doc
    values = [_jsonable(member.value) for member in cls]
    schema["enum"] = values
    kinds = {type(v) for v in values}
    if issubclass(cls, str) or kinds == {str}:
        schema["type"] = "string"
    elif issubclass(cls, int) or kinds == {int}:
        schema["type"] = "integer"
    elif issubclass(cls, float) or kinds == {float}:
        schema["type"] = "number"
    elif kinds == {bool}:
        schema["type"] = "boolean"
    elif kinds == {list}:
        schema["type"] = "array"
    return schema


def _classes_by_name(cls: Any) -> dict[str, Any]:
    """Classes reachable from a pydantic model's fields (or from any annotation), by the
    name pydantic gives them."""
    found: dict[str, Any] = {}
    seen: set[int] = set()

    def visit(tp: Any) -> None:
        if id(tp) in seen:
            return
        seen.add(id(tp))
        for arg in typing.get_args(tp):
            visit(arg)
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            visit(tp.__origin__)
        if not _is_class_def(tp):
            return
        found.setdefault(re.sub(r"[^a-zA-Z0-9.\-_]", "_", tp.__name__), tp)
        if is_pydantic_model(tp):
            for field in pydantic_fields(tp).values():
                visit(field.annotation)
        elif dataclasses.is_dataclass(tp) or is_typeddict(tp):
            try:
                hints = typing.get_type_hints(tp)
            except Exception:
                return
            for hint in hints.values():
                visit(hint)

    visit(cls)
    return found


def _pydantic_refs(schema: Any, keys: dict[str, Any], mode: Mode) -> Any:
    if isinstance(schema, dict):
        out = {}
        for k, v in schema.items():
            if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/"):
                out[k] = Ref(keys[v[len("#/$defs/") :]], mode)
            else:
                out[k] = _pydantic_refs(v, keys, mode)
        return out
    if isinstance(schema, list):
        return [_pydantic_refs(v, keys, mode) for v in schema]
    return schema


_GENERATOR: list[Any] = []


def pydantic_schema_generator() -> Any:
    """pydantic's generator, with ``bytes`` spelled as FastAPI spells it (content media
    type) so models and the rest of the document agree.  pydantic is imported here,
    only when a pydantic model is described."""
    if not _GENERATOR:
        from pydantic.json_schema import GenerateJsonSchema

        class Generator(GenerateJsonSchema):
            def bytes_schema(self, schema: Any) -> Any:
                out: dict[str, Any] = {
                    "type": "string",
                    "contentMediaType": "application/octet-stream",
                }
                config = self._config
                chosen = (
                    config.ser_json_bytes
                    if self.mode == "serialization"
                    else (config.val_json_bytes)
                )
                if chosen == "base64":
                    out["contentEncoding"] = "base64"
                self.update_with_validations(out, schema, self.ValidationsMapping.bytes)
                return out

        _GENERATOR.append(Generator)
    return _GENERATOR[0]


def resolve_refs(document: Any, generator: SchemaGenerator) -> Any:
    """``document`` with every ``Ref`` placeholder replaced by its ``#/components`` path."""
    if isinstance(document, Ref):
        return generator.ref_string(document)
    if isinstance(document, dict):
        return {k: resolve_refs(v, generator) for k, v in document.items()}
    if isinstance(document, list):
        return [resolve_refs(v, generator) for v in document]
    return document


def json_schema(tp: Any, mode: Mode = "validation") -> dict[str, Any]:
    """A standalone schema for ``tp``, shaped as pydantic's ``TypeAdapter.json_schema``:
    a class inline (unless it refers to itself), nested classes under ``$defs``."""
    generator = SchemaGenerator()
    top = generator.schema(tp, mode)
    definitions = generator.definitions()
    inline_name: str | None = None
    if isinstance(top.get("$ref"), Ref) and len(top) == 1:
        ref: Ref = top["$ref"]
        name = generator.name_of(ref.key, ref.mode)
        if not _mentions(definitions, ref.key):
            inline_name = name
            top = definitions[name]
    local = {
        name: _local_refs(schema, generator)
        for name, schema in definitions.items()
        if name != inline_name
    }
    out: dict[str, Any] = _local_refs(top, generator)
    if local:
        out["$defs"] = dict(sorted(local.items()))
    return out


def _mentions(definitions: dict[str, Any], key: Any) -> bool:
    def walk(node: Any) -> bool:
        if isinstance(node, Ref):
            return node.key is key
        if isinstance(node, dict):
            return any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return False

    return any(walk(schema) for schema in definitions.values())


def _local_refs(schema: Any, generator: SchemaGenerator) -> Any:
    if isinstance(schema, Ref):
        return "#/$defs/" + generator.name_of(schema.key, schema.mode)
    if isinstance(schema, dict):
        return {k: _local_refs(v, generator) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_local_refs(v, generator) for v in schema]
    return schema


def _call_schema_extra(
    metadata: typing.Sequence[Any], schema: dict[str, Any], *, with_default: bool
) -> None:
    """A callable ``json_schema_extra`` (a marker's or a pydantic ``Field``'s) edits the
    field's schema in place, once each, before its title is written, as FastAPI's
    document shows it (a parameter's without its default, a body field's with it)."""
    calls: list[Any] = []
    for item in metadata:
        extra = getattr(item, "json_schema_extra", None)
        if extra is None:
            extra = (getattr(item, "extra", None) or {}).get("json_schema_extra")
        if callable(extra) and all(extra is not seen for seen in calls):
            calls.append(extra)
    if not calls:
        return
    hidden = {} if with_default or "default" not in schema else {"default": schema.pop("default")}
    for call in calls:
        call(schema)
    schema.update(hidden)
