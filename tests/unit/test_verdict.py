"""gate.verdict's ranking on its own (test_group.py has the verdict over several runs)."""

from __future__ import annotations

from gate.errors import ExitCode
from gate.result import Result
from gate.verdict import PRECEDENCE, outcome_for_status, seriousness
from tests.conftest import PROJECT, RUN_ID, SPACE


def ended(code: ExitCode) -> Result:
    return Result(kind="error", exit_code=code, space=SPACE, project=PROJECT, run_id=RUN_ID)


def test_seriousness_is_the_place_in_the_precedence() -> None:
    assert [seriousness(ended(code)) for code in PRECEDENCE] == list(range(len(PRECEDENCE)))
    assert seriousness(ended(ExitCode.SIGINT)) == 0 and seriousness(ended(ExitCode.SUCCESS)) == 9


def test_a_code_outside_the_precedence_ranks_first_rather_than_hidden() -> None:
    # 7 is applied after the verdict (verdict.exit_code), so no result carries it; one that did would not be hidden
    assert ExitCode.NOT_WRITTEN not in PRECEDENCE
    assert seriousness(ended(ExitCode.NOT_WRITTEN)) == 0


def test_a_terminal_status_means_success_only_in_the_success_set() -> None:
    assert outcome_for_status("SUCCEEDED", frozenset({"SUCCEEDED"})) == ("success", ExitCode.SUCCESS)
    assert outcome_for_status("STOPPED", frozenset({"SUCCEEDED", "STOPPED"})) == ("success", ExitCode.SUCCESS)
    assert outcome_for_status("FAILED", frozenset({"SUCCEEDED"})) == ("failure", ExitCode.RUN_FAILED)
