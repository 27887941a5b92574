# Starmap: `make run` serves the demo, `make test` runs the suite. See README.md.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_CREATORS ?= 2000
PYTEST_ARGS ?=

.PHONY: install services migrate demo run test stop lint format reset help pdf-deps

help:
	@echo "make run    install, start embedded PostgreSQL + Redis, migrate, load demo data, serve on $(HOST):$(PORT)"
	@echo "make test   run the whole test suite on the embedded servers (or DATABASE_URL / REDIS_URL)"
	@echo "make stop   stop the embedded servers"
	@echo "make pdf-deps  install Pango and a CJK font for PDF invoices where possible (make run does it)"
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

run: pdf-deps demo
	$(PY) -m marketplace.dev.run --host $(HOST) --port $(PORT)

# PDF invoices need the Pango library and a CJK font (docs/invoices.md). Installed here where this can (root with
# apt-get); anywhere else the documents are offered as CSV and the pages say why. Never fails the run.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
pdf-deps: install
	@if $(PY) -c "import weasyprint" >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi -e "Noto Sans CJK" -e "WenQuanYi"; then \
	  exit 0; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Pango and a CJK font for PDF invoices: $(PDF_PACKAGES)"; \
	  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null 2>&1 \
	    || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null)) \
	    || echo "note: could not install $(PDF_PACKAGES): invoices and statements are offered as CSV only"; \
	else \
	  echo "note: PDF invoices need Pango and a CJK font ($(PDF_PACKAGES) on Debian/Ubuntu);"; \
	  echo "      until they are installed, invoices and statements are offered as CSV only (docs/invoices.md)."; \
	fi

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
