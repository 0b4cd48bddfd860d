"""A bare Router, served by uvicorn with no App around it."""

from __future__ import annotations

from asgiweb import Router

router = Router()


@router.get("/items/{item_id:int}")
async def read(item_id: int, q: str | None = None) -> dict[str, object]:
    return {"item_id": item_id, "q": q}


@router.post("/items")
async def create() -> str:
    return "created"
