# Maillage — one target per chore. A newcomer needs two: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: setup demo serve test quality lint fix migrate assets system-deps test-sqlite test-postgres bench bench-load clean

## setup: install everything the project needs (Python packages, front-end assets). Idempotent.
setup: $(VENV)/.installed maillage/static/vendor/.installed
	@# Bytecode of the project's own modules, as pip writes it for installed packages: every
	@# command (and the allocation engine's whole-process runs) then starts without compiling
	@# them, even where the environment forbids writing it (PYTHONDONTWRITEBYTECODE).
	@$(BIN)/python -m compileall -q maillage config

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	@# `compat`: the checkout is put on sys.path by a plain .pth line, instead of an import
	@# hook that costs every process about 20 ms (pathlib, importlib.util) before it starts.
	$(BIN)/python -m pip install --quiet --no-deps -e . --config-settings editable_mode=compat
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

maillage/static/vendor/.installed: node_modules/.installed scripts/vendor_assets.py
	$(BIN)/python scripts/vendor_assets.py
	@touch $@

## system-deps: Debian packages for PDF rendering and browser tests (installed when root and missing).
system-deps:
	@bash scripts/system_deps.sh

## demo: install, migrate the SQLite database, load the demo territory, serve on 127.0.0.1:$(PORT).
demo: setup system-deps
	@mkdir -p var
	$(BIN)/maillage migrate --noinput
	$(BIN)/maillage load_demo
	PORT=$(PORT) bash scripts/demo.sh

## serve: the production stack on PostgreSQL (DATABASE_URL): gunicorn, task worker, scheduler.
serve: setup system-deps
	PORT=$(PORT) bash scripts/serve.sh

migrate: setup
	@mkdir -p var
	$(BIN)/maillage migrate --noinput

## quality: the static checks CI runs.
quality: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check . || (echo "Formatage : lancez 'make fix'."; exit 1)
	$(BIN)/lint-imports
	$(BIN)/maillage makemigrations --check --dry-run

fix: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## test: static checks, then the whole suite on SQLite, then on PostgreSQL when DATABASE_URL says so.
test: setup system-deps quality test-sqlite test-postgres

# One session per database, browser tests included (reference parameters are seeded again by
# an autouse fixture after a transactional test's flush).
PYTEST := $(BIN)/pytest -n 2 --dist loadfile -q
test-sqlite: setup
	@mkdir -p var
	env -u DATABASE_URL $(PYTEST)

test-postgres: setup
	@if [[ "$${DATABASE_URL:-}" == postgres* ]]; then \
		echo "== Tests sur PostgreSQL ($${DATABASE_URL%%@*}@…)"; \
		$(PYTEST); \
	else \
		echo "== DATABASE_URL ne désigne pas PostgreSQL : suite PostgreSQL non lancée."; \
	fi

## bench: the benchmarks (not tests); figures go to docs/benchmarks.md.
bench: setup
	$(BIN)/python bench/allocation.py --size all

## bench-load: 50 users for 5 minutes on the production stack (PostgreSQL on 127.0.0.1:5432).
bench-load: setup
	$(BIN)/python -m pip install --quiet -r bench/requirements.lock
	bash bench/load.sh 50 5m

clean:
	rm -rf $(VENV) node_modules maillage/static/vendor var/static
