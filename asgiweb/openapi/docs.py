"""The interactive documentation pages: Swagger UI, ReDoc and the OAuth2 redirect.

Each function returns an ``HTMLResponse`` whose page loads the UI's assets
(from the jsDelivr CDN by default; pass your own URLs to serve them yourself,
docs/openapi.md "Self-hosted assets") and points it at the OpenAPI document.
Values placed inside the page's script are JSON with ``<``, ``>`` and ``&``
escaped, so no configuration value can close the script element.
"""

from __future__ import annotations

import html
import json
from typing import Any

from asgiweb.encoders import jsonable_encoder
from asgiweb.responses import HTMLResponse

__all__ = [
    "SWAGGER_UI_DEFAULT_PARAMETERS",
    "get_redoc_html",
    "get_swagger_ui_html",
    "get_swagger_ui_oauth2_redirect_html",
    "swagger_ui_default_parameters",
]

SWAGGER_JS_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
SWAGGER_CSS_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
SWAGGER_FAVICON_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/favicon-32x32.png"
REDOC_JS_URL = "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"
REDOC_FAVICON_URL = SWAGGER_FAVICON_URL
GOOGLE_FONTS_URL = (
    "https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700"
)

# Swagger UI's configuration unless ``swagger_ui_parameters`` says otherwise.
SWAGGER_UI_DEFAULT_PARAMETERS: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
}
swagger_ui_default_parameters = SWAGGER_UI_DEFAULT_PARAMETERS  # FastAPI's spelling


def _script_json(value: Any) -> str:
    """JSON safe to place inside a ``<script>`` element."""
    text = json.dumps(jsonable_encoder(value))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_JS_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def _script_string(value: str) -> str:
    """A single-quoted JavaScript string safe inside a ``<script>`` element: the
    text FastAPI writes for an ordinary URL (``'/openapi.json'``), with anything
    that could end the string or the element escaped."""
    out = []
    for char in value:
        escaped = _JS_ESCAPES.get(char)
        if escaped is None and ord(char) < 0x20:
            escaped = f"\\u{ord(char):04x}"
        out.append(char if escaped is None else escaped)
    return "'" + "".join(out) + "'"


def get_swagger_ui_html(
    *,
    openapi_url: str,
    title: str,
    swagger_js_url: str = SWAGGER_JS_URL,
    swagger_css_url: str = SWAGGER_CSS_URL,
    swagger_favicon_url: str = SWAGGER_FAVICON_URL,
    oauth2_redirect_url: str | None = None,
    init_oauth: dict[str, Any] | None = None,
    swagger_ui_parameters: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The Swagger UI page for the document at ``openapi_url``."""
    parameters = {**SWAGGER_UI_DEFAULT_PARAMETERS, **(swagger_ui_parameters or {})}
    settings = [f"url: {_script_string(openapi_url)},"]
    settings += [
        f"{_script_json(key)}: {_script_json(value)}," for key, value in parameters.items()
    ]
    if oauth2_redirect_url:
        settings.append(
            f"oauth2RedirectUrl: window.location.origin + {_script_string(oauth2_redirect_url)},"
        )
    settings.append(
        "presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],"
    )
    body = "\n      ".join(settings)
    oauth = f"\n    ui.initOAuth({_script_json(init_oauth)})" if init_oauth else ""
    page = f"""<!DOCTYPE html>
<html>
  <head>
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link type="text/css" rel="stylesheet" href="{html.escape(swagger_css_url)}">
    <link rel="shortcut icon" href="{html.escape(swagger_favicon_url)}">
    <title>{html.escape(title)}</title>
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="{html.escape(swagger_js_url)}"></script>
    <script>
    const ui = SwaggerUIBundle({{
      {body}
    }}){oauth}
    </script>
  </body>
</html>
"""
    return HTMLResponse(page)


def get_redoc_html(
    *,
    openapi_url: str,
    title: str,
    redoc_js_url: str = REDOC_JS_URL,
    redoc_favicon_url: str = REDOC_FAVICON_URL,
    with_google_fonts: bool = True,
) -> HTMLResponse:
    """The ReDoc page for the document at ``openapi_url``."""
    fonts = (
        f'\n    <link href="{html.escape(GOOGLE_FONTS_URL)}" rel="stylesheet">'
        if with_google_fonts
        else ""
    )
    page = f"""<!DOCTYPE html>
<html>
  <head>
    <title>{html.escape(title)}</title>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">{fonts}
    <link rel="shortcut icon" href="{html.escape(redoc_favicon_url)}">
    <style>
      body {{ margin: 0; padding: 0; }}
    </style>
  </head>
  <body>
    <noscript>ReDoc needs JavaScript to show this documentation.</noscript>
    <redoc spec-url="{html.escape(openapi_url)}"></redoc>
    <script src="{html.escape(redoc_js_url)}"></script>
  </body>
</html>
"""
    return HTMLResponse(page)


# The page an OAuth2 provider sends the browser back to after a Swagger UI login: it
# hands the code (authorization code flow) or the token (implicit flow) to the
# Swagger UI window that opened it, checks the ``state`` it sent, and closes itself.
_OAUTH2_REDIRECT_PAGE = """<!doctype html>
<html lang="en-US">
<head>
    <title>Swagger UI: OAuth2 Redirect</title>
</head>
<body>
<script>
    'use strict';
    function finishLogin() {
        var pending = window.opener.swaggerUIRedirectOauth2;
        var sentState = pending.state;
        var redirectUrl = pending.redirectUrl;
        var flow = pending.auth.schema.get("flow");
        var fragment = /code|token|error/.test(window.location.hash)
            ? window.location.hash.substring(1)
            : window.location.search.substring(1);
        var answer = {};
        new URLSearchParams(fragment).forEach(function (value, key) {
            answer[key] = value;
        });
        var stateOk = answer.state === sentState;
        var codeFlow = flow === "accessCode" || flow === "authorizationCode"
            || flow === "authorization_code";
        if (codeFlow && !pending.auth.code) {
            if (!stateOk) {
                pending.errCb({
                    authId: pending.auth.name,
                    source: "auth",
                    level: "warning",
                    message: "The state sent back does not match the state sent: this "
                        + "answer may not come from the authorization server."
                });
            }
            if (answer.code) {
                delete pending.state;
                pending.auth.code = answer.code;
                pending.callback({auth: pending.auth, redirectUrl: redirectUrl});
            } else {
                var missing = "no accessCode received from the server. ";
                var reason = answer.error
                    ? "[" + answer.error + "]: "
                        + (answer.error_description ? answer.error_description + ". " : missing)
                        + (answer.error_uri ? "More info: " + answer.error_uri : "")
                    : "[Authorization failed]: " + missing;
                pending.errCb({
                    authId: pending.auth.name,
                    source: "auth",
                    level: "error",
                    message: reason
                });
            }
        } else {
            pending.callback({auth: pending.auth, token: answer, isValid: stateOk,
                              redirectUrl: redirectUrl});
        }
        window.close();
    }
    if (document.readyState !== "loading") {
        finishLogin();
    } else {
        document.addEventListener("DOMContentLoaded", finishLogin);
    }
</script>
</body>
</html>
"""


def get_swagger_ui_oauth2_redirect_html() -> HTMLResponse:
    """The OAuth2 redirect page Swagger UI's "Authorize" flows come back to."""
    return HTMLResponse(_OAUTH2_REDIRECT_PAGE)
