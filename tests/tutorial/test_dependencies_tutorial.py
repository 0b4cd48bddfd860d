"""Our own take on FastAPI's "Dependencies" tutorial pages, answered as FastAPI answers them.

Each app is built once per framework (``tests.oracle.sidebyside``) and every request's answer
must be the same: status, JSON body and the headers compared.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

from tests.oracle.sidebyside import Call, Framework, same_answers

BOOKS = [{"title": "Dune"}, {"title": "Emma"}, {"title": "Ulysses"}, {"title": "Beloved"}]


# -- first steps: one function shared by two routes -------------------------------------


def build_first_steps(fw: Framework) -> Any:
    app = fw.App()

    async def paging(search: str | None = None, offset: int = 0, count: int = 50) -> dict[str, Any]:
        return {"search": search, "offset": offset, "count": count}

    Paging = Annotated[dict[str, Any], fw.Depends(paging)]

    @app.get("/books/")
    async def books(params: Paging) -> Any:
        return params

    @app.get("/authors/")
    async def authors(params: Paging) -> Any:
        return {"authors": [], **params}

    return app


def test_first_steps() -> None:
    same_answers(
        build_first_steps,
        ["/books/", "/books/?search=sea&offset=2&count=3", "/authors/?count=none", "/authors/"],
    )


# -- classes as dependencies --------------------------------------------------------------


def build_classes(fw: Framework) -> Any:
    app = fw.App()

    class Paging:
        def __init__(self, search: str | None = None, offset: int = 0, count: int = 2) -> None:
            self.search = search
            self.offset = offset
            self.count = count

    @app.get("/books/")
    async def books(paging: Annotated[Paging, fw.Depends(Paging)]) -> Any:
        found = BOOKS[paging.offset : paging.offset + paging.count]
        answer: dict[str, Any] = {"books": found}
        if paging.search:
            answer["search"] = paging.search
        return answer

    @app.get("/short/")
    async def short(paging: Annotated[Paging, fw.Depends()]) -> Any:
        return {"offset": paging.offset, "count": paging.count}

    @app.get("/old-style/")
    async def old_style(paging: Paging = fw.Depends()) -> Any:
        return {"count": paging.count}

    return app


def test_classes_as_dependencies() -> None:
    same_answers(
        build_classes,
        [
            "/books/",
            "/books/?offset=1&count=3&search=e",
            "/books/?offset=-x",
            "/short/?count=1",
            "/old-style/?count=9",
        ],
    )


# -- sub-dependencies and the per-request cache --------------------------------------------


def build_sub_dependencies(fw: Framework) -> Any:
    app = fw.App()
    calls: list[str] = []

    def search_term(q: str | None = None) -> str | None:
        calls.append("search_term")
        return q

    def search_or_remembered(
        term: Annotated[str | None, fw.Depends(search_term)],
        last_search: Annotated[str | None, fw.Cookie()] = None,
    ) -> str | None:
        return term or last_search

    @app.get("/search/")
    async def search(
        found: Annotated[str | None, fw.Depends(search_or_remembered)],
        again: Annotated[str | None, fw.Depends(search_term)],
    ) -> Any:
        answer = {"found": found, "again": again, "calls": list(calls)}
        calls.clear()
        return answer

    @app.get("/fresh/")
    async def fresh(
        found: Annotated[str | None, fw.Depends(search_or_remembered)],
        again: Annotated[str | None, fw.Depends(search_term, use_cache=False)],
    ) -> Any:
        answer = {"found": found, "again": again, "calls": list(calls)}
        calls.clear()
        return answer

    return app


def test_sub_dependencies() -> None:
    same_answers(
        build_sub_dependencies,
        [
            "/search/?q=owls",
            Call("GET", "/search/", cookies={"last_search": "bats"}),
            "/search/",
            "/fresh/?q=cats",
        ],
    )


# -- dependencies in the decorator, on a router, and on the whole app -----------------------


def build_decorator(fw: Framework) -> Any:
    async def check_token(x_token: Annotated[str, fw.Header()]) -> None:
        if x_token != "letmein":
            raise fw.HTTPException(status_code=400, detail="X-Token header invalid")

    async def check_key(x_key: Annotated[str, fw.Header()]) -> str:
        if x_key != "k-42":
            raise fw.HTTPException(status_code=400, detail="X-Key header invalid")
        return x_key  # returned, and ignored by the decorator form

    app = fw.App()

    @app.get("/books/", dependencies=[fw.Depends(check_token), fw.Depends(check_key)])
    async def books() -> Any:
        return BOOKS[:2]

    return app


def build_global(fw: Framework) -> Any:
    async def check_token(x_token: Annotated[str, fw.Header()]) -> None:
        if x_token != "letmein":
            raise fw.HTTPException(status_code=400, detail="X-Token header invalid")

    app = fw.App(dependencies=[fw.Depends(check_token)])
    router = fw.Router(prefix="/club")

    @app.get("/books/")
    async def all_books() -> Any:
        return BOOKS

    @router.get("/members/")
    async def members() -> Any:
        return [{"name": "Ada"}]

    app.include_router(router)
    return app


def test_dependencies_in_the_decorator() -> None:
    good = {"x-token": "letmein", "x-key": "k-42"}
    same_answers(
        build_decorator,
        [
            "/books/",
            Call("GET", "/books/", headers={"x-token": "nope", "x-key": "k-42"}),
            Call("GET", "/books/", headers={"x-token": "letmein", "x-key": "nope"}),
            Call("GET", "/books/", headers={"x-token": "letmein"}),
            Call("GET", "/books/", headers=good),
        ],
    )


def test_global_dependencies() -> None:
    same_answers(
        build_global,
        [
            "/books/",
            Call("GET", "/club/members/", headers={"x-token": "letmein"}),
            Call("GET", "/club/members/", headers={"x-token": "wrong"}),
        ],
    )


# -- dependencies with yield ------------------------------------------------------------------


class Connection:
    def __init__(self, log: list[str], name: str) -> None:
        self.log = log
        self.name = name
        log.append(f"open {name}")

    def close(self) -> None:
        self.log.append(f"close {self.name}")


class OwnerError(Exception):
    pass


def build_yield(fw: Framework) -> Any:
    app = fw.App()
    log: list[str] = []

    async def database() -> AsyncIterator[Connection]:
        connection = Connection(log, "db")
        try:
            yield connection
        finally:
            connection.close()

    def cache(db: Annotated[Connection, fw.Depends(database)]) -> Iterator[Connection]:
        connection = Connection(log, "cache")
        try:
            yield connection
        finally:
            connection.close()
            log.append(f"cache saw {db.name} still usable")

    async def owner(x_user: Annotated[str, fw.Header()]) -> AsyncIterator[str]:
        try:
            yield x_user
        except OwnerError as exc:
            log.append("owner error handled")
            raise fw.HTTPException(status_code=403, detail=str(exc)) from exc
        except fw.HTTPException:
            log.append("owner saw an HTTP error")
            raise

    async def closes_early() -> AsyncIterator[str]:
        yield "early"
        log.append("function scope closed")

    @app.get("/books/{title}")
    async def book(
        title: str,
        db: Annotated[Connection, fw.Depends(database)],
        store: Annotated[Connection, fw.Depends(cache)],
        user: Annotated[str, fw.Depends(owner)],
        early: Annotated[str, fw.Depends(closes_early, scope="function")],
    ) -> Any:
        if title == "secret":
            raise OwnerError(f"{user} may not read {title}")
        if title == "missing":
            raise fw.HTTPException(status_code=404, detail="No such book")
        return {"title": title, "db": db.name, "store": store.name, "user": user, "early": early}

    @app.get("/log")
    async def read_log() -> Any:
        entries = list(log)
        log.clear()
        return entries

    return app


def test_dependencies_with_yield() -> None:
    user = {"x-user": "ann"}
    answers = same_answers(
        build_yield,
        [
            Call("GET", "/books/dune", headers=user),
            "/log",
            Call("GET", "/books/secret", headers=user),
            "/log",
            Call("GET", "/books/missing", headers=user),
            "/log",
            "/books/dune",
            "/log",
        ],
    )
    assert answers[1]["body"][-1] == "close db"
    assert answers[2]["status"] == 403
