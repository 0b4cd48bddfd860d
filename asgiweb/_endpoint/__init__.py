"""How one handler is called, compiled once per route (docs/api.md, "Handlers").

``plan`` compiles a handler into ``handle(request) -> Response``; ``parameters``
says where each parameter of a handler or a dependency comes from; ``sources``
gathers parameter models from the query, headers and cookies; ``dependencies``
compiles the ``Depends(...)`` graph and ``response`` the response-model step
(docs/dependencies.md).
"""
