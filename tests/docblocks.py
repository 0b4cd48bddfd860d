"""Run the ```python blocks of a page in docs/ as the page promises: each block that
starts with an import begins a fresh namespace; any other block continues the one
before it."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(page: str) -> list[str]:
    return _BLOCK.findall((REPO / "docs" / page).read_text())


def run_page(page: str) -> int:
    """Execute every block of ``docs/<page>``; return how many ran.

    Each namespace is a registered module, as a script's would be (dataclasses
    look their module up in ``sys.modules``)."""
    blocks = python_blocks(page)
    module = types.ModuleType("docs_page")
    names: list[str] = []
    try:
        for index, block in enumerate(blocks):
            if block.startswith(("import ", "from ")) or not names:
                name = f"docs_{page.replace('.', '_')}_{index}"
                module = types.ModuleType(name)
                sys.modules[name] = module
                names.append(name)
            code = compile(block, f"docs/{page} block {index + 1}", "exec")
            exec(code, module.__dict__)
    finally:
        for name in names:
            sys.modules.pop(name, None)
    return len(blocks)
