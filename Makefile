# borderflow: the two commands of the README, plus bench and housekeeping.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint typecheck browser bench docs golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(STAMP_TEST): $(STAMP) pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

run: $(STAMP)
	$(BIN)/borderflow run

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

# The report's browser tests (tests/test_report_browser.py) drive the distribution's Chromium
# with Playwright; in CI (CI=true) `make test` installs Chromium with apt-get when it is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@if [ "$$CI" = "true" ] && ! command -v chromium >/dev/null 2>&1; then \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q --no-install-recommends chromium; fi

test: lint typecheck browser
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/borderflow compile-kernel
	$(BIN)/python bench/kernel.py
	$(BIN)/python bench/compare_flee.py --jobs 2
	$(BIN)/python bench/ensemble.py --members 1000 --compare 200 --workers 2 --kernels numpy,compiled
	$(BIN)/python bench/versions.py --members 200 --repeats 7 --ensembles 3
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/calibrate.py --workers 2 --flee-runs 3
	$(BIN)/python bench/sbc.py --truths 40 --budget 48 --workers 2
	$(BIN)/python bench/corpus.py --jobs 2

docs: $(STAMP)
	$(BIN)/python scripts/generate_docs.py

golden: $(STAMP)
	$(BIN)/python scripts/regenerate_golden.py

clean:
	rm -rf $(VENV) .venv-flee .mypy_cache .ruff_cache .pytest_cache .hypothesis results test-artifacts
