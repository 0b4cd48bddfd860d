"""JSON responses: the standard library's C encoder, orjson and ujson.

Rules kept here:
- ``JSONResponse`` renders with ``asgiweb.encoders.render_json``: the bytes of
  ``json.dumps(jsonable_encoder(x), ensure_ascii=False, separators=(",", ":"),
  allow_nan=False)``, without building the intermediate tree (docs/api.md).
- ``ORJSONResponse``/``UJSONResponse`` render the same JSON value (the shared
  encoder handles what those packages cannot), and fail when constructed if
  their package is missing, naming it.
"""

from __future__ import annotations

from typing import Any

from asgiweb.encoders import render_json, render_orjson, render_ujson
from asgiweb.responses.base import Response, pure_render

__all__ = ["JSONResponse", "ORJSONResponse", "UJSONResponse"]


class JSONResponse(Response):
    """Any value the encoder takes, rendered as compact UTF-8 JSON (FastAPI's bytes)."""

    media_type = "application/json"

    @pure_render
    def render(self, content: Any) -> bytes:
        return render_json(content)


class ORJSONResponse(JSONResponse):
    """JSON through orjson: the same value as JSONResponse; needs ``pip install orjson``."""

    # render() runs at construction, so a missing package fails there, by name.

    @pure_render
    def render(self, content: Any) -> bytes:
        return render_orjson(content)


class UJSONResponse(JSONResponse):
    """JSON through ujson: the same value as JSONResponse; needs ``pip install ujson``."""

    # render() runs at construction, so a missing package fails there, by name.

    @pure_render
    def render(self, content: Any) -> bytes:
        return render_ujson(content)
