"""The field table: every setting a user can give, defined once, with every name a door knows it by.

Each `Field` holds a setting's key (what errors carry), its CLI flag, its environment variable, its Action input,
its default and its help. The doors are built from this table or checked against it: the click options of
`wait` and `get` (gate.doors.cli), the Action's input reading (gate.doors.action), the variables the gate reads
(gate.config.variables), and action.yml's `inputs:` (tests/unit/test_fields.py fails on an option or an input
that is not here, and on an action.yml input whose description, default or `required` differs from its row).

Adding a setting is one row here, then:
  - `wait`/`get` get the option from the row (`flag`, `kind`, `commands`, `env`, `help`, `default`);
  - with `action_input`, the Action reads INPUT_<NAME> (then `env`, unless it is a flag) into RawInputs' field of
    the key's name (`run-id` -> `run_id`), and action.yml must declare it as `action_inputs()` says (the test
    prints the block to paste);
  - RawInputs needs a field of that name, and gate.config.inputs the rule that reads it.
No door's name travels as a preformatted string: each door makes one `Naming`, knowing where each value came from
(its flag, its variable, its input), and that travels instead (RawInputs, Settings, OutputTargets, the picker, the
loop's rules, the retry policy), wording a key where a message is formed: `--project`, `CODECATALYST_PROJECT`, or
input 'project'. An InputError carries the key and the source besides the words; a NotWritten, the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from gate.defaults import CI_SINCE_GRACE, DEFAULT_ENDPOINT, DEFAULT_OUTPUT_PREFIX, FIPS_ENDPOINT
from gate.errors import InputError
from gate.statuses import TERMINAL_STATUSES

Kind = Literal["text", "list", "flag", "path", "file", "number"]
Door = Literal["cli", "action", "container"]


@dataclass(frozen=True, kw_only=True)
class Field:
    """One setting, every name it has. `help` is the CLI's line without its `[default …; env …]`, which is built
    from `default` and `env`; `action_help` is action.yml's description (None: no Action input)."""

    key: str
    help: str
    flag: str | None = None  # the CLI option; None: the CLI takes it from `env` alone (the token, never argv)
    short: str | None = None
    param: str | None = None  # click's parameter name, when not the flag's (`--json` -> json_stdout)
    env: str | None = None  # the variable the CLI reads when the flag is not given (and the Action after its input)
    action_input: str | None = None
    action_help: str | None = None
    action_required: bool = False
    default: str | None = None  # as documented: the help's [default …] and the Action's "Empty means …"
    kind: Kind = "text"
    metavar: str | None = None  # the help's placeholder, where click's TEXT would mislead (a count: N)
    commands: frozenset[str] = frozenset({"wait"})
    hidden: bool = False
    secret: bool = False  # never on argv: a hidden `--<key>` only says how to pass it (gate.doors.cli)
    help_by_command: Mapping[str, str] = field(default_factory=dict)  # a command that says it its own way

    @property
    def attribute(self) -> str:
        """Its name in RawInputs and in click's options: `run-id` -> `run_id`."""
        return self.param or self.key.replace("-", "_")

    def cli_help(self, command: str = "wait") -> str:
        text = self.help_by_command.get(command, self.help)
        notes = [f"default {self.default}"] if self.default else []
        notes += [f"env {self.env}"] if self.env and not self.hidden else []
        return f"{text} [{'; '.join(notes)}]." if notes else f"{text}."


BOTH = frozenset({"wait", "get"})
ALL = frozenset({"wait", "get", "start"})
WAIT_START = frozenset({"wait", "start"})

FIELDS: tuple[Field, ...] = (
    Field(key="space", flag="--space", env="CODECATALYST_SPACE", action_input="space", action_required=True,
          commands=ALL, help="Space name",
          action_help="The CodeCatalyst space name (3-63 characters)."),
    Field(key="project", flag="--project", env="CODECATALYST_PROJECT", action_input="project", action_required=True,
          commands=ALL, help="Project name",
          action_help="The CodeCatalyst project name."),
    Field(key="run-id", flag="--run-id", env="CODECATALYST_RUN_ID", action_input="run-id", kind="list",
          commands=BOTH,
          help="Workflow run ID, a UUID; repeat it or comma-separate several to gate them together",
          help_by_command={"get": "Workflow run ID, a UUID (one)"},
          action_help="The workflow run ID (a UUID). Give this or `workflow` (with `start` or `latest`). Several, "
                      "newline- or comma-separated, are gated together with one verdict."),
    Field(key="endpoint", flag="--endpoint", env="CODECATALYST_ENDPOINT", action_input="endpoint",
          default=DEFAULT_ENDPOINT, commands=ALL, help="API endpoint, https (http only for loopback)",
          action_help="The API endpoint, https only (plain http for loopback hosts alone). Empty means "
                      f"{DEFAULT_ENDPOINT}."),
    Field(key="fips", flag="--fips", kind="flag", commands=ALL, help=f"Use the FIPS endpoint {FIPS_ENDPOINT}"),
    Field(key="token", env="CODECATALYST_TOKEN", action_input="token", action_required=True, secret=True,
          commands=ALL, help="A CodeCatalyst personal access token, sent as a bearer token",
          action_help="A CodeCatalyst personal access token, sent as a bearer token. Pass it from a secret."),
    Field(key="token-file", flag="--token-file", kind="file", commands=ALL,
          help="Read the bearer token from this file. Without it the token comes from env CODECATALYST_TOKEN, then "
               "AWS_BEARER_TOKEN_CODECATALYST, then the `aws sso login` cache of --profile / AWS_PROFILE; never "
               "from argv"),
    Field(key="profile", flag="--profile", commands=ALL,
          help="AWS profile whose `aws sso login` token to use when no token is set [env AWS_PROFILE]"),
    Field(key="workflow", flag="--workflow", env="CODECATALYST_WORKFLOW", action_input="workflow", kind="list",
          commands=WAIT_START,
          help_by_command={"start": "The workflow to start a run of: its ID (a UUID), exact name, or NAME@BRANCH"},
          help="Pick the run through this workflow, by ID (a UUID), exact name, or NAME@BRANCH; with --start or "
               "--latest, instead of --run-id. Repeat it or comma-separate several to gate their runs together",
          action_help="Pick the run through a workflow, by ID (a UUID), exact name or NAME@BRANCH, with `start: "
                      "true` (start a new run and wait on it) or `latest: true` (wait on its newest run). No match or "
                      "several: exit 2, nothing started, and the candidates are listed. Several, newline- or "
                      "comma-separated, are gated together."),
    Field(key="branch", flag="--branch", env="CODECATALYST_BRANCH", action_input="branch",
          commands=WAIT_START,
          help="With --workflow NAME: the workflow's source branch",
          action_help="With a workflow name, the workflow's source branch."),
    Field(key="repository", flag="--repository", env="CODECATALYST_REPOSITORY", action_input="repository",
          commands=WAIT_START,
          help="With --workflow NAME: the workflow's source repository",
          action_help="With a workflow name, the workflow's source repository."),
    Field(key="start", flag="--start", env="CODECATALYST_START", action_input="start", kind="flag",
          help="Start a new run of --workflow, then wait on it; a retried start never makes a second run (one "
               "client token per CI job or step execution)",
          action_help="'true' starts a new run of `workflow`. Re-running this step in the same attempt finds the "
                      "run it started (the client token derives from the run, attempt, job and step); a new attempt "
                      "starts a new run."),
    Field(key="latest", flag="--latest", env="CODECATALYST_LATEST", action_input="latest", kind="flag",
          help="Wait on the newest run of --workflow (by start time), looking until one exists",
          action_help="'true' waits on the newest run of `workflow`, looking until one exists."),
    Field(key="since", flag="--since", env="CODECATALYST_SINCE", action_input="since",
          default=f"in CI: when the pipeline was created or its push happened, less {CI_SINCE_GRACE:g} s; "
                  "elsewhere none, and a run that ended before the gate started is reported stale",
          help="With --latest: only a run started at or after this RFC 3339 time",
          action_help="With `latest`, only a run started at or after this RFC 3339 time. Default: the time in the "
                      "event payload (a push's `repository.pushed_at`, a pull request's `updated_at`, a "
                      f"workflow_run's `created_at`) less {CI_SINCE_GRACE:g} s; other events carry none, and a "
                      "run that ended before this step started is then reported (output `stale`)."),
    Field(key="client-token", flag="--client-token", env="CODECATALYST_CLIENT_TOKEN", action_input="client-token",
          default="derived from the CI job's or step's identity and the workflow, random outside CI",
          commands=WAIT_START, help_by_command={"start": "StartWorkflowRun's idempotency token"},
          help="With --start: StartWorkflowRun's idempotency token",
          action_help="With `start`, StartWorkflowRun's idempotency token (1-64 letters and digits, single - _ . "
                      "between)."),
    Field(key="follow-superseded", flag="--follow-superseded", env="CODECATALYST_FOLLOW_SUPERSEDED",
          action_input="follow-superseded", kind="flag",
          help="When the run ends SUPERSEDED, gate on the run that superseded it instead (repeatedly, under the "
               "one deadline)",
          action_help="'true': when the run ends SUPERSEDED, gate on the run that superseded it instead."),
    Field(key="fail-fast", flag="--fail-fast", env="CODECATALYST_FAIL_FAST", action_input="fail-fast", kind="flag",
          help="With several runs: stop at the first that can no longer pass, and report the others as they stood",
          action_help="'true': with several runs, stop at the first that can no longer pass."),
    Field(key="rerun-failed", flag="--rerun-failed", env="CODECATALYST_RERUN_FAILED", action_input="rerun-failed",
          default="0", metavar="N",
          help="When a run ends FAILED (only FAILED), start its workflow again, at most this many times (0-5), and "
               "gate on the last attempt; every attempt is reported, the first failure included",
          action_help="When a run ends FAILED (only FAILED: not STOPPED, CANCELLED, a timeout or a refusal), start "
                      "its workflow again, at most this many times (0-5), and gate on the last attempt. Re-running "
                      "the step finds the same attempts. Every attempt is in the `attempts` output. Empty means 0."),
    Field(key="wait", action_input="wait", kind="flag", default="true", commands=frozenset(),
          help="Wait on the run; 'false' only starts it (the CLI's `start` command)",
          action_help="'false' starts the run of `workflow` (with `start: true`) and ends the step at once, with "
                      "the outputs a start knows written (run-id, workflow-id, workflow-name, space, project, "
                      "run-url, started, api-calls, throttled, exit-code); a later step or job gates it with "
                      "`run-id`. The start is found again as with `start`: re-running the step starts no second "
                      "run."),
    Field(key="interval", flag="--interval", action_input="interval",
          default="adaptive when omitted: sparse while the run is far from the workflow's usual duration, dense "
                  "around it, never more often than every second",
          help="Time between polls, fixed (e.g. 10, 10s, 1m; minimum 0.1 s)",
          action_help="Time between polls, fixed: 10, 10s, 1m (minimum 0.1 s). Empty means adaptive: polls "
                      "sparsely while the run is far from its usual duration and densely around it, learned from "
                      "the workflow's recent runs."),
    Field(key="timeout", flag="--timeout", action_input="timeout", default="1h",
          commands=WAIT_START,
          help_by_command={"start": "Give up retrying the start after this long (e.g. 60, 5m); 0 means never"},
          help="Give up after this long (e.g. 3600, 90m, 1h30m); 0 means never",
          action_help="Give up after this long (exit 3), e.g. 3600, 90m or 1h30m; 0 means never. Empty means 1h."),
    Field(key="success-statuses", flag="--success-status", param="success_statuses",
          action_input="success-statuses", kind="list", default="SUCCEEDED",
          help="Terminal status that counts as success; repeat or comma-separate. One of: "
               + ", ".join(sorted(TERMINAL_STATUSES)),
          action_help="Terminal statuses that pass the gate, comma- or newline-separated. Empty means SUCCEEDED. "
                      "Any of SUCCEEDED, FAILED, STOPPED, SUPERSEDED, CANCELLED, NOT_RUN, ABANDONED."),
    Field(key="json", flag="--json", param="json_stdout", kind="flag",
          commands=WAIT_START,
          help="Print the result object as JSON on stdout"),
    Field(key="output-file", flag="--output-file", kind="path",
          commands=WAIT_START,
          help="Also write the result object as JSON to this file"),
    Field(key="dotenv", flag="--dotenv", param="dotenv_file", kind="path",
          commands=WAIT_START,
          help="Also write every result key as CODECATALYST_GATE_<KEY>=value to this file, one a line (GitLab "
               "artifacts:reports:dotenv, Jenkins readProperties)"),
    Field(key="output-prefix", flag="--output-prefix", env="CODECATALYST_OUTPUT_PREFIX", action_input="output-prefix",
          default=DEFAULT_OUTPUT_PREFIX,
          commands=WAIT_START,
          help="The prefix of the --dotenv and Azure variables' names, so that two gates can feed one job (e.g. "
               "STAGING_); never one that names an input",
          action_help="Outside GitHub Actions (the image in Azure Pipelines), the prefix of the output variables' "
                      f"names. Empty means {DEFAULT_OUTPUT_PREFIX}. Step outputs here keep the key names below."),
    Field(key="junit-xml", flag="--junit-xml", env="CODECATALYST_JUNIT_XML", action_input="junit-xml", kind="path",
          help="Also write a JUnit XML report to this file: one testcase per run, a failure for a run that failed, "
               "an error for one the gate could not judge (GitLab, Jenkins and Azure test tabs)",
          action_help="Also write a JUnit XML report to this path (relative to the workspace): one testcase per "
                      "run, a failure for a run that failed, an error for one the gate could not judge. Written on "
                      "every exit. Empty means none."),
    Field(key="heartbeat", flag="--heartbeat", default="60s",
          help="When stderr is not a terminal, print a line after this long without one (e.g. 60, 5m), so CI "
               "systems that stop silent jobs don't; 0 turns it off"),
    Field(key="quiet", flag="--quiet", short="-q", kind="flag",
          commands=WAIT_START,
          help="Print errors and warnings only (outputs and exit codes are unchanged)"),
    Field(key="retry-base", flag="--retry-base", env="CODECATALYST_RETRY_BASE", kind="number", hidden=True,
          default="2", commands=WAIT_START,
          help="The backoff's first ceiling in seconds; tests set 0 to retry at the interval"),
)

BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
ACTION_INPUTS: tuple[str, ...] = tuple(f.action_input for f in FIELDS if f.action_input)
VARIABLES: frozenset[str] = frozenset(f.env for f in FIELDS if f.env)


def options_of(command: str) -> tuple[Field, ...]:
    """The fields `command` takes as options, in the order its --help lists them."""
    return tuple(f for f in FIELDS if f.flag and command in f.commands)


def action_inputs() -> dict[str, dict[str, object]]:
    """action.yml's `inputs:` as the table says them (yaml.safe_load's shape): what the Docker action, and every
    other action that runs the gate, must declare."""
    return {f.action_input: {"description": f.action_help, "required": True} if f.action_required else
            {"description": f.action_help, "required": False,
             "default": (f.default or "false") if f.kind == "flag" else ""}
            for f in FIELDS if f.action_input}


class Source(Enum):
    """Where a value came from: each names the field its own way."""

    FLAG = "flag"
    ENV = "env"
    INPUT = "input"


def words(key: str, source: Source) -> str:
    """A field as the user who gave it that way knows it: `--project`, `CODECATALYST_PROJECT`, input 'project'.
    When the field has no name of that kind, the nearest it has; a flag only for a flag."""
    f = BY_KEY[key]
    action = f"input '{f.action_input}'" if f.action_input else None
    if source is Source.FLAG:
        return f.flag or f.env or key
    if source is Source.ENV:
        return f.env or action or key
    return action or f.env or key


@dataclass(frozen=True)
class Naming:
    """How one door names its fields: a given field by where its value came from, any other by the door's own
    kind of name (the CLI's flags, the Action's inputs). Made by the door; `naming("project")` words a key."""

    door: Door = "cli"
    given: Mapping[str, Source] = field(default_factory=dict)

    def source(self, key: str) -> Source:
        """Where `key`'s value came from; for one not given, the kind of name the door offers for it."""
        if key in self.given:
            return self.given[key]
        f = BY_KEY[key]
        if self.door == "action":
            return Source.INPUT if f.action_input or not f.env else Source.ENV
        return Source.FLAG if f.flag else Source.ENV

    def __call__(self, key: str) -> str:
        return words(key, self.source(key))

    def keyed(self, error: InputError) -> InputError:
        """The error with the key of the field it names and where that field's value came from (None: not given),
        when the rule that raised it knew only the field's words."""
        if error.key is None:
            error.key = next((key for key in BY_KEY if self(key) == error.field), None)
        if error.key is not None and error.source is None and error.key in self.given:
            error.source = self.given[error.key].value
        return error


CLI = Naming("cli")
ACTION = Naming("action")
