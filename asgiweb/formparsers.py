"""Form body parsers: ``application/x-www-form-urlencoded`` and ``multipart/form-data``.

Both read the body as a stream (``Request.stream()``), so memory stays bounded
whatever the body's size: a field is held while it is parsed (at most
``max_part_size`` bytes), a file part goes to a ``SpooledTemporaryFile`` that
keeps 1 MiB in memory and rolls over to disk past that.

- urlencoded bodies are split here, without any dependency;
- multipart bodies are tokenised by ``python-multipart`` (the ``asgiweb[forms]``
  extra), imported the first time a multipart body is parsed, never by
  ``import asgiweb``.

Limits (defaults as in FastAPI/Starlette): ``max_files`` and ``max_fields`` count
the parts of each kind, ``max_part_size`` bounds a non-file field.  Breaking one,
or a body that is not valid multipart, raises :class:`MultiPartException`; the
request turns it into a 400 with the message.  On any failure (a limit, a
malformed body, ``ClientDisconnect``, the body-size 413) every file created so
far is closed, which deletes it.  See docs/forms.md.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from asgiweb.datastructures import FormData, Headers, UploadFile

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "FORMS_EXTRA_MESSAGE",
    "FormParser",
    "MultiPartException",
    "MultiPartParser",
    "parse_content_type",
    "require_multipart",
]

FORMS_EXTRA_MESSAGE = (
    "multipart form parsing needs the 'python-multipart' package: "
    "install it with `pip install 'asgiweb[forms]'`"
)

# A parameter of a Content-Type header: token=token or token="quoted string".
_PARAM = re.compile(r';\s*([^\s;=]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_QUOTED_PAIR = re.compile(r"\\(.)")


def parse_content_type(value: str | None) -> tuple[str, dict[str, str]]:
    """``("multipart/form-data", {"boundary": "x"})`` from a Content-Type header value."""
    if not value:
        return "", {}
    mime, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM.finditer(";" + rest):
        raw = match.group(2).strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = _QUOTED_PAIR.sub(r"\1", raw[1:-1])
        params[match.group(1).lower()] = raw
    return mime.strip().lower(), params


def require_multipart() -> ModuleType:
    """The ``python_multipart`` module, or a ``RuntimeError`` naming the extra to install."""
    try:
        import python_multipart
    except ImportError:
        raise RuntimeError(FORMS_EXTRA_MESSAGE) from None
    return python_multipart


class MultiPartException(Exception):
    """A form body broke a limit or could not be parsed; ``message`` says which."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _kib(size: int) -> int:
    return int(size / 1024)


def _decode(raw: bytes | bytearray, charset: str) -> str:
    try:
        return raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return raw.decode("latin-1")


class FormParser:
    """``application/x-www-form-urlencoded``: ``a=1&b=x+y`` into a :class:`FormData`."""

    def __init__(
        self,
        stream: AsyncIterator[bytes],
        *,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        self.stream = stream
        self.max_fields = max_fields
        self.max_part_size = max_part_size

    def _field(self, piece: bytes, items: list[tuple[str, str | UploadFile]]) -> None:
        name, _, value = piece.partition(b"=")
        if len(name) + len(value) > self.max_part_size:
            raise MultiPartException(
                f"Field exceeded maximum size of {_kib(self.max_part_size)}KB."
            )
        if len(items) >= self.max_fields:
            raise MultiPartException(
                f"Too many fields. Maximum number of fields is {self.max_fields}."
            )
        items.append((unquote_plus(name.decode("latin-1")), unquote_plus(value.decode("latin-1"))))

    async def parse(self) -> FormData:
        items: list[tuple[str, str | UploadFile]] = []
        pending = b""
        # The separator may be '=' at most once per field, so a field is never longer
        # than max_part_size + 1 bytes: anything longer fails before it is all held.
        limit = self.max_part_size + 1
        async for chunk in self.stream:
            if not chunk:
                continue
            pieces = (pending + chunk).split(b"&")
            pending = pieces.pop()
            for piece in pieces:
                if piece:
                    self._field(piece, items)
            if len(pending) > limit:
                raise MultiPartException(
                    f"Field exceeded maximum size of {_kib(self.max_part_size)}KB."
                )
        if pending:
            self._field(pending, items)
        return FormData(items)


class _Part:
    """The part being parsed: its headers, then its field bytes or its file."""

    __slots__ = ("data", "file", "headers", "name", "pending", "pending_size")

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.name = ""
        self.data = bytearray()
        self.file: UploadFile | None = None
        self.pending: list[bytes] = []  # file bytes parsed but not yet written
        self.pending_size = 0


class MultiPartParser:
    """``multipart/form-data`` (RFC 7578) into a :class:`FormData` of str and UploadFile."""

    spool_max_size = 1024 * 1024
    """Bytes of one file kept in memory before it rolls over to a temporary file."""
    write_batch = 512 * 1024
    """File bytes gathered before one write: on disk, one worker-thread call each."""

    def __init__(
        self,
        headers: Headers,
        stream: AsyncIterator[bytes],
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        self.headers = headers
        self.stream = stream
        self.max_files = max_files
        self.max_fields = max_fields
        self.max_part_size = max_part_size
        self._items: list[tuple[str, str | UploadFile]] = []
        self._files: list[UploadFile] = []
        self._fields = 0
        self._charset = "utf-8"
        self._part = _Part()
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._to_flush: list[_Part] = []  # file parts with bytes to write after this chunk
        self._finished: list[_Part] = []  # file parts whose last bytes were parsed
        self._multipart: ModuleType | None = None

    # -- python-multipart callbacks (synchronous: they only record) ---------------------

    def _on_part_begin(self) -> None:
        self._part = _Part()

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._part.headers.append((bytes(self._header_name).lower(), bytes(self._header_value)))
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        part = self._part
        disposition = b""
        for name, value in part.headers:
            if name == b"content-disposition":
                disposition = value
        assert self._multipart is not None
        _, options = self._multipart.multipart.parse_options_header(disposition)
        raw_name = options.get(b"name")
        if raw_name is None:
            raise MultiPartException(
                'The Content-Disposition header field "name" must be provided.'
            )
        part.name = _decode(raw_name, self._charset)
        raw_filename = options.get(b"filename")
        if raw_filename is None:
            self._fields += 1
            if self._fields > self.max_fields:
                raise MultiPartException(
                    f"Too many fields. Maximum number of fields is {self.max_fields}."
                )
            return
        if len(self._files) >= self.max_files:
            raise MultiPartException(
                f"Too many files. Maximum number of files is {self.max_files}."
            )
        # tempfile is imported here: it is not needed by `import asgiweb`.
        from tempfile import SpooledTemporaryFile

        spooled: Any = SpooledTemporaryFile(max_size=self.spool_max_size)  # noqa: SIM115
        part.file = UploadFile(
            spooled,
            size=0,
            filename=_decode(raw_filename, self._charset),
            headers=Headers(raw=part.headers),
        )
        self._files.append(part.file)

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part.file is None:
            if len(part.data) + (end - start) > self.max_part_size:
                raise MultiPartException(
                    f"Part exceeded maximum size of {_kib(self.max_part_size)}KB."
                )
            part.data += data[start:end]
            return
        if not part.pending:
            self._to_flush.append(part)
        part.pending.append(data[start:end])
        part.pending_size += end - start

    def _on_part_end(self) -> None:
        part = self._part
        if part.file is None:
            self._items.append((part.name, _decode(part.data, self._charset)))
            return
        self._items.append((part.name, part.file))
        self._finished.append(part)

    # -- the driver ---------------------------------------------------------------------

    async def _flush(self, force: bool) -> None:
        """Write the gathered file bytes: all of them when ``force``, else full batches."""
        keep: list[_Part] = []
        for part in self._to_flush:
            if not force and part.pending_size < self.write_batch:
                keep.append(part)
                continue
            pieces, size = part.pending, part.pending_size
            part.pending = []
            part.pending_size = 0
            assert part.file is not None
            await part.file._write_pieces(pieces, size)
        self._to_flush = keep

    async def parse(self) -> FormData:
        multipart = self._multipart = require_multipart()
        _, params = parse_content_type(self.headers.get("content-type"))
        charset = params.get("charset", "utf-8")
        try:
            self._charset = codecs.lookup(charset).name
        except LookupError:
            self._charset = "latin-1"
        boundary = params.get("boundary")
        if not boundary:
            raise MultiPartException("Missing boundary in multipart.")
        callbacks = {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
        }
        try:
            parser = multipart.MultipartParser(boundary.encode("latin-1"), callbacks)
            async for chunk in self.stream:
                if chunk:
                    parser.write(chunk)
                if self._to_flush:
                    await self._flush(force=bool(self._finished))
                for part in self._finished:
                    assert part.file is not None
                    await part.file.seek(0)
                self._finished.clear()
            parser.finalize()
            # A body cut short leaves its last part unfinished: that file is dropped.
            kept = {id(value) for _, value in self._items}
            for upload in self._files:
                if id(upload) not in kept:
                    upload.file.close()
        except BaseException as exc:
            # A limit, a malformed body, a disconnect or a 413: no file outlives it.
            for upload in self._files:
                upload.file.close()
            if isinstance(exc, multipart.exceptions.FormParserError):
                raise MultiPartException("Invalid multipart data.") from exc
            raise
        return FormData(self._items)
