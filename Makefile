# Two commands on a fresh clone: `make run` and `make test` (see README).
# Everything else they need is installed into .venv from the pinned requirements.

PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
# pyenv honours .python-version; without pyenv, any python3.12+ on PATH will do.
BOOTSTRAP_PYTHON ?= $(shell pyenv which python$(PYTHON_VERSION) 2>/dev/null || command -v python$(PYTHON_VERSION) || command -v python3)
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist: one worker per core. PYTEST_ARGS= runs serially.
PYTEST_ARGS ?= -n auto

.PHONY: install run test bench lint format migrate demo clean help

help:
	@echo "make run   - install, migrate, load the demo brief, serve on http://$(HOST):$(PORT)"
	@echo "make test  - install and run the whole suite (ruff, migrations check, pytest)"
	@echo "make bench - install, then benchmark the portal on PostgreSQL and Redis against its targets (docs/benchmarks.md)"

$(VENV)/.installed: requirements.txt requirements-dev.txt .python-version
	@$(BOOTSTRAP_PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Contours needs Python 3.12 or newer; found " + sys.version.split()[0] + " (set BOOTSTRAP_PYTHON=/path/to/python3.12)")'
	$(BOOTSTRAP_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

# Local development: debug on unless the environment says otherwise, SQLite unless DATABASE_URL.
run: export DJANGO_DEBUG ?= 1
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py create_demo_users --only-if-debug
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_SETTINGS_MODULE=portal.settings_test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=portal.settings_test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

# PostgreSQL at BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/contours_bench,
# created if missing), Redis at BENCH_CACHE_URL (default redis://127.0.0.1:6379/5), wrk from
# Debian (installed if missing). Writes docs/benchmarks.md and exits non-zero when a target
# is missed. Options: BENCH_ARGS="--help"; e.g. BENCH_ARGS="--target list_vs_reference=1000".
BENCH_ARGS ?=
bench: install
	@command -v wrk >/dev/null 2>&1 || { echo "== installing Debian's wrk for the benchmark =="; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }; }
	$(PY) -m bench.run $(BENCH_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis
