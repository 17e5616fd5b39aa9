"""SIGINT and SIGTERM end the wait at once, wherever it is (sleeping or mid-request); on Windows, where nothing
delivers SIGTERM from outside, Ctrl-C (SIGINT) and Ctrl-Break (SIGBREAK, told as exit 143 like SIGTERM: the runner
sends it after Ctrl-C when cancelling a step) do."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from gate.errors import Cancelled


def handled(module: object = signal) -> tuple[signal.Signals, ...]:
    """The signals that end the wait: SIGINT and SIGTERM, and SIGBREAK where there is one (Windows)."""
    return tuple(getattr(module, name) for name in ("SIGINT", "SIGTERM", "SIGBREAK") if hasattr(module, name))


HANDLED = handled()


@contextmanager
def cancel_on_signals() -> Iterator[None]:
    """Inside the block the first signal raises Cancelled. Afterwards the previous handlers are back, unless a
    signal cancelled the wait: then the process is ending and later signals are ignored, so that a second one
    (the runner's SIGTERM after its SIGINT, Ctrl-C twice) cannot kill it before its result is written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    cancelled: list[int] = []

    def _raise(signum: int, _frame: FrameType | None) -> None:
        if cancelled:
            return  # already cancelling: a second Cancelled would escape the handling of the first
        cancelled.append(signum)
        raise Cancelled(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, _raise) for sig in HANDLED}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            # SIG_IGN rather than a Python no-op: the interpreter resets Python handlers to SIG_DFL as it exits.
            signal.signal(sig, signal.SIG_IGN if cancelled else handler)


@contextmanager
def deferred_signals() -> Iterator[list[int]]:
    """Around the wait and the writing of its result: a signal outside the wait (where cancel_on_signals raises)
    is held in the yielded list instead of cutting the write short, and then dropped: the verdict is made and
    the outputs and exit code say it. One level, where the wait and its outputs are joined (gate.app.run,
    for the CLI and the Action alike); the writers themselves do not defer again."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def _remember(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, _remember) for sig in HANDLED}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            # A cancelled wait inside set SIG_IGN for the rest of the process's life: keep it.
            if signal.getsignal(sig) is _remember:
                signal.signal(sig, handler)
