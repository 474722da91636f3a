# KIM-Lotse: `make run` serves the app, `make test` runs every check. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HTMX_VERSION := 2.0.11
HTMX_SHA256 := d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717
HTMX := app/static/vendor/htmx.min.js
STAMP := $(VENV)/.installed

.PHONY: install run test lint catalogs extract model clean

install: $(STAMP) $(HTMX) model catalogs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the CPU build of torch first, so nothing pulls the CUDA one
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

# htmx from the npm registry at a pinned version, checked against its hash
$(HTMX):
	mkdir -p $(dir $@) build/htmx
	cd build/htmx && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null && \
		tar xzf htmx.org-$(HTMX_VERSION).tgz package/dist/htmx.min.js
	echo "$(HTMX_SHA256)  build/htmx/package/dist/htmx.min.js" | sha256sum -c --quiet
	cp build/htmx/package/dist/htmx.min.js $@
	rm -rf build/htmx

model: $(STAMP)
	$(BIN)/lotse model install

catalogs: $(STAMP)
	$(BIN)/pybabel compile -d locales -D messages >/dev/null

# after changing user-visible strings: extract and merge into every catalog
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

run: install
	$(BIN)/lotse serve

lint: $(STAMP)
	$(BIN)/ruff check app directory index tests

test: install lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) var build $(HTMX)
