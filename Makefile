# Q Portal. `make run` serves the demo; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Installs again only when a requirements file changes.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test smoke lint format clean check-browser bench mutation bench-large bench-flat bench-breakdown

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
	@$(BIN)/python -m q_portal.demo_server

## test: the whole suite against PostgreSQL and Redis (DATABASE_URL / REDIS_URL, default local ports). First
## .ci/setup-services installs (as root) what is missing and starts what does not answer, or says what to run.
## PYTEST_ARGS narrows the run (e.g. PYTEST_ARGS=tests/outbox). The whole suite measures coverage (pytest-cov)
## and fails if the total is more than a point below .ci/coverage-baseline (raise the baseline as coverage grows).
## --create-db: CI runs on the machine's own PostgreSQL as the last session left it, so a test database left by
## another branch's migrations must never be reused.
COVERAGE_FLOOR = $(shell awk '{ print $$1 - 1 }' .ci/coverage-baseline)
test:
	@services=$$(bash .ci/setup-services) && eval "$$services" && $(MAKE) --no-print-directory $(DEV_STAMP) && \
	  $(BIN)/pytest -n 2 --dist loadgroup --create-db $(if $(PYTEST_ARGS),,--cov --cov-report= --cov-fail-under=$(COVERAGE_FLOOR)) $(PYTEST_ARGS)

## smoke: the `make run` demo as tested path: SQLite and the folder broker (DATABASE_URL and REDIS_URL empty),
## migrate, seed_demo twice, crawl every page each demo account reaches; plus the tests marked both_databases
smoke: $(DEV_STAMP)
	@broker=$$(mktemp -d); trap 'rm -rf "$$broker"' EXIT; \
	  DATABASE_URL= REDIS_URL= CELERY_BROKER_DIR=$$broker DJANGO_SETTINGS_MODULE=q_portal.settings.local \
	  $(BIN)/pytest -n 0 --ds=q_portal.settings.local -o django_debug_mode=keep -m "sqlite_smoke or both_databases" -q

check-browser:
	@test -x /usr/bin/chromium-headless-shell || { echo "Browser tests need Debian's headless Chromium at /usr/bin/chromium-headless-shell: sudo apt-get install chromium-headless-shell" >&2; exit 1; }

## bench: build the scale data set in PostgreSQL (BENCH_DATABASE_URL, default q_portal_bench), serve it with
## gunicorn under production settings, load each key page; writes bench/results/latest.md and latest.json
bench: $(DEV_STAMP)
	$(BIN)/python bench/run.py

## bench-large: the same at ten times the size (100,000 applications, 300,000 reviews, 50,000 members) in
## its own database (BENCH_LARGE_DATABASE_URL, default q_portal_bench_large); writes bench/results/large.md
bench-large: $(DEV_STAMP)
	BENCH_DATABASE_URL=$${BENCH_LARGE_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/q_portal_bench_large} \
	  $(BIN)/python bench/run.py --applications 100000 --members 50000 --reviewers 1000 --skip-wave --output large

## bench-flat: each key page alone at 10,000 and at 100,000 applications, the two measured in turn (both
## databases built first by bench and bench-large); writes bench/results/flatness.md
bench-flat: $(DEV_STAMP)
	$(BIN)/python bench/flatness.py

## bench-breakdown: where each page of `make bench` spends its time (database, building queries, templates,
## cache, the rest) and its functions with most time of their own, in-process on the database bench built;
## writes bench/results/breakdown.md
bench-breakdown: $(DEV_STAMP)
	$(BIN)/python bench/breakdown.py

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
