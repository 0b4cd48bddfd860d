"""Importing asgiweb must stay light: no starlette, fastapi, pydantic, httpx or uvicorn."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("starlette", "fastapi", "pydantic", "httpx", "uvicorn")


def test_import_loads_no_heavy_or_foreign_framework() -> None:
    code = (
        "import sys\n"
        "import asgiweb, asgiweb.responses, asgiweb.encoders, asgiweb.testclient\n"
        "import asgiweb.middleware, asgiweb.middleware.cors, asgiweb.middleware.gzip\n"
        "import asgiweb.status, asgiweb.requests, asgiweb.routing\n"
        f"bad = sorted({{m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}}})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "", f"asgiweb imported: {result.stdout.strip()}"


def test_public_names() -> None:
    from asgiweb import (  # noqa: F401
        App,
        BackgroundTasks,
        Body,
        Cookie,
        Header,
        HTTPException,
        Query,
        Request,
        Response,
        Router,
        status,
    )
    from asgiweb.encoders import jsonable_encoder  # noqa: F401
    from asgiweb.middleware import Middleware  # noqa: F401
    from asgiweb.middleware.cors import CORSMiddleware  # noqa: F401
    from asgiweb.middleware.gzip import GZipMiddleware  # noqa: F401
    from asgiweb.responses import (  # noqa: F401
        FileResponse,
        HTMLResponse,
        JSONResponse,
        ORJSONResponse,
        PlainTextResponse,
        RedirectResponse,
        StreamingResponse,
        UJSONResponse,
        XMLResponse,
    )
    from asgiweb.testclient import TestClient  # noqa: F401


def test_import_stays_light() -> None:
    # asyncio alone costs ~9 MiB of RSS at import; the server imports it anyway,
    # but `import asgiweb` (tools, CLIs, the import benchmark) should not.
    code = (
        "import sys\n"
        "import asgiweb, asgiweb.responses, asgiweb.encoders\n"
        "print(','.join(m for m in ('asyncio', 'ssl', 'mimetypes', 'email') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""
