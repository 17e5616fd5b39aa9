"""The unit tests stand alone: they import the gate, each other and the shared kits at the top of tests/, never
a helper of the slower suites (acceptance, container, emulator, GitLab, JUnit, render), so `pytest tests/unit` needs
nothing those suites bring and a change to one of them cannot break a unit test."""

from __future__ import annotations

import ast
from pathlib import Path

UNIT = Path(__file__).resolve().parent
# What tests/unit may import from tests/: its own modules and the kits shared by every suite.
SHARED = {"tests", "tests.conftest", "tests.loopkit", "tests.netutil", "tests.silent_resolver"}


def imported_tests(tree: ast.AST) -> set[str]:
    """Every `tests...` module one test file imports, at its top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "tests")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests":
            found.add(str(node.module))
    return found


def foreign(module: str) -> bool:
    return module not in SHARED and not module.startswith("tests.unit.")


def test_no_unit_test_imports_a_helper_of_another_suite() -> None:
    found = {path.name: sorted(filter(foreign, imported_tests(ast.parse(path.read_text(encoding="utf-8")))))
             for path in sorted(UNIT.glob("*.py"))}
    assert {name: modules for name, modules in found.items() if modules} == {}


def test_the_check_sees_a_foreign_import() -> None:
    tree = ast.parse("from tests.acceptance.test_action_e2e import parse_output_file\n"
                     "def f():\n    import tests.container.test_image\n"
                     "from tests.unit.test_github import parse_output_file\nfrom tests.conftest import TOKEN\n")
    assert sorted(filter(foreign, imported_tests(tree))) == ["tests.acceptance.test_action_e2e",
                                                             "tests.container.test_image"]
