"""One request in, one reply out: routing, auth, checks, faults and the operation, without sockets.

Order: unknown path/method (404/405), then the bearer token (403), then the members (400), then the rate limit
(429), then faults, then the operation (404/409/402 from the project's state).
"""

from __future__ import annotations

from dataclasses import dataclass

from gate.emulator.faults import DELIVERIES, REFUSALS, Delivery, FaultBook, delivery, refusal, spoil
from gate.emulator.model import ApiError
from gate.emulator.operations import dispatch
from gate.emulator.ratelimit import Limiter
from gate.emulator.state import EmulatorState
from gate.emulator.wire import Answer, Call, authorize, error_answer, json_answer, parse_call, route


@dataclass(frozen=True)
class Reply:
    answer: Answer | None  # None: close the connection without answering
    operation: str | None = None
    fault: str | None = None
    delay: float = 0.0
    delivery: Delivery | None = None  # written piece by piece instead of `answer` (which still says the status)


class Service:
    def __init__(self, *, state: EmulatorState, faults: FaultBook, token: str | None,
                 limiter: Limiter | None = None) -> None:
        self.state = state
        self.faults = faults
        self._token = token
        self.limiter = limiter

    def _workflow_of(self, call: Call) -> str | None:
        """The workflow a request is about, so a fault can be keyed by workflow."""
        if call.operation == "GetWorkflow":
            return str(call.params["id"]).lower()
        if call.operation == "GetWorkflowRun":
            try:
                return self.state.run(call.params["id"]).workflow_id
            except ApiError:
                return None
        workflow_id = call.params.get("workflowId")
        return workflow_id.lower() if workflow_id else None

    def respond(self, *, method: str, target: str, authorization: str | None, body: bytes) -> Reply:
        operation = None
        try:
            op, uri, query = route(method, target)
            operation = op.name
            authorize(authorization, expected=self._token)
            call = parse_call(op, uri, query, body)
            if self.limiter is not None and (refused := self.limiter.take(
                    token=authorization or "", space=str(call.params.get("spaceName", "")))) is not None:
                raise refused
        except ApiError as e:
            return Reply(error_answer(e), operation)
        run_id = call.params["id"].lower() if call.operation == "GetWorkflowRun" else None
        fault = self.faults.take(operation=call.operation, run_id=run_id, workflow_id=self._workflow_of(call))
        if fault is not None and fault.kind in REFUSALS:
            return Reply(refusal(fault), operation, fault.kind, fault.delay)
        document = None
        try:
            document = dispatch(self.state, call)
            answer = json_answer(document)
        except ApiError as e:
            answer = error_answer(e)
        if fault is None:
            return Reply(answer, operation)
        # The operation ran (a started run exists) even if its answer is lost or spoiled.
        if fault.kind in DELIVERIES:
            return Reply(answer, operation, fault.kind, fault.delay, delivery(fault, answer))
        return Reply(spoil(fault, answer, document), operation, fault.kind, fault.delay)
