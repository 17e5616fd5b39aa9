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
from gate.config.settings import (
    Command,
    DisplaySettings,
    OutputTargets,
    PollSettings,
    Project,
    RetrySettings,
    RunChoice,
    Settings,
    WorkflowRef,
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


def _flag(value: bool | str, field_name: str) -> bool:
    """A flag from the CLI (bool) or an Action input ('true' / 'false', empty for false)."""
    if isinstance(value, bool):
        return value
    text = value.strip().lower()
    if text in ("", "false"):
        return False
    if text == "true":
        return True
    raise InputError(field_name, value, "must be true or false")


def entries(value: str | Sequence[str] | None) -> list[str]:
    """A list input as given: repeated, comma- or newline-separated; blanks dropped, duplicates kept once."""
    values = [value] if isinstance(value, str) else list(value or ())
    found = [item.strip() for text in values for item in text.replace("\n", ",").split(",")]
    return list(dict.fromkeys(item for item in found if item))


def workflow_ref(entry: str, *, branch: str | None, repository: str | None) -> WorkflowRef:
    """`NAME`, `ID` or `NAME@BRANCH` (the branch after the last @ wins over --branch for that entry)."""
    name, at, own_branch = entry.rpartition("@")
    if at and name and own_branch:
        return WorkflowRef(workflow=name.strip(), branch=own_branch.strip(), repository=repository)
    return WorkflowRef(workflow=entry, branch=branch, repository=repository)


def run_choice(raw: RawInputs, name: Callable[[str], str], *, command: Command) -> RunChoice:
    """Exactly one way to pick the runs; every other combination says which flags clash. Every entry of a list
    is checked, and a bad one named, before anything is sent."""
    listed_workflows, run_ids = entries(raw.workflow), entries(raw.run_id)
    if command == "start":
        return _start_choice(raw, listed_workflows, run_ids, name)
    if command == "get" and (listed_workflows or len(run_ids) > 1):
        raise InputError(name("workflow") if listed_workflows else name("run-id"),
                         ",".join(listed_workflows or run_ids), f"`get` reads one run: give one {name('run-id')}")
    if run_ids and listed_workflows:
        raise InputError(name("workflow"), ",".join(listed_workflows),
                         f"cannot be combined with {name('run-id')}: pick the runs one way ({_ways(name)})")
    follow = _flag(raw.follow_superseded, name("follow-superseded"))
    fail_fast = _flag(raw.fail_fast, name("fail-fast"))
    given = raw.rerun_failed
    reruns = 0 if given is None or given == "" else validation.validate_rerun_failed(given, field=name("rerun-failed"))
    if not listed_workflows:
        return RunChoice(run_ids=_run_ids(raw, run_ids, name, command=command), follow_superseded=follow,
                         fail_fast=fail_fast, rerun_failed=reruns)
    return replace(_workflow_choice(raw, listed_workflows, name, follow=follow, fail_fast=fail_fast),
                   rerun_failed=reruns)


def _start_choice(raw: RawInputs, listed: list[str], run_ids: list[str], name: Callable[[str], str]) -> RunChoice:
    """`start` (the Action's `wait: 'false'`): one workflow, whose run it starts once and does not wait on."""
    action = raw.naming.door == "action"  # the Action says `start: true` and `wait: false`; the CLI, `start`
    how = f"{name('workflow')} NAME|ID" + (f" and {name('start')} 'true'" if action else "")
    if run_ids:
        raise InputError(name("run-id"), ",".join(run_ids), f"a run that exists already needs no start: gate it "
                                                            f"with `wait`; `start` takes {how}")
    for given, key in ((_flag(raw.latest, name("latest")), "latest"), (raw.since, "since"),
                       (_flag(raw.follow_superseded, name("follow-superseded")), "follow-superseded"),
                       (_flag(raw.fail_fast, name("fail-fast")), "fail-fast"),
                       (raw.rerun_failed if str(raw.rerun_failed or "0").strip() != "0" else None, "rerun-failed")):
        if given:
            raise InputError(name(key), given, "goes with waiting on the run; `start` only starts it")
    if not listed:
        raise _missing("workflow", name)
    if len(listed) > 1:
        raise InputError(name("workflow"), ",".join(listed), "`start` starts one run: give one workflow (a step "
                                                             "each to fan out, or `wait` to gate several together)")
    if action and not _flag(raw.start, name("start")):
        raise InputError(name("start"), raw.start or "false", f"must be 'true' with {name('wait')} 'false': the "
                                                             "step starts the run and does not wait on it")
    return _workflow_choice(replace(raw, start=True, latest=False), listed, name, follow=False, fail_fast=False)


def _ways(name: Callable[[str], str]) -> str:
    return f"{name('run-id')} ID, {name('workflow')} NAME|ID {name('start')}, or {name('workflow')} NAME|ID " \
           f"{name('latest')}"


def _run_ids(raw: RawInputs, run_ids: list[str], name: Callable[[str], str], *, command: Command
             ) -> tuple[str, ...]:
    """Runs given by ID: no workflow option applies, each ID is checked, the same run given twice is gated once."""
    for given, key in ((_flag(raw.start, name("start")), "start"), (_flag(raw.latest, name("latest")), "latest"),
                       (raw.since, "since"), (raw.branch, "branch"), (raw.repository, "repository"),
                       (raw.client_token, "client-token")):
        if given:
            raise InputError(name(key), given, f"goes with {name('workflow')} NAME|ID")
    if not run_ids:
        missing = _missing("run-id", name)
        if command == "get":
            raise missing
        # The same words as every missing input, then the other ways to pick the run.
        raise InputError(name("run-id"), "", f"{missing.rule}, or pick the run with {name('workflow')} NAME|ID "
                                             f"and {name('start')} or {name('latest')}")
    bad = []
    for run_id in run_ids:
        try:
            validation.validate_run_id(run_id, field=name("run-id"))
        except InputError as e:
            bad.append(e)
    if bad:
        raise bad[0] if len(bad) == 1 else InputErrors(bad)
    unique: dict[str, str] = {}
    for run_id in run_ids:
        unique.setdefault(run_id.lower(), run_id)  # the same run given twice is gated once, as first spelled
    return tuple(unique.values())


def _workflow_choice(raw: RawInputs, listed: list[str], name: Callable[[str], str], *, follow: bool,
                     fail_fast: bool) -> RunChoice:
    """Runs picked through workflows: started (--start) or the newest (--latest), with what goes with each."""
    start, latest = _flag(raw.start, name("start")), _flag(raw.latest, name("latest"))
    if start == latest:
        raise InputError(name("workflow"), ",".join(listed),
                         f"needs {name('start')} (start a new run) or {name('latest')} (wait on its newest run)"
                         if not start else f"takes {name('start')} or {name('latest')}, not both")
    if raw.since and not latest:
        raise InputError(name("since"), raw.since, f"goes with {name('latest')}")
    if raw.client_token and not start:
        raise InputError(name("client-token"), raw.client_token, f"goes with {name('start')}")
    if raw.client_token and len(listed) > 1:
        raise InputError(name("client-token"), raw.client_token, f"names one run: with several {name('workflow')} "
                         "entries, leave it out and each start gets its own token (derived in CI, else random)")
    branch, repository = (raw.branch or "").strip() or None, (raw.repository or "").strip() or None
    return RunChoice(
        workflows=tuple(workflow_ref(entry, branch=branch, repository=repository) for entry in listed),
        start=start, latest=latest, follow_superseded=follow, fail_fast=fail_fast,
        since=validation.parse_since(raw.since, field=name("since")) if raw.since else None,
        client_token=validation.validate_client_token(raw.client_token.strip(), field=name("client-token"))
        if raw.client_token and raw.client_token.strip() else None,
    )


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


def _missing(key: str, name: Callable[[str], str]) -> InputError:
    """A missing flag names the variable that stands in for it; an Action input is just required."""
    row, said = fields.BY_KEY[key], name(key)
    variable = row.env if row.env and said == row.flag else None
    return InputError(said, "", f"is required (or set {variable})" if variable else "is required")


def _required(value: str | None, key: str, name: Callable[[str], str]) -> str:
    if value is None or not value.strip():
        raise _missing(key, name)
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
    check(lambda: _flag(raw.wait, name("wait")))
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
