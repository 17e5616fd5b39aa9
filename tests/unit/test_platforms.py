"""Issue 28 item 3: the code paths that differ on Windows and macOS, tested here as far as Linux can run them.

What only a Windows or macOS machine can run (a console's VT mode, a sharing violation, Ctrl-Break) is driven here
through the same functions with the platform's answers stood in; `make lint` type-checks the package as on Windows
too (mypy --platform win32), which fails on a POSIX-only call outside a platform check. CI runs the tests that need
no Docker on macOS and Windows runners (.github/workflows/ci.yml).
"""

from __future__ import annotations

import io
import os
import signal
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from gate.config.settings import DisplaySettings
from gate.doors import action
from gate.errors import Cancelled, ExitCode
from gate.report import console, display, files
from gate.report.redact import Redactor
from gate.wait import signals
from tests.conftest import FakeClock

# These stand Windows' answers in on POSIX; on Windows itself (CI) the real ones are what the suite meets.
on_posix = pytest.mark.skipif(sys.platform == "win32", reason="simulates Windows on a POSIX system")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# -- Stopping ------------------------------------------------------------------------------------------------------

def test_ctrl_break_ends_the_wait_where_the_platform_has_it() -> None:
    windows = SimpleNamespace(SIGINT=2, SIGTERM=15, SIGBREAK=21)
    assert signals.handled(windows) == (2, 15, 21)
    assert signals.handled(SimpleNamespace(SIGINT=2, SIGTERM=15)) == (2, 15)
    assert ((signal.SIGINT, signal.SIGTERM, signal.SIGBREAK) if hasattr(signal, "SIGBREAK")
                               else (signal.SIGINT, signal.SIGTERM)) == signals.HANDLED


def test_ctrl_break_is_told_as_sigterm_and_ctrl_c_as_sigint() -> None:
    assert Cancelled("SIGBREAK").exit_code == ExitCode.SIGTERM == 143
    assert Cancelled("SIGINT").exit_code == ExitCode.SIGINT == 130


# -- Replacing a file another process holds open ---------------------------------------------------------------------

def test_on_windows_a_held_file_is_replaced_once_it_is_let_go(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target, tmp = tmp_path / "result.json", tmp_path / ".result.json.tmp"
    target.write_text("old", encoding="utf-8")
    tmp.write_text("new", encoding="utf-8")
    real, refusals, pauses = os.replace, [PermissionError(13, "in use"), PermissionError(13, "in use")], []

    def replace(src: str, dst: Path) -> None:
        if refusals:
            raise refusals.pop()
        real(src, dst)

    monkeypatch.setattr(files.os, "replace", replace)
    files.replace(str(tmp), target, windows=True, pause=pauses.append)
    assert target.read_text(encoding="utf-8") == "new" and not tmp.exists()
    assert pauses == [0.05, 0.1]


def test_on_windows_a_file_held_for_good_is_an_error_after_the_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, pauses = [], []

    def refuse(src: str, dst: Path) -> None:
        calls.append(src)
        raise PermissionError(13, "The process cannot access the file because it is being used by another process")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(PermissionError):
        files.replace("tmp", Path("out"), windows=True, pause=pauses.append)
    assert pauses == list(files.REPLACE_PAUSES) and len(calls) == len(files.REPLACE_PAUSES) + 1
    assert sum(files.REPLACE_PAUSES) < 2  # a bounded wait: the file is then told not written (exit 7)


def test_elsewhere_a_permission_error_stands_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    pauses: list[float] = []

    def refuse(src: str, dst: Path) -> None:
        raise PermissionError(13, "denied")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(PermissionError):
        files.replace("tmp", Path("out"), windows=False, pause=pauses.append)
    assert pauses == []


@on_posix
def test_a_device_is_written_in_place_without_posix_only_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no O_NONBLOCK and no fcntl; NUL is a device there, as /dev/null is here."""
    monkeypatch.delattr(os, "O_NONBLOCK")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "fcntl", None)  # importing it now raises, as on Windows
    files.write_atomic(Path(os.devnull), "{}\n")  # nothing raised: written in place
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()


# -- Paths with backslashes and drive letters ---------------------------------------------------------------------

WINDOWS_NAME = r"D:\a\_temp\_runner_file_commands\set_output_0f3c"


@on_posix
def test_the_runners_file_command_path_is_used_exactly_as_given(tmp_path: Path) -> None:
    """A Windows runner's $GITHUB_OUTPUT (D:\\a\\_temp\\...) is handed to the OS untouched: here, on Linux, the same
    string is one file name with backslashes and a colon, and that very file is written (nothing split or
    rewritten)."""
    output, summary = tmp_path / WINDOWS_NAME, tmp_path / (WINDOWS_NAME + "_summary")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary),
           "INPUT_SPACE": "ExampleCorp", "INPUT_PROJECT": "MyDemoProject", "INPUT_TOKEN": "ccpat-platforms-0123456789",
           "INPUT_RUN-ID": "c0dec47a-0000-4000-8000-000000000001", "INPUT_INTERVAL": "often"}
    code = action.run(env, stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 2  # the refused interval: no request, the outputs still written
    assert {p.name for p in tmp_path.iterdir()} == {output.name, summary.name}
    assert "error" in output.read_text(encoding="utf-8") and "interval" in summary.read_text(encoding="utf-8")


@on_posix
@pytest.mark.parametrize("flag", ["--output-file", "--dotenv", "--junit-xml"])
def test_a_result_file_named_with_backslashes_is_that_file(tmp_path: Path, flag: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from gate.doors.cli import main

    monkeypatch.chdir(tmp_path)
    name = r"C:\results\gate-result"
    done = CliRunner().invoke(main, ["wait", "--space", "ExampleCorp", "--project", "MyDemoProject", "--run-id",
                                     "c0dec47a-0000-4000-8000-000000000001", "--interval", "often", flag, name],
                              env={"CODECATALYST_TOKEN": "ccpat-platforms-0123456789"})
    assert done.exit_code == 2, done.output
    assert [p.name for p in tmp_path.iterdir()] == [name]


# -- The live line on a Windows console ---------------------------------------------------------------------------

def make(stream: io.StringIO) -> object:
    return display.make_display(DisplaySettings(), redactor=Redactor(), clock=FakeClock(), stream=stream, env={})


def test_a_console_that_takes_vt_sequences_gets_the_live_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display, "vt_ready", lambda stream: True)
    assert isinstance(make(Terminal()), display.TtyDisplay)


def test_a_console_that_refuses_vt_sequences_gets_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[object] = []
    monkeypatch.setattr(display, "vt_ready", lambda stream: asked.append(stream) or False)
    stream = Terminal()
    assert isinstance(make(stream), display.PlainDisplay)
    assert asked == [stream]


@on_posix
def test_terminals_here_take_vt_sequences_as_they_are() -> None:
    assert sys.platform != "win32" and console.vt_ready(Terminal()) is True
