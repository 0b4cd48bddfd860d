"""The multipart parser is optional and lazy: `import asgiweb` never loads it."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


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
