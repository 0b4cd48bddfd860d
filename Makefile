# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# The test environment also installs the `bench` extra: FastAPI serves as the
# oracle for the encoder and the 422 answers (tests skip those checks without it).
$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[dev,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/uvicorn --app-dir examples main:app --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(PY) -m ruff check asgiweb tests examples benchmarks

typecheck: $(STAMP)
	$(PY) -m mypy --strict asgiweb

unit: $(STAMP)
	$(PY) -m pytest -q

test: $(STAMP)
	$(PY) -m ruff check asgiweb tests examples benchmarks
	$(PY) -m mypy --strict asgiweb
	$(PY) -m pytest -q

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
