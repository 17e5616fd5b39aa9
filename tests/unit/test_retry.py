"""gate.pace.retry on its own: the backoff (the production jitter included), when to give up and what it says, and
how a streak counts."""

from __future__ import annotations

import random

import pytest

from gate import defaults
from gate.config.settings import RetrySettings
from gate.errors import ExitCode, TransientError
from gate.pace.policy import PollContext
from gate.pace.retry import RetryPolicy, Streak, Throttling, backoff_delay
from gate.result import Throttled

ERROR = TransientError("HTTP 503 ServiceUnavailableException")


def at_top(low: float, high: float) -> float:
    return high


def test_the_default_jitter_is_random_uniform_from_zero_to_the_ceiling(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production path: no jitter injected, so `random.uniform` draws, and the floor still holds."""
    draws: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:
        draws.append((low, high))
        return high / 2

    monkeypatch.setattr(random, "uniform", uniform)
    settings = RetrySettings(base=2.0, cap=60.0)
    assert settings.uniform is None
    assert backoff_delay(3, settings=settings, floor=1.0) == 4.0  # a draw from [0, 8], the half here
    assert backoff_delay(3, settings=settings, floor=5.0) == 5.0  # never below the floor
    assert backoff_delay(10, settings=settings, floor=0.0) == 30.0  # the ceiling is capped at 60
    assert draws == [(0.0, 8.0), (0.0, 8.0), (0.0, 60.0)]


def test_the_default_jitter_really_is_random() -> None:
    settings = RetrySettings(base=2.0, cap=60.0)
    delays = {backoff_delay(4, settings=settings, floor=0.0) for _ in range(50)}
    assert len(delays) > 40 and all(0.0 <= d <= 16.0 for d in delays)


@pytest.mark.parametrize(("attempt", "ceiling"), [(1, 2.0), (2, 4.0), (3, 8.0), (5, 32.0), (6, 60.0), (7, 60.0)])
def test_the_ceiling_doubles_per_attempt_up_to_the_cap(attempt: int, ceiling: float) -> None:
    settings = RetrySettings(base=2.0, cap=60.0, uniform=at_top)
    assert backoff_delay(attempt, settings=settings, floor=0.5) == ceiling


def test_the_injected_jitter_draws_from_zero() -> None:
    seen: list[tuple[float, float]] = []
    settings = RetrySettings(base=1.0, cap=1e30, uniform=lambda low, high: seen.append((low, high)) or low)
    assert backoff_delay(2, settings=settings, floor=0.25) == 0.25
    assert seen == [(0.0, 2.0)]


def test_a_huge_attempt_stays_finite_at_two_to_the_64() -> None:
    settings = RetrySettings(base=1.0, cap=float("inf"), uniform=at_top)
    assert backoff_delay(10_000, settings=settings, floor=0.0) == 2.0 ** 64
    assert backoff_delay(65, settings=settings, floor=0.0) == 2.0 ** 64
    assert backoff_delay(64, settings=settings, floor=0.0) == 2.0 ** 63


def context(failures: int, *, reached: bool = True, remaining: float | None = None) -> PollContext:
    return PollContext(elapsed=10.0, polls=1, status=None, failures=failures, outages=failures, reached=reached,
                       remaining=remaining)


POLICY = RetryPolicy(settings=RetrySettings(max_retries=3, first_contact_retries=2, uniform=at_top), floor=1.0)


def test_retries_until_max_retries_then_gives_up_with_exit_6() -> None:
    assert [POLICY.give_up(context(n), ERROR) for n in (1, 2, 3)] == [None, None, None]
    stop = POLICY.give_up(context(4), ERROR)
    assert stop is not None and stop.exit_code == ExitCode.UNAVAILABLE
    assert str(stop) == "the service is unavailable: 4 attempts in a row failed; last: HTTP 503 ServiceUnavailableException"


def test_an_endpoint_that_never_answered_gets_the_short_budget_and_a_hint() -> None:
    assert POLICY.give_up(context(2, reached=False), ERROR) is None
    stop = POLICY.give_up(context(3, reached=False), ERROR)
    assert stop is not None and stop.exit_code == ExitCode.UNAVAILABLE
    assert str(stop) == ("the endpoint never answered: 3 attempts in a row failed; last: HTTP 503 "
                         "ServiceUnavailableException. Check --endpoint, the network and any proxy (HTTPS_PROXY, "
                         "NO_PROXY)")
    assert POLICY.give_up(context(3, reached=True), ERROR) is None  # once it answered, the long budget


def test_one_attempt_is_said_so_and_the_endpoint_by_its_door_s_name() -> None:
    policy = RetryPolicy(settings=RetrySettings(first_contact_retries=0), floor=1.0,
                         naming=lambda key: f"input '{key}'")
    stop = policy.give_up(context(1, reached=False), ERROR)
    assert stop is not None and str(stop).startswith("the endpoint never answered: 1 attempt failed; last: ")
    assert "Check input 'endpoint', the network" in str(stop)


@pytest.mark.parametrize(("remaining", "stops"), [(None, False), (5.0, False), (0.5, False), (0.0, True), (-1.0, True)])
def test_a_deadline_that_passed_cuts_the_retries_short(remaining: float | None, stops: bool) -> None:
    stop = POLICY.give_up(context(1, remaining=remaining), ERROR)
    assert (stop is not None) is stops
    if stop is not None:
        assert str(stop) == ("the deadline passed while retrying, which cut the retries short (1 attempt failed); "
                             "last: HTTP 503 ServiceUnavailableException")


def test_the_delay_is_the_backoff_for_the_failures_in_a_row() -> None:
    assert [POLICY.delay(context(n)) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert RetryPolicy(settings=RetrySettings(uniform=at_top), floor=9.0).delay(context(1)) == 9.0


def test_defaults() -> None:
    settings = RetrySettings()
    assert (settings.max_retries, settings.first_contact_retries, settings.base, settings.cap) == (
        defaults.MAX_RETRIES, defaults.FIRST_CONTACT_RETRIES, defaults.BACKOFF_BASE, defaults.BACKOFF_CAP)


def test_a_streak_counts_failures_and_a_throttling_burst_once() -> None:
    streak = Streak()
    assert (streak.failures, streak.throttled, streak.reached) == (0, 0, False)
    streak.failed(TransientError("429", status=429, throttled=True))
    streak.failed(TransientError("429", status=429, throttled=True))
    assert (streak.failures, streak.outages, streak.throttled, streak.throttled_now) == (2, 0, 1, True)
    streak.failed(TransientError("refused", reached=False))
    assert streak.reached is True and (streak.failures, streak.outages) == (3, 1)  # the 429s had answered
    streak.answered()
    assert (streak.failures, streak.outages, streak.throttled, streak.throttled_now, streak.reached) == (
        0, 0, 1, False, True)
    streak.failed(TransientError("429", status=429, throttled=True))
    assert (streak.throttled, streak.throttled_now) == (2, True)  # a new burst


def test_a_streak_of_unreached_failures_stays_unreached() -> None:
    streak = Streak()
    streak.failed(TransientError("refused", reached=False))
    streak.failed(TransientError("timed out", reached=False))
    assert (streak.failures, streak.reached, streak.throttled) == (2, False, 0)


def test_throttling_counts_each_slow_down_and_adds_up_each_burst_s_time() -> None:
    throttling = Throttling()
    assert throttling.so_far(5.0) == Throttled(0, 0.0)
    throttling.ended(6.0)  # an answer with no burst going adds nothing
    throttling.refused(10.0)
    throttling.refused(12.0)
    assert throttling.seconds_at(15.0) == 5.0  # the burst still going counts from its first "slow down"
    assert throttling.so_far(15.0) == Throttled(2, 5.0)
    throttling.ended(20.0)
    assert throttling.seconds == 10.0 and throttling.seconds_at(25.0) == 10.0
    throttling.ended(22.0)  # a second answer does not stretch the burst that ended
    throttling.refused(30.0)
    throttling.ended(33.0)
    assert throttling.so_far(40.0) == Throttled(3, 13.0)  # each burst adds its own
    throttling.refused(50.0)
    assert throttling.seconds_at(50.0) == 13.0 and throttling.seconds_at(49.0) == 13.0  # never less than none
    throttling.ended(50.0)
    assert throttling.seconds == 13.0 and throttling.refusals == 4
