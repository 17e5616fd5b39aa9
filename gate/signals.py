"""SIGINT and SIGTERM end the wait at once, wherever it is (sleeping or mid-request)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from gate.errors import Cancelled

HANDLED = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def cancel_on_signals() -> Iterator[None]:
    """Inside the block a signal raises Cancelled; outside it, the previous handlers are back."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, _frame: FrameType | None) -> None:
        raise Cancelled(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, _raise) for sig in HANDLED}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def deferred_signals() -> Iterator[list[int]]:
    """While the result is being written, a signal is remembered instead of cutting the write short."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    previous = {sig: signal.signal(sig, lambda signum, _f: received.append(signum)) for sig in HANDLED}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
