"""Round four of the forms/files/OpenAPI sweep: asgiweb beside FastAPI 0.165.

Each case builds its app once (``def build(fw)``) and compares the two frameworks'
answers or documents; where we differ on purpose, docs/api.md says so and the test
asserts our behaviour.
"""

from typing import Any

import pytest

from tests.oracle.sidebyside import frameworks

pytest.importorskip("fastapi")


# --- marker reprs ---------------------------------------------------------------


MARKER_CASES = [
    (marker, args)
    for marker in ("Query", "Header", "Cookie", "Body", "Path", "Form", "File")
    for args in [(), (...,), ("text",), (None,), (7,), ([],)]
    if marker != "Path" or args in ((), (...,))  # FastAPI's Path takes no default
]


@pytest.mark.parametrize(("marker", "args"), MARKER_CASES)
def test_marker_repr_matches_fastapi(marker: str, args: tuple[Any, ...]) -> None:
    ours, theirs = frameworks()
    assert repr(getattr(ours, marker)(*args)) == repr(getattr(theirs, marker)(*args))


def test_marker_repr_with_default_factory_matches_fastapi() -> None:
    results = [repr(fw.Query(default_factory=list)) for fw in frameworks()]
    assert results[0] == results[1] == "Query(PydanticUndefined)"
