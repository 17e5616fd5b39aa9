# The README's commands. Each creates .venv when it is missing; nothing else needs installing first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean

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

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
