"""Async generator dependencies that hold their own anyio task group or cancel scope
across their ``yield`` (and await in their exit code), side by side with FastAPI:
their exit runs inside a shield entered before their setup, so the scopes they exit
are the task's current ones (asgiweb._concurrency.holds_context_at_yield)."""

from typing import Annotated, Any

import anyio
import pytest

from asgiweb._concurrency import holds_context_at_yield
from tests.oracle.sidebyside import Call, Framework, same_answers


def held_scopes_app(fw: Framework) -> Any:
    app = fw.App()
    log: list[str] = []

    async def with_task_group() -> Any:
        async with anyio.create_task_group() as tg:
            tg.start_soon(anyio.sleep, 0)
            log.append("group in")
            yield "group"
            await anyio.sleep(0)
            log.append("group out")

    async def with_cancel_scope() -> Any:
        with anyio.CancelScope():
            log.append("scope in")
            try:
                yield "scope"
            except ValueError as exc:
                await anyio.sleep(0)
                log.append(f"scope saw {exc}")
                raise fw.HTTPException(409, "conflict") from exc
            await anyio.sleep(0)
            log.append("scope out")

    async def plain() -> Any:
        try:
            yield "plain"
        finally:
            await anyio.sleep(0)
            log.append("plain out")

    @app.get("/both")
    async def both(
        group: Annotated[str, fw.Depends(with_task_group)],
        scope: Annotated[str, fw.Depends(with_cancel_scope)],
        other: Annotated[str, fw.Depends(plain)],
    ) -> Any:
        return [group, scope, other]

    @app.get("/function")
    async def function_scope(
        group: Annotated[str, fw.Depends(with_task_group, scope="function")],
    ) -> Any:
        log.append("handler")
        return group

    @app.get("/fails")
    async def fails(scope: Annotated[str, fw.Depends(with_cancel_scope)]) -> Any:
        raise ValueError("boom")

    @app.get("/log")
    def read_log() -> Any:
        seen = list(log)
        log.clear()
        return seen

    return app


def test_dependencies_holding_their_own_scopes_exit_cleanly_as_in_fastapi() -> None:
    calls = ["/both", "/log", "/function", "/log", Call.get("/fails"), "/log"]
    answers = same_answers(held_scopes_app, calls)
    assert answers[0]["body"] == ["group", "scope", "plain"]
    assert answers[1]["body"] == [
        "group in",
        "scope in",
        "plain out",
        "scope out",
        "group out",
    ]
    assert answers[3]["body"] == ["group in", "handler", "group out"]
    assert answers[4] == {
        "status": 409,
        "body": {"detail": "conflict"},
        "headers": {"content-type": "application/json", "www-authenticate": None},
    }
    assert answers[5]["body"] == ["scope in", "scope saw boom"]


async def _in_group() -> Any:
    async with anyio.create_task_group():
        yield 1


async def _in_scope() -> Any:
    with anyio.CancelScope():
        yield 1


async def _try_finally() -> Any:
    try:
        yield 1
    finally:
        pass


async def _with_after_yield() -> Any:
    yield 1
    with anyio.CancelScope():
        await anyio.sleep(0)


class _Callable:
    async def __call__(self) -> Any:
        async with anyio.create_task_group():
            yield 1


@pytest.mark.parametrize(
    ("dependency", "held"),
    [
        (_in_group, True),
        (_in_scope, True),
        (_Callable(), True),
        (_try_finally, False),
        (_with_after_yield, False),
    ],
)
def test_which_generators_hold_a_context_across_their_yield(dependency: Any, held: bool) -> None:
    assert holds_context_at_yield(dependency) is held
