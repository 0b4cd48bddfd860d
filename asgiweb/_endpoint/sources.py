"""Parameter models: a class that gathers several query, header or cookie values.

FastAPI (0.115+) reads ``filters: Annotated[FilterParams, Query()]`` by
collecting every field of ``FilterParams`` from the query string into a dict
and validating that dict as the model; errors are located under the source
alone (``["query", "limit"]``, not ``["query", "filters", "limit"]``).  The
same works here for pydantic models (as in FastAPI), dataclasses and
TypedDicts.  Rules kept from FastAPI:

- a list-typed field takes every repeated key; other fields take the last value;
- a header field without an alias is looked up with underscores turned into
  hyphens (unless the marker says ``convert_underscores=False``), and its errors
  are reported under that header name; an alias (``Field(alias="x_key")``, or a
  string ``validation_alias``) is the header's name exactly as written, as in
  FastAPI 0.165;
- a field with an ``AliasChoices`` of names takes the first of them present
  (each name as written, headers too); ``validate_by_name`` adds the field's
  name last, ``validate_by_alias=False`` reads the name only;
- keys that belong to no field (an unused choice among them) are passed on too:
  the model's ``extra`` policy ignores, keeps or rejects them;
- an optional model (``Model | None``) none of whose fields was sent gets its
  default; a plain ``Model`` is always validated (its field defaults apply).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from asgiweb._validation.annotations import unwrap
from asgiweb._validation.compiler import (
    Converter,
    Invalid,
    is_pydantic_model,
    is_sequence_class,
    is_typeddict,
)
from asgiweb._validation.scalars import missing
from asgiweb.requests import Request

__all__ = ["is_model_class", "is_sequence", "model_extractor"]

_KEY_QUALIFIERS = (typing.Required, typing.NotRequired)


def is_sequence(tp: Any) -> bool:
    """Read from every repeated key rather than the last one: FastAPI's rule, a sequence
    class (``list``, ``tuple``, ``set``, ``frozenset``, ``deque``, any ``Sequence``; not
    ``str``/``bytes``, not an abstract ``Set`` or ``Iterable``) or a generic alias of
    one, also inside ``Annotated`` or as any member of a union (``int | list[int]``)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated and reads_json(tp):
        return False
    if origin is typing.Annotated or origin in _KEY_QUALIFIERS:
        return is_sequence(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return any(is_sequence(arg) for arg in typing.get_args(tp))
    return is_sequence_class(tp) or is_sequence_class(origin)


def reads_json(tp: Any) -> bool:
    """pydantic's ``Json[...]`` as the annotation's own (outermost) metadata: FastAPI
    then reads one value, the JSON text, never repeated keys nor a parameter model."""
    return typing.get_origin(tp) is typing.Annotated and any(
        type(item).__name__ == "Json" and type(item).__module__ == "pydantic.types"
        for item in tp.__metadata__
    )


def is_model_class(tp: Any) -> bool:
    if reads_json(tp):
        return False
    tp = unwrap(tp).type
    return isinstance(tp, type) and (
        is_pydantic_model(tp) or dataclasses.is_dataclass(tp) or is_typeddict(tp)
    )


def _fields(cls: type) -> list[tuple[str, Any, bool]]:
    """(key the model reads, annotation, whether that key is an alias) for each field."""
    if is_pydantic_model(cls) and not dataclasses.is_dataclass(cls):
        model_fields: dict[str, Any] = getattr(cls, "model_fields", {})
        found = []
        for name, info in model_fields.items():
            alias = info.validation_alias if isinstance(info.validation_alias, str) else None
            alias = alias or info.alias
            found.append((alias or name, info.annotation, bool(alias) and alias != name))
        return found
    hints = typing.get_type_hints(cls, include_extras=True)
    if dataclasses.is_dataclass(cls):
        fields = dataclasses.fields(cls)
        return [(f.name, hints.get(f.name, Any), False) for f in fields if f.init]
    return [(name, hint, False) for name, hint in hints.items()]


def _field_pairs(cls: type, header: bool) -> list[tuple[list[tuple[str, str]], Any]]:
    """For each field: the (key the model reads, name on the wire) pairs it may be
    read by, in preference order, and its annotation.  FastAPI's rules: the string
    ``validation_alias``, else ``alias``, else the name (a header's name hyphenated
    unless aliased); an ``AliasChoices`` of names gives one pair per name, each
    literal; an ``AliasPath`` leaves the key to pydantic (the field's own key is the
    alias or name); ``validate_by_name``/``populate_by_name`` add the name last,
    ``validate_by_alias=False`` leaves the name alone."""
    if is_pydantic_model(cls) and not dataclasses.is_dataclass(cls):
        model_fields: dict[str, Any] = getattr(cls, "model_fields", {})
        config = getattr(cls, "model_config", None) or {}
        found = []
        for name, info in model_fields.items():
            validation_alias = info.validation_alias
            key = validation_alias if isinstance(validation_alias, str) else None
            key = key or info.alias or name
            wire = key.replace("_", "-") if header and key == name else key
            pairs = [(key, wire)]
            choices = getattr(validation_alias, "choices", None)
            if choices and all(isinstance(choice, str) for choice in choices):
                pairs = [(choice, choice) for choice in choices]
            named = (name, name.replace("_", "-") if header else name)
            if config.get("validate_by_alias") is False:
                pairs = [named]
            elif config.get("validate_by_name", config.get("populate_by_name", False)) and all(
                key != name for key, _ in pairs
            ):
                pairs.append(named)
            found.append((pairs, info.annotation))
        return found
    hints = typing.get_type_hints(cls, include_extras=True)
    names: list[tuple[str, Any]]
    if dataclasses.is_dataclass(cls):
        names = [(f.name, hints.get(f.name, Any)) for f in dataclasses.fields(cls) if f.init]
    else:
        names = list(hints.items())
    return [([(name, name.replace("_", "-") if header else name)], hint) for name, hint in names]


def model_extractor(
    source: str,
    annotation: Any,
    convert: Converter,
    *,
    required: bool,
    make_default: Callable[[], Any],
    convert_underscores: bool,
) -> Callable[[Request], Any]:
    """The extractor for a model-typed query/header/cookie parameter."""
    cls, _, wraps_model = unwrap(annotation)  # Optional[Model]: may be left out entirely
    header = source == "header"
    # (pairs of (model key, wire name), every value?) per field
    plan: list[tuple[list[tuple[str, str]], bool]] = [
        (pairs, source != "cookie" and is_sequence(field_type))
        for pairs, field_type in _field_pairs(cls, header and convert_underscores)
    ]
    header_names = {key: wire for pairs, _ in plan for key, wire in pairs if key != wire}
    config = getattr(cls, "model_config", None)
    strict_extras = isinstance(config, Mapping) and config.get("extra") in ("allow", "forbid")
    # Every name a field may be read by: any of them sent means the model was sent.
    names = {wire.lower() if header else wire for pairs, _ in plan for _, wire in pairs}
    # A header field's model key is never an extra header either (FastAPI).
    claimed = {key.lower() for pairs, _ in plan for key, wire in pairs if key != wire}

    def extras(values: Any, data: dict[str, Any], own: set[str] | frozenset[str]) -> None:
        # Every key no field read is passed on as an extra (the model's own policy
        # ignores, keeps or rejects it), as FastAPI does; an unused choice too.
        items = values.multi_items() if hasattr(values, "multi_items") else values.items()
        grouped: dict[str, list[str]] = {}
        for name, value in items:
            if name not in own:
                grouped.setdefault(name, []).append(value)
        for name, found in grouped.items():
            data[name] = found[0] if len(found) == 1 else found

    fixed = [(pairs[0][0], pairs[0][1], many) for pairs, many in plan]
    own_fixed = frozenset(names | claimed)

    def gather(values: Any) -> tuple[dict[str, Any], bool]:
        """Fields with one key each: what each reads is known at registration."""
        data: dict[str, Any] = {}
        present = False
        for key, wire, many in fixed:
            if many:
                found = values.getlist(wire)
                if found:
                    data[key] = found
            else:
                value = values.get(wire)
                if value is not None:
                    data[key] = value
            present = present or wire in values
        extras(values, data, own_fixed)
        return data, present

    def gather_choices(values: Any) -> tuple[dict[str, Any], bool]:
        """Some field has an AliasChoices: it reads the first of its keys present."""
        data: dict[str, Any] = {}
        own = set(claimed)
        for pairs, many in plan:
            key, wire = next((pair for pair in pairs if pair[1] in values), pairs[0])
            if many:
                found = values.getlist(wire)
                if found:
                    data[key] = found
            else:
                value = values.get(wire)
                if value is not None:
                    data[key] = value
            own.add(wire.lower() if header else wire)
        extras(values, data, own)
        return data, any(name in values for name in names)

    if any(len(pairs) > 1 for pairs, _ in plan):
        gather = gather_choices

    def extract(request: Request) -> Any:
        if source == "query":
            values: Any = request.query_params
        elif source == "header":
            values = request.headers
        else:
            values = request.cookies
        data, present = gather(values)
        if wraps_model and not (present or (strict_extras and data)):
            # An optional model none of whose fields was sent: its default.
            if required:
                raise Invalid([missing((source,))])
            return make_default()
        try:
            return convert(data)
        except Invalid as exc:
            for err in exc.errors:
                loc = err["loc"]
                if loc and loc[0] in header_names:
                    loc = (header_names[loc[0]], *loc[1:])
                err["loc"] = (source, *loc)
            raise

    return extract
