"""The StartWorkflowRun clientToken: one token per CI job or step execution, so no retry ever starts a second run.

The service returns the run a token already started (for the same workflow), so a token derived from
what identifies this execution in its CI system makes the gate run again there find its run again, while a new
execution (a new attempt, job ID or build) starts a new one. Each system has its own words for both, and the log
uses them: in GitHub the identity is the step and its attempt, in GitLab the job (a retry is a new job), in Azure
the job and its attempt, in Jenkins the build (a `retry` of a stage stays in it).

Limits of a derived token (say so in the docs; --client-token is the way out): the legs of a GitHub matrix
share GITHUB_JOB and GITHUB_ACTION, and on GitLab, Azure and Jenkins the identity is the job, not the step;
so two gate steps that start the *same* workflow in one matrix job or one GitLab/Azure/Jenkins job derive
the same token and the second finds the first's run instead of starting its own.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from gate.config import fields
from gate.config.validation import validate_client_token

_DIGEST_CHARS = 40  # 160 bits of sha256: a collision between two steps is out of reach


@dataclass(frozen=True)
class CiSystem:
    """A CI system, the variable that tells it apart, the variables naming one execution, and the words that
    system uses for that execution and for running again."""

    name: str
    prefix: str  # short, so the token says where it came from
    marker: str  # set only when running there
    required: tuple[str, ...]  # all needed, or the identity is unknown
    optional: tuple[tuple[str, str], ...] = ()  # (variable, default when unset)
    unit: str = ""  # what the identity names, in this system's words
    again: str = ""  # what runs the gate again with the same identity
    anew: str = ""  # what gets a new identity


SYSTEMS = (
    # GITHUB_ACTION is the step's id (`__run`, `__run_2`, `__owner_repo` for unnamed steps): steps differ.
    CiSystem("GitHub Actions", "gh", "GITHUB_RUN_ID",
             ("GITHUB_REPOSITORY", "GITHUB_RUN_ID", "GITHUB_JOB", "GITHUB_ACTION"),
             (("GITHUB_RUN_ATTEMPT", "1"),), unit="step", again="re-running this step in this attempt",
             anew="a new attempt"),
    # A retried GitLab job is a new job, with a new CI_JOB_ID.
    CiSystem("GitLab CI", "gl", "CI_JOB_ID", ("CI_JOB_ID",), (("CI_PROJECT_ID", ""),), unit="job",
             again="the gate run again in this job", anew="a retry of the job (a new job)"),
    CiSystem("Azure Pipelines", "az", "BUILD_BUILDID", ("BUILD_BUILDID", "SYSTEM_JOBID"),
             (("SYSTEM_JOBATTEMPT", "1"),), unit="job", again="the gate run again in this attempt of the job",
             anew="a new attempt of the job"),
    # BUILD_TAG is jenkins-${JOB_NAME}-${BUILD_NUMBER}: a rebuild is a new build number, a `retry` step is not.
    CiSystem("Jenkins", "jk", "BUILD_TAG", ("BUILD_TAG",), unit="build",
             again="the gate run again in this build (a `retry` of the stage)", anew="a new build"),
)


@dataclass(frozen=True)
class ClientToken:
    value: str
    how: str  # for the log: how the token was chosen (never a secret: CI ids and a workflow id)
    holder: str = "this gate"  # for the log: who may have started the run with this token already


def _identity(system: CiSystem, env: Mapping[str, str]) -> list[tuple[str, str]] | None:
    values = [(name, env.get(name, "").strip()) for name in system.required]
    if not all(value for _, value in values):
        return None
    values += [(name, env.get(name, "").strip() or default) for name, default in system.optional]
    return values


def derive(system: CiSystem, identity: list[tuple[str, str]], workflow_id: str) -> str:
    """`<prefix>-<40 hex>`: valid for the model's pattern, 43 characters, the same for the same inputs."""
    material = "\n".join([f"{name}={value}" for name, value in identity] + [f"workflowId={workflow_id.lower()}"])
    return f"{system.prefix}-{hashlib.sha256(material.encode('utf-8')).hexdigest()[:_DIGEST_CHARS]}"


def _random() -> str:
    return uuid.uuid4().hex


def choose_client_token(
    *,
    explicit: str | None,
    workflow_id: str,
    env: Mapping[str, str],
    field: str = fields.CLI("client-token"),
    random_token: Callable[[], str] = _random,
) -> ClientToken:
    """An explicit token (validated), else one derived from the CI job or step and the workflow, else a random one."""
    if explicit:  # validated as given: an empty value (an Action input left blank) means "not given"
        return ClientToken(validate_client_token(explicit, field=field), f"given by {field}",
                           f"a gate given this {field}")
    for system in SYSTEMS:
        if not env.get(system.marker, "").strip():
            continue
        identity = _identity(system, env)
        if identity is None:
            missing = ", ".join(n for n in system.required if not env.get(n, "").strip())
            return ClientToken(validate_client_token(random_token(), field="client token"),
                               f"random: {system.name} detected but {missing} unset, so {system.again} would start "
                               f"another run; pass {field} to prevent that")
        named = ", ".join(f"{name}={value}" for name, value in identity)
        return ClientToken(derive(system, identity, workflow_id),
                           f"derived from this {system.name} {system.unit} ({named}) and the workflow ID: "
                           f"{system.again} finds the same run; {system.anew} starts a new one",
                           f"this {system.unit}")
    return ClientToken(validate_client_token(random_token(), field="client token"),
                       f"random (no CI system detected); pass {field} to make retries find the same run")


def rerun_token(first: ClientToken, attempt: int, first_run_id: str) -> ClientToken:
    """The client token of attempt `attempt` (2, 3, ...) of a run that ended FAILED: derived from the first start's
    token (or, for a run given by ID, the token this step would have started it with), the first attempt's run ID
    and the attempt number (`rr<n>-<40 hex>`). The run ID tells apart the failed runs of one workflow, which share
    the step's token in CI: each is rerun on its own. The same CI step run again, with the same failed run, finds
    the same attempts instead of starting more."""
    material = f"{first.value}\nfirstRunId={first_run_id.lower()}\nattempt={attempt}"
    digest = hashlib.sha256(material.encode()).hexdigest()[:_DIGEST_CHARS]
    # Told in a few words: the log line names the attempt, and the first token's own explanation is not repeated.
    return ClientToken(f"rr{attempt}-{digest}", f"derived from the first attempt's token, its run ID ({first_run_id}) "
                       "and the attempt number", f"{first.holder} (attempt {attempt})")
