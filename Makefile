# Two commands on a fresh clone: `make run` and `make test` (see README.md).
# Everything else they need is installed into .venv from the pinned lock files, which
# `make lock` generates from pyproject.toml (see CONTRIBUTING.md).

PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
PIP_INSTALL := $(PY) -m pip install --quiet --disable-pip-version-check
# pyenv honours .python-version; without pyenv, any python3.12+ on PATH will do.
BOOTSTRAP_PYTHON ?= $(shell pyenv which python$(PYTHON_VERSION) 2>/dev/null || command -v python$(PYTHON_VERSION) || command -v python3)
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist: one worker per core. PYTEST_ARGS= runs serially.
PYTEST_ARGS ?= -n auto
# The browser tests launch this Chromium (tests/browser/conftest.py reads the same variable);
# Debian's package puts it here. Playwright never downloads a browser of its own.
export CONTOURS_CHROMIUM ?= /usr/bin/chromium
# The tool that resolves pyproject.toml into the lock files, pinned so that every
# `make lock` resolves the same way. It is installed beside the venv, not into it.
UV_VERSION := 0.13.8
UV := $(VENV)/lock-tool/uv-$(UV_VERSION)/bin/uv
# e.g. LOCK_ARGS="--upgrade-package django" moves one package to its newest allowed version.
LOCK_ARGS ?=
LOCK := $(UV) pip compile --quiet --python-version $(PYTHON_VERSION) --custom-compile-command "make lock" $(LOCK_ARGS)

.PHONY: install install-runtime chromium run test bench lint format lock clean help

help:
	@echo "make run   - install the runtime, migrate, load the demo brief, serve on http://$(HOST):$(PORT)"
	@echo "make test  - install everything (and Debian's chromium if missing), run the whole suite"
	@echo "make lock  - regenerate requirements.txt and requirements-dev.txt from pyproject.toml"
	@echo "make bench - benchmark the portal on PostgreSQL and Redis against its targets (docs/benchmarks.md)"

# Three stamps, each installing on top of the one before: `make run` needs only the runtime,
# `make test` adds the test and lint tools. Running them in either order works, and each
# reinstalls when its lock file (or .python-version) changes.
$(VENV)/.created: .python-version
	@$(BOOTSTRAP_PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Contours needs Python 3.12 or newer; found " + sys.version.split()[0] + " (set BOOTSTRAP_PYTHON=/path/to/python3.12)")'
	$(BOOTSTRAP_PYTHON) -m venv $(VENV)
	@touch $@

$(VENV)/.installed-runtime: requirements.txt $(VENV)/.created
	$(PIP_INSTALL) -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed-runtime
	$(PIP_INSTALL) -r requirements-dev.txt
	@touch $@

install-runtime: $(VENV)/.installed-runtime

install: $(VENV)/.installed-dev

# Debian's chromium for the browser tests: installed with apt-get when missing (as `make bench`
# does for wrk), or one line saying what to install when this machine can't.
chromium:
	@test -x "$(CONTOURS_CHROMIUM)" || { \
	  command -v apt-get >/dev/null 2>&1 || { echo "make test: the browser tests need Chromium at $(CONTOURS_CHROMIUM) and there is no apt-get here: install Chromium there (or set CONTOURS_CHROMIUM to its path)" >&2; exit 1; }; \
	  [ "$$(id -u)" = 0 ] || { echo "make test: the browser tests need Debian's chromium: run 'sudo apt-get install chromium' (or make test PYTEST_ARGS=\"-m 'not browser'\" to leave them out)" >&2; exit 1; }; \
	  echo "== installing Debian's chromium for the browser tests =="; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; } \
	    || { echo "make test: apt-get could not install chromium; install it by hand: apt-get install chromium" >&2; exit 1; }; \
	  test -x "$(CONTOURS_CHROMIUM)" || { echo "make test: chromium is installed but $(CONTOURS_CHROMIUM) is missing (set CONTOURS_CHROMIUM to its path)" >&2; exit 1; }; }

# Local development: debug on unless the environment says otherwise, SQLite unless DATABASE_URL.
# The task worker (background jobs: a large import) runs beside the dev server and stops with it.
run: export DJANGO_DEBUG ?= 1
run: install-runtime
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py create_demo_users --only-if-debug
	$(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

# `-m 'not browser'` in PYTEST_ARGS leaves the browser tests out, and with them Chromium.
test: install $(if $(findstring not browser,$(PYTEST_ARGS)),,chromium)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_SETTINGS_MODULE=portal.settings_test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=portal.settings_test $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

# PostgreSQL at BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/contours_bench,
# created if missing), Redis at BENCH_CACHE_URL (default redis://127.0.0.1:6379/5), wrk from
# Debian (installed if missing). Writes docs/benchmarks.md and exits non-zero when a target
# is missed. Options: BENCH_ARGS="--help"; e.g. BENCH_ARGS="--target list_vs_reference=1000".
# The bench extra of pyproject.toml adds nothing to the runtime, so the runtime install serves.
BENCH_ARGS ?=
bench: install-runtime
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

$(UV): | $(VENV)/.created
	$(PIP_INSTALL) --target $(VENV)/lock-tool/uv-$(UV_VERSION) uv==$(UV_VERSION)

# The one command that writes the lock files: pyproject.toml's dependencies (and its dev and
# bench extras) resolved for Python $(PYTHON_VERSION). uv keeps the versions already pinned
# unless pyproject.toml rules them out, so nothing moves that nobody asked to move.
lock: $(UV)
	$(LOCK) pyproject.toml -o requirements.txt
	$(LOCK) pyproject.toml --extra dev --extra bench -c requirements.txt -o requirements-dev.txt

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis
