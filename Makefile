# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Each command has its own environment holding only what it needs:
#   .venv-run    make run    asgiweb with uvicorn's fast extras (`standard`) and form
#                            uploads (`forms`): all the example service needs (SQLite is stdlib)
#   .venv        make test   `dev` (pytest, mypy, ruff, the servers of the e2e suite)
#                            and `bench` (FastAPI, the oracle in the tests)
#   .venv-bench  make bench  `bench`: asgiweb and the peers it is measured against
PYTHON    ?= python3
HOST      ?= 127.0.0.1
PORT      ?= 8000

VENV      := .venv
PY        := $(VENV)/bin/python
RUN_VENV  := .venv-run
BENCH_VENV := .venv-bench

.PHONY: run test lint typecheck unit bench clean

%/bin/python:
	$(PYTHON) -m venv $*
	$*/bin/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $@

$(RUN_VENV)/.installed: pyproject.toml | $(RUN_VENV)/bin/python
	$(RUN_VENV)/bin/python -m pip install -q -e '.[standard,forms]'
	touch $@

$(BENCH_VENV)/.installed: pyproject.toml | $(BENCH_VENV)/bin/python
	$(BENCH_VENV)/bin/python -m pip install -q -e '.[bench]'
	touch $@

# The example service (examples/service); INVENTORY_DB and INVENTORY_DATA_DIR
# choose where its data lives (examples/service/settings.py).
run: $(RUN_VENV)/.installed
	$(RUN_VENV)/bin/python -m uvicorn --app-dir examples service.app:app --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(PY) -m ruff check asgiweb tests examples benchmarks

typecheck: $(VENV)/.installed
	$(PY) -m mypy --strict asgiweb

unit: $(VENV)/.installed
	$(PY) -m pytest -q

# What CI runs (.ci/run).
test: $(VENV)/.installed
	$(PY) -m ruff check asgiweb tests examples benchmarks
	$(PY) -m mypy --strict asgiweb
	$(PY) -m pytest -q

bench: $(BENCH_VENV)/.installed
	$(BENCH_VENV)/bin/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(RUN_VENV) $(BENCH_VENV) .mypy_cache .ruff_cache .pytest_cache
