"""Faults: answers the real service (or the network before it) can give, for the first N matching requests.

Faults are tried in order; the first that matches a request and still has uses left fires, so
`[throttle x2, server-error x1]` on GetWorkflowRun answers 429, 429, 502, then normally.

The delivery faults (trickle, stall, oversized, bomb) change how an answer goes on the wire rather than what
it says: `delivery()` describes it and the server writes it piece by piece, so no size is ever held whole.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from gate.emulator import checks
from gate.emulator.model import ERROR_STATUS, OPERATION_NAMES, ApiError
from gate.emulator.wire import Answer, error_answer

# Kinds answered instead of the operation; the rest first run the operation, then spoil its answer.
REFUSALS = ("throttle", "server-error", "access-denied", "error")
SPOILERS = ("slow", "malformed-json", "empty-body", "schema-violation", "drop-connection")
DELIVERIES = ("trickle", "stall", "oversized", "bomb")
KINDS = REFUSALS + SPOILERS + DELIVERIES
_KEYS = ("kind", "operation", "runId", "workflowId", "count", "after", "delay",
         "status", "errorType", "message", "patch", "remove", "bytes", "every", "headers", "pause", "size",
         "retryAfter", "until")
DEFAULT_SIZE = {"oversized": 8 << 20, "bomb": 1 << 30}  # bytes on the wire / bytes once inflated
_MEMBER = 1 << 20  # the bomb is gzip members of 1 MiB of zeros each (~1 KiB compressed), made once


@dataclass(frozen=True)
class Fault:
    kind: str
    operation: str | None = None
    run_id: str | None = None
    workflow_id: str | None = None
    count: int | None = 1  # None: every matching request, forever
    after: int = 0  # let this many matching requests through first
    delay: float = 0.0  # seconds to wait before answering (or before dropping the connection)
    status: int | None = None
    error_type: str | None = None
    message: str | None = None
    patch: Mapping[str, Any] = field(default_factory=dict)
    remove: tuple[str, ...] = ()
    step: int = 1  # trickle: bytes per write
    every: float = 0.1  # trickle: seconds between writes
    headers: bool = False  # trickle: the status line and headers too, not only the body
    pause: float = 3600.0  # stall: seconds between the headers and the body
    size: int = 0  # oversized: body bytes; bomb: bytes once inflated
    retry_after: str | None = None  # refusals: a Retry-After header, sent as given (malformed ones included)
    until: float | None = None  # seconds after the emulator started from which it fires no more

    def matches(self, *, operation: str, run_id: str | None, workflow_id: str | None) -> bool:
        return ((self.operation is None or self.operation == operation)
                and (self.run_id is None or self.run_id == run_id)
                and (self.workflow_id is None or self.workflow_id == workflow_id))


def parse_fault(raw: Any, path: str = "fault") -> Fault:
    spec = checks.obj(raw, path, allowed=_KEYS, required=("kind",))
    kind = checks.choice(spec["kind"], f"{path}.kind", KINDS)
    count = spec.get("count", 1)
    if count != "always":
        count = checks.integer(count, f"{path}.count", minimum=1)
    status, error_type = spec.get("status"), spec.get("errorType")
    if kind == "server-error":
        status = checks.integer(500 if status is None else status, f"{path}.status", minimum=500)
        if status > 599:
            raise checks.fail(f"{path}.status", "a server error is 500-599")
    elif kind == "error":
        error_type = checks.choice(error_type, f"{path}.errorType", ERROR_STATUS)
        status = checks.integer(ERROR_STATUS[error_type] if status is None else status, f"{path}.status", minimum=400)
    elif status is not None or error_type is not None:
        raise checks.fail(path, "'status' and 'errorType' belong to kind 'server-error' or 'error'")
    patch = spec.get("patch", {"status": "EXPLODED"} if kind == "schema-violation" else {})
    for key, kinds in (("bytes", ("trickle",)), ("every", ("trickle",)), ("headers", ("trickle",)),
                       ("pause", ("stall",)), ("size", ("oversized", "bomb"))):
        if key in spec and kind not in kinds:
            raise checks.fail(f"{path}.{key}", f"belongs to kind {' or '.join(repr(k) for k in kinds)}")
    if not isinstance(spec.get("headers", False), bool):
        raise checks.fail(f"{path}.headers", "must be true or false")
    retry_after = _retry_after(spec.get("retryAfter"), kind, f"{path}.retryAfter")
    return Fault(
        kind=kind,
        operation=None if spec.get("operation") is None
        else checks.choice(spec["operation"], f"{path}.operation", OPERATION_NAMES),
        run_id=None if spec.get("runId") is None else checks.uuid(spec["runId"], f"{path}.runId"),
        workflow_id=None if spec.get("workflowId") is None
        else checks.uuid(spec["workflowId"], f"{path}.workflowId"),
        count=None if count == "always" else count,
        after=checks.integer(spec.get("after", 0), f"{path}.after"),
        delay=checks.number(spec.get("delay", 0), f"{path}.delay"),
        status=status,
        error_type=error_type,
        message=None if spec.get("message") is None else checks.text(spec["message"], f"{path}.message"),
        patch=checks.fields(patch, f"{path}.patch"),
        remove=tuple(checks.text(k, f"{path}.remove[{i}]") for i, k in enumerate(checks.items(
            spec.get("remove", []), f"{path}.remove"))),
        step=checks.integer(spec.get("bytes", 1), f"{path}.bytes", minimum=1),
        every=checks.number(spec.get("every", 0.1), f"{path}.every"),
        headers=spec.get("headers", False),
        pause=checks.number(spec.get("pause", 3600.0), f"{path}.pause"),
        size=checks.integer(spec.get("size", DEFAULT_SIZE.get(kind, 0)), f"{path}.size", minimum=1)
        if kind in DEFAULT_SIZE else 0,
        retry_after=retry_after,
        until=None if spec.get("until") is None else checks.number(spec["until"], f"{path}.until"),
    )


def _retry_after(value: Any, kind: str, path: str) -> str | None:
    """A refusal's Retry-After, as the header will say it: any text (a malformed one too, for the client's sake)."""
    if value is None:
        return None
    if kind not in REFUSALS:
        raise checks.fail(path, f"belongs to the refusals ({', '.join(REFUSALS)})")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise checks.fail(path, "must be a string or a number (sent as the header's value)")
    return str(value)


class FaultBook:
    """The faults still to fire; thread-safe, because the server answers on many threads."""

    def __init__(self, faults: tuple[Fault, ...] = (), *, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock
        self._origin = clock() if clock else 0.0  # `until` counts from here
        self._lock = threading.Lock()
        self._entries: list[list[Any]] = []  # [fault, matching requests seen, times fired]
        for fault in faults:
            self.add(fault)

    def add(self, fault: Fault | Mapping[str, Any]) -> Fault:
        fault = fault if isinstance(fault, Fault) else parse_fault(dict(fault))
        with self._lock:
            self._entries.append([fault, 0, 0])
        return fault

    def take(self, *, operation: str, run_id: str | None, workflow_id: str | None) -> Fault | None:
        with self._lock:
            for entry in self._entries:
                fault, seen, fired = entry
                if not fault.matches(operation=operation, run_id=run_id, workflow_id=workflow_id):
                    continue
                if fault.count is not None and fired >= fault.count:
                    continue
                if fault.until is not None and self._clock and self._clock() - self._origin >= fault.until:
                    continue
                entry[1] = seen + 1
                if seen < fault.after:
                    continue
                entry[2] = fired + 1
                return fault  # type: ignore[no-any-return]
        return None

    def fired(self) -> list[tuple[Fault, int]]:
        with self._lock:
            return [(fault, fired) for fault, _, fired in self._entries]


def refusal(fault: Fault) -> Answer:
    """The answer a refusal fault gives instead of running the operation (with its Retry-After, if any)."""
    answer = _refusal(fault)
    if fault.retry_after is None:
        return answer
    return Answer(answer.status, (*answer.headers, ("Retry-After", fault.retry_after)), answer.body)


def _refusal(fault: Fault) -> Answer:
    if fault.kind == "server-error":
        phrase = HTTPStatus(fault.status).phrase if fault.status in HTTPStatus._value2member_map_ else "Error"  # type: ignore[arg-type]
        page = (f"<html>\r\n<head><title>{fault.status} {phrase}</title></head>\r\n<body>\r\n"
                f"<center><h1>{fault.status} {phrase}</h1></center>\r\n</body>\r\n</html>\r\n")
        return Answer(int(fault.status or 500), (("Content-Type", "text/html"),), page.encode())
    if fault.kind == "throttle":
        return error_answer(ApiError("ThrottlingException", fault.message or "Rate exceeded"))
    if fault.kind == "access-denied":
        return error_answer(ApiError("AccessDeniedException", fault.message or (
            "You do not have sufficient access to perform this action.")))
    return error_answer(ApiError(str(fault.error_type), fault.message or f"Injected {fault.error_type}.",
                                 status=fault.status))


def spoil(fault: Fault, answer: Answer, document: Any) -> Answer | None:
    """The operation's real answer, spoiled as the fault says; None means: drop the connection."""
    if fault.kind == "drop-connection":
        return None
    if fault.kind == "empty-body":
        return Answer(answer.status, answer.headers, b"")
    if fault.kind == "malformed-json":
        # A truncated document: what a cut-off proxy buffer looks like.
        return Answer(answer.status, answer.headers, answer.body[: max(1, len(answer.body) // 2)])
    if fault.kind == "schema-violation" and isinstance(document, dict):
        spoiled = {k: v for k, v in document.items() if k not in fault.remove} | dict(fault.patch)
        return Answer(answer.status, answer.headers, json.dumps(spoiled).encode())
    return answer


@dataclass(frozen=True)
class Delivery:
    """An answer written piece by piece: `body` is made as it is sent; `length` None means chunked framing."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: Iterator[bytes]
    length: int | None
    step: int | None = None  # write at most this many bytes at a time...
    every: float = 0.0  # ...this many seconds apart
    head_too: bool = False  # trickle the status line and headers as well
    pause: float = 0.0  # seconds between the headers and the body


def _padded(body: bytes, size: int) -> Iterator[bytes]:
    """A JSON object of `size` bytes: the real document with a long "padding" member first (still valid JSON)."""
    rest = body[1:] if body.startswith(b"{") and body.strip() != b"{}" else b"}"
    sep = b"," if rest != b"}" else b""
    head = b'{"padding": "'
    fill = max(0, size - len(head) - 1 - len(sep) - len(rest))
    yield head
    block = b"x" * (64 * 1024)
    while fill > 0:
        yield block[:fill]
        fill -= min(fill, len(block))
    yield b'"' + sep + rest


_bomb_member: bytes | None = None


def _bomb(size: int) -> Iterator[bytes]:
    """gzip that inflates to `size` zero bytes, as repeated members (RFC 1952 allows many): ~1000:1."""
    global _bomb_member
    if _bomb_member is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        _bomb_member = packer.compress(bytes(_MEMBER)) + packer.flush()
    whole, rest = divmod(size, _MEMBER)
    for _ in range(whole):
        yield _bomb_member
    if rest:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        yield packer.compress(bytes(rest)) + packer.flush()


def delivery(fault: Fault, answer: Answer) -> Delivery:
    """How a delivery fault sends the operation's answer."""
    headers = tuple((k, v) for k, v in answer.headers if k.lower() != "content-length")
    if fault.kind == "oversized":
        return Delivery(answer.status, headers, _padded(answer.body, fault.size), None)
    if fault.kind == "bomb":
        return Delivery(answer.status, (*headers, ("Content-Encoding", "gzip")), _bomb(fault.size), None)
    if fault.kind == "stall":
        return Delivery(answer.status, headers, iter([answer.body]), len(answer.body), pause=fault.pause)
    return Delivery(answer.status, headers, iter([answer.body]), len(answer.body), step=fault.step,
                    every=fault.every, head_too=fault.headers)
