# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench lint reset system clean mailing-now

TASKS_VENV := emulator/.venv-tasks
# Test processes (pytest-xdist), each with its own emulators and servers; a test file stays in one of them.
TEST_WORKERS ?= 2
TASKS_STAMP := $(TASKS_VENV)/.installed
# The message catalogs, compiled from their .po sources (README, "Messages").
LOCALES := functions/annuaires/locales
CATALOGS := $(patsubst %.po,%.mo,$(wildcard $(LOCALES)/*/LC_MESSAGES/messages.po))

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps --editable .  # the `annuaires` command
	touch $(STAMP)

$(LOCALES)/%/LC_MESSAGES/messages.mo: $(LOCALES)/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile --domain=messages --locale=$* --directory=$(LOCALES)

# The Cloud Tasks emulator pins an older protobuf than the app: a virtual environment of its own.
$(TASKS_STAMP):
	python3 -m venv $(TASKS_VENV)
	$(TASKS_VENV)/bin/python -m pip install --quiet gcloud-tasks-emulator==0.6.2
	touch $(TASKS_STAMP)

# What the machine needs besides Python: the Datastore emulator (with Java) and Chromium for page tests.
system:
	@bash emulator/install-system.sh

run: $(STAMP) $(CATALOGS) $(TASKS_STAMP) system
	PYTHONPATH=functions $(PY) -m emulator.dev

test: $(STAMP) $(CATALOGS) $(TASKS_STAMP) system
	$(PY) -m ruff check functions tests emulator bench deploy
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: $(STAMP) $(CATALOGS) $(TASKS_STAMP) system
	PYTHONPATH=functions $(PY) -m bench.pages
	PYTHONPATH=functions $(PY) -m bench.mailing
	PYTHONPATH=functions $(PY) -m bench.dump
	PYTHONPATH=functions $(PY) -m bench.mail
	PYTHONPATH=functions $(PY) -m bench.load

lint: $(STAMP)
	$(PY) -m ruff check functions tests emulator bench deploy

# Today's weekly dispatch at once, on the service `make run` started (its local tasks token is in .data/).
mailing-now:
	@curl --silent --show-error --fail-with-body -X POST -H "Authorization: Bearer $$(cat .data/tasks.token)" \
		http://127.0.0.1:$${PORT:-8080}/tasks/mailing/dispatch && echo

reset:
	rm -rf .data
	@echo "Local datastore removed: the next 'make run' starts empty."

clean: reset
	rm -rf $(VENV) $(TASKS_VENV)
