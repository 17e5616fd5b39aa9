"""Exit codes are a public contract: gate/errors.py, the CLI's help, the README and action.yml say the same."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from gate.doors.cli import main
from gate.errors import EXIT_CODE_MEANINGS, ExitCode

REPO = Path(__file__).resolve().parents[2]


def test_every_exit_code_has_one_meaning() -> None:
    assert set(EXIT_CODE_MEANINGS) == set(ExitCode)


def test_the_readme_table_lists_exactly_the_codes() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("### Exit codes"):]
    table = table[:table.index("\n\n", table.index("|---|"))]
    assert [int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)] == [int(c) for c in ExitCode]


def test_action_yml_names_every_code() -> None:
    text = (REPO / "action.yml").read_text(encoding="utf-8")
    described = text[text.index("  exit-code:"):text.index("\nruns:")]
    assert [int(c) for c in re.findall(r"(?<![\d.])(\d+) ", described)] == [int(c) for c in ExitCode]


def test_wait_help_lists_every_code_with_its_meaning() -> None:
    shown = CliRunner().invoke(main, ["wait", "--help"]).output
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert re.search(rf"^\s+{int(code)}\s+{re.escape(meaning[:40])}", shown, re.M), (code, shown)
