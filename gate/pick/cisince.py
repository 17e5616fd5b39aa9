"""`--since` when none is given, in CI: the CI system's own record of when this pipeline was created or the push
that started it happened, less a grace for clock skew (pure: the environment and a file reader are injected).

- GitHub Actions: the event payload at GITHUB_EVENT_PATH. `push`: `repository.pushed_at`, the push itself by
  GitHub's clock (`head_commit.timestamp` is the committer's clock, only a fallback); `pull_request` and
  `pull_request_target`: `pull_request.updated_at`; `workflow_run`: `workflow_run.created_at`. Other events
  (`schedule`, `workflow_dispatch`, ...) carry no time of this pipeline: `repository.pushed_at` there is the
  repository's last push to any branch, not this pipeline's.
- GitLab CI: CI_PIPELINE_CREATED_AT.
- Azure Pipelines: SYSTEM_PIPELINESTARTTIME (the agent's `system.pipelineStartTime`, e.g.
  `2026-11-30 09:00:00+00:00`; not in Microsoft's list of predefined variables, so it may be missing).

Anything missing or unreadable means no time known: the gate then reports a run that ended before it started.
The picker asks when it looks for the newest run (as it derives a client token from CI when it starts one), not
the settings parser: a CI file that cannot be read is no input error, and only `--latest` needs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gate import defaults
from gate.timestamps import parse_time

# What each GitHub event's payload says about when this pipeline began: (label, path), the first found wins.
GITHUB_EVENT_TIMES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "push": (("repository.pushed_at", ("repository", "pushed_at")),
             ("head_commit.timestamp", ("head_commit", "timestamp"))),
    "pull_request": (("pull_request.updated_at", ("pull_request", "updated_at")),),
    "pull_request_target": (("pull_request.updated_at", ("pull_request", "updated_at")),),
    "workflow_run": (("workflow_run.created_at", ("workflow_run", "created_at")),),
}


@dataclass(frozen=True)
class CiSince:
    """What the CI system says: `moment` (its time less the grace), or None with `source` saying why not."""

    moment: datetime | None
    source: str  # for the log: where the time came from, or why there is none ("" outside CI)


def ci_since(env: Mapping[str, str], *, read_text: Callable[[str], str],
             grace: float = defaults.CI_SINCE_GRACE) -> CiSince:
    """The CI system's time for this pipeline, less `grace` seconds; CiSince(None, "") outside a known CI."""
    if _true(env, "GITHUB_ACTIONS"):
        found = _github(env, read_text)
    elif _true(env, "GITLAB_CI"):
        found = _variable(env, "CI_PIPELINE_CREATED_AT", "GitLab")
    elif _true(env, "TF_BUILD"):
        found = _variable(env, "SYSTEM_PIPELINESTARTTIME", "Azure Pipelines")
    else:
        return CiSince(None, "")
    if found.moment is None:
        return found
    return CiSince(found.moment - timedelta(seconds=grace),
                   f"{found.source} {found.moment.isoformat()}, less {grace:g} s for clock skew")


def _true(env: Mapping[str, str], name: str) -> bool:
    return name in env and env[name].strip().lower() == "true"


def _variable(env: Mapping[str, str], name: str, system: str) -> CiSince:
    value = env.get(name, "").strip()
    if not value:
        return CiSince(None, f"{system}, but {name} is not set")
    moment = _time(value)
    if moment is None:
        return CiSince(None, f"{system}, but {name} is not a time with a UTC offset")
    return CiSince(moment, f"{name} ({system})")


def _github(env: Mapping[str, str], read_text: Callable[[str], str]) -> CiSince:
    event = env.get("GITHUB_EVENT_NAME", "").strip()
    paths = GITHUB_EVENT_TIMES.get(event)
    if paths is None:
        return CiSince(None, f"GitHub Actions, but its {event or 'unnamed'} event carries no time of this pipeline")
    where = env.get("GITHUB_EVENT_PATH", "").strip()
    if not where:
        return CiSince(None, "GitHub Actions, but GITHUB_EVENT_PATH is not set")
    try:
        payload: Any = json.loads(read_text(where))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        return CiSince(None, f"GitHub Actions, but its event payload could not be read ({type(e).__name__})")
    for label, path in paths:
        value = payload
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        moment = _time(value)
        if moment is not None:
            return CiSince(moment, f"GitHub's {event} event ({label})")
    return CiSince(None, f"GitHub Actions, but its {event} event has no {' or '.join(p[0] for p in paths)}")


def _time(value: Any) -> datetime | None:
    """An RFC 3339 time with its offset, or epoch seconds (GitHub's push payload writes pushed_at so)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC) if value > 0 else None
        except (OverflowError, OSError, ValueError):
            return None
    return parse_time(value.strip()) if isinstance(value, str) else None
