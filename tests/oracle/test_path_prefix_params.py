"""A router's routes taking a path parameter their include_router prefix names
(``prefix="/items/{item_id}"``), a pattern of FastAPI apps, side by side: served
where the prefix names it, reported missing (a 422) where nothing does, and
documented as FastAPI documents it."""

from typing import Annotated, Any

from tests.oracle.sidebyside import Call, Framework, frameworks, json_differences, same_answers


def prefixed_app(fw: Framework) -> Any:
    router = fw.Router()

    def item_of(item_id: Annotated[int, fw.Path(ge=1)]) -> dict[str, int]:
        return {"item": item_id}

    @router.get("/detail")
    def detail(item_id: Annotated[int, fw.Path()]) -> Any:
        return {"item_id": item_id}

    @router.put("/owner/{owner}")
    def owner(owner: str, item: Annotated[dict[str, int], fw.Depends(item_of)]) -> Any:
        return {"owner": owner, **item}

    app = fw.App()
    app.include_router(router, prefix="/items/{item_id}")
    app.include_router(router, prefix="/plain")
    return app


def test_a_path_parameter_named_by_the_prefix_works_as_in_fastapi() -> None:
    calls = [
        "/items/5/detail",
        "/items/x/detail",
        "/plain/detail",
        Call.put("/items/3/owner/ann"),
        Call.put("/items/0/owner/ann"),
        Call.put("/plain/owner/ann"),
    ]
    answers = same_answers(prefixed_app, calls)
    assert answers[0]["body"] == {"item_id": 5}
    assert [a["status"] for a in answers] == [200, 422, 422, 200, 422, 422]
    assert answers[2]["body"]["detail"] == [
        {"type": "missing", "loc": ["path", "item_id"], "msg": "Field required", "input": None}
    ]
    assert answers[3]["body"] == {"owner": "ann", "item": 3}


def test_the_document_lists_the_parameter_as_fastapi_does() -> None:
    ours, theirs = (prefixed_app(fw).openapi() for fw in frameworks())
    theirs["info"]["title"] = ours["info"]["title"]
    found = json_differences(ours["paths"], theirs["paths"])
    assert not found, "\n".join(found)
