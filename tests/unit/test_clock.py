"""The system clock: sleeps come in slices, so a signal that lands just before one is handled within a slice."""

from __future__ import annotations

import types

import pytest

from gate import clock
from gate.clock import SIGNAL_SLICE, SystemClock


def test_a_long_sleep_is_cut_into_slices_that_add_up(monkeypatch: pytest.MonkeyPatch) -> None:
    now, slept = [100.0], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(clock, "time", types.SimpleNamespace(monotonic=lambda: now[0], sleep=sleep))
    SystemClock().sleep(1.1)
    assert slept and max(slept) <= SIGNAL_SLICE <= 0.5
    assert sum(slept) == pytest.approx(1.1)
    slept.clear()
    SystemClock().sleep(0)
    SystemClock().sleep(-1)
    assert slept == []
