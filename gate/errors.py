"""One exception root for the gate; each subclass carries the exit code it maps to.

Only the CLI (and the Action entrypoint, through the same code) turns these into a process exit.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The documented, stable exit codes."""

    SUCCESS = 0
    RUN_FAILED = 1
    USAGE = 2
    TIMEOUT = 3
    API_REFUSED = 4
    INVALID_RESPONSE = 5
    UNAVAILABLE = 6
    SIGINT = 130
    SIGTERM = 143


EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.SUCCESS: "the run ended in a success status",
    ExitCode.RUN_FAILED: "the run ended in a status outside the success set",
    ExitCode.USAGE: "usage or input error; nothing was sent",
    ExitCode.TIMEOUT: "the deadline passed before the run ended",
    ExitCode.API_REFUSED: "the API refused the request (400, 401, 402, 403, 404, 409)",
    ExitCode.INVALID_RESPONSE: "the API answered with something that is not a valid GetWorkflowRun response",
    ExitCode.UNAVAILABLE: "the service stayed unavailable (429, 5xx, network) after retries",
    ExitCode.SIGINT: "interrupted (SIGINT); the result was still written",
    ExitCode.SIGTERM: "terminated (SIGTERM); the result was still written",
}


class GateError(Exception):
    """Root of every error the gate reports; `exit_code` says how the process ends."""

    exit_code: ExitCode = ExitCode.USAGE


class InputError(GateError):
    """An option or input failed validation before anything was sent."""

    exit_code = ExitCode.USAGE

    def __init__(self, field: str, value: object, rule: str) -> None:
        self.field, self.value, self.rule = field, value, rule
        super().__init__(f"{field}: {value!r} is invalid: {rule}")


class DeadlineExceeded(GateError):
    exit_code = ExitCode.TIMEOUT


class ApiRefused(GateError):
    """A 4xx answer that retrying will not change."""

    exit_code = ExitCode.API_REFUSED

    def __init__(self, *, status: int, error_type: str, message: str) -> None:
        self.status, self.error_type, self.message = status, error_type, message
        super().__init__(f"HTTP {status} {error_type}: {message}")


class InvalidResponse(GateError):
    """The answer was not JSON, not an object, or broke the schema."""

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
                 reached: bool = True) -> None:
        self.reason, self.status = reason, status
        self.throttled = throttled  # the service said "slow down" (HTTP 429, ThrottlingException)
        self.reached = reached
        super().__init__(reason)


class ServiceUnavailable(GateError):
    """Retries ran out while the service kept failing transiently."""

    exit_code = ExitCode.UNAVAILABLE


class Cancelled(GateError):
    """A signal asked us to stop; the result is still written."""

    def __init__(self, signal_name: str) -> None:
        self.signal_name = signal_name
        self.exit_code = ExitCode.SIGINT if signal_name == "SIGINT" else ExitCode.SIGTERM
        super().__init__(f"cancelled by {signal_name}")


class PermanentNetworkError(GateError):
    """A network failure that retrying cannot fix: an untrusted certificate, a hostname mismatch, a malformed
    endpoint. The wait ends at once instead of spending the retry budget."""

    exit_code = ExitCode.UNAVAILABLE

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
