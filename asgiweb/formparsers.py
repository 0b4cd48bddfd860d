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

from asgiweb._spooled import (
    SPOOLED_ATTRIBUTES,
    spooled_file_class,
    spooled_file_with,
    spooled_layout_fits,
)
from asgiweb.datastructures import FormData, Headers, UploadFile, _held_upload

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "FORMS_EXTRA_MESSAGE",
    "SPOOLED_ATTRIBUTES",
    "FormParser",
    "MultiPartException",
    "MultiPartParser",
    "content_type_params",
    "disposition_names",
    "multipart_settings",
    "parse_content_type",
    "plain_content_type_params",
    "require_multipart",
    "spooled_file_with",
    "spooled_layout_fits",
    "whole_body_form",
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
    global _last_content_type
    last = _last_content_type
    if last[0] == value:
        # PERF: a multipart request reads its Content-Type twice (the request to
        # choose the parser, the parser for its boundary): the second is this.
        return last[1], dict(last[2])
    mime, _, rest = value.partition(";")
    # PERF: without a quoted string, `;` always separates: str methods read it.
    params = content_type_params(rest) if '"' in rest else plain_content_type_params(rest)
    mime = mime.strip().lower()
    _last_content_type = (value, mime, dict(params))
    return mime, params


# The last value parse_content_type read, and what it read (a tuple: replaced whole).
_last_content_type: tuple[str, str, dict[str, str]] = ("", "", {})


def content_type_params(rest: str) -> dict[str, str]:
    """The parameters of a Content-Type after its media type: ``; a=b; c="d"``."""
    params: dict[str, str] = {}
    for match in _PARAM.finditer(";" + rest):
        raw = match.group(2).strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = _QUOTED_PAIR.sub(r"\1", raw[1:-1])
        params[match.group(1).lower()] = raw
    return params


def plain_content_type_params(rest: str) -> dict[str, str]:
    """:func:`content_type_params` for ``rest`` without a ``"``: the same answer."""
    params: dict[str, str] = {}
    for segment in rest.split(";"):
        key, eq, raw = segment.partition("=")
        key = key.strip()
        # The regex's key: no whitespace, no `=`; its value: the rest, stripped.
        if eq and key and len(key.split()) == 1:
            params[key.lower()] = raw.strip()
    return params


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


_GATHER = 64 * 1024  # urlencoded text split at once: at most this much is held


class FormParser:
    """``application/x-www-form-urlencoded``: ``a=1&b=x+y`` into a :class:`FormData`.

    Each chunk is decoded as latin-1 (one byte, one character, so a chunk boundary
    never splits a character) and split as text; ``+`` and ``%XX`` are undone per
    field, and only when the chunk holds a ``+`` or a ``%`` at all.
    """

    def __init__(
        self,
        stream: AsyncIterator[bytes] | None,
        *,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> None:
        self.stream = stream  # None: only parse_whole() until a stream is given
        self.max_fields = max_fields
        self.max_part_size = max_part_size

    def _fields(
        self, text: str, pieces: list[str], items: list[tuple[str, str | UploadFile]]
    ) -> None:
        """Append the fields ``pieces`` (split from ``text``), checking the limits."""
        escaped = "+" in text or "%" in text
        if len(text) <= self.max_part_size and len(items) + len(pieces) <= self.max_fields:
            # PERF: no field can break a limit (benchmarks/compare.py form).
            for piece in pieces:
                if piece:
                    name, _, value = piece.partition("=")
                    if escaped:
                        name = unquote_plus(name)
                        value = unquote_plus(value)
                    items.append((name, value))
            return
        for piece in pieces:
            if not piece:
                continue
            name, _, value = piece.partition("=")
            if len(name) + len(value) > self.max_part_size:
                raise MultiPartException(
                    f"Field exceeded maximum size of {_kib(self.max_part_size)}KB."
                )
            if len(items) >= self.max_fields:
                raise MultiPartException(
                    f"Too many fields. Maximum number of fields is {self.max_fields}."
                )
            if escaped:
                name = unquote_plus(name)
                value = unquote_plus(value)
            items.append((name, value))

    def parse_whole(self, body: bytes) -> FormData | None:
        """The form of a body that arrived in one message, without the stream; None
        when it is longer than ``parse`` gathers at once (``parse`` then reads it)."""
        if len(body) > min(self.max_part_size + 1, _GATHER):
            return None
        items: list[tuple[str, str | UploadFile]] = []
        if body:
            text = body.decode("latin-1")
            self._fields(text, text.split("&"), items)
        return FormData._from_list(items)

    async def parse(self) -> FormData:
        items: list[tuple[str, str | UploadFile]] = []
        # The separator may be '=' at most once per field, so a field is never longer
        # than max_part_size + 1 bytes: anything longer fails before it is all held.
        limit = self.max_part_size + 1
        # PERF: text is split once some is gathered (or at the end), so a body in
        # one chunk is split once; fields are read in order all the same, so their
        # errors too.  Held: at most the gathering size or one field.
        gather = min(limit, _GATHER)
        held: list[str] = []
        held_size = 0
        if self.stream is None:
            raise TypeError("FormParser.parse() needs the body stream")
        async for chunk in self.stream:
            if not chunk:
                continue
            held.append(chunk.decode("latin-1"))
            held_size += len(chunk)
            if held_size <= gather:
                continue
            text = "".join(held)
            pieces = text.split("&")
            pending = pieces.pop()
            if pieces:
                self._fields(text, pieces, items)
            if len(pending) > limit:
                raise MultiPartException(
                    f"Field exceeded maximum size of {_kib(self.max_part_size)}KB."
                )
            held = [pending]
            held_size = len(pending)
        text = "".join(held)
        if text:
            self._fields(text, text.split("&"), items)
        return FormData._from_list(items)


# -- small bodies held whole: one pass of str.find, no per-byte state machine ------------
#
# A body that arrived whole and is laid out the plain way (what browsers and HTTP
# clients send) is split here; anything else (a preamble, padding after a
# boundary, a header that is not `token: value`, a limit broken, no closing
# delimiter...) is handed to python-multipart unchanged, so that its answer,
# error or not, stays the one and only reference for the unusual cases.

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]"
_HEADER_LINE = re.compile(rb"(" + _TOKEN + rb"+): *([^\r\n]*)")
# `form-data; name="f"; filename="a.txt"` with plain quoted values (no `\`, `"` or
# `;` inside): python-multipart's parse_options_header reads these as the regexes do.
_NAME_FILENAME = re.compile(
    rb'(?i:form-data)[ \t]*;[ \t]*name="([^"\\;]*)"(?:[ \t]*;[ \t]*filename="([^"\\;]*)")?[ \t]*'
)
# A whole header section as browsers and HTTP clients write it, lengths bounded
# well inside python-multipart's header size limit.
_PLAIN_PART = re.compile(
    rb'(?i:content-disposition): *(form-data; name="([^"\\;\r\n]{0,1000})"'
    rb'(?:; filename="([^"\\;\r\n]{0,1000})")?)\r\n'
    rb"(?:(?i:content-type): *([^\r\n]{0,1000})\r\n)?\r\n"
)
_DISPOSITION = re.compile(rb'(?i:form-data)[ \t]*((?:;[ \t]*[a-z]+="[^"\\;]*"[ \t]*)+)')
_DISPOSITION_PARAM = re.compile(rb';[ \t]*([a-z]+)="([^"\\;]*)"')
_MAX_HEADER_LINES = 8  # python-multipart's default limits, kept well inside
_MAX_HEADER_BLOCK = 4000
_MAX_BOUNDARY = 256  # python-multipart refuses a longer boundary


def disposition_names(value: bytes, multipart: ModuleType) -> tuple[bytes | None, bytes | None]:
    """``name`` and ``filename`` of a part's Content-Disposition, as python-multipart's
    parse_options_header gives them (None: absent)."""
    match = _NAME_FILENAME.fullmatch(value)
    if match is not None:
        return match[1], match[2]
    match = _DISPOSITION.fullmatch(value)
    if match is not None:
        options: dict[bytes, bytes] = dict(_DISPOSITION_PARAM.findall(match[1]))
    else:
        options = multipart.multipart.parse_options_header(value)[1]
    return options.get(b"name"), options.get(b"filename")


def _part_headers(
    body: bytes, start: int, multipart: ModuleType
) -> tuple[list[tuple[bytes, bytes]], bytes | None, bytes | None, int] | None:
    """The headers of the part starting at ``start``, its name and filename, and
    where its data starts; None when python-multipart must judge them."""
    match = _PLAIN_PART.match(body, start)
    if match is not None:
        # PERF: the layout browsers and HTTP clients send, in one regex.
        disposition, raw_name, filename, content_type = match.groups()
        headers = [(b"content-disposition", disposition)]
        if content_type is not None:
            headers.append((b"content-type", content_type))
        return headers, raw_name, filename, match.end()
    return _any_part_headers(body, start, multipart)


def _any_part_headers(
    body: bytes, start: int, multipart: ModuleType
) -> tuple[list[tuple[bytes, bytes]], bytes | None, bytes | None, int] | None:
    """:func:`_part_headers` for headers not laid out the plain way."""
    head_end = body.find(b"\r\n\r\n", start)
    if head_end <= start or head_end - start > _MAX_HEADER_BLOCK:
        return None  # no header (python-multipart then fails), or too much of them
    lines = body[start:head_end].split(b"\r\n")
    if len(lines) > _MAX_HEADER_LINES:
        return None
    headers = []
    disposition = b""
    for line in lines:
        line_match = _HEADER_LINE.fullmatch(line)
        if line_match is None:
            return None
        name = line_match[1].lower()
        headers.append((name, line_match[2]))
        if name == b"content-disposition":
            disposition = line_match[2]
    raw_name, filename = disposition_names(disposition, multipart)
    return headers, raw_name, filename, head_end + 4


def whole_body_form(
    body: bytes,
    boundary: bytes,
    charset: str,
    multipart: ModuleType,
    max_files: int | float,
    max_fields: int | float,
    max_part_size: int,
    spool_max_size: int,
) -> FormData | None:
    """The form of a complete multipart body, split in one pass of ``str.find``: fields
    decoded, each file an :class:`UploadFile` over its bytes (its spooled file, of
    rollover size ``spool_max_size``, made on first use; the body is no bigger).
    None when the body is not plainly laid out or breaks a limit: the streaming
    parser then reads it and gives its answer.  The files are made once the whole
    body has been found plain, so none is left behind then.

    What ``MultiPartParser.parse`` answers for the same body, without its stream:
    ``Request.form()`` calls it for a body that arrived in one message and is no
    bigger than ``MultiPartParser.whole_body_max`` (benchmarks/compare.py upload).
    """
    global _last_delimiters
    last = _last_delimiters
    if boundary == last[0]:
        # PERF: the delimiters of the last boundary (most often the same bytes object).
        opener, delimiter = last[1], last[2]
    else:
        if len(boundary) > _MAX_BOUNDARY:
            return None
        opener = b"--" + boundary + b"\r\n"
        delimiter = b"\r\n--" + boundary
        _last_delimiters = (boundary, opener, delimiter)
    if not body.startswith(opener):
        return None
    start = len(opener)
    items: list[tuple[str, str | UploadFile]] = []
    # UploadFile itself holds a file's bytes and makes no file until asked: made on
    # the spot, it leaves nothing behind if the body turns out not plain.  Another
    # class (a subclass) makes its file at once: made once the body is found plain.
    held = UploadFile is _HeldUpload
    pending: list[tuple[int, str, bytes, bytes, list[tuple[bytes, bytes]]]] = []
    fields = files = 0
    while True:
        match = _PLAIN_PART.match(body, start)
        if match is not None:
            # PERF: _part_headers's first step, inline (benchmarks/compare.py upload).
            disposition, raw_name, filename, content_type = match.groups()
            headers = [(b"content-disposition", disposition)]
            if content_type is not None:
                headers.append((b"content-type", content_type))
            data_start = match.end()
        else:
            found = _any_part_headers(body, start, multipart)
            if found is None:
                return None
            headers, raw_name, filename, data_start = found
        if raw_name is None:
            return None
        data_end = body.find(delimiter, data_start)
        if data_end < 0:
            return None
        try:  # _decode, inline
            name = raw_name.decode(charset)
        except (UnicodeDecodeError, LookupError):
            name = raw_name.decode("latin-1")
        if filename is None:
            fields += 1
            if fields > max_fields or data_end - data_start > max_part_size:
                return None
            items.append((name, _decode(body[data_start:data_end], charset)))
        else:
            files += 1
            if files > max_files:
                return None
            if held:
                try:  # _decode, inline
                    shown = filename.decode(charset)
                except (UnicodeDecodeError, LookupError):
                    shown = filename.decode("latin-1")
                upload = _held_upload(body[data_start:data_end], spool_max_size, shown, headers)
                items.append((name, upload))
            else:
                pending.append((len(items), name, body[data_start:data_end], filename, headers))
                items.append((name, ""))  # the file's place, filled in below
        after = data_end + len(delimiter)
        follows = body[after : after + 2]
        if follows == b"\r\n":
            start = after + 2
        elif follows == b"--":
            break  # what follows the closing delimiter is ignored (RFC 2046)
        else:
            return None
    if pending:
        try:
            for index, name, data, raw_filename, headers in pending:
                made = UploadFile._of_part(
                    data, spool_max_size, _decode(raw_filename, charset), headers
                )
                items[index] = (name, made)
        except BaseException:
            for _, value in items:  # a subclass's constructor failed: no file outlives it
                if isinstance(value, UploadFile):
                    value._close_now()
            raise
    form = FormData.__new__(FormData)  # FormData._from_list(items), inline
    form._list = items
    form._dict = dict(items)
    return form


_HeldUpload = UploadFile  # the class whose files _held_upload makes

# The last boundary whole_body_form split a body with, and its opening and
# separating delimiters; a tuple, replaced whole.  Starts with no boundary at all.
_last_delimiters: tuple[bytes | None, bytes, bytes] = (None, b"", b"")


def multipart_settings(params: dict[str, str]) -> tuple[str, bytes]:
    """The charset (a codec name) and the boundary of a multipart body, from the
    parameters of its Content-Type; a missing boundary is a MultiPartException
    (an empty one is as invalid as a malformed body, as in FastAPI)."""
    charset = params.get("charset")
    if charset is None:
        charset = "utf-8"
    else:
        try:
            charset = codecs.lookup(charset).name
        except LookupError:
            charset = "latin-1"
    boundary = params.get("boundary")
    if not boundary:
        if boundary is None:
            raise MultiPartException("Missing boundary in multipart.")
        raise MultiPartException("Invalid multipart data.")
    return charset, boundary.encode("latin-1")


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
    whole_body_max = 64 * 1024
    """A body up to this size is gathered whole and split in one pass when it is laid
    out plainly (benchmarks/compare.py upload); a bigger one streams through
    python-multipart as it arrives."""

    # The streaming state, set by _parse_streaming.
    _multipart: ModuleType
    _fields: int
    _part: _Part
    _header_name: bytearray
    _header_value: bytearray
    _to_flush: list[_Part]  # file parts with bytes to write after this chunk
    _finished: list[_Part]  # file parts whose last bytes were parsed

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
        self._charset = "utf-8"

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
        spooled: Any = spooled_file_class()(max_size=self.spool_max_size)
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

    async def _after_chunk(self) -> None:
        """Write what a chunk gave the files; rewind the files it finished."""
        if self._to_flush:
            await self._flush(force=bool(self._finished))
        for part in self._finished:
            assert part.file is not None
            await part.file.seek(0)
        self._finished.clear()

    async def parse(self) -> FormData:
        multipart = require_multipart()
        _, params = parse_content_type(self.headers.get("content-type"))
        self._charset, raw_boundary = multipart_settings(params)
        # A small body is gathered whole first: most arrive in one message, and a
        # whole body can be split without the streaming parser (whole_body_form).
        stream = self.stream.__aiter__()
        held: list[bytes] = []
        held_size = 0
        whole_max = min(self.whole_body_max, self.spool_max_size)
        async for chunk in stream:
            if chunk:
                held.append(chunk)
                held_size += len(chunk)
                if held_size > whole_max:
                    break
        else:
            form = whole_body_form(
                held[0] if len(held) == 1 else b"".join(held),
                raw_boundary,
                self._charset,
                multipart,
                self.max_files,
                self.max_fields,
                self.max_part_size,
                self.spool_max_size,
            )
            if form is not None:
                return form
        return await self._parse_streaming(multipart, raw_boundary, held, stream)

    async def _parse_streaming(
        self,
        multipart: ModuleType,
        boundary: bytes,
        held: list[bytes],
        stream: AsyncIterator[bytes],
    ) -> FormData:
        """python-multipart over the chunks ``held`` already, then the rest of ``stream``."""
        # The streaming state (a body split whole never needs it).
        self._multipart = multipart
        self._fields = 0
        self._part = _Part()
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._to_flush = []
        self._finished = []
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
            parser = multipart.MultipartParser(boundary, callbacks)
            for chunk in held:
                parser.write(chunk)
                await self._after_chunk()
            async for chunk in stream:
                if chunk:
                    parser.write(chunk)
                await self._after_chunk()
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
        return FormData._from_list(self._items)
