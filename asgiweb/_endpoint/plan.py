"""The per-route handler plan: how each handler parameter is filled, decided once.

``compile_endpoint`` reads the handler's signature (``parameters.analyse``:
where each value comes from and how it is validated) and its dependency graph
(``dependencies.compile_graph``) at registration, and returns
``handle(request) -> Response``.  A request only runs pre-built closures.

Errors are collected across all parameters (those of the dependencies first,
then the handler's own: path, query, header, cookie, then body, as FastAPI
reports them) and raised together as ``RequestValidationError``; the App
answers 422.  A parameter that cannot be resolved, or a dependency cycle, is a
``TypeError`` here, at registration, naming the chain that leads to it.

A route without dependencies keeps the plain plan below (no graph, no
context); one with dependencies solves the graph and calls the handler
(``compile_solver``) and, when generators with ``yield`` were entered, runs their
exit code (``unwind_all``; the "request"-scoped ones after the response is sent,
``ExitAfterSend``).

The body is JSON or a form (``Form()``/``File()``/``UploadFile`` parameters,
``asgiweb._endpoint.forms``), never both in one route.  A handler that yields
streams its items (``asgiweb._endpoint.streams``).  With ``websocket=True`` the
plan takes the ``WebSocket`` in place of the ``Request``, reads no body, raises
``WebSocketRequestValidationError`` and returns None; its dependencies' exit
code runs once the handler has returned (docs/websockets.md).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, NoReturn, cast

from asgiweb._concurrency import ASYNC, call_kind, run_in_threadpool
from asgiweb._endpoint.dependencies import (
    Context,
    Dependant,
    ExitAfterSend,
    compile_graph,
    compile_solver,
    temporary_response,
    unwind,
    unwind_all,
)
from asgiweb._endpoint.forms import (
    FORM_LIMITS,
    ClosingMessages,
    FormLimits,
    FormStep,
    close_files_after,
    closing_answer,
    form_filler,
    form_reader,
)
from asgiweb._endpoint.info import (
    attach_info,
    describe_graph,
    documented_response_model,
    stream_of,
)
from asgiweb._endpoint.parameters import NO_BODY, read_body, read_lax_body
from asgiweb._endpoint.response import (
    FROM_ANNOTATION,
    Finisher,
    compile_answer,
    compile_finisher,
    response_model_of,
)
from asgiweb._endpoint.streams import is_stream_endpoint, item_shape, stream_plan
from asgiweb._validation.compiler import Invalid
from asgiweb.background import BackgroundTasks
from asgiweb.exceptions import RequestValidationError, WebSocketRequestValidationError
from asgiweb.params import Depends
from asgiweb.requests import Request
from asgiweb.responses import Response
from asgiweb.responses.base import AnswerMessages

__all__ = ["compile_bare_endpoint", "compile_endpoint"]

Handle = Callable[[Request], Awaitable[Response | AnswerMessages | ClosingMessages]]
"""A route's plan: the request in, its Response or the two messages of its answer
(for a form route, with the form whose files to close after: ClosingMessages)."""
ResponseHandle = Callable[[Request], Awaitable[Response]]
Invalidity = type[RequestValidationError | WebSocketRequestValidationError]


BarePlan = tuple[Callable[[], Awaitable[Any]], Callable[[Any], Response | AnswerMessages]]
"""``(call, finish)``: the router answers with ``finish(await call())``, a Response or
the two messages of a whole answer (``responses.base.answer_messages``)."""


def compile_bare_endpoint(
    endpoint: Callable[..., Any],
    *,
    response_class: type[Response],
    status_code: int | None,
    dependencies: Sequence[Depends] = (),
    response_model: Any = FROM_ANNOTATION,
) -> BarePlan | None:
    """For a handler that takes no parameters at all, a plan that needs no Request.

    The router calls it without building a ``Request`` (PERF: ~0.2 us of the
    plaintext/json benchmarks), as two steps: ``call()`` awaits the handler (an
    async handler is called directly, with no coroutine of the plan around it:
    one frame less per request) and ``finish(value)`` turns its value into the
    answer.  None when the handler takes any parameter, yields (a stream), or
    the route has dependencies.
    """
    if dependencies or is_stream_endpoint(endpoint):
        return None
    try:
        parameters = inspect.signature(endpoint).parameters
    except (TypeError, ValueError):
        return None
    if parameters:
        return None
    finisher = compile_finisher(
        response_class, status_code, endpoint=endpoint, response_model=response_model
    )
    answer = compile_answer(
        response_class, status_code, endpoint=endpoint, response_model=response_model
    )
    if answer is not None:
        finish = answer
    else:

        def finish(value: Any) -> Response | AnswerMessages:
            return finisher(value, None, None)

    if call_kind(endpoint) == ASYNC:
        return endpoint, finish

    async def call_sync() -> Any:
        return await run_in_threadpool(endpoint)

    return call_sync, finish


def compile_endpoint(
    endpoint: Callable[..., Any],
    *,
    path_params: Mapping[str, type],
    response_class: type[Response],
    status_code: int | None,
    dependencies: Sequence[Depends] = (),
    response_model: Any = FROM_ANNOTATION,
    response_model_include: Any = None,
    response_model_exclude: Any = None,
    response_model_by_alias: bool = True,
    response_model_exclude_unset: bool = False,
    response_model_exclude_defaults: bool = False,
    response_model_exclude_none: bool = False,
    websocket: bool = False,
    form_limits: FormLimits = FORM_LIMITS,
    strict_content_type: bool = True,
) -> Handle:
    """Build the request-time plan for ``endpoint`` (see the module docstring).

    ``response_model`` left out means "the return annotation, if it is a model"
    (``asgiweb._endpoint.response``); None turns the response model off.
    ``form_limits`` are what a form body is read with; ``strict_content_type=False``
    reads a JSON body sent without a content-type (FastAPI's keywords).
    """
    read = read_body if strict_content_type else read_lax_body
    root, embed = compile_graph(endpoint, dependencies=dependencies, path_params=path_params)
    # What the OpenAPI document reads (asgiweb._endpoint.info), attached to the handle.
    fitted = response_model_of(endpoint, response_model)
    documented = documented_response_model(endpoint, response_model, fitted)
    info = describe_graph(root, embed, documented, stream_of(endpoint))
    endpoint_name = root.chain[0]
    walk = root.walk()
    body_names = [step[0] for dependant in walk for step in dependant.params.body_steps]
    form_names = [step.name for dependant in walk for step in dependant.params.form_steps]
    if body_names and form_names:
        raise TypeError(
            f"{endpoint_name}: parameters {body_names} read a JSON body and {form_names} a "
            "form body; a request has one body, so a route takes either Form()/File() "
            "parameters or JSON body parameters"
        )
    is_async = call_kind(endpoint) == ASYNC
    invalid: Invalidity = RequestValidationError
    # How a value becomes the answer: the same for the Response and the messages.
    model_options: dict[str, Any] = {
        "endpoint": endpoint,
        "response_model": response_model,
        "include": response_model_include,
        "exclude": response_model_exclude,
        "by_alias": response_model_by_alias,
        "exclude_unset": response_model_exclude_unset,
        "exclude_defaults": response_model_exclude_defaults,
        "exclude_none": response_model_exclude_none,
    }
    stream = (
        None
        if websocket
        else stream_plan(
            endpoint, response_class, status_code, item_shape(response_class, **model_options)
        )
    )
    finish: Finisher
    if websocket:
        if body_names or form_names:
            raise TypeError(
                f"{endpoint_name}: a WebSocket handler cannot take a body parameter "
                f"({[*body_names, *form_names]})"
            )
        finish, invalid = _no_response, WebSocketRequestValidationError
    elif stream is not None:  # calling it only makes the generator: no await, no thread
        endpoint, finish = stream
        is_async = True
    else:
        finish = compile_finisher(response_class, status_code, **model_options)
    if root.subs:
        if websocket:
            return attach_info(_websocket_graph_plan(endpoint, root, is_async), info)
        # Not a stream: the answer may be its two messages when, at request time, no
        # dependency injected a Response or BackgroundTasks (an override may).
        if form_names:  # its files are closed after a Response (close_files_after)
            graph = _graph_plan(
                endpoint, root, is_async, finish, None, reads_form=True, limits=form_limits
            )
            return attach_info(close_files_after(cast(ResponseHandle, graph)), info)
        graph_whole = (
            None if stream else compile_answer(response_class, status_code, **model_options)
        )
        graph = _graph_plan(
            endpoint, root, is_async, finish, graph_whole, reads_form=False, read=read
        )
        return attach_info(graph, info)

    params = root.params
    extractors = params.extractors
    fill_body = root.fill_body
    form_steps = params.form_steps
    request_name = params.request_name
    response_name = params.response_name
    background_name = params.background_name

    if not (
        extractors or fill_body or form_steps or request_name or response_name or background_name
    ) and not (stream or websocket):
        if is_async:

            async def handle_bare(request: Request) -> Response:
                return finish(await endpoint(), None, None)

            return attach_info(handle_bare, info)

        async def handle_bare_sync(request: Request) -> Response:
            return finish(await run_in_threadpool(endpoint), None, None)

        return attach_info(handle_bare_sync, info)

    # No injected Response or BackgroundTasks, not a stream: the answer may be its
    # two messages (compile_answer).
    whole = (
        None
        if response_name or background_name or stream or websocket
        else compile_answer(response_class, status_code, **model_options)
    )
    if form_steps:
        return attach_info(
            _form_plan(
                endpoint,
                is_async,
                extractors,
                form_steps,
                request_name,
                response_name,
                background_name,
                whole,
                finish,
                form_limits,
            ),
            info,
        )

    async def handle(request: Request) -> Response | AnswerMessages:
        kwargs: dict[str, Any] = {}
        errors: list[dict[str, Any]] | None = None
        for name, extract in extractors:
            try:
                kwargs[name] = extract(request)
            except Invalid as exc:
                if errors is None:
                    errors = []
                errors.extend(exc.errors)
        body = NO_BODY
        if fill_body is not None:
            body = await read(request)
            if errors is None:
                errors = []
            fill_body(body, kwargs, errors)
        if errors:
            raise invalid(errors, body=None if body is NO_BODY else body)
        if request_name is not None:
            kwargs[request_name] = request
        temporary: Response | None = None
        if response_name is not None:
            temporary = kwargs[response_name] = temporary_response()
        tasks: BackgroundTasks | None = None
        if background_name is not None:
            tasks = kwargs[background_name] = BackgroundTasks()
        if is_async:
            value = await endpoint(**kwargs)
        else:
            value = await run_in_threadpool(endpoint, **kwargs)
        if whole is not None:
            return whole(value)
        return finish(value, temporary, tasks)

    return attach_info(handle, info)


def _form_plan(
    endpoint: Callable[..., Any],
    is_async: bool,
    extractors: Sequence[tuple[str, Callable[[Request], Any]]],
    form_steps: list[FormStep],
    request_name: str | None,
    response_name: str | None,
    background_name: str | None,
    whole: Callable[[Any], Response | AnswerMessages] | None,
    finish: Finisher,
    limits: FormLimits,
) -> Handle:
    """The plan of a route with form parameters and no dependencies: the plain
    plan's steps with the form read in place of a JSON body, its files closed once
    the answer is sent, or as soon as anything fails (``forms.closing_answer``).

    The form is read here and its steps filled at once (``form_filler``), unless a
    step reads file content, which is awaited (``form_reader``)."""
    max_files, max_fields, max_part_size = limits
    fill_form = form_filler(form_steps)
    read_form = form_reader(form_steps, limits) if fill_form is None else None

    async def handle_form(request: Request) -> Response | AnswerMessages | ClosingMessages:
        try:
            kwargs: dict[str, Any] = {}
            errors: list[dict[str, Any]] = []
            for name, extract in extractors:
                try:
                    kwargs[name] = extract(request)
                except Invalid as exc:
                    errors.extend(exc.errors)
            if fill_form is not None:
                body = await request._read_form(max_files, max_fields, max_part_size)
                fill_form(body, kwargs, errors)
            else:
                assert read_form is not None
                body = await read_form(request, kwargs, errors)
            if errors:
                raise RequestValidationError(errors, body=body)
            if request_name is not None:
                kwargs[request_name] = request
            temporary: Response | None = None
            if response_name is not None:
                temporary = kwargs[response_name] = temporary_response()
            tasks: BackgroundTasks | None = None
            if background_name is not None:
                tasks = kwargs[background_name] = BackgroundTasks()
            if is_async:
                value = await endpoint(**kwargs)
            else:
                value = await run_in_threadpool(endpoint, **kwargs)
            answer = finish(value, temporary, tasks) if whole is None else whole(value)
        except BaseException:
            await request.close()
            raise
        return closing_answer(answer, request)

    return handle_form


def _no_response(value: Any, temporary: Response | None, tasks: BackgroundTasks | None) -> Any:
    return None  # a WebSocket handler answers through its connection


def _graph_plan(
    endpoint: Callable[..., Any],
    root: Dependant,
    is_async: bool,
    finish: Finisher,
    whole: Callable[[Any], Response | AnswerMessages] | None,
    *,
    reads_form: bool,
    limits: FormLimits = FORM_LIMITS,
    read: Callable[[Request], Awaitable[Any]] = read_body,
) -> Handle:
    """The plan of a handler with dependencies; a Response whenever ``whole`` is None."""
    max_files, max_fields, max_part_size = limits
    reads_body = any(dependant.fill_body is not None for dependant in root.walk())
    solve = compile_solver(root, endpoint, is_async=is_async, reject=_reject)

    async def handle(request: Request) -> Response | AnswerMessages:
        if reads_form:
            body = await request._read_form(max_files, max_fields, max_part_size)
        else:
            body = await read(request) if reads_body else NO_BODY
        app = request.scope.get("app")
        ctx = Context(request, body, getattr(app, "dependency_overrides", None))
        response: Response | AnswerMessages
        try:
            value = await solve(ctx)
            if whole is not None and ctx.temporary is None and ctx.tasks is None:
                response = whole(value)
            else:
                response = finish(value, ctx.temporary, ctx.tasks)
        except BaseException as exc:
            if not (ctx.function_exits or ctx.request_exits):
                raise
            after = await unwind_all(ctx, exc)
            if after is exc:
                raise
            if after is None:  # pragma: no cover - unwind turns a swallow into an error
                raise
            raise after  # noqa: B904 - its context, set where it was raised, is kept
        if ctx.function_exits:
            after = await _close_function_scope(ctx)
            if after is not None:
                raise after
        if ctx.request_exits:
            return ExitAfterSend(response, ctx)
        return response

    return handle


def _websocket_graph_plan(endpoint: Callable[..., Any], root: Dependant, is_async: bool) -> Handle:
    """The graph plan of a WebSocket handler: no body, and no response to wait for,
    so every generator's exit code runs once the handler has returned (or raised)."""
    solve = compile_solver(root, endpoint, is_async=is_async, reject=_reject_websocket)

    async def handle(websocket: Request) -> Any:
        app = websocket.scope.get("app")
        ctx = Context(websocket, NO_BODY, getattr(app, "dependency_overrides", None))
        try:
            await solve(ctx)
        except BaseException as exc:
            if not (ctx.function_exits or ctx.request_exits):
                raise
            after = await unwind_all(ctx, exc)
            if after is exc:
                raise
            if after is None:  # pragma: no cover - unwind turns a swallow into an error
                raise
            raise after  # noqa: B904 - its context, set where it was raised, is kept
        if ctx.function_exits or ctx.request_exits:
            after = await unwind_all(ctx, None)
            if after is not None:
                raise after
        return None

    return handle


def _reject(ctx: Context) -> NoReturn:
    body = ctx.body
    raise RequestValidationError(ctx.errors, body=None if body is NO_BODY else body)


def _reject_websocket(ctx: Context) -> NoReturn:
    raise WebSocketRequestValidationError(ctx.errors)


async def _close_function_scope(ctx: Context) -> BaseException | None:
    exits = ctx.function_exits
    ctx.function_exits = []
    from_function = await unwind(exits, None)
    if from_function is None:
        return None
    # An error in a "function" exit is an error of the request: the outer scope sees it.
    return await unwind_all(ctx, from_function)
