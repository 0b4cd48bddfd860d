from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgiweb.routing import NoMatchFound, Router, compile_path


def endpoint() -> None:
    return None


def make(*specs: tuple[str, str]) -> Router:
    router = Router()
    for method, path in specs:
        router.add_route(path, endpoint, methods=[method], name=f"{method} {path}")
    return router


def found(router: Router, path: str, method: str = "GET") -> tuple[str, dict[str, Any]]:
    route, params, allow = router.table.lookup(path, method)
    assert route is not None, (path, allow)
    assert params is not None
    return route.path, params


@pytest.mark.parametrize(
    ("template", "path", "params"),
    [
        ("/items/{id}", "/items/abc", {"id": "abc"}),
        ("/items/{id:int}", "/items/42", {"id": 42}),
        ("/items/{x:float}", "/items/4.5", {"x": 4.5}),
        ("/items/{x:float}", "/items/4", {"x": 4.0}),
        (
            "/u/{u:uuid}",
            "/u/12345678-1234-5678-1234-567812345678",
            {"u": uuid.UUID("12345678-1234-5678-1234-567812345678")},
        ),
        ("/files/{p:path}", "/files/a/b/c.txt", {"p": "a/b/c.txt"}),
        ("/files/{p:path}", "/files/", {"p": ""}),
        ("/f/{stem}.{ext}", "/f/report.pdf", {"stem": "report", "ext": "pdf"}),
        ("/a/{x}/b/{y:int}", "/a/1/b/2", {"x": "1", "y": 2}),
        ("/ünï/{x}", "/ünï/ç", {"x": "ç"}),
    ],
)
def test_converters_match_and_convert(template: str, path: str, params: dict[str, Any]) -> None:
    router = make(("GET", template))
    assert found(router, path) == (template, params)


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/items/{id}", "/items/"),
        ("/items/{id}", "/items"),
        ("/items/{id}", "/items/a/b"),
        ("/items/{id:int}", "/items/-1"),
        ("/items/{id:int}", "/items/1.5"),
        ("/items/{x:float}", "/items/abc"),
        ("/u/{u:uuid}", "/u/not-a-uuid"),
        ("/files/{p:path}", "/files"),
    ],
)
def test_non_matching_paths_are_404(template: str, path: str) -> None:
    router = make(("GET", template))
    assert router.table.lookup(path, "GET") == (None, None, None)


def test_literal_beats_parameter_whatever_the_order() -> None:
    router = make(("GET", "/users/{id}"), ("GET", "/users/me"))
    assert found(router, "/users/me") == ("/users/me", {})
    assert found(router, "/users/5") == ("/users/{id}", {"id": "5"})


def test_literal_branch_backtracks_to_parameter() -> None:
    router = make(("GET", "/a/me/x"), ("GET", "/a/{id}/y"))
    assert found(router, "/a/me/y") == ("/a/{id}/y", {"id": "me"})


def test_first_registered_parameter_wins() -> None:
    router = make(("GET", "/p/{a:int}"), ("GET", "/p/{b}"))
    assert found(router, "/p/1") == ("/p/{a:int}", {"a": 1})
    assert found(router, "/p/x") == ("/p/{b}", {"b": "x"})


def test_405_allow_is_union_of_matching_templates() -> None:
    router = make(("GET", "/users/me"), ("DELETE", "/users/{id}"), ("POST", "/users/{id}"))
    route, _, allow = router.table.lookup("/users/me", "PUT")
    assert route is None
    assert allow == "DELETE, GET, HEAD, POST"
    # a method on the parameter route is still found for the literal path
    assert found(router, "/users/me", "DELETE") == ("/users/{id}", {"id": "me"})


def test_get_answers_head_and_explicit_head_wins() -> None:
    router = make(("GET", "/x"))
    assert found(router, "/x", "HEAD") == ("/x", {})

    def head_endpoint() -> None:
        return None

    router.add_route("/x", head_endpoint, methods=["HEAD"], name="head")
    route, _, _ = router.table.lookup("/x", "HEAD")
    assert route is not None and route.name == "head"


def test_duplicate_route_is_rejected_at_registration() -> None:
    router = make(("GET", "/x/{a}"))
    with pytest.raises(ValueError, match="duplicate route"):
        router.add_route("/x/{a}", endpoint, methods=["GET"])


@pytest.mark.parametrize(
    "template",
    ["items", "/x/{a:nope}", "/x/{p:path}/y", "/x/{a}/{a}", "/x/{a", "/x/a}"],
)
def test_bad_templates_fail_at_registration(template: str) -> None:
    with pytest.raises(ValueError):
        compile_path(template)


def test_include_router_with_prefix_and_url_path_for() -> None:
    inner = Router()
    inner.add_route("/items/{item_id:int}", endpoint, methods=["GET"], name="item")
    inner.add_route("/files/{p:path}", endpoint, methods=["GET"], name="file")
    outer = Router()
    outer.include_router(inner, prefix="/v1")
    assert found(outer, "/v1/items/3") == ("/v1/items/{item_id:int}", {"item_id": 3})
    assert outer.url_path_for("item", item_id=3) == "/v1/items/3"
    assert outer.url_path_for("file", p="a/b") == "/v1/files/a/b"
    with pytest.raises(NoMatchFound):
        outer.url_path_for("item")
    with pytest.raises(NoMatchFound):
        outer.url_path_for("nope")


def test_unknown_route_option_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="unsupported route option"):
        Router().add_route("/x", endpoint, methods=["GET"], bogus=1)
    # documentation-only keywords FastAPI users pass are accepted
    Router().add_route("/x", endpoint, methods=["GET"], tags=["a"], summary="s")


def test_lookup_cost_does_not_depend_on_route_count() -> None:
    # Structural check (timing lives in benchmarks/): a lookup visits only the
    # nodes on its path, so the static dict and the tree root stay small.
    router = Router()
    for i in range(1000):
        router.add_route(f"/static/{i}", endpoint, methods=["GET"], name=f"s{i}")
        router.add_route(f"/dyn{i}/{{id:int}}", endpoint, methods=["GET"], name=f"d{i}")
    assert found(router, "/dyn999/7") == ("/dyn999/{id:int}", {"id": 7})
    assert len(router.table.root.params) == 0  # no parameter edge at the root to scan


segment = st.text(
    alphabet=st.characters(blacklist_characters="/{}", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(segment, min_size=1, max_size=4), st.sampled_from(["", "int", "str"])),
        min_size=1,
        max_size=12,
        unique_by=lambda t: "/".join(t[0]),
    )
)
def test_every_route_finds_itself(specs: list[tuple[list[str], str]]) -> None:
    router = Router()
    expected = []
    for index, (parts, kind) in enumerate(specs):
        template = "/" + "/".join(parts)
        concrete = template
        if kind:
            template += "/{value:int}" if kind == "int" else "/{value}"
            concrete += f"/{index + 7}"
        try:
            router.add_route(template, endpoint, methods=["GET"], name=f"r{index}")
        except ValueError:
            continue  # the same template shape twice
        expected.append((template, concrete))
    for _template, concrete in expected:
        route, params, _ = router.table.lookup(concrete, "GET")
        assert route is not None
        # A literal registered elsewhere may legitimately shadow a parameter,
        # but whatever matched must produce this exact path again.
        assert route.url_path(**(params or {})) == concrete
