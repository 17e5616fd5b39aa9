"""The package's shape, checked by a machine: calls only go down (no import cycle, nothing imports the
composition root, no package imports one at its own rank or above), and no function or module grows past what a
reader takes in at once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "gate"
MAX_FUNCTION_LINES = 60
# STYLE.md's "modules of 30-300 lines", as written: the largest module outside the emulator is 295 lines
# (api/transport.py) once gate.config.runchoice took the run choice out of the 342-line inputs.py. A module that
# outgrows it is split by what its parts are, not the bound raised. The emulator (a test double shipped for
# users' own tests, one scenario language in one file) is not held to it.
MAX_MODULE_LINES = 300
COMPOSITION_ROOT = "gate.app"
ENTRY_POINTS = {"gate.doors.cli", "gate.doors.action", "gate.__main__"}  # the parsers that call the composition root


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(tree: ast.AST, here: str, modules: set[str]) -> set[str]:
    """Every gate module this one imports when it runs, at its top or inside a function (not for type checks).
    `from package import submodule` is an edge to the submodule alone: a package's parents load first anyway."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here.rsplit(".", node.level)[0] if here.count(".") >= node.level else here
                base = f"{package}.{base}" if base else package
            submodules = {f"{base}.{alias.name}" for alias in node.names} & modules
            found.update(submodules if len(submodules) == len(node.names) else {base, *submodules})
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    trees = {module_name(path): ast.parse(path.read_text(encoding="utf-8")) for path in PACKAGE.rglob("*.py")}
    return {name: {m for m in runtime_imports(tree, name, set(trees)) if m in trees and m != name}
            for name, tree in trees.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of two or more modules (Tarjan), as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def test_no_import_cycles_in_the_package() -> None:
    graph = import_graph()
    assert "gate.wait.watch" in graph and "gate.wait.loop" in graph["gate.wait.watch"]  # the walk sees lazy imports too
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_nothing_below_the_entry_points_imports_the_composition_root() -> None:
    importers = sorted(name for name, targets in import_graph().items() if COMPOSITION_ROOT in targets)
    assert set(importers) <= ENTRY_POINTS, importers


def functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_function_is_over_60_lines(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [(f.name, f.lineno, (f.end_lineno or f.lineno) - f.lineno + 1) for f in functions(tree)
            if (f.end_lineno or f.lineno) - f.lineno + 1 > MAX_FUNCTION_LINES]
    assert long == []


@pytest.mark.parametrize("path", sorted(p for p in PACKAGE.rglob("*.py") if "emulator" not in p.relative_to(PACKAGE).parts),
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_300_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(PACKAGE)}: {lines} lines"


def test_the_module_size_check_sees_every_room() -> None:
    checked = {p.relative_to(PACKAGE).parts[0] for p in PACKAGE.rglob("*.py") if "emulator" not in p.parts}
    assert {"config", "api", "report", "pace", "pick", "wait", "doors", "app.py"} <= checked
