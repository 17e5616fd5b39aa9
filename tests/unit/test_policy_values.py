"""gate.pace.policy's pieces at exact values: the kernel widths, the survival curve, the candidate waits, and a few
whole schedules pinned to the tenth of a second. test_policy.py states what the schedule must do; these pin how, so
that a changed constant or operator fails here even where the rounded schedule would not show it. Values marked
`by hand` were worked out apart from the code; the schedules were recorded from it (a change must be meant)."""

from __future__ import annotations

import math

import pytest

from gate.pace.policy import (
    CAP,
    PRIOR_SCALE,
    TAIL,
    Adaptive,
    PollContext,
    _interpolate,
    candidate_waits,
    kernel_width,
    kernel_widths,
    runs_ahead,
    survival,
)

ONE_SIGMA_ABOVE = 0.15865525393145707  # P(Z > 1) for a standard normal: by hand (tables)


def at(age: float, *, elapsed: float | None = None, throttled: int = 0) -> PollContext:
    return PollContext(elapsed=age if elapsed is None else elapsed, polls=1, status="IN_PROGRESS", run_age=age,
                       throttled=throttled)


def test_the_kernel_width() -> None:
    assert kernel_width([]) == kernel_width([600.0]) == 0.1  # one run tells no spread
    # by hand: logs 4.60517 and 5.29832, stdev 0.490129 (under the quartiles' 1.03973 / 1.349), × 0.9 × 2^-0.2
    assert kernel_width([100.0, 200.0]) == pytest.approx(0.384014, abs=1e-6)
    assert kernel_width([100.0, 200.0, 400.0, 800.0]) == pytest.approx(0.6103519648942842, rel=1e-12)
    assert kernel_width([600.0] * 5 + [601.0]) == 0.02  # all but alike: MIN_WIDTH


def test_each_run_s_width_is_the_gap_to_its_neighbours() -> None:
    assert kernel_widths([600.0]) == (0.1,)
    assert kernel_widths([100.0, 200.0]) == pytest.approx((math.log(2), math.log(2)))  # k = 1: the other one
    assert kernel_widths([100.0, 200.0, 400.0, 800.0, 1600.0]) == pytest.approx(
        (3 * math.log(2), 2 * math.log(2), 2 * math.log(2), 2 * math.log(2), 3 * math.log(2)))  # the 3rd nearest


def test_runs_ahead_is_a_smoothed_count() -> None:
    assert runs_ahead(600.0, [600.0], [0.1]) == 0.5  # at its duration, a run is half ahead
    assert runs_ahead(600.0 * math.exp(0.1), [600.0], [0.1]) == pytest.approx(ONE_SIGMA_ABOVE, rel=1e-12)
    assert runs_ahead(0.5, [1.0], [0.1]) == pytest.approx(1.0, abs=1e-9)  # young: the run is all ahead
    assert runs_ahead(0.0, [0.002], [0.1]) == pytest.approx(1.0, abs=1e-9)  # age 0 reads as a millisecond
    assert runs_ahead(600.0, [600.0, 6000.0, 60.0], [0.1, 0.1, 0.1]) == pytest.approx(1.5)
    with pytest.raises(ValueError):
        runs_ahead(600.0, [600.0, 700.0], [0.1])  # one width per run, or a bug


def test_survival_is_the_prior_plus_the_runs_ahead() -> None:
    assert survival(300.0, [], []) == 0.5  # the prior's median is its scale
    assert survival(-5.0, [], [], prior_scale=300.0) == 1.0 and survival(0.0, [], []) == 1.0
    assert survival(600.0, [600.0], [0.1], prior_scale=600.0, prior_weight=2.0) == 1.5
    assert survival(0.0, [600.0], [0.1], prior_scale=100.0, prior_weight=3.0) == pytest.approx(4.0)


def test_the_candidate_waits() -> None:
    assert candidate_waits(1.0, 2.0, tail=TAIL) == [1.0, 1.25, 1.5625, 1.953125, 2.0]
    assert candidate_waits(1.0, 8.0, tail=5.2) == [1.0, 1.25, 1.5625, 1.953125, 2.44140625, 3.0517578125,
                                                     3.814697265625, 4.76837158203125, 5.2, 5.9604644775390625,
                                                     7.450580596923828, 8.0]
    assert candidate_waits(1.0, 5.0, tail=5.2) == [1.0, 1.25, 1.5625, 1.953125, 2.44140625, 3.0517578125,
                                                     3.814697265625, 4.76837158203125, 5.0]  # the tail past the limit
    assert candidate_waits(4.0, 4.0, tail=5.2) == [4.0]


def test_the_policy_keeps_positive_finite_durations_only() -> None:
    assert Adaptive(durations=(0.5, 0.0, -1.0, math.inf, math.nan, 600.0)).durations == (0.5, 600.0)
    assert Adaptive(durations=tuple(float(n) for n in range(1, 80))).durations == tuple(range(1, 51))
    assert Adaptive().prior_scale == PRIOR_SCALE and Adaptive(durations=(10.0, 20.0, 30.0)).prior_scale == 20.0


def test_the_survival_uses_the_policy_s_own_prior() -> None:
    six = Adaptive(durations=(600.0,) * 6)  # prior scale: the median, 600
    assert six._survival(600.0) == pytest.approx(0.5 + 3.0)
    assert Adaptive(durations=(600.0,) * 6, prior_weight=2.0)._survival(600.0) == pytest.approx(1.0 + 3.0)


def test_the_run_s_age_not_the_gate_s_bounds_the_wait() -> None:
    assert Adaptive()(at(100.0, elapsed=0.0)) == TAIL  # 1 + 0.2 × 100 allows the tail; the gate's 0 s would not
    assert Adaptive()(PollContext(elapsed=100.0, polls=1, status="IN_PROGRESS")) == TAIL  # no start time: the gate's
    assert Adaptive()(PollContext(elapsed=2.0, polls=1, status="IN_PROGRESS")) == pytest.approx(1.4)


def test_with_just_enough_runs_ahead_the_policy_bets() -> None:
    six = Adaptive(durations=(600.0,) * 6)
    assert runs_ahead(600.0, six.durations, six.widths) == 3.0  # MIN_AHEAD exactly: enough to bet
    assert six(at(600.0)) == 2.4  # a bet, not the tail


@pytest.mark.parametrize(("durations", "waits"), [
    ((600.0,) * 6, [2.0, 7.0, 21.0, 55.5, 55.5, 14.6, 4.8, 3.1, 2.4, 5.2, 5.2, 5.2, 5.2]),
    (tuple(600 * math.exp(0.05 * i) for i in range(-5, 6)), [2.0, 7.0, 21.0, 35.5, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2,
                                                              5.2, 5.2]),
    (tuple(60.0 * 2 ** i for i in range(6)), [2.0, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2, 5.2]),
])
def test_recorded_schedules(durations: tuple[float, ...], waits: list[float]) -> None:
    policy = Adaptive(durations=durations)
    ages = (5, 30, 100, 300, 500, 550, 580, 590, 600, 610, 650, 900, 2000)
    assert [policy(at(float(age))) for age in ages] == waits


def test_the_kernel_width_takes_the_narrower_spread_and_never_none() -> None:
    # by hand: logs' stdev 2.0284, quartile spread 2.3481 / 1.349 = 1.7406: the narrower, × 0.9 × 5^-0.2
    assert kernel_width([100.0, 105.0, 110.0, 115.0, 10000.0]) == pytest.approx(1.1353970993521114, rel=1e-12)
    # the quartiles all alike (seven runs of 100 s): their spread is 0, so the stdev serves, × 0.9 × 8^-0.2
    assert kernel_width([100.0] * 7 + [1000.0]) == pytest.approx(0.9 * 0.8140861 * 8 ** -0.2, rel=1e-6)


def test_the_policy_s_neighbours_set_its_widths() -> None:
    durations = (100.0, 200.0, 400.0, 800.0, 1600.0)
    assert Adaptive(durations=durations, neighbours=1).widths == pytest.approx((0.7148978220033454,) * 5)
    assert Adaptive(durations=durations).widths == pytest.approx(kernel_widths(durations))
    assert Adaptive(durations=(50.0, 10.0, 40.0, 20.0, 30.0)).prior_scale == 30.0  # the median of five


def test_interpolation_is_piecewise_linear_from_the_origin_and_flat_past_the_end() -> None:
    assert _interpolate([(2.0, 0.5)], 1.0) == 0.25
    assert _interpolate([(1.0, 0.2), (3.0, 0.6)], 2.0) == pytest.approx(0.4)
    assert _interpolate([(1.0, 0.5)], 5.0) == 0.5 and _interpolate([], 5.0) == 0.0
    assert _interpolate([(0.0, 0.3)], 0.0) == 0.3  # no span: the point itself
    assert _interpolate([(1.0, 0.2), (1.0, 0.4)], 1.0) == 0.2  # the first point at x


def test_recorded_best_waits_where_the_grid_s_tail_points_matter() -> None:
    policy = Adaptive(durations=(600.0,) * 6)
    limit = CAP
    assert policy.best_wait(508.0, limit) == pytest.approx(55.51115123125783, rel=1e-12)
    assert policy.best_wait(530.0, limit) == pytest.approx(35.52713678800501, rel=1e-12)
