"""Build the OpenAPI 3.1 document from the routes (docs/openapi.md).

The document is a view of what each route compiled at registration: its
options (``Route.options``, tags, responses...) and its plan's account of the
handler's parameters (``Route.info``, ``asgiweb._endpoint.info``).  No handler
is inspected here.  The rules are FastAPI's, so the same app gives the same
document on both (tests/test_openapi_oracle.py keeps the proof):

- one operation per declared method (a GET route's implicit HEAD is not one);
  ``operationId`` is ``generate_unique_id(route)``: name + path + first method,
  every non-word character turned into ``_``; ``summary`` defaults to the name
  in title case, ``description`` to the handler's docstring (cut at ``\\f``);
- parameters in path, query, header, cookie order, each with its schema
  (constraints, default, title, description); a parameter model's fields are
  parameters of their own;
- one body parameter (not embedded) is the request body itself; several, or
  ``Body(embed=True)``, make a ``Body_<operationId>`` object schema;
- the success response under the route's status code (or the response class's
  default), with the response model's schema for a JSON response class, a
  string for another media type, nothing without one or for a status that
  has no body; ``responses=`` entries merged over it; a ``422`` with
  ``HTTPValidationError`` when the route takes any parameter or body;
- request schemas are "validation" mode and response schemas "serialization"
  mode; a class that differs between the two is ``Name-Input`` / ``Name-Output``
  unless ``separate_input_output_schemas=False``.
"""

from __future__ import annotations

import copy
import dataclasses
import http.client
import inspect
import re
import typing
import urllib.parse
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from asgiweb._endpoint.forms import (
    alias_choices,
    field_keys,
    form_model_keys,
    form_models,
    form_union_members,
    is_upload_annotation,
)
from asgiweb._endpoint.info import ParamInfo
from asgiweb._endpoint.sources import is_model_class
from asgiweb._foreign import loaded_class
from asgiweb._validation.annotations import unwrap
from asgiweb._validation.compiler import is_pydantic_model, is_typeddict
from asgiweb._validation.jsonschema import (
    Ref,
    SchemaGenerator,
    field_documentation,
    pydantic_fields,
    resolve_refs,
)
from asgiweb.datastructures import UploadFile
from asgiweb.encoders import jsonable_encoder
from asgiweb.openapi.constants import (
    METHODS_WITH_BODY,
    VALIDATION_ERROR,
    VALIDATION_ERROR_RESPONSE,
)
from asgiweb.params import REQUIRED, BodyParam, FileParam, FormParam, HeaderParam
from asgiweb.responses import JSONResponse, Response
from asgiweb.routing import Route
from asgiweb.sse import EventSourceResponse

__all__ = [
    "generate_unique_id",
    "get_openapi",
    "get_openapi_path",
    "is_body_allowed_for_status_code",
    "path_format",
]

_STATUS_RANGES = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}
# One Server-Sent Event as a stream item (the WHATWG event stream format's fields).
_SSE_EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {"type": "string"},
        "event": {"type": "string"},
        "id": {"type": "string"},
        "retry": {"type": "integer", "minimum": 0},
    },
}
_CONVERTOR = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def path_format(path: str) -> str:
    """``/files/{name:path}`` -> ``/files/{name}``: the path as OpenAPI writes it."""
    return _CONVERTOR.sub(r"{\1}", path)


def _methods(route: Route) -> list[str]:
    return sorted(route.explicit_methods)


def generate_unique_id(route: Route) -> str:
    """FastAPI's default operation id: ``name + path + "_" + method``, ``\\W`` -> ``_``."""
    operation_id = re.sub(r"\W", "_", f"{route.name}{path_format(route.path)}")
    return f"{operation_id}_{_methods(route)[0].lower()}"


def is_body_allowed_for_status_code(status_code: int | str | None) -> bool:
    if status_code is None:
        return True
    if status_code in {"default", "1XX", "2XX", "3XX", "4XX", "5XX"}:
        return True
    code = int(status_code)
    return not (code < 200 or code in {204, 205, 304})


def _deep_update(main: dict[Any, Any], update: dict[Any, Any]) -> None:
    for key, value in update.items():
        if isinstance(main.get(key), dict) and isinstance(value, dict):
            _deep_update(main[key], value)
        elif isinstance(main.get(key), list) and isinstance(value, list):
            main[key] = main[key] + value
        else:
            main[key] = value


def _drop_none(node: Any) -> Any:
    """FastAPI writes its document without null members, data included (a
    ``default: None`` is left out, and so is a null value inside a default or an
    example); a null item of a list stays."""
    if isinstance(node, dict):
        return {k: _drop_none(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_drop_none(v) for v in node]
    return node


_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _url(value: Any) -> Any:
    """A URL as FastAPI writes the fields it types as URLs (``contact.url``,
    ``license.url``, ``externalDocs.url``): scheme and host in lower case, no default
    port, ``/`` for an empty path.  Anything that does not parse is left alone."""
    if not isinstance(value, str):
        return value
    parts = urllib.parse.urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        return value
    if not parts.scheme or not parts.hostname:
        return value
    scheme = parts.scheme.lower()
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if "@" in parts.netloc else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc += f":{port}"
    return urllib.parse.urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def _with_url(block: dict[str, Any] | None) -> dict[str, Any] | None:
    """A copy of ``block`` with its ``url`` written as ``_url`` says."""
    if not isinstance(block, dict) or "url" not in block:
        return block
    return {**block, "url": _url(block["url"])}


def _json_response_classes() -> tuple[type, ...]:
    """The classes whose success content is the response model's schema: ours, and
    Starlette's ``JSONResponse`` (FastAPI's) when a migrated app has loaded it; never
    imported here."""
    foreign = loaded_class("starlette.responses", "JSONResponse")
    return (JSONResponse,) if foreign is None else (JSONResponse, foreign)


def _default_status(response_class: type[Response]) -> str:
    try:
        parameter = inspect.signature(response_class.__init__).parameters.get("status_code")
    except (TypeError, ValueError):
        parameter = None
    if parameter is not None and isinstance(parameter.default, int):
        return str(parameter.default)
    return "200"


class _Builder:
    """Shared state of one document: the schema generator and the operation ids."""

    def __init__(
        self,
        separate_input_output_schemas: bool,
        generate_id: Callable[[Route], str] | None,
    ) -> None:
        self.schemas = SchemaGenerator(
            separate_input_output_schemas=separate_input_output_schemas,
            known={UploadFile: {"type": "string", "contentMediaType": "application/octet-stream"}},
        )
        self.operation_ids: set[str] = set()
        self.generate_id = generate_id or generate_unique_id
        self.extra_definitions: dict[str, Any] = {}
        self.security_schemes: dict[str, Any] = {}

    def unique_id(self, route: Route) -> str:
        given = route.options.get("operation_id")
        if given:
            return given
        function = route.options.get("generate_unique_id_function") or self.generate_id
        return str(function(route))

    # -- security --------------------------------------------------------------------

    def security(self, route: Route) -> list[dict[str, list[str]]]:
        """The operation's security requirements (one per scheme, scopes merged), and
        each scheme's definition filed for ``components.securitySchemes``."""
        if not route.info.security:
            return []
        from asgiweb.openapi.security import security_scheme

        required: dict[str, list[str]] = {}
        for scheme, scopes in route.info.security:
            name = scheme.scheme_name
            self.security_schemes[name] = security_scheme(scheme)
            listed = required.setdefault(name, [])
            listed.extend(scope for scope in scopes if scope not in listed)
        return [{name: scopes} for name, scopes in required.items()]

    # -- parameters ------------------------------------------------------------------

    def parameters(self, route: Route) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        order = {"path": 0, "query": 1, "header": 2, "cookie": 3}
        simple = sorted(
            (p for p in route.info.params if p.source in order), key=lambda p: order[p.source]
        )
        for param in simple:
            marker = param.marker
            # A hidden parameter is left out, but the classes its type names are still
            # components (FastAPI describes every parameter's type).
            shown = marker is None or marker.include_in_schema
            if param.source != "path" and is_model_class(param.annotation):
                described = self._model_parameters(param)
                if shown:
                    out.extend(described)
                continue
            default = param.default if param.default_factory is None else REQUIRED
            schema = self.schemas.field_schema(
                param.annotation,
                "validation",
                name=param.key,
                default=_missing_if_required(default),
                markers=[marker] if marker is not None else (),
                title_rule="parameter",
            )
            if shown:
                docs = field_documentation(param.annotation, [marker] if marker else ())
                entry = self._parameter(param.key, param.source, param.required, schema, marker)
                if docs.get("description"):
                    entry["description"] = docs["description"]
                if docs.get("deprecated"):
                    entry["deprecated"] = True
                out.append(entry)
        return out

    def _parameter(
        self, name: str, where: str, required: bool, schema: dict[str, Any], doc: Any
    ) -> dict[str, Any]:
        parameter: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": required,
            "schema": schema,
        }
        description = getattr(doc, "description", None)
        if description:
            parameter["description"] = description
        extra = getattr(doc, "extra", None) or {}
        if extra.get("openapi_examples"):
            parameter["examples"] = extra["openapi_examples"]
        elif "example" in extra:
            parameter["example"] = extra["example"]
        if getattr(doc, "deprecated", None):
            parameter["deprecated"] = True
        return parameter

    def _model_parameters(self, param: ParamInfo) -> list[dict[str, Any]]:
        """A parameter model: each of its fields is a parameter of its own."""
        model = unwrap(param.annotation).type
        optional = model is not param.annotation and not param.required
        convert = param.source == "header" and (
            not isinstance(param.marker, HeaderParam) or param.marker.convert_underscores
        )
        out = []
        for name, tp, default, required, doc in _model_fields(model):
            # An alias is the header's name as written; a field's own name is converted.
            own = not is_pydantic_model(model) or name in pydantic_fields(model)
            choices = getattr(getattr(doc, "validation_alias", None), "choices", None)
            own = own and not (choices and name == choices[0])  # a choice: as written
            key = name.replace("_", "-") if convert and own else name
            schema = self.schemas.field_schema(
                tp,
                "validation",
                name=name,  # the title is the field's, not the header's spelling
                default=dataclasses.MISSING if required else default,
                markers=[doc] if doc is not None else (),
                title_rule="parameter",
            )
            out.append(self._parameter(key, param.source, required and not optional, schema, doc))
        return out

    # -- bodies ----------------------------------------------------------------------

    def request_body(self, route: Route, unique_id: str) -> dict[str, Any] | None:
        body = route.info.body
        if not body:
            return None
        embedded = route.info.body_embedded
        models: list[tuple[list[type], bool]] = []
        if any(p.source == "form" for p in body):
            # FastAPI: any file makes it multipart; a lone form field that is not a
            # pydantic model (or a union of them) is still an object of one field.
            files = any(
                isinstance(p.marker, FileParam) or is_upload_annotation(p.annotation) for p in body
            )
            models = [form_models(p.marker, p.annotation) for p in body]
            embedded = len(body) > 1 or not models[0][0] or models[0][1]
            media_type = _form_media_type(body, files, embedded)
        else:
            media_types = {p.marker.media_type for p in body if isinstance(p.marker, BodyParam)}
            media_type = media_types.pop() if len(media_types) == 1 else "application/json"
        if not embedded:
            (param,) = body
            schema = self._body_field(param, "parameter")
            required = param.required
        else:
            properties: dict[str, Any] = {}
            needed: list[str] = []
            # FastAPI composes form models (flat in the form) with allOf.
            composed: list[dict[str, Any]] = []
            with_models = any(found for found, _ in models)
            for index, param in enumerate(body):
                if models and models[index][0]:
                    composed.extend(self._form_model_parts(param, *models[index]))
                    continue
                choices = alias_choices(param.marker) if param.source == "form" else None
                if choices is not None:  # documented under its first alias choice
                    param = dataclasses.replace(param, key=choices[0])
                # FastAPI titles a field beside form models by its parameter name.
                field = self._body_field(param, "field", param.name if with_models else None)
                if with_models:
                    # Beside form models a key read twice (a dependency's, an alias)
                    # is listed once; the later ones' schemas join the allOf.
                    if param.key in properties:
                        composed.append({"properties": {param.key: field}})
                    else:
                        properties[param.key] = field
                    if param.required and param.key not in needed:
                        needed.append(param.key)
                    continue
                properties[param.key] = field
                if param.required:
                    needed.append(param.key)
            name = f"Body_{unique_id}"
            model: dict[str, Any] = {"properties": properties} if properties or not composed else {}
            if needed:
                model["required"] = needed
            if composed:
                model["allOf"] = composed
            model["title"] = name
            model["type"] = "object"
            self.extra_definitions[name] = model
            schema = {"$ref": f"#/components/schemas/{name}"}
            required = any(p.required for p in body) if composed else bool(needed)
        request_body: dict[str, Any] = {}
        if required:
            request_body["required"] = True
        content: dict[str, Any] = {"schema": schema}
        # A body's examples are the content's only when the parameter is the body
        # itself (an embedded one is a property of the Body_ object).
        extra = (getattr(body[0].marker, "extra", None) or {}) if not embedded else {}
        if extra.get("openapi_examples"):
            content["examples"] = extra["openapi_examples"]
        elif "example" in extra:
            content["example"] = extra["example"]
        request_body["content"] = {media_type: content}
        return request_body

    def _form_model_parts(
        self, param: ParamInfo, models: list[type], nullable: bool
    ) -> list[dict[str, Any]]:
        """A form model's (or union's) part of the form body's ``allOf``: its schema,
        and for an optional one, "or none of its keys" (FastAPI's shape)."""
        schema = self.schemas.field_schema(
            param.annotation,
            "validation",
            name=param.name,
            markers=[param.marker] if param.marker is not None else (),
            title_rule="parameter",
        )
        if len(models) == 1 and form_union_members(param.annotation) is None:
            schema = self._form_model_keys_shown(schema, models[0])
        if not nullable:
            return [schema]
        schema["anyOf"] = [one for one in schema["anyOf"] if one.get("type") != "null"]
        keys, any_key = form_model_keys(models)
        absent: dict[str, Any] = (
            {"maxProperties": 0}
            if any_key
            else {"not": {"anyOf": [{"required": [key]} for key in keys]}}
            if keys
            else {}
        )
        if param.required:
            return [{"not": absent}, schema]
        return [{"anyOf": [absent, schema]}]

    def _form_model_keys_shown(self, schema: dict[str, Any], model: type) -> dict[str, Any]:
        """A form model's schema with each field under the key the form is read by,
        where that is not the model's own name for it (``populate_by_name``,
        ``AliasChoices``, ``validate_by_alias=False``): a copy of the model's schema,
        a field readable under several keys required as "any of them" (FastAPI's)."""
        refs = [
            item
            for item in (schema, *schema.get("anyOf", ()))
            if isinstance(item.get("$ref"), Ref) and item["$ref"].key is model
        ]
        definition = self.schemas.definition(refs[0]["$ref"]) if refs else None
        if definition is None:
            return schema
        properties = definition.get("properties", {})
        required = definition.get("required", [])
        config = getattr(model, "model_config", None) or {}
        renamed: dict[str, list[str]] = {}
        for name, info in pydantic_fields(model).items():
            chosen = info.validation_alias
            if type(chosen).__name__ == "AliasChoices":
                shown = chosen.choices[0]
            else:
                shown = chosen if isinstance(chosen, str) and chosen else (info.alias or name)
            keys = field_keys(name, info, config)
            if (
                isinstance(shown, str)
                and shown in properties
                and (keys[0] != shown or (len(keys) > 1 and shown in required))
            ):
                renamed[shown] = keys
        if not renamed:
            return schema
        inline = copy.deepcopy(definition)
        inline["properties"] = {
            renamed.get(name, [name])[0]: value for name, value in properties.items()
        }
        inline["required"] = []
        for name in required:
            keys = renamed.get(name, [name])
            if len(keys) == 1:
                inline["required"].append(keys[0])
            else:
                inline.setdefault("allOf", []).append(
                    {"anyOf": [{"required": [key]} for key in keys]}
                )
        if schema is refs[0]:
            return {**{k: v for k, v in schema.items() if k != "$ref"}, **inline}
        schema["anyOf"] = [inline if item is refs[0] else item for item in schema["anyOf"]]
        return schema

    def _body_field(
        self, param: ParamInfo, rule: Any, title_from: str | None = None
    ) -> dict[str, Any]:
        default = param.default if param.default_factory is None else REQUIRED
        return self.schemas.field_schema(
            param.annotation,
            "validation",
            name=title_from or param.key,
            default=_missing_if_required(default),
            markers=[param.marker] if param.marker is not None else (),
            title_rule=rule,
        )

    # -- responses -------------------------------------------------------------------

    def response_schema(self, tp: Any, name: str) -> dict[str, Any]:
        return self.schemas.field_schema(tp, "serialization", name=name, title_rule="parameter")

    def _success_content(
        self, route: Route, response_class: type[Response], unique_id: str
    ) -> dict[str, Any] | None:
        """The success response's content: JSON Lines or Server-Sent Events items for
        a handler that yields (FastAPI's rule: JSON Lines with the default response
        class, events with EventSourceResponse), else the response class's media type
        with the response model's schema (JSON) or a string."""
        info = route.info
        if (
            info.generator
            and route.response_class is None
            and route.default_response_class is JSONResponse
        ):
            item = self._stream_item(route, unique_id)
            return {"application/jsonl": {"itemSchema": item or {}}}
        if info.generator and issubclass(response_class, EventSourceResponse):
            event = copy.deepcopy(_SSE_EVENT)
            item = self._stream_item(route, unique_id)
            if item is not None:
                event["required"] = ["data"]
                event["properties"]["data"] = {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": item,
                }
            return {"text/event-stream": {"itemSchema": event}}
        # The model is described even when a non-JSON class answers: its classes are
        # components all the same (as FastAPI files every response model).
        model_schema = self._success_schema(route, unique_id)
        media_type = response_class.media_type
        if not media_type:
            return None
        schema: dict[str, Any] = {"type": "string"}
        if issubclass(response_class, _json_response_classes()):
            schema = model_schema
        return {media_type: {"schema": schema}}

    def _stream_item(self, route: Route, unique_id: str) -> dict[str, Any] | None:
        item = route.info.stream_item
        if item is None:
            return None
        return self.response_schema(item, f"StreamItem_{unique_id}")

    def _success_schema(self, route: Route, unique_id: str) -> dict[str, Any]:
        """The response model's schema: the plan decided which one (``response_model=``,
        else the return annotation when it is a type the response can be fitted to)."""
        model = route.info.response_model
        if model is None:
            return {}
        return self.response_schema(model, f"Response_{unique_id}")

    def operation(self, route: Route, method: str, response_class: type[Response]) -> Any:
        options = route.options
        unique_id = self.unique_id(route)
        operation: dict[str, Any] = {}
        if route.tags:
            operation["tags"] = list(route.tags)
        operation["summary"] = options.get("summary") or route.name.replace("_", " ").title()
        description = options.get("description")
        if description is None:
            description = inspect.cleandoc(getattr(route.endpoint, "__doc__", None) or "")
        # FastAPI's rule for both: what comes before a form feed, stripped.
        description = description.split("\f")[0].strip()
        if description:
            operation["description"] = description
        operation_id = options.get("operation_id") or unique_id
        if operation_id in self.operation_ids:
            name = getattr(route.endpoint, "__name__", "<unnamed_endpoint>")
            message = f"Duplicate Operation ID {operation_id} for function {name}"
            file_name = getattr(route.endpoint, "__globals__", {}).get("__file__")
            if file_name:
                message += f" at {file_name}"
            warnings.warn(message, stacklevel=2)
        self.operation_ids.add(operation_id)
        operation["operationId"] = operation_id
        if route.deprecated:
            operation["deprecated"] = True
        security = self.security(route)
        if security:
            operation["security"] = security
        parameters = self.parameters(route)
        if parameters:
            merged = {(p["in"], p["name"]): p for p in parameters}
            merged.update({(p["in"], p["name"]): p for p in parameters if p["required"]})
            operation["parameters"] = list(merged.values())
        if method in METHODS_WITH_BODY:
            request_body = self.request_body(route, unique_id)
            if request_body:
                operation["requestBody"] = request_body
        callbacks = self.callbacks(route)
        if callbacks:
            operation["callbacks"] = callbacks
        responses = operation["responses"] = self.responses(route, response_class, unique_id)
        if (route.info.params) and not any(code in responses for code in ("422", "4XX", "default")):
            responses["422"] = {
                "description": "Validation Error",
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/HTTPValidationError"}
                    }
                },
            }
            self.extra_definitions.setdefault("ValidationError", VALIDATION_ERROR)
            self.extra_definitions.setdefault("HTTPValidationError", VALIDATION_ERROR_RESPONSE)
        extra = options.get("openapi_extra")
        if extra:
            _deep_update(operation, copy.deepcopy(extra))
        return operation

    def callbacks(self, route: Route) -> dict[str, Any]:
        """The requests this operation makes to its client (``callbacks=``, routes of a
        router written for the purpose): name -> {path expression -> path item}.  The
        path is kept as written (a runtime expression such as ``{$callback_url}``); the
        security schemes of a callback are not filed, as FastAPI does not file them."""
        out: dict[str, Any] = {}
        for callback in route.options.get("callbacks") or ():
            if isinstance(callback, Route):
                schemes = dict(self.security_schemes)
                out[callback.name] = {callback.path: get_openapi_path(callback, self)}
                self.security_schemes = schemes
        return out

    def responses(
        self, route: Route, response_class: type[Response], unique_id: str
    ) -> dict[str, Any]:
        options = route.options
        status = (
            str(route.status_code)
            if route.status_code is not None
            else _default_status(response_class)
        )
        responses: dict[str, Any] = {
            status: {"description": options.get("response_description", "Successful Response")}
        }
        media_type = response_class.media_type
        if is_body_allowed_for_status_code(route.status_code):
            content = self._success_content(route, response_class, unique_id)
            if content is not None:
                responses[status]["content"] = content
        for code, extra in route.responses.items():
            processed = copy.deepcopy(extra)
            model = processed.pop("model", None)
            key = str(code).upper()
            if key == "DEFAULT":
                key = "default"
            answer = responses.setdefault(key, {})
            if model is not None:
                field = self.response_schema(model, f"Response_{code}_{unique_id}")
                where = (
                    processed.setdefault("content", {})
                    .setdefault(media_type or "application/json", {})
                    .setdefault("schema", {})
                )
                _deep_update(where, field)
            text = _STATUS_RANGES.get(str(code).upper())
            if text is None:
                text = http.client.responses.get(_status_number(code, route))
            description = (
                processed.get("description")
                or answer.get("description")
                or text
                or "Additional Response"
            )
            _deep_update(answer, processed)
            answer["description"] = description
        return responses


def _status_number(code: Any, route: Route) -> int:
    """A ``responses=`` key as a number; any other key (not a range such as ``4XX``
    nor ``default``) makes the document fail, as FastAPI's does (docs/openapi.md)."""
    try:
        return int(code)
    except (TypeError, ValueError):
        raise ValueError(
            f"responses key {code!r} of route {route.path!r} is not a status code, "
            "a range such as '4XX', or 'default'"
        ) from None


def _form_media_type(body: Sequence[ParamInfo], files: bool, embedded: bool) -> str:
    """A form body's media type as FastAPI documents it: a lone form parameter's own;
    else multipart when a file or any field asks for it, the fields' one type when
    they agree, and urlencoded when they do not."""
    marked = [p.marker.media_type for p in body if isinstance(p.marker, FormParam)]
    if not embedded and marked:
        return marked[0]
    if files or "multipart/form-data" in marked:
        return "multipart/form-data"
    if len(set(marked)) == 1:
        return marked[0]
    return "application/x-www-form-urlencoded"


def _missing_if_required(default: Any) -> Any:
    return dataclasses.MISSING if default is REQUIRED else default


def _model_fields(model: Any) -> list[tuple[str, Any, Any, bool, Any]]:
    """(name, annotation, default, required, doc marker) of a parameter model's fields."""
    out: list[tuple[str, Any, Any, bool, Any]] = []
    if is_pydantic_model(model):
        for name, field in pydantic_fields(model).items():
            required = field.is_required()
            default = dataclasses.MISSING
            if not required and field.default_factory is None:
                default = field.default
            # The key the query string, headers or cookies are read by (a string
            # validation_alias first, as the parameter sources read them).
            alias = field.validation_alias if isinstance(field.validation_alias, str) else None
            key = alias or field.alias or name
            choices = getattr(field.validation_alias, "choices", None)
            if choices and all(isinstance(choice, str) for choice in choices):
                key = choices[0]  # an AliasChoices: documented by its first name
            if (getattr(model, "model_config", None) or {}).get("validate_by_alias") is False:
                key = name  # read by the name only
            out.append((key, field.annotation, default, required, field))
        return out
    hints = typing.get_type_hints(model, include_extras=True)
    if dataclasses.is_dataclass(model):
        for item in dataclasses.fields(model):
            has_factory = item.default_factory is not dataclasses.MISSING
            required = item.default is dataclasses.MISSING and not has_factory
            default = dataclasses.MISSING if has_factory else item.default
            out.append((item.name, hints.get(item.name, Any), default, required, None))
        return out
    if is_typeddict(model):
        keys: frozenset[str] = getattr(model, "__required_keys__", frozenset(hints))
        for name, tp in hints.items():
            out.append((name, tp, dataclasses.MISSING, name in keys, None))
    return out


def get_openapi_path(route: Route, builder: _Builder) -> dict[str, Any]:
    """The path item (method -> operation) of one route."""
    response_class = route.response_class or route.default_response_class
    return {
        method.lower(): builder.operation(route, method, response_class)
        for method in _methods(route)
    }


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[Any],
    webhooks: Sequence[Any] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
    generate_unique_id_function: Callable[[Route], str] | None = None,
) -> dict[str, Any]:
    """The OpenAPI document for ``routes`` (FastAPI's ``get_openapi`` keywords)."""
    info: dict[str, Any] = {"title": title, "version": version}
    if summary:
        info["summary"] = summary
    if description:
        info["description"] = description
    if terms_of_service:
        info["termsOfService"] = terms_of_service
    if contact:
        info["contact"] = _with_url(contact)
    if license_info:
        info["license"] = _with_url(license_info)
    output: dict[str, Any] = {"openapi": openapi_version, "info": info}
    if servers:
        output["servers"] = servers
    builder = _Builder(separate_input_output_schemas, generate_unique_id_function)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if isinstance(route, Route) and route.include_in_schema:
            paths.setdefault(path_format(route.path), {}).update(get_openapi_path(route, builder))
    webhook_paths: dict[str, dict[str, Any]] = {}
    for route in webhooks or ():
        if isinstance(route, Route) and route.include_in_schema:
            webhook_paths.setdefault(path_format(route.path), {}).update(
                get_openapi_path(route, builder)
            )
    definitions = {**builder.schemas.definitions(), **builder.extra_definitions}
    for schema in definitions.values():
        text = schema.get("description")
        if isinstance(text, str):
            schema["description"] = text.split("\f")[0]
    components: dict[str, Any] = {}
    if builder.security_schemes:
        components["securitySchemes"] = builder.security_schemes
    if definitions:
        components["schemas"] = {name: definitions[name] for name in sorted(definitions)}
    if components:
        output["components"] = components
    output["paths"] = paths
    if webhook_paths:
        output["webhooks"] = webhook_paths
    if tags:
        output["tags"] = [
            {**tag, "externalDocs": _with_url(tag["externalDocs"])}
            if isinstance(tag, dict) and "externalDocs" in tag
            else tag
            for tag in tags
        ]
    if external_docs:
        output["externalDocs"] = _with_url(external_docs)
    # JSON all the way down (an Enum tag becomes its value), as FastAPI encodes it.
    document: dict[str, Any] = jsonable_encoder(_drop_none(resolve_refs(output, builder.schemas)))
    return document
