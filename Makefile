# Landpark — the two commands a new user runs: `make run` and `make test`.
# Nothing but Python 3.11, make and the package registries is needed: the CJK font (noto-cjk-sans-otc)
# and Leaflet (maps/vendor) arrive with the package.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
DEMO   ?= demo

.PHONY: run test lint bench demo wheel-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the package definition changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(DEMO)/project.gpkg: | $(VENV)/.installed
	$(BIN)/landpark demo $(DEMO)

demo: $(DEMO)/project.gpkg

run: $(VENV)/.installed $(DEMO)/project.gpkg
	$(BIN)/landpark app $(DEMO) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

# Build the wheel, install it into a fresh virtualenv and use it from an empty folder (see .ci/wheel_check).
wheel-check: $(VENV)/.installed
	bash .ci/wheel_check

bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/landpark bench --json
	$(BIN)/python -m benchmarks.app_bench
	$(BIN)/python -m benchmarks.browser_bench

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache build dist
