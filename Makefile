# Landpark — the two commands a new user runs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
DEMO   ?= demo

.PHONY: run test bench demo clean

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

# Leaflet.draw for the siting page's search-area tool: fetched once from the npm registry, sha512 pinned
# in ui/assets.py; without it the app still works (upload a search area instead of drawing one).
DRAW_JS := static/vendor/leaflet-draw/leaflet.draw.js
$(DRAW_JS): ui/assets.py | $(VENV)/.installed
	-$(BIN)/python -m maps.assets

run: $(VENV)/.installed $(DEMO)/project.gpkg $(DRAW_JS)
	$(BIN)/landpark app $(DEMO) --port $(PORT)

test: $(VENV)/.installed $(DRAW_JS)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/landpark bench --json
	$(BIN)/python -m benchmarks.app_bench

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
