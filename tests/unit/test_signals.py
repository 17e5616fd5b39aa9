"""Signals around the wait: cancel inside it, remembered while the result is written, ignored once cancelled."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from gate.errors import Cancelled
from gate.wait.signals import HANDLED, cancel_on_signals, deferred_signals

pytestmark = pytest.mark.posix  # os.kill(own pid, SIGTERM) ends the process on Windows


@pytest.fixture(autouse=True)
def restore_handlers() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in HANDLED}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_a_signal_while_writing_is_remembered_and_the_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with deferred_signals() as received:
        os.kill(os.getpid(), signal.SIGTERM)  # without the deferral this would end the test process
    assert received == [signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) is before


def test_after_the_wait_ends_normally_a_signal_waits_for_the_outputs() -> None:
    with deferred_signals() as received:
        with cancel_on_signals():
            pass  # the run ended on its own
        os.kill(os.getpid(), signal.SIGTERM)  # between the wait's end and the written outputs
    assert received == [signal.SIGTERM]


def test_once_a_signal_cancelled_the_wait_later_ones_stay_ignored_to_the_end() -> None:
    """The runner's SIGTERM 7.5 s after its SIGINT, or Ctrl-C twice, must not kill the gate as it exits."""
    with deferred_signals(), pytest.raises(Cancelled), cancel_on_signals():
        os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    os.kill(os.getpid(), signal.SIGTERM)  # ignored: the test process lives on
