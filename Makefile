# KIM-Lotse: `make run` serves the app, `make test` runs every check, `make test-fast` the
# quick lane. All install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HTMX_VERSION := 2.0.11
HTMX_SHA256 := d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
HTMX := app/static/vendor/htmx.min.js
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast test-postgres test-postgres-suite lint lock catalogs extract model clean

install: $(STAMP) $(HTMX) model catalogs

# Exactly the locked, hashed files (SEC-21; torch is the local CPU build), then the project
# itself without dependencies, then pip's consistency check.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e ".[test]"
	$(BIN)/pip check
	touch $@

# after changing a pin in pyproject.toml: install it into .venv, then write the lock anew
lock: | $(STAMP)
	mkdir -p build
	$(BIN)/pip freeze --all --exclude-editable | grep -v '^pip==' > build/freeze.txt
	$(BIN)/pip install --quiet --dry-run --ignore-installed --no-deps --report build/report.json -r build/freeze.txt
	$(BIN)/python .ci/lock.py build/report.json > requirements.lock

# htmx from the npm registry at a pinned version, checked against its hash
$(HTMX):
	mkdir -p $(dir $@) build/htmx
	cd build/htmx && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null && \
		tar xzf htmx.org-$(HTMX_VERSION).tgz package/dist/htmx.min.js
	echo "$(HTMX_SHA256)  build/htmx/package/dist/htmx.min.js" | sha256sum -c --quiet
	cp build/htmx/package/dist/htmx.min.js $@
	rm -rf build/htmx

model: | $(STAMP)
	$(BIN)/lotse model install

catalogs: | $(STAMP)
	$(BIN)/pybabel compile -d locales -D messages >/dev/null
	$(BIN)/pybabel compile -d locales -D staff >/dev/null

# after changing user-visible strings: extract and merge into every catalog.
# Domain `messages` (public pages, every UI language): _() / gettext().
# Domain `staff` (staff area, de and en): _s() / staff_gettext().
extract: | $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --no-wrap --sort-output --project KIM-Lotse --version 0.1 -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap
	$(BIN)/pybabel extract -F babel.cfg --no-location --no-wrap --sort-output --project KIM-Lotse --version 0.1 --no-default-keywords \
		-k _s -k staff_gettext -k ngettext_s:1,2 -k staff_ngettext:1,2 -o locales/staff.pot .
	$(BIN)/pybabel update -i locales/staff.pot -d locales -D staff --no-fuzzy-matching --ignore-obsolete --no-wrap
	# no timestamps in catalogs: they would make every extract a merge conflict
	sed -i '/^"POT-Creation-Date:/d' locales/*.pot locales/*/LC_MESSAGES/*.po

run: install
	$(BIN)/lotse serve

# ruff (with the import direction: banned-api per package), bandit, mypy (pyproject's baseline).
# ruff and mypy keep caches of their own (.ruff_cache, .mypy_cache: only changed modules are
# checked again); bandit has none, so it runs again only when a source file, its
# configuration (pyproject.toml) or the installed tools changed (its stamp in build/).
LINTED := app directory index ops migrations
lint: | $(STAMP)
	$(BIN)/ruff check $(LINTED) tests
	@$(MAKE) --no-print-directory build/bandit.ok
	$(BIN)/mypy

build/bandit.ok: $(shell find $(LINTED) -name '*.py') pyproject.toml $(STAMP)
	$(BIN)/bandit -q -c pyproject.toml -r $(LINTED)
	@mkdir -p build && touch $@

# Two test workers (pytest-xdist), one per core: `make test WORKERS=4` on a bigger machine,
# WORKERS=0 runs in this process. Tests go to the workers file by file (`loadfile`), so a
# module's fixtures (a browser, a store, an app) are made once. Every worker has its own
# temp dirs, ports, template store and PostgreSQL server. The heap test (test_memory.py)
# measures its own process's heap, so it runs in a small process of its own.
WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(WORKERS) --dist loadfile

# every check: lint, then the whole suite
test: install lint
	$(PYTEST) --ignore=tests/test_memory.py
	$(BIN)/pytest tests/test_memory.py

# the fast lane: no browser, no embedding model, no drills (tests/conftest.py marks them
# `slow`). `make test` still runs everything.
test-fast: install lint
	$(PYTEST) -m "not slow" --ignore=tests/test_memory.py
	$(BIN)/pytest tests/test_memory.py

# the whole suite again with every store of the shared fixtures (settings, make_client,
# make_light_client) on a throw-away PostgreSQL server (tests/pgserver.py; Debian's
# initdb/pg_ctl required, not skipped). Measured: see README, "PostgreSQL".
test-postgres: install lint test-postgres-suite

# (the heap test opens no store: it runs in the SQLite lane only)
test-postgres-suite: | $(STAMP)
	LOTSE_TEST_POSTGRES=1 LOTSE_REQUIRE_POSTGRES=1 $(PYTEST) --ignore=tests/test_memory.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var build $(HTMX)
