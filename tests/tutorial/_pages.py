"""Run a FastAPI docs page's app on FastAPI and, with only its imports changed, on asgiweb.

``on_asgiweb`` is the whole porting recipe: ``fastapi`` becomes ``asgiweb`` in
the import lines and ``FastAPI`` becomes ``App``; nothing else is touched.
"""

from __future__ import annotations

import re
from typing import Any

_IMPORT = re.compile(r"^(from|import) fastapi\b", re.MULTILINE)


def on_asgiweb(source: str) -> str:
    lines = []
    for line in source.splitlines():
        if _IMPORT.match(line):
            line = line.replace("fastapi", "asgiweb", 1).replace("FastAPI", "App as FastAPI")
        lines.append(line)
    return "\n".join(lines) + "\n"


def load(source: str, name: str) -> Any:
    """Execute an app module's source and return its ``app``."""
    namespace: dict[str, Any] = {"__name__": name}
    exec(compile(source, f"<{name}>", "exec"), namespace)
    return namespace["app"]
