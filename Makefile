# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint reset system clean

$(STAMP): requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

# What the machine needs besides Python: the Datastore emulator (with Java) and Chromium for page tests.
system:
	@bash emulator/install-system.sh

run: $(STAMP) system
	PYTHONPATH=functions $(PY) -m emulator.dev

test: $(STAMP) system
	$(PY) -m ruff check functions tests emulator bench
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP) system
	PYTHONPATH=functions $(PY) -m bench.pages

lint: $(STAMP)
	$(PY) -m ruff check functions tests emulator bench

reset:
	rm -rf .data
	@echo "Local datastore removed: the next 'make run' starts empty."

clean: reset
	rm -rf $(VENV)
