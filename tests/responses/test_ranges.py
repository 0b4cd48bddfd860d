from __future__ import annotations

import calendar
import itertools
from email.utils import formatdate

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgiweb.responses._ranges import (
    MAX_RANGES,
    etag_matches,
    if_range_allows,
    not_modified,
    parse_http_date,
    parse_range,
)

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # one range
        ("bytes=0-0", [(0, 1)]),
        ("bytes=0-499", [(0, 500)]),
        ("bytes=500-999", [(500, 1000)]),
        ("bytes=500-", [(500, 1000)]),
        ("bytes=-100", [(900, 1000)]),
        ("bytes=-1000", [(0, 1000)]),
        ("bytes=-5000", [(0, 1000)]),  # suffix longer than the file: all of it
        ("bytes=900-5000", [(900, 1000)]),  # last clamped
        ("bytes=999-999", [(999, 1000)]),
        ("BYTES=0-9", [(0, 10)]),
        ("bytes = 0 - 9", [(0, 10)]),
        ("bytes=0-9,", [(0, 10)]),  # empty list elements are ignored
        # several: sorted and merged when they overlap or touch
        ("bytes=0-9,20-29", [(0, 10), (20, 30)]),
        ("bytes=20-29,0-9", [(0, 10), (20, 30)]),
        ("bytes=0-9,5-14", [(0, 15)]),
        ("bytes=0-9,10-19", [(0, 20)]),
        ("bytes=0-99,10-19", [(0, 100)]),
        ("bytes=0-9, -10", [(0, 10), (990, 1000)]),
        ("bytes=-10,995-", [(990, 1000)]),
        ("bytes=0-,100-200", [(0, 1000)]),
        # unsatisfiable items are dropped; none left: 416
        ("bytes=1000-", []),
        ("bytes=1000-2000", []),
        ("bytes=-0", []),
        ("bytes=1000-,0-0", [(0, 1)]),
        # ignored: unknown unit, bad syntax, inverted range
        ("items=0-9", None),
        ("bytes", None),
        ("bytes=", None),
        ("bytes=,", None),
        ("bytes=-", None),
        ("bytes=a-b", None),
        ("bytes=1-2-3", None),
        ("bytes=0x10-20", None),
        ("bytes=-1-2", None),
        ("bytes=10-5", None),
        ("bytes=0-9,10-5", None),
        ("bytes=+1-2", None),
        ("", None),
    ],
)
def test_parse_range_table(header: str, expected: list[tuple[int, int]] | None) -> None:
    assert parse_range(header, SIZE) == expected


def test_empty_file_makes_every_range_unsatisfiable() -> None:
    assert parse_range("bytes=0-", 0) == []
    assert parse_range("bytes=-10", 0) == []


def test_at_most_max_ranges() -> None:
    allowed = "bytes=" + ",".join(f"{i * 3}-{i * 3}" for i in range(MAX_RANGES))
    assert parse_range(allowed, 10_000) is not None
    assert len(parse_range(allowed, 10_000) or []) == MAX_RANGES
    too_many = "bytes=" + ",".join(f"{i * 3}-{i * 3}" for i in range(MAX_RANGES + 1))
    assert parse_range(too_many, 10_000) is None


@given(
    st.lists(
        st.tuples(st.integers(0, 300), st.integers(0, 300)).map(sorted), min_size=1, max_size=8
    ),
    st.integers(0, 250),
)
def test_merged_ranges_cover_exactly_the_requested_bytes(specs: list[list[int]], size: int) -> None:
    header = "bytes=" + ",".join(f"{a}-{b}" for a, b in specs)
    result = parse_range(header, size)
    wanted = {i for a, b in specs for i in range(a, min(b + 1, size))}
    assert result is not None
    covered = [i for start, stop in result for i in range(start, stop)]
    assert len(covered) == len(set(covered))  # no byte twice
    assert set(covered) == wanted
    assert all(r1[1] < r2[0] for r1, r2 in itertools.pairwise(result))


@pytest.mark.parametrize(
    ("header", "etag", "weak", "expected"),
    [
        ('"abc"', '"abc"', True, True),
        ('"abc"', '"abc"', False, True),
        ('W/"abc"', '"abc"', True, True),
        ('W/"abc"', '"abc"', False, False),
        ('"abc"', 'W/"abc"', False, False),
        ('"x", "abc"', '"abc"', True, True),
        ('"x" ,"y"', '"abc"', True, False),
        ("*", '"abc"', True, True),
        ('"ab"', '"abc"', True, False),
        ("", '"abc"', True, False),
    ],
)
def test_etag_matches(header: str, etag: str, weak: bool, expected: bool) -> None:
    assert etag_matches(header, etag, weak=weak) is expected


STAMP = calendar.timegm((2026, 3, 1, 10, 0, 0))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sun, 01 Mar 2026 10:00:00 GMT", STAMP),
        ("Sunday, 01-Mar-26 10:00:00 GMT", STAMP),  # RFC 850
        ("Sun Mar  1 10:00:00 2026", STAMP),  # asctime
        ("  Sun, 01 Mar 2026 10:00:00 GMT ", STAMP),
        ("Sun, 31 Feb 2026 10:00:00 GMT", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_http_date(text: str, expected: float | None) -> None:
    assert parse_http_date(text) == expected


@given(st.integers(0, 4_000_000_000))
def test_parse_http_date_reads_what_email_utils_writes(stamp: int) -> None:
    assert parse_http_date(formatdate(stamp, usegmt=True)) == stamp


ETAG = '"5f-10"'
MTIME = STAMP + 0.75  # sub-second mtimes compare in whole seconds


@pytest.mark.parametrize(
    ("inm", "ims", "expected"),
    [
        (None, None, False),
        (ETAG, None, True),
        ('W/"5f-10"', None, True),
        ('"other"', None, False),
        ("*", None, True),
        # If-None-Match present: If-Modified-Since is ignored
        ('"other"', "Sun, 01 Mar 2026 10:00:00 GMT", False),
        (None, "Sun, 01 Mar 2026 10:00:00 GMT", True),
        (None, "Sun, 01 Mar 2026 11:00:00 GMT", True),
        (None, "Sun, 01 Mar 2026 09:59:59 GMT", False),
        (None, "garbage", False),
    ],
)
def test_not_modified(inm: str | None, ims: str | None, expected: bool) -> None:
    assert not_modified(inm, ims, ETAG, MTIME) is expected


@pytest.mark.parametrize(
    ("if_range", "expected"),
    [
        (None, True),
        (ETAG, True),
        ('W/"5f-10"', False),  # weak tags never match If-Range
        ('"other"', False),
        ("Sun, 01 Mar 2026 10:00:00 GMT", True),
        ("Sun, 01 Mar 2026 10:00:01 GMT", False),
        ("Sun, 01 Mar 2026 09:00:00 GMT", False),
        ("nonsense", False),
    ],
)
def test_if_range_allows(if_range: str | None, expected: bool) -> None:
    assert if_range_allows(if_range, ETAG, MTIME) is expected
