# The two commands a newcomer runs: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Kept out of home directories: the embedded server widens the permissions of the data dir's parents.
DEMO_DATA_DIR ?= /var/tmp/catalog-demo
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Three centres (region, Chifeng, Hulunbuir) on ports PORT, PORT+1, PORT+2.
demo: install
	CATALOG_DATA_DIR=$(DEMO_DATA_DIR) $(BIN)/catalog demo --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench alembic
	$(BIN)/ruff format --check src tests bench alembic
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
