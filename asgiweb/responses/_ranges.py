"""Range requests and conditional requests for static representations (RFC 9110 §13, §14).

Rules applied here, in the order RFC 9110 §13.2.2 evaluates them (only for
GET and HEAD on a 200 representation; the caller checks that):

1. ``If-None-Match``: a list of entity tags or ``*``.  If ``*`` or any tag
   matches the current ETag by *weak* comparison (``W/"x"`` matches ``"x"``),
   the answer is 304 Not Modified.  When the header is present,
   ``If-Modified-Since`` is ignored.
2. ``If-Modified-Since``: an HTTP-date (IMF-fixdate, RFC 850 or asctime).  If
   the representation was not modified after it (compared in whole seconds,
   the resolution of ``Last-Modified``), 304.  A date that does not parse is
   ignored.
3. ``If-Range``: when present with ``Range``, the range is honoured only if
   the validator still matches: an entity tag by *strong* comparison (a weak
   tag never matches), or a date equal to ``Last-Modified``.  Otherwise the
   ``Range`` header is ignored and the whole representation is sent.
4. ``Range``: ``bytes=`` followed by a comma-separated list of ``first-last``,
   ``first-`` or ``-suffix`` (optional whitespace around items).  An unknown
   unit, a syntax error, ``last < first`` or more than ``MAX_RANGES`` items
   make the server ignore the header (200, whole body), as RFC 9110 §14.2
   allows; Apache does the same when a request asks for too many ranges.
   A range starting at or past the end, or a zero suffix, is unsatisfiable
   and dropped; if none is left, the answer is 416 with
   ``Content-Range: bytes */<size>``.  ``last`` past the end is clamped; a
   suffix longer than the file means the whole file.  The remaining ranges
   are sorted and overlapping or adjacent ones merged (§14.2 allows
   coalescing), so at most one part per byte is ever sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from asgiweb._http import parse_http_date

__all__ = [
    "MAX_RANGES",
    "etag_matches",
    "if_range_allows",
    "not_modified",
    "parse_http_date",
    "parse_range",
]

MAX_RANGES = 100

_RANGE_SPEC = re.compile(r"\s*(\d*)\s*-\s*(\d*)\s*")


def parse_range(header: str, size: int) -> list[tuple[int, int]] | None:
    """The byte ranges to send, as sorted, merged ``(start, stop)`` pairs (``stop`` exclusive).

    ``None`` means "ignore the header and send everything"; an empty list means
    "416 Range Not Satisfiable".
    """
    unit, sep, specs = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    items = specs.split(",")
    if len(items) > MAX_RANGES:
        return None
    ranges: list[tuple[int, int]] = []
    seen_any = False
    for item in items:
        if not item.strip():
            continue  # RFC 9110 §5.6.1: empty list elements are ignored
        match = _RANGE_SPEC.fullmatch(item)
        if match is None:
            return None
        first, last = match.group(1), match.group(2)
        seen_any = True
        if first:
            start = _position(first)
            if last:
                end = _position(last)
                if _number_key(last) < _number_key(first):
                    return None
                stop = min(end + 1, size)
            else:
                stop = size
            if start < size:
                ranges.append((start, stop))
        elif last:
            suffix = _position(last)
            if suffix > 0 and size > 0:
                ranges.append((max(size - suffix, 0), size))
        else:
            return None  # a lone "-"
    if not seen_any:
        return None
    return _merge(ranges)


def _number_key(digits: str) -> tuple[int, str]:
    significant = digits.lstrip("0")
    return len(significant), significant


def _position(digits: str) -> int:
    """A byte position; past 18 digits (beyond any size, maybe beyond int()'s
    length limit) a stand-in that is larger than any file."""
    length, significant = _number_key(digits)
    return int(significant or "0") if length <= 18 else 10**18 + length


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    if len(ranges) < 2:
        return ranges
    ranges.sort()
    merged = [ranges[0]]
    for start, stop in ranges[1:]:
        last_start, last_stop = merged[-1]
        if start <= last_stop:
            merged[-1] = (last_start, max(last_stop, stop))
        else:
            merged.append((start, stop))
    return merged


def _entity_tags(header: str) -> Iterable[str]:
    """The tags in an ``If-None-Match``/``If-Match`` list; commas cannot occur inside a tag."""
    for part in header.split(","):
        tag = part.strip()
        if tag:
            yield tag


def etag_matches(header: str, etag: str, *, weak: bool) -> bool:
    """Whether ``header`` (a tag list or ``*``) matches ``etag``, by weak or strong comparison."""
    if weak:
        ours = etag.removeprefix("W/")
        return any(tag == "*" or tag.removeprefix("W/") == ours for tag in _entity_tags(header))
    if etag.startswith("W/"):
        return False
    return any(tag == etag for tag in _entity_tags(header))


def not_modified(
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str | None,
    last_modified: float | None,
) -> bool:
    """Steps 1 and 2 of the rules above: True means answer 304."""
    if if_none_match is not None:
        if etag is None:  # nothing to compare with: only "*" matches
            return any(tag == "*" for tag in _entity_tags(if_none_match))
        return etag_matches(if_none_match, etag, weak=True)
    if if_modified_since is not None and last_modified is not None:
        since = parse_http_date(if_modified_since)
        return since is not None and int(last_modified) <= since
    return False


def if_range_allows(if_range: str | None, etag: str | None, last_modified: float | None) -> bool:
    """Step 3: whether the ``Range`` header may be used (never without a validator to
    compare with)."""
    if if_range is None:
        return True
    value = if_range.strip()
    if value.startswith(('"', "W/")):
        return etag is not None and etag_matches(value, etag, weak=False)
    when = parse_http_date(value)
    return when is not None and last_modified is not None and when == int(last_modified)
