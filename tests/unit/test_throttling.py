"""Throttling is an answer, not an outage (issue 27): it never ends a gate before its deadline, it slows the gate's own
rate down (gate.pace.rate), a Retry-After is honoured within bounds, and one burst counts once (only the pacing
changes the streak)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from gate.api.client import classify_error, retry_after
from gate.api.transport import Answer
from gate.clock import Deadline
from gate.config.settings import RetrySettings
from gate.defaults import MAX_RETRY_AFTER
from gate.errors import DeadlineExceeded, ExitCode, ServiceUnavailable, TransientError
from gate.pace.pacing import Pacing
from gate.pace.policy import FixedInterval, PollContext
from gate.pace.rate import DECREASE, INCREASE, MIN_RATE, START_RATE, AdaptiveRate
from gate.pace.retry import RetryPolicy
from tests.conftest import FakeClock, RecordingProgress, run_document
from tests.loopkit import Reader, drive

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
RUN_A, RUN_B = "a1b2c3d4-5678-90ab-cdef-00000000000a", "a1b2c3d4-5678-90ab-cdef-00000000000b"
SLOW_DOWN = TransientError("HTTP 429 ThrottlingException: Rate exceeded", status=429, throttled=True)
OUTAGE = TransientError("HTTP 503 HTTP503: (no message)", status=503)
TOP = RetrySettings(uniform=lambda low, high: high)


# --- Retry-After ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "seconds"), [
    ("3", 3.0), (" 120 ", 120.0), ("0", 0.0),
    (format_datetime(NOW + timedelta(seconds=42), usegmt=True), 42.0),
    (format_datetime(NOW - timedelta(hours=1), usegmt=True), 0.0),  # a date past: now
    ("99999999999999999999", 999999999999.0),  # huge: read, then capped by the retry step and the deadline
    (None, None), ("", None), ("-5", None), ("3.5", None), ("soon", None), ("1e9", None), ("٣", None),
    ("Wed, 21 Oct 99999 07:28:00 GMT", None), ("inf", None), ("nan", None),
])
def test_retry_after_is_read_as_seconds_or_a_date_and_anything_else_is_absent(header: str | None,
                                                                              seconds: float | None) -> None:
    assert retry_after(header, now=NOW) == seconds


def test_a_throttled_answer_carries_its_retry_after_into_the_error() -> None:
    answer = Answer(429, {"x-amzn-errortype": "ThrottlingException", "retry-after": "7"}, b'{"message": "slow"}')
    error = classify_error(answer, mask=str, now=NOW)
    assert isinstance(error, TransientError) and error.throttled and error.retry_after == 7.0
    assert classify_error(Answer(429, {}, b"{}"), mask=str, now=NOW).retry_after is None  # type: ignore[attr-defined]


def test_the_retry_delay_honours_retry_after_up_to_its_cap() -> None:
    policy = RetryPolicy(settings=TOP, floor=1.0)
    context = PollContext(elapsed=5.0, polls=1, status=None, failures=1)

    def asking(seconds: float | None) -> TransientError:
        return TransientError("HTTP 429", status=429, throttled=True, retry_after=seconds)

    assert policy.delay(context, asking(None)) == 2.0  # the backoff: 2 s at its top for a first retry
    assert policy.delay(context, asking(0.5)) == 2.0  # never sooner than the backoff
    assert policy.delay(context, asking(30.0)) == 30.0
    assert policy.delay(context, asking(1e12)) == MAX_RETRY_AFTER


# --- the retry step ---------------------------------------------------------------------------------------------


def test_throttling_never_gives_up_and_outages_keep_their_own_rule() -> None:
    policy = RetryPolicy(settings=RetrySettings(max_retries=2), floor=1.0)
    long_streak = PollContext(elapsed=500.0, polls=3, status="IN_PROGRESS", failures=50, outages=0, remaining=10.0)
    assert policy.give_up(long_streak, SLOW_DOWN) is None
    # 429s in the streak do not count toward an outage: two 503s among fifty failures are two attempts.
    assert policy.give_up(PollContext(elapsed=1, polls=1, status=None, failures=50, outages=2), OUTAGE) is None
    stop = policy.give_up(PollContext(elapsed=1, polls=1, status=None, failures=51, outages=3), OUTAGE)
    assert isinstance(stop, ServiceUnavailable)
    assert str(stop) == "the service is unavailable: 3 attempts in a row failed; last: HTTP 503 HTTP503: (no message)"


def pacing(clock: FakeClock, timeout: float | None = 100.0, spread: Any = lambda: 1.0) -> Pacing:
    return Pacing(clock=clock, deadline=Deadline(clock, timeout), retry=RetryPolicy(settings=TOP, floor=1.0),
                  progress=RecordingProgress(), spread=spread)


def test_at_the_deadline_a_throttled_gate_times_out_never_unavailable(clock: FakeClock) -> None:
    pace = pacing(clock, timeout=10.0)
    assert pace.after_failure(SLOW_DOWN) == 2.0
    clock.t += 10.0
    with pytest.raises(DeadlineExceeded) as stop:
        pace.after_failure(SLOW_DOWN)
    assert stop.value.exit_code == ExitCode.TIMEOUT
    assert str(stop.value) == "timed out after 10s; the service throttled the gate 2 times over 10 s"


def test_one_burst_counts_once_whoever_meets_it_and_only_the_pacing_counts(clock: FakeClock) -> None:
    """A listing and a GetWorkflowRun throttled in one round are one burst (issue 26 item 4)."""
    calls: list[str] = []
    throttle_round = {"list": True, "get": True}
    seen: list[PollContext] = []

    def fetch(run_id: str, _remaining: float | None) -> dict[str, Any]:
        calls.append(f"get {run_id[-1]}")
        if throttle_round["get"] and len(calls) > 3:
            throttle_round["get"] = False
            raise SLOW_DOWN
        return run_document("SUCCEEDED" if clock.t > 1100 else "IN_PROGRESS", id=run_id)

    def listing(workflow_id: str, _remaining: float | None) -> list[dict[str, Any]]:
        calls.append("list")
        if throttle_round["list"]:
            throttle_round["list"] = False
            raise SLOW_DOWN
        return [{"id": r, "workflowId": workflow_id, "status": "IN_PROGRESS"} for r in (RUN_A, RUN_B)]

    def policy(context: PollContext) -> float:
        seen.append(context)
        return 10.0

    progress = RecordingProgress()
    results = drive([RUN_A, RUN_B], Reader(fetch, listing), clock=clock, progress=progress, policy=policy,
                    retry=RetryPolicy(settings=TOP, floor=10.0), success_statuses=frozenset({"SUCCEEDED"}))
    assert [r.exit_code for r in results] == [ExitCode.SUCCESS, ExitCode.SUCCESS]
    assert calls[:5] == ["get a", "get b", "list", "get a", "get b"]  # the listing and the next get: one burst
    assert [c.throttled for c in seen][-1] == 1


# --- the loop: throttled until the deadline, or for a while ------------------------------------------------------


def throttled_after(polls: int, *, until: float | None, clock: FakeClock, final_at: float = 1e9):
    count = {"n": 0}

    def fetch(run_id: str, _remaining: float | None) -> dict[str, Any]:
        count["n"] += 1
        if count["n"] > polls and (until is None or clock.t < until):
            raise SLOW_DOWN
        return run_document("SUCCEEDED" if clock.t >= final_at else "IN_PROGRESS", id=run_id)
    return fetch, count


def test_throttled_from_the_second_poll_on_ends_at_the_deadline_with_the_last_status(clock: FakeClock) -> None:
    fetch, count = throttled_after(1, until=None, clock=clock)
    began = clock.t
    progress = RecordingProgress()
    [result] = drive([RUN_A], Reader(fetch), clock=clock, progress=progress, policy=FixedInterval(3.0), timeout=100.0,
                     retry=RetryPolicy(settings=RetrySettings(max_retries=2), floor=3.0),
                     success_statuses=frozenset({"SUCCEEDED"}))
    assert (result.kind, result.exit_code, result.response["status"]) == ("timeout", ExitCode.TIMEOUT, "IN_PROGRESS")
    assert clock.t - began == pytest.approx(100.0)
    assert result.message.startswith("timed out after 100s; the run is still IN_PROGRESS; the service throttled "
                                     f"the gate {count['n'] - 1} times over ")
    assert "unavailable" not in result.message
    assert 5 < count["n"] < 40  # kept going, further apart


def test_throttled_for_a_while_then_answered_gives_the_runs_verdict(clock: FakeClock) -> None:
    began = clock.t
    fetch, _ = throttled_after(1, until=began + 75.0, clock=clock, final_at=began + 30.0)
    [result] = drive([RUN_A], Reader(fetch), clock=clock, policy=FixedInterval(3.0), timeout=3600.0,
                     retry=RetryPolicy(settings=RetrySettings(max_retries=2), floor=3.0),
                     success_statuses=frozenset({"SUCCEEDED"}))
    assert (result.kind, result.exit_code) == ("success", ExitCode.SUCCESS)


# --- the adaptive rate ------------------------------------------------------------------------------------------


def test_the_rate_does_not_limit_until_the_service_throttles() -> None:
    rate = AdaptiveRate()
    for t in range(10):
        assert rate.wait(float(t)) == 0.0
        rate.sent(float(t))
        rate.answered(float(t))
    assert not rate.limiting and rate.sent_rate == pytest.approx(1.0)


def test_a_slow_down_halves_the_measured_rate_and_answers_raise_it_slowly() -> None:
    rate = AdaptiveRate()
    for t in (0.0, 0.5, 1.0, 1.5):  # two requests a second
        rate.sent(t)
    rate.throttled(1.5)
    assert rate.rate == pytest.approx(2.0 * DECREASE) and rate.wait(1.5) == pytest.approx(1.0)
    rate.sent(2.5)
    rate.answered(2.5)
    assert rate.rate == pytest.approx(2.0 * DECREASE * (1 + INCREASE))
    assert rate.wait(2.5) == pytest.approx(1 / (2.0 * DECREASE))  # the token is spent; the next at the old rate


def test_a_quiet_gate_banks_no_rate_it_never_tried() -> None:
    rate = AdaptiveRate()
    rate.throttled(0.0)  # throttled before it measured its pace: START_RATE assumed
    assert rate.rate == pytest.approx(START_RATE * DECREASE)
    for t in (100.0, 200.0, 300.0, 400.0):  # one request every 100 s
        rate.sent(t)
        rate.answered(t)
    assert rate.rate == pytest.approx(START_RATE * DECREASE)  # twice 1/100 is below it: no growth
    for _ in range(100):
        rate.throttled(400.0)
    assert rate.rate == MIN_RATE


def test_once_throttled_the_gaps_carry_the_jitter(clock: FakeClock) -> None:
    draws = iter([1.2, 0.8])
    pace = pacing(clock, spread=lambda: next(draws))
    pace.before_call()
    pace.after_failure(SLOW_DOWN)  # draws 1.2 for the next token
    assert pace.rate.wait(clock.now()) == pytest.approx(1.2 / (START_RATE * DECREASE))
    pace.before_call()
    assert clock.sleeps == [2.4]
