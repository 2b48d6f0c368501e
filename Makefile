# Two commands for a fresh machine: `make demo` and `make test`. Each installs what it needs.
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SYSTEM_PYTHON ?= python3

.PHONY: install demo test lint bench clean chromium redis-server

$(STAMP): pyproject.toml
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	# torch is pinned: this exact version is the CPU build; any other spec pulls CUDA wheels.
	$(PYTHON) -m pip install -q torch==2.13.0
	# compat: a path entry, so packages added later need no reinstall
	$(PYTHON) -m pip install -q -e '.[dev]' --config-settings editable_mode=compat
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/schoolwatch demo

# The browser tests drive Debian's chromium through Playwright (no browser download).
chromium:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)

# The queue tests run a real redis-server (Debian's package), installed here when missing.
redis-server:
	command -v redis-server >/dev/null || (apt-get update -q && apt-get install -y -q redis-server)

test: install chromium redis-server
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PYTHON) -m pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install
	for script in bench/*.py; do $(PYTHON) $$script || exit 1; done

clean:
	rm -rf $(VENV) demo-data .pytest_cache .ruff_cache
