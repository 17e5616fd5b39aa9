# The README's commands. Each creates .venv when it is missing; nothing else needs installing first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench dist lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python scripts/demo.py

test: lint
	$(BIN)/python -m pytest

# ruff (lint and import order) over everything; mypy, strict, over the package (pyproject.toml configures both).
lint: $(STAMP)
	$(BIN)/ruff check gate tests scripts entrypoint.py
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

# The sdist and wheel as the release workflow builds them (PyPI gets these), checked as PyPI will.
# Leftovers go first: a stale *.egg-info/SOURCES.txt would put files in the sdist that the config no longer names.
dist: $(STAMP)
	rm -rf dist build *.egg-info
	$(BIN)/python -m build
	$(BIN)/python -m twine check --strict dist/*

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache
