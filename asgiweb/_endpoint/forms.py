"""Form and file parameters: how ``Form()`` / ``File()`` / ``UploadFile`` are filled.

Decided at registration (``form_reader``), run per request: the body is parsed
once by ``request.form()`` (asgiweb.formparsers, streamed, bounded memory) and
each parameter takes its value from the resulting ``FormData``.  FastAPI's rules:

- a field is read under its name (or ``alias``); a list-typed field takes every
  repeated key, others the last value;
- an empty string, or an empty file input (no filename, no bytes: what a browser
  sends for an unselected ``<input type=file>``), counts as absent, so the
  parameter gets its default or a ``missing`` error;
- a ``bytes`` (or ``list[bytes]``) parameter marked ``File()`` gets the content of
  the uploaded file(s), read without moving the file's position for others;
- a model class (pydantic model, dataclass or TypedDict) under ``Form()`` takes
  the whole form: its fields by name, other keys passed on as extras so that the
  model's ``extra="forbid"`` rejects them; its errors are located at
  ``("body", field)``; an optional model none of whose fields was sent is left
  at its default (or, required, is a ``missing`` error at ``("body",)``);
- a union of two or more pydantic models (``Person | Company``, maybe ``| None``,
  maybe ``Form(discriminator="kind")``) takes the whole form too: pydantic picks
  the member (by the discriminator's value, else its smart mode) and each member
  reads the form as that model alone would (its list fields every value, the
  others the last); the union is built once, at registration;
- errors of the other fields are located at ``("body", key)``.

A route reads its body either as a form or as JSON, never both (FastAPI's rule,
as HTTP carries one body): mixing them is a ``TypeError`` at registration.  The
uploaded files are closed (and so deleted) after the response has been sent, or
as soon as the handler fails; see docs/forms.md.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from asgiweb._endpoint.sources import _fields, is_model_class, is_sequence, reads_json
from asgiweb._validation.annotations import unwrap
from asgiweb._validation.compiler import (
    Converter,
    Invalid,
    is_pydantic_model,
    is_sequence_class,
    prefix_errors,
    validating_converter,
)
from asgiweb.datastructures import FormData, UploadFile
from asgiweb.formparsers import require_multipart
from asgiweb.params import FileParam, Param
from asgiweb.requests import Request
from asgiweb.responses import Response
from asgiweb.responses.base import AnswerMessages
from asgiweb.types import Receive, Scope, Send

__all__ = [
    "FORM_LIMITS",
    "ClosingMessages",
    "FormFiller",
    "FormLimits",
    "FormReader",
    "FormStep",
    "alias_choices",
    "check_form_limits",
    "close_files_after",
    "closing_answer",
    "field_keys",
    "form_filler",
    "form_limit_values",
    "form_model_keys",
    "form_models",
    "form_reader",
    "form_step",
    "form_union_members",
    "is_bare_sequence",
    "is_upload_annotation",
]

# request.form()'s default limits (max_files, max_fields, max_part_size), FastAPI's:
# what a route's Form()/File() parameters are read with unless ``form_limits`` says.
FORM_LIMITS = (1000, 1000, 1024 * 1024)
FormLimits = tuple[int | float, int | float, int]
_LIMIT_NAMES = ("max_files", "max_fields", "max_part_size")


def check_form_limits(limits: Mapping[str, Any] | None) -> dict[str, int]:
    """``form_limits`` as given to an App, a Router, ``include_router`` or a route
    (FastAPI's keys, each a non-negative int); a ``ValueError`` otherwise."""
    if limits is None:
        return {}
    if not isinstance(limits, Mapping):
        raise ValueError(f"form_limits must be a dict of {list(_LIMIT_NAMES)}, not {limits!r}")
    for key, value in limits.items():
        if key not in _LIMIT_NAMES:
            raise ValueError(f"form_limits: unknown limit {key!r}; known: {list(_LIMIT_NAMES)}")
        if value.__class__ is not int or value < 0:
            raise ValueError(f"form_limits: {key} must be a non-negative int, not {value!r}")
    return dict(limits)


def form_limit_values(limits: Mapping[str, Any] | None) -> FormLimits:
    """(max_files, max_fields, max_part_size): ``limits`` over the defaults."""
    given = check_form_limits(limits)
    files, fields, part = FORM_LIMITS
    return (
        given.get("max_files", files),
        given.get("max_fields", fields),
        given.get("max_part_size", part),
    )


FormReader = Callable[[Request, dict[str, Any], list[dict[str, Any]]], Awaitable[Any]]
Handle = Callable[[Request], Awaitable[Response]]


def unwrap_optional(tp: Any) -> Any:
    """``T`` from ``Annotated[T, ...]``, ``T | None`` and ``Optional[T]``."""
    return unwrap(tp).type


def is_upload_annotation(annotation: Any) -> bool:
    """A file parameter even without a ``File()`` marker, as in FastAPI: ``UploadFile``,
    a union with it (``UploadFile | None``, ``UploadFile | str``), or a sequence of
    those (``list[UploadFile]``, ``list[UploadFile | None]``), or a union with one."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return _is_upload_or_union(annotation) or _is_upload_sequence(annotation)


def _is_upload_class(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, UploadFile)


def _is_upload_or_union(tp: Any) -> bool:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return any(_is_upload_class(arg) for arg in typing.get_args(tp))
    return _is_upload_class(tp)


def _is_upload_sequence(tp: Any) -> bool:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return any(_is_upload_sequence(arg) for arg in typing.get_args(tp))
    args = typing.get_args(tp)
    return bool(args) and is_sequence(tp) and all(_is_upload_or_union(arg) for arg in args)


def is_bare_sequence(annotation: Any) -> bool:
    """An unparametrised sequence class (``list``, ``tuple``, ``set``, ``Sequence``...),
    also in ``Annotated`` or a union: FastAPI takes it, unmarked, for a ``File()``
    (its items are not known not to be files), and hands a file's content as bytes."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return is_bare_sequence(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(is_bare_sequence(arg) for arg in typing.get_args(annotation))
    if typing.get_args(annotation):
        return False
    tp = origin or annotation  # typing.List unparametrised has list as its origin
    return is_sequence_class(tp)


def _is_bytes(annotation: Any) -> bool:
    return unwrap_optional(annotation) is bytes


def _is_bytes_sequence(annotation: Any) -> bool:
    bare = unwrap_optional(annotation)
    args = typing.get_args(bare)
    if not args:
        return is_bare_sequence(bare)
    return is_sequence(bare) and unwrap_optional(args[0]) is bytes


def _is_empty_file(value: Any) -> bool:
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def _absent(value: Any) -> bool:
    return value is None or value == "" or _is_empty_file(value)


def _pick(form: FormData, key: str, many: bool) -> Any:
    """The raw value under ``key``, or None when the form does not (really) have it."""
    if many:
        found = [item for item in form.getlist(key) if not _is_empty_file(item)]
        return found or None
    value = form.get(key)
    return None if _absent(value) else value


def _describe(value: Any) -> Any:
    """An error's ``input`` made JSON-ready: an UploadFile becomes its metadata (FastAPI
    dumps the object's attributes, file internals included; those stay private here)."""
    if isinstance(value, UploadFile):
        return {"filename": value.filename, "size": value.size, "headers": dict(value.headers)}
    if isinstance(value, dict):
        return {key: _describe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_describe(item) for item in value]
    return value


ModelPlan = list[tuple[tuple[str, ...], bool]]
"""A form model's fields: (the keys each is read under, preferred first; takes
every value?)."""


def _model_data(form: FormData, plan: ModelPlan, own: frozenset[str]) -> dict[str, Any]:
    """What a form model validates: each field under the first of its keys sent
    (``plan``), absent ones left out, and every other key as an extra (one value, or
    the list of a repeated key) for the model's ``extra`` setting to judge.  ``own``:
    the keys of the fields read under one key only; a field with several (an
    ``AliasChoices``) claims the one it was read under and those before it (sent
    empty), or all when none was sent, so a later choice that was sent too is an
    extra, as in FastAPI."""
    data: dict[str, Any] = {}
    for keys, many in plan:
        for index, key in enumerate(keys):
            value = _pick(form, key, many)
            if value is not None:
                # Two fields may share a key (an alias choice): the later one's
                # reading of it stands, as in FastAPI.
                data[key] = value
                if len(keys) > 1:  # the empty choices before it are the field's too
                    own = own.union(keys[: index + 1])
                break
        else:
            if len(keys) > 1:
                own = own.union(keys)
    extras: dict[str, list[Any]] = {}
    for key, value in form.multi_items():
        if key not in own:
            extras.setdefault(key, []).append(value)
    for key, found in extras.items():
        data[key] = found[0] if len(found) == 1 else found
    return data


def _model_plan(cls: type) -> ModelPlan:
    """A form model's :data:`ModelPlan` (a pydantic model's keys: :func:`field_keys`)."""
    if is_pydantic_model(cls) and not dataclasses.is_dataclass(cls):
        config = getattr(cls, "model_config", None) or {}
        fields: dict[str, Any] = getattr(cls, "model_fields", {})
        return [
            (tuple(field_keys(name, info, config)), is_sequence(info.annotation))
            for name, info in fields.items()
        ]
    return [((key,), is_sequence(tp)) for key, tp, _ in _fields(cls)]


def _plan_keys(plan: ModelPlan) -> frozenset[str]:
    """The keys always the model's own: those of its fields read under one key
    (see :func:`_model_data` for the others)."""
    return frozenset(keys[0] for keys, _ in plan if len(keys) == 1)


def _any_plan_key(plan: ModelPlan) -> frozenset[str]:
    """Every key any field of the plan is read under: one sent says the model was."""
    return frozenset(key for keys, _ in plan for key in keys)


def field_keys(name: str, info: Any, config: Mapping[str, Any]) -> list[str]:
    """The form keys of a pydantic model's field, in preference order, as FastAPI
    reads them: its string validation alias, else its alias, else its name; each
    plain string of an ``AliasChoices`` instead (one with an ``AliasPath`` keeps the
    first rule); only the name when the model does not validate by alias, the name
    last when it also validates by name (``validate_by_name``/``populate_by_name``)."""
    chosen = info.validation_alias
    alias = chosen if isinstance(chosen, str) and chosen else (info.alias or name)
    kind = type(chosen).__name__
    if kind == "AliasPath":
        return [alias]
    keys = [alias]
    if kind == "AliasChoices":
        choices = list(chosen.choices)
        if not all(isinstance(choice, str) for choice in choices):
            return keys
        keys = choices
    if config.get("validate_by_alias") is False:
        return [name]
    by_name = config.get("validate_by_name", config.get("populate_by_name", False))
    return [*keys, name] if by_name and name not in keys else keys


def _keeps_extras(cls: type) -> bool:
    """A model whose ``extra`` is "allow" or "forbid": any key sent is its business."""
    config = getattr(cls, "model_config", None)
    return isinstance(config, Mapping) and config.get("extra") in ("allow", "forbid")


def form_union_members(annotation: Any) -> tuple[Any, ...] | None:
    """The members (as written, ``None`` among them if there) of a union of two or
    more pydantic models, ``Annotated`` aside: a form union (FastAPI's rule); else None."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    members = typing.get_args(annotation)
    models = [_member_class(member) for member in members if member is not types.NoneType]
    if len(models) < 2 or not all(is_pydantic_model(cls) for cls in models):
        return None
    return members


def form_models(marker: Param | None, annotation: Any) -> tuple[list[type], bool]:
    """The pydantic models a form parameter is filled as (one, or a union's members)
    and whether it may be absent (``| None``); ``([], False)`` for any other form
    parameter.  What the OpenAPI document composes the form body from."""
    if isinstance(marker, FileParam) or reads_json(annotation):
        return [], False  # a Json[Model] field is one value, the JSON text
    members = form_union_members(annotation)
    if members is not None:
        models = [_member_class(member) for member in members if member is not types.NoneType]
        return models, types.NoneType in members
    cls, _, optional = unwrap(annotation)
    return ([cls], optional) if is_pydantic_model(cls) else ([], False)


def form_model_keys(models: list[type]) -> tuple[list[str], bool]:
    """The keys the fields of ``models`` are read under, sorted, and whether one of
    them takes any key (``extra`` "allow" or "forbid")."""
    keys = sorted({key for cls in models for key in _any_plan_key(_model_plan(cls))})
    return keys, any(_keeps_extras(cls) for cls in models)


def _member_class(member: Any) -> Any:
    if typing.get_origin(member) is typing.Annotated:
        return typing.get_args(member)[0]
    return member


def _member_reader(cls: type) -> Callable[[Any], Any]:
    """A union member's view of the form, given as the dict of every key sent (a
    repeated key's values as a list): what the model alone would be given."""
    plan = _model_plan(cls)
    own = _plan_keys(plan)

    def read(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        items = [
            (key, item)
            for key, found in value.items()
            for item in (found if isinstance(found, list) else [found])
        ]
        data = _model_data(FormData(items), plan, own)
        for key, found in value.items():  # never sent by a browser; a validator's
            if found is None or (isinstance(found, list) and not found):
                data[key] = found
        return data

    return read


def _union_converter(
    members: tuple[Any, ...], annotation: Any, extra: Mapping[str, Any]
) -> Converter:
    """The form union's validation, by pydantic (installed: the members are its
    models): each member reads the form its own way, and is tagged by its class
    name in errors unless it carries a ``Tag``, as in FastAPI.  pydantic's own
    metadata on the union (``Field(union_mode=...)``, a ``Discriminator``, a
    ``BeforeValidator`` that reshapes the form) and the marker's ``discriminator``
    and ``union_mode`` apply to it as pydantic applies them."""
    from pydantic import BeforeValidator, Field, Tag, TypeAdapter

    choices: list[Any] = []
    for member in members:
        if member is types.NoneType:
            choices.append(member)
            continue
        metadata: list[Any] = []
        if typing.get_origin(member) is typing.Annotated:
            cls, *metadata = typing.get_args(member)
        else:
            cls = member
        tag = next((item for item in reversed(metadata) if isinstance(item, Tag)), None)
        choices.append(
            typing.Annotated[member, BeforeValidator(_member_reader(cls)), tag or Tag(cls.__name__)]
        )
    union: Any = typing.Union[tuple(choices)]  # noqa: UP007 - built from a tuple
    metadata = [
        item
        for item in getattr(annotation, "__metadata__", ())
        if type(item).__module__.partition(".")[0] == "pydantic"
    ]
    options = {k: extra[k] for k in ("discriminator", "union_mode") if extra.get(k) is not None}
    if options:
        metadata.append(Field(**options))
    if metadata:
        union = typing.Annotated[(union, *metadata)]
    return validating_converter(TypeAdapter(union).validate_python)


def _located(errors: list[dict[str, Any]], *prefix: Any) -> list[dict[str, Any]]:
    for error in prefix_errors(errors, *prefix):
        error["input"] = _describe(error.get("input"))
    return errors


async def _content(upload: UploadFile) -> bytes:
    """The file's bytes, leaving its position where it was (another parameter may
    read the same file)."""
    position = upload.file.tell()
    try:
        return await upload.read()
    finally:
        await upload.seek(position)


class FormStep:
    """One form parameter as compiled at registration."""

    __slots__ = (
        "convert",
        "key",
        "make_default",
        "many",
        "model_keys",
        "model_plan",
        "name",
        "plan_keys",
        "read_bytes",
        "required",
        "strict_extras",
        "wraps_model",
    )

    def __init__(
        self,
        name: str,
        key: str,
        annotation: Any,
        marker: Param | None,
        convert: Converter,
        required: bool,
        make_default: Callable[[], Any],
    ) -> None:
        self.name = name
        self.key = key
        self.convert = convert
        self.required = required
        self.make_default = make_default
        self.many = is_sequence(annotation)
        is_file = isinstance(marker, FileParam) or marker is None
        self.read_bytes = is_file and (_is_bytes(annotation) or _is_bytes_sequence(annotation))
        # A form model: its fields' plan, the keys that say it was sent, the keys
        # it reads as fields (the others are its extras).
        self.model_plan: ModelPlan | None = None
        self.model_keys: frozenset[str] = frozenset()
        self.plan_keys: frozenset[str] = frozenset()
        self.strict_extras = False
        self.wraps_model = False
        members = None if isinstance(marker, FileParam) else form_union_members(annotation)
        if members is not None:
            # Every key goes to the union, whose members each read their own.
            models = [_member_class(member) for member in members if member is not types.NoneType]
            self.model_plan = []
            self.model_keys = frozenset().union(*(_any_plan_key(_model_plan(c)) for c in models))
            self.strict_extras = any(_keeps_extras(cls) for cls in models)
            self.wraps_model = types.NoneType in members
            extra = getattr(marker, "extra", None) or {}
            self.convert = _union_converter(members, annotation, extra)
        elif not isinstance(marker, FileParam) and is_model_class(annotation):
            cls, _, self.wraps_model = unwrap(annotation)
            self.model_plan = _model_plan(cls)
            self.model_keys = _any_plan_key(self.model_plan)
            self.plan_keys = _plan_keys(self.model_plan)
            self.strict_extras = _keeps_extras(cls)

    def fill_now(self, form: FormData, kwargs: dict[str, Any], errors: list[Any]) -> None:
        """:meth:`fill` for a step that reads no file content (``not read_bytes``)."""
        if self.model_plan is not None:
            self._fill_model(form, kwargs, errors)
            return
        if self.many:
            value = _pick(form, self.key, True)
        else:
            value = form._dict.get(self.key)  # form.get, without its call
            if value.__class__ is str:
                if value == "":
                    value = None
            elif value.__class__ is UploadFile:
                if value.filename == "" and value.size == 0:  # _is_empty_file, inline
                    value = None
            elif _is_empty_file(value):
                value = None
        if value is None:
            self._fill_absent(kwargs, errors)
            return
        try:
            kwargs[self.name] = self.convert(value)
        except Invalid as exc:
            errors.extend(_located(exc.errors, "body", self.key))

    async def fill(self, form: FormData, kwargs: dict[str, Any], errors: list[Any]) -> None:
        if not self.read_bytes:
            self.fill_now(form, kwargs, errors)
            return
        value = _pick(form, self.key, self.many)
        if value is None:
            self._fill_absent(kwargs, errors)
            return
        if isinstance(value, list):
            value = [await _content(v) if isinstance(v, UploadFile) else v for v in value]
        elif isinstance(value, UploadFile):
            value = await _content(value)
        try:
            kwargs[self.name] = self.convert(value)
        except Invalid as exc:
            errors.extend(_located(exc.errors, "body", self.key))

    def _fill_absent(self, kwargs: dict[str, Any], errors: list[Any]) -> None:
        if self.required:
            errors.append(
                {
                    "type": "missing",
                    "loc": ("body", self.key),
                    "msg": "Field required",
                    "input": None,
                }
            )
        else:
            try:
                kwargs[self.name] = self.make_default()
            except Invalid as exc:  # validate_default=True: located by the plan
                errors.extend(exc.errors)

    def _fill_model(self, form: FormData, kwargs: dict[str, Any], errors: list[Any]) -> None:
        plan = self.model_plan
        assert plan is not None
        if self.wraps_model and not (
            self.model_keys.intersection(form) or (self.strict_extras and form)
        ):
            # An optional model none of whose fields was sent: absent.
            if self.required:
                errors.append(
                    {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
                )
            else:
                kwargs[self.name] = self.make_default()
            return
        data = _model_data(form, plan, self.plan_keys)
        try:
            kwargs[self.name] = self.convert(data)
        except Invalid as exc:
            errors.extend(_located(exc.errors, "body"))


class _ChoiceStep(FormStep):
    """A form parameter read under the first of several keys sent (its marker's
    ``validation_alias=AliasChoices(...)``), as FastAPI reads it: an empty value
    counts as absent, errors are located at the key read (the first when none was)."""

    __slots__ = ("keys",)

    def __init__(self, keys: tuple[str, ...], *args: Any) -> None:
        super().__init__(*args)
        self.keys = keys

    def _choose(self, form: FormData) -> tuple[str, Any]:
        for key in self.keys:
            value = _pick(form, key, self.many)
            if value is not None:
                return key, value
        return self.keys[0], None

    def _store(self, key: str, value: Any, kwargs: dict[str, Any], errors: list[Any]) -> None:
        if value is None:
            if self.required:
                missing = {"type": "missing", "loc": ("body", key), "msg": "Field required"}
                errors.append({**missing, "input": None})
            else:
                kwargs[self.name] = self.make_default()
            return
        try:
            kwargs[self.name] = self.convert(value)
        except Invalid as exc:
            errors.extend(_located(exc.errors, "body", key))

    def fill_now(self, form: FormData, kwargs: dict[str, Any], errors: list[Any]) -> None:
        self._store(*self._choose(form), kwargs, errors)

    async def fill(self, form: FormData, kwargs: dict[str, Any], errors: list[Any]) -> None:
        key, value = self._choose(form)
        if self.read_bytes:
            if isinstance(value, list):
                value = [await _content(v) if isinstance(v, UploadFile) else v for v in value]
            elif isinstance(value, UploadFile):
                value = await _content(value)
        self._store(key, value, kwargs, errors)


def alias_choices(marker: Param | None) -> tuple[str, ...] | None:
    """The keys of a marker's ``validation_alias=AliasChoices(...)`` when all are
    plain strings (an ``AliasPath`` reaches into JSON, not a form); else None."""
    chosen: Any = (getattr(marker, "extra", None) or {}).get("validation_alias")
    if type(chosen).__name__ != "AliasChoices":
        return None
    choices = tuple(chosen.choices)
    return choices if choices and all(isinstance(c, str) for c in choices) else None


class ParamSpec(Protocol):
    """What ``form_step`` reads of the plan's view of a parameter."""

    name: str
    key: str
    annotation: Any
    marker: Param | None
    required: bool


def form_step(
    endpoint_name: str, spec: ParamSpec, convert: Converter, make_default: Callable[[], Any]
) -> FormStep:
    """Compile one ``Form()``/``File()``/``UploadFile`` parameter; the multipart parser
    must be installed (checked here, at registration)."""
    try:
        require_multipart()
    except RuntimeError as exc:
        raise RuntimeError(f"{endpoint_name}: parameter {spec.name!r}: {exc}") from None
    args = (spec.name, spec.key, spec.annotation, spec.marker, convert, spec.required)
    choices = alias_choices(spec.marker)
    if choices is not None and form_models(spec.marker, spec.annotation) == ([], False):
        return _ChoiceStep(choices, *args, make_default)
    return FormStep(*args, make_default)


def form_reader(steps: list[FormStep], limits: FormLimits = FORM_LIMITS) -> FormReader:
    """Fill ``kwargs`` from the form body, appending errors, awaiting the steps that
    read file content; return the form (kept as ``RequestValidationError.body``, as
    FastAPI does).  Steps that read none are filled by :func:`form_filler`'s."""
    max_files, max_fields, max_part_size = limits

    async def read(request: Request, kwargs: dict[str, Any], errors: list[Any]) -> Any:
        form = await request._read_form(max_files, max_fields, max_part_size)
        for step in steps:
            await step.fill(form, kwargs, errors)
        return form

    return read


FormFiller = Callable[[FormData, dict[str, Any], list[Any]], None]


def form_filler(steps: list[FormStep]) -> FormFiller | None:
    """``fill(form, kwargs, errors)``: the steps filled from a form already read, when
    none of them reads file content (none needs awaiting); else None.

    PERF: a route's plan then reads the form itself (``request._read_form`` with
    :data:`FORM_LIMITS`) and calls this, one coroutine less than ``form_reader``'s
    (benchmarks/compare.py upload)."""
    if any(step.read_bytes for step in steps):
        return None
    if len(steps) == 1:
        return steps[0].fill_now

    def fill_all(form: FormData, kwargs: dict[str, Any], errors: list[Any]) -> None:
        for step in steps:
            step.fill_now(form, kwargs, errors)

    return fill_all


class _ClosingResponse(Response):
    """Sends ``response`` unchanged, then closes the request's uploaded files, also
    when sending fails (the client left) or a background task raises."""

    def __init__(self, response: Response, request: Request) -> None:
        # Not Response.__init__: every attribute is the wrapped response's.
        self.response = response
        self.request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self.response, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.response(scope, receive, send)
        finally:
            await self.request.close()


ClosingMessages = list[Any]
"""``[start, body, closing]``: the two messages of a whole answer and what the router
closes once they are sent (or sending failed): the form read (``FormData.close``,
one coroutine less than ``Request.close``), else the request.  A list, not a tuple:
the router tells it from a plain answer's two messages with no check on that
answer's path (asgiweb.routing.Router.__call__)."""


def closing_answer(
    answer: Response | AnswerMessages, request: Request
) -> Response | AnswerMessages | ClosingMessages:
    """``answer`` (a Response or its two messages) with the request's uploaded files
    closed once it is sent: a Response that closes them, or the two messages as
    :data:`ClosingMessages` (PERF: no Response object, no coroutine of its own:
    benchmarks/compare.py upload); ``answer`` itself when the form read has no file
    (nothing to close: benchmarks/compare.py form)."""
    form = request._form
    if form is not None:
        for _, value in form._list:
            if isinstance(value, UploadFile):
                break
        else:
            return answer
    if isinstance(answer, tuple):
        return [answer[0], answer[1], form if form is not None else request]
    return _ClosingResponse(answer, request)


def close_files_after(handle: Handle) -> Handle:
    """``handle`` for a route with form parameters: its files are closed after the
    response, or right away when the handler (or validation) fails."""

    async def handle_form(request: Request) -> Response:
        try:
            response = await handle(request)
        except BaseException:
            await request.close()
            raise
        form = request._form  # what request.close() closes the files of
        if form is not None:
            # PERF: a form without files has nothing to close after sending (no
            # header to read: benchmarks/compare.py form).
            for _, value in form.multi_items():
                if isinstance(value, UploadFile):
                    return _ClosingResponse(response, request)
            return response
        # Not parsed (yet): a multipart body parsed while sending makes files.
        content_type: str = request.headers.get("content-type") or ""
        if "multipart" not in content_type.lower():
            return response
        return _ClosingResponse(response, request)

    return handle_form
