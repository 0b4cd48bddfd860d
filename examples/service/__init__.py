"""An inventory API built the way a real asgiweb service is laid out.

``make run`` serves it (``uvicorn --app-dir examples service.app:app``); the
walk-through is docs/tutorial.md and running it in production is
docs/deployment.md. Modules:

- ``settings.py``: configuration from environment variables;
- ``db.py``: the SQLite connection (opened and closed by the lifespan) and ``get_db``;
- ``deps.py``: the dependencies routes declare (``DB``, ``Transaction``, ``SettingsDep``);
- ``models.py``: the dataclasses bodies are validated into and responses are shaped by;
- ``crud.py``: every SQL statement the routes run;
- ``app.py``: the App, its lifespan and middleware, the routers included;
- ``routers/``: one ``Router`` per area (items, preferences, exports, imports, audit);
- ``static/``: the small front end served at ``/ui/``.
"""
