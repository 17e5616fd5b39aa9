"""Raw option values (from flags, env vars or Action inputs) → one frozen, validated settings object.

Every default lives here, and every input rule runs here, before any request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gate import inputs
from gate.backoff import DEFAULT_MAX_RETRIES
from gate.errors import InputError
from gate.statuses import parse_success_statuses

DEFAULT_TIMEOUT = 3600.0


@dataclass(frozen=True, kw_only=True)
class RunTarget:
    """Which run, where, and the secret to ask with."""

    space: str
    project: str
    run_id: str
    endpoint: str
    token: str = field(repr=False)


@dataclass(frozen=True, kw_only=True)
class WaitSettings:
    target: RunTarget
    interval: float | None  # None: no --interval given, the default policy decides
    timeout: float | None  # None: no deadline
    success_statuses: frozenset[str]
    max_retries: int = DEFAULT_MAX_RETRIES


def _required(value: str | None, field_name: str) -> str:
    if value is None or not value.strip():
        raise InputError(field_name, value or "", "is required")
    return value.strip()


def read_token(*, env_token: str | None, token_file: str | Path | None) -> str:
    """`--token-file` wins over CODECATALYST_TOKEN; the token never comes from argv."""
    if token_file:
        try:
            raw = Path(token_file).read_text(encoding="utf-8")
        except OSError as e:
            raise InputError("--token-file", str(token_file), f"must be a readable file ({e.strerror})") from None
        return inputs.validate_token(raw, field="--token-file")
    return inputs.validate_token(env_token or "", field="CODECATALYST_TOKEN")


def run_target(
    *,
    space: str | None,
    project: str | None,
    run_id: str | None,
    token: str,
    endpoint: str | None = None,
    fips: bool = False,
    names: dict[str, str] | None = None,
) -> RunTarget:
    """`names` maps each field to what the user calls it (a flag, an env var, an Action input)."""
    names = {"space": "--space", "project": "--project", "run-id": "--run-id",
             "endpoint": "--endpoint", **(names or {})}
    if fips and endpoint:
        raise InputError(names["endpoint"], endpoint, "cannot be combined with --fips; pick one")
    chosen = inputs.FIPS_ENDPOINT if fips else (endpoint or "").strip() or inputs.DEFAULT_ENDPOINT
    return RunTarget(
        space=inputs.validate_space(_required(space, names["space"]), field=names["space"]),
        project=inputs.validate_project(_required(project, names["project"]), field=names["project"]),
        run_id=inputs.validate_run_id(_required(run_id, names["run-id"]), field=names["run-id"]),
        endpoint=inputs.validate_endpoint(chosen, field=names["endpoint"]),
        token=token,
    )


def wait_settings(
    *,
    target: RunTarget,
    interval: float | None,
    timeout: float | None,
    success_statuses: Iterable[str],
    names: dict[str, str] | None = None,
) -> WaitSettings:
    names = {"interval": "--interval", "timeout": "--timeout",
             "success-statuses": "--success-status", **(names or {})}
    return WaitSettings(
        target=target,
        interval=None if interval is None else inputs.validate_interval(interval, field=names["interval"]),
        timeout=inputs.validate_timeout(DEFAULT_TIMEOUT if timeout is None else timeout, field=names["timeout"]),
        success_statuses=parse_success_statuses(success_statuses, field=names["success-statuses"]),
    )
