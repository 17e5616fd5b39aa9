"""One exception root for the gate; each class carries what it means: its result kind and its exit code.

Only the composition root (gate.app, behind the CLI and the Action alike) turns these into a process exit.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

# `skipped`: with --fail-fast, a run the gate stopped waiting on once another could no longer pass. Its exit code is
# RUN_FAILED (the gate cannot pass without it), and it never decides a verdict (gate.verdict.worst_first).
ResultKind = Literal["success", "failure", "timeout", "error", "cancelled", "skipped"]


class ExitCode(IntEnum):
    """The documented, stable exit codes."""

    SUCCESS = 0
    RUN_FAILED = 1
    USAGE = 2
    TIMEOUT = 3
    API_REFUSED = 4
    INVALID_RESPONSE = 5
    UNAVAILABLE = 6
    NOT_WRITTEN = 7
    INTERNAL = 70
    SIGINT = 130
    SIGTERM = 143


EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.SUCCESS: "the run ended in a success status",
    ExitCode.RUN_FAILED: "the run ended in a status outside the success set",
    ExitCode.USAGE: "usage or input error; nothing was sent (nothing started, for a workflow name that matches "
                    "none or several)",
    ExitCode.TIMEOUT: "the deadline passed while the run was still going (or before the run to wait on appeared); "
                      "a throttled gate (429) keeps going until then",
    ExitCode.API_REFUSED: "the API refused the request (400, 401, 402, 403, 404, 409)",
    ExitCode.INVALID_RESPONSE: "the API answered with something that is not a valid answer (GetWorkflowRun, or "
                               "the listing and start calls that pick the run), or what answers at the endpoint is "
                               "not CodeCatalyst",
    ExitCode.UNAVAILABLE: "the service could not be reached or stayed unavailable (5xx, network, TLS; never 429)",
    ExitCode.NOT_WRITTEN: "the verdict was reached but a result file could not be written",
    ExitCode.INTERNAL: "internal error in the gate (a bug: please report it with the traceback)",
    ExitCode.SIGINT: "interrupted (SIGINT); the result was still written",
    ExitCode.SIGTERM: "terminated (SIGTERM); the result was still written",
}

# What each command can return, in its own words: `--help` shows a command only the codes it can exit with.
COMMAND_EXIT_CODES: dict[str, dict[int, str]] = {
    "wait": {int(code): meaning for code, meaning in EXIT_CODE_MEANINGS.items()},
    "get": {
        ExitCode.SUCCESS: "a valid answer was printed, whatever the run's status (FAILED included)",
        ExitCode.USAGE: "usage or input error; nothing was sent",
        ExitCode.API_REFUSED: EXIT_CODE_MEANINGS[ExitCode.API_REFUSED],
        ExitCode.INVALID_RESPONSE: "the API answered with something that is not a valid GetWorkflowRun answer",
        ExitCode.UNAVAILABLE: "the service could not be reached, failed or throttled the call (5xx, network, TLS, "
                              "429): get asks once",
        ExitCode.INTERNAL: EXIT_CODE_MEANINGS[ExitCode.INTERNAL],
        ExitCode.SIGINT: "interrupted (SIGINT); nothing was printed",
        ExitCode.SIGTERM: "terminated (SIGTERM); nothing was printed",
    },
    "start": {
        ExitCode.SUCCESS: "the run was started (or found again by its client token); its run-id is in every output",
        ExitCode.USAGE: "usage or input error; nothing was sent (nothing started, for a workflow name that matches "
                        "none or several)",
        ExitCode.TIMEOUT: "the deadline (--timeout) passed before the start was answered: the service throttled "
                          "it (429) until then, which is an answer, not an outage",
        ExitCode.API_REFUSED: EXIT_CODE_MEANINGS[ExitCode.API_REFUSED],
        ExitCode.INVALID_RESPONSE: "the API answered with something that is not a valid answer (the listing or "
                                   "the start call)",
        ExitCode.UNAVAILABLE: EXIT_CODE_MEANINGS[ExitCode.UNAVAILABLE] + ", until the retries or --timeout ran out",
        ExitCode.NOT_WRITTEN: "the run was started but an output could not be written",
        ExitCode.INTERNAL: EXIT_CODE_MEANINGS[ExitCode.INTERNAL],
        ExitCode.SIGINT: "interrupted (SIGINT); what was known was still written",
        ExitCode.SIGTERM: "terminated (SIGTERM); what was known was still written",
    },
    "validate": {
        ExitCode.SUCCESS: "the file is a valid GetWorkflowRun response (or the gate's result object with valid ones)",
        ExitCode.USAGE: "usage error: no such file, or no FILE while stdin is a terminal",
        ExitCode.INVALID_RESPONSE: "not a valid GetWorkflowRun response (every violation is listed)",
    },
    "schema": {ExitCode.SUCCESS: "the schema was printed"},
    "emulator": {
        ExitCode.SUCCESS: "stopped by SIGINT or SIGTERM",
        1: "the port could not be listened on (in use: --port 0 picks a free one)",
        ExitCode.USAGE: "usage error: a bad option, scenario file, certificate or key",
    },
    "emulator start-run": {
        ExitCode.SUCCESS: "the run was started; its ID is on stdout",
        1: "no emulator answered at --endpoint within 10 s, or it refused to start the run",
        ExitCode.USAGE: "usage error: a bad option, an --endpoint that is not loopback, or a --workflow that "
                        "matches none or several",
    },
}


def exit_codes_help(command: str) -> str:
    """The epilog of one command's --help: the exit codes it can return (click keeps `\\b` blocks as written)."""
    return "\b\nExit codes:\n" + "\n".join(
        f"  {int(code):>3}  {meaning}" for code, meaning in COMMAND_EXIT_CODES[command].items())


class GateError(Exception):
    """Root of every error the gate reports. An error of no more specific class is a bug in the gate."""

    kind: ResultKind = "error"
    exit_code: ExitCode = ExitCode.INTERNAL


class InputError(GateError):
    """An option or input failed validation before anything was sent. `field` is the field as the door that received
    it names it (gate.config.fields.Naming); `key` and `source` say which field it is and where its value came from
    (a flag, an environment variable, an Action input; None when it was not given)."""

    exit_code = ExitCode.USAGE

    def __init__(self, field: str, value: object, rule: str, *, key: str | None = None,
                 source: str | None = None) -> None:
        self.field, self.value, self.rule, self.key, self.source = field, value, rule, key, source
        if value in ("", None):  # nothing given: say what is missing, not that '' is invalid
            super().__init__(f"{field} {rule}" if rule.startswith("is ") else f"{field}: {rule}")
        else:
            super().__init__(f"{field}: {value!r} is invalid: {rule}")


class InputErrors(GateError):
    """Several inputs failed at once: all of them are told in one message, so one try finds them all."""

    exit_code = ExitCode.USAGE

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = tuple(errors)
        super().__init__("\n".join(str(e) for e in errors))


class DeadlineExceeded(GateError):
    """The deadline passed while the run was seen still going."""

    kind = "timeout"
    exit_code = ExitCode.TIMEOUT


class ApiRefused(GateError):
    """A 4xx answer that retrying will not change."""

    exit_code = ExitCode.API_REFUSED

    def __init__(self, *, status: int, error_type: str, message: str, hint: str = "") -> None:
        self.status, self.error_type, self.message, self.hint = status, error_type, message, hint
        super().__init__(f"HTTP {status} {error_type}: {message}" + (f"; {hint}" if hint else ""))


class InvalidResponse(GateError):
    """The answer was not JSON, not an object, too large, or broke the schema."""

    exit_code = ExitCode.INVALID_RESPONSE

    def __init__(self, message: str, *, violations: tuple[str, ...] = ()) -> None:
        self.violations = violations
        detail = "".join(f"\n  {v}" for v in violations)
        super().__init__(message + detail)


class TransientError(GateError):
    """A failure worth retrying: throttling, 5xx, gateway pages, dropped connections, timeouts.

    `reached` is False when no HTTP answer came back at all (refused, DNS, TLS handshake, connect timeout):
    until the endpoint has answered once, such failures get a short budget, since a typo in --endpoint is likelier
    than an outage."""

    exit_code = ExitCode.UNAVAILABLE

    def __init__(self, reason: str, *, status: int | None = None, throttled: bool = False,
                 reached: bool = True, retry_after: float | None = None) -> None:
        self.reason, self.status = reason, status
        self.throttled = throttled  # the service said "slow down" (HTTP 429, ThrottlingException)
        self.reached = reached
        self.retry_after = retry_after  # seconds the answer's Retry-After asked for (None: none, or unreadable)
        super().__init__(reason)


class ServiceUnavailable(GateError):
    """Retries ran out (or the deadline cut them short) while the service kept failing transiently."""

    exit_code = ExitCode.UNAVAILABLE


class Cancelled(GateError):
    """A signal asked us to stop; the result is still written."""

    kind = "cancelled"

    def __init__(self, signal_name: str) -> None:
        self.signal_name = signal_name
        self.exit_code = ExitCode.SIGINT if signal_name == "SIGINT" else ExitCode.SIGTERM
        super().__init__(f"cancelled by {signal_name}")


class NotWritten(GateError):
    """A result file could not be written; the verdict stands and every other output was still written."""

    exit_code = ExitCode.NOT_WRITTEN

    def __init__(self, what: str, path: str, reason: str, *, key: str | None = None) -> None:
        self.what, self.path, self.reason, self.key = what, path, reason, key  # key: the field that named the file
        super().__init__(f"{what}: could not write {path}: {reason}")


class PermanentNetworkError(GateError):
    """A network failure that retrying cannot fix: an untrusted certificate, a hostname mismatch, a malformed
    endpoint. The wait ends at once instead of spending the retry budget."""

    exit_code = ExitCode.UNAVAILABLE

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
