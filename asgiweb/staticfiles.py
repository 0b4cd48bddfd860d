"""StaticFiles: serve the files of a directory under a mount (docs/frontend.md).

``app.mount("/static", StaticFiles(directory="static"), name="static")`` serves
``static/css/site.css`` at ``/static/css/site.css`` through :class:`FileResponse`
(ranges, validators and 304s, HEAD, content types all come from there).

Containment rules, checked before the file system is asked anything:

- the path served is the request path less ``root_path`` (the mount prefix);
  it is split on ``/``; empty and ``.`` segments are dropped;
- a ``..`` segment, a segment holding ``\\`` or NUL (and, on Windows, ``:``)
  answers 404: browsers resolve dot segments before sending (RFC 3986 §5.2.4),
  so only a hand-made request carries one.  Percent-decoding happened once, in
  the server, so ``%2e%2e`` is ``..`` here and ``%252e`` is the literal name
  ``%2e``;
- without ``follow_symlink`` every component under the directory is
  ``lstat``-ed; when one is a symbolic link the real path is resolved and must
  stay under the real directory, else 404 (a link to a file inside the
  directory is served, as in Starlette);
- any ``OSError`` or ``ValueError`` from the file system (no such file, a name
  too long, a loop of links, no permission) answers 404, never 500.

Other answers (as Starlette): only GET and HEAD (405 with ``Allow: GET, HEAD``);
``html=True`` serves ``index.html`` for a directory (redirecting to the URL
with a trailing slash first) and ``404.html``, when present, as the 404 body.
Error answers go through the App's exception handlers, so a 404 looks like
every other 404 of the app (``{"detail": "Not Found"}`` by default).
"""

from __future__ import annotations

import importlib.util
import mimetypes
import os
import stat as stat_module
from typing import Any

from asgiweb.datastructures import URL
from asgiweb.exception_handlers import ExceptionHandlers, http_exception_handler
from asgiweb.exceptions import HTTPException
from asgiweb.requests import Request
from asgiweb.responses import FileResponse, RedirectResponse, Response
from asgiweb.types import Receive, Scope, Send

__all__ = ["StaticFiles"]

PathLike = str | os.PathLike[str]

_WINDOWS = os.name == "nt"
_SEP = os.sep
_S_ISLNK = stat_module.S_ISLNK
_S_ISREG = stat_module.S_ISREG
_S_ISDIR = stat_module.S_ISDIR
_RESPONSES_KEPT = 4096
REFUSED = "\x00"
"""What :meth:`StaticFiles.get_path` gives for a path that may leave the directory."""


def clean_segments(path: str) -> list[str] | None:
    """The path's segments, or None when one may leave the directory (module docstring)."""
    if "\\" in path or "\x00" in path:
        return None
    if not _WINDOWS and "/." not in path and path[:1] != ".":
        # PERF: no segment starts with a dot, so none is "." or "..": the common
        # case, decided by substring scans and one split, without a Python loop.
        return list(filter(None, path.split("/")))
    segments = []
    for segment in path.split("/"):
        if not segment or segment == ".":
            continue
        if segment == ".." or "\\" in segment or "\x00" in segment:
            return None
        if _WINDOWS and (":" in segment or segment.rstrip(". ") != segment):
            return None
        segments.append(segment)
    return segments


class StaticFiles:
    """An ASGI app serving one directory (or several: ``packages``) read-only."""

    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: list[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.packages = packages
        self.all_directories = self.get_directories(directory, packages)
        self.html = html
        self.follow_symlink = follow_symlink
        self.config_checked = False
        self._responses: dict[str, tuple[tuple[int, ...], FileResponse]] = {}
        self._checked: tuple[str, list[str]] = ("", [])
        self._posix_single: str | None = None
        if len(self.all_directories) == 1 and not follow_symlink and not _WINDOWS:
            self._posix_single = self.all_directories[0]
        if check_dir and directory is not None and not os.path.isdir(directory):
            raise RuntimeError(f"Directory '{directory}' does not exist")

    def get_directories(
        self,
        directory: PathLike | None = None,
        packages: list[str | tuple[str, str]] | None = None,
    ) -> list[str]:
        """Absolute paths of ``directory`` then each package's ``statics`` (or named) folder."""
        directories = [] if directory is None else [os.path.abspath(directory)]
        for package in packages or ():
            name, folder = package if isinstance(package, tuple) else (package, "statics")
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                raise RuntimeError(f"StaticFiles: package {name!r} could not be found")
            found = os.path.join(os.path.dirname(os.path.abspath(spec.origin)), folder)
            if not os.path.isdir(found):
                raise RuntimeError(
                    f"StaticFiles: directory {folder!r} in package {name!r} could not be found"
                )
            directories.append(found)
        return directories

    def check_config(self) -> None:
        """Fail loudly, once, when ``directory`` is missing or not a directory."""
        if self.directory is None:
            return
        try:
            found = os.stat(self.directory)
        except FileNotFoundError:
            raise RuntimeError(
                f"StaticFiles directory '{self.directory}' does not exist."
            ) from None
        if not _S_ISDIR(found.st_mode):
            raise RuntimeError(f"StaticFiles path '{self.directory}' is not a directory.")

    # -- serving -------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "websocket":  # nothing to serve: close before accepting (a 403)
                await receive()
                await send({"type": "websocket.close", "code": 1000, "reason": ""})
                return
            raise RuntimeError(f"StaticFiles does not handle ASGI scope type {kind!r}")
        if not self.config_checked:
            self.check_config()
            self.config_checked = True
        try:
            response = await self.get_response(self.get_path(scope), scope)
        except HTTPException as exc:
            response = await self._answer_error(scope, receive, send, exc)
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """The relative file-system path to serve (``os.sep`` separators, ``""`` for the
        directory itself); a path that could leave the directory gives :data:`REFUSED`."""
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
            path = path[len(root) :]  # less the mount prefix, on a segment boundary
        segments = clean_segments(path)
        if segments is None:
            # A name no lookup accepts (NUL), so the answer is the usual 404 (or 404.html).
            return REFUSED
        joined = _SEP.join(segments)
        self._checked = (joined, segments)
        return joined

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The response for ``path`` (from :meth:`get_path`); errors raise HTTPException."""
        if scope["method"] not in ("GET", "HEAD"):
            raise HTTPException(405, headers={"Allow": "GET, HEAD"})
        full_path, found = self.lookup_path(path)
        if found is not None:
            if _S_ISREG(found.st_mode):
                return self.file_response(full_path, found, scope)
            if _S_ISDIR(found.st_mode) and self.html:
                index_path, index = self.lookup_path(
                    path + _SEP + "index.html" if path else "index.html"
                )
                if index is not None and _S_ISREG(index.st_mode):
                    if not scope["path"].endswith("/"):
                        return RedirectResponse(_with_slash(scope))
                    return self.file_response(index_path, index, scope)
        if self.html:
            page_path, page = self.lookup_path("404.html")
            if page is not None and _S_ISREG(page.st_mode):
                return self.file_response(page_path, page, scope, status_code=404)
        raise HTTPException(404)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """``(full path, stat)`` of ``path`` in the first directory that has it, or
        ``("", None)``.  ``path`` is relative, as :meth:`get_path` gives it."""
        checked = self._checked
        if path is checked[0]:
            # PERF: get_path has just split and checked this very string (the
            # segments are a function of the string alone, so this is never stale).
            segments: list[str] | None = checked[1]
        elif path.startswith(("/", "\\")):
            return "", None
        else:
            segments = clean_segments(path if _SEP == "/" else path.replace(_SEP, "/"))
        if segments is None:
            return "", None
        if self._posix_single is not None:
            # PERF: the usual case (one directory, links checked, POSIX) without the
            # per-directory loop and call; the same steps as _contained.
            full = self._posix_single
            try:
                result = os.stat(full) if not segments else None
                for segment in segments:
                    full = full + "/" + segment
                    result = os.lstat(full)
                    if _S_ISLNK(result.st_mode):
                        return self._contained(self._posix_single, segments) or ("", None)
            except (OSError, ValueError):
                return "", None
            return full, result
        for directory in self.all_directories:
            try:
                found = self._contained(directory, segments)
            except (OSError, ValueError):
                # Missing, too long, a loop of links, no permission, an unencodable
                # name: nothing this directory can serve; the next one may.
                continue
            if found is not None:
                return found
        return "", None

    def _contained(self, directory: str, segments: list[str]) -> tuple[str, os.stat_result] | None:
        if self.follow_symlink:
            full = _SEP.join((directory, *segments))
            return full, os.stat(full)
        if not _WINDOWS:
            # PERF: one lstat per segment under the directory, and no realpath
            # (which lstats every component from /) unless a link is met.
            full = directory
            found: os.stat_result | None = None
            for segment in segments:
                full = full + _SEP + segment
                found = os.lstat(full)
                if _S_ISLNK(found.st_mode):
                    break
            else:
                return full, (found if found is not None else os.stat(directory))
        full = os.path.join(directory, *segments)
        real = os.path.realpath(full)
        root = os.path.realpath(directory)
        if os.path.commonpath([real, root]) != root:
            return None
        return real, os.stat(real)

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        """A FileResponse for a found file; it answers ranges and conditionals itself.

        An unknown type is ``application/octet-stream`` (as Starlette), so a
        browser is never asked to render a file as text it has not been told is text.
        """
        path = os.fspath(full_path)
        version = (
            stat_result.st_mtime_ns,
            stat_result.st_size,
            stat_result.st_ino,
            stat_result.st_dev,
            status_code,
        )
        kept = self._responses.get(path)
        if kept is None or kept[0] != version:
            media_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            template = FileResponse(
                path, status_code=status_code, stat_result=stat_result, media_type=media_type
            )
            # Keys are files that exist, and at most _RESPONSES_KEPT of them.
            if kept is not None or len(self._responses) < _RESPONSES_KEPT:
                self._responses[path] = (version, template)
        else:
            template = kept[1]
        # PERF: the headers of an unchanged file are the same every time; copying
        # the response built for this version of the file costs ~0.5 µs, building
        # one ~4.3 µs plus ~2 µs for guess_type (benchmarks/bench_static.py). The
        # copy gets its own header list, so a change to it (get_response in a
        # subclass) never reaches the kept one.
        response = object.__new__(type(template))
        vars(response).update(vars(template))
        response.raw_headers = list(template.raw_headers)
        return response

    async def _answer_error(
        self, scope: Scope, receive: Receive, send: Send, exc: HTTPException
    ) -> Response:
        handlers: Any = getattr(scope.get("app"), "exception_handlers", None)
        request = Request(scope, receive, send)
        if isinstance(handlers, ExceptionHandlers):
            answer = await handlers.answer(request, exc, again=False)  # as the router's 404
            if answer is not None:
                return answer
        return await http_exception_handler(request, exc)

    def __repr__(self) -> str:
        return f"StaticFiles(directories={self.all_directories!r}, html={self.html!r})"


def _with_slash(scope: Scope) -> str:
    """The request's absolute URL with ``/`` added to its path (query kept).

    ``?`` and ``#`` in the decoded path are escaped again so they stay in the path;
    ``RedirectResponse`` percent-encodes the rest.
    """
    url = URL.from_scope(scope)
    path = url.path.replace("?", "%3F").replace("#", "%23")
    query = f"?{url.query}" if url.query else ""
    return f"{url.scheme}://{url.netloc}{path}/{query}"
