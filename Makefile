# The README's commands. Each creates .venv when it is missing; nothing else needs installing first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two stamps: the package with its dependencies, all that `make demo` needs; then the test extra as well (pytest,
# the linters, the packaging and container tools), for test, lint, bench and dist.
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed
PIP_FLAGS := --quiet --disable-pip-version-check
# True when $(PYTHON)'s own pip can install into another environment (--python, pip >= 22.3).
OUTER_PIP := $(PYTHON) -c 'import sys, pip; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (22, 3))'
# Gives the venv a pip of its own, unless it has one.
VENV_PIP := $(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --upgrade >/dev/null

.PHONY: demo test bench mutation dist lint clean

# The venv is made without pip, since ensurepip alone takes seconds (a third of a fresh `make demo`): the runtime
# goes in with $(PYTHON)'s own pip when it can; otherwise, and for the test extra (the tests run `python -m pip`),
# the venv gets a pip of its own first.
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

$(RUNTIME): pyproject.toml | $(BIN)/python
	if $(OUTER_PIP) 2>/dev/null; then $(PYTHON) -m pip --python $(BIN)/python install $(PIP_FLAGS) -e .; \
	else { $(VENV_PIP); } && $(BIN)/python -m pip install $(PIP_FLAGS) -e .; fi
	@touch $(RUNTIME)

$(STAMP): pyproject.toml | $(BIN)/python
	@$(VENV_PIP)
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[test]'
	@touch $(RUNTIME) $(STAMP)

demo: $(RUNTIME)
	$(BIN)/python scripts/demo.py

test: lint
	$(BIN)/python -m pytest

# ruff (lint and import order) over everything; mypy, strict, over the package (pyproject.toml configures both),
# once as on Linux and once as on Windows; the supply chain's pins (scripts/check_pins.py: base image by digest,
# hashed locks, actions by commit).
lint: $(STAMP)
	$(BIN)/ruff check gate tests scripts entrypoint.py any-runner
	$(BIN)/ruff check --select C901 gate
	$(BIN)/mypy
	$(BIN)/mypy --platform win32  # POSIX-only calls (fcntl, os.tcgetpgrp...) must sit behind a platform check
	$(BIN)/python scripts/check_pins.py

bench: $(STAMP)
	$(BIN)/python scripts/bench.py

# Mutation testing of the decision modules with the unit tests (scripts/mutation.py, pyproject's [tool.mutmut]); not
# part of `make test`: CPU-heavy. MUTATION_JOBS mutants at once; MUTANTS='gate.verdict.*' runs only those.
MUTATION_JOBS ?= 2
MUTANTS ?=
mutation: $(STAMP)
	$(BIN)/python scripts/mutation.py --jobs $(MUTATION_JOBS) $(MUTANTS)

# The sdist and wheel as the release workflow builds them (PyPI gets these), checked as PyPI will.
# Leftovers go first: a stale *.egg-info/SOURCES.txt would put files in the sdist that the config no longer names.
dist: $(STAMP)
	rm -rf dist build *.egg-info
	$(BIN)/python -m build
	$(BIN)/python -m twine check --strict dist/*

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache mutants
