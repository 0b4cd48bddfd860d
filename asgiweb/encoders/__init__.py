"""JSON encoding (docs/api.md, "jsonable_encoder"): the public import path.

``jsonable`` holds ``jsonable_encoder`` and the ``render_*`` functions the JSON
responses call; ``plans`` holds the per-class conversion plans both share.
"""

from asgiweb.encoders.jsonable import (
    MissingDependencyError,
    decimal_encoder,
    jsonable_encoder,
    render_json,
    render_orjson,
    render_ujson,
    require_orjson,
    require_ujson,
)

__all__ = [
    "MissingDependencyError",
    "decimal_encoder",
    "jsonable_encoder",
    "render_json",
    "render_orjson",
    "render_ujson",
    "require_orjson",
    "require_ujson",
]
