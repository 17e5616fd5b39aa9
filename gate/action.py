"""The GitHub Action: inputs from the runner's environment, then the same path as `codecatalyst-gate wait`.

The runner gives a Docker action its inputs as INPUT_<NAME> variables and its file commands as paths in
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. Without GITHUB_OUTPUT we are not in Actions, and the image
behaves like `codecatalyst-gate wait --json` configured by the same variables.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from typing import TextIO

from gate import inputs
from gate.app import watch
from gate.clock import SystemClock
from gate.display import PlainDisplay, make_display
from gate.errors import GateError, InputError
from gate.formats import azure, github
from gate.progress import PREFIX
from gate.redact import Redactor
from gate.reporting import OutputTargets, emit, redacted
from gate.result import Result
from gate.settings import WaitSettings, run_target, wait_settings
from gate.signals import deferred_signals
from gate.textsafe import inert_line

INPUT_NAMES = ("space", "project", "run-id", "token", "endpoint", "interval", "timeout", "success-statuses")
FIELD_NAMES = {name: f"input '{name}'" for name in INPUT_NAMES}


def read_input(env: Mapping[str, str], name: str) -> str:
    """The runner sets INPUT_RUN-ID (hyphen kept); some runners and users write INPUT_RUN_ID. Empty means unset."""
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        value = env.get(key, "").strip()
        if value:
            return value
    return ""


def _seconds(env: Mapping[str, str], name: str) -> float | None:
    raw = read_input(env, name)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InputError(FIELD_NAMES[name], raw, "must be a number of seconds") from None


def raw_token(env: Mapping[str, str]) -> str:
    return (read_input(env, "token") or env.get("CODECATALYST_TOKEN", "")).strip()


def settings_from_env(env: Mapping[str, str]) -> WaitSettings:
    """Action inputs first, then the CLI's own variables, so the image behaves the same outside Actions."""
    field = FIELD_NAMES["token"] if read_input(env, "token") else "CODECATALYST_TOKEN"
    if not raw_token(env):
        raise InputError(FIELD_NAMES["token"], "", "is required: pass a CodeCatalyst personal access token "
                         "from a secret (token: ${{ secrets.CODECATALYST_TOKEN }})")
    target = run_target(
        space=read_input(env, "space") or env.get("CODECATALYST_SPACE"),
        project=read_input(env, "project") or env.get("CODECATALYST_PROJECT"),
        run_id=read_input(env, "run-id") or env.get("CODECATALYST_RUN_ID"),
        endpoint=read_input(env, "endpoint") or env.get("CODECATALYST_ENDPOINT"),
        token=inputs.validate_token(raw_token(env), field=field),
        names=FIELD_NAMES,
    )
    return wait_settings(
        target=target,
        interval=_seconds(env, "interval"),
        timeout=_seconds(env, "timeout"),
        success_statuses=[read_input(env, "success-statuses")],
        names=FIELD_NAMES,
    )


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def write_github_files(result: Result, env: Mapping[str, str]) -> None:
    """Appends, as the runner expects: other steps' outputs in the same file stay as they were. The caller
    (run) holds signals around the wait and this."""
    if env.get("GITHUB_OUTPUT"):
        _append(env["GITHUB_OUTPUT"], github.output_file_text(result.to_strings()))
    if env.get("GITHUB_STEP_SUMMARY"):
        _append(env["GITHUB_STEP_SUMMARY"], github.step_summary(result))


def run(env: Mapping[str, str] | None = None, *, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """The Action's main; returns the exit code (the same table as the CLI's)."""
    env = os.environ if env is None else env
    out, err = stdout or sys.stdout, stderr or sys.stderr
    in_actions = bool(env.get("GITHUB_OUTPUT"))
    # The token is never printed, not even as `::add-mask::<token>`: a line that carries it is shown as is
    # wherever the runner does not consume commands. Passed from `secrets.*`, the runner masks it already;
    # everything we print or write goes through the Redactor, which masks it even when a server echoes it.
    redactor = Redactor(raw_token(env))
    try:
        settings = settings_from_env(env)
    except GateError as e:
        message = inert_line(redactor.text(str(e)))
        if in_actions:
            print(github.command("error", message, title="CodeCatalyst gate: bad input"), file=out, flush=True)
        else:
            print(f"{PREFIX} error: {message}", file=err, flush=True)
        return int(e.exit_code)

    with deferred_signals():  # between the wait's end and the written outputs, no signal can cut in
        return _wait_and_report(settings, env=env, in_actions=in_actions, redactor=redactor, out=out, err=err)


def _wait_and_report(settings: WaitSettings, *, env: Mapping[str, str], in_actions: bool, redactor: Redactor,
                     out: TextIO, err: TextIO) -> int:
    clock = SystemClock()
    if not in_actions:
        result = watch(settings, make_display(redactor=redactor, clock=clock, stream=err), clock)
        emit(result, OutputTargets(json_stdout=True, azure=azure.detected(env)), stdout=out, stderr=err,
             redactor=redactor)
        return int(result.exit_code)

    # Fence the poll log: no line inside can be taken as a workflow command, whatever a server sends.
    fence = secrets.token_hex(16)
    print(github.command("group", f"Polling CodeCatalyst workflow run {settings.target.run_id}"), file=out)
    print(f"::stop-commands::{fence}", file=out, flush=True)
    try:
        result = watch(settings, PlainDisplay(redactor=redactor, clock=clock, stream=out), clock)
    finally:
        print(f"::{fence}::", file=out)
        print("::endgroup::", file=out, flush=True)
    result = redacted(result, redactor)
    write_github_files(result, env)
    annotation = github.failure_annotation(result)
    if annotation:
        print(annotation, file=out, flush=True)
    return int(result.exit_code)
