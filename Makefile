# Two commands for a fresh machine: `make demo` and `make test`. Each installs what it needs,
# into the same .venv: `make demo` only the runtime (no torch), `make test` adds the [dev] and
# [train] extras on top (the training and export tests need torch). A stamp per layer.
VENV   := .venv
PYTHON := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.installed-runtime
FULL_STAMP    := $(VENV)/.installed-full
SYSTEM_PYTHON ?= python3

.PHONY: install runtime demo test train lint bench clean chromium redis-server

$(RUNTIME_STAMP): pyproject.toml
	test -x $(PYTHON) || $(SYSTEM_PYTHON) -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	# compat: a path entry, so packages added later need no reinstall
	$(PYTHON) -m pip install -q -e . --config-settings editable_mode=compat
	touch $(RUNTIME_STAMP)

$(FULL_STAMP): $(RUNTIME_STAMP)
	# torch is pinned: this exact version is the CPU build; any other spec pulls CUDA wheels.
	$(PYTHON) -m pip install -q torch==2.13.0
	$(PYTHON) -m pip install -q -e '.[dev,train]' --config-settings editable_mode=compat
	touch $(FULL_STAMP)

runtime: $(RUNTIME_STAMP)

install: $(FULL_STAMP)

demo: runtime
	$(VENV)/bin/schoolwatch demo

# Stage 1 (adapters, ~15 min), stage 2 (heads) and the export of the shipped model folder.
train: install
	$(PYTHON) -m classifiers.training.train
	$(PYTHON) -m classifiers.training.heads
	$(PYTHON) -m classifiers.training.export

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
