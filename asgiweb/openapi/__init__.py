"""The OpenAPI 3.1 document and the interactive docs pages (docs/openapi.md).

``utils.get_openapi`` builds the document from the routes' compiled plans;
``docs`` holds the Swagger UI, ReDoc and OAuth2-redirect pages.  Nothing here
is imported by ``import asgiweb``: the App loads it on the first request for
``/openapi.json``, ``/docs`` or ``/redoc`` (or the first ``app.openapi()``).
"""
