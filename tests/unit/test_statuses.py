"""gate.statuses: which statuses end a run, and --success-status read from lists."""

from __future__ import annotations

import pytest

from gate.defaults import DEFAULT_SUCCESS_STATUSES
from gate.errors import ExitCode, InputError
from gate.statuses import ACTIVE_STATUSES, ALL_STATUSES, TERMINAL_STATUSES, parse_success_statuses

RULE = "must be a terminal status: ABANDONED, CANCELLED, FAILED, NOT_RUN, STOPPED, SUCCEEDED, SUPERSEDED"


def test_the_statuses_split_into_terminal_and_active() -> None:
    assert set(ALL_STATUSES) == TERMINAL_STATUSES | ACTIVE_STATUSES and not TERMINAL_STATUSES & ACTIVE_STATUSES
    assert len(ALL_STATUSES) == 11 and "IN_PROGRESS" in ACTIVE_STATUSES and "SUPERSEDED" in TERMINAL_STATUSES


@pytest.mark.parametrize(("values", "statuses"), [
    (["SUCCEEDED"], {"SUCCEEDED"}),
    (["succeeded, Failed\nstopped"], {"SUCCEEDED", "FAILED", "STOPPED"}),  # commas, newlines, any case, blanks
    (["", " , ,SUCCEEDED,,FAILED", "\n\nNOT_RUN\n"], {"SUCCEEDED", "FAILED", "NOT_RUN"}),  # empty items are skipped
    (["SUCCEEDED", "FAILED,SUCCEEDED"], {"SUCCEEDED", "FAILED"}),
])
def test_lists_of_statuses(values: list[str], statuses: set[str]) -> None:
    assert parse_success_statuses(values) == statuses


@pytest.mark.parametrize("values", [[], [""], [" , \n"]])
def test_nothing_given_is_the_default(values: list[str]) -> None:
    assert parse_success_statuses(values) == DEFAULT_SUCCESS_STATUSES == {"SUCCEEDED"}


@pytest.mark.parametrize("bad", ["bogus", "In_Progress", "SUCCEEDED!"])
def test_a_status_that_does_not_end_a_run_is_refused_by_name(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_success_statuses([f"SUCCEEDED, {bad} ,FAILED"])
    assert (caught.value.field, caught.value.value, caught.value.exit_code) == ("--success-status", bad, ExitCode.USAGE)
    assert str(caught.value) == f"--success-status: {bad!r} is invalid: {RULE}"


def test_the_field_is_named_as_the_door_calls_it() -> None:
    with pytest.raises(InputError, match="^input 'success-statuses': 'RUNNING' is invalid: must be a terminal"):
        parse_success_statuses(["RUNNING"], field="input 'success-statuses'")
