"""A preference kept in a cookie: the list's page size.

``PUT /preferences/page-size?size=50`` sets the ``page_size`` cookie; the
``GET /items`` list reads it through ``Cookie()`` when no ``limit`` is given.
"""

from __future__ import annotations

from asgiweb import Cookie, Query, Response, Router

from .items import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

router = Router(prefix="/preferences", tags=["preferences"])

ONE_YEAR = 365 * 24 * 3600


@router.get("")
async def read_preferences(page_size: int | None = Cookie(None)) -> dict[str, int]:
    return {"page_size": page_size or DEFAULT_PAGE_SIZE}


@router.put("/page-size")
async def set_page_size(
    response: Response, size: int = Query(ge=1, le=MAX_PAGE_SIZE)
) -> dict[str, int]:
    response.set_cookie("page_size", str(size), max_age=ONE_YEAR, httponly=True)
    return {"page_size": size}


@router.delete("/page-size")
async def reset_page_size(response: Response) -> dict[str, int]:
    response.delete_cookie("page_size")
    return {"page_size": DEFAULT_PAGE_SIZE}
