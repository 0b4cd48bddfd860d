"""The front-end modules stay light: jinja2 only when templates are built."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("starlette", "fastapi", "pydantic", "httpx", "uvicorn", "jinja2", "markupsafe")


def loaded_after(code: str) -> list[str]:
    script = (
        "import sys\n"
        f"{code}\n"
        f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({FORBIDDEN!r}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    return [name for name in result.stdout.strip().split(",") if name]


def test_front_end_modules_load_no_jinja2_or_foreign_framework() -> None:
    code = (
        "import asgiweb, asgiweb.staticfiles, asgiweb.templating\n"
        "import asgiweb.middleware.sessions\n"
        "from asgiweb.staticfiles import StaticFiles\n"
        "from asgiweb.templating import Jinja2Templates\n"
        "from asgiweb.middleware.sessions import SessionMiddleware"
    )
    assert loaded_after(code) == []


def test_jinja2_is_loaded_when_templates_are_built() -> None:
    code = (
        "import tempfile\n"
        "from asgiweb.templating import Jinja2Templates\n"
        "Jinja2Templates(directory=tempfile.gettempdir())"
    )
    assert "jinja2" in loaded_after(code)
