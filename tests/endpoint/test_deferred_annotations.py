"""Handlers and dependencies written with ``from __future__ import annotations``.

Every annotation is then a string, resolved when the route is registered.  A
dependency's return annotation may name what is imported only for type checkers
(``if TYPE_CHECKING:``); FastAPI never resolves it, and neither must asgiweb.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import pytest

from tests.oracle.sidebyside import Framework, same_answers

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, Iterator


class Connection:
    def __init__(self) -> None:
        self.closed = False

    def rows(self) -> list[str]:
        return ["a", "b"]


async def connection() -> AsyncGenerator[Connection, None]:
    conn = Connection()
    yield conn
    conn.closed = True


def settings(prefix: str = "x") -> Iterator[str]:
    yield prefix.upper()


Depends: Any = None  # the framework's, set while an app is built: annotations are read then


def deferred_app(fw: Framework) -> Any:
    global Depends
    Depends = fw.Depends
    app = fw.App()

    @app.get("/rows")
    async def rows(
        conn: Annotated[Connection, Depends(connection)],
        tag: Annotated[str, Depends(settings)],
        limit: int = 1,
    ) -> Any:
        return {"rows": conn.rows()[:limit], "tag": tag}

    return app


def test_type_checking_only_return_annotations_of_dependencies_as_fastapi() -> None:
    answers = same_answers(deferred_app, ["/rows", "/rows?limit=2&prefix=ab", "/rows?limit=x"])
    assert answers[1]["body"] == {"rows": ["a", "b"], "tag": "AB"}


def test_an_unresolvable_parameter_annotation_is_still_an_error() -> None:
    from asgiweb import App

    app = App()

    def handler(value: Missing) -> None:  # type: ignore[name-defined]  # noqa: F821
        return None

    with pytest.raises(TypeError, match="cannot resolve parameter annotations"):
        app.get("/x")(handler)
