"""``asgiweb.status`` against the references: ``http.HTTPStatus`` and FastAPI's
``fastapi.status`` (Starlette's list).  Every reference constant must exist here
with the same value; a missing one fails."""

from __future__ import annotations

import warnings
from http import HTTPStatus

import pytest

from asgiweb import status


def _starlette_constants() -> dict[str, int]:
    try:
        from starlette import status as reference
    except ImportError:  # the oracle is a dev dependency
        return {}
    names = [n for n in dir(reference) if n.startswith(("HTTP_", "WS_"))]
    with warnings.catch_warnings():
        # the old spellings (HTTP_422_UNPROCESSABLE_ENTITY...) warn on access there
        warnings.simplefilter("ignore")
        return {name: getattr(reference, name) for name in names}


STARLETTE = _starlette_constants()

# Constants Starlette has and asgiweb.status does not have yet.  Each one is a strict
# xfail, so adding the constant turns it into a failure until it is taken off this list.
NOT_YET_IN_ASGIWEB: set[str] = set()


@pytest.mark.parametrize("code", list(HTTPStatus), ids=lambda code: code.name)
def test_every_stdlib_status_has_its_constant(code: HTTPStatus) -> None:
    name = f"HTTP_{code.value}_{code.name}"
    assert hasattr(status, name), f"asgiweb.status lacks {name}"
    assert getattr(status, name) == code.value


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                strict=True, raises=AssertionError, reason="not in asgiweb.status yet"
            ),
        )
        if name in NOT_YET_IN_ASGIWEB
        else name
        for name in sorted(STARLETTE)
    ],
)
def test_every_fastapi_status_constant_is_here_with_its_value(name: str) -> None:
    assert hasattr(status, name), f"asgiweb.status lacks {name}"
    assert getattr(status, name) == STARLETTE[name]


def test_the_reference_list_was_found() -> None:
    pytest.importorskip("starlette")
    assert len(STARLETTE) >= len(HTTPStatus)
    assert STARLETTE.keys() >= NOT_YET_IN_ASGIWEB


def test_no_constant_here_is_unknown_to_the_references() -> None:
    pytest.importorskip("starlette")
    ours = {n for n in dir(status) if n.startswith(("HTTP_", "WS_"))}
    stdlib = {f"HTTP_{code.value}_{code.name}" for code in HTTPStatus}
    unknown = ours - stdlib - STARLETTE.keys()
    assert not unknown, unknown
    for name in ours:
        code = int(name.split("_")[1])
        assert getattr(status, name) == code, name
