"""The gate's configuration: frozen, typed values with no I/O, made once by gate.config.inputs (every rule runs there)
and read by everything after. Defaults: gate.defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from gate import defaults
from gate.config import fields
from gate.config.fields import Naming
from gate.config.variables import DEFAULT_OUTPUT_PREFIX

Command = Literal["wait", "get", "start"]


@dataclass(frozen=True, kw_only=True)
class Project:
    """Where: the space and project, the endpoint, and the secret to ask with (and, for the log, its source)."""

    space: str
    project: str
    endpoint: str
    token: str = field(repr=False)
    token_source: str = ""


@dataclass(frozen=True, kw_only=True)
class WorkflowRef:
    """A workflow by ID (a UUID) or by exact name, narrowed by branch and repository."""

    workflow: str
    branch: str | None = None
    repository: str | None = None


@dataclass(frozen=True, kw_only=True)
class RunChoice:
    """Which runs the gate is about: run IDs, or workflows whose new run it starts or whose newest run it takes.
    One run is the common case; several are gated together with one verdict (gate.wait.loop)."""

    run_ids: tuple[str, ...] = ()
    workflows: tuple[WorkflowRef, ...] = ()
    start: bool = False
    latest: bool = False
    since: datetime | None = None  # with latest: only a run started at or after this
    client_token: str | None = None  # with start: given (validated); None: derived or random (gate.pick.idempotency)
    follow_superseded: bool = False  # a run that ends SUPERSEDED hands the gate over to the run that replaced it
    fail_fast: bool = False  # several runs: stop at the first that can no longer pass
    rerun_failed: int = 0  # a run that ends FAILED: its workflow started again, at most this many times

    @property
    def count(self) -> int:
        return len(self.run_ids) + len(self.workflows)

    @property
    def run_id(self) -> str | None:
        """The one run ID given, when exactly one was."""
        return self.run_ids[0] if len(self.run_ids) == 1 and not self.workflows else None


@dataclass(frozen=True, kw_only=True)
class RetrySettings:
    """How transient failures are retried (gate.pace.retry)."""

    max_retries: int = defaults.MAX_RETRIES
    first_contact_retries: int = defaults.FIRST_CONTACT_RETRIES
    base: float = defaults.BACKOFF_BASE
    cap: float = defaults.BACKOFF_CAP
    # The jitter: a draw from [low, high]; None is random.uniform (imported when a retry needs it, not at start).
    uniform: Callable[[float, float], float] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class PollSettings:
    """How to wait."""

    interval: float | None = None  # None: no --interval given, the adaptive policy decides
    timeout: float | None = defaults.DEFAULT_TIMEOUT  # None: no deadline
    success_statuses: frozenset[str] = defaults.DEFAULT_SUCCESS_STATUSES
    retry: RetrySettings = RetrySettings()


@dataclass(frozen=True, kw_only=True)
class OutputTargets:
    """Where the result goes besides the exit code."""

    json_stdout: bool = False
    output_file: Path | None = None
    dotenv_file: Path | None = None
    azure: bool = False  # Azure Pipelines logging commands (TF_BUILD=True): output variables, an error issue
    github_output: Path | None = None  # $GITHUB_OUTPUT, appended to
    github_summary: Path | None = None  # $GITHUB_STEP_SUMMARY, appended to
    github_commands: bool = False  # workflow commands on stdout: the failure annotation, errors as annotations
    prefix: str = DEFAULT_OUTPUT_PREFIX  # of the dotenv and Azure variables' names (gate.config.variables)
    junit_xml: Path | None = None  # --junit-xml: a JUnit report, one testcase per run
    azure_summary_dir: Path | None = None  # Azure Pipelines: the agent's temp folder, for ##vso[task.uploadsummary]
    naming: Naming = fields.CLI  # how the door that was given these names them (a file that cannot be written)


@dataclass(frozen=True, kw_only=True)
class DisplaySettings:
    """How progress is shown while the gate waits."""

    stream: Literal["stdout", "stderr"] = "stderr"
    quiet: bool = False
    heartbeat: float | None = defaults.DEFAULT_HEARTBEAT  # None: off
    fenced: bool = False  # inside a GitHub log group, with workflow commands stopped (no server line can be one)


@dataclass(frozen=True, kw_only=True)
class Settings:
    command: Command
    project: Project
    run: RunChoice
    polling: PollSettings = PollSettings()
    outputs: OutputTargets = OutputTargets()
    display: DisplaySettings = DisplaySettings()
    naming: Naming = fields.CLI  # what the user calls each field, as the door that received it says (errors, notes)
