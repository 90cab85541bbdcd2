# Two commands for a newcomer: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# A developer's machine: Candor's local profile (a throwaway key, local hosts, plain http, static
# files from the source tree) with DEBUG off, so a newcomer sees the pages production shows, the
# styled 404 and 403 included. `DEBUG=1 make run` brings Django's debug pages back. Production
# never runs make; `make test` reads its own settings (candor/test_settings.py).
LOCAL_TARGETS := migrate seed score run serve
$(LOCAL_TARGETS): export CANDOR_LOCAL ?= 1

.PHONY: install run serve test lint format migrate seed score bench stop clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

migrate: install
	$(MANAGE) migrate --noinput

seed: migrate
	$(MANAGE) seed_demo --if-empty

score: seed
	$(MANAGE) score --backfill 546

run: score
	$(MANAGE) demo_logins --host $(HOST) --port $(PORT)
	@$(MAKE) --no-print-directory serve

# The server alone, as `make run` starts it (the browser test of the 404/403 pages runs this).
serve: install
	$(MANAGE) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/lint-imports
	$(BIN)/pytest

# Stops the embedded PostgreSQL that `make run` and `make test` start when DATABASE_URL is unset.
stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m candor.embedded_db stop; fi

clean: stop
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
