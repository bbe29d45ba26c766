# Participa: every target installs what it needs (a pinned uv in .tools/, then .venv from uv.lock).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)
export PYTHONPATH := $(CURDIR)

.PHONY: help install run test test-faults test-fast lint fmt openapi openapi-check migrate migration import bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-groups --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced ## Create .venv from uv.lock (all groups)

run: install ## Start PostgreSQL (embedded unless DATABASE_URL), migrate, load the demo, start API :8000 and analytics :8001
	$(PY) -m services.local.run

test: install ## The whole suite on a real PostgreSQL (DATABASE_URL, or the embedded server)
	$(PY) -m services.local.pytest_on_postgres -n 2 $(ARGS)

test-faults: install ## Only the fault tests: commit failures, outages, kill -9, full pools (make test runs them too)
	$(PY) -m services.local.pytest_on_postgres tests/faults $(ARGS)

test-fast: install ## The suite without the contract fuzzing
	$(PY) -m services.local.pytest_on_postgres -m "not contract" $(ARGS)

lint: install ## ruff + mypy strict + import contracts + duplicate code (checks only)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy shared services tests
	$(VENV)/bin/lint-imports
	$(PY) -m services.local.duplicate_code

fmt: install ## Format and autofix
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

openapi: install ## Regenerate openapi/api.json and openapi/analytics.json
	$(PY) -m services.local.openapi write

openapi-check: install ## Fail when openapi/*.json differ from what the apps generate
	$(PY) -m services.local.openapi check

migrate: install ## Apply the migrations (DATABASE_URL, or the embedded server)
	$(PY) -m services.local.migrate upgrade head

migration: install ## New reviewed migration from the models: make migration m="add complaints"
	@test -n "$(m)" || (echo 'usage: make migration m="what changes"'; exit 2)
	$(PY) -m services.local.migrate revision --autogenerate -m "$(m)"

bench: install ## Benchmarks beside bare references in the same run; results in bench/results/
	$(PY) -m bench.run $(ARGS)


import: install ## Import a plan file: make import FILE=plan.tsv ORG=<id or NIT> [YEAR=2026] [ACCEPT=true] [COMMIT=1]
	@test -n "$(FILE)" -a -n "$(ORG)" || (echo 'usage: make import FILE=plan.tsv ORG=<organisation id or NIT> [COMMIT=1]'; exit 2)
	$(PY) -m services.local.import_plan "$(FILE)" "$(ORG)" $(if $(YEAR),--year $(YEAR)) $(if $(SHEET),--sheet "$(SHEET)") $(if $(ACCEPT),--accept "$(ACCEPT)") $(if $(COMMIT),--commit)

clean: ## Remove the virtualenvs and the embedded database
	rm -rf $(VENV) $(TOOLS) .data
