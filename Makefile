# make run: set everything up and serve on http://127.0.0.1:8000 with the bundled layers.
# make test: the same set-up, then ruff, mypy and the whole suite against a real PostGIS.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WEB := app/web
WEB_STAMP := $(WEB)/node_modules/.installed-stamp
# An assignment of its own, so that a failing script fails the recipe (inside `export` it would
# not: export's status hides the substitution's).
DB_URL = url="$$(bash scripts/database-url.sh)"; export DATABASE_URL="$$url"

.PHONY: run test setup system system-test lint typecheck clean

run: setup
	$(DB_URL); \
	$(BIN)/airspace-risk db create; \
	$(BIN)/airspace-risk db upgrade; \
	$(BIN)/airspace-risk load; \
	echo "serving on http://127.0.0.1:8000 (docs at /docs)"; \
	exec $(BIN)/airspace-risk serve

test: system-test setup lint typecheck
	$(DB_URL); \
	$(BIN)/pytest -q

setup: system $(STAMP) $(WEB_STAMP)

system:
	@bash scripts/setup-system.sh

system-test:
	@bash scripts/setup-system.sh test

$(WEB_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	@echo "setup: installing the map page's JavaScript (MapLibre GL JS, Swagger UI, playwright-core) from npm"
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEB_STAMP)

$(STAMP): pyproject.toml
	@echo "setup: creating $(VENV) and installing the project"
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check app tests migrations scripts bench
	$(BIN)/ruff format --check app tests migrations scripts bench

typecheck: $(STAMP)
	$(BIN)/mypy app tests bench scripts

clean:
	@# Stop the project-local PostgreSQL cluster that make run may have started (its data stay
	@# in .data/; remove that folder by hand to drop them).
	@if [ -f .data/postgres/postmaster.pid ]; then \
	  owner=""; [ "$$(id -u)" -eq 0 ] && owner="runuser -u postgres --"; \
	  $$owner /usr/lib/postgresql/15/bin/pg_ctl -D "$$(pwd)/.data/postgres" -m fast stop \
	    && echo "clean: stopped the local PostgreSQL cluster in .data/postgres"; \
	fi
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache test-output $(WEB)/node_modules
