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

# Two workers (this project's reference machine has 2 cores), then the `solo` tests alone: the load test measures
# a server under its own load only. Exit code 5 (nothing selected, e.g. PYTEST_ARGS names one file) is no failure.
TEST_WORKERS ?= 2
test: $(VENV)/.installed
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m "not solo" $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]
	$(BIN)/python -m pytest -q -m solo $(PYTEST_ARGS); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

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
