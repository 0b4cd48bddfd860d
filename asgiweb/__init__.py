"""asgiweb: FastAPI's familiar API on a small, fast, dependency-light ASGI core."""

from asgiweb import status
from asgiweb.applications import App
from asgiweb.background import BackgroundTasks
from asgiweb.datastructures import UploadFile
from asgiweb.exceptions import HTTPException, RequestValidationError, WebSocketException
from asgiweb.param_functions import Depends, Security
from asgiweb.params import Body, Cookie, File, Form, Header, Path, Query
from asgiweb.requests import Request
from asgiweb.responses import Response
from asgiweb.routing import APIRouter, Router
from asgiweb.websockets import WebSocket, WebSocketDisconnect

__version__ = "0.1.0"

__all__ = [
    "APIRouter",
    "App",
    "BackgroundTasks",
    "Body",
    "Cookie",
    "Depends",
    "File",
    "Form",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "RequestValidationError",
    "Response",
    "Router",
    "Security",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketException",
    "status",
]
