"""Importing asgiweb must stay light: no starlette, fastapi, pydantic, httpx or uvicorn;
optional parts (the multipart parser, jinja2) load only when a feature needs them.

Each check runs in a fresh interpreter, so what it sees in ``sys.modules`` is what
the code under test imported."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("starlette", "fastapi", "pydantic", "httpx", "uvicorn")
FRONT_END_FORBIDDEN = (*FORBIDDEN, "jinja2", "markupsafe")


def run(code: str) -> str:
    """What ``code`` prints in a fresh interpreter, stripped."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def loaded_after(code: str) -> list[str]:
    """The top-level packages of FRONT_END_FORBIDDEN that are loaded after ``code`` ran."""
    script = (
        "import sys\n"
        f"{code}\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules}"
        f" & set({FRONT_END_FORBIDDEN!r}))))\n"
    )
    return [name for name in run(script).split(",") if name]


def test_import_loads_no_heavy_or_foreign_framework() -> None:
    code = (
        "import sys\n"
        "import asgiweb, asgiweb.responses, asgiweb.encoders, asgiweb.testclient\n"
        "import asgiweb.middleware, asgiweb.middleware.cors, asgiweb.middleware.gzip\n"
        "import asgiweb.status, asgiweb.requests, asgiweb.routing\n"
        f"bad = sorted({{m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}}})\n"
        "print(','.join(bad))\n"
    )
    imported = run(code)
    assert imported == "", f"asgiweb imported: {imported}"


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
    assert run(code) == ""


# -- forms: the multipart parser is optional and lazy -------------------------------------


def test_import_asgiweb_loads_no_multipart_parser() -> None:
    code = (
        "import sys\n"
        "import asgiweb, asgiweb.formparsers, asgiweb.datastructures, asgiweb.requests\n"
        "import asgiweb.params, asgiweb.testclient\n"
        "from asgiweb import Form, File, UploadFile\n"
        "print(','.join(m for m in ('python_multipart', 'multipart', 'tempfile')"
        " if m in sys.modules))\n"
    )
    assert run(code) == ""


def test_urlencoded_forms_never_load_the_multipart_parser() -> None:
    code = (
        "import sys\n"
        "from asgiweb import App, Request\n"
        "from asgiweb.testclient import TestClient\n"
        "app = App()\n"
        "@app.post('/f')\n"
        "async def f(request: Request) -> dict:\n"
        "    return dict((await request.form()).items())\n"
        "answer = TestClient(app).post('/f', data={'a': '1'}).json()\n"
        "print(answer, 'python_multipart' in sys.modules)\n"
    )
    assert run(code) == "{'a': '1'} False"


def test_declaring_a_file_parameter_loads_it() -> None:
    code = (
        "import sys\n"
        "from asgiweb import App, UploadFile\n"
        "app = App()\n"
        "@app.post('/f')\n"
        "async def f(doc: UploadFile) -> None: ...\n"
        "print('python_multipart' in sys.modules)\n"
    )
    assert run(code) == "True"


# -- front end: jinja2 only when templates are built --------------------------------------


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
