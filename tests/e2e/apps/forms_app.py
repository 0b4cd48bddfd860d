"""An upload app for tests/test_e2e_forms.py, served by a real uvicorn."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from asgiweb import App, Form, UploadFile

app = App(max_body_size=64 * 1024 * 1024)


@app.post("/upload")
async def upload(doc: UploadFile, note: Annotated[str, Form()] = "") -> dict[str, Any]:
    digest = hashlib.sha256()
    while chunk := await doc.read(256 * 1024):
        digest.update(chunk)
    return {
        "filename": doc.filename,
        "size": doc.size,
        "sha256": digest.hexdigest(),
        "on_disk": bool(getattr(doc.file, "_rolled", False)),
        "note": note,
    }
