"""Binary ``SpooledTemporaryFile`` objects made around bytes already in memory.

A multipart file part that arrived whole is held as its bytes; the form parsers
and :class:`asgiweb.datastructures.UploadFile` make the ``SpooledTemporaryFile``
around them (``spooled_around``, ``spooled_file_with``) only when someone needs
the file object (docs/forms.md).  ``tempfile`` is imported on first use:
``import asgiweb`` does not need it.
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tempfile import SpooledTemporaryFile

__all__ = [
    "SPOOLED_ATTRIBUTES",
    "spooled_around",
    "spooled_file_class",
    "spooled_file_with",
    "spooled_layout_fits",
]


def spooled_file_class() -> type[SpooledTemporaryFile[bytes]]:
    """``tempfile.SpooledTemporaryFile``, imported the first time it is needed."""
    global _SPOOLED
    if _SPOOLED is None:
        from tempfile import SpooledTemporaryFile

        _SPOOLED = SpooledTemporaryFile
    return _SPOOLED


_SPOOLED: type[SpooledTemporaryFile[bytes]] | None = None

# What SpooledTemporaryFile.__init__ sets on a binary file (CPython 3.11's tempfile,
# the same since 3.8): its in-memory file, the size limit, the rolled-over flag and
# the arguments it gives TemporaryFile when it rolls over.
SPOOLED_ATTRIBUTES = frozenset({"_file", "_max_size", "_rolled", "_TemporaryFileArgs"})
# The rollover arguments of a default binary spooled file; None: not checked yet,
# False: this Python's SpooledTemporaryFile is not laid out as expected.
_spooled_arguments: dict[str, Any] | bool | None = None


def spooled_layout_fits() -> bool:
    """Whether this Python's ``SpooledTemporaryFile`` is laid out as
    :data:`SPOOLED_ATTRIBUTES` says, so that :func:`spooled_around` may fill one in
    around a buffer (checked once, on a file made the plain way)."""
    global _spooled_arguments
    if _spooled_arguments is None:
        spooled = spooled_file_class()
        reference: Any = spooled(max_size=1)
        try:
            found = vars(reference)
            arguments = found.get("_TemporaryFileArgs")
            fits = (
                found.keys() == SPOOLED_ATTRIBUTES
                and type(found["_file"]) is BytesIO
                and found["_rolled"] is False
                and found["_max_size"] == 1
                and isinstance(arguments, dict)
                and arguments.get("mode") == "w+b"
                and callable(getattr(spooled, "rollover", None))
            )
        finally:
            reference.close()
        _spooled_arguments = dict(arguments) if fits and isinstance(arguments, dict) else False
    return _spooled_arguments is not False


def spooled_around(buffer: BytesIO, max_size: int) -> Any:
    """A binary ``SpooledTemporaryFile(max_size=max_size)`` whose in-memory file is
    ``buffer`` itself: the same bytes, position and open or closed state.  The buffer
    holds at most ``max_size`` bytes (a bigger file would have rolled over to disk).

    PERF (benchmarks/compare.py upload): the file is filled in without ``__init__``:
    a real SpooledTemporaryFile all the same, whose ``rollover()``, ``fileno()`` and
    ``_rolled`` work as ever.  Only when :func:`spooled_layout_fits`; otherwise the
    plain calls copy the buffer's bytes and position into a file made as usual (a
    closed buffer gives a closed file).
    """
    spooled = spooled_file_class()
    arguments = _spooled_arguments
    if arguments is None:
        spooled_layout_fits()
        arguments = _spooled_arguments
    if not isinstance(arguments, dict):
        return _spooled_copy(buffer, max_size)
    file: Any = spooled.__new__(spooled)
    file._file = buffer
    file._max_size = max_size
    file._rolled = False
    file._TemporaryFileArgs = arguments.copy()  # each file's own, as __init__ gives
    return file


def _spooled_copy(buffer: BytesIO, max_size: int) -> Any:
    plain: Any = spooled_file_class()(max_size=max_size)
    if buffer.closed:
        plain.close()
        return plain
    position = buffer.tell()
    data = buffer.getvalue()
    if data:
        plain.write(data)
    plain.seek(position)
    return plain


def spooled_file_with(data: bytes, max_size: int) -> Any:
    """A binary ``SpooledTemporaryFile(max_size=max_size)`` holding ``data`` at
    position 0: what ``write(data)`` then ``seek(0)`` give (:func:`spooled_around` a
    ``BytesIO(data)``, which shares the bytes instead of copying them); data over
    ``max_size`` is written the plain way, and so rolls over to disk."""
    if max_size and len(data) > max_size:
        plain: Any = spooled_file_class()(max_size=max_size)
        plain.write(data)
        plain.seek(0)
        return plain
    return spooled_around(BytesIO(data), max_size)
