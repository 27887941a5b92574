# Starmap: `make run` serves the demo, `make test` runs the suite. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_CREATORS ?= 2000
PYTEST_ARGS ?=

.PHONY: install services migrate demo run test stop lint format reset help

help:
	@echo "make run    install, start embedded PostgreSQL + Redis, migrate, load demo data, serve on $(HOST):$(PORT)"
	@echo "make test   run the whole test suite on the embedded servers (or DATABASE_URL / REDIS_URL)"
	@echo "make stop   stop the embedded servers"
	@echo "make lint   ruff check and format check, and the import layers (lint-imports)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

services: install
	$(PY) -m marketplace.dev.devservers start

migrate: services
	$(PY) manage.py bootstrap --no-demo

# migrate + taxonomy + demo (only when not loaded yet), in one process
demo: services
	$(PY) manage.py bootstrap --demo-creators $(DEMO_CREATORS)

run: demo
	$(PY) -m marketplace.dev.run --host $(HOST) --port $(PORT)

# pytest exits 5 when it collects no tests; that is not a failure of the suite.
test: services
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then exit 0; else exit $$rc; fi

stop:
	-test -x $(PY) && $(PY) -m marketplace.dev.devservers stop

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: install
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

reset: stop
	rm -rf var
