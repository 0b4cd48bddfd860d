"""How one handler is called, compiled once per route (docs/api.md, "Handlers").

``plan`` compiles a handler's signature into ``handle(request) -> Response``;
``sources`` gathers parameter models from the query, headers and cookies.
"""
