"""The HTTP boundary: the five operations the gate calls (GetWorkflowRun, ListWorkflowRuns, ListWorkflows,
GetWorkflow, StartWorkflowRun) over one requests.Session, each answer parsed but not yet checked (gate.api.operations
checks it).

Foreign errors (HTTP statuses, bodies) are translated here into the gate's own; the network's, in gate.api.transport.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from gate import __version__
from gate.api import transport
from gate.api.schema import parse_document
from gate.api.transport import Answer
from gate.defaults import DEFAULT_ENDPOINT
from gate.errors import ApiRefused, GateError, InvalidResponse, TransientError

USER_AGENT = f"codecatalyst-gate/{__version__}"
MAX_MESSAGE = 500  # characters of a server's error message kept in the gate's error (after masking)
Mask = Callable[[str], str]
# What the AWS SDKs leave unescaped in a URI (botocore's percent_encode): RFC 3986's unreserved characters.
UNRESERVED = "-_.~"


def query_string(params: Mapping[str, str]) -> str:
    """A query as the AWS SDKs encode it: every other byte percent-escaped, so a space is %20 and never `+`,
    which a server that follows RFC 3986 reads as a plus (requests' `params=` encodes form-style)."""
    return "&".join(f"{quote(name, safe=UNRESERVED)}={quote(value, safe=UNRESERVED)}" for name, value in params.items())


def error_type(answer: Answer, document: Any) -> str:
    """rest-json: the x-amzn-ErrorType header wins, then `__type` or `code` in the body."""
    raw = answer.headers.get("x-amzn-errortype", "")
    if not raw and isinstance(document, dict):
        raw = str(document.get("__type") or document.get("code") or "")
    # "ValidationException:http://internal..." and "aws.protocol#ValidationException" both name the type.
    return raw.split(":", 1)[0].rsplit("#", 1)[-1].strip() or f"HTTP{answer.status}"


def error_message(document: Any, fallback: str) -> str:
    if isinstance(document, dict):
        message = document.get("message") or document.get("Message")
        if isinstance(message, str) and message:
            return message
    return fallback


def retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds a Retry-After header asks for (RFC 9110: delay-seconds or an HTTP date), or None when there is none
    or it cannot be read (malformed, negative, not finite): then the gate's own backoff decides. A date in the past
    is 0. How long is too long is the retry step's business (gate.pace.retry caps it)."""
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return float(int(text[:12]))  # 12 digits: thousands of years, read without a huge int
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # RFC 9110 dates are GMT; an unzoned one (-0000) is read as such
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())



def foreign(answer: Answer, document: Any) -> bool:
    """True when the answer is not one CodeCatalyst (or the emulator) gives: no JSON object, no JSON content type
    and no error type header (an HTML page, plain text). Gateways' 5xx pages and throttling are not told apart:
    those are transient whoever sends them."""
    if isinstance(document, dict) or answer.headers.get("x-amzn-errortype"):
        return False
    return "json" not in answer.headers.get("content-type", "").lower()


def not_codecatalyst(answer: Answer, *, method: str, url: str) -> InvalidResponse:
    """One line: what answered where, and what to do. No server text: only its status and whether it was HTML."""
    parts = urlsplit(url)
    body = "an HTML page" if "html" in answer.headers.get("content-type", "").lower() else "a body that is not JSON"
    return InvalidResponse(
        f"what answers at {parts.scheme}://{parts.netloc} is not CodeCatalyst (nor the emulator): {method} "
        f"{parts.path} got HTTP {answer.status} with {body}; check the endpoint ({DEFAULT_ENDPOINT} for "
        "CodeCatalyst, the URL `codecatalyst-gate emulator` prints first for the emulator) and any proxy")


def classify_error(answer: Answer, *, mask: Mask, now: datetime | None = None) -> GateError:
    """What a non-2xx answer means for the gate (pure, given `now`: when a Retry-After date is read). The server's
    message is masked (`mask`: the token, however echoed), then cut to MAX_MESSAGE characters: cut first, a token
    across the cut would be left unmasked in part."""
    try:
        document = parse_document(answer.body)
    except InvalidResponse:
        document = None
    kind = error_type(answer, document)
    text = answer.body.decode("utf-8", "replace").strip()
    message = error_message(document, "(no message)" if not text else "(not a JSON error body)")
    message = mask(message)[:MAX_MESSAGE]
    throttled = answer.status == 429 or kind == "ThrottlingException"
    if throttled or answer.status >= 500:
        wait = retry_after(answer.headers.get("retry-after"), now=now or datetime.now(UTC))
        return TransientError(f"HTTP {answer.status} {kind}: {message}", status=answer.status, throttled=throttled,
                              retry_after=wait)
    if 400 <= answer.status < 500:  # the model's 400, 401, 402, 403, 404, 409, and any other refusal
        return ApiRefused(status=answer.status, error_type=kind, message=message)
    return InvalidResponse(f"unexpected HTTP {answer.status} {kind}: {message}")


def parse_success(answer: Answer, *, what: str, mask: Mask, method: str = "GET", url: str = "") -> Any:
    """The parsed body of a 2xx answer; else the error it means. Something other than CodeCatalyst answering (a
    web server on the emulator's port, a proxy's page) is told as such, except where a retry may help (429, 5xx)."""
    try:
        document = parse_document(answer.body, source=what)
    except InvalidResponse as e:
        if (200 <= answer.status < 300 or 400 <= answer.status < 500) and answer.status != 429 \
                and foreign(answer, None):
            raise not_codecatalyst(answer, method=method, url=url) from None
        if 200 <= answer.status < 300:
            raise e from None
        document = None
    if not 200 <= answer.status < 300:
        raise classify_error(answer, mask=mask)
    return document


class CodeCatalystClient:
    """A thin, typed client for the operations the gate needs; a context manager that owns its session.

    Answers come back as the server sent them: the token is masked where text leaves the process (gate.report.sink,
    the displays), never inside the data that is validated. A server's error message is the exception: the client
    cuts it, so it masks it first with `mask` (the composition root's redactor). `calls` counts every request sent,
    by operation, retries included (each retry is a call of its own), answered or not: the result's `api-calls`."""

    def __init__(
        self,
        *,
        endpoint: str,
        token: str,
        env: Mapping[str, str],
        mask: Mask,
        session: requests.Session | None = None,
        connect_timeout: float = transport.CONNECT_TIMEOUT,
        read_timeout: float = transport.REQUEST_LIMIT,  # bounds the whole request by the wall clock, not one read
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._connect, self._limit, self._mask = connect_timeout, read_timeout, mask
        self._transport = transport.Transport(env=env, session=session)
        self._session = self._transport.session
        self.calls: Counter[str] = Counter()
        self._session.headers.update({
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        })

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> CodeCatalystClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _url(self, *segments: str, query: Mapping[str, str] | None = None) -> str:
        url = self.endpoint + "/v1/" + "/".join(quote(s, safe="") for s in segments)
        return f"{url}?{query_string(query)}" if query else url

    def _call(self, method: str, url: str, *, what: str, remaining: float | None = None, **kwargs: Any) -> Any:
        """One request through gate.api.transport, which bounds it by the wall clock (never much past the deadline:
        `remaining`) and in size, and words its failures without server text; then the answer, parsed. Counted before
        it is sent: a request that fails is a call too."""
        self.calls[what.split(" ", 1)[0]] += 1  # `what` starts with the operation's name
        answer = self._transport.send(method, url, limit=self._limit, connect_timeout=self._connect,
                                      remaining=remaining, **kwargs)
        return parse_success(answer, what=what, mask=self._mask, method=method, url=url)

    def get_workflow_run(
        self, *, space: str, project: str, run_id: str, remaining: float | None = None
    ) -> Any:
        """The parsed (not yet schema-checked) GetWorkflowRun body."""
        url = self._url("spaces", space, "projects", project, "workflowRuns", run_id)
        return self._call("GET", url, what="GetWorkflowRun response", remaining=remaining)

    def list_workflow_runs(
        self, *, space: str, project: str, workflow_id: str, max_results: int = 50, next_token: str | None = None,
        remaining: float | None = None,
    ) -> Any:
        """One page of a workflow's runs, in the service's order (the API documents none; ListWorkflowRuns is a
        POST in the model)."""
        params = {"workflowId": workflow_id, "maxResults": str(max_results)} | (
            {"nextToken": next_token} if next_token else {})
        url = self._url("spaces", space, "projects", project, "workflowRuns", query=params)
        return self._call("POST", url, what="ListWorkflowRuns response", remaining=remaining, json={})

    def list_workflows(
        self, *, space: str, project: str, next_token: str | None = None, max_results: int = 100,
        remaining: float | None = None,
    ) -> Any:
        """One page of the project's workflows (ListWorkflows is a POST; maxResults 1-100 in the model)."""
        params = {"maxResults": str(max_results)} | ({"nextToken": next_token} if next_token else {})
        url = self._url("spaces", space, "projects", project, "workflows", query=params)
        return self._call("POST", url, what="ListWorkflows response", remaining=remaining, json={})

    def get_workflow(self, *, space: str, project: str, workflow_id: str, remaining: float | None = None) -> Any:
        """The parsed (not yet schema-checked) GetWorkflow body: the workflow's name, among others."""
        url = self._url("spaces", space, "projects", project, "workflows", workflow_id)
        return self._call("GET", url, what="GetWorkflow response", remaining=remaining)

    def start_workflow_run(
        self, *, space: str, project: str, workflow_id: str, client_token: str, remaining: float | None = None
    ) -> Any:
        """StartWorkflowRun (a PUT). Always with a clientToken: a retry with the same token gets the same run."""
        url = self._url("spaces", space, "projects", project, "workflowRuns", query={"workflowId": workflow_id})
        return self._call("PUT", url, what="StartWorkflowRun response", remaining=remaining,
                          json={"clientToken": client_token})
