"""The dependency graph of a route, compiled at registration (docs/dependencies.md).

``compile_graph`` walks the handler's ``Depends(...)`` parameters and the
route's ``dependencies=[...]`` once, depth first, and turns every callable into
a ``Dependant``: its parameters already classified (``parameters.analyse``),
its sub-dependants compiled, how to call it decided (async function, plain
function or class in a worker thread, async or sync generator).  A cycle, or a
parameter nothing can fill, is a ``TypeError`` here naming the chain that led
to it.  A request only runs what is built then: while
``app.dependency_overrides`` is empty, one generated coroutine for the whole
graph and the handler's call (``compile_solver``), else the recursive closures ``_runner`` builds.

Request-time rules, FastAPI's:

- sub-dependencies are solved in signature order (the route's own
  ``dependencies`` first), each before the dependant's own parameters; a
  dependant whose sub-tree or parameters have errors is not called, but its
  siblings still are, and every error ends up in one 422, in that order;
- with ``use_cache=True`` (always, for the markers of ``dependencies=[...]``, as
  FastAPI builds those) a dependency is called once per request and its value
  reused wherever it appears again (the key is the callable, plus the OAuth2
  scopes when its ``Security`` asks for some or the sub-tree looks at them, plus
  its exit scope: the one given, else ``"request"`` for a generator);
- the code after a generator's ``yield`` runs when the dependant's scope ends:
  ``"function"`` right after the handler's result has been turned into a
  response, ``"request"`` (the default) after the response has been sent.  An
  exception raised by the handler, or while sending, is thrown into the
  generators, innermost first; one raised there replaces it.  A generator that
  swallows the exception leaves no answer to send: that is a server error;
- ``app.dependency_overrides[original] = replacement`` is looked up on every
  request (it may change between tests); a replacement is compiled the first time
  it is met and kept with the dependant it replaces.
"""

from __future__ import annotations

import keyword
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping, Sequence
from typing import Any, NoReturn
from weakref import WeakKeyDictionary

import anyio
from anyio.lowlevel import RunVar

from asgiweb._concurrency import (
    ASYNC,
    ASYNC_GEN,
    SYNC,
    SYNC_GEN,
    call_kind,
    holds_context_at_yield,
    run_in_threadpool,
    unwrap_partial,
)
from asgiweb._endpoint.parameters import (
    BodyStep,
    Parameters,
    analyse,
    body_filler,
    callable_name,
)
from asgiweb._validation.compiler import Invalid
from asgiweb.background import BackgroundTasks
from asgiweb.exceptions import DependencyScopeError
from asgiweb.params import Depends, Security
from asgiweb.requests import Request
from asgiweb.responses import Response
from asgiweb.responses.base import AnswerMessages, send_answer
from asgiweb.security.base import SecurityBase
from asgiweb.security.oauth2 import SecurityScopes
from asgiweb.types import Receive, Scope, Send

__all__ = ["Context", "Dependant", "ExitAfterSend", "compile_graph", "compile_solver", "unwind"]

FAILED: Any = object()  # a dependant whose sub-tree or parameters had errors


class Context:
    """One request's state while its dependencies are solved."""

    __slots__ = (
        "body",
        "cache",
        "errors",
        "function_exits",
        "overrides",
        "request",
        "request_exits",
        "tasks",
        "temporary",
    )

    def __init__(self, request: Request, body: Any, overrides: Mapping[Any, Any] | None) -> None:
        self.request = request
        self.body = body
        self.overrides = overrides
        self.cache: dict[Any, Any] = {}
        self.errors: list[dict[str, Any]] = []
        self.temporary: Response | None = None
        self.tasks: BackgroundTasks | None = None
        self.function_exits: list[tuple[Any, bool | int]] = []
        self.request_exits: list[tuple[Any, bool | int]] = []


def temporary_response() -> Response:
    """The ``Response`` a handler or dependency may set headers/status on."""
    response = Response()
    response.raw_headers.clear()  # no content-length: it belongs to the final response
    response.status_code = None  # type: ignore[assignment]  # "not set", as FastAPI does
    return response


class ConcurrencyLimit:
    """``Depends(..., max_concurrency=n)``: at most ``n`` runs of that marker at once,
    per event loop (an anyio semaphore made on first use in each loop).  A plain
    callable holds its place while it runs; a generator from before it is entered
    until its exit code has run, as in FastAPI.  Only graphs with such a declaration
    pay for it (they take the recursive runners, see ``compile_solver``)."""

    __slots__ = ("__weakref__", "max_concurrency")

    def __init__(self, max_concurrency: int) -> None:
        self.max_concurrency = max_concurrency

    def semaphore(self) -> anyio.Semaphore:
        by_limit = _SEMAPHORES.get(None)
        if by_limit is None:
            by_limit = WeakKeyDictionary()
            _SEMAPHORES.set(by_limit)
        found = by_limit.get(self)
        if found is None:
            found = by_limit[self] = anyio.Semaphore(self.max_concurrency)
        return found

    async def run(
        self, ctx: Context, dependant: Dependant, call: Callable[..., Any], kwargs: dict[str, Any]
    ) -> Any:
        semaphore = self.semaphore()
        kind = dependant.kind
        if kind == ASYNC:
            async with semaphore:
                return await call(**kwargs)
        if kind == SYNC:
            async with semaphore:
                return await run_in_threadpool(call, **kwargs)
        exits = ctx.function_exits if dependant.scope == "function" else ctx.request_exits
        # The place is released when this holder is finished: it is entered first, so
        # it is unwound after the generator (exits run last entered first).
        holder = _holding(semaphore)
        await holder.__anext__()
        exits.append((holder, True))
        if kind == ASYNC_GEN:
            gen = call(**kwargs)
            if dependant.exit_flag is SHIELDED:
                return await setup_shielded(gen, exits, dependant)
            try:
                value = await gen.__anext__()
            except StopAsyncIteration:
                raise _no_yield(dependant) from None
            exits.append((gen, True))
            return value
        value, gen = await _enter(call, kwargs, False, dependant)
        exits.append((gen, False))
        return value


async def _holding(semaphore: anyio.Semaphore) -> AsyncIterator[None]:
    async with semaphore:
        yield


_SEMAPHORES: RunVar[WeakKeyDictionary[ConcurrencyLimit, anyio.Semaphore]] = RunVar(
    "asgiweb_dependency_limits"
)


class Dependant:
    """One callable of the graph, compiled (see the module docstring)."""

    __slots__ = (
        "call",
        "chain",
        "exit_flag",
        "fill_all",
        "fill_body",
        "fill_form",
        "injects",
        "key",
        "kind",
        "limit",
        "name",
        "overridden",
        "params",
        "path_params",
        "replacement",
        "run",
        "scope",
        "scopes",
        "subs",
        "use_cache",
        "uses_scopes",
    )

    def __init__(
        self,
        call: Callable[..., Any],
        *,
        name: str | None,
        use_cache: bool,
        scope: str,
        scopes: tuple[str, ...],
        chain: tuple[str, ...],
        params: Parameters,
        subs: list[Dependant],
        kind: int,
        path_params: Mapping[str, type],
        asks_scopes: bool = False,
        scope_given: bool = False,
        limit: ConcurrencyLimit | None = None,
    ) -> None:
        self.call = call
        self.limit = limit
        self.name = name
        self.use_cache = use_cache
        self.scope = scope
        self.scopes = scopes
        self.chain = chain
        self.params = params
        self.subs = subs
        self.kind = kind
        # What ``unwind`` is told of this generator's exit (see ``SHIELDED``).
        self.exit_flag: bool | int = (
            SHIELDED if kind == ASYNC_GEN and holds_context_at_yield(call) else kind == ASYNC_GEN
        )
        self.path_params = path_params
        self.uses_scopes: bool = bool(
            asks_scopes
            or params.scopes_name is not None
            or isinstance(unwrap_partial(call), SecurityBase)
            or any(sub.uses_scopes for sub in subs)
        )
        # The exit scope in the key is the one given, else "request" for a generator
        # and none for a plain callable (Depends(f) and Depends(f, scope=...) are two).
        exit_scope = scope if scope_given or kind in (ASYNC_GEN, SYNC_GEN) else ""
        self.key = _cache_key(
            (call, tuple(sorted(set(scopes))) if self.uses_scopes else (), exit_scope)
        )
        self.overridden: dict[Any, Dependant] = {}
        self.replacement = False  # compiled for app.dependency_overrides
        self.injects = not (
            params.request_name
            is params.response_name
            is params.background_name
            is params.scopes_name
            is None
        )
        self.fill_body: Callable[[Any, dict[str, Any], list[Any]], None] | None = None
        self.fill_form: FormFiller | None = _form_filler(params) if params.form_steps else None
        # Set by set_embed: the value for a request, and the root's keyword arguments.
        self.run: Callable[[Context], Awaitable[Any]] = _unset
        self.fill_all: Callable[[Context], Awaitable[Any]] = _unset

    # -- registration ----------------------------------------------------------------

    def walk(self) -> list[Dependant]:
        """This dependant and every one below it, depth first."""
        found = [self]
        for sub in self.subs:
            found.extend(sub.walk())
        return found

    def set_embed(self, embed: bool) -> None:
        """Decide, for the whole graph, whether body parameters are read by name, and
        compile every dependant's request-time closures (leaves first)."""
        for dependant in reversed(self.walk()):
            steps = dependant.params.body_steps
            dependant.fill_body = body_filler(steps, embed) if steps else None
            dependant.run = _runner(dependant, embed, call_it=True)
            dependant.fill_all = _runner(dependant, embed, call_it=False)

    def replaced_by(self, call: Callable[..., Any], embed: bool) -> Dependant:
        """The compiled replacement for ``app.dependency_overrides[self.call] = call``."""
        found = self.overridden.get(call)
        if found is None:
            found = _compile(
                call,
                name=self.name,
                use_cache=self.use_cache,
                explicit_scope=self.scope,
                scopes=self.scopes,
                chain=self.chain[:-1],
                stack=(),
                path_params=self.path_params,
                own_scopes=(),
            )
            found.limit = self.limit  # the declaration's bound holds for its replacement
            # FastAPI caches a replacement's value under the original's key, and
            # never looks the replacement itself up again (X -> X is allowed).
            found.key = self.key
            found.replacement = True
            found.set_embed(embed)
            self.overridden[call] = found
        return found

    # -- request time ----------------------------------------------------------------

    def fill_own(self, ctx: Context, kwargs: dict[str, Any]) -> bool:
        """Add this dependant's own parameters to ``kwargs``; True when any had errors."""
        params = self.params
        request = ctx.request
        failed = False
        for name, extract in params.extractors:
            try:
                kwargs[name] = extract(request)
            except Invalid as exc:
                ctx.errors.extend(exc.errors)
                failed = True
        fill_body = self.fill_body
        if fill_body is not None:
            before = len(ctx.errors)
            fill_body(ctx.body, kwargs, ctx.errors)
            failed = failed or len(ctx.errors) > before
        if failed:
            return True
        self.inject(ctx, kwargs)
        return False

    async def fill_own_form(self, ctx: Context, kwargs: dict[str, Any]) -> bool:
        """``fill_own`` for a dependant with form parameters (``ctx.body`` is the form)."""
        failed = False
        for name, extract in self.params.extractors:
            try:
                kwargs[name] = extract(ctx.request)
            except Invalid as exc:
                ctx.errors.extend(exc.errors)
                failed = True
        fill_form = self.fill_form
        if fill_form is not None:
            before = len(ctx.errors)
            await fill_form(ctx.body, kwargs, ctx.errors)
            failed = failed or len(ctx.errors) > before
        if failed:
            return True
        self.inject(ctx, kwargs)
        return False

    def inject(self, ctx: Context, kwargs: dict[str, Any]) -> None:
        """Add the injected parameters (connection, response, tasks, scopes)."""
        params = self.params
        if self.injects:
            if params.request_name is not None:
                kwargs[params.request_name] = ctx.request
            if params.response_name is not None:
                if ctx.temporary is None:
                    ctx.temporary = temporary_response()
                kwargs[params.response_name] = ctx.temporary
            if params.background_name is not None:
                if ctx.tasks is None:
                    ctx.tasks = BackgroundTasks()
                kwargs[params.background_name] = ctx.tasks
            if params.scopes_name is not None:
                kwargs[params.scopes_name] = SecurityScopes(self.scopes)


class _CacheKey:
    """One per distinct (callable, scopes, exit scope): hashed by identity, so a
    request's cache lookup does not hash a tuple (PERF)."""

    __slots__ = ("parts",)

    def __init__(self, parts: tuple[Any, ...]) -> None:
        self.parts = parts

    def __repr__(self) -> str:
        return f"_CacheKey{self.parts!r}"


_KEYS: dict[tuple[Any, ...], _CacheKey] = {}


def _cache_key(parts: tuple[Any, ...]) -> _CacheKey:
    try:
        found = _KEYS.get(parts)
    except TypeError:  # an unhashable callable: a key of its own
        return _CacheKey(parts)
    if found is None:
        found = _KEYS[parts] = _CacheKey(parts)
    return found


FormFiller = Callable[[Any, dict[str, Any], list[Any]], Awaitable[None]]


def _form_filler(params: Parameters) -> FormFiller:
    """Fill a dependant's ``Form()``/``File()`` parameters from the request's form."""
    steps = tuple(params.form_steps)

    async def fill(form: Any, kwargs: dict[str, Any], errors: list[Any]) -> None:
        for step in steps:
            await step.fill(form, kwargs, errors)

    return fill


async def _unset(ctx: Context) -> Any:
    raise RuntimeError("dependency graph used before set_embed()")


def _runner(
    dependant: Dependant, embed: bool, *, call_it: bool
) -> Callable[[Context], Awaitable[Any]]:
    """The request-time closure of one dependant, everything it reads bound as locals.

    With ``call_it`` it returns the dependant's value (``FAILED`` after errors),
    else the keyword arguments for its call (None after errors): the root, whose
    call is the handler's, made by the plan.  A dependency found in
    ``ctx.overrides`` hands over to its compiled replacement."""
    call = dependant.call
    key = dependant.key
    use_cache = dependant.use_cache
    kind = dependant.kind
    function_scope = dependant.scope == "function"
    subs = tuple((sub.run, sub.name) for sub in dependant.subs)
    extractors = dependant.params.extractors
    plain = dependant.fill_body is None and dependant.fill_form is None and not dependant.injects
    fill_own = dependant.fill_own
    fill_own_form = dependant.fill_own_form if dependant.fill_form is not None else None
    replaced_by = dependant.replaced_by
    may_be_overridden = call_it and not dependant.replacement
    limit = dependant.limit

    async def run(ctx: Context) -> Any:
        overrides = ctx.overrides
        if overrides and may_be_overridden:
            replacement = overrides.get(call)
            if replacement is not None:
                return await replaced_by(replacement, embed).run(ctx)
        kwargs: dict[str, Any] = {}
        failed = False
        for sub_run, name in subs:
            value = await sub_run(ctx)
            if value is FAILED:
                failed = True
            elif name is not None:
                kwargs[name] = value
        if plain:
            request = ctx.request
            for name, extract in extractors:
                try:
                    kwargs[name] = extract(request)
                except Invalid as exc:
                    ctx.errors.extend(exc.errors)
                    failed = True
        elif fill_own_form is not None:
            if await fill_own_form(ctx, kwargs):
                failed = True
        elif fill_own(ctx, kwargs):
            failed = True
        if not call_it:
            return None if failed else kwargs
        if failed:
            return FAILED
        cache = ctx.cache
        if use_cache and key in cache:
            return cache[key]
        if limit is not None:
            value = await limit.run(ctx, dependant, call, kwargs)
        elif kind == ASYNC:
            value = await call(**kwargs)
        elif kind == SYNC:
            value = await run_in_threadpool(call, **kwargs)
        elif kind == ASYNC_GEN:
            gen = call(**kwargs)
            exits = ctx.function_exits if function_scope else ctx.request_exits
            if dependant.exit_flag is SHIELDED:
                value = await setup_shielded(gen, exits, dependant)
            else:
                try:
                    value = await gen.__anext__()
                except StopAsyncIteration:
                    raise _no_yield(dependant) from None
                exits.append((gen, True))
        else:
            value, gen = await _enter(call, kwargs, False, dependant)
            (ctx.function_exits if function_scope else ctx.request_exits).append((gen, False))
        if key not in cache:
            cache[key] = value
        return value

    return run


def compile_solver(
    root: Dependant,
    endpoint: Callable[..., Any],
    *,
    is_async: bool,
    reject: Callable[[Context], NoReturn],
) -> Callable[[Context], Awaitable[Any]]:
    """``solve(ctx)``: the graph solved, then ``endpoint`` called with the root's
    keyword arguments (in a worker thread unless ``is_async``) and its value
    returned; ``reject(ctx)`` raises when any parameter had errors.

    PERF: generated straight-line code.  The graph is laid out at registration in
    the order the recursive runners solve it (depth first, each dependant after its
    sub-dependants; a dependant met twice is laid out twice), and written as one
    coroutine with the handler's call at its end: every value is a local, every
    extractor and callable a name bound at registration, every call made with its
    keywords.  That is one coroutine per request instead of one per dependant plus
    one for the root, and no loop, dict of kwargs or cache dict in between
    (benchmarks/app_asgiweb.py ``/deps``).  The cache becomes "the first earlier
    dependant with the same key that has a value": FastAPI's, where any solved
    dependant stores its value and the ``use_cache`` ones read it.

    While ``app.dependency_overrides`` is not empty, the recursive runners (which
    look every dependant up) do the work; so they do for a graph with form
    parameters (filled by an awaited step).
    """
    general = root.fill_all

    async def fallback(ctx: Context) -> Any:
        kwargs = await general(ctx)
        if kwargs is None:
            reject(ctx)
        if is_async:
            return await endpoint(**kwargs)
        return await run_in_threadpool(endpoint, **kwargs)

    walk = root.walk()
    if len(walk) == 1 or any(
        dependant.fill_form is not None or dependant.limit is not None for dependant in walk
    ):
        return fallback
    namespace: dict[str, Any] = {
        "FAILED": FAILED,
        "Invalid": Invalid,
        "fallback": fallback,
        "endpoint": endpoint,
        "reject": reject,
        "no_yield": _no_yield,
        "setup_shielded": setup_shielded,
        "in_thread": run_in_threadpool,
        "enter": _enter,
    }
    lines = [
        "async def solve(ctx):",
        "    if ctx.overrides:",
        "        return await fallback(ctx)",
        "    request = ctx.request",
    ]
    keys: list[Any] = []

    def own_part(
        dependant: Dependant, tag: str, args: list[tuple[str | None, str]]
    ) -> tuple[str, str]:
        """Lines solving ``dependant``'s own parameters; its kwargs as a dict expression
        and as call arguments."""
        lines.append("    ok = True")
        failed = [var for _, var in args]
        if failed:
            lines.append(f"    if {' or '.join(f'{var} is FAILED' for var in failed)}:")
            lines.append("        ok = False")
        named = [(name, var) for name, var in args if name is not None]
        if dependant.fill_body is None and not dependant.injects:
            for index, (name, extract) in enumerate(dependant.params.extractors):
                namespace[f"x{tag}_{index}"] = extract
                lines.extend(
                    [
                        "    try:",
                        f"        a{tag}_{index} = x{tag}_{index}(request)",
                        "    except Invalid as exc:",
                        "        ctx.errors.extend(exc.errors)",
                        "        ok = False",
                    ]
                )
                named.append((name, f"a{tag}_{index}"))
            return (
                "{" + ", ".join(f"{name!r}: {var}" for name, var in named) + "}",
                ", ".join(_keyword(name, var) for name, var in named),
            )
        # A body or injected parameters: fill_own adds them to the kwargs it is given,
        # after the sub-dependants' values (those that have one).
        namespace[f"f{tag}"] = dependant.fill_own
        lines.append(f"    k{tag} = {{}}")
        for name, var in named:
            lines.extend([f"    if {var} is not FAILED:", f"        k{tag}[{name!r}] = {var}"])
        lines.extend([f"    if f{tag}(ctx, k{tag}):", "        ok = False"])
        return f"k{tag}", f"**k{tag}"

    def lay_out(dependant: Dependant) -> list[tuple[str | None, str]]:
        args: list[tuple[str | None, str]] = []
        for sub in dependant.subs:
            sub_args = lay_out(sub)
            slot = len(keys)
            var = f"v{slot}"
            namespace[f"c{slot}"] = sub.call
            namespace[f"d{slot}"] = sub
            lines.append(f"    # {' -> '.join(sub.chain)!r}")
            kwargs, arguments = own_part(sub, str(slot), sub_args)
            call = f"c{slot}({arguments})"
            lines.extend(["    if not ok:", f"        {var} = FAILED"])
            if sub.use_cache:
                for earlier, key in enumerate(keys):
                    if key is sub.key:
                        lines.extend(
                            [f"    elif v{earlier} is not FAILED:", f"        {var} = v{earlier}"]
                        )
            exits = "ctx.function_exits" if sub.scope == "function" else "ctx.request_exits"
            lines.append("    else:")
            if sub.kind == ASYNC:
                lines.append(f"        {var} = await {call}")
            elif sub.kind == SYNC:
                passed = f"c{slot}, {arguments}" if arguments else f"c{slot}"
                lines.append(f"        {var} = await in_thread({passed})")
            elif sub.kind == ASYNC_GEN and sub.exit_flag is SHIELDED:
                lines.append(f"        {var} = await setup_shielded({call}, {exits}, d{slot})")
            elif sub.kind == ASYNC_GEN:
                lines.extend(
                    [
                        f"        gen = {call}",
                        "        try:",
                        f"            {var} = await gen.__anext__()",
                        "        except StopAsyncIteration:",
                        f"            raise no_yield(d{slot}) from None",
                        f"        {exits}.append((gen, True))",
                    ]
                )
            else:
                lines.extend(
                    [
                        f"        {var}, gen = await enter(c{slot}, {kwargs}, False, d{slot})",
                        f"        {exits}.append((gen, False))",
                    ]
                )
            args.append((sub.name, var))
            keys.append(sub.key)
        return args

    root_args = lay_out(root)
    lines.append(f"    # {root.chain[0]!r}")
    _, arguments = own_part(root, "r", root_args)
    lines.extend(["    if not ok:", "        reject(ctx)"])
    if is_async:
        lines.append(f"    return await endpoint({arguments})")
    else:
        passed = f"endpoint, {arguments}" if arguments else "endpoint"
        lines.append(f"    return await in_thread({passed})")
    code = compile("\n".join(lines), f"<dependencies of {root.chain[0]}>", "exec")
    exec(code, namespace)
    solve: Callable[[Context], Awaitable[Any]] = namespace["solve"]
    solve.__qualname__ = f"solve[{root.chain[0]}]"
    return solve


def _keyword(name: str, var: str) -> str:
    """``name=var`` in a call; a name that source code would not spell the same
    (e.g. one a ``__signature__`` made up) goes through a dict."""
    if name.isidentifier() and name.isascii() and not keyword.iskeyword(name):
        return f"{name}={var}"
    return f"**{{{name!r}: {var}}}"


_NOTHING: Any = object()


def _next_or_nothing(gen: Any) -> Any:
    try:
        return next(gen)
    except StopIteration:
        return _NOTHING


def _throw_or_nothing(gen: Any, exc: BaseException) -> Any:
    try:
        return gen.throw(exc)
    except StopIteration:
        return _NOTHING


async def _enter(
    call: Callable[..., Any], kwargs: dict[str, Any], is_async: bool, dependant: Dependant
) -> tuple[Any, Any]:
    gen = call(**kwargs)
    if is_async:
        try:
            value = await gen.__anext__()
        except StopAsyncIteration:
            value = _NOTHING
    else:
        value = await run_in_threadpool(_next_or_nothing, gen)
    if value is _NOTHING:
        raise _no_yield(dependant)
    return value, gen


def _no_yield(dependant: Dependant) -> RuntimeError:
    return RuntimeError(f"dependency {dependant.chain[-1]} returned without yielding a value")


async def unwind(
    exits: list[tuple[Any, bool | int]], exc: BaseException | None
) -> BaseException | None:
    """Finish the generators in ``exits`` (last entered first), as ``contextlib`` would.

    Returns the exception still in flight afterwards: ``exc``, one a generator
    raised instead, or a ``RuntimeError`` when a generator swallowed ``exc``.
    """
    swallowed: BaseException | None = None
    while exits:
        gen, is_async = exits.pop()
        try:
            if is_async is SHIELDED:
                if await _exit_shielded(gen, exc):
                    if exc is not None:
                        swallowed, exc = exc, None
                    continue
            elif is_async:
                step = gen.__anext__() if exc is None else gen.athrow(exc)
                # PERF: started here, not in a coroutine of its own: most exit code
                # ends without suspending (see _Resume).
                try:
                    pending = step.send(None)
                except StopAsyncIteration:
                    if exc is not None:
                        swallowed, exc = exc, None
                    continue
                except StopIteration:
                    pass  # it yielded a second value
                else:
                    try:
                        with anyio.CancelScope(shield=True):
                            await _Resume(step, pending)
                    except StopAsyncIteration:
                        if exc is not None:
                            swallowed, exc = exc, None
                        continue
            elif exc is None:
                if await _in_thread(_next_or_nothing, gen) is _NOTHING:
                    continue
            elif await _in_thread(_throw_or_nothing, gen, exc) is _NOTHING:
                swallowed, exc = exc, None
                continue
            raise _yielded_twice()
        except BaseException as raised:
            exc = raised
    if exc is None and swallowed is not None:
        error = RuntimeError(
            "a dependency with yield caught an exception and did not raise it again, so "
            "there is no response to send; re-raise it (or raise HTTPException) in its "
            "except block (docs/dependencies.md)"
        )
        error.__cause__ = swallowed
        return error
    return exc


# ``(generator, flag)`` in the exits: False for a sync generator, True for an async one
# whose exit is shielded only once it suspends (see ``_Resume``), SHIELDED for one that
# may hold a context manager across its yield (its own task group or cancel scope:
# ``_concurrency.holds_context_at_yield``), whose exit runs wholly inside one shield,
# entered first, so the scopes it exits are the task's current ones, as in FastAPI.
SHIELDED = 2


async def setup_shielded(gen: Any, exits: list[tuple[Any, bool | int]], dependant: Any) -> Any:
    """Enter a SHIELDED async generator: a cancel scope of ours first, around it, so
    the scopes it enters nest inside ours; ours is shielded when it exits."""
    scope = anyio.CancelScope()
    scope.__enter__()
    try:
        value = await gen.__anext__()
    except StopAsyncIteration:
        scope.__exit__(None, None, None)
        raise _no_yield(dependant) from None
    except BaseException as exc:
        scope.__exit__(type(exc), exc, exc.__traceback__)
        raise
    exits.append(((gen, scope), SHIELDED))
    return value


async def _exit_shielded(entry: Any, exc: BaseException | None) -> bool:
    """The exit of a generator :func:`setup_shielded` entered: our scope, shielded,
    is left once it ends; True when it ended, an error when it raised one."""
    gen, scope = entry
    scope.shield = True
    try:
        await (gen.__anext__() if exc is None else gen.athrow(exc))
    except StopAsyncIteration:
        scope.__exit__(None, None, None)
        return True
    except BaseException as raised:
        scope.__exit__(type(raised), raised, raised.__traceback__)
        raise
    scope.__exit__(None, None, None)
    raise _yielded_twice()


def _yielded_twice() -> RuntimeError:
    return RuntimeError("a dependency generator yielded more than once")


async def unwind_all(ctx: Context, exc: BaseException | None) -> BaseException | None:
    """Both scopes, "function" first (each step shielded, see ``_Resume``)."""
    if ctx.function_exits:
        exc = await unwind(ctx.function_exits, exc)
    if ctx.request_exits:
        exc = await unwind(ctx.request_exits, exc)
    return exc


async def _in_thread(func: Callable[..., Any], *args: Any) -> Any:
    with anyio.CancelScope(shield=True):
        return await run_in_threadpool(func, *args)


class _Resume:
    """Await a coroutine that was already started and is suspended on ``pending``.

    PERF: an anyio shield costs ~10 us on asyncio, more than the rest of a
    dependency's work.  It only matters once a generator's exit step suspends, so
    ``unwind`` starts the step itself and drives only a suspended one on, under
    ``CancelScope(shield=True)``, through this awaitable: a cancelled request still
    runs the generator's exit code to the end.
    """

    __slots__ = ("pending", "step")

    def __init__(self, step: Any, pending: Any) -> None:
        self.step = step
        self.pending = pending

    def __await__(self) -> Generator[Any, Any, Any]:
        step = self.step
        pending = self.pending
        while True:
            try:
                sent = yield pending
            except BaseException as exc:
                try:
                    pending = step.throw(exc)
                except StopIteration as done:
                    return done.value
                continue
            try:
                pending = step.send(sent)
            except StopIteration as done:
                return done.value


class ExitAfterSend(Response):
    """The handler's response, then the "request"-scoped generators' exit code.

    ``inner`` is a Response or a whole answer's two messages
    (``responses.base.answer_messages``: PERF, no Response object per request,
    benchmarks/compare.py deps).  Reading an attribute it does not have (status,
    headers, body, background) reads the wrapped response's, so code that
    inspects it sees that response.  PERF: a wrapper of two slots; sharing the
    inner ``__dict__`` cost ~0.8 us.
    """

    __slots__ = ("exit_context", "inner")

    def __init__(self, inner: Response | AnswerMessages, ctx: Context) -> None:
        self.inner = inner
        self.exit_context = ctx

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = self.exit_context
        inner = self.inner
        try:
            if isinstance(inner, tuple):
                await send_answer(inner, scope, send)
            else:
                await inner(scope, receive, send)
        except BaseException as exc:
            after = await unwind_all(ctx, exc)
            if after is exc:
                raise
            if after is not None:
                raise after from exc
            return
        exits = ctx.request_exits
        if len(exits) == 1 and exits[0][1] is True:
            # PERF: one async generator, the common case: its exit step runs here,
            # as ``unwind`` would run it, without a coroutine of its own.
            gen = exits.pop()[0]
            step = gen.__anext__()
            try:
                pending = step.send(None)
            except StopAsyncIteration:
                return
            except StopIteration:
                pass  # it yielded a second value
            else:
                try:
                    with anyio.CancelScope(shield=True):
                        await _Resume(step, pending)
                except StopAsyncIteration:
                    return
            raise _yielded_twice()
        after = await unwind(exits, None)
        if after is not None:
            raise after


def _merge_scopes(outer: tuple[str, ...], own: Sequence[str]) -> tuple[str, ...]:
    merged = list(outer)
    for item in own:
        if item not in merged:
            merged.append(item)
    return tuple(merged)


def _compile(
    call: Callable[..., Any],
    *,
    name: str | None,
    use_cache: bool,
    explicit_scope: str | None,
    scopes: tuple[str, ...],
    chain: tuple[str, ...],
    stack: tuple[Any, ...],
    path_params: Mapping[str, type],
    own_scopes: Sequence[str],
    limit: ConcurrencyLimit | None = None,
) -> Dependant:
    label = callable_name(call)
    chain = (*chain, label)
    if any(call is seen for seen in stack):
        raise TypeError(f"dependency cycle: {' -> '.join(chain)}")
    stack = (*stack, call)
    # FastAPI's rule: this dependant sees the scopes asked above it, then its own not
    # yet there; below it goes the plain concatenation, repeats and all.
    below = (*scopes, *own_scopes)
    scopes = _merge_scopes(scopes, own_scopes)
    owner = " -> ".join(chain)
    params = analyse(call, owner=owner, path_params=path_params)
    kind = call_kind(call)
    scope = explicit_scope or "request"
    subs: list[Dependant] = []
    for found in params.depends:
        subs.append(
            _from_marker(
                found.marker,
                found.annotation,
                name=found.name,
                scopes=below,
                chain=chain,
                stack=stack,
                path_params=path_params,
            )
        )
    if kind in (ASYNC_GEN, SYNC_GEN) and scope == "request":
        for sub in subs:
            # Any callable asked for with scope="function", as FastAPI refuses it.
            if sub.scope == "function":
                raise DependencyScopeError(
                    f'{owner}: a dependency with scope "request" cannot depend on '
                    f'{callable_name(sub.call)}, whose scope is "function" (it would '
                    "be closed first)"
                )
    return Dependant(
        call,
        name=name,
        use_cache=use_cache,
        scope=scope,
        scopes=scopes,
        chain=chain,
        params=params,
        subs=subs,
        kind=kind,
        path_params=path_params,
        asks_scopes=bool(own_scopes),
        scope_given=explicit_scope is not None,
        limit=limit,
    )


def _limit_of(marker: Depends) -> ConcurrencyLimit | None:
    """The marker's ``max_concurrency`` bound, one per marker object (shared by every
    route that uses it, as FastAPI keeps it on the marker)."""
    if marker.max_concurrency is None:
        return None
    limit = marker.bound
    if not isinstance(limit, ConcurrencyLimit):
        limit = marker.bound = ConcurrencyLimit(marker.max_concurrency)
    return limit


def _from_marker(
    marker: Depends,
    annotation: Any,
    *,
    name: str | None,
    scopes: tuple[str, ...],
    chain: tuple[str, ...],
    stack: tuple[Any, ...],
    path_params: Mapping[str, type],
    use_cache: bool | None = None,
) -> Dependant:
    call = marker.dependency
    if call is None:
        if not callable(annotation) or annotation is Any:
            where = " -> ".join(chain)
            raise TypeError(
                f"{where}: parameter {name!r} has Depends() without a dependency, so its "
                f"annotation must be a class to call, not {annotation!r}"
            )
        call = annotation
    return _compile(
        call,
        name=name,
        use_cache=marker.use_cache if use_cache is None else use_cache,
        explicit_scope=marker.scope,
        scopes=scopes,
        chain=chain,
        stack=stack,
        path_params=path_params,
        own_scopes=marker.scopes if isinstance(marker, Security) else (),
        limit=_limit_of(marker),
    )


def compile_graph(
    endpoint: Callable[..., Any],
    *,
    dependencies: Sequence[Depends],
    path_params: Mapping[str, type],
) -> tuple[Dependant, bool]:
    """The handler as the root dependant (route ``dependencies`` first among its subs),
    and whether body parameters are read by name (more than one in the whole graph,
    or one with ``Body(embed=True)``)."""
    root = _compile(
        endpoint,
        name=None,
        use_cache=False,
        explicit_scope=None,
        scopes=(),
        chain=(),
        stack=(),
        path_params=path_params,
        own_scopes=(),
    )
    extra: list[Dependant] = []
    for marker in dependencies:
        if not isinstance(marker, Depends):
            raise TypeError(
                f"{root.chain[0]}: dependencies=[...] takes Depends(...) markers, not {marker!r}"
            )
        extra.append(
            _from_marker(
                marker,
                Any,
                name=None,
                scopes=(),
                chain=root.chain,
                stack=(endpoint,),
                path_params=path_params,
                # FastAPI builds these without the marker's use_cache: always cached.
                use_cache=True,
            )
        )
    root.subs[:0] = extra
    root.uses_scopes = root.uses_scopes or any(sub.uses_scopes for sub in extra)
    steps: list[BodyStep] = []
    first_embed = False
    for dependant in root.walk():
        if dependant.params.body_steps and not steps:
            first_embed = dependant.params.body_embed
        steps.extend(dependant.params.body_steps)
    names = {step[0] for step in steps}
    embed = len(names) > 1 or first_embed
    root.set_embed(embed)
    return root, embed
