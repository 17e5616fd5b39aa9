"""Raw inputs (flags, env vars or Action inputs, as text) → one frozen, validated Settings object.

Each entry point (the CLI, the Action, the container) reads its inputs into `RawInputs`, with the names its users
know each field by, and calls `parse_settings`; every input rule runs here, before any request, and every problem
is reported at once, in the door's own words.
"""

from __future__ import annotations

import errno
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar

from gate import defaults
from gate.config import fields, validation
from gate.config.fields import Naming
from gate.config.runchoice import flag, missing, run_choice
from gate.config.settings import (
    Command,
    DisplaySettings,
    OutputTargets,
    PollSettings,
    Project,
    RetrySettings,
    Settings,
)
from gate.config.variables import validate_output_prefix
from gate.errors import InputError, InputErrors
from gate.statuses import parse_success_statuses

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RawInputs:
    """What an entry point read, before any rule ran, and how it names each field (`naming`: by where its value
    came from, a flag, an env var or an Action input), so that errors speak the user's language."""

    space: str | None = None
    project: str | None = None
    run_id: str | Sequence[str] | None = None  # one, or several (each may be a comma- or newline-separated list)
    endpoint: str | None = None
    fips: bool = False
    token: str | None = field(default=None, repr=False)
    token_file: str | None = None
    profile: str | None = None
    token_env: Mapping[str, str] = field(default_factory=dict, repr=False)  # AWS_* variables, HOME: more sources
    workflow: str | Sequence[str] | None = None  # likewise; an entry may be NAME@BRANCH
    branch: str | None = None
    repository: str | None = None
    start: bool | str = False
    latest: bool | str = False
    since: str | None = None
    client_token: str | None = None
    follow_superseded: bool | str = False
    fail_fast: bool | str = False
    rerun_failed: str | int | None = None  # None or empty: 0
    wait: bool | str = True  # the Action's `wait`: 'false' is the CLI's `start` (read by the door, checked here)
    token_hint: str = validation.TOKEN_HINT  # how to pass a token, said when there is none
    interval: str | float | None = None
    timeout: str | float | None = None
    heartbeat: str | float | None = None
    success_statuses: Sequence[str] = ()
    quiet: bool = False
    retry_base: float | None = None  # the backoff's first ceiling; tests set 0 to retry at the floor
    outputs: OutputTargets = OutputTargets()
    output_prefix: str | None = None  # of the dotenv and Azure variables; None or empty: the default
    display_stream: Literal["stdout", "stderr"] = "stderr"
    fenced: bool = False
    naming: Naming = fields.CLI


def in_azure_pipelines(env: Mapping[str, str]) -> bool:
    """Azure Pipelines sets TF_BUILD=True in every step (read here: `get` must not load the formats to know)."""
    return env.get("TF_BUILD", "").strip().lower() == "true"


def azure_summary_dir(env: Mapping[str, str]) -> Path | None:
    """In Azure Pipelines, the agent's temp folder (AGENT_TEMPDIRECTORY), when this process can see it: the
    summary the agent attaches must be at a path the agent itself can read."""
    folder = env.get("AGENT_TEMPDIRECTORY", "").strip()
    return Path(folder) if in_azure_pipelines(env) and folder and Path(folder).is_dir() else None


CLI_NAMES = {f.key: fields.CLI(f.key) for f in fields.FIELDS}  # the CLI's names of fields not given (the table's)


def read_token(raw: RawInputs, name: Callable[[str], str], *, endpoint: str | None = None) -> tuple[str, str]:
    """The first source that is set: `--token-file`, the token variable or input, then the AWS tools' sources
    (gate.config.credentials). Returns the token and, for the log, its source. The token never comes from argv; a file's
    problem names its path, never its content."""
    if raw.token_file:
        path = Path(raw.token_file)
        try:
            text = validation.read_bounded(path, limit=validation.MAX_TOKEN_FILE)
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) else "not UTF-8 text"
            rule = "must hold the token alone" if isinstance(e, OSError) and e.errno == errno.EFBIG else \
                "must be a readable file"
            raise InputError(name("token-file"), str(path), f"{rule} ({reason})") from None
        if not text.strip():
            raise InputError(name("token-file"), str(path), "the file is empty: it must hold the token")
        return validation.validate_token(text, field=f"{name('token-file')} {path}"), f"{name('token-file')} {path}"
    if raw.token and raw.token.strip():
        return validation.validate_token(raw.token, field=name("token")), name("token")
    if raw.profile or any(raw.token_env.get(v, "").strip() for v in ("AWS_BEARER_TOKEN_CODECATALYST", "AWS_PROFILE")):
        # configparser and friends: only when an AWS source is used
        from gate.config.credentials import check_sso_endpoint, find_token

        credential = find_token(profile=raw.profile, env=raw.token_env)
        if credential.sso and endpoint is not None:
            check_sso_endpoint(endpoint, env=raw.token_env, field=name("endpoint"), source=credential.source)
        return credential.token, credential.source
    return validation.validate_token("", field=name("token"), hint=raw.token_hint), ""


def output_targets(raw: RawInputs) -> OutputTargets:
    """Where the result goes, named as the door names it, with the variables' prefix checked. Its own step, so that a
    refusal of other inputs can still be written where the outputs go (gate.app)."""
    from gate.result import RESULT_KEYS

    outputs = replace(raw.outputs, naming=raw.naming)
    prefix = (raw.output_prefix or "").strip()
    if not prefix:
        return outputs
    return replace(outputs, prefix=validate_output_prefix(prefix, keys=(*RESULT_KEYS, "runs"),
                                                          field=raw.naming("output-prefix")))


def _required(value: str | None, key: str, name: Callable[[str], str]) -> str:
    if value is None or not value.strip():
        raise missing(key, name)
    return value.strip()


def chosen_endpoint(raw: RawInputs, name: Callable[[str], str]) -> str:
    if raw.fips and raw.endpoint:
        raise InputError(name("endpoint"), raw.endpoint, f"cannot be combined with {name('fips')}; pick one")
    chosen = defaults.FIPS_ENDPOINT if raw.fips else (raw.endpoint or "").strip() or defaults.DEFAULT_ENDPOINT
    return validation.validate_endpoint(chosen, field=name("endpoint"))


def _or_none(rule: Callable[[], T]) -> T | None:
    try:
        return rule()
    except InputError:
        return None


def parse_settings(raw: RawInputs, *, command: Command) -> Settings:
    """Every rule, every input: the problems of all of them in one InputErrors (or the one InputError)."""
    name = raw.naming
    problems: list[InputError] = []

    def check(rule: Callable[[], T]) -> T | None:
        try:
            return rule()
        except InputErrors as e:
            problems.extend(e.errors)
        except InputError as e:
            problems.append(e)
        return None

    # The endpoint first, quietly (told below, in its turn): the SSO cache's token may go to some endpoints only.
    credential = check(lambda: read_token(raw, name, endpoint=_or_none(lambda: chosen_endpoint(raw, name))))
    space = check(lambda: validation.validate_space(_required(raw.space, "space", name), field=name("space")))
    project = check(lambda: validation.validate_project(_required(raw.project, "project", name),
                                                        field=name("project")))
    choice = check(lambda: run_choice(raw, name, command=command))
    check(lambda: flag(raw.wait, name("wait")))
    url = check(lambda: chosen_endpoint(raw, name))
    interval = check(lambda: None if raw.interval in (None, "") else
                     validation.validate_interval(raw.interval, field=name("interval")))
    timeout = check(lambda: validation.validate_timeout(
        defaults.DEFAULT_TIMEOUT if raw.timeout in (None, "") else raw.timeout, field=name("timeout")))
    heartbeat = check(lambda: validation.validate_heartbeat(
        defaults.DEFAULT_HEARTBEAT if raw.heartbeat in (None, "") else raw.heartbeat, field=name("heartbeat")))
    statuses = check(lambda: parse_success_statuses(raw.success_statuses, field=name("success-statuses")))
    outputs = check(lambda: output_targets(raw))
    for key, path in (("output-file", raw.outputs.output_file), ("dotenv", raw.outputs.dotenv_file),
                      ("junit-xml", raw.outputs.junit_xml)):
        if path is not None:
            check(functools.partial(validation.validate_output_path, path, field=name(key)))
    if problems:
        problems = [name.keyed(problem) for problem in problems]
        raise problems[0] if len(problems) == 1 else InputErrors(problems)
    assert credential is not None and space is not None and project is not None and choice is not None
    assert url is not None and statuses is not None and outputs is not None
    return Settings(
        command=command,
        project=Project(space=space, project=project, endpoint=url, token=credential[0], token_source=credential[1]),
        run=choice,
        polling=PollSettings(interval=interval, timeout=timeout, success_statuses=statuses,
                             retry=RetrySettings() if raw.retry_base is None else RetrySettings(base=raw.retry_base)),
        outputs=outputs,
        naming=name,
        display=DisplaySettings(stream=raw.display_stream, quiet=raw.quiet, heartbeat=heartbeat, fenced=raw.fenced),
    )
