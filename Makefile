# Two commands do the whole set-up on a fresh Debian machine: `make run` and `make test`.
# Every step is idempotent; a second run only checks.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Debian packages: PostgreSQL (unless DATABASE_URL points elsewhere), the Japanese fonts the
# PDFs embed (IPAmj Mincho for rare kanji in names), HarfBuzz's subsetter (fonts subset 4-40x
# slower without it), Pango, Chromium for the browser tests (tests/browser: Playwright drives
# /usr/bin/chromium and never downloads a browser), and PgBouncer, which tests/test_pgbouncer.py
# starts on a port of its own (the package's own service is never used), and nginx, which
# tests/test_deploy.py checks deploy/nginx/ with and runs on ports of its own (likewise), and
# gettext, whose msgfmt compiles the message catalogs (locale/, portal.dev.catalogs), and
# DejaVu Sans for the notice's explanation in Vietnamese and Portuguese (notices.explanation).
SYSTEM_PACKAGES := fonts-ipaexfont-gothic fonts-ipaexfont-mincho fonts-ipamj-mincho libharfbuzz-subset0 \
	libpango-1.0-0 libpangoft2-1.0-0 fontconfig chromium pgbouncer nginx gettext fonts-dejavu-core
ifndef DATABASE_URL
SYSTEM_PACKAGES += postgresql
endif

.PHONY: help run test bench setup prepare system bench-system lint format messages

help:
	@echo "make run   - set up everything, load demo data, serve on http://127.0.0.1:8000"
	@echo "make test  - set up everything, run the whole test suite"
	@echo "make bench - set up everything, run every benchmark, rewrite docs/PERFORMANCE.md (~17 min)"
	@echo "make lint  - ruff"
	@echo "make messages - refresh locale/*.po from the code and rewrite locale/STRINGS.md"

run: setup
	@$(PY) manage.py seed_demo
	@$(PY) manage.py resume_notice_batches
	@echo "Serving on http://127.0.0.1:8000 with a task worker; Ctrl-C stops both."
	@trap 'kill 0' EXIT; \
	$(PY) manage.py db_worker --queue-name '*' & \
	$(PY) manage.py runserver 127.0.0.1:8000 --skip-checks

# The tests make their own database (test_<name>), so they need the roles but not the
# development database: a checkout's fresh .env beside another checkout's data (whose keys it
# does not hold, and rightly may not use) does not stop the suite.
test: prepare
	$(PY) -m pytest

# Packages, the venv, .env, PostgreSQL answering with both roles.
prepare: system $(STAMP)
	@$(PY) -m portal.dev.catalogs compile
	@$(PY) -m portal.dev.setup dotenv
	@$(PY) -m portal.dev.setup database

# Schema work runs as the owner role (DATABASE_AS_OWNER=1: DATABASE_OWNER_URL); each migrate ends
# with the owner granting the portal's own role (DATABASE_URL), which owns nothing, its privileges.
setup: prepare
	@DATABASE_AS_OWNER=1 $(PY) manage.py migrate --no-input -v 0
	@DATABASE_AS_OWNER=1 $(PY) manage.py createcachetable -v 0

# $(call install,PACKAGES,what they are for): installs the missing ones as root, else names
# them and stops. Services a package starts (pgbouncer, nginx) are disabled: tests run their own.
define install
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
			echo "Missing $(2). Install them (Debian names) and run make again:"; \
			echo "  apt-get install" $$missing; \
			exit 1; \
		fi; \
		echo "Installing $(2):" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		for service in pgbouncer nginx; do case " $$missing " in *" $$service "*) \
			systemctl disable --now $$service >/dev/null 2>&1 || true;; esac; done; \
	fi
endef

system:
	$(call install,$(SYSTEM_PACKAGES),system packages)

# The first python3.13, else 3.12, that actually runs (pyenv shims that are not active fail).
$(VENV)/pyvenv.cfg:
	@py=""; for c in $${PYTHON:-} python3.13 python3.12 \
		$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 2>/dev/null) \
		$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12 2>/dev/null); do \
		if "$$c" -c 'import sys; assert sys.version_info >= (3, 12)' >/dev/null 2>&1; then py=$$c; break; fi; \
	done; \
	if [ -z "$$py" ]; then \
		echo "Python 3.13 or 3.12 is needed (Django 6 requires 3.12+). Install python3.13, or set PYTHON=/path/to/python3.12."; \
		exit 1; \
	fi; \
	echo "Creating $(VENV) with $$py"; "$$py" -m venv $(VENV)

$(STAMP): $(VENV)/pyvenv.cfg pyproject.toml
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

# Every benchmark in bench/ that writes docs/PERFORMANCE.md, each in a throwaway database of its
# own (the postgres superuser creates and drops it), each rewriting only its own section. Sizes
# are chosen so the whole run takes about 17 minutes on two cores; each script's --help shows
# how to measure more.
bench: prepare bench-system
	$(PY) bench/notices.py
	$(PY) bench/import_roster.py --rows $(BENCH_IMPORT_ROWS) --rows-also 20000
	$(PY) bench/search_members.py --rows $(BENCH_SEARCH_ROWS)
	$(PY) bench/http_pages.py
	$(PY) bench/page_instructions.py

BENCH_IMPORT_ROWS ?= 100000
BENCH_SEARCH_ROWS ?= 1000000
# Debian packages only the benchmarks need (not make test): wrk, the HTTP load generator, and
# valgrind, whose callgrind counts the pages' instructions.
BENCH_PACKAGES := wrk valgrind

bench-system:
	$(call install,$(BENCH_PACKAGES),packages for the benchmarks)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The message catalogs (locale/<ll>/LC_MESSAGES/django.po, the member pages in en, pt-BR, vi):
# new strings come in empty, to be translated in the .po; locale/STRINGS.md is rewritten.
messages: $(STAMP)
	$(PY) -m portal.dev.catalogs extract
