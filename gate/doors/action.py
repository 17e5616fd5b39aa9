"""The GitHub Action: inputs from the runner's environment, then the same gate as `codecatalyst-gate wait`.

The runner gives a Docker action its inputs as INPUT_<NAME> variables and its file commands as paths in
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. Without GITHUB_OUTPUT (a runner that gives none) it behaves like
`codecatalyst-gate wait --json` configured by the same variables. The image's entrypoint comes here only in a runner
(gate.doors.container decides). This module only reads: gate.app runs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from gate import app
from gate.config import fields
from gate.config.fields import Naming, Source
from gate.config.inputs import RawInputs, azure_summary_dir, in_azure_pipelines
from gate.config.settings import Command, OutputTargets
from gate.textsafe import escape_what_streams_cannot_encode

INPUT_NAMES = fields.ACTION_INPUTS
TOKEN_HINT = "pass a CodeCatalyst personal access token from a secret (token: ${{ secrets.CODECATALYST_TOKEN }})"


def read_input(env: Mapping[str, str], name: str) -> str:
    """The runner sets INPUT_RUN-ID (hyphen kept); some runners and users write INPUT_RUN_ID. Empty means unset."""
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        value = env.get(key, "").strip()
        if value:
            return value
    return ""


def given(env: Mapping[str, str]) -> dict[str, tuple[str, Source]]:
    """Each field of the table that is set, and where: its input first, then the CLI's own variable, so that the
    image behaves the same outside Actions. A flag is its input alone (the CLI's variable for it takes 1, yes or
    on, which the Action's true/false would refuse); a field with no input is its variable (the hidden ones)."""
    found: dict[str, tuple[str, Source]] = {}
    for f in fields.FIELDS:
        if f.action_input and (value := read_input(env, f.action_input)):
            found[f.key] = value, Source.INPUT
        elif f.env and (f.kind != "flag" or not f.action_input) and (value := env.get(f.env, "").strip()):
            found[f.key] = value, Source.ENV
    return found


def raw_inputs(env: Mapping[str, str]) -> RawInputs:
    """The fields as given (gate.config.inputs runs every rule), with where each came from for its errors' words."""
    values = given(env)
    text = {key: value for key, (value, _) in values.items()}
    in_actions = bool(env.get("GITHUB_OUTPUT"))
    junit = Path(text["junit-xml"]) if "junit-xml" in text else None
    if in_actions:
        outputs = OutputTargets(github_output=Path(env["GITHUB_OUTPUT"]), github_commands=True,
                                github_summary=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY")
                                else None, junit_xml=junit)
    else:
        outputs = OutputTargets(json_stdout=True, azure=in_azure_pipelines(env),
                                azure_summary_dir=azure_summary_dir(env), junit_xml=junit)
    naming = Naming("action", {key: source for key, (_, source) in values.items()})
    taken = {"junit-xml", "success-statuses", "retry-base"}
    as_given: dict[str, Any] = {fields.BY_KEY[key].attribute: value for key, value in text.items() if key not in taken}
    return RawInputs(
        **as_given,
        token_env=env,
        success_statuses=[text.get("success-statuses", "")],
        retry_base=hidden_number(text.get("retry-base", "")),
        outputs=outputs,
        # In Actions the poll log is the step's log, fenced; elsewhere stdout carries the JSON.
        display_stream="stdout" if in_actions else "stderr",
        fenced=in_actions,
        token_hint=TOKEN_HINT,
        naming=naming,
    )


def hidden_number(text: str) -> float | None:
    """A hidden setting for tests (the backoff's first ceiling, as the CLI's --retry-base); unset or not a number:
    the default."""
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


def run(env: Mapping[str, str] | None = None, *, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """The Action's main; returns the exit code (the same table as the CLI's).

    The token is never printed, not even as `::add-mask::<token>`: a line that carries it is shown as is wherever
    the runner does not consume commands. Passed from `secrets.*`, the runner masks it already; everything we print
    or write goes through the Redactor, which masks it in free text even when a server echoes it
    (gate.report.redact)."""
    env = os.environ if env is None else env
    if stdout is None and stderr is None:
        escape_what_streams_cannot_encode()  # the process's own streams: no encoding can make a write raise
    raw = raw_inputs(env)
    # `wait: 'false'` is the CLI's `start` (any other value than true or false is refused with the other inputs).
    command: Command = "start" if str(raw.wait).strip().lower() == "false" else "wait"
    return app.main(raw, command=command, env=env, stdout=stdout, stderr=stderr)
