# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test test-unit install install-dev lint screenshots bench clean topology-up topology-down fault

# uv installs the pinned requirements in seconds where pip takes minutes (CI builds a fresh venv).
UV_VERSION := 0.13.8
UV := $(VENV)/bin/uv

$(UV):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.runtime: requirements.txt | $(UV)
	$(UV) pip install -q --python $(PY) -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(UV) pip install -q --python $(PY) -r requirements-dev.txt
	touch $@

# ESLint for assets/ (package.json pins it; package-lock.json pins everything it pulls in).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

run: install
	$(PY) -m dashboard run

test: install-dev
	$(PY) -m pytest $(PYTEST_ARGS)

# The unit layer alone: no Redis, no database, no browser (about half a minute).
test-unit: install-dev
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

lint: install-dev node_modules/.installed
	$(VENV)/bin/ruff check .
	npx eslint assets eslint.config.js

screenshots: install-dev
	$(PY) -m tests.e2e.screenshots

# The scale-out topology (docs/deploy.md): nginx, two web, two ingest, supervise, fanout, own Redis.
TOPOLOGY_ARGS ?=
topology-up: install
	$(PY) -m bench.topology up $(TOPOLOGY_ARGS)

topology-down: install
	$(PY) -m bench.topology down $(TOPOLOGY_ARGS)

# Fault injection (kills, restarts, cut connections); the output is kept in docs/fault-run.txt.
fault: install-dev
	$(PY) -m pytest -m fault -s --durations=15 tests/fault tests/integration/test_ingest.py \
		$(PYTEST_ARGS) > docs/fault-run.txt 2>&1; status=$$?; cat docs/fault-run.txt; exit $$status

clean:
	rm -rf $(VENV) var .pytest_cache node_modules
