# Two commands for a newcomer: `make run` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# A developer's machine: DEBUG on unless the environment says otherwise (Candor's own default is
# off; production never runs make).
export DEBUG ?= 1

.PHONY: install run test lint format migrate seed score bench stop clean

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
	$(MANAGE) score --backfill 273

run: score
	$(MANAGE) demo_logins --host $(HOST) --port $(PORT)
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
