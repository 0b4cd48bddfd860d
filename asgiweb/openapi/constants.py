"""Fixed parts of the OpenAPI document (docs/openapi.md)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "METHODS_WITH_BODY",
    "REF_PREFIX",
    "REF_TEMPLATE",
    "VALIDATION_ERROR",
    "VALIDATION_ERROR_RESPONSE",
]

METHODS_WITH_BODY = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"})
REF_PREFIX = "#/components/schemas/"
REF_TEMPLATE = "#/components/schemas/{model}"

# The 422 body every route with parameters can answer (docs/api.md, "Errors"):
# ``{"detail": [error, ...]}``, each error as pydantic v2 words it.
VALIDATION_ERROR: dict[str, Any] = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {
            "title": "Location",
            "type": "array",
            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        },
        "msg": {"title": "Message", "type": "string"},
        "type": {"title": "Error Type", "type": "string"},
        "input": {"title": "Input"},
        "ctx": {"title": "Context", "type": "object"},
    },
    "required": ["loc", "msg", "type"],
}
VALIDATION_ERROR_RESPONSE: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "properties": {
        "detail": {
            "title": "Detail",
            "type": "array",
            "items": {"$ref": REF_PREFIX + "ValidationError"},
        }
    },
}
