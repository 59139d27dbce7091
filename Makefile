# The two commands a newcomer runs: `make demo` and `make test`. Both create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Kept out of home directories: the embedded server widens the permissions of the data dir's parents.
DEMO_DATA_DIR ?= /var/tmp/catalog-demo
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint clean browser

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Three centres (region, Chifeng, Hulunbuir) on ports PORT, PORT+1, PORT+2.
demo: install
	CATALOG_DATA_DIR=$(DEMO_DATA_DIR) $(BIN)/catalog demo --host $(HOST) --port $(PORT)

# The portal's browser tests drive Debian's Chromium: installed here when we may (root with apt),
# otherwise the run stops and says how. A CJK font makes the screenshots legible (optional).
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)

browser:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  apt-get install -y -q fonts-wqy-microhei >/dev/null 2>&1 || true; \
	fi
	@if [ -z "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    (apt-get install -y -q chromium >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1)) || \
	     { echo "could not install chromium with apt-get"; exit 1; }; \
	  else \
	    echo "The browser tests need Chromium: run 'sudo apt-get install chromium' (Debian/Ubuntu)"; \
	    echo "or name one with 'make test CHROMIUM=/path/to/chromium'."; \
	    exit 1; \
	  fi; \
	fi

test: install browser
	CATALOG_CHROMIUM=$(or $(CHROMIUM),$(shell command -v chromium)) $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench alembic
	$(BIN)/ruff format --check src tests bench alembic
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
