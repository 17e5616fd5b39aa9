"""The dotenv file's fit to GitLab's limits, step by step: each step is taken only while the text is still over
max_bytes (a text of exactly max_bytes stays as it is), in the documented order, under the output prefix."""

from __future__ import annotations

import dataclasses
import json

from gate.report.formats.dotenv import LEFT_OUT, MAX_VARIABLES, dotenv_lines, dotenv_text
from gate.result import RESULT_KEYS, Result
from tests.unit.test_dotenv import gitlab_parse, make_result

RUNS = tuple(make_result(run_id=f"a1b2c3d4-5678-90ab-cdef-00000000000{n}") for n in range(6))
GROUP = dataclasses.replace(RUNS[0], runs=RUNS)
STEPS = ["the response of each run in STAGING_RUNS", "all but the verdict keys of each run in STAGING_RUNS",
         "STAGING_RUNS", "STAGING_STATUS_REASONS"]


def steps(result: Result) -> list[tuple[str, list[str]]]:
    """Every distinct outcome, from nothing shed to all: each asked for one byte less than the one before."""
    found = [dotenv_text(result, prefix="STAGING_", max_bytes=10 ** 6)]
    for _ in range(len(STEPS) + 1):
        text, emptied = dotenv_text(result, prefix="STAGING_", max_bytes=len(found[-1][0]) - 1)
        if emptied == found[-1][1]:
            return found
        found.append((text, emptied))
    raise AssertionError(f"more steps than {STEPS}: {[emptied for _, emptied in found]}")


def test_the_steps_in_order_under_the_prefix() -> None:
    outcomes = steps(GROUP)
    assert [emptied for _, emptied in outcomes] == [STEPS[:n] for n in range(5)]
    for text, _ in outcomes:
        assert all(key.startswith("STAGING_") for key, _ in gitlab_parse(text))


def test_a_text_of_exactly_max_bytes_is_kept_as_it_is() -> None:
    for text, emptied in steps(GROUP):
        assert dotenv_text(GROUP, prefix="STAGING_", max_bytes=len(text)) == (text, emptied)


def test_each_step_keeps_what_it_says() -> None:
    outcomes = dict((len(emptied), dict(gitlab_parse(text))) for text, emptied in steps(GROUP))
    slim = json.loads(outcomes[1]["STAGING_RUNS"])
    assert all("response" not in run and run["status-reasons"] for run in slim)
    assert [sorted(run) for run in json.loads(outcomes[2]["STAGING_RUNS"])] == [sorted(
        ["result", "status", "run-id", "workflow-id", "workflow-name", "duration-seconds", "usual-duration-seconds",
         "run-url", "stale", "exit-code"])] * len(RUNS)
    assert outcomes[3]["STAGING_RUNS"] == "" and outcomes[3]["STAGING_STATUS_REASONS"] != ""
    assert outcomes[4]["STAGING_STATUS_REASONS"] == "" and outcomes[4]["STAGING_RESULT"] == "failure"


def test_variables_are_left_out_only_past_max_variables() -> None:
    others = [key for key in RESULT_KEYS if key not in LEFT_OUT]
    twenty = (*others[:MAX_VARIABLES - 2], "response")  # and `runs`: exactly MAX_VARIABLES
    kept = dotenv_lines(dataclasses.replace(GROUP, keys=twenty))
    assert len(kept) == MAX_VARIABLES and "CODECATALYST_GATE_RESPONSE" in kept
    without_response = tuple(key for key in RESULT_KEYS if key != "response")  # 22 keys and `runs`: 23
    lines = dotenv_lines(dataclasses.replace(GROUP, keys=without_response))
    assert len(lines) == MAX_VARIABLES and "CODECATALYST_GATE_API_CALLS" not in lines
    assert "CODECATALYST_GATE_THROTTLED" not in lines  # api-calls, then throttled, then attempts
    assert "CODECATALYST_GATE_ATTEMPTS" not in lines and "CODECATALYST_GATE_POLLS" in lines
