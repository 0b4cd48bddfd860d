"""asgiweb: FastAPI's familiar API on a small, fast, dependency-light ASGI core."""

from asgiweb import status
from asgiweb.applications import App
from asgiweb.background import BackgroundTasks
from asgiweb.exceptions import HTTPException, RequestValidationError
from asgiweb.param_functions import Depends, Security
from asgiweb.params import Body, Cookie, Header, Path, Query
from asgiweb.requests import Request
from asgiweb.responses import Response
from asgiweb.routing import Router

__version__ = "0.1.0"

__all__ = [
    "App",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "RequestValidationError",
    "Response",
    "Router",
    "Security",
    "status",
]
