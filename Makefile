# Q Portal. `make run` serves the demo; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Installs again only when a requirements file changes.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint format clean check-browser bench mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(RUNTIME_STAMP)

## run: install, migrate, load the demo data, then serve http://127.0.0.1:8000 with a Celery worker
run: $(RUNTIME_STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Q Portal: http://127.0.0.1:8000   (Ctrl-C stops the server and the worker)"
	@echo
	@trap 'kill 0' EXIT INT TERM; \
	  $(BIN)/celery -A q_portal worker --beat --loglevel=INFO --concurrency=2 & \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

## test: the whole suite against PostgreSQL and Redis (DATABASE_URL / REDIS_URL, default local ports)
test: $(DEV_STAMP) check-browser
	$(BIN)/pytest -n 2 --dist loadgroup

check-browser:
	@test -x /usr/bin/chromium || { echo "Browser tests need Debian's Chromium at /usr/bin/chromium: sudo apt-get install chromium" >&2; exit 1; }

## bench: build the scale data set in PostgreSQL (BENCH_DATABASE_URL, default q_portal_bench), serve it with
## gunicorn under production settings, load each key page; writes bench/results/latest.md and latest.json
bench: $(DEV_STAMP)
	$(BIN)/python bench/run.py

## mutation: mutmut over each rule module in turn against the tests that cover it (slow; not in `make test`);
## writes bench/results/mutation.md. MODULES="word-limits throttle" runs some (bench/mutation.py --list)
mutation: $(DEV_STAMP)
	$(BIN)/python bench/mutation.py $(MODULES)

## lint: ruff check and format check, as CI runs them
lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .broker .cache staticfiles db.sqlite3
