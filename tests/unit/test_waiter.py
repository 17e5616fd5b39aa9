"""The wait loop with one run (gate.wait.loop, N = 1), driven by a fake clock: exact sleeps, outcomes and exit codes,
no real waiting."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from gate.config.settings import RetrySettings
from gate.defaults import FIRST_CONTACT_RETRIES
from gate.errors import ApiRefused, Cancelled, ExitCode, InvalidResponse, TransientError
from gate.pace.policy import FixedInterval, PollContext
from gate.pace.retry import RetryPolicy
from gate.statuses import TERMINAL_STATUSES
from gate.verdict import outcome_for_status
from tests.conftest import RUN_ID, FakeClock, RecordingProgress, run_document
from tests.loopkit import Reader, drive


class Script:
    """Answers (documents or exceptions) in order; records the deadline budget each call was given."""

    def __init__(self, answers: Iterable[Any]) -> None:
        self.answers = list(answers)
        self.remaining: list[float | None] = []

    def __call__(self, remaining: float | None) -> dict[str, Any]:
        self.remaining.append(remaining)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def run(script: Script, clock: FakeClock, progress: RecordingProgress, *, retry_floor: float = 10.0,
        max_retries: int = 3, uniform: Any = lambda low, high: high, **kwargs: Any):
    """The loop with a retry policy whose jitter is injected (at its top unless a test says otherwise)."""
    options: dict[str, Any] = dict(policy=FixedInterval(10), success_statuses=frozenset({"SUCCEEDED"}),
                                   timeout=3600.0)
    options.update(kwargs)
    retry = RetryPolicy(settings=RetrySettings(max_retries=max_retries, uniform=uniform), floor=retry_floor)
    [result] = drive([RUN_ID], Reader(lambda _run_id, remaining: script(remaining)), clock=clock, progress=progress,
                     retry=retry, **options)
    return result


def statuses(*names: str) -> list[dict[str, Any]]:
    return [run_document(name) for name in names]


def test_polls_until_terminal_success(clock: FakeClock, progress: RecordingProgress) -> None:
    script = Script(statuses("VALIDATING", "PROVISIONING", "IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"))
    result = run(script, clock, progress)
    assert (result.kind, result.exit_code, result.polls) == ("success", ExitCode.SUCCESS, 5)
    assert clock.sleeps == [10, 10, 10, 10]
    assert [e for e in progress.events if e[0] == "status"] == [
        ("status", "VALIDATING"), ("status", "PROVISIONING"), ("status", "IN_PROGRESS"), ("status", "SUCCEEDED")]
    assert result.response["status"] == "SUCCEEDED"


@pytest.mark.parametrize("status", sorted(TERMINAL_STATUSES - {"SUCCEEDED"}))
def test_every_other_terminal_status_fails_the_gate(status: str, clock: FakeClock,
                                                    progress: RecordingProgress) -> None:
    result = run(Script(statuses("IN_PROGRESS", status)), clock, progress)
    assert (result.kind, result.exit_code) == ("failure", ExitCode.RUN_FAILED)
    assert result.message == f"the run ended {status}"


def test_success_set_is_configurable() -> None:
    assert outcome_for_status("SUPERSEDED", frozenset({"SUCCEEDED", "SUPERSEDED"})) == ("success", ExitCode.SUCCESS)
    assert outcome_for_status("SUCCEEDED", frozenset({"SUPERSEDED"})) == ("failure", ExitCode.RUN_FAILED)


def test_timeout_never_sleeps_past_the_deadline(clock: FakeClock, progress: RecordingProgress) -> None:
    script = Script(statuses(*["IN_PROGRESS"] * 10))
    result = run(script, clock, progress, timeout=25.0)
    assert (result.kind, result.exit_code) == ("timeout", ExitCode.TIMEOUT)
    # 10 + 10 + 5: the last sleep is cut to the deadline, then one last look at the run.
    assert clock.sleeps == [10, 10, 5]
    assert result.polls == 4
    assert script.remaining == [25, 15, 5, 0]
    assert "timed out after 25s; the run is still IN_PROGRESS" in result.message


def test_run_ending_on_the_last_look_wins_over_the_deadline(clock: FakeClock, progress: RecordingProgress) -> None:
    result = run(Script(statuses("IN_PROGRESS", "SUCCEEDED")), clock, progress, timeout=3.0)
    assert result.kind == "success" and clock.sleeps == [3]


def test_no_timeout_means_no_deadline(clock: FakeClock, progress: RecordingProgress) -> None:
    script = Script(statuses(*["IN_PROGRESS"] * 500, "SUCCEEDED"))
    result = run(script, clock, progress, timeout=None)
    assert result.kind == "success" and result.polls == 501 and script.remaining[-1] is None


def test_transient_failures_are_retried_with_backoff(clock: FakeClock, progress: RecordingProgress) -> None:
    script = Script([TransientError("HTTP 429 ThrottlingException: slow down", status=429),
                     TransientError("HTTP 503 HTTP503: (no message)", status=503),
                     TransientError("connection failed: reset"),
                     *statuses("SUCCEEDED")])
    result = run(script, clock, progress, retry_floor=1.0)
    assert result.kind == "success" and result.polls == 4
    assert clock.sleeps == [2.0, 4.0, 8.0]  # full jitter with uniform() at its top: 2, 4, 8
    assert [e[1] for e in progress.events if e[0] == "retry"][0].startswith("HTTP 429")


class RecordingPolicy:
    """FixedInterval(10) that keeps every context it was asked about."""

    def __init__(self) -> None:
        self.contexts: list[PollContext] = []

    def __call__(self, context: PollContext) -> float:
        self.contexts.append(context)
        return 10.0


def test_the_policy_is_told_how_often_the_service_throttled(clock: FakeClock, progress: RecordingProgress) -> None:
    policy = RecordingPolicy()
    slow_down = TransientError("HTTP 429 ThrottlingException: slow down", status=429, throttled=True)
    script = Script([*statuses("IN_PROGRESS"),
                     slow_down, slow_down,  # one burst: counted once
                     *statuses("IN_PROGRESS"),
                     TransientError("HTTP 503 HTTP503: (no message)", status=503),
                     *statuses("IN_PROGRESS"),
                     TransientError("connection failed: reset"), slow_down,  # a burst that turns into throttling
                     *statuses("IN_PROGRESS", "SUCCEEDED")])
    result = run(script, clock, progress, policy=policy, retry_floor=1.0)
    assert result.kind == "success"
    # Bursts, counted over the whole wait (a good answer does not reset it); a 503 is trouble, not a "slow down".
    assert [c.throttled for c in policy.contexts] == [0, 1, 1, 2]


def test_retry_delay_is_never_below_the_interval(clock: FakeClock, progress: RecordingProgress) -> None:
    script = Script([TransientError("x"), *statuses("SUCCEEDED")])
    run(script, clock, progress, retry_floor=10.0, uniform=lambda low, high: low)
    assert clock.sleeps == [10.0]


def test_retries_running_out_is_exit_6(clock: FakeClock, progress: RecordingProgress) -> None:
    script = Script([TransientError(f"HTTP 500 boom {i}", status=500) for i in range(4)])
    result = run(script, clock, progress, retry_floor=1.0, max_retries=3)
    assert (result.kind, result.exit_code) == ("error", ExitCode.UNAVAILABLE)
    assert "4 attempts in a row failed; last: HTTP 500 boom 3" in result.message


def test_a_deadline_during_retries_is_exit_6_not_3(clock: FakeClock, progress: RecordingProgress) -> None:
    """The gate never saw the run still going: 6 says the service stopped it, 3 is for a run seen running."""
    script = Script([TransientError("HTTP 503", status=503)] * 5)
    result = run(script, clock, progress, timeout=5.0, retry_floor=1.0, max_retries=10)
    assert (result.kind, result.exit_code) == ("error", ExitCode.UNAVAILABLE)
    assert "the deadline passed while retrying, which cut the retries short (3 attempts in a row failed)" in (
        result.message)
    assert sum(clock.sleeps) == pytest.approx(5.0)


def test_a_deadline_after_the_run_was_seen_is_still_exit_3(clock: FakeClock, progress: RecordingProgress) -> None:
    script = Script([run_document("IN_PROGRESS"), *([TransientError("HTTP 503", status=503)] * 5)])
    result = run(script, clock, progress, timeout=15.0, retry_floor=1.0, max_retries=10)
    assert (result.exit_code, result.response["status"]) == (ExitCode.UNAVAILABLE, "IN_PROGRESS")
    seen_at_the_deadline = Script(statuses("IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS"))
    assert run(seen_at_the_deadline, FakeClock(), progress, timeout=15.0).exit_code == ExitCode.TIMEOUT


def unreached(reason: str = "connection refused by 127.0.0.1:1") -> TransientError:
    return TransientError(reason, reached=False)


def test_first_contact_gets_a_short_budget(clock: FakeClock, progress: RecordingProgress) -> None:
    script = Script([unreached()] * 10)
    result = run(script, clock, progress, retry_floor=1.0, max_retries=8)
    assert result.exit_code == ExitCode.UNAVAILABLE and len(script.remaining) == FIRST_CONTACT_RETRIES + 1
    assert clock.sleeps == [2.0, 4.0, 8.0][:FIRST_CONTACT_RETRIES]
    assert result.message.startswith(f"the endpoint never answered: {FIRST_CONTACT_RETRIES + 1} attempts")
    assert "Check --endpoint" in result.message


def test_an_answer_earlier_in_the_gate_counts_as_first_contact(clock: FakeClock, progress: RecordingProgress) -> None:
    """The picker's calls (or a followed run's wait) reached the endpoint: a later blip is an outage, not a typo."""
    script = Script([unreached()] * 10)
    result = run(script, clock, progress, retry_floor=1.0, max_retries=8, reached=True)
    assert len(script.remaining) == 9 and "the service is unavailable" in result.message


def test_once_the_service_has_answered_an_outage_gets_the_full_budget(clock: FakeClock,
                                                                      progress: RecordingProgress) -> None:
    script = Script([run_document("IN_PROGRESS"), *([unreached()] * 10)])
    result = run(script, clock, progress, retry_floor=1.0, max_retries=8)
    assert result.exit_code == ExitCode.UNAVAILABLE and len(script.remaining) == 1 + 8 + 1
    assert "the service is unavailable: 9 attempts in a row failed" in result.message
    answered_once = Script([TransientError("HTTP 503", status=503), *([unreached()] * 10)])
    assert len(script.remaining) > FIRST_CONTACT_RETRIES + 1
    run(answered_once, FakeClock(), progress, retry_floor=1.0, max_retries=8)
    assert len(answered_once.remaining) == 9  # a 503 is an answer: the endpoint is right, the full budget holds


def test_a_good_answer_resets_the_retry_count(clock: FakeClock, progress: RecordingProgress) -> None:
    flaky = [TransientError("a"), TransientError("b"), run_document("IN_PROGRESS")]
    script = Script([*flaky, *flaky, *statuses("SUCCEEDED")])
    assert run(script, clock, progress, max_retries=2).kind == "success"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ApiRefused(status=404, error_type="ResourceNotFoundException", message="no run"), ExitCode.API_REFUSED),
        (InvalidResponse("GetWorkflowRun response: not valid JSON"), ExitCode.INVALID_RESPONSE),
    ],
)
def test_final_errors_stop_at_once(error: Exception, code: ExitCode, clock: FakeClock,
                                   progress: RecordingProgress) -> None:
    result = run(Script([run_document("IN_PROGRESS"), error]), clock, progress)
    assert (result.kind, result.exit_code, result.polls) == ("error", code, 2)
    assert result.response["status"] == "IN_PROGRESS"  # the last valid answer is kept
    assert clock.sleeps == [10]


@pytest.mark.parametrize(("signal_name", "code"), [("SIGINT", ExitCode.SIGINT), ("SIGTERM", ExitCode.SIGTERM)])
def test_signals_cancel_with_the_last_state(signal_name: str, code: ExitCode, progress: RecordingProgress) -> None:
    class InterruptedClock(FakeClock):
        def sleep(self, seconds: float) -> None:
            raise Cancelled(signal_name)

    result = run(Script(statuses("IN_PROGRESS")), InterruptedClock(), progress)
    assert (result.kind, result.exit_code, int(code)) == ("cancelled", code, {"SIGINT": 130, "SIGTERM": 143}[signal_name])
    assert result.to_dict()["status"] == "IN_PROGRESS"


def test_a_successor_found_at_the_deadline_is_read_before_the_verdict(clock: FakeClock) -> None:
    """The superseded run was read this round; the run that replaced it was not: its verdict needs its answer."""
    successor_id = "a1b2c3d4-5678-90ab-cdef-000000000009"
    asked: list[str] = []

    def fetch(run_id: str, _remaining: float | None) -> dict[str, Any]:
        asked.append(run_id)
        return run_document("SUPERSEDED" if run_id == RUN_ID else "IN_PROGRESS", id=run_id)

    def successor(_answer: dict[str, Any]) -> str:
        clock.sleep(100)  # the picker looked until the new run was listed, past the deadline
        return successor_id

    retry = RetryPolicy(settings=RetrySettings(uniform=lambda low, high: high), floor=10.0)
    [result] = drive([RUN_ID], Reader(fetch), clock=clock, retry=retry, policy=FixedInterval(10.0),
                     success_statuses=frozenset({"SUCCEEDED"}), timeout=60.0, successor=successor)
    assert asked == [RUN_ID, successor_id]
    assert (result.kind, result.run_id, result.followed) == ("timeout", successor_id, (RUN_ID,))
    assert result.response is not None and "the run is still IN_PROGRESS" in result.message
