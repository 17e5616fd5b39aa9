"""Raw inputs (flags, env vars or Action inputs, as text) → one frozen, validated Settings object.

Both entry points (the CLI and the Action) read their inputs into `RawInputs` and call `parse_settings`; every
input rule runs here, before any request, and every problem is reported at once. Defaults: gate.defaults.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from gate import defaults, validation
from gate.errors import InputError, InputErrors
from gate.statuses import parse_success_statuses

Command = Literal["wait", "get"]
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RunTarget:
    """Which run, where, and the secret to ask with."""

    space: str
    project: str
    run_id: str
    endpoint: str
    token: str = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class RetrySettings:
    """How transient failures are retried (gate.retry)."""

    max_retries: int = defaults.MAX_RETRIES
    first_contact_retries: int = defaults.FIRST_CONTACT_RETRIES
    base: float = defaults.BACKOFF_BASE
    cap: float = defaults.BACKOFF_CAP
    uniform: Callable[[float, float], float] = field(default=random.uniform, compare=False, repr=False)  # jitter


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
    target: RunTarget
    polling: PollSettings = PollSettings()
    outputs: OutputTargets = OutputTargets()
    display: DisplaySettings = DisplaySettings()


@dataclass(frozen=True, kw_only=True)
class RawInputs:
    """What an entry point read, before any rule ran. `names` maps each field to what the user calls it (a flag,
    an env var, an Action input), so that errors speak the user's language."""

    space: str | None = None
    project: str | None = None
    run_id: str | None = None
    endpoint: str | None = None
    fips: bool = False
    token: str | None = field(default=None, repr=False)
    token_file: str | None = None
    token_hint: str = validation.TOKEN_HINT  # how to pass a token, said when there is none
    interval: str | float | None = None
    timeout: str | float | None = None
    heartbeat: str | float | None = None
    success_statuses: Sequence[str] = ()
    quiet: bool = False
    retry_base: float | None = None  # the backoff's first ceiling; tests set 0 to retry at the floor
    outputs: OutputTargets = OutputTargets()
    display_stream: Literal["stdout", "stderr"] = "stderr"
    fenced: bool = False
    names: Mapping[str, str] = field(default_factory=dict)


CLI_NAMES = {
    "space": "--space", "project": "--project", "run-id": "--run-id", "endpoint": "--endpoint",
    "token": "CODECATALYST_TOKEN", "token-file": "--token-file", "interval": "--interval",
    "timeout": "--timeout", "heartbeat": "--heartbeat", "success-statuses": "--success-status",
    "output-file": "--output-file", "dotenv": "--dotenv",
}


def read_token(raw: RawInputs, name: Callable[[str], str]) -> str:
    """`--token-file` wins over the token variable or input; the token never comes from argv.
    A file's problem names its path, never its content."""
    if raw.token_file:
        path = Path(raw.token_file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
            raise InputError(name("token-file"), str(path), f"must be a readable file ({reason})") from None
        if not text.strip():
            raise InputError(name("token-file"), str(path), "the file is empty: it must hold the token")
        return validation.validate_token(text, field=f"{name('token-file')} {path}")
    return validation.validate_token(raw.token or "", field=name("token"), hint=raw.token_hint)


def _required(value: str | None, field_name: str) -> str:
    """A missing flag names the variable that stands in for it; an Action input is just required."""
    if value is None or not value.strip():
        variable = {"--space": "CODECATALYST_SPACE", "--project": "CODECATALYST_PROJECT",
                    "--run-id": "CODECATALYST_RUN_ID"}.get(field_name)
        raise InputError(field_name, "", f"is required (or set {variable})" if variable else "is required")
    return value.strip()


def parse_settings(raw: RawInputs, *, command: Command) -> Settings:
    """Every rule, every input: the problems of all of them in one InputErrors (or the one InputError)."""
    names = {**CLI_NAMES, **raw.names}
    problems: list[InputError] = []

    def name(key: str) -> str:
        return names[key]

    def check(rule: Callable[[], T]) -> T | None:
        try:
            return rule()
        except InputErrors as e:
            problems.extend(e.errors)
        except InputError as e:
            problems.append(e)
        return None

    def endpoint() -> str:
        if raw.fips and raw.endpoint:
            raise InputError(name("endpoint"), raw.endpoint, "cannot be combined with --fips; pick one")
        chosen = defaults.FIPS_ENDPOINT if raw.fips else (raw.endpoint or "").strip() or defaults.DEFAULT_ENDPOINT
        return validation.validate_endpoint(chosen, field=name("endpoint"))

    token = check(lambda: read_token(raw, name))
    space = check(lambda: validation.validate_space(_required(raw.space, name("space")), field=name("space")))
    project = check(lambda: validation.validate_project(_required(raw.project, name("project")),
                                                        field=name("project")))
    run_id = check(lambda: validation.validate_run_id(_required(raw.run_id, name("run-id")), field=name("run-id")))
    url = check(endpoint)
    interval = check(lambda: None if raw.interval in (None, "") else
                     validation.validate_interval(raw.interval, field=name("interval")))
    timeout = check(lambda: validation.validate_timeout(
        defaults.DEFAULT_TIMEOUT if raw.timeout in (None, "") else raw.timeout, field=name("timeout")))
    heartbeat = check(lambda: validation.validate_heartbeat(
        defaults.DEFAULT_HEARTBEAT if raw.heartbeat in (None, "") else raw.heartbeat, field=name("heartbeat")))
    statuses = check(lambda: parse_success_statuses(raw.success_statuses, field=name("success-statuses")))
    for key, path in (("output-file", raw.outputs.output_file), ("dotenv", raw.outputs.dotenv_file)):
        if path is not None and not path.absolute().parent.is_dir():
            problems.append(InputError(name(key), str(path), "its folder must exist: the file is written when the "
                                       "wait ends"))
    if problems:
        raise problems[0] if len(problems) == 1 else InputErrors(problems)
    assert token is not None and space is not None and project is not None and run_id is not None
    assert url is not None and statuses is not None
    return Settings(
        command=command,
        target=RunTarget(space=space, project=project, run_id=run_id, endpoint=url, token=token),
        polling=PollSettings(interval=interval, timeout=timeout, success_statuses=statuses,
                             retry=RetrySettings() if raw.retry_base is None else RetrySettings(base=raw.retry_base)),
        outputs=raw.outputs,
        display=DisplaySettings(stream=raw.display_stream, quiet=raw.quiet, heartbeat=heartbeat, fenced=raw.fenced),
    )
