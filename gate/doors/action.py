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
from typing import TextIO

from gate import app
from gate.config.inputs import RawInputs, azure_summary_dir, in_azure_pipelines
from gate.config.settings import OutputTargets
from gate.config.variables import ACTION_INPUTS
from gate.textsafe import escape_what_streams_cannot_encode

INPUT_NAMES = ACTION_INPUTS
FIELD_NAMES = {name: f"input '{name}'" for name in INPUT_NAMES}


def read_input(env: Mapping[str, str], name: str) -> str:
    """The runner sets INPUT_RUN-ID (hyphen kept); some runners and users write INPUT_RUN_ID. Empty means unset."""
    for key in (f"INPUT_{name.upper()}", f"INPUT_{name.upper().replace('-', '_')}"):
        value = env.get(key, "").strip()
        if value:
            return value
    return ""


def raw_inputs(env: Mapping[str, str]) -> RawInputs:
    """Action inputs first, then the CLI's own variables, so the image behaves the same outside Actions."""
    def value(name: str, variable: str | None = None) -> str | None:
        return read_input(env, name) or (env.get(variable) if variable else None) or None

    in_actions = bool(env.get("GITHUB_OUTPUT"))
    junit = value("junit-xml", "CODECATALYST_JUNIT_XML")
    if in_actions:
        outputs = OutputTargets(github_output=Path(env["GITHUB_OUTPUT"]), github_commands=True,
                                github_summary=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY")
                                else None, junit_xml=Path(junit) if junit else None)
    else:
        outputs = OutputTargets(json_stdout=True, azure=in_azure_pipelines(env),
                                azure_summary_dir=azure_summary_dir(env), junit_xml=Path(junit) if junit else None)
    from_variable = not read_input(env, "token") and env.get("CODECATALYST_TOKEN", "").strip()
    return RawInputs(
        space=value("space", "CODECATALYST_SPACE"),
        project=value("project", "CODECATALYST_PROJECT"),
        run_id=value("run-id", "CODECATALYST_RUN_ID"),
        endpoint=value("endpoint", "CODECATALYST_ENDPOINT"),
        token=(read_input(env, "token") or env.get("CODECATALYST_TOKEN", "")).strip(),
        token_env=env,
        workflow=value("workflow", "CODECATALYST_WORKFLOW"),
        branch=value("branch", "CODECATALYST_BRANCH"),
        repository=value("repository", "CODECATALYST_REPOSITORY"),
        start=read_input(env, "start"),
        latest=read_input(env, "latest"),
        since=value("since", "CODECATALYST_SINCE"),
        client_token=value("client-token", "CODECATALYST_CLIENT_TOKEN"),
        follow_superseded=read_input(env, "follow-superseded"),
        fail_fast=read_input(env, "fail-fast"),
        output_prefix=value("output-prefix", "CODECATALYST_OUTPUT_PREFIX"),
        interval=value("interval"),
        timeout=value("timeout"),
        success_statuses=[read_input(env, "success-statuses")],
        retry_base=hidden_number(env.get("CODECATALYST_RETRY_BASE", "")),
        outputs=outputs,
        # In Actions the poll log is the step's log, fenced; elsewhere stdout carries the JSON.
        display_stream="stdout" if in_actions else "stderr",
        fenced=in_actions,
        token_hint="pass a CodeCatalyst personal access token from a secret "
                   "(token: ${{ secrets.CODECATALYST_TOKEN }})",
        names={**FIELD_NAMES, "token": "CODECATALYST_TOKEN" if from_variable else FIELD_NAMES["token"]},
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
    return app.main(raw_inputs(env), command="wait", env=env, stdout=stdout, stderr=stderr)
