"""Every ``python`` code block in docs/ and the README runs against today's asgiweb.

The blocks of one file run in order in one namespace (a block may continue the one
before it, as in a tutorial), in a subprocess of their own with the repository root
as the working directory, so a block that patches or imports leaves nothing behind.

On the feature pages of ``SELF_CONTAINED`` a block that starts with an import begins
a fresh namespace: it must stand on its own, as a reader copying it would run it.
Those pages must also keep at least their number of examples.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
FILES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
# docs page -> the least number of python blocks it keeps.
SELF_CONTAINED = {"streaming.md": 6, "websockets.md": 6, "forms.md": 6, "frontend.md": 6}

RUNNER = """
import json, sys, traceback
fresh_at_import, blocks = json.loads(sys.stdin.read())
namespace = {"__name__": "__main__"}
for line, code in blocks:
    if fresh_at_import and code.lstrip().startswith(("import ", "from ")):
        namespace = {"__name__": "__main__"}
    try:
        exec(compile(code, f"block at line {line}", "exec"), namespace)
    except BaseException:
        print(f"block at line {line} failed:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
"""


def _blocks(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1))
        for match in FENCE.finditer(text)
    ]


def test_there_are_blocks_to_run() -> None:
    assert sum(len(_blocks(path)) for path in FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(REPO)) for p in FILES])
def test_code_blocks_run(path: Path) -> None:
    blocks = _blocks(path)
    if not blocks:
        pytest.skip(f"{path.name} has no python blocks")
    fresh_at_import = path.parent == REPO / "docs" and path.name in SELF_CONTAINED
    if fresh_at_import:
        assert len(blocks) >= SELF_CONTAINED[path.name]
    result = subprocess.run(
        [sys.executable, "-c", RUNNER],
        input=json.dumps([fresh_at_import, blocks]),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
