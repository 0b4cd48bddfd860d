"""Serve a built frontend (a ``dist`` folder) as low-priority routes (docs/frontend.md).

``app.frontend("/", directory="dist")`` (or ``router.frontend``) is looked at only
when the router found nothing else for a request: no route for any method (a
405 wins), no mount, no slash redirect.  Then the most specific frontend whose
path is the request path or a whole-segment prefix of it answers
(``/`` is the least specific; otherwise the longer path wins; on a tie, the one
registered first, a router's own before those of the routers it includes).

What a frontend answers (the rules of FastAPI 0.165, with the differences
docs/frontend.md lists):

- the rest of the path (after the frontend's path) is normalised as a file
  system path against the folder (``a//b/./c/../d`` is ``a/b/d``); one that
  ends outside the folder is a missing file; the file is then looked up by
  :meth:`asgiweb.staticfiles.StaticFiles.lookup_path` (no symbolic link out of
  the folder);
- a file is served with :meth:`StaticFiles.file_response` (validators, 304,
  ranges, HEAD); a folder with an ``index.html`` serves it, after a 307 to the
  URL with a trailing slash;
- methods other than GET and HEAD: 405 (``Allow: GET, HEAD``) where a file or
  folder index is found, else 404, with no fallback and no dependency run;
- a missing file gets the fallback: ``"404.html"`` answers that page with
  status 404; ``"index.html"`` answers the page (200) to a navigation request,
  one whose ``Accept`` names ``text/html`` or ``application/xhtml+xml`` with a
  quality other than 0 (so ``*/*`` alone is no navigation); anything else, and
  ``None``, is the app's usual 404.  ``"auto"`` behaves as ``"404.html"`` when
  the folder has that file at request time, else as ``"index.html"`` when it
  has that one, else as ``None``;
- a path the file system refuses (a NUL byte, a name too long, no permission, a
  loop of links) is the app's usual 404, with no fallback page.

The router's dependencies (and those of the ``include_router`` calls that
brought it in) run for GET and HEAD, before the file is looked up: they can
refuse the request, set headers and cookies on the answer and add background
tasks.  Their plan is compiled here, at registration.
"""

from __future__ import annotations

import os
import posixpath
import stat
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal

from asgiweb._endpoint.plan import compile_endpoint
from asgiweb.background import BackgroundTasks
from asgiweb.datastructures import URL
from asgiweb.exceptions import HTTPException
from asgiweb.requests import Request
from asgiweb.responses import RedirectResponse, Response
from asgiweb.staticfiles import StaticFiles

__all__ = [
    "ENV_VARIABLES",
    "Fallback",
    "FrontendRoute",
    "is_navigation",
    "join_paths",
    "normalize_path",
    "resolve_check_dir",
]

Fallback = Literal["auto", "index.html", "404.html"] | None
_FALLBACKS = ("auto", "index.html", "404.html", None)
_GET_HEAD = ("GET", "HEAD")
_PAGE_TYPES = ("text/html", "application/xhtml+xml")
ENV_VARIABLES = ("ASGIWEB_ENV", "FASTAPI_ENV")
"""Where ``check_dir="auto"`` reads the environment: the first one set decides."""


def normalize_path(path: str) -> str:
    """A frontend path as given to ``frontend()``: it must start with ``/``; trailing
    slashes are dropped, except for ``/`` itself.  AssertionError otherwise."""
    if not path:
        raise AssertionError("A frontend path cannot be empty")
    if not path.startswith("/"):
        raise AssertionError(f"A frontend path must start with '/', got {path!r}")
    return path if path == "/" else path.rstrip("/") or "/"


def join_paths(prefix: str, path: str) -> str:
    """``path`` under a router prefix: the prefix alone for ``/``."""
    if not prefix:
        return path
    return prefix if path == "/" else prefix + path


def _development() -> bool:
    for name in ENV_VARIABLES:
        value = os.environ.get(name)
        if value is not None:
            return value == "development"
    return False


def resolve_check_dir(
    directory: str | os.PathLike[str], check_dir: bool | Literal["auto"], *, stacklevel: int
) -> bool:
    """``check_dir`` as a bool: ``"auto"`` checks, unless the environment says
    ``development`` (:data:`ENV_VARIABLES`); then a missing folder is a warning
    (pointing ``stacklevel`` frames up, at the user's call) and is not checked."""
    if check_dir != "auto":
        return bool(check_dir)
    if not _development():
        return True
    if not os.path.isdir(directory):
        warnings.warn(
            f"Frontend directory '{os.fspath(directory)}' does not exist. "
            f"Resolved absolute path: '{os.path.realpath(directory)}'",
            UserWarning,
            stacklevel=stacklevel + 1,
        )
    return False


def is_navigation(accept: str) -> bool:
    """Whether an ``Accept`` value asks for a page: ``text/html`` or
    ``application/xhtml+xml`` listed with a quality other than 0.

    Read as FastAPI reads it: items split on ``,``; an item's media type is its
    text before the first ``;``, stripped and lowercased; its ``q`` is the first
    parameter of that name (any case), quotes removed, read as a float (a value
    that is not one counts as 1)."""
    for item in accept.split(","):
        head, _, params = item.strip().partition(";")
        if head.strip().lower() not in _PAGE_TYPES:
            continue
        if _quality(params) != 0:
            return True
    return False


def _quality(params: str) -> float:
    for name, value in _parameters(params):
        if name == "q":
            try:
                return float(value)
            except ValueError:
                return 1.0
    return 1.0


def _parameters(text: str) -> list[tuple[str, str]]:
    """``name=value`` pairs split on ``;`` outside double quotes; names lowercased,
    a value's surrounding quotes (or angle brackets) removed once."""
    pairs: list[tuple[str, str]] = []
    rest = text
    while rest:
        end = rest.find(";")
        # A ';' inside an odd number of (unescaped) quotes belongs to the value.
        while end > 0 and (rest.count('"', 0, end) - rest.count('\\"', 0, end)) % 2:
            end = rest.find(";", end + 1)
        if end < 0:
            end = len(rest)
        piece, rest = rest[:end], rest[end + 1 :]
        name, equals, value = piece.partition("=")
        if not equals:
            pairs.append((piece.strip().lower(), ""))
            continue
        pairs.append((name.strip().lower(), _unquote(value.strip())))
    return pairs


def _unquote(value: str) -> str:
    if len(value) > 1:
        if value[0] == '"' and value[-1] == '"':
            return value[1:-1].replace("\\\\", "\\").replace('\\"', '"')
        if value[0] == "<" and value[-1] == ">":
            return value[1:-1]
    return value


def _relative(rest: str, base: str) -> str | None:
    """The file-system path (``/`` separators, ``""`` for the folder itself) for the
    rest of a request path, normalised against the folder's absolute path ``base``;
    None when it ends outside the folder.  A NUL byte left after normalising is
    refused (HTTPException 404, no fallback)."""
    relative = posixpath.normpath(rest.lstrip("/"))
    if relative[:1] == "\\":
        return None  # never a file name here (as in StaticFiles.lookup_path)
    if "\x00" in relative:
        raise HTTPException(404)  # no file system takes it: refused, not missed
    if relative == ".." or relative.startswith("../"):
        # Out and back in (``../dist/app.js`` from ``dist``) is inside, as FastAPI has it.
        full = posixpath.normpath(posixpath.join(base, relative))
        if full == base:
            return ""
        if not full.startswith(base.rstrip("/") + "/"):
            return None
        return full[len(base.rstrip("/")) + 1 :]
    return "" if relative == "." else relative


class FrontendRoute:
    """One ``frontend()`` registration: its full path, folder, fallback and the plan
    of the dependencies to run first (None when there are none)."""

    __slots__ = (
        "base",
        "check_dir",
        "config_checked",
        "dependencies",
        "directory",
        "fallback",
        "files",
        "path",
        "plan",
        "prefix",
        "specificity",
    )

    def __init__(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Fallback = "auto",
        check_dir: bool,
        dependencies: Sequence[Any] = (),
        files: StaticFiles | None = None,
    ) -> None:
        if fallback not in _FALLBACKS:
            raise AssertionError(
                f"fallback must be 'auto', 'index.html', '404.html', or None, got {fallback!r}"
            )
        self.path = normalize_path(path)
        self.prefix = "" if self.path == "/" else self.path + "/"
        self.specificity = 0 if self.path == "/" else len(self.path)
        self.directory = directory
        self.fallback: Fallback = fallback
        self.check_dir = check_dir
        if files is None:
            if check_dir and not os.path.isdir(directory):
                raise RuntimeError(
                    f"Frontend directory '{os.fspath(directory)}' does not exist. "
                    f"Resolved absolute path: '{os.path.realpath(directory)}'"
                )
            files = StaticFiles(directory=directory, check_dir=False)
            if check_dir and fallback in ("index.html", "404.html"):
                assert fallback is not None
                self._page(files, fallback)  # fails now rather than at the first miss
        self.files = files
        self.base = os.path.abspath(directory)
        self.config_checked = False
        self.dependencies: list[Any] = list(dependencies)
        self.plan: Callable[[Request], Awaitable[Any]] | None = None
        if self.dependencies:
            self.plan = compile_endpoint(
                self._serve_after_dependencies,
                path_params={},
                response_class=Response,
                status_code=None,
                dependencies=self.dependencies,
                response_model=None,
            )

    def included(self, prefix: str, dependencies: Sequence[Any]) -> FrontendRoute:
        """This frontend as ``include_router(prefix=..., dependencies=...)`` brings it
        into another router (same folder and files, dependencies in front)."""
        return FrontendRoute(
            join_paths(prefix, self.path),
            directory=self.directory,
            fallback=self.fallback,
            check_dir=self.check_dir,
            dependencies=[*dependencies, *self.dependencies],
            files=self.files,
        )

    def match(self, path: str) -> str | None:
        """The rest of ``path`` (a route path, less the root path) under this
        frontend, or None when the frontend's path is not a whole-segment prefix."""
        prefix = self.prefix
        if not prefix:
            return path.lstrip("/")
        if path.startswith(prefix):
            return path[len(prefix) :]
        return "" if path == self.path else None

    # -- answering -----------------------------------------------------------------

    async def respond(self, request: Request, rest: str) -> Response:
        """The answer for a request this frontend matched; errors raise
        ``HTTPException`` (and whatever the dependencies raise)."""
        if request.scope["method"] not in _GET_HEAD:
            if self._find(rest) is not None:
                raise HTTPException(405, headers={"Allow": "GET, HEAD"})
            raise HTTPException(404)
        if self.plan is None:
            return self._answer(request, rest)
        request.scope["asgiweb.frontend_path"] = rest
        answer: Response = await self.plan(request)
        return answer

    async def _serve_after_dependencies(
        self, request: Request, response: Response, background_tasks: BackgroundTasks
    ) -> Response:
        # The plan's endpoint: the dependencies have run; what they set on the
        # injected response goes on the file's answer (its tasks: the plan adds them).
        answer = self._answer(request, request.scope["asgiweb.frontend_path"])
        answer.raw_headers.extend(response.raw_headers)
        return answer

    def _answer(self, request: Request, rest: str) -> Response:
        scope = request.scope
        found = self._find(rest)
        if found is not None:
            full_path, stat_result, index = found
            if index and not scope["path"].endswith("/"):
                return RedirectResponse(_with_slash(scope))
            return self.files.file_response(full_path, stat_result, scope)
        fallback = self.fallback
        files = self.files
        if fallback == "404.html" or (fallback == "auto" and self._has(files, "404.html")):
            full_path, stat_result = self._page(files, "404.html")
            return files.file_response(full_path, stat_result, scope, status_code=404)
        page = fallback == "index.html" or (fallback == "auto" and self._has(files, "index.html"))
        if page and is_navigation(request.headers.get("accept", "")):
            full_path, stat_result = self._page(files, "index.html")
            return files.file_response(full_path, stat_result, scope)
        raise HTTPException(404)

    def _find(self, rest: str) -> tuple[str, os.stat_result, bool] | None:
        """``(full path, stat, is a folder's index)`` of the file to serve, or None."""
        if not self.config_checked:
            self.files.check_config()  # a missing folder (check_dir=False): RuntimeError
            self.config_checked = True
        relative = _relative(rest, self.base)
        if relative is None:
            return None
        files = self.files
        full_path, found = files.lookup_path(relative)
        if found is None:
            self._refused(relative)
            return None
        if _is_file(found):
            return full_path, found, False
        if _is_dir(found):
            full_path, index = files.lookup_path(
                relative + "/index.html" if relative else "index.html"
            )
            if index is not None and _is_file(index):
                return full_path, index, True
        return None

    def _refused(self, relative: str) -> None:
        """After a miss: a path the file system refuses (rather than one it does not
        have) is a plain 404, with no fallback page."""
        try:
            os.stat(os.path.join(os.fspath(self.directory), relative))
        except (FileNotFoundError, NotADirectoryError):
            return
        except (OSError, ValueError):
            raise HTTPException(404) from None

    @staticmethod
    def _has(files: StaticFiles, page: str) -> bool:
        _, found = files.lookup_path(page)
        return found is not None and _is_file(found)

    @staticmethod
    def _page(files: StaticFiles, page: str) -> tuple[str, os.stat_result]:
        full_path, found = files.lookup_path(page)
        if found is None or not _is_file(found):
            directory = files.directory
            raise RuntimeError(
                f"Frontend fallback file '{page}' does not exist in directory "
                f"'{os.fspath(directory) if directory is not None else ''}'. "
                f"Resolved absolute directory: "
                f"'{os.path.realpath(directory) if directory is not None else ''}'"
            )
        return full_path, found

    def __repr__(self) -> str:
        return (
            f"FrontendRoute(path={self.path!r}, directory={os.fspath(self.directory)!r}, "
            f"fallback={self.fallback!r})"
        )


def _is_file(found: os.stat_result) -> bool:
    return stat.S_ISREG(found.st_mode)


def _is_dir(found: os.stat_result) -> bool:
    return stat.S_ISDIR(found.st_mode)


def _with_slash(scope: Any) -> str:
    """The request's absolute URL with ``/`` added to its path (query kept); ``?``
    and ``#`` in the decoded path are escaped again so they stay in the path."""
    url = URL.from_scope(scope)
    path = url.path.replace("?", "%3F").replace("#", "%23")
    query = f"?{url.query}" if url.query else ""
    return f"{url.scheme}://{url.netloc}{path}/{query}"
