"""Variable names: those the gate reads as inputs, and those it writes as outputs (dotenv, Azure), kept apart.

A GitLab dotenv report hands its variables to every later job, ahead of the job's own `variables:`; an Azure output
variable reaches later steps as an environment variable. So no output may ever have the name of a variable the gate
reads: a second gate in a later job would take the first one's run ID, space or project as its own. Outputs are
`CODECATALYST_GATE_<KEY>` by default; `--output-prefix` chooses another prefix (two gates feeding one job), and a
prefix that would name an input is refused.
"""

from __future__ import annotations

import re

from gate import defaults
from gate.config import fields
from gate.errors import InputError

DEFAULT_OUTPUT_PREFIX = defaults.DEFAULT_OUTPUT_PREFIX
PREFIX_RULE = "letters, digits and _, not starting with a digit (GitLab's, Azure's and a shell's variable names)"
MAX_PREFIX_LENGTH = 64
_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# The CLI's own variables and the Action's inputs (as the runner spells them and as users do): the field table's.
CLI_VARIABLES = fields.VARIABLES
ACTION_INPUTS = fields.ACTION_INPUTS
# What else the gate reads: where outputs go, the CI step's identity (gate.pick.idempotency), the AWS tools' token
# sources (gate.config.credentials), the terminal (gate.report.display).
OTHER_VARIABLES = frozenset({
    "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "TF_BUILD", "AGENT_TEMPDIRECTORY",
    "GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH", "GITLAB_CI", "CI_PIPELINE_CREATED_AT",
    "SYSTEM_PIPELINESTARTTIME",
    "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "GITHUB_JOB", "GITHUB_ACTION",
    "CI_JOB_ID", "CI_PROJECT_ID", "BUILD_BUILDID", "SYSTEM_JOBID", "SYSTEM_JOBATTEMPT", "BUILD_TAG",
    "AWS_BEARER_TOKEN_CODECATALYST", "AWS_PROFILE", "AWS_CONFIG_FILE", "HOME", "USERPROFILE",
    "TERM", "NO_COLOR",
})
READ = CLI_VARIABLES | OTHER_VARIABLES | {
    f"INPUT_{variant}" for name in ACTION_INPUTS for variant in (name.upper(), name.upper().replace("-", "_"))}


def output_name(key: str, prefix: str = DEFAULT_OUTPUT_PREFIX) -> str:
    """`run-id` → `CODECATALYST_GATE_RUN_ID` (or `<prefix>RUN_ID`)."""
    return prefix + key.upper().replace("-", "_")


def validate_output_prefix(value: str, *, keys: tuple[str, ...], field: str) -> str:
    """A prefix whose every output name (one per key in `keys`) is a valid variable name the gate never reads."""
    if not value or len(value) > MAX_PREFIX_LENGTH or not _PREFIX.fullmatch(value):
        raise InputError(field, value, f"must be 1-{MAX_PREFIX_LENGTH} {PREFIX_RULE}")
    taken = [name for name in (output_name(key, value) for key in keys) if name.upper() in READ]
    if taken:
        raise InputError(field, value, f"would name an output {taken[0]}, a variable the gate reads as an input; "
                                       f"outputs must never be read back (the default is {DEFAULT_OUTPUT_PREFIX})")
    return value
