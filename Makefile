# Two commands set everything up: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP_INSTALL := $(BIN)/pip install --quiet --constraint constraints.txt

.PHONY: demo test test-slow test-all lint format bench clean browser

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) torch==2.13.0
	$(PIP_INSTALL) -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kinemyo demo

# report.html's browser test needs Chromium: Debian's package, installed when root and apt exist;
# without it that test is skipped with a reason (never a failed build).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; } \
	  || echo "chromium not installed: the browser test of report.html will be skipped"

# The default suite (under 5 minutes on 2 cores); CI also runs the slow end-to-end tests.
test: $(STAMP) browser
	$(BIN)/python -m pytest -n 2 -m "not slow"

test-slow: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m slow

test-all: $(STAMP) browser
	$(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_io.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache src/*.egg-info
