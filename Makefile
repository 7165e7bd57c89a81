# Bakohumas. The two commands: `make run` and `make test`.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)

.PHONY: run test test-fast lint bench setup messages clean

# What the platform runs with (requirements.lock); the test, lint and benchmark tools on top (requirements-dev.lock).
$(VENV)/.installed: requirements.lock pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Bakohumas needs Python 3.12 or newer (python3.12 on PATH)." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

setup: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_offices
	$(PY) manage.py seed_elections
	$(PY) manage.py seed_holidays

# Web server and background worker on SQLite, with demo data. Ctrl+C stops both. Links in pages and messages point
# at the port it serves (SITE_URL, unless set).
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: setup
	$(PY) manage.py seed_demo
	@echo "Bakohumas: http://127.0.0.1:$(PORT)/  (masuk sebagai operator.madiun, kata sandi di atas)"
	@trap 'kill 0' INT TERM EXIT; \
	$(PY) manage.py worker --queue-name '*' --no-reload & \
	$(PY) manage.py worker --queue-name sending --no-reload --no-router & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

# The whole suite (unit, view, API, Chromium end-to-end). DATABASE_URL selects PostgreSQL.
test: lint
	$(BIN)/pytest

test-fast: $(VENV)/.dev-installed
	$(BIN)/pytest -m "not e2e and not fuzz and not process" -n auto

bench: setup $(VENV)/.dev-installed
	$(PY) bench/run_all.py

messages: $(VENV)/.installed
	cd $(CURDIR) && $(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'bench/*' && $(PY) manage.py compilemessages -l en --ignore '.venv/*'

clean:
	rm -rf $(VENV) var
