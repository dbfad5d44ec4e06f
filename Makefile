# Rectification Ledger — the two commands of the README, and a few more.
# Only python3, git and make are needed: the first target makes its own virtual environment.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXAMPLE_REPO = build/example-repo

.PHONY: site test bench bench-city schemas screenshots clean

$(BIN)/rectify: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Build the example site into site/ (replays the example ledger into a dated throwaway repository first).
site: $(BIN)/rectify
	$(BIN)/rectify validate ledger
	rm -rf $(EXAMPLE_REPO)
	$(BIN)/python -m site_builder.replay ledger $(EXAMPLE_REPO)
	$(BIN)/rectify build $(EXAMPLE_REPO)/ledger --repo $(EXAMPLE_REPO) --out site

## Run the whole test suite.
test: $(BIN)/rectify
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
