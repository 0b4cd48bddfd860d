"""File bytes written in batches come out whole, whatever the chunking (FastAPI as oracle).

``MultiPartParser`` gathers a file part's bytes and writes them about once per
``write_batch`` (benchmarks/bench_upload.py).  These bodies cross the batch size,
the 1 MiB spool limit and chunk edges in every way; our parser and Starlette's
(FastAPI's) parse each one, and the fields, file names, sizes and contents must agree.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import starlette.datastructures
import starlette.formparsers

from asgiweb.datastructures import Headers, UploadFile
from asgiweb.formparsers import MultiPartParser

BOUNDARY = "batch-boundary-x9"
MIB = 1024 * 1024


def body(parts: list[tuple[str, str | None, bytes]]) -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
        out += data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def payload(size: int, seed: int) -> bytes:
    # Carriage returns and dashes in the data make python-multipart split its callbacks.
    block = bytes((i * 7 + seed) % 256 for i in range(4093)) + b"\r\n--batch-bo"
    return (block * (size // len(block) + 1))[:size]


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def parse(parser_class: Any, headers: Any, data: bytes, chunk: int) -> list[Any]:
    form = await parser_class(headers, chunks(data, chunk)).parse()
    out: list[Any] = []
    for name, value in form.multi_items():
        if isinstance(value, str):
            out.append((name, value))
        else:
            await value.seek(0)
            content = await value.read()
            out.append((name, value.filename, value.size, len(content), content))
    await form.close()
    return out


class SmallBatches(MultiPartParser):
    write_batch = 10_000


BODIES = {
    "one small file": [("f", "a.bin", payload(5000, 1))],
    "a file just under the spool limit": [("f", "a.bin", payload(MIB - 1, 2))],
    "a file crossing the spool limit": [("f", "a.bin", payload(MIB + 4097, 3))],
    "a file of several batches": [("f", "a.bin", payload(3 * MIB + 123, 4))],
    "files and fields interleaved": [
        ("x", None, b"first"),
        ("f", "a.bin", payload(2 * MIB + 5, 5)),
        ("y", None, b"second"),
        ("g", "b.bin", payload(70_000, 6)),
        ("h", "empty.bin", b""),
        ("f", "c.bin", payload(MIB + 1, 7)),
    ],
}


@pytest.mark.parametrize("chunk", [1000, 65536, 300_001])
@pytest.mark.parametrize("parser_class", [MultiPartParser, SmallBatches])
@pytest.mark.parametrize("parts", list(BODIES.values()), ids=list(BODIES))
def test_same_form_as_fastapi(
    parts: list[tuple[str, str | None, bytes]], parser_class: Any, chunk: int
) -> None:
    data = body(parts)
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    ours = asyncio.run(parse(parser_class, Headers({"content-type": content_type}), data, chunk))
    theirs = asyncio.run(
        parse(
            starlette.formparsers.MultiPartParser,
            starlette.datastructures.Headers({"content-type": content_type}),
            data,
            chunk,
        )
    )
    assert ours == theirs
    files = [p for p in parts if p[1] is not None]
    assert [item[4] for item in ours if len(item) == 5] == [p[2] for p in files]


def test_files_are_rewound_and_sized() -> None:
    data = body([("f", "a.bin", payload(2 * MIB + 77, 9))])
    headers = Headers({"content-type": f"multipart/form-data; boundary={BOUNDARY}"})

    async def main() -> tuple[int | None, int, bool]:
        form = await SmallBatches(headers, chunks(data, 65536)).parse()
        upload = form["f"]
        assert isinstance(upload, UploadFile)
        position = upload.file.tell()
        rolled: bool = upload.file._rolled  # type: ignore[attr-defined]
        await form.close()
        return upload.size, position, rolled

    assert asyncio.run(main()) == (2 * MIB + 77, 0, True)
