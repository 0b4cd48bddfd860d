"""Jinja2Templates: HTML pages from Jinja2 templates (docs/frontend.md, "Templates").

``jinja2`` is optional (``pip install 'asgiweb[jinja2]'``) and imported only when
a :class:`Jinja2Templates` is built, so ``import asgiweb`` never loads it.

Rules (as Starlette's, which FastAPI re-exports):
- the environment built from ``directory`` autoescapes templates named
  ``.html``, ``.htm`` or ``.xml`` (Jinja2's ``select_autoescape()``, as Starlette):
  a ``.txt`` or ``.csv`` template is not HTML and is not escaped; an ``env`` of
  your own keeps its own setting;
- every template sees ``request`` and ``url_for(name, **path_params)``, which
  gives ``request.url_for``: an absolute URL for a route or a mount
  (``url_for("static", path="/site.css")``);
- ``context_processors`` are called with the request and their dicts merged
  into the context before rendering;
- the page is rendered when the response is built, so a template error is
  raised from the handler, not while the response is being sent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from asgiweb.background import BackgroundTask, BackgroundTasks
from asgiweb.encoders import MissingDependencyError
from asgiweb.requests import Request
from asgiweb.responses import HTMLResponse

if TYPE_CHECKING:
    import jinja2

__all__ = ["Jinja2Templates"]

PathLike = str | os.PathLike[str]
ContextProcessor = Callable[[Request], Mapping[str, Any]]


def _import_jinja2() -> Any:
    try:
        import jinja2
    except ImportError as exc:
        raise MissingDependencyError(
            "Jinja2Templates needs the 'jinja2' package: pip install 'asgiweb[jinja2]'",
            name="jinja2",
        ) from exc
    return jinja2


class _TemplateResponse(HTMLResponse):
    """An HTML page rendered from a template; keeps ``template`` and ``context`` for tests."""

    def __init__(
        self,
        template: jinja2.Template,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(template.render(context), status_code, headers, media_type, background)


class Jinja2Templates:
    """Templates from ``directory`` (one path or several) or from a ready ``env``."""

    def __init__(
        self,
        directory: PathLike | Sequence[PathLike] | None = None,
        *,
        context_processors: list[ContextProcessor] | None = None,
        env: jinja2.Environment | None = None,
    ) -> None:
        jinja2_module = _import_jinja2()
        if (directory is None) == (env is None):
            raise ValueError("Jinja2Templates needs either 'directory' or 'env', not both")
        self.context_processors = list(context_processors or ())
        if env is None:
            env = jinja2_module.Environment(
                loader=jinja2_module.FileSystemLoader(directory),
                autoescape=jinja2_module.select_autoescape(),
            )
        self.env: jinja2.Environment = env

        def url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> Any:
            request: Request = context["request"]
            return request.url_for(name, **path_params)

        # pass_context: Jinja2 hands the template's context in as the first argument.
        self.env.globals.setdefault("url_for", jinja2_module.pass_context(url_for))

    def get_template(self, name: str) -> jinja2.Template:
        return self.env.get_template(name)

    def TemplateResponse(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | BackgroundTasks | None = None,
    ) -> HTMLResponse:
        """Render ``name`` with ``context`` (plus ``request`` and the context processors)."""
        if isinstance(request, str):
            raise TypeError(
                "TemplateResponse takes the request first: "
                "TemplateResponse(request, name, context), as FastAPI documents it"
            )
        context = {} if context is None else context
        context.setdefault("request", request)
        for processor in self.context_processors:
            context.update(processor(request))
        return _TemplateResponse(
            self.get_template(name),
            context,
            status_code=status_code,
            headers=headers,
            media_type=media_type,
            background=background,
        )
